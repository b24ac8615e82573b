# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Push local images to a registry (private to dockyard.azure): the image_push module's logic.

Plan first, from reads only: each image's ID and the digests its repository names locally
(RepoDigests), and for each wanted tag the digest the registry serves (HEAD of the manifest). A tag
is up to date when the registry serves a digest this image already has for that repository (it
was pushed, or pulled, from there); only the other tags are pushed. The engine pushes with the
credentials given (X-Registry-Auth) and skips the layers the registry has; the push stream says
which layers it uploaded. A tag counts as changed when the registry's digest for it changed.

Credentials are checked at the registry's token service before anything is pushed, so wrong ones
fail in one line that names the registry. Trust in a private CA goes through a certs.d entry for
that registry only, written for the push and removed afterwards (registry.trust).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import error_text, is_not_found
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError
from ansible_collections.dockyard.azure.plugins.module_utils.registry.client import RegistryClient, login_server, registry_of
from ansible_collections.dockyard.azure.plugins.module_utils.registry.trust import CertsDirEntry, read_ca

if TYPE_CHECKING:
    from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerContext


class ImagePushError(DockyardError):
    """An image could not be pushed; the message names the image and the registry."""


@dataclass
class PushItem:
    """One entry of `images`: a local image (tag or ID), the repository and the tags it gets in the registry."""

    source: str
    repository: str
    tags: list[str]
    index: int


@dataclass
class PushResult:
    """What happened to one image (the module returns it as a dict)."""

    source: str
    id: str
    repository: str
    tags: list[str]
    reference: str
    digests: dict[str, str | None] = field(default_factory=dict)
    pushed_tags: list[str] = field(default_factory=list)
    layers_pushed: int = 0
    layers_skipped: int = 0
    changed: bool = False


def _is_image_id(text: str) -> bool:
    plain = text[len('sha256:'):] if text.startswith('sha256:') else text
    return len(plain) >= 12 and all(c in '0123456789abcdef' for c in plain) and (
        text.startswith('sha256:') or len(plain) in (12, 64))


def _split_source(source: str) -> tuple[str | None, str | None]:
    """(repository without a registry host, tag) of a local reference; (None, None) for an image ID."""
    if _is_image_id(source):
        return None, None
    name = source.split('@', 1)[0]
    repository, tag = name, None
    last = name.rsplit('/', 1)[-1]
    if ':' in last:
        repository, tag = name.rsplit(':', 1)
    host = registry_of(repository)
    if host:
        repository = repository[len(host) + 1:]
    return repository, tag


def parse_images(images: list[Any]) -> list[PushItem]:
    """`images` (strings, or dicts with source/repository/tags) as PushItems; errors name `images[i]`."""
    items = []
    for index, entry in enumerate(images or []):
        where = 'images[%d]' % index
        spec = {'source': entry} if isinstance(entry, str) else entry
        if not isinstance(spec, Mapping) or not isinstance(spec.get('source'), str) or not spec['source'].strip():
            raise ImagePushError('%s: give a local image (name:tag or ID) as a string, or a dict with source, and '
                                 'optionally repository and tags' % where, option='images')
        unknown = set(spec) - {'source', 'repository', 'tags'}
        if unknown:
            raise ImagePushError('%s: unknown key(s) %s (known: source, repository, tags)'
                                 % (where, ', '.join(sorted(unknown))), option='images')
        source = spec['source'].strip()
        repository, tag = _split_source(source)
        repository = spec.get('repository') or repository
        if not repository:
            raise ImagePushError('%s.repository is required when the source is an image ID (%s)' % (where, source),
                                 option='images')
        if repository != repository.lower() or repository.startswith('/') or '//' in repository:
            raise ImagePushError("%s.repository: '%s' is not a valid repository name (lower case, path components "
                                 "separated by '/')" % (where, repository), option='images')
        tags = spec.get('tags') or [tag or 'latest']
        if isinstance(tags, str) or not all(isinstance(t, (str, int, float)) for t in tags):
            raise ImagePushError('%s.tags must be a list of tags' % where, option='images')
        items.append(PushItem(source, repository, [str(t) for t in tags], index))
    if not items:
        raise ImagePushError('images: give at least one image to push', option='images')
    return items


def _local_image(client: Any, item: PushItem) -> dict[str, Any]:
    try:
        return dict(client.inspect_image(item.source))
    except Exception as exc:  # pylint: disable=broad-except
        if is_not_found(exc):
            raise ImagePushError('images[%d]: %s is not an image of the local engine (build or pull it first)'
                                 % (item.index, item.source), option='images') from exc
        raise ImagePushError('images[%d]: inspect %s: %s' % (item.index, item.source, error_text(exc))) from exc


