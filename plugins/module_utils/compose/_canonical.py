# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The canonical form of a Compose tree (compose-go's transform.Canonical) and its defaults
(private to dockyard.azure; internal to the Compose loader).

Short syntaxes become their long form (``"80:80"`` -> a port mapping, a list of networks -> a
mapping, ...) so that the later steps see one shape per key.
"""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _formats as fmt
from ansible_collections.dockyard.azure.plugins.module_utils.compose._tree import SERVICE, key_text, matches
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError, FormatError


def _t_ports(value, path):
    if not isinstance(value, list):
        raise ComposeError('invalid type %s for port' % type(value).__name__, key=key_text(path))
    ports = []
    for index, entry in enumerate(value):
        if isinstance(entry, bool):
            raise ComposeError('invalid type bool for port', key=key_text(path + (index,)))
        if isinstance(entry, int):
            ports.append({'target': entry})
        elif isinstance(entry, float):
            ports.append({'target': int(entry)})
        elif isinstance(entry, str):
            try:
                ports.extend(fmt.parse_port_spec(entry))
            except FormatError as exc:
                raise ComposeError('invalid port "%s": %s' % (entry, exc), key=key_text(path + (index,))) from exc
        elif isinstance(entry, dict):
            ports.append(entry)
        else:
            raise ComposeError('invalid type for port', key=key_text(path + (index,)))
    return ports


def _t_volume(value, path):
    if isinstance(value, dict):
        if isinstance(value.get('target'), str):  # long syntax targets are cleaned as the short ones
            value['target'] = fmt.clean_path(value['target'])
        return value
    if isinstance(value, str):
        try:
            return fmt.parse_volume(value)
        except FormatError as exc:
            raise ComposeError(str(exc), key=key_text(path)) from exc
    raise ComposeError('invalid type for service volume mount', key=key_text(path))


def _t_depends_on(value, path):
    if isinstance(value, dict):
        for name, dep in value.items():
            if not isinstance(dep, dict):
                raise ComposeError('unsupported value %r' % (dep,), key=key_text(path + (name,)))
            dep.setdefault('condition', 'service_started')
            dep.setdefault('required', True)
        return value
    if isinstance(value, list):
        return {str(k): {'condition': 'service_started', 'required': True} for k in value}
    return value


def _t_env_file(value, path):
    if isinstance(value, str):
        return [{'path': value, 'required': True}]
    if isinstance(value, list):
        result = []
        for entry in value:
            if isinstance(entry, str):
                result.append({'path': entry, 'required': True})
            elif isinstance(entry, dict):
                entry.setdefault('required', True)
                result.append(entry)
            else:
                raise ComposeError('invalid env_file entry %r' % (entry,), key=key_text(path))
        return result
    return value


def _t_string_or_list(value, path):
    if isinstance(value, str):
        return [value]
    return value


def _t_ssh(value, path):
    """build.ssh: a mapping of id -> path becomes the list form (``id`` or ``id=path``)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(k) if v is None or v == '' else '%s=%s' % (k, v) for k, v in value.items()]
    return value


def _t_gpus(value, path):
    """gpus: ``all`` is one request for every GPU."""
    if value == 'all':
        return [{'count': -1}]
    return value


def _t_extends(value, path):
    if isinstance(value, str):
        return {'service': value}
    return value


def _t_service_networks(value, path):
    if isinstance(value, list):
        return {str(v): None for v in value}
    return value


def _t_file_mount(value, path):
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        return {'source': value}
    raise ComposeError('unsupported type %s' % type(value).__name__, key=key_text(path))


def _t_build(value, path):
    if isinstance(value, str):
        return {'context': value}
    if isinstance(value, dict):
        return _canonical_mapping(value, path)
    return value


def _t_key_value(value, path):
    if isinstance(value, list):
        result = {}
        for entry in value:
            key, sep, item = str(entry).partition('=')
            result[key] = item if sep else None
        return result
    return value


def _t_device(value, path):
    if isinstance(value, str):
        parts = value.split(':')
        if len(parts) == 1:
            return {'source': parts[0], 'target': parts[0], 'permissions': 'rwm'}
        if len(parts) == 2:
            return {'source': parts[0], 'target': parts[1], 'permissions': 'rwm'}
        if len(parts) == 3:
            return {'source': parts[0], 'target': parts[1], 'permissions': parts[2]}
        raise ComposeError('confusing device mapping, please use long syntax: %s' % value, key=key_text(path))
    return value


