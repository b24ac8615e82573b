# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copy images between two Docker engines by streaming ``save`` into ``load`` (private to dockyard.azure).

plan_copy reads both engines and says, per image, copy, tag or skip; copy_image and tag_image
write to the target. ImageCopyManager is the image_copy module's logic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import error_text, is_not_found
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError

if TYPE_CHECKING:
    from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerContext


class ImageCopyError(DockyardError):
    """Copying an image failed; the message names the image and the engine."""


# The image reference grammar of the distribution project (docker/reference): [domain[:port]/]path[:tag][@digest].
# A first component is a domain only with a '.' or a port, or when it is localhost (as the engine decides).
_HOST = r'[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?'
_DOMAIN = r'(?:(?:%s(?:\.%s)+(?::[0-9]+)?|%s:[0-9]+|localhost)/)?' % (_HOST, _HOST, _HOST)
_COMPONENT = r'[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
IMAGE_REFERENCE = re.compile(r'^%s%s(?:/%s)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$'
                             % (_DOMAIN, _COMPONENT, _COMPONENT))


def is_image_reference(ref: Any) -> bool:
    """Whether `ref` is an image reference the engine accepts (lowercase repository, optional tag and digest)."""
    return isinstance(ref, str) and len(ref) <= 255 and bool(IMAGE_REFERENCE.match(ref))


def _image_id(client, ref, where):
    try:
        return client.inspect_image(ref).get('Id')
    except Exception as exc:  # pylint: disable=broad-except
        if is_not_found(exc):
            return None
        raise ImageCopyError('inspect image %s on the %s engine: %s' % (ref, where, error_text(exc))) from exc


def normalize_ref(ref: str) -> str:
    """'busybox' -> 'busybox:latest'; drop the docker.io/library/ prefix as the engine does."""
    name = ref
    for prefix in ('docker.io/library/', 'index.docker.io/library/', 'docker.io/', 'index.docker.io/'):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    if '@' in name:
        return name
    last = name.rsplit('/', 1)[-1]
    if ':' not in last:
        name += ':latest'
    return name


def split_ref(ref: str) -> tuple[str, str | None]:
    """(repository, tag) of an image reference: 'busybox' -> ('busybox', 'latest'); a digest reference has no tag."""
    name = normalize_ref(ref)
    if '@' in name:
        return name, None
    repo, tag = name.rsplit(':', 1)
    return repo, tag


def plan_copy(source: Any, target: Any, images: list[str]) -> list[dict[str, Any]]:
    """[{'image', 'id', 'action': 'copy'|'tag'|'skip'}] (reads only)."""
    plan = []
    for ref in images:
        image_id = _image_id(source, ref, 'source')
        if image_id is None:
            raise ImageCopyError('images: %s is not present on the source engine' % ref)
        on_target = _image_id(target, ref, 'target')
        if on_target == image_id:
            action = 'skip'
        elif _image_id(target, image_id, 'target') == image_id:
            action = 'tag'
        else:
            action = 'copy'
        plan.append({'image': ref, 'id': image_id, 'action': action})
    return plan


def copy_image(source, target, ref, chunk_size=2 * 1024 * 1024):
    """Stream ``docker save ref`` from source into ``docker load`` on target."""
    try:
        stream = source.get_image(ref, chunk_size=chunk_size)
    except Exception as exc:  # pylint: disable=broad-except
        raise ImageCopyError('save image %s on the source engine: %s' % (ref, error_text(exc))) from exc
    try:
        result = target.load_image(stream)
        for event in result or []:
            if isinstance(event, dict) and (event.get('error') or event.get('errorDetail')):
                raise ImageCopyError('load image %s on the target engine: %s'
                                     % (ref, event.get('error') or event['errorDetail'].get('message')))
    except ImageCopyError:
        raise
    except Exception as exc:  # pylint: disable=broad-except
        raise ImageCopyError('load image %s on the target engine: %s' % (ref, error_text(exc))) from exc


def tag_image(target, image_id, ref):
    repo, tag = split_ref(ref)
    try:
        target.tag(image_id, repo, tag)
    except Exception as exc:  # pylint: disable=broad-except
        raise ImageCopyError('tag image %s on the target engine: %s' % (ref, error_text(exc))) from exc


class ImageCopyManager:
    """Copy `images` from the `source` engine (connection options; the default engine when None) to the module's."""

    def __init__(self, context: DockerContext, images: list[str], source: Mapping[str, Any] | None) -> None:
        for ref in images:
            if not is_image_reference(ref):
                raise ImageCopyError("images: '%s' is not an image reference (a lowercase repository, an optional :tag "
                                     "and @sha256 digest)" % ref, option='images')
        self.context = context
        self.images = images
        self.source = source

    def run(self) -> dict[str, Any]:
        source = self.context.client_for(self.source or {}, 'source')
        target = self.context.client
        result: dict[str, Any] = dict(changed=False, copied=[], tagged=[], already_present=[])
        try:
            for item in plan_copy(source, target, self.images):
                if item['action'] == 'skip':
                    result['already_present'].append(item['image'])
                    continue
                if not self.context.check_mode:
                    if item['action'] == 'copy':
                        copy_image(source, target, item['image'])
                    else:
                        tag_image(target, item['id'], item['image'])
                result['copied' if item['action'] == 'copy' else 'tagged'].append(item['image'])
                result['changed'] = True
        except ImageCopyError as exc:
            exc.extra.update(result)  # what was copied before the failure
            raise
        return result
