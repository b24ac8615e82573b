# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compose file loader: files in, normalized model out.

Pure: reads the Compose files, env files, and the files that ``env_file``
points at; never talks to Docker or the network.  The model returned by
:func:`load_project` has the structure and values that
``docker compose config --format json`` prints for the same input (compose v2,
compose-go v2), so that what we deploy is what Compose would deploy.
"""


import copy
import ipaddress
import os
import re

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _formats as fmt
from ansible_collections.dockyard.azure.plugins.module_utils.compose import _model, _schema
from ansible_collections.dockyard.azure.plugins.module_utils.compose import _template as tpl

try:
    import yaml

    from ansible_collections.dockyard.azure.plugins.module_utils.compose import _yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError as _exc:  # pragma: no cover - exercised only without PyYAML
    HAS_YAML = False
    YAML_IMPORT_ERROR = _exc

try:
    import jsonschema
    HAS_JSONSCHEMA = True
    JSONSCHEMA_IMPORT_ERROR = None
except ImportError as _exc:  # pragma: no cover
    HAS_JSONSCHEMA = False
    JSONSCHEMA_IMPORT_ERROR = _exc


DEFAULT_FILES = ('compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml')
DEFAULT_OVERRIDE_FILES = ('compose.override.yaml', 'compose.override.yml',
                          'docker-compose.override.yml', 'docker-compose.override.yaml')
INLINE_NAME = '(inline content)'


class ComposeError(Exception):
    """Any reason a Compose project cannot be loaded.

    ``file`` and ``key`` name where the problem is, when known; the message
    already contains them.
    """

    def __init__(self, message, file=None, key=None):
        self.file = file
        self.key = key
        parts = []
        if file:
            parts.append(os.path.basename(file) if file != INLINE_NAME else file)
        if key:
            parts.append(key)
        parts.append(message)
        super().__init__(': '.join(parts))


def _key(path):
    """Render a path tuple as ``services.web.ports[0]``."""
    out = ''
    for part in path:
        if isinstance(part, int):
            out += '[%d]' % part
        else:
            out += ('.' if out else '') + str(part)
    return out


def _match(path, pattern):
    """Match a concrete path against a pattern ('*' any key, '[]' any index)."""
    if len(path) != len(pattern):
        return False
    for part, pat in zip(path, pattern):
        if pat == '*':
            continue
        if pat == '[]':
            if not isinstance(part, int):
                return False
            continue
        if part != pat:
            return False
    return True


def _pattern_of(path):
    return tuple('[]' if isinstance(p, int) else p for p in path)


# ---------------------------------------------------------------------------
# interpolation
# ---------------------------------------------------------------------------

def _to_bool(value):
    low = value.lower()
    if low in ('y', 'yes', 'true', 'on'):
        return True
    if low in ('n', 'no', 'false', 'off'):
        return False
    raise ValueError('invalid boolean: %s' % value)


def _to_int(value):
    if not re.match(r'^[-+]?[0-9]+$', value):
        raise ValueError('strconv.Atoi: parsing "%s": invalid syntax' % value)
    return int(value)


def _to_float(value):
    try:
        return float(value)
    except ValueError:
        raise ValueError('strconv.ParseFloat: parsing "%s": invalid syntax' % value)


_S = ('services', '*')
_CASTS = [
    (_S + ('cpu_count',), _to_int), (_S + ('cpu_percent',), _to_float),
    (_S + ('cpu_period',), _to_int), (_S + ('cpu_quota',), _to_int),
    (_S + ('cpu_rt_period',), _to_int), (_S + ('cpu_rt_runtime',), _to_int),
    (_S + ('cpus',), _to_float), (_S + ('cpu_shares',), _to_int),
    (_S + ('init',), _to_bool), (_S + ('attach',), _to_bool),
    (_S + ('deploy', 'replicas'), _to_int),
    (_S + ('deploy', 'update_config', 'parallelism'), _to_int),
    (_S + ('deploy', 'update_config', 'max_failure_ratio'), _to_float),
    (_S + ('deploy', 'rollback_config', 'parallelism'), _to_int),
    (_S + ('deploy', 'rollback_config', 'max_failure_ratio'), _to_float),
    (_S + ('deploy', 'restart_policy', 'max_attempts'), _to_int),
    (_S + ('deploy', 'placement', 'max_replicas_per_node'), _to_int),
    (_S + ('healthcheck', 'retries'), _to_int), (_S + ('healthcheck', 'disable'), _to_bool),
    (_S + ('oom_kill_disable',), _to_bool), (_S + ('oom_score_adj',), _to_int),
    (_S + ('pids_limit',), _to_int), (_S + ('ports', '[]', 'target'), _to_int),
    (_S + ('privileged',), _to_bool), (_S + ('read_only',), _to_bool),
    (_S + ('scale',), _to_int), (_S + ('stdin_open',), _to_bool), (_S + ('tty',), _to_bool),
    (_S + ('ulimits', '*'), _to_int), (_S + ('ulimits', '*', 'hard'), _to_int),
    (_S + ('ulimits', '*', 'soft'), _to_int),
    (_S + ('volumes', '[]', 'read_only'), _to_bool),
    (_S + ('volumes', '[]', 'volume', 'nocopy'), _to_bool),
    (_S + ('depends_on', '*', 'required'), _to_bool),
    (_S + ('depends_on', '*', 'restart'), _to_bool),
    (_S + ('build', 'no_cache'), _to_bool), (_S + ('build', 'pull'), _to_bool),
    (_S + ('build', 'privileged'), _to_bool), (_S + ('use_api_socket',), _to_bool),
    (('networks', '*', 'external'), _to_bool), (('networks', '*', 'internal'), _to_bool),
    (('networks', '*', 'attachable'), _to_bool), (('networks', '*', 'enable_ipv4'), _to_bool),
    (('networks', '*', 'enable_ipv6'), _to_bool), (('volumes', '*', 'external'), _to_bool),
    (('secrets', '*', 'external'), _to_bool), (('configs', '*', 'external'), _to_bool),
]


class _Interpolator:

    def __init__(self, environment, filename):
        self.environment = environment
        self.filename = filename
        self.lookup = tpl.mapping_lookup(environment)

    def __call__(self, value, path=()):
        if isinstance(value, dict):
            return {k: self(v, path + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v, path + (i,)) for i, v in enumerate(value)]
        if isinstance(value, str):
            try:
                result = tpl.substitute(value, self.lookup)
            except (tpl.TemplateError, tpl.MissingRequiredError) as exc:
                raise ComposeError('error while interpolating: %s' % exc, self.filename, _key(path))
            for pattern, cast in _CASTS:
                if _match(path, pattern):
                    try:
                        return cast(result)
                    except ValueError as exc:
                        raise ComposeError(str(exc), self.filename, _key(path))
            return result
        return value


# ---------------------------------------------------------------------------
# merge (override.Merge) and unicity (override.EnforceUnicity)
# ---------------------------------------------------------------------------

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
        return _merge_mappings(base, other, path)
    return other


def _merge_build(base, other, path):
    def to_build(value):
        if isinstance(value, str):
            return {'context': value}
        return value if isinstance(value, dict) else {}
    return _merge_mappings(to_build(base), to_build(other), path)


_DEFAULT_DEP = {'condition': 'service_started', 'required': True}


def _merge_depends_on(base, other, path):
    return _merge_mappings(_to_mapping(base, _DEFAULT_DEP), _to_mapping(other, _DEFAULT_DEP), path)


def _merge_as_mapping(base, other, path):
    return _merge_mappings(_to_mapping(base), _to_mapping(other), path)


def _merge_ulimit(base, other, path):
    # compose-go replaces the whole ulimit entry (it merges the override with itself)
    return other


def _merge_ipam_config(base, other, path):
    if not isinstance(base, list) or not isinstance(other, list):
        raise ComposeError('unexpected type', key=_key(path))
    result = []
    for original in base:
        right = _to_mapping(original)
        for override in other:
            left = _to_mapping(override)
            if left.get('subnet') != right.get('subnet'):
                if not any(r.get('subnet') == left.get('subnet') for r in result):
                    result.append(left)
                    continue
            merged = _merge_mappings(right, left, path)
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
    (_S + ('annotations',), _merge_to_sequence),
    (_S + ('build',), _merge_build),
    (_S + ('build', 'args'), _merge_to_sequence),
    (_S + ('build', 'additional_contexts'), _merge_to_sequence),
    (_S + ('build', 'extra_hosts'), _merge_extra_hosts),
    (_S + ('build', 'labels'), _merge_to_sequence),
    (_S + ('command',), _merge_override),
    (_S + ('depends_on',), _merge_depends_on),
    (_S + ('deploy', 'labels'), _merge_to_sequence),
    (_S + ('dns',), _merge_to_sequence),
    (_S + ('dns_opt',), _merge_to_sequence),
    (_S + ('dns_search',), _merge_to_sequence),
    (_S + ('entrypoint',), _merge_override),
    (_S + ('env_file',), _merge_to_sequence),
    (_S + ('label_file',), _merge_to_sequence),
    (_S + ('environment',), _merge_to_sequence),
    (_S + ('extra_hosts',), _merge_extra_hosts),
    (_S + ('healthcheck', 'test'), _merge_override),
    (_S + ('labels',), _merge_to_sequence),
    (_S + ('logging',), _merge_logging),
    (_S + ('models',), _merge_as_mapping),
    (_S + ('networks',), _merge_as_mapping),
    (_S + ('sysctls',), _merge_to_sequence),
    (_S + ('tmpfs',), _merge_to_sequence),
    (_S + ('ulimits', '*'), _merge_ulimit),
]


def _merge(base, other, path):
    for pattern, merger in _MERGE_SPECIALS:
        if _match(path, pattern):
            return merger(base, other, path)
    if other is None:
        return base
    if isinstance(base, dict):
        if not isinstance(other, dict):
            raise ComposeError('cannot override %s' % _key(path))
        return _merge_mappings(base, other, path)
    if isinstance(base, list):
        if not isinstance(other, list):
            raise ComposeError('cannot override %s' % _key(path))
        return base + other
    return other


def _merge_mappings(base, other, path):
    for key, value in other.items():
        if key not in base:
            base[key] = value
            continue
        base[key] = _merge(base[key], value, path + (key,))
    return base


def _kv_index(value, path):
    if not isinstance(value, str):
        raise ComposeError('unexpected type %s' % type(value).__name__, key=_key(path))
    return value.partition('=')[0]


def _volume_index(value, path):
    if isinstance(value, dict):
        target = value.get('target')
        if not isinstance(target, str):
            raise ComposeError('service volume is missing a mount target', key=_key(path))
        return target
    if isinstance(value, str):
        try:
            return fmt.parse_volume(value).get('target', '')
        except fmt.FormatError as exc:
            raise ComposeError(str(exc), key=_key(path))
    return ''


def _device_index(value, path):
    if isinstance(value, dict):
        target = value.get('target')
        if not isinstance(target, str):
            raise ComposeError('service device is missing a mount target', key=_key(path))
        return target
    if isinstance(value, str):
        parts = value.split(':')
        return parts[0] if len(parts) == 1 else parts[1]
    return ''


def _expose_index(value, path):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ComposeError('unsupported expose value %r' % (value,), key=_key(path))
    return str(value)


def _mount_index(default):
    def index(value, path):
        if isinstance(value, str):
            return '%s/%s' % (default, value)
        if isinstance(value, dict):
            if 'target' in value:
                return str(value['target'])
            return '%s/%s' % (default, value.get('source'))
        raise ComposeError('unsupported value %r' % (value,), key=_key(path))
    return index


def _port_index(value, path):
    if isinstance(value, bool):
        return ''
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        if 'target' not in value:
            raise ComposeError('service port is missing a target port', key=_key(path))
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
            raise ComposeError('environment path attribute is missing', key=_key(path))
        return value['path']
    return ''


_UNIQUE = [
    (('networks', '*', 'labels'), _kv_index), (('networks', '*', 'ipam', 'options'), _kv_index),
    (_S + ('annotations',), _kv_index), (_S + ('build', 'args'), _kv_index),
    (_S + ('build', 'additional_contexts'), _kv_index), (_S + ('build', 'platforms'), _kv_index),
    (_S + ('build', 'tags'), _kv_index), (_S + ('build', 'labels'), _kv_index),
    (_S + ('cap_add',), _kv_index), (_S + ('cap_drop',), _kv_index),
    (_S + ('configs',), _mount_index('')), (_S + ('deploy', 'labels'), _kv_index),
    (_S + ('dns',), _kv_index), (_S + ('dns_opt',), _kv_index), (_S + ('dns_search',), _kv_index),
    (_S + ('environment',), _kv_index), (_S + ('env_file',), _env_file_index),
    (_S + ('expose',), _expose_index), (_S + ('labels',), _kv_index), (_S + ('links',), _kv_index),
    (_S + ('networks', '*', 'aliases'), _kv_index),
    (_S + ('networks', '*', 'link_local_ips'), _kv_index),
    (_S + ('ports',), _port_index), (_S + ('profiles',), _kv_index),
    (_S + ('secrets',), _mount_index('/run/secrets')), (_S + ('sysctls',), _kv_index),
    (_S + ('tmpfs',), _kv_index), (_S + ('volumes',), _volume_index),
    (_S + ('devices',), _device_index),
]


def _enforce_unicity(value, path=()):
    if isinstance(value, dict):
        for key in list(value):
            value[key] = _enforce_unicity(value[key], path + (key,))
        return value
    if isinstance(value, list):
        for pattern, indexer in _UNIQUE:
            if _match(path, pattern):
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


# ---------------------------------------------------------------------------
# canonical form (transform.Canonical) and defaults
# ---------------------------------------------------------------------------

def _t_ports(value, path):
    if not isinstance(value, list):
        raise ComposeError('invalid type %s for port' % type(value).__name__, key=_key(path))
    ports = []
    for index, entry in enumerate(value):
        if isinstance(entry, bool):
            raise ComposeError('invalid type bool for port', key=_key(path + (index,)))
        if isinstance(entry, int):
            ports.append({'target': entry})
        elif isinstance(entry, float):
            ports.append({'target': int(entry)})
        elif isinstance(entry, str):
            try:
                ports.extend(fmt.parse_port_spec(entry))
            except fmt.FormatError as exc:
                raise ComposeError('invalid port "%s": %s' % (entry, exc), key=_key(path + (index,)))
        elif isinstance(entry, dict):
            ports.append(entry)
        else:
            raise ComposeError('invalid type for port', key=_key(path + (index,)))
    return ports


def _t_volume(value, path):
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            return fmt.parse_volume(value)
        except fmt.FormatError as exc:
            raise ComposeError(str(exc), key=_key(path))
    raise ComposeError('invalid type for service volume mount', key=_key(path))


def _t_depends_on(value, path):
    if isinstance(value, dict):
        for name, dep in value.items():
            if not isinstance(dep, dict):
                raise ComposeError('unsupported value %r' % (dep,), key=_key(path + (name,)))
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
                raise ComposeError('invalid env_file entry %r' % (entry,), key=_key(path))
        return result
    return value


def _t_string_or_list(value, path):
    if isinstance(value, str):
        return [value]
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
    raise ComposeError('unsupported type %s' % type(value).__name__, key=_key(path))


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
        raise ComposeError('confusing device mapping, please use long syntax: %s' % value, key=_key(path))
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
                raise ComposeError('name and external.name conflict; only use name', key=_key(path))
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
    (_S, _t_service),
    (_S + ('build', 'secrets', '[]'), _t_file_mount),
    (_S + ('build', 'additional_contexts'), _t_key_value),
    (_S + ('depends_on',), _t_depends_on),
    (_S + ('env_file',), _t_env_file),
    (_S + ('label_file',), _t_string_or_list),
    (_S + ('extends',), _t_extends),
    (_S + ('networks',), _t_service_networks),
    (_S + ('volumes', '[]'), _t_volume),
    (_S + ('dns',), _t_string_or_list),
    (_S + ('devices', '[]'), _t_device),
    (_S + ('secrets', '[]'), _t_file_mount),
    (_S + ('configs', '[]'), _t_file_mount),
    (_S + ('ports',), _t_ports),
    (_S + ('build',), _t_build),
    (_S + ('ulimits', '*'), _t_ulimits),
    (('volumes', '*'), _t_maybe_external),
    (('networks', '*'), _t_maybe_external),
    (('secrets', '*'), _t_maybe_external),
    (('configs', '*'), _t_maybe_external),
    (('include', '[]'), _t_include),
]


def _canonical(value, path=()):
    for pattern, transformer in _TRANSFORMS:
        if _match(path, pattern):
            return transformer(value, path)
    if isinstance(value, dict):
        return _canonical_mapping(value, path)
    if isinstance(value, list):
        return [_canonical(v, path + (i,)) for i, v in enumerate(value)]
    return value


def _canonical_mapping(value, path):
    for key in list(value):
        value[key] = _canonical(value[key], path + (key,))
    return value


def _omit_empty(model):
    for service in (model.get('services') or {}).values():
        if isinstance(service, dict) and isinstance(service.get('dns'), list):
            service['dns'] = [d for d in service['dns'] if d not in (None, '')]
    return model


def _set_default_values(model):
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


# ---------------------------------------------------------------------------
# validation (schema + compose-go's extra checks)
# ---------------------------------------------------------------------------

_VALIDATOR = []


def _schema_validator():
    if not _VALIDATOR:
        if not HAS_JSONSCHEMA:
            raise ComposeError('the jsonschema Python library is required to validate Compose files (%s)'
                               % JSONSCHEMA_IMPORT_ERROR)
        _VALIDATOR.append(jsonschema.Draft7Validator(_schema.SCHEMA))
    return _VALIDATOR[0]


def _best_error(errors):
    """Pick the most specific error (deepest path) like the reference does."""
    def depth(err):
        if err.context:
            return max(depth(sub) for sub in err.context)
        return len(err.absolute_path)

    def unwrap(err):
        if err.context:
            candidates = sorted(err.context, key=depth, reverse=True)
            return unwrap(candidates[0])
        return err
    errors = sorted(errors, key=depth, reverse=True)
    return unwrap(errors[0])


def _validate_schema(model, filename):
    validator = _schema_validator()
    errors = list(validator.iter_errors(model))
    if not errors:
        return
    err = _best_error(errors)
    path = tuple(err.absolute_path)
    if err.validator == 'additionalProperties':
        extra = [k for k in err.instance if k not in (err.schema.get('properties') or {})
                 and not any(re.search(p, k) for p in (err.schema.get('patternProperties') or {}))]
        message = 'additional properties %s not allowed' % ', '.join("'%s'" % k for k in sorted(extra))
    elif err.validator == 'type':
        expected = err.validator_value
        if isinstance(expected, list):
            expected = ' or '.join(expected)
        message = 'must be a %s' % expected
    else:
        message = err.message
    raise ComposeError(message, filename, _key(path) or None)


def _is_true(value):
    return value is True or (isinstance(value, str) and value.lower() == 'true')


def _validate_model(model):
    for kind in ('volumes', 'networks'):
        for name, res in (model.get(kind) or {}).items():
            if isinstance(res, dict) and _is_true(res.get('external')):
                for key in res:
                    if key in ('name', 'external') or key.startswith('x-'):
                        continue
                    raise ComposeError('conflicting parameters "external" and "%s" specified' % key,
                                       key='%s.%s' % (kind, name))
    for kind, keys in (('configs', ('file', 'environment', 'content')), ('secrets', ('file', 'environment'))):
        for name, res in (model.get(kind) or {}).items():
            if not isinstance(res, dict):
                res = {}
            count = sum(1 for k in keys if k in res)
            where = '%s.%s' % (kind, name)
            if count > 1:
                raise ComposeError('%s attributes are mutually exclusive' % '|'.join(keys), key=where)
            if count == 0 and 'driver' not in res and 'external' not in res:
                raise ComposeError('one of %s must be set' % '|'.join(keys), key=where)
    for sname, service in (model.get('services') or {}).items():
        for index, port in enumerate(service.get('ports') or []):
            if isinstance(port, dict) and 'host_ip' in port:
                try:
                    ipaddress.ip_address(str(port['host_ip']))
                except ValueError:
                    raise ComposeError('invalid ip address: %s' % port['host_ip'],
                                       key='services.%s.ports[%d]' % (sname, index))
        devices = (((service.get('deploy') or {}).get('resources') or {}).get('reservations') or {}).get('devices')
        for index, device in enumerate((devices or []) + list(service.get('gpus') or [])):
            if isinstance(device, dict) and 'count' in device and 'device_ids' in device:
                raise ComposeError('"count" and "device_ids" attributes are exclusive',
                                   key='services.%s' % sname)


# ---------------------------------------------------------------------------
# paths and environment
# ---------------------------------------------------------------------------

class _Context:
    """State shared by one load_project call."""

    def __init__(self, environment, home):
        self.environment = environment
        self.home = home

    def expand_user(self, path):
        if path.startswith('~'):
            return os.path.normpath(os.path.join(self.home, path[1:].lstrip('/'))) if path != '~' else self.home
        return path


_WINDOWS_ABS = re.compile(r'^([A-Za-z]:[\\/]|\\\\)')


def _abs(ctx, base, path, maybe_windows=False):
    path = ctx.expand_user(path)
    if os.path.isabs(path):
        return path
    if maybe_windows and _WINDOWS_ABS.match(path):
        return path
    if path == '':
        return path
    return os.path.normpath(os.path.join(base, path))


_REMOTE_CONTEXT = re.compile(r'^(git://|git@|github\.com/|https?://)')


def _resolve_relative_paths(ctx, model, base):
    for service in (model.get('services') or {}).values():
        if not isinstance(service, dict):
            continue
        build = service.get('build')
        if isinstance(build, dict):
            context = build.get('context')
            if isinstance(context, str) and '://' not in context and not _REMOTE_CONTEXT.match(context):
                build['context'] = _abs(ctx, base, context)
            extra = build.get('additional_contexts')
            if isinstance(extra, dict):
                for key, item in extra.items():
                    if isinstance(item, str) and '://' not in item and not item.startswith('service:') \
                            and not _REMOTE_CONTEXT.match(item):
                        extra[key] = _abs(ctx, base, item)
        for env_file in service.get('env_file') or []:
            if isinstance(env_file, dict) and isinstance(env_file.get('path'), str):
                env_file['path'] = _abs(ctx, base, env_file['path'])
        if isinstance(service.get('label_file'), list):
            service['label_file'] = [_abs(ctx, base, p) for p in service['label_file']]
        extends = service.get('extends')
        if isinstance(extends, dict) and isinstance(extends.get('file'), str):
            extends['file'] = _abs(ctx, base, extends['file'])
        for volume in service.get('volumes') or []:
            if isinstance(volume, dict) and volume.get('type') == 'bind':
                if 'source' not in volume:
                    raise ComposeError('invalid mount config for type "bind": field Source must not be empty',
                                       key='services.%s.volumes' % service.get('name', ''))
                volume['source'] = _abs(ctx, base, str(volume['source']), True)
    for kind in ('configs', 'secrets'):
        for res in (model.get(kind) or {}).values():
            if isinstance(res, dict) and isinstance(res.get('file'), str):
                res['file'] = _abs(ctx, base, res['file'], True)
    for res in (model.get('volumes') or {}).values():
        if isinstance(res, dict) and res.get('driver') == 'local':
            opts = res.get('driver_opts')
            if isinstance(opts, dict) and opts.get('o') == 'bind' and isinstance(opts.get('device'), str):
                opts['device'] = _abs(ctx, base, opts['device'], True)
    return model


def _resolve_environment(model, environment):
    for service in (model.get('services') or {}).values():
        env = service.get('environment') if isinstance(service, dict) else None
        if isinstance(env, list):
            resolved = []
            for entry in env:
                if not isinstance(entry, str):
                    continue
                if entry in environment:
                    resolved.append('%s=%s' % (entry, environment[entry]))
                else:
                    resolved.append(entry)
            service['environment'] = resolved
    for kind in ('secrets', 'configs'):
        for res in (model.get(kind) or {}).values():
            if isinstance(res, dict) and isinstance(res.get('environment'), str):
                if res['environment'] in environment:
                    res['x-#value'] = environment[res['environment']]


def read_env_files(paths, environment, missing_ok=False):
    """Variables of ``.env`` style files (later files win), like Compose's GetEnvFromFile."""
    result = {}
    for path in paths:
        if not os.path.exists(path):
            if missing_ok:
                continue
            raise ComposeError("couldn't find env file: %s" % path)
        if os.path.isdir(path):
            raise ComposeError('%s is a directory' % path)
        with open(path, 'rb') as handle:
            text = handle.read().decode('utf-8')
        lookup = tpl.mapping_lookup(result, environment)
        try:
            parsed = tpl.parse_dotenv(text, lookup)
        except (tpl.DotEnvError, tpl.TemplateError, tpl.MissingRequiredError) as exc:
            raise ComposeError('failed to read %s: %s' % (path, exc), path)
        result.update(parsed)
    return result


