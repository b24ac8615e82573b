# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Merging Compose files and removing duplicates, as compose-go's override.Merge and
override.EnforceUnicity do (private to dockyard.azure; internal to the Compose loader).
"""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _formats as fmt
from ansible_collections.dockyard.azure.plugins.module_utils.compose._tree import SERVICE, key_text, matches
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError, FormatError


def _go_kv(key, value):
    return '%s=%s' % (key, fmt.go_sprint(value))


def _to_sequence(value):
    if isinstance(value, dict):
        seq = []
        for key, item in value.items():
            if item is None:
                seq.append(key)
            elif isinstance(item, list):
                seq.extend(_go_kv(key, v) for v in item)
            else:
                seq.append(_go_kv(key, item))
        return sorted(seq)
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return [value]
    return []


def _to_mapping(value, default=None):
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {str(v): (dict(default) if default is not None else None) for v in value}
    return {}


def _merge_to_sequence(base, other, path):
    return _to_sequence(base) + _to_sequence(other)


def _merge_extra_hosts(base, other, path):
    right = _to_sequence(base)
    left = [v for v in _to_sequence(other) if v not in right]
    return right + left


def _merge_override(base, other, path):
    return other


def _merge_logging(base, other, path):
    if not isinstance(base, dict) or not isinstance(other, dict):
        return other
    if other.get('driver') == base.get('driver') or 'driver' not in other or 'driver' not in base:
        return merge_mappings(base, other, path)
    return other


def _merge_build(base, other, path):
    def to_build(value):
        if isinstance(value, str):
            return {'context': value}
        return value if isinstance(value, dict) else {}
    return merge_mappings(to_build(base), to_build(other), path)


_DEFAULT_DEP = {'condition': 'service_started', 'required': True}


def _merge_depends_on(base, other, path):
    return merge_mappings(_to_mapping(base, _DEFAULT_DEP), _to_mapping(other, _DEFAULT_DEP), path)


def _merge_as_mapping(base, other, path):
    return merge_mappings(_to_mapping(base), _to_mapping(other), path)


def _merge_ulimit(base, other, path):
    # compose-go replaces the whole ulimit entry (it merges the override with itself)
    return other


def _merge_ipam_config(base, other, path):
    if not isinstance(base, list) or not isinstance(other, list):
        raise ComposeError('unexpected type', key=key_text(path))
    result = []
    for original in base:
        right = _to_mapping(original)
        for override in other:
            left = _to_mapping(override)
            if left.get('subnet') != right.get('subnet') and not any(r.get('subnet') == left.get('subnet')
                                                                     for r in result):
                result.append(left)
                continue
            merged = merge_mappings(right, left, path)
            for index, existing in enumerate(result):
                if existing.get('subnet') == merged.get('subnet'):
                    result[index] = merged
                    break
            else:
                result.append(merged)
    return result


_MERGE_SPECIALS = [
    (('networks', '*', 'ipam', 'config'), _merge_ipam_config),
    (('networks', '*', 'labels'), _merge_to_sequence),
    (('volumes', '*', 'labels'), _merge_to_sequence),
    (SERVICE + ('annotations',), _merge_to_sequence),
    (SERVICE + ('build',), _merge_build),
    (SERVICE + ('build', 'args'), _merge_to_sequence),
    (SERVICE + ('build', 'additional_contexts'), _merge_to_sequence),
    (SERVICE + ('build', 'extra_hosts'), _merge_extra_hosts),
    (SERVICE + ('build', 'labels'), _merge_to_sequence),
    (SERVICE + ('command',), _merge_override),
    (SERVICE + ('depends_on',), _merge_depends_on),
    (SERVICE + ('deploy', 'labels'), _merge_to_sequence),
    (SERVICE + ('dns',), _merge_to_sequence),
    (SERVICE + ('dns_opt',), _merge_to_sequence),
    (SERVICE + ('dns_search',), _merge_to_sequence),
    (SERVICE + ('entrypoint',), _merge_override),
    (SERVICE + ('env_file',), _merge_to_sequence),
    (SERVICE + ('label_file',), _merge_to_sequence),
    (SERVICE + ('environment',), _merge_to_sequence),
    (SERVICE + ('extra_hosts',), _merge_extra_hosts),
    (SERVICE + ('healthcheck', 'test'), _merge_override),
    (SERVICE + ('labels',), _merge_to_sequence),
    (SERVICE + ('logging',), _merge_logging),
    (SERVICE + ('models',), _merge_as_mapping),
    (SERVICE + ('networks',), _merge_as_mapping),
    (SERVICE + ('sysctls',), _merge_to_sequence),
    (SERVICE + ('tmpfs',), _merge_to_sequence),
    (SERVICE + ('ulimits', '*'), _merge_ulimit),
]


def merge(base, other, path):
    for pattern, merger in _MERGE_SPECIALS:
        if matches(path, pattern):
            return merger(base, other, path)
    if other is None:
        return base
    if isinstance(base, dict):
        if not isinstance(other, dict):
            raise ComposeError('cannot override %s' % key_text(path))
        return merge_mappings(base, other, path)
    if isinstance(base, list):
        if not isinstance(other, list):
            raise ComposeError('cannot override %s' % key_text(path))
        return base + other
    return other


def merge_mappings(base, other, path):
    for key, value in other.items():
        if key not in base:
            base[key] = value
            continue
        base[key] = merge(base[key], value, path + (key,))
    return base


def _kv_index(value, path):
    if not isinstance(value, str):
        raise ComposeError('unexpected type %s' % type(value).__name__, key=key_text(path))
    return value.partition('=')[0]


def _volume_index(value, path):
    if isinstance(value, dict):
        target = value.get('target')
        if not isinstance(target, str):
            raise ComposeError('service volume is missing a mount target', key=key_text(path))
        return target
    if isinstance(value, str):
        try:
            return fmt.parse_volume(value).get('target', '')
        except FormatError as exc:
            raise ComposeError(str(exc), key=key_text(path)) from exc
    return ''


def _device_index(value, path):
    if isinstance(value, dict):
        target = value.get('target')
        if not isinstance(target, str):
            raise ComposeError('service device is missing a mount target', key=key_text(path))
        return target
    if isinstance(value, str):
        parts = value.split(':')
        return parts[0] if len(parts) == 1 else parts[1]
    return ''


def _expose_index(value, path):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ComposeError('unsupported expose value %r' % (value,), key=key_text(path))
    return str(value)


def _mount_index(default):
    def index(value, path):
        if isinstance(value, str):
            return '%s/%s' % (default, value)
        if isinstance(value, dict):
            if 'target' in value:
                return str(value['target'])
            return '%s/%s' % (default, value.get('source'))
        raise ComposeError('unsupported value %r' % (value,), key=key_text(path))
    return index


def _port_index(value, path):
    if isinstance(value, bool):
        return ''
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        if 'target' not in value:
            raise ComposeError('service port is missing a target port', key=key_text(path))
        return repr((value.get('host_ip', '0.0.0.0'), str(value.get('published')),
                     str(value.get('target')), value.get('protocol', 'tcp')))
    if isinstance(value, str):
        return value
    return ''


def _env_file_index(value, path):
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if 'path' not in value:
            raise ComposeError('environment path attribute is missing', key=key_text(path))
        return value['path']
    return ''


_UNIQUE = [
    (('networks', '*', 'labels'), _kv_index), (('networks', '*', 'ipam', 'options'), _kv_index),
    (SERVICE + ('annotations',), _kv_index), (SERVICE + ('build', 'args'), _kv_index),
    (SERVICE + ('build', 'additional_contexts'), _kv_index), (SERVICE + ('build', 'platforms'), _kv_index),
    (SERVICE + ('build', 'tags'), _kv_index), (SERVICE + ('build', 'labels'), _kv_index),
    (SERVICE + ('cap_add',), _kv_index), (SERVICE + ('cap_drop',), _kv_index),
    (SERVICE + ('configs',), _mount_index('')), (SERVICE + ('deploy', 'labels'), _kv_index),
    (SERVICE + ('dns',), _kv_index), (SERVICE + ('dns_opt',), _kv_index), (SERVICE + ('dns_search',), _kv_index),
    (SERVICE + ('environment',), _kv_index), (SERVICE + ('env_file',), _env_file_index),
    (SERVICE + ('expose',), _expose_index), (SERVICE + ('labels',), _kv_index), (SERVICE + ('links',), _kv_index),
    (SERVICE + ('networks', '*', 'aliases'), _kv_index),
    (SERVICE + ('networks', '*', 'link_local_ips'), _kv_index),
    (SERVICE + ('ports',), _port_index), (SERVICE + ('profiles',), _kv_index),
    (SERVICE + ('secrets',), _mount_index('/run/secrets')), (SERVICE + ('sysctls',), _kv_index),
    (SERVICE + ('tmpfs',), _kv_index), (SERVICE + ('volumes',), _volume_index),
    (SERVICE + ('devices',), _device_index),
]


def enforce_unicity(value, path=()):
    if isinstance(value, dict):
        for key in list(value):
            value[key] = enforce_unicity(value[key], path + (key,))
        return value
    if isinstance(value, list):
        for pattern, indexer in _UNIQUE:
            if matches(path, pattern):
                seq = []
                keys = {}
                for i, entry in enumerate(value):
                    k = indexer(entry, path + (i,))
                    if k in keys:
                        seq[keys[k]] = entry
                    else:
                        keys[k] = len(seq)
                        seq.append(entry)
                return seq
    return value
