# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Configuration hashes of services, networks and volumes (private to dockyard.azure).

Pure functions over the normalized model (the shape ``docker compose config
--format json`` prints).  The hash is the SHA-256 of the compact JSON encoding
of the object, written the way Go's ``encoding/json`` writes the compose-go
structs: struct fields in declaration order, map keys sorted, ``<``, ``>`` and
``&`` escaped.  Computed that way, our ``com.docker.compose.config-hash``
labels equal the ones the Compose CLI computes, so a later ``docker compose
up`` on the host finds nothing to recreate.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Optional

# How Go writes a value: ('struct', fields in declaration order, {field: node of a non-leaf field}),
# ('map', node of the values), ('list', node of the items), or None for a leaf.
SchemaNode = Optional[tuple[Any, ...]]

# Field order of the compose-go structs (json names).  A key listed under a
# struct is written in this order; unknown keys follow in the order the model
# gives them.  Every other object is a Go map: keys sorted.
_SERVICE_FIELDS = (
    'profiles', 'annotations', 'attach', 'build', 'develop', 'blkio_config', 'cap_add', 'cap_drop',
    'cgroup_parent', 'cgroup', 'cpu_count', 'cpu_percent', 'cpu_period', 'cpu_quota', 'cpu_rt_period',
    'cpu_rt_runtime', 'cpus', 'cpuset', 'cpu_shares', 'command', 'configs', 'container_name',
    'credential_spec', 'depends_on', 'deploy', 'device_cgroup_rules', 'devices', 'dns', 'dns_opt',
    'dns_search', 'dockerfile', 'domainname', 'entrypoint', 'provider', 'environment', 'env_file',
    'expose', 'extends', 'external_links', 'extra_hosts', 'group_add', 'gpus', 'hostname', 'healthcheck',
    'image', 'init', 'ipc', 'isolation', 'labels', 'label_file', 'links', 'logging', 'log_driver',
    'log_opt', 'mem_limit', 'mem_reservation', 'memswap_limit', 'mem_swappiness', 'mac_address',
    'models', 'net', 'network_mode', 'networks', 'oom_kill_disable', 'oom_score_adj', 'pid',
    'pids_limit', 'platform', 'ports', 'privileged', 'pull_policy', 'read_only', 'restart', 'runtime',
    'scale', 'secrets', 'security_opt', 'shm_size', 'stdin_open', 'stop_grace_period', 'stop_signal',
    'storage_opt', 'sysctls', 'tmpfs', 'tty', 'ulimits', 'use_api_socket', 'user', 'userns_mode', 'uts',
    'volume_driver', 'volumes', 'volumes_from', 'working_dir', 'post_start', 'pre_stop',
)

_HOOK = ('command', 'user', 'privileged', 'working_dir', 'environment')
_DEVICE_REQUEST = ('capabilities', 'driver', 'count', 'device_ids', 'options')
_RESOURCE = ('cpus', 'memory', 'pids', 'devices', 'generic_resources')
_THROTTLE = ('Path', 'Rate')