# ---------------------------------------------------------------------------
# loading files
# ---------------------------------------------------------------------------

class _ConfigFile:
    def __init__(self, filename, content=None, config=None):
        self.filename = filename
        self.content = content
        self.config = config


def _string_keys(value, path, filename):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ComposeError('non-string key %r' % (key,), filename, _key(path) or None)
            out[key] = _string_keys(item, path + (key,), filename)
        return out
    if isinstance(value, list):
        return [_string_keys(v, path + (i,), filename) for i, v in enumerate(value)]
    return value


def _read_documents(config_file):
    """Return a list of (raw, resets, overrides) for each document of a file."""
    if config_file.config is not None:
        return [(copy.deepcopy(config_file.config), [], [])]
    content = config_file.content
    if content is None:
        try:
            with open(config_file.filename, 'rb') as handle:
                content = handle.read().decode('utf-8')
        except OSError as exc:
            raise ComposeError('cannot read file: %s' % exc, config_file.filename)
    if not HAS_YAML:
        raise ComposeError('the PyYAML Python library is required (%s)' % YAML_IMPORT_ERROR)
    try:
        documents = _yaml.load_documents(content)
    except yaml.YAMLError as exc:
        raise ComposeError('invalid YAML: %s' % exc, config_file.filename)
    result = []
    for doc in documents:
        resets, overrides = [], []
        raw = _yaml.strip_tags(doc, (), resets, overrides)
        result.append((raw, resets, overrides))
    return result


