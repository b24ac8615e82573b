# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed rendering of the canonical Compose model (private to dockyard.azure).

The reference implementation decodes the canonical YAML tree into Go structs
and prints them as JSON: that decides the final value types (ports'
``published`` is a string, sizes are strings of bytes, durations use Go's
notation...) and which empty values disappear (``omitempty``).  This module
reproduces that rendering on plain Python data.
"""

from __future__ import annotations

import struct

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _formats as fmt
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import FormatError, ModelError


def _is_empty(value):
    return value is None or value is False or value == 0 and not isinstance(value, bool) \
        or (isinstance(value, (str, list, dict)) and len(value) == 0)


def _str(value):
    if isinstance(value, str):
        return value
    return fmt.go_sprint(value)


def _int(value):
    if isinstance(value, bool):
        raise ModelError('expected a number, got %r' % (value,))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    try:
        return int(str(value), 10)
    except ValueError:
        raise ModelError('expected an integer, got %r' % (value,)) from None


def _float(value):
    if isinstance(value, bool):
        raise ModelError('expected a number, got %r' % (value,))
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ModelError('expected a number, got %r' % (value,)) from None


def _float32(value):
    """Go float32: keep the shortest decimal that round-trips through 32 bits."""
    number = _float(value)
    f32 = struct.unpack('f', struct.pack('f', number))[0]
    for digits in range(1, 10):
        candidate = float('%.*g' % (digits, f32))
        if struct.unpack('f', struct.pack('f', candidate))[0] == f32:
            return candidate
    return f32


def _bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.lower()
        if low in ('y', 'yes', 'true', 'on'):
            return True
        if low in ('n', 'no', 'false', 'off'):
            return False
    raise ModelError('invalid boolean: %s' % (value,))


def _bytes(value):
    try:
        return str(fmt.ram_in_bytes(value))
    except FormatError as exc:
        raise ModelError(str(exc)) from exc


def _duration(value):
    try:
        return fmt.format_duration(fmt.parse_duration(value, extended=True))
    except FormatError as exc:
        raise ModelError(str(exc)) from exc


def _str_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [_str(v) for v in value]


def mapping(value, allow_null=False):
    """Mapping / Labels / Options: dict or list of ``k=v`` -> dict of strings."""
    result = {}
    if value is None:
        return result
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None:
                result[key] = None if allow_null else ''
            else:
                result[key] = _str(item)
        return result
    for entry in value:
        text = _str(entry)
        key, sep, item = text.partition('=')
        if sep:
            result[key] = item
        else:
            result[key] = None if allow_null else ''
    return result


def _command(value):
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return fmt.shell_split(value)
        except FormatError as exc:
            raise ModelError(str(exc)) from exc
    return [_str(v) for v in value]


def _healthcheck_test(value):
    if isinstance(value, str):
        return ['CMD-SHELL', value]
    return [_str(v) for v in value]


def _hosts(value):
    """HostsList: rendered as sorted ``host=ip`` entries (ips of a host keep their order)."""
    hosts = {}
    order = []
    if isinstance(value, dict):
        for host, ips in value.items():
            for ip in (ips if isinstance(ips, list) else [ips]):
                hosts.setdefault(host, []).append(_str(ip))
    else:
        for entry in value or []:
            text = _str(entry)
            if '=' in text:
                host, _sep, ip = text.partition('=')
            else:
                host, _sep, ip = text.partition(':')
            hosts.setdefault(host, []).append(ip)
    for host in sorted(hosts):
        for ip in hosts[host]:
            order.append('%s=%s' % (host, ip))
    return order


def _ulimits(value):
    result = {}
    for name, item in (value or {}).items():
        if isinstance(item, dict):
            entry = {}
            for key in ('soft', 'hard'):
                if item.get(key):
                    entry[key] = _int(item[key])
            result[name] = entry
        else:
            single = _int(item)
            result[name] = single if single else {}
    return result


def _file_mode(value):
    if isinstance(value, str):
        try:
            value = int(value, 8)
        except ValueError:
            raise ModelError('invalid file mode: %s' % value) from None
    return '0%o' % _int(value)


def _device_count(value):
    if isinstance(value, str):
        if value == 'all':
            return -1
        return _int(value)
    return _int(value)


class Struct:
    """A Go struct: field name -> converter, plus the fields kept when empty.

    `keep`: printed even when empty (Go pointers, no omitempty); a null value is printed as null unless
    the key is also in `pointers` (a nil pointer is omitted).  `always`: printed with a default when absent.
    """

    def __init__(self, fields, keep=(), always=None, extra_ok=False, pointers=()):
        self.fields = fields
        self.keep = set(keep)
        self.always = always or {}
        self.extra_ok = extra_ok
        self.pointers = set(pointers)

    def __call__(self, value):
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ModelError('expected a mapping, got %r' % (value,))
        out = {}
        for key, conv in self.fields.items():
            if key in value:
                item = value[key]
                if item is None and (key not in self.keep or key in self.pointers):
                    continue
                converted = conv(item) if (conv is not None and item is not None) else item
                # sizes and durations print as strings, but zero is Go's zero value: omitted like one
                if key in self.keep or not (_is_empty(converted) or conv is _bytes and converted == '0'
                                            or conv is _duration and converted == '0s'):
                    out[key] = converted
        for key, factory in self.always.items():
            if key not in out:
                out[key] = factory()
        return out


def _list_of(conv):
    def convert(value):
        return [conv(v) for v in value]
    return convert


_ANY = None

_DEVICE_REQUEST = Struct({
    'capabilities': _str_list, 'driver': _str, 'count': _device_count,
    'device_ids': _str_list, 'options': mapping,
}, keep=('count',))

_RESOURCE = Struct({
    'cpus': _float32, 'memory': _bytes, 'pids': _int, 'devices': _list_of(_DEVICE_REQUEST),
    'generic_resources': _ANY,
})

_UPDATE_CONFIG = Struct({
    'parallelism': _int, 'delay': _duration, 'failure_action': _str, 'monitor': _duration,
    'max_failure_ratio': _float32, 'order': _str,
}, keep=('parallelism',))

_DEPLOY = Struct({
    'mode': _str, 'replicas': _int, 'labels': mapping,
    'update_config': _UPDATE_CONFIG, 'rollback_config': _UPDATE_CONFIG,
    'resources': Struct({'limits': _RESOURCE, 'reservations': _RESOURCE}, keep=('limits', 'reservations'),
                        pointers=('limits', 'reservations')),
    'restart_policy': Struct({'condition': _str, 'delay': _duration, 'max_attempts': _int,
                              'window': _duration}, keep=('delay', 'max_attempts', 'window')),
    'placement': Struct({'constraints': _str_list, 'preferences': _ANY, 'max_replicas_per_node': _int}),
    'endpoint_mode': _str,
}, keep=('replicas', 'update_config', 'rollback_config', 'restart_policy'),
    pointers=('update_config', 'rollback_config', 'restart_policy'), always={'resources': dict, 'placement': dict})

_HEALTHCHECK = Struct({
    'test': _healthcheck_test, 'timeout': _duration, 'interval': _duration, 'retries': _int,
    'start_period': _duration, 'start_interval': _duration, 'disable': _bool,
}, keep=('timeout', 'interval', 'retries', 'start_period', 'start_interval'))

_PORT = Struct({
    'name': _str, 'mode': _str, 'host_ip': _str, 'target': _int, 'published': _str,
    'protocol': _str, 'app_protocol': _str,
})

_VOLUME_MOUNT = Struct({
    'type': _str, 'source': _str, 'target': _str, 'read_only': _bool, 'consistency': _str,
    'bind': Struct({'selinux': _str, 'propagation': _str, 'create_host_path': _bool, 'recursive': _str}),
    'volume': Struct({'labels': mapping, 'nocopy': _bool, 'subpath': _str}),
    'tmpfs': Struct({'size': _bytes, 'mode': _int}),
    'image': Struct({'subpath': _str}),
}, keep=('bind', 'volume', 'tmpfs', 'image'))

_FILE_REF = Struct({'source': _str, 'target': _str, 'uid': _str, 'gid': _str, 'mode': _file_mode},
                   keep=('mode',))

_SERVICE_NETWORK = Struct({
    'aliases': _str_list, 'driver_opts': mapping, 'gw_priority': _int, 'interface_name': _str,
    'ipv4_address': _str, 'ipv6_address': _str, 'link_local_ips': _str_list, 'mac_address': _str,
    'priority': _int,
})

_DEPENDS_ON = Struct({'condition': _str, 'restart': _bool, 'required': _bool}, keep=('required',))

_LOGGING = Struct({'driver': _str, 'options': mapping})

_BUILD = Struct({
    'context': _str, 'dockerfile': _str, 'dockerfile_inline': _str, 'entitlements': _str_list,
    'args': lambda v: mapping(v, allow_null=True), 'ssh': _str_list, 'labels': mapping,
    'cache_from': _str_list, 'cache_to': _str_list, 'no_cache': _bool,
    'additional_contexts': mapping, 'pull': _bool, 'extra_hosts': _hosts, 'isolation': _str,
    'network': _str, 'target': _str, 'secrets': _list_of(_FILE_REF), 'tags': _str_list,
    'ulimits': _ulimits, 'platforms': _str_list, 'privileged': _bool, 'shm_size': _bytes,
    'provenance': _str, 'sbom': _str,
})


# blkio_config's devices are Go structs without json tags: their keys print as the field names
_WEIGHT_DEVICE = Struct({'Path': _str, 'Weight': _int}, keep=('Path', 'Weight'),
                        always={'Path': str, 'Weight': int})
_THROTTLE_DEVICE = Struct({'Path': _str, 'Rate': _bytes}, keep=('Path', 'Rate'),
                          always={'Path': str, 'Rate': lambda: '0'})


def _go_fields(struct):
    """`struct` fed from the YAML keys (``path``, ``rate``) of a struct that prints Go's field names."""
    def convert(value):
        if not isinstance(value, dict):
            raise ModelError('expected a mapping, got %r' % (value,))
        return struct({key.capitalize(): item for key, item in value.items()})
    return convert


