# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of a loaded Compose model before the first write to the engine (private to dockyard.azure).

The engine calls check_model() before it touches anything: whatever would make a container
create fail halfway (after the project network was made) is refused here, with the key at fault.
Pure apart from looking at files: build contexts always (the SDK uploads them from this host),
and bind sources and secret/config files when the engine runs on this host (`local_files`);
for a remote engine those paths are the Docker host's, which only the engine can see.

What it refuses: keys and values the container spec cannot express (spec.create_body is built for
every service, so durations, sizes, volume types such as npipe all fail here), two services with one
container_name, one host port published by two services, secrets and configs whose file is missing
or whose environment variable is unset, external secrets (Swarm only), dockerfile_inline, and a
build context or Dockerfile that is not there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels as L
from ansible_collections.dockyard.azure.plugins.module_utils.compose import spec
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError, PlanError
from ansible_collections.dockyard.azure.plugins.module_utils.compose.types import Model
from ansible_collections.dockyard.azure.plugins.module_utils.docker.images import is_image_reference

# Volume types a Linux engine mounts (the Compose schema also knows npipe and cluster).
MOUNT_TYPES = ('volume', 'bind', 'tmpfs')
_PLACEHOLDER_ID = 'preflight'


def check_model(project: str, model: Model, environment: Mapping[str, str] | None = None,
                local_files: bool = False) -> None:
    """Raise PlanError, naming the key, for anything in `model` that would fail after a write."""
    services = model.get('services') or {}
    for name in sorted(services):
        service = services[name] or {}
        _check_image(name, service)
        _check_restart(name, service)
        _check_formats(name, service)
        _check_volumes(name, service, local_files)
        _check_secrets_and_configs(name, service, model, environment or {}, local_files)
        _check_build(name, service)
        _check_create_body(project, name, service, model)
    _check_container_names(services)
    _check_host_ports(services)


# Keys whose values the engine gets as durations or sizes: checked here so the error names the key.
DURATION_KEYS = (('stop_grace_period',), ('healthcheck', 'interval'), ('healthcheck', 'timeout'),
                 ('healthcheck', 'start_period'), ('healthcheck', 'start_interval'))
SIZE_KEYS = (('mem_limit',), ('mem_reservation',), ('memswap_limit',), ('shm_size',), ('build', 'shm_size'),
             ('deploy', 'resources', 'limits', 'memory'), ('deploy', 'resources', 'reservations', 'memory'))
NUMBER_KEYS = (('cpus',), ('deploy', 'resources', 'limits', 'cpus'))


