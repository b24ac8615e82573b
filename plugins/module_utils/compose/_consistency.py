# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cross-reference checks of a loaded project, as compose-go's checkConsistency does
(private to dockyard.azure; internal to the Compose loader), and the profile rule that decides
which services are active.
"""

from __future__ import annotations

import struct

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _formats as fmt
from ansible_collections.dockyard.azure.plugins.module_utils.compose._dependencies import dependency_order
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError, FormatError


def is_active(service, profiles):
    wanted = service.get('profiles') or []
    if not wanted:
        return True
    if '*' in profiles:
        return True
    return any(p in profiles for p in wanted)


def _check_cycles(services):
    _order, cycle = dependency_order({name: [dep for dep in service.get('depends_on') or {} if dep in services]
                                      for name, service in services.items()})
    if cycle:
        raise ComposeError('dependency cycle detected: %s' % ' -> '.join(cycle))


def _float32(value):
    try:
        return struct.unpack('f', struct.pack('f', float(value)))[0]
    except (TypeError, ValueError):
        return None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _bytes(value):
    try:
        return fmt.ram_in_bytes(value)
    except FormatError:
        return None


# service key, deploy.resources section, its key, how values compare (Go types: float32, bytes, int)
_DEPLOY_TWINS = (
    ('cpus', 'limits', 'cpus', _float32),
    ('mem_limit', 'limits', 'memory', _bytes),
    ('mem_reservation', 'reservations', 'memory', _bytes),
    ('pids_limit', 'limits', 'pids', _int),
)


def _check_deploy_twins(name, s, where):
    """A service key and its deploy.resources twin may not disagree (an absent twin counts as 0)."""
    resources = (s.get('deploy') or {}).get('resources') or {} if isinstance(s.get('deploy'), dict) else None
    if resources is None:
        return
    for key, section, twin, convert in _DEPLOY_TWINS:
        value = s.get(key)
        if value is None or not convert(value) or not isinstance(resources.get(section), dict):
            continue
        other = resources[section].get(twin)
        if convert(value) != (convert(other) if other is not None else 0):
            raise ComposeError("can't set distinct values on '%s' and 'deploy.resources.%s.%s'"
                               % (key, section, twin), key=where)


def _check_build(name, s, secrets, where):
    build = s.get('build')
    if not isinstance(build, dict):
        return
    if build.get('dockerfile_inline') and build.get('dockerfile'):
        raise ComposeError('service "%s" declares mutualy exclusive dockerfile and dockerfile_inline' % name,
                           key=where + '.build')
    platforms = build.get('platforms') or []
    if platforms and s.get('platform') and s['platform'] not in platforms:
        raise ComposeError('service.build.platforms MUST include service.platform "%s"' % s['platform'],
                           key=where + '.build.platforms')
    for secret in build.get('secrets') or []:
        if secret.get('source') not in secrets:
            raise ComposeError('service "%s" refers to undefined build secret %s' % (name, secret.get('source')),
                               key=where + '.build.secrets')


def check_consistency(model, enabled, disabled):
    networks = model.get('networks') or {}
    volumes = model.get('volumes') or {}
    secrets = model.get('secrets') or {}
    configs = model.get('configs') or {}
    for name in sorted(enabled):
        s = enabled[name]
        where = 'services.%s' % name
        if not s.get('build') and not s.get('image') and not s.get('provider'):
            raise ComposeError('service "%s" has neither an image nor a build context specified' % name, key=where)
        if s.get('network_mode') and s.get('networks'):
            raise ComposeError('service %s declares mutually exclusive `network_mode` and `networks`' % name,
                               key=where)
        _check_build(name, s, secrets, where)
        for net in s.get('networks') or {}:
            if net not in networks:
                raise ComposeError('service "%s" refers to undefined network %s' % (name, net), key=where)
        test = (s.get('healthcheck') or {}).get('test')
        if isinstance(test, list) and test and test[0] not in ('CMD', 'CMD-SHELL', 'NONE'):
            raise ComposeError('healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"', key=where)
        for dep, cfg in (s.get('depends_on') or {}).items():
            if dep in enabled:
                continue
            required = cfg.get('required', True) if isinstance(cfg, dict) else True
            if dep in disabled and not required:
                continue
            raise ComposeError('service "%s" depends on undefined service "%s"' % (name, dep),
                               key=where + '.depends_on')
        mode = s.get('network_mode')
        if isinstance(mode, str) and mode.startswith('service:'):
            ref = mode[len('service:'):]
            if ref not in enabled:
                raise ComposeError("service \"%s\" not found for network_mode 'service:%s'" % (ref, ref),
                                   key=where)
        for vol in s.get('volumes') or []:
            if vol.get('type') == 'volume' and vol.get('source') and vol['source'] not in volumes:
                raise ComposeError('service "%s" refers to undefined volume %s' % (name, vol['source']),
                                   key=where + '.volumes')
        for secret in s.get('secrets') or []:
            if secret.get('source') not in secrets:
                raise ComposeError('service "%s" refers to undefined secret %s' % (name, secret.get('source')),
                                   key=where + '.secrets')
        for config in s.get('configs') or []:
            if config.get('source') not in configs:
                raise ComposeError('service "%s" refers to undefined config %s' % (name, config.get('source')),
                                   key=where + '.configs')
        scale = s.get('scale')
        deploy = s.get('deploy') or {}
        if scale is not None and isinstance(s.get('deploy'), dict):
            if deploy.get('replicas') is not None and scale != deploy['replicas']:
                raise ComposeError("can't set distinct values on 'scale' and 'deploy.replicas'", key=where)
            s['deploy']['replicas'] = scale
        _check_deploy_twins(name, s, where)
        effective = scale if scale is not None else deploy.get('replicas', 1)
        if isinstance(effective, int) and effective > 1 and s.get('container_name'):
            attr = 'scale' if scale is not None else 'deploy.replicas'
            raise ComposeError("can't set container_name and %s as container name must be unique" % attr,
                               key=where)
        develop = s.get('develop') or {}
        for trigger in develop.get('watch') or [] if isinstance(develop, dict) else []:
            # the reference lets restart go without a target too (its message says otherwise)
            if trigger.get('action') not in ('rebuild', 'restart') and not trigger.get('target'):
                raise ComposeError('target is required for non-rebuild actions', key=where + '.develop.watch')
    for name in sorted(secrets):
        secret = secrets[name] or {}
        if not secret.get('external') and not secret.get('file') and not secret.get('environment'):
            raise ComposeError('secret "%s" must declare either `file` or `environment`' % name, key='secrets.' + name)
    _check_cycles(enabled)