_BLKIO = Struct({
    'weight': _int, 'weight_device': _list_of(_go_fields(_WEIGHT_DEVICE)),
    'device_read_bps': _list_of(_go_fields(_THROTTLE_DEVICE)),
    'device_read_iops': _list_of(_go_fields(_THROTTLE_DEVICE)),
    'device_write_bps': _list_of(_go_fields(_THROTTLE_DEVICE)),
    'device_write_iops': _list_of(_go_fields(_THROTTLE_DEVICE)),
})


def _provider_options(value):
    """provider.options: every value is a list of strings (a scalar is a list of one)."""
    return {str(k): [_str(i) for i in (v if isinstance(v, list) else [v])] for k, v in (value or {}).items()}


_PROVIDER = Struct({'type': _str, 'options': _provider_options})

# post_start / pre_stop hooks and develop.watch's exec; `command` is printed even when null
_SERVICE_HOOK = Struct({
    'command': _command, 'user': _str, 'privileged': _bool, 'working_dir': _str,
    'environment': lambda v: mapping(v, allow_null=True),
}, keep=('command',), always={'command': lambda: None})

_WATCH_TRIGGER = Struct({
    'path': _str, 'action': _str, 'target': _str, 'exec': _SERVICE_HOOK, 'include': _str_list,
    'ignore': _str_list, 'initial_sync': _bool,
}, keep=('exec',), always={'exec': lambda: {'command': None}})

