# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a Compose project's files are (private to dockyard.azure; internal to the Compose loader).

The default file names, ``~`` expansion against the project's HOME, and relative paths of a
loaded file resolved against its directory (build contexts, env files, bind mounts, ...).
"""

from __future__ import annotations

import os
import re

from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError

DEFAULT_FILES = ('compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml')
DEFAULT_OVERRIDE_FILES = ('compose.override.yaml', 'compose.override.yml',
                          'docker-compose.override.yml', 'docker-compose.override.yaml')


def find_default_files(workdir: str) -> list[str]:
    """The first default Compose file of `workdir` and its first override file, as Compose picks them."""
    found = [os.path.join(workdir, f) for f in DEFAULT_FILES if os.path.isfile(os.path.join(workdir, f))]
    if not found:
        return []
    files = [found[0]]
    overrides = [os.path.join(workdir, f) for f in DEFAULT_OVERRIDE_FILES
                 if os.path.isfile(os.path.join(workdir, f))]
    if overrides:
        files.append(overrides[0])
    return files


class Context:
    """What path resolution needs from one load_project call: the HOME that ``~`` stands for."""

    def __init__(self, home: str) -> None:
        self.home = home

    def expand_user(self, path: str) -> str:
        if path.startswith('~'):
            return os.path.normpath(os.path.join(self.home, path[1:].lstrip('/'))) if path != '~' else self.home
        return path


_WINDOWS_ABS = re.compile(r'^([A-Za-z]:[\\/]|\\\\)')


def absolute(ctx: Context, base: str, path: str, maybe_windows: bool = False) -> str:
    """`path` made absolute against `base` (after ``~`` expansion); Windows paths kept where Compose keeps them."""
    path = ctx.expand_user(path)
    if os.path.isabs(path):
        return path
    if maybe_windows and _WINDOWS_ABS.match(path):
        return path
    if path == '':
        return path
    return os.path.normpath(os.path.join(base, path))


def resolve_symbolic_links(path: str) -> str:
    """`path` with the symbolic links of its longest existing part resolved (compose-go's ResolveSymbolicLink).

    What develop.watch watches is the link's target; the missing rest of the path is kept as written, and
    a dangling link is an error, as in Compose.
    """
    head = path
    rest: list[str] = []
    while not os.path.lexists(head):
        parent = os.path.dirname(head)
        if parent == head:
            return path
        rest.insert(0, os.path.basename(head))
        head = parent
    try:
        resolved = os.path.realpath(head, strict=True)
    except OSError as exc:
        raise ComposeError('cannot resolve %s: %s' % (path, exc.strerror or exc)) from None
    return os.path.join(resolved, *rest)


_REMOTE_CONTEXT = re.compile(r'^(git://|git@|github\.com/|https?://)')


def _ssh_key(ctx: Context, base: str, key):
    """``id=path``: the path (a key or an agent socket) resolved against `base`; a bare ``id`` is kept."""
    if not isinstance(key, str) or '=' not in key:
        return key
    name, _sep, path = key.partition('=')
    return '%s=%s' % (name, absolute(ctx, base, path, True)) if path else name


def resolve_relative_paths(ctx: Context, model: dict, base: str) -> dict:
    """Every relative path of a loaded file's tree resolved against `base`, its directory."""
    for service in (model.get('services') or {}).values():
        if not isinstance(service, dict):
            continue
        build = service.get('build')
        if isinstance(build, dict):
            context = build.get('context')
            if isinstance(context, str) and '://' not in context and not _REMOTE_CONTEXT.match(context):
                build['context'] = absolute(ctx, base, context)
            if isinstance(build.get('ssh'), list):
                build['ssh'] = [_ssh_key(ctx, base, key) for key in build['ssh']]
            extra = build.get('additional_contexts')
            if isinstance(extra, dict):
                for key, item in extra.items():
                    if isinstance(item, str) and '://' not in item and not item.startswith('service:') \
                            and not _REMOTE_CONTEXT.match(item):
                        extra[key] = absolute(ctx, base, item)
        for env_file in service.get('env_file') or []:
            if isinstance(env_file, dict) and isinstance(env_file.get('path'), str):
                env_file['path'] = absolute(ctx, base, env_file['path'])
        if isinstance(service.get('label_file'), list):
            service['label_file'] = [absolute(ctx, base, p) for p in service['label_file']]
        extends = service.get('extends')
        if isinstance(extends, dict) and isinstance(extends.get('file'), str):
            extends['file'] = absolute(ctx, base, extends['file'])
        develop = service.get('develop')
        for trigger in (develop.get('watch') or []) if isinstance(develop, dict) else []:
            if isinstance(trigger, dict) and isinstance(trigger.get('path'), str):
                trigger['path'] = resolve_symbolic_links(absolute(ctx, base, trigger['path']))
        for volume in service.get('volumes') or []:
            if isinstance(volume, dict) and volume.get('type') == 'bind':
                if 'source' not in volume:
                    raise ComposeError('invalid mount config for type "bind": field Source must not be empty',
                                       key='services.%s.volumes' % service.get('name', ''))
                volume['source'] = absolute(ctx, base, str(volume['source']), True)
    for kind in ('configs', 'secrets'):
        for res in (model.get(kind) or {}).values():
            if isinstance(res, dict) and isinstance(res.get('file'), str):
                res['file'] = absolute(ctx, base, res['file'], True)
    for res in (model.get('volumes') or {}).values():
        if isinstance(res, dict) and res.get('driver') == 'local':
            opts = res.get('driver_opts')
            if isinstance(opts, dict) and opts.get('o') == 'bind' and isinstance(opts.get('device'), str):
                opts['device'] = absolute(ctx, base, opts['device'], True)
    return model
