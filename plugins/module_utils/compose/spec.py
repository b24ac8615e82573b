# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Translate a normalized service into a Docker Engine API container-create body (pure; private to dockyard.azure)."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _formats as fmt
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import FormatError, SpecError

# Keys of a normalized service this engine understands.  Anything else is
# refused before any write, with the key named.
HANDLED_KEYS = frozenset((
    'annotations', 'attach', 'blkio_config', 'build', 'cap_add', 'cap_drop', 'cgroup', 'cgroup_parent',
    'command', 'configs', 'container_name', 'cpu_count', 'cpu_percent', 'cpu_period', 'cpu_quota',
    'cpu_rt_period', 'cpu_rt_runtime', 'cpu_shares', 'cpus', 'cpuset', 'depends_on', 'deploy', 'develop',
    'device_cgroup_rules', 'devices', 'dns', 'dns_opt', 'dns_search', 'domainname', 'entrypoint',
    'environment', 'expose', 'external_links', 'extra_hosts', 'gpus', 'group_add', 'healthcheck',
    'hostname', 'image', 'init', 'ipc', 'isolation', 'labels', 'links', 'logging', 'mac_address',
    'mem_limit', 'mem_reservation', 'mem_swappiness', 'memswap_limit', 'network_mode', 'networks',
    'oom_kill_disable', 'oom_score_adj', 'pid', 'pids_limit', 'platform', 'ports', 'privileged',
    'profiles', 'pull_policy', 'read_only', 'restart', 'runtime', 'scale', 'secrets', 'security_opt',
    'shm_size', 'stdin_open', 'stop_grace_period', 'stop_signal', 'storage_opt', 'sysctls', 'tmpfs',
    'tty', 'ulimits', 'user', 'userns_mode', 'uts', 'volumes', 'volumes_from', 'working_dir',
))


def duration_ns(value: str | float | None) -> int | None:
    """'1m30s' / '500ms' (Go notation, as the model has it) or a number of seconds -> nanoseconds; None stays None."""
    if value is None or value == '':
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value * 10 ** 9)
    try:
        return fmt.parse_duration(str(value).strip())
    except FormatError as exc:
        raise SpecError('invalid duration %r' % value) from exc