_DEVELOP = Struct({'watch': _list_of(_WATCH_TRIGGER)})


def _service_networks(value):
    result = {}
    for name, item in (value or {}).items():
        result[name] = None if item is None else _SERVICE_NETWORK(item)
    return result


def _depends_on(value):
    return {name: _DEPENDS_ON(item) for name, item in (value or {}).items()}


SERVICE = Struct({
    'profiles': _str_list, 'annotations': mapping, 'attach': _bool, 'build': _BUILD,
    'develop': _DEVELOP, 'blkio_config': _BLKIO, 'cap_add': _str_list, 'cap_drop': _str_list,
    'cgroup_parent': _str, 'cgroup': _str, 'cpu_count': _int, 'cpu_percent': _float32,
    'cpu_period': _int, 'cpu_quota': _int, 'cpu_rt_period': _int, 'cpu_rt_runtime': _int,
    'cpus': _float32, 'cpuset': _str, 'cpu_shares': _int, 'command': _command,
    'configs': _list_of(_FILE_REF), 'container_name': _str, 'credential_spec': _ANY,
    'depends_on': _depends_on, 'deploy': _DEPLOY, 'device_cgroup_rules': _str_list,
    'devices': _ANY, 'dns': _str_list, 'dns_opt': _str_list, 'dns_search': _str_list,
    'dockerfile': _str, 'domainname': _str, 'entrypoint': _command, 'provider': _PROVIDER,
    'environment': lambda v: mapping(v, allow_null=True), 'expose': _str_list,
    'external_links': _str_list, 'extra_hosts': _hosts, 'group_add': _str_list, 'gpus': _ANY,
    'hostname': _str, 'healthcheck': _HEALTHCHECK, 'image': _str, 'init': _bool, 'ipc': _str,
    'isolation': _str, 'labels': mapping, 'label_file': _str_list, 'links': _str_list,
    'logging': _LOGGING, 'log_driver': _str, 'log_opt': mapping, 'mem_limit': _bytes,
    'mem_reservation': _bytes, 'memswap_limit': _bytes, 'mem_swappiness': _bytes,
    'mac_address': _str, 'models': _ANY, 'net': _str, 'network_mode': _str,
    'networks': _service_networks, 'oom_kill_disable': _bool, 'oom_score_adj': _int,
    'pid': _str, 'pids_limit': _int, 'platform': _str, 'ports': _list_of(_PORT),
    'privileged': _bool, 'pull_policy': _str, 'read_only': _bool, 'restart': _str,
    'runtime': _str, 'scale': _int, 'secrets': _list_of(_FILE_REF), 'security_opt': _str_list,
    'shm_size': _bytes, 'stdin_open': _bool, 'stop_grace_period': _duration,
    'stop_signal': _str, 'storage_opt': mapping, 'sysctls': mapping, 'tmpfs': _str_list,
    'tty': _bool, 'ulimits': _ulimits, 'use_api_socket': _bool, 'user': _str,
    'userns_mode': _str, 'uts': _str, 'volume_driver': _str, 'volumes': _list_of(_VOLUME_MOUNT),
    'volumes_from': _str_list, 'working_dir': _str, 'post_start': _list_of(_SERVICE_HOOK),
    'pre_stop': _list_of(_SERVICE_HOOK),
}, keep=('command', 'entrypoint', 'attach', 'init', 'scale', 'stop_grace_period', 'develop', 'blkio_config',
         'healthcheck'),
    pointers=('develop', 'blkio_config', 'healthcheck'),
    always={'command': lambda: None, 'entrypoint': lambda: None})