def _delete_path(model, path):
    node = model
    for part in path[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return
    if isinstance(node, dict):
        node.pop(path[-1], None)


class _Loader:

    def __init__(self, ctx):
        self.ctx = ctx

    # -- one file -----------------------------------------------------------
    def load_file(self, config_file, environment, resource_dir, model, included,
                  skip_include=False, skip_extends=False, skip_validation=False):
        filename = config_file.filename
        interpolate = _Interpolator(environment, filename)
        for raw, resets, overrides in _read_documents(config_file):
            cfg = _string_keys(raw, (), filename)
            if not isinstance(cfg, dict):
                raise ComposeError('top-level object must be a mapping', filename)
            cfg = interpolate(cfg)
            removed = resets + overrides
            if not skip_extends:
                self.apply_extends(cfg, filename, environment, resource_dir, [], removed)
            for path in removed:
                _delete_path(model, path)
            if not skip_include:
                self.apply_include(cfg, filename, environment, resource_dir, included + [filename])
            try:
                model = _merge_mappings(model, cfg, ())
                model = _enforce_unicity(model)
            except ComposeError as exc:
                raise ComposeError(str(exc), filename)
            if not skip_validation:
                _validate_schema(model, filename)
                model.pop('version', None)
            try:
                model = _canonical(model)
                model = _omit_empty(model)
                model = _enforce_unicity(model)
            except ComposeError as exc:
                if exc.file:
                    raise
                raise ComposeError(str(exc), filename)
        return model

    # -- a list of files (a project or an included project) -----------------
    def load_model(self, config_files, environment, workdir, resource_dir, included):
        model = {}
        for config_file in config_files:
            model = self.load_file(config_file, environment, resource_dir, model, included)
        model = _set_default_values(model)
        _validate_model(model)
        _resolve_relative_paths(self.ctx, model, workdir)
        _resolve_environment(model, environment)
        return model

    # -- extends ------------------------------------------------------------
    def apply_extends(self, cfg, filename, environment, resource_dir, tracker, removed):
        services = cfg.get('services')
        if services is None:
            return
        if not isinstance(services, dict):
            raise ComposeError('services must be a mapping', filename)
        for name in list(services):
            services[name] = self.extend_service(name, services, filename, environment, resource_dir,
                                                 tracker, removed)

    def extend_service(self, name, services, filename, environment, resource_dir, tracker, removed):
        service = services.get(name)
        if service is None:
            return None
        if not isinstance(service, dict):
            raise ComposeError('must be a mapping', filename, 'services.%s' % name)
        if 'extends' not in service:
            return service
        extends = service['extends']
        if isinstance(extends, str):
            ref, other = extends, None
        elif isinstance(extends, dict):
            ref, other = extends.get('service'), extends.get('file')
        else:
            raise ComposeError('must be a string or a mapping', filename, 'services.%s.extends' % name)
        if not isinstance(ref, str):
            raise ComposeError('extends.service is required', filename, 'services.%s.extends' % name)
        ref_filename = filename
        base_dir = resource_dir
        if other is not None:
            ref_filename = _abs(self.ctx, resource_dir, str(other))
            if not os.path.isfile(ref_filename):
                raise ComposeError('cannot extend service "%s": file %s not found' % (name, ref_filename),
                                   filename, 'services.%s.extends' % name)
            base_dir = os.path.dirname(ref_filename)
            source = self.load_file(_ConfigFile(ref_filename), environment, base_dir, {}, [],
                                    skip_include=True, skip_extends=True, skip_validation=True)
            base_services = source.get('services')
            if not isinstance(base_services, dict):
                raise ComposeError('cannot extend service "%s": no services section' % name, ref_filename)
            if ref not in base_services:
                raise ComposeError('cannot extend service "%s": service "%s" not found in %s'
                                   % (name, ref, ref_filename), filename, 'services.%s.extends' % name)
            _resolve_relative_paths(self.ctx, source, base_dir)
            services_for_ref = base_services
        else:
            if ref not in services:
                raise ComposeError('cannot extend service "%s": service "%s" not found' % (name, ref),
                                   filename, 'services.%s.extends' % name)
            services_for_ref = services
        entry = (ref_filename, name)
        if entry in tracker:
            lines = ['Circular reference:', '  %s in %s' % (tracker[0][1], tracker[0][0])]
            for fname, sname in tracker[1:] + [entry]:
                lines.append('  extends %s in %s' % (sname, fname))
            raise ComposeError('\n'.join(lines), filename, 'services.%s.extends' % name)
        base = self.extend_service(ref, services_for_ref, ref_filename, environment, base_dir,
                                   tracker + [entry], [])
        if base is None:
            return service
        source = copy.deepcopy(base)
        wrapper = {'services': {name: source}}
        for path in removed:
            _delete_path(wrapper, path)
        try:
            merged = _merge(source, service, ('services', name))
        except ComposeError as exc:
            raise ComposeError(str(exc), filename, 'services.%s' % name)
        merged.pop('extends', None)
        services[name] = merged
        return merged

    # -- include ------------------------------------------------------------
    def apply_include(self, cfg, filename, environment, resource_dir, included):
        entries = cfg.pop('include', None)
        if entries is None:
            return
        if not isinstance(entries, list):
            raise ComposeError('must be a list', filename, 'include')
        for index, entry in enumerate(entries):
            where = 'include[%d]' % index
            if isinstance(entry, str):
                entry = {'path': [entry]}
            if not isinstance(entry, dict):
                raise ComposeError('must be a string or a mapping', filename, where)
            paths = entry.get('path')
            if isinstance(paths, str):
                paths = [paths]
            if not paths:
                raise ComposeError('path is required', filename, where)
            paths = [_abs(self.ctx, resource_dir, str(p)) for p in paths]
            for path in paths:
                if path in included:
                    chain = included + [path]
                    raise ComposeError('include cycle detected:\n%s\n include %s'
                                       % (chain[0], '\n include '.join(chain[1:])), filename, where)
                if not os.path.exists(path):
                    raise ComposeError('included file %s not found' % path, filename, where)
            project_dir = entry.get('project_directory')
            if project_dir is None:
                project_dir = os.path.dirname(paths[0])
            else:
                project_dir = _abs(self.ctx, resource_dir, str(project_dir))
            env_files = entry.get('env_file')
            if isinstance(env_files, str):
                env_files = [env_files]
            if not env_files:
                default = os.path.join(project_dir, '.env')
                env_files = [default] if os.path.isfile(default) else []
            else:
                env_files = [_abs(self.ctx, resource_dir, str(f)) for f in env_files if f != '/dev/null']
            from_files = read_env_files(env_files, environment)
            inc_env = dict(environment)
            for key, value in from_files.items():
                inc_env.setdefault(key, value)
            imported = self.load_model([_ConfigFile(p) for p in paths], inc_env, project_dir,
                                       project_dir, included)
            for kind in ('services', 'volumes', 'networks', 'secrets', 'configs', 'models'):
                source = imported.get(kind)
                if not source:
                    continue
                target = cfg.get(kind)
                if target is None:
                    target = cfg[kind] = {}
                if not isinstance(target, dict):
                    raise ComposeError('must be a mapping', filename, kind)
                for name, value in source.items():
                    if name in target:
                        if target[name] != value:
                            raise ComposeError('%s.%s conflicts with imported resource' % (kind, name), filename)
                        continue
                    target[name] = value


# ---------------------------------------------------------------------------
# normalization and project-level processing
# ---------------------------------------------------------------------------

def normalize_project_name(name):
    name = ''.join(re.findall(r'[a-z0-9_-]', name.lower()))
    return name.lstrip('_-')


def _normalize(model, environment):
    services = model.get('services') or {}
    networks = model.get('networks')
    if networks is None:
        networks = {}
    uses_default = False
    for service in services.values():
        if 'provider' in service or 'network_mode' in service:
            continue
        nets = service.get('networks')
        if nets is None or (isinstance(nets, dict) and len(nets) == 0):
            service['networks'] = {'default': None}
            uses_default = True
        elif 'default' in nets:
            uses_default = True
    if 'default' not in networks and uses_default:
        networks['default'] = None
    if networks:
        model['networks'] = networks

    def lookup(key):
        return environment.get(key)

    for service in services.values():
        if service.get('pull_policy') == 'if_not_present':
            service['pull_policy'] = 'missing'
        build = service.get('build')
        if isinstance(build, dict):
            if build.get('context') is None:
                build['context'] = '.'
            if build.get('dockerfile') is None and build.get('dockerfile_inline') is None:
                build['dockerfile'] = 'Dockerfile'
            if 'args' in build:
                build['args'] = _resolve_values(build['args'], environment, keep_empty=False)
        if 'environment' in service:
            service['environment'] = _resolve_values(service['environment'], environment, keep_empty=True)
        depends_on = service.get('depends_on')
        if not isinstance(depends_on, dict):
            depends_on = {}
        for link in service.get('links') or []:
            parts = str(link).split(':')
            target = parts[0] if len(parts) == 2 else str(link)
            if target not in depends_on:
                depends_on[target] = {'condition': 'service_started', 'restart': True, 'required': True}
        for namespace in ('network_mode', 'ipc', 'pid', 'uts', 'cgroup'):
            ref = service.get(namespace)
            if isinstance(ref, str) and ref.startswith('service:'):
                shared = ref[len('service:'):]
                if shared not in depends_on:
                    depends_on[shared] = {'condition': 'service_started', 'restart': True, 'required': True}
        for vol in service.get('volumes_from') or []:
            vol = str(vol)
            if not vol.startswith('container:'):
                name = vol.split(':')[0]
                if name not in depends_on:
                    depends_on[name] = {'condition': 'service_started', 'restart': False, 'required': True}
        if depends_on:
            service['depends_on'] = depends_on
    for kind in ('networks', 'volumes', 'configs', 'secrets'):
        resources = model.get(kind)
        if not isinstance(resources, dict):
            continue
        for key, resource in list(resources.items()):
            if resource is None:
                resource = {}
            if resource.get('name') is None:
                if 'external' in resource and _is_true(resource['external']):
                    resource['name'] = key
                else:
                    resource['name'] = '%s_%s' % (model['name'], key)
            resources[key] = resource
    return model


def _resolve_values(value, environment, keep_empty):
    if isinstance(value, list):
        result = []
        for entry in value:
            entry = entry if isinstance(entry, str) else fmt.go_sprint(entry)
            if '=' not in entry:
                if entry in environment:
                    result.append('%s=%s' % (entry, environment[entry]))
                elif keep_empty:
                    result.append(entry)
                continue
            result.append(entry)
        return result
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if item is not None:
                result[key] = item
            elif key in environment:
                result[key] = environment[key]
            elif keep_empty:
                result[key] = None
        return result
    return value


def _service_environment(name, service, project_env):
    """Resolve env_file and environment into one mapping (WithServicesEnvironmentResolved)."""
    env = _model.mapping(service.get('environment'), allow_null=True)
    for key, value in list(env.items()):
        if value is None and key in project_env:
            env[key] = project_env[key]
    from_files = {}
    for entry in service.get('env_file') or []:
        path = entry.get('path')
        required = entry.get('required', True)
        if isinstance(required, str):
            required = _to_bool(required)
        if not os.path.exists(path):
            if required:
                raise ComposeError('env file %s not found' % path, key='services.%s.env_file' % name)
            continue
        if entry.get('format') not in (None, '', 'raw'):
            raise ComposeError('unsupported env_file format %s' % entry.get('format'),
                               key='services.%s.env_file' % name)
        with open(path, 'rb') as handle:
            text = handle.read().decode('utf-8')
        if entry.get('format') == 'raw':
            parsed = {}
            for line in text.splitlines():
                if line.strip() and not line.lstrip().startswith('#'):
                    k, _sep, v = line.partition('=')
                    parsed[k] = v
        else:
            service_values = {k: v for k, v in env.items() if v is not None}
            lookup = tpl.mapping_lookup(project_env, service_values, from_files)
            try:
                parsed = tpl.parse_dotenv(text, lookup)
            except (tpl.DotEnvError, tpl.TemplateError, tpl.MissingRequiredError) as exc:
                raise ComposeError('failed to read %s: %s' % (path, exc), path)
        from_files.update(parsed)
    result = dict(from_files)
    result.update(env)
    return result


def _service_labels(name, service, project_env):
    labels = _model.mapping(service.get('labels'))
    if not service.get('label_file'):
        return labels
    from_files = {}
    for path in service['label_file']:
        if not os.path.exists(path):
            raise ComposeError('label file %s not found' % path, key='services.%s.label_file' % name)
        with open(path, 'rb') as handle:
            text = handle.read().decode('utf-8')
        try:
            from_files.update(tpl.parse_dotenv(text, tpl.mapping_lookup(project_env)))
        except (tpl.DotEnvError, tpl.TemplateError, tpl.MissingRequiredError) as exc:
            raise ComposeError('failed to read %s: %s' % (path, exc), path)
    from_files.update(labels)
    return from_files


def _active(service, profiles):
    wanted = service.get('profiles') or []
    if not wanted:
        return True
    if '*' in profiles:
        return True
    return any(p in profiles for p in wanted)


def _check_cycles(services):
    visiting = []
    done = set()

    def visit(name):
        if name in done:
            return
        if name in visiting:
            cycle = visiting[visiting.index(name):] + [name]
            raise ComposeError('dependency cycle detected: %s' % ' -> '.join(cycle))
        visiting.append(name)
        for dep in sorted(services[name].get('depends_on') or {}):
            if dep in services:
                visit(dep)
        visiting.pop()
        done.add(name)

    for name in sorted(services):
        visit(name)


def _check_consistency(model, enabled, disabled):
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
            if vol.get('type') == 'volume' and vol.get('source'):
                if vol['source'] not in volumes:
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
        effective = scale if scale is not None else deploy.get('replicas', 1)
        if isinstance(effective, int) and effective > 1 and s.get('container_name'):
            attr = 'scale' if scale is not None else 'deploy.replicas'
            raise ComposeError("can't set container_name and %s as container name must be unique" % attr,
                               key=where)
    _check_cycles(enabled)


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------

def _find_default_files(workdir):
    found = [os.path.join(workdir, f) for f in DEFAULT_FILES if os.path.isfile(os.path.join(workdir, f))]
    if not found:
        return []
    files = [found[0]]
    overrides = [os.path.join(workdir, f) for f in DEFAULT_OVERRIDE_FILES
                 if os.path.isfile(os.path.join(workdir, f))]
    if overrides:
        files.append(overrides[0])
    return files


def _project_name_from_files(config_files, interpolate):
    name = ''
    for config_file in config_files:
        try:
            docs = _read_documents(config_file)
        except ComposeError:
            break
        for raw, _resets, _overrides in docs:
            if isinstance(raw, dict) and isinstance(raw.get('name'), str) and raw['name']:
                name = raw['name']
    if name:
        name = interpolate({'name': name})['name']
    return normalize_project_name(name)


def load_project(project_dir=None, files=None, content=None, project_name=None,
                 env_files=None, environment=None, profiles=None, services=None):
    """Load a Compose project and return its normalized model.

    :param project_dir: the project directory (relative paths, ``.env`` and the
        default file names are looked up there).  Defaults to the directory of
        the first file, or the current directory.
    :param files: Compose files, relative to ``project_dir``; merged in order.
        Defaults to ``COMPOSE_FILE`` from the environment, or to the first of
        compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml plus
        the first matching ``*.override.*`` file.
    :param content: an inline Compose definition (dict or YAML string) used
        instead of files.
    :param project_name: explicit project name (must already be normalized:
        lowercase letters, digits, ``-`` and ``_``).  Otherwise
        ``COMPOSE_PROJECT_NAME``, then the top-level ``name``, then the
        directory name.
    :param env_files: env files for interpolation, relative to ``project_dir``
        (each must exist).  Default: ``.env`` in ``project_dir`` if present.
    :param environment: the variables Compose would take from the shell; they
        win over env files.  ``None`` means ``os.environ``; pass a dict (even
        an empty one) to make the result independent of the caller's process.
    :param profiles: active profiles (``*`` enables all).  ``None`` means
        ``COMPOSE_PROFILES`` from the environment.
    :param services: restrict the model to these services and their
        dependencies (services named here are enabled even if their profile
        is not active).
    :returns: dict shaped like ``docker compose config --format json``.
    :raises ComposeError: for every invalid input.
    """
    if environment is None:
        environment = dict(os.environ)
    else:
        environment = {str(k): '' if v is None else str(v) for k, v in environment.items()}
    home = environment.get('HOME') or os.path.expanduser('~')
    ctx = _Context(environment, home)

    if project_dir is not None:
        workdir = os.path.abspath(ctx.expand_user(str(project_dir)))
    elif files:
        workdir = os.path.dirname(os.path.abspath(ctx.expand_user(str(files[0]))))
    else:
        workdir = os.getcwd()

    if env_files is None:
        default_env = os.path.join(workdir, '.env')
        env_paths = [default_env] if os.path.isfile(default_env) else []
    else:
        env_paths = [_abs(ctx, workdir, str(f)) for f in env_files]
    dotenv = read_env_files(env_paths, environment)
    project_env = dict(environment)
    for key, value in dotenv.items():
        project_env.setdefault(key, value)

    if content is not None:
        if isinstance(content, dict):
            config_files = [_ConfigFile(INLINE_NAME, config=content)]
        else:
            config_files = [_ConfigFile(INLINE_NAME, content=str(content))]
    else:
        if not files and project_env.get('COMPOSE_FILE'):
            separator = project_env.get('COMPOSE_PATH_SEPARATOR') or os.pathsep
            files = [f for f in project_env['COMPOSE_FILE'].split(separator) if f]
        if files:
            paths = [_abs(ctx, workdir, str(f)) for f in files]
            for path in paths:
                if not os.path.exists(path):
                    raise ComposeError('file not found: %s' % path, path)
        else:
            paths = _find_default_files(workdir)
            if not paths:
                raise ComposeError('no configuration file provided: not found in %s' % workdir)
        config_files = [_ConfigFile(p) for p in paths]

    if profiles is None:
        profiles = [p for p in (project_env.get('COMPOSE_PROFILES') or '').split(',') if p]
    profiles = [str(p) for p in profiles]

    # project name
    if project_name:
        name = str(project_name)
        if normalize_project_name(name) != name:
            raise ComposeError('invalid project name "%s": must consist only of lowercase alphanumeric '
                               'characters, hyphens, and underscores as well as start with a letter or number'
                               % name)
    elif project_env.get('COMPOSE_PROJECT_NAME'):
        name = project_env['COMPOSE_PROJECT_NAME']
        if normalize_project_name(name) != name:
            raise ComposeError('invalid project name "%s" (from COMPOSE_PROJECT_NAME)' % name)
    else:
        name = normalize_project_name(os.path.basename(workdir))
        from_files = _project_name_from_files(config_files, _Interpolator(project_env, config_files[0].filename))
        if from_files:
            name = from_files
    project_env['COMPOSE_PROJECT_NAME'] = name

    loader = _Loader(ctx)
    model = loader.load_model(config_files, project_env, workdir, workdir, [])
    if not model:
        raise ComposeError('empty compose file', config_files[0].filename)
    if not name:
        raise ComposeError('project name must not be empty')
    model['name'] = name
    model.setdefault('services', {})
    for sname, service in list(model['services'].items()):
        if service is None:
            service = model['services'][sname] = {}
    model = _normalize(model, project_env)
    return _finish(model, project_env, profiles, services)


def _finish(model, project_env, profiles, selected):
    all_services = model.get('services') or {}
    enabled = {n: s for n, s in all_services.items() if _active(s, profiles)}
    disabled = {n: s for n, s in all_services.items() if n not in enabled}
    _check_consistency(model, enabled, disabled)

    rendered = {}
    for name, service in all_services.items():
        service = dict(service)
        service['environment'] = _service_environment(name, service, project_env)
        service['labels'] = _service_labels(name, service, project_env)
        service.pop('env_file', None)
        service.pop('label_file', None)
        try:
            rendered[name] = _model.render_service(service)
        except _model.ModelError as exc:
            raise ComposeError(str(exc), key='services.%s' % name)

    # services selection, as the CLI does (enable named services, keep their dependencies)
    if selected:
        selected = [str(s) for s in selected]
        active_profiles = list(profiles)
        for sname in selected:
            if sname in enabled:
                continue
            if sname not in disabled:
                raise ComposeError('no such service: %s' % sname)
            active_profiles.extend(all_services[sname].get('profiles') or [])
        enabled = {n: s for n, s in all_services.items()
                   if n in selected or _active(s, active_profiles)}
        keep = set()
        stack = list(selected)
        while stack:
            sname = stack.pop()
            if sname in keep:
                continue
            keep.add(sname)
            for dep, cfg in (all_services[sname].get('depends_on') or {}).items():
                if dep in enabled:
                    stack.append(dep)
                elif cfg.get('required', True):
                    raise ComposeError('service "%s" depends on undefined service "%s"' % (sname, dep))
        enabled = {n: s for n, s in enabled.items() if n in keep}

    out_services = {n: rendered[n] for n in enabled}
    result = {'name': model['name'], 'services': out_services}

    used_networks, used_volumes, used_secrets, used_configs = set(), set(), set(), set()
    for service in out_services.values():
        used_networks.update((service.get('networks') or {}).keys())
        for vol in service.get('volumes') or []:
            if vol.get('type') == 'volume' and vol.get('source'):
                used_volumes.add(vol['source'])
        for secret in service.get('secrets') or []:
            used_secrets.add(secret.get('source'))
        for secret in (service.get('build') or {}).get('secrets') or []:
            used_secrets.add(secret.get('source'))
        for config in service.get('configs') or []:
            used_configs.add(config.get('source'))

    for kind, used, struct in (('networks', used_networks, _model.NETWORK),
                               ('volumes', used_volumes, _model.VOLUME),
                               ('secrets', used_secrets, _model.SECRET),
                               ('configs', used_configs, _model.CONFIG)):
        resources = model.get(kind) or {}
        out = {}
        for rname in sorted(resources):
            if rname not in used:
                continue
            resource = resources[rname] or {}
            try:
                out[rname] = struct(resource)
            except _model.ModelError as exc:
                raise ComposeError(str(exc), key='%s.%s' % (kind, rname))
            if kind == 'configs' and resource.get('environment') is not None:
                out[rname].pop('content', None)
        if out:
            result[kind] = out
    for key, value in model.items():
        if key.startswith('x-'):
            result[key] = value
    return result