def duration_seconds(value: str | float | None) -> int | None:
    ns = duration_ns(value)
    return None if ns is None else int(ns // 10 ** 9)


def size_bytes(value: str | float | None) -> int | None:
    """'67108864' / '64m' / 1024 -> int bytes (go-units RAMInBytes, as the loader parses sizes); None stays None."""
    if value is None or value == '':
        return None
    try:
        return fmt.ram_in_bytes(value if isinstance(value, (int, float)) else str(value).strip())
    except FormatError as exc:
        raise SpecError('invalid size %r' % value) from exc


def network_priority_order(networks):
    """Service network keys sorted as Compose does: priority descending, then name."""
    keyed = [((cfg or {}).get('priority') or 0, key) for key, cfg in (networks or {}).items()]
    return [key for _priority, key in sorted(keyed, key=lambda kv: (-kv[0], kv[1]))]


def _port_key(target, protocol):
    return '%s/%s' % (target, protocol or 'tcp')


def _expose_keys(entry):
    text = str(entry)
    proto = 'tcp'
    if '/' in text:
        text, proto = text.split('/', 1)
    if '-' in text:
        start, end = text.split('-', 1)
        return [_port_key(p, proto) for p in range(int(start), int(end) + 1)]
    return [_port_key(text, proto)]


def _restart_policy(service):
    restart = service.get('restart')
    if restart:
        name, _sep, count = str(restart).partition(':')
        if name == 'no':
            name = ''
        return {'Name': name, 'MaximumRetryCount': int(count) if count else 0}
    policy = ((service.get('deploy') or {}).get('restart_policy') or {})
    if policy:
        condition = policy.get('condition') or 'any'
        name = {'any': 'always', 'on-failure': 'on-failure', 'none': ''}.get(condition, condition)
        return {'Name': name, 'MaximumRetryCount': int(policy.get('max_attempts') or 0)}
    return {'Name': '', 'MaximumRetryCount': 0}


def _healthcheck(hc):
    if not hc:
        return None
    if hc.get('disable'):
        return {'Test': ['NONE']}
    out = {}
    if hc.get('test') is not None:
        test = hc['test']
        out['Test'] = ['CMD-SHELL', test] if isinstance(test, str) else list(test)
    for key, api in (('interval', 'Interval'), ('timeout', 'Timeout'), ('start_period', 'StartPeriod'),
                     ('start_interval', 'StartInterval')):
        if hc.get(key) is not None:
            out[api] = duration_ns(hc[key])
    if hc.get('retries') is not None:
        out['Retries'] = int(hc['retries'])
    return out


def _ulimits(ulimits):
    out = []
    for name in sorted(ulimits or {}):
        value = ulimits[name]
        if isinstance(value, dict):
            if value.get('single') is not None:
                soft = hard = int(value['single'])
            else:
                soft, hard = int(value.get('soft', 0)), int(value.get('hard', 0))
        else:
            soft = hard = int(value)
        out.append({'Name': name, 'Soft': soft, 'Hard': hard})
    return out


def _tmpfs(entries):
    out = {}
    for entry in entries or []:
        path, _sep, opts = str(entry).partition(':')
        out[path] = opts
    return out


def _mounts(service, model, project):
    """Mounts and legacy Binds for the service's volumes, secrets and configs."""
    mounts, binds = [], []
    volumes = model.get('volumes') or {}
    for vol in service.get('volumes') or []:
        vtype = vol.get('type', 'volume')
        target = vol.get('target')
        read_only = bool(vol.get('read_only'))
        if vtype == 'volume':
            mount = {'Type': 'volume', 'Target': target, 'ReadOnly': read_only}
            source = vol.get('source')
            if source:
                mount['Source'] = (volumes.get(source) or {}).get('name') or source
            opts = vol.get('volume') or {}
            vopts = {}
            if opts.get('nocopy'):
                vopts['NoCopy'] = True
            if opts.get('subpath'):
                vopts['Subpath'] = opts['subpath']
            if opts.get('labels'):
                vopts['Labels'] = {k: str(v) for k, v in opts['labels'].items()}
            if vopts:
                mount['VolumeOptions'] = vopts
            if source and not vopts:
                # what Compose sends for a plain named volume
                binds.append('%s:%s:%s' % (mount['Source'], target, 'ro' if read_only else 'rw'))
            else:
                mounts.append(mount)
        elif vtype == 'bind':
            opts = vol.get('bind') or {}
            if opts.get('create_host_path'):
                modes = ['ro' if read_only else 'rw']
                if opts.get('selinux'):
                    modes.append(opts['selinux'])
                if opts.get('propagation'):
                    modes.append(opts['propagation'])
                binds.append('%s:%s:%s' % (vol.get('source'), target, ','.join(modes)))
            else:
                mount = {'Type': 'bind', 'Source': vol.get('source'), 'Target': target, 'ReadOnly': read_only}
                if opts.get('propagation'):
                    mount['BindOptions'] = {'Propagation': opts['propagation']}
                mounts.append(mount)
        elif vtype == 'tmpfs':
            opts = vol.get('tmpfs') or {}
            mount = {'Type': 'tmpfs', 'Target': target, 'ReadOnly': read_only}
            topts = {}
            if opts.get('size') is not None:
                topts['SizeBytes'] = size_bytes(opts['size'])
            if opts.get('mode') is not None:
                topts['Mode'] = int(opts['mode'])
            if topts:
                mount['TmpfsOptions'] = topts
            mounts.append(mount)
        else:
            raise SpecError('volumes: type %r is not supported' % vtype)
    for kind, ref, obj, target in _secret_and_config_refs(service, model):
        source = ref.get('source')
        if obj.get('file'):
            mounts.append({'Type': 'bind', 'Source': obj['file'], 'Target': target, 'ReadOnly': True})
        elif obj.get('external'):
            raise SpecError('%s: external %s %r is not supported outside Swarm' % (kind, kind[:-1], source))
        # content / environment objects are copied into the container after create (see copies())
    return mounts, binds


def _secret_and_config_refs(service, model):
    """(kind, reference, declared object, absolute target path) of each secret and config a service uses."""
    for kind, default_dir in (('secrets', '/run/secrets/'), ('configs', '/')):
        declared = model.get(kind) or {}
        for ref in service.get(kind) or []:
            source = ref.get('source')
            target = ref.get('target') or source
            if not target.startswith('/'):
                target = default_dir + target
            yield kind, ref, declared.get(source) or {}, target


def copies(service, model, environment=None):
    """Files to copy into a container before it starts: [(path, bytes, mode, uid, gid)]."""
    out = []
    env = environment or {}
    for kind, ref, obj, target in _secret_and_config_refs(service, model):
        if obj.get('file'):
            continue
        if obj.get('content') is not None:
            data = obj['content']
        elif obj.get('environment'):
            if obj['environment'] not in env:
                raise SpecError('%s.%s: environment variable %s is not set' % (kind, ref.get('source'), obj['environment']))
            data = env[obj['environment']]
        else:
            continue
        mode = ref.get('mode')
        mode = int(str(mode), 8) if mode is not None else 0o444
        out.append((target, data.encode('utf-8') if not isinstance(data, bytes) else data, mode,
                    int(ref.get('uid') or 0), int(ref.get('gid') or 0)))
    return out


def check_service(name, service):
    """Raise SpecError naming the first key this engine cannot deploy."""
    for key in service:
        if key.startswith('x-'):
            continue
        if key not in HANDLED_KEYS:
            raise SpecError('services.%s.%s is not supported by this engine' % (name, key))
    if service.get('image') is None and service.get('build') is None:
        raise SpecError('services.%s has neither image nor build' % name)


def image_ref(project, name, service):
    """The image a service runs: its ``image``, or ``<project>-<service>`` for build-only services."""
    return service.get('image') or '%s-%s' % (project, name)


def create_body(project, name, service, model, container_name, labels, image,
                network_mode_container=None, links=None, volumes_from=None, extra_mounts=None):
    """The JSON body of ``POST /containers/create`` for one replica.

    ``network_mode_container``: container id for ``network_mode: service:x``.
    ``links``: ready ``container:alias`` strings; ``volumes_from``: resolved container names.
    Returns ``(body, extra_networks)`` where extra_networks lists
    ``(network_name, endpoint_config)`` to connect after create (one network at create time
    works on every API version).
    """
    check_service(name, service)
    env = []
    for key in sorted(service.get('environment') or {}):
        value = service['environment'][key]
        if value is not None:
            env.append('%s=%s' % (key, value))

    exposed = {}
    bindings = {}
    for port in service.get('ports') or []:
        key = _port_key(port.get('target'), port.get('protocol'))
        exposed[key] = {}
        published = port.get('published')
        if published is None and port.get('host_ip') is None:
            bindings.setdefault(key, []).append({'HostIp': '', 'HostPort': ''})
        else:
            bindings.setdefault(key, []).append({'HostIp': port.get('host_ip') or '',
                                                 'HostPort': str(published or '')})
    for entry in service.get('expose') or []:
        for key in _expose_keys(entry):
            exposed.setdefault(key, {})

    mounts, binds = _mounts(service, model, project)
    mounts.extend(extra_mounts or [])
    deploy = service.get('deploy') or {}
    limits = ((deploy.get('resources') or {}).get('limits') or {})
    reservations = ((deploy.get('resources') or {}).get('reservations') or {})

    host = {
        'RestartPolicy': _restart_policy(service),
        'PortBindings': bindings,
        'Mounts': mounts,
        'Binds': binds or None,
        'Init': service.get('init'),
        'Privileged': bool(service.get('privileged')),
        'ReadonlyRootfs': bool(service.get('read_only')),
        'CapAdd': service.get('cap_add'),
        'CapDrop': service.get('cap_drop'),
        'Dns': service.get('dns'),
        'DnsOptions': service.get('dns_opt'),
        'DnsSearch': service.get('dns_search'),
        'ExtraHosts': [h.replace('=', ':', 1) for h in service.get('extra_hosts') or []],
        'GroupAdd': service.get('group_add'),
        'SecurityOpt': service.get('security_opt'),
        'Sysctls': {k: str(v) for k, v in (service.get('sysctls') or {}).items()} or None,
        'Ulimits': _ulimits(service.get('ulimits')) or None,
        'Tmpfs': _tmpfs(service.get('tmpfs')) or None,
        'PidMode': service.get('pid') or '',
        'IpcMode': service.get('ipc') or '',
        'UTSMode': service.get('uts') or '',
        'UsernsMode': service.get('userns_mode') or '',
        'CgroupParent': service.get('cgroup_parent') or '',
        'Runtime': service.get('runtime') or None,
        'Isolation': service.get('isolation') or '',
        'OomKillDisable': bool(service.get('oom_kill_disable')),
        'OomScoreAdj': int(service.get('oom_score_adj') or 0),
        'StorageOpt': service.get('storage_opt') or None,
        'DeviceCgroupRules': service.get('device_cgroup_rules'),
        'Links': (links or []) + list(service.get('external_links') or []) or None,
        'VolumesFrom': volumes_from or None,
        'LogConfig': None,
        'Devices': [{'PathOnHost': d.get('source'), 'PathInContainer': d.get('target') or d.get('source'),
                     'CgroupPermissions': d.get('permissions') or 'rwm'}
                    for d in service.get('devices') or []] or None,
    }
    if service.get('cgroup'):
        host['CgroupnsMode'] = service['cgroup']
    if service.get('logging'):
        host['LogConfig'] = {'Type': service['logging'].get('driver') or '',
                             'Config': {k: str(v) for k, v in
                                        (service['logging'].get('options') or {}).items()}}
    memory = size_bytes(limits.get('memory')) or size_bytes(service.get('mem_limit'))
    if memory:
        host['Memory'] = memory
    reservation = size_bytes(reservations.get('memory')) or size_bytes(service.get('mem_reservation'))
    if reservation:
        host['MemoryReservation'] = reservation
    if service.get('memswap_limit') is not None:
        host['MemorySwap'] = size_bytes(service['memswap_limit'])
    if service.get('mem_swappiness') is not None:
        host['MemorySwappiness'] = int(service['mem_swappiness'])
    cpus = limits.get('cpus') or service.get('cpus')
    if cpus:
        host['NanoCpus'] = int(round(float(cpus) * 10 ** 9))
    pids = limits.get('pids') or service.get('pids_limit')
    if pids:
        host['PidsLimit'] = int(pids)
    for key, api in (('cpu_shares', 'CpuShares'), ('cpu_period', 'CpuPeriod'), ('cpu_quota', 'CpuQuota'),
                     ('cpu_rt_period', 'CpuRealtimePeriod'), ('cpu_rt_runtime', 'CpuRealtimeRuntime'),
                     ('cpu_count', 'CpuCount'), ('cpu_percent', 'CpuPercent')):
        if service.get(key) is not None:
            host[api] = int(service[key])
    if service.get('cpuset'):
        host['CpusetCpus'] = str(service['cpuset'])
    if service.get('shm_size') is not None:
        host['ShmSize'] = size_bytes(service['shm_size'])
    blkio = service.get('blkio_config') or {}
    if blkio.get('weight'):
        host['BlkioWeight'] = int(blkio['weight'])
    if blkio.get('weight_device'):
        host['BlkioWeightDevice'] = [{'Path': d['Path'], 'Weight': int(d['Weight'])} for d in blkio['weight_device']]
    for key, api in (('device_read_bps', 'BlkioDeviceReadBps'), ('device_write_bps', 'BlkioDeviceWriteBps'),
                     ('device_read_iops', 'BlkioDeviceReadIOps'), ('device_write_iops', 'BlkioDeviceWriteIOps')):
        if blkio.get(key):
            host[api] = [{'Path': d['Path'], 'Rate': int(d['Rate'])} for d in blkio[key]]
    requests = []
    for dev in (reservations.get('devices') or []) + list(service.get('gpus') or []):
        count = dev.get('count')
        requests.append({'Driver': dev.get('driver') or '', 'Count': -1 if count in ('all', None) and not
                         dev.get('device_ids') else int(count or 0), 'DeviceIDs': dev.get('device_ids'),
                         'Capabilities': [dev.get('capabilities') or ['gpu']], 'Options': dev.get('options')})
    if requests:
        host['DeviceRequests'] = requests

    body = {
        'Image': image,
        'Cmd': service.get('command'),
        'Entrypoint': service.get('entrypoint'),
        'Env': env,
        'Labels': labels,
        'ExposedPorts': exposed or None,
        'Tty': bool(service.get('tty')),
        'OpenStdin': bool(service.get('stdin_open')),
        'StdinOnce': False,
        'AttachStdin': False,
        'AttachStdout': True,
        'AttachStderr': True,
        'User': str(service.get('user') or ''),
        'WorkingDir': service.get('working_dir') or '',
        'Hostname': service.get('hostname') or '',
        'Domainname': service.get('domainname') or '',
        'HostConfig': host,
    }
    if service.get('mac_address'):
        body['MacAddress'] = service['mac_address']
    if service.get('stop_signal'):
        body['StopSignal'] = service['stop_signal']
    if service.get('stop_grace_period') is not None:
        body['StopTimeout'] = duration_seconds(service['stop_grace_period'])
    health = _healthcheck(service.get('healthcheck'))
    if health:
        body['Healthcheck'] = health

    extra_networks = []
    network_mode = service.get('network_mode')
    if network_mode:
        if network_mode.startswith('service:'):
            if not network_mode_container:
                raise SpecError('services.%s.network_mode: service %s has no container'
                                % (name, network_mode[len('service:'):]))
            host['NetworkMode'] = 'container:' + network_mode_container
        else:
            host['NetworkMode'] = network_mode
    else:
        nets = service.get('networks') or {}
        order = network_priority_order(nets)
        declared = model.get('networks') or {}
        endpoints = []
        for key in order:
            cfg = nets.get(key) or {}
            real = (declared.get(key) or {}).get('name') or '%s_%s' % (project, key)
            aliases = [container_name, name] + list(cfg.get('aliases') or [])
            endpoint = {'Aliases': aliases}
            ipam = {}
            if cfg.get('ipv4_address'):
                ipam['IPv4Address'] = cfg['ipv4_address']
            if cfg.get('ipv6_address'):
                ipam['IPv6Address'] = cfg['ipv6_address']
            if cfg.get('link_local_ips'):
                ipam['LinkLocalIPs'] = cfg['link_local_ips']
            if ipam:
                endpoint['IPAMConfig'] = ipam
            if cfg.get('driver_opts'):
                endpoint['DriverOpts'] = cfg['driver_opts']
            endpoints.append((real, endpoint))
        if endpoints:
            host['NetworkMode'] = endpoints[0][0]
            body['NetworkingConfig'] = {'EndpointsConfig': {endpoints[0][0]: endpoints[0][1]}}
            extra_networks = endpoints[1:]
    for key in list(host):
        if host[key] is None:
            del host[key]
    return body, extra_networks