_IPAM = Struct({
    'driver': _str,
    'config': _list_of(Struct({'subnet': _str, 'gateway': _str, 'ip_range': _str, 'aux_addresses': mapping})),
})  # no options: the schema allows ipam.options, compose-go's IPAMConfig has no field for it (dropped)

NETWORK = Struct({
    'name': _str, 'driver': _str, 'driver_opts': mapping, 'ipam': _IPAM, 'external': _bool,
    'internal': _bool, 'attachable': _bool, 'labels': mapping, 'enable_ipv4': _bool,
    'enable_ipv6': _bool,
}, keep=('enable_ipv4', 'enable_ipv6'), always={'ipam': dict})

VOLUME = Struct({
    'name': _str, 'driver': _str, 'driver_opts': mapping, 'external': _bool, 'labels': mapping,
})

SECRET = Struct({
    'name': _str, 'file': _str, 'environment': _str, 'external': _bool, 'labels': mapping,
    'driver': _str, 'driver_opts': mapping, 'template_driver': _str,
})

CONFIG = Struct({
    'name': _str, 'file': _str, 'environment': _str, 'content': _str, 'external': _bool,
    'labels': mapping, 'driver': _str, 'driver_opts': mapping, 'template_driver': _str,
})


def render_service(service):
    return SERVICE(service)