class ImagePushManager:
    """Push `images` from the module's engine to `registry` (see the module docstring)."""

    def __init__(self, context: DockerContext, params: Mapping[str, Any]) -> None:
        self.context = context
        self.registry = login_server(params['registry'])
        if not self.registry or '/' in self.registry:
            raise ImagePushError("registry: '%s' is not a login server (host[:port], e.g. myregistry.azurecr.io)"
                                 % params['registry'], option='registry')
        self.items = parse_images(params['images'])
        self.username: str | None = params.get('username')
        self.password: str | None = params.get('password')
        if bool(self.username) != bool(self.password):
            raise ImagePushError('username and password go together', option='password' if self.username else 'username')
        self.ca_data = read_ca(params['registry_ca_cert']) if params.get('registry_ca_cert') else None
        self.certs_dir: str = params.get('certs_dir') or '/etc/docker/certs.d'
        verify: bool | str = params['registry_ca_cert'] if params.get('registry_ca_cert') else True
        self.registry_client = RegistryClient(self.registry, self.username, self.password, verify=verify)

    @contextlib.contextmanager
    def _trusted(self) -> Iterator[None]:
        if self.ca_data is None:
            yield
            return
        with CertsDirEntry(self.certs_dir, self.registry, self.ca_data):
            yield

    def run(self) -> dict[str, Any]:
        client = self.context.client
        self.registry_client.check_credentials()  # wrong credentials: one line, before anything else
        planned = [self._plan(client, item) for item in self.items]  # reads only
        stale = [(image_id, result) for image_id, result in planned if result.changed]
        if stale and not self.context.check_mode:
            # the engine needs the registry's CA only to push: check mode and an unchanged run write nothing
            with self._trusted():
                for image_id, result in stale:
                    self._apply(client, image_id, result)
        results = [result for dummy, result in planned]
        return {'changed': any(r.changed for r in results), 'registry': self.registry,
                'images': [vars(r) for r in results]}

    def _plan(self, client: Any, item: PushItem) -> tuple[str, PushResult]:
        """(the image ID, its result with `pushed_tags` the tags to push; `changed` when there are any)."""
        image = _local_image(client, item)
        target = '%s/%s' % (self.registry, item.repository)
        local_digests = {d.split('@', 1)[1] for d in image.get('RepoDigests') or [] if d.split('@', 1)[0] == target}
        remote = {tag: self.registry_client.manifest_digest(item.repository, tag) for tag in item.tags}
        result = PushResult(source=item.source, id=image['Id'], repository=item.repository, tags=list(item.tags),
                            reference='%s:%s' % (target, item.tags[0]), digests=dict(remote))
        result.pushed_tags = [tag for tag in item.tags if remote[tag] is None or remote[tag] not in local_digests]
        result.changed = bool(result.pushed_tags)
        return image['Id'], result

    def _apply(self, client: Any, image_id: str, result: PushResult) -> None:
        """Push the planned tags; `changed` ends true only when the registry's digest of one of them changed."""
        target = '%s/%s' % (self.registry, result.repository)
        before = dict(result.digests)
        for tag in result.pushed_tags:
            self._tag(client, image_id, target, tag)
            digest, pushed, skipped = self._stream_push(client, target, tag)
            result.digests[tag] = digest
            result.layers_pushed += pushed
            result.layers_skipped += skipped
        result.changed = any(result.digests[tag] != before[tag] for tag in result.pushed_tags)

    @staticmethod
    def _tag(client: Any, image_id: str, target: str, tag: str) -> None:
        try:
            client.tag(image_id, target, tag)
        except Exception as exc:  # pylint: disable=broad-except
            raise ImagePushError('tag %s as %s:%s: %s' % (image_id, target, tag, error_text(exc))) from exc

    def _stream_push(self, client: Any, target: str, tag: str) -> tuple[str | None, int, int]:
        """Push `target:tag`; (the digest the registry took, layers uploaded, layers it had already)."""
        auth = {'username': self.username, 'password': self.password} if self.username else None
        pushed, skipped, digest, error = set(), set(), None, None
        try:
            for event in client.push(target, tag=tag, stream=True, decode=True, auth_config=auth):
                if not isinstance(event, dict):
                    continue
                if event.get('error') or event.get('errorDetail'):
                    error = event.get('error') or (event.get('errorDetail') or {}).get('message')
                status = str(event.get('status') or '')
                if status == 'Pushed':
                    pushed.add(event.get('id'))
                elif status == 'Layer already exists' or status.startswith('Mounted from'):
                    skipped.add(event.get('id'))
                aux = event.get('aux')
                if isinstance(aux, dict) and aux.get('Digest'):
                    digest = aux['Digest']
        except Exception as exc:  # pylint: disable=broad-except
            raise ImagePushError('push %s:%s: %s' % (target, tag, error_text(exc))) from exc
        if error:
            raise ImagePushError('push %s:%s: %s' % (target, tag, ' '.join(str(error).split())))
        return digest, len(pushed), len(skipped)