def _value(service: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = service
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _check_formats(name: str, service: Mapping[str, Any]) -> None:
    for paths, convert, what in ((DURATION_KEYS, spec.duration_ns, 'a duration such as 10s or 1m30s'),
                                 (SIZE_KEYS, spec.size_bytes, 'a size such as 512m or 1g'),
                                 (NUMBER_KEYS, float, 'a number')):
        for path in paths:
            value = _value(service, path)
            if value is None:
                continue
            try:
                convert(value)
            except (ComposeError, TypeError, ValueError):
                raise PlanError('services.%s.%s: %r is not %s' % (name, '.'.join(path), value, what)) from None


RESTART = re.compile(r'^(no|always|unless-stopped|on-failure(:[0-9]+)?)$')


def _check_restart(name: str, service: Mapping[str, Any]) -> None:
    restart = service.get('restart')
    if restart is not None and not RESTART.match(str(restart)):
        raise PlanError("services.%s.restart: '%s' is not a restart policy (no, always, on-failure[:N], unless-stopped)"
                        % (name, restart))


def _check_image(name: str, service: Mapping[str, Any]) -> None:
    image = service.get('image')
    if image is not None and not is_image_reference(image):
        raise PlanError("services.%s.image: '%s' is not an image reference (a lowercase repository, an optional :tag and "
                        "@sha256 digest)" % (name, image))


def _check_volumes(name: str, service: Mapping[str, Any], local_files: bool) -> None:
    for index, volume in enumerate(service.get('volumes') or []):
        where = 'services.%s.volumes[%d]' % (name, index)
        kind = volume.get('type', 'volume')
        if kind not in MOUNT_TYPES:
            raise PlanError('%s: type %s is not supported by this engine (Linux containers mount %s)'
                            % (where, kind, ', '.join(MOUNT_TYPES)))
        source = volume.get('source')
        create_host_path = (volume.get('bind') or {}).get('create_host_path')
        if kind == 'bind' and local_files and source and not create_host_path and not os.path.exists(source):
            raise PlanError('%s: bind source %s does not exist on the Docker host' % (where, source))


def _check_create_body(project: str, name: str, service: Mapping[str, Any], model: Model) -> None:
    """Build the container body once, as the engine will: every SpecError surfaces before a write."""
    try:
        spec.create_body(project, name, service, model, L.container_name(project, name, 1, service), {},
                         spec.image_ref(project, name, service), network_mode_container=_PLACEHOLDER_ID)
    except PlanError:
        raise
    except ComposeError as exc:
        text = exc.msg if exc.msg.startswith('services.') else 'services.%s: %s' % (name, exc.msg)
        raise PlanError(text) from exc
    except (TypeError, ValueError, KeyError) as exc:
        raise PlanError('services.%s: %s' % (name, exc)) from exc


def _check_build(name: str, service: Mapping[str, Any]) -> None:
    build = service.get('build')
    if build is None:
        return
    if build.get('dockerfile_inline'):
        raise PlanError('services.%s.build.dockerfile_inline is not supported by this engine; put the Dockerfile '
                        'in the build context' % name)
    context = build.get('context') or '.'
    if '://' in context or context.startswith('git@'):
        return  # a remote context: the engine fetches it
    if not os.path.isdir(context):
        raise PlanError('services.%s.build.context: %s is not a directory' % (name, context))
    dockerfile = build.get('dockerfile') or 'Dockerfile'
    path = dockerfile if os.path.isabs(dockerfile) else os.path.join(context, dockerfile)
    if not os.path.isfile(path):
        raise PlanError('services.%s.build.dockerfile: %s does not exist' % (name, path))


def _check_secrets_and_configs(name: str, service: Mapping[str, Any], model: Model, environment: Mapping[str, str],
                               local_files: bool) -> None:
    for kind in ('secrets', 'configs'):
        declared = model.get(kind) or {}
        for ref in service.get(kind) or []:
            source = ref.get('source')
            obj = declared.get(source)
            if obj is None:
                raise PlanError('services.%s.%s: %s %s is not declared in the top-level %s'
                                % (name, kind, kind[:-1], source, kind))
            if obj.get('external'):
                raise PlanError('%s.%s: external %s are not supported outside Swarm' % (kind, source, kind))
            path = obj.get('file')
            if path and local_files and not os.path.exists(path):
                raise PlanError('%s.%s.file: %s does not exist' % (kind, source, path))
            variable = obj.get('environment')
            if variable and variable not in environment:
                raise PlanError('%s.%s.environment: environment variable %s is not set' % (kind, source, variable))


def _check_container_names(services: Mapping[str, Any]) -> None:
    owners: dict[str, str] = {}
    for name in sorted(services):
        fixed = (services[name] or {}).get('container_name')
        if not fixed:
            continue
        if fixed in owners:
            raise PlanError('services.%s.container_name: %s is already the container name of service %s'
                            % (name, fixed, owners[fixed]))
        owners[fixed] = name


def _check_host_ports(services: Mapping[str, Any]) -> None:
    owners: dict[tuple[str, str, str], str] = {}
    for name in sorted(services):
        for port in (services[name] or {}).get('ports') or []:
            published = str(port.get('published') or '')
            if not published.isdigit():
                continue  # none (an ephemeral port) or a range: the engine picks
            key = (port.get('host_ip') or '', published, port.get('protocol') or 'tcp')
            other = owners.get(key)
            if other is not None and other != name:
                raise PlanError('services.%s.ports: host port %s%s/%s is also published by service %s'
                                % (name, key[0] + ':' if key[0] else '', published, key[2], other))
            owners[key] = name