_S: dict[str, SchemaNode] = {}
_S['hook'] = ('struct', _HOOK, {'environment': ('map', None)})
_S['service'] = ('struct', _SERVICE_FIELDS, {
    'annotations': ('map', None),
    'build': ('struct', ('context', 'dockerfile', 'dockerfile_inline', 'entitlements', 'args', 'ssh',
                         'labels', 'cache_from', 'cache_to', 'no_cache', 'additional_contexts', 'pull',
                         'extra_hosts', 'isolation', 'network', 'target', 'secrets', 'tags', 'ulimits',
                         'platforms', 'privileged', 'shm_size'),
              {'args': ('map', None), 'labels': ('map', None), 'additional_contexts': ('map', None),
               'ulimits': ('map', ('struct', ('single', 'soft', 'hard'), {}))}),
    'blkio_config': ('struct', ('weight', 'weight_device', 'device_read_bps', 'device_read_iops',
                                'device_write_bps', 'device_write_iops'),
                     {'weight_device': ('list', ('struct', ('Path', 'Weight'), {})),
                      'device_read_bps': ('list', ('struct', _THROTTLE, {})),
                      'device_read_iops': ('list', ('struct', _THROTTLE, {})),
                      'device_write_bps': ('list', ('struct', _THROTTLE, {})),
                      'device_write_iops': ('list', ('struct', _THROTTLE, {}))}),
    'configs': ('list', ('struct', ('source', 'target', 'uid', 'gid', 'mode'), {})),
    'secrets': ('list', ('struct', ('source', 'target', 'uid', 'gid', 'mode'), {})),
    'depends_on': ('map', ('struct', ('condition', 'restart', 'required'), {})),
    'deploy': ('struct', ('mode', 'replicas', 'labels', 'update_config', 'rollback_config', 'resources',
                          'restart_policy', 'placement', 'endpoint_mode'),
               {'labels': ('map', None),
                'update_config': ('struct', ('parallelism', 'delay', 'failure_action', 'monitor',
                                             'max_failure_ratio', 'order'), {}),
                'rollback_config': ('struct', ('parallelism', 'delay', 'failure_action', 'monitor',
                                               'max_failure_ratio', 'order'), {}),
                'resources': ('struct', ('limits', 'reservations'), {
                    'limits': ('struct', _RESOURCE, {}),
                    'reservations': ('struct', _RESOURCE, {
                        'devices': ('list', ('struct', _DEVICE_REQUEST, {'options': ('map', None)}))})}),
                'restart_policy': ('struct', ('condition', 'delay', 'max_attempts', 'window'), {}),
                'placement': ('struct', ('constraints', 'preferences', 'max_replicas_per_node'), {})}),
    'devices': ('list', ('struct', ('source', 'target', 'permissions'), {})),
    'environment': ('map', None),
    'gpus': ('list', ('struct', _DEVICE_REQUEST, {'options': ('map', None)})),
    'healthcheck': ('struct', ('test', 'timeout', 'interval', 'retries', 'start_period', 'start_interval',
                               'disable'), {}),
    'labels': ('map', None),
    'logging': ('struct', ('driver', 'options'), {'options': ('map', None)}),
    'log_opt': ('map', None),
    'networks': ('map', ('struct', ('aliases', 'driver_opts', 'ipv4_address', 'ipv6_address',
                                    'link_local_ips', 'mac_address', 'priority', 'gw_priority'),
                         {'driver_opts': ('map', None)})),
    'ports': ('list', ('struct', ('name', 'mode', 'host_ip', 'target', 'published', 'protocol',
                                  'app_protocol'), {})),
    'storage_opt': ('map', None),
    'sysctls': ('map', None),
    'ulimits': ('map', ('struct', ('single', 'soft', 'hard'), {})),
    'volumes': ('list', ('struct', ('type', 'source', 'target', 'read_only', 'consistency', 'bind',
                                    'volume', 'tmpfs', 'image'),
                         {'bind': ('struct', ('selinux', 'propagation', 'create_host_path', 'recursive'), {}),
                          'volume': ('struct', ('labels', 'nocopy', 'subpath'), {'labels': ('map', None)}),
                          'tmpfs': ('struct', ('size', 'mode'), {}),
                          'image': ('struct', ('subpath',), {})})),
    'post_start': ('list', _S['hook']),
    'pre_stop': ('list', _S['hook']),
})
_S['network'] = ('struct', ('name', 'driver', 'driver_opts', 'ipam', 'external', 'internal', 'attachable',
                            'labels', 'enable_ipv4', 'enable_ipv6'),
                 {'driver_opts': ('map', None),
                  'labels': ('map', None),
                  'ipam': ('struct', ('driver', 'config', 'options'), {
                      'config': ('list', ('struct', ('subnet', 'gateway', 'ip_range', 'aux_addresses'),
                                          {'aux_addresses': ('map', None)})),
                      'options': ('map', None)})})
_S['volume'] = ('struct', ('name', 'driver', 'driver_opts', 'external', 'labels'),
                {'driver_opts': ('map', None), 'labels': ('map', None)})

# Fields Compose leaves out of a service's hash (they do not change a container).
_SERVICE_HASH_EXCLUDED = ('build', 'pull_policy', 'scale', 'depends_on', 'profiles')


def _order(value, schema):
    """Return a structure whose dict insertion order is Go's marshalling order."""
    if isinstance(value, dict):
        if schema is not None and schema[0] == 'struct':
            fields, children = schema[1], schema[2]
            out = {}
            for key in fields:
                if key in value:
                    out[key] = _order(value[key], children.get(key))
            for key in value:
                if key not in out and not key.startswith('x-'):
                    out[key] = _order(value[key], None)
            return out
        child = schema[1] if schema is not None and schema[0] == 'map' else None
        return {k: _order(value[k], child) for k in sorted(value)}
    if isinstance(value, list):
        child = schema[1] if schema is not None and schema[0] == 'list' else None
        return [_order(v, child) for v in value]
    return value


def _floats(value):
    """Go writes integral floats without a fraction (1, not 1.0)."""
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    if isinstance(value, float) and not math.isnan(value) and abs(value) < 1e21 and value == int(value):
        return int(value)
    return value


def go_json(value):
    """Compact JSON the way Go's encoding/json writes it (key order must already be Go's)."""
    text = json.dumps(_floats(value), separators=(',', ':'), ensure_ascii=False)
    return (text.replace('<', '\\u003c').replace('>', '\\u003e').replace('&', '\\u0026')
            .replace('\u2028', '\\u2028').replace('\u2029', '\\u2029'))


def _sha256(value):
    return hashlib.sha256(go_json(value).encode('utf-8')).hexdigest()


def service_hash(service):
    """``com.docker.compose.config-hash`` of a normalized service."""
    config = {k: v for k, v in service.items() if k not in _SERVICE_HASH_EXCLUDED}
    deploy = config.get('deploy')
    if isinstance(deploy, dict) and 'replicas' in deploy:
        deploy = dict(deploy)
        deploy.pop('replicas')
        config['deploy'] = deploy
    for key in ('command', 'entrypoint'):
        config.setdefault(key, None)  # never omitted by Go (no omitempty)
    return _sha256(_order(config, _S['service']))


def network_hash(network):
    """``com.docker.compose.config-hash`` of a normalized network."""
    return _sha256(_order(network, _S['network']))


def volume_hash(volume):
    """``com.docker.compose.config-hash`` of a normalized volume ('local' driver by default)."""
    config = dict(volume)
    if not config.get('driver'):
        config['driver'] = 'local'
    return _sha256(_order(config, _S['volume']))