def _t_ulimits(value, path):
    return value


def _t_maybe_external(value, path):
    if value is None:
        return None
    if not isinstance(value, dict):
        return value
    resource = _canonical_mapping(value, path)
    ext = resource.get('external')
    if isinstance(ext, dict):
        resource['external'] = True
        if 'name' in ext:
            if 'name' in resource and resource['name'] != ext['name']:
                raise ComposeError('name and external.name conflict; only use name', key=key_text(path))
            if 'name' not in resource:
                resource['name'] = ext['name']
    return resource


def _t_include(value, path):
    if isinstance(value, str):
        return {'path': [value]}
    if isinstance(value, dict):
        for key in ('path', 'env_file'):
            if isinstance(value.get(key), str):
                value[key] = [value[key]]
    return value


def _t_service(value, path):
    if isinstance(value, dict):
        return _canonical_mapping(value, path)
    return value


_TRANSFORMS = [
    (SERVICE, _t_service),
    (SERVICE + ('build', 'secrets', '[]'), _t_file_mount),
    (SERVICE + ('build', 'additional_contexts'), _t_key_value),
    (SERVICE + ('build', 'ssh'), _t_ssh),
    (SERVICE + ('gpus',), _t_gpus),
    (SERVICE + ('depends_on',), _t_depends_on),
    (SERVICE + ('env_file',), _t_env_file),
    (SERVICE + ('label_file',), _t_string_or_list),
    (SERVICE + ('extends',), _t_extends),
    (SERVICE + ('networks',), _t_service_networks),
    (SERVICE + ('models',), _t_service_networks),  # a list of model names, as networks
    (SERVICE + ('volumes', '[]'), _t_volume),
    (SERVICE + ('dns',), _t_string_or_list),
    (SERVICE + ('devices', '[]'), _t_device),
    (SERVICE + ('secrets', '[]'), _t_file_mount),
    (SERVICE + ('configs', '[]'), _t_file_mount),
    (SERVICE + ('ports',), _t_ports),
    (SERVICE + ('build',), _t_build),
    (SERVICE + ('ulimits', '*'), _t_ulimits),
    (('volumes', '*'), _t_maybe_external),
    (('networks', '*'), _t_maybe_external),
    (('secrets', '*'), _t_maybe_external),
    (('configs', '*'), _t_maybe_external),
    (('include', '[]'), _t_include),
]


def canonical(value, path=()):
    for pattern, transformer in _TRANSFORMS:
        if matches(path, pattern):
            return transformer(value, path)
    if isinstance(value, dict):
        return _canonical_mapping(value, path)
    if isinstance(value, list):
        return [canonical(v, path + (i,)) for i, v in enumerate(value)]
    return value


def _canonical_mapping(value, path):
    for key in list(value):
        value[key] = canonical(value[key], path + (key,))
    return value


def omit_empty(model):
    for service in (model.get('services') or {}).values():
        if isinstance(service, dict) and isinstance(service.get('dns'), list):
            service['dns'] = [d for d in service['dns'] if d not in (None, '')]
    return model


def set_default_values(model):
    for service in (model.get('services') or {}).values():
        if not isinstance(service, dict):
            continue
        build = service.get('build')
        if isinstance(build, dict) and 'context' not in build:
            build['context'] = '.'
        for secret in service.get('secrets') or []:
            if isinstance(secret, dict) and 'target' not in secret:
                secret['target'] = '/run/secrets/%s' % secret.get('source')
        for port in service.get('ports') or []:
            if isinstance(port, dict):
                port.setdefault('protocol', 'tcp')
                port.setdefault('mode', 'ingress')
        deploy = service.get('deploy')
        if isinstance(deploy, dict):
            for kind in ('limits', 'reservations'):
                res = (deploy.get('resources') or {}).get(kind) or {}
                for device in res.get('devices') or []:
                    if isinstance(device, dict) and 'count' not in device and 'device_ids' not in device:
                        device['count'] = -1
        for gpu in service.get('gpus') or []:
            if isinstance(gpu, dict) and 'count' not in gpu and 'device_ids' not in gpu:
                gpu['count'] = -1
    return model
