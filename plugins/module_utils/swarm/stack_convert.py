# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Translate a normalized Compose model into the swarm objects of a stack (pure; private to dockyard.azure).

The input is what `compose/loader.load_project` returns (the `docker compose config` model);
the output is a `DesiredStack`: service specs in the engine API's shape, built the way
`docker stack deploy` builds them (docker/cli cli/compose/convert), so a stack the CLI deployed
compares equal to ours. Differences from the CLI, on purpose:

- configs and secrets get versioned names (`<stack>_<name>-<digest>`): the engine refuses to
  change their data, so a new content is a new object and the services move to it;
- configs and secrets may also come from `environment` or `content`, as Compose allows;
- what swarm cannot do is reported: build-only services, unknown placement constraints,
  replicas with a global mode, ingress ports with `dnsrr` are errors; keys swarm ignores are warnings.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.swarm.errors import StackInputError
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_model import (
    LABEL_DIGEST,
    LABEL_IMAGE,
    LABEL_NAMESPACE,
    MAX_OBJECT_NAME,
    DesiredFileObject,
    DesiredNetwork,
    DesiredService,
    DesiredStack,
    DesiredVolume,
)

# Service keys that have no meaning for a swarm service and are dropped without a word (as the CLI does).
SILENTLY_IGNORED = frozenset(('depends_on', 'expose', 'profiles', 'pull_policy', 'attach', 'annotations', 'develop'))
# Service keys translated below; any other key is ignored with a warning naming it.
HANDLED = frozenset((
    'image', 'command', 'entrypoint', 'hostname', 'extra_hosts', 'dns', 'dns_search', 'dns_opt',
    'healthcheck', 'environment', 'labels', 'working_dir', 'user', 'volumes', 'stop_grace_period',
    'stop_signal', 'tty', 'stdin_open', 'secrets', 'configs', 'read_only', 'isolation', 'init', 'sysctls',
    'cap_add', 'cap_drop', 'ulimits', 'logging', 'deploy', 'restart', 'networks', 'ports', 'group_add',
))
MODES = ('replicated', 'global', 'replicated-job', 'global-job')
CONSTRAINT_KEYS = ('node.id', 'node.hostname', 'node.role', 'node.platform.os', 'node.platform.arch')
CONSTRAINT_PREFIXES = ('node.labels.', 'engine.labels.')
_CONSTRAINT_RE = re.compile(r'^\s*([^=!\s]+)\s*(==|!=)\s*(.+?)\s*$')
# Network names that are not user-defined networks: they take no aliases (docker/cli convertServiceNetworks).
BUILTIN_NETWORKS = ('host', 'bridge', 'none', 'default')
_DURATION_RE = re.compile(r'(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)')
_DURATION_NS = {'ns': 1, 'us': 1000, 'µs': 1000, 'ms': 10 ** 6, 's': 10 ** 9, 'm': 60 * 10 ** 9, 'h': 3600 * 10 ** 9}


def duration_ns(value: Any, where: str) -> int | None:
    """A Compose duration ('1m30s', '500ms', or seconds as a number) in nanoseconds."""
    if value is None or value == '':
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value * 10 ** 9)
    text = str(value).strip()
    pos, total = 0, 0.0
    for match in _DURATION_RE.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _DURATION_NS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise StackInputError('%s: invalid duration %r' % (where, value), option='definition')
    return int(total)


def parse_constraint(text: str) -> tuple[str, str, str] | None:
    """(key, operator, value) of a placement constraint, or None when it is not one swarm knows."""
    match = _CONSTRAINT_RE.match(str(text))
    if not match:
        return None
    key, operator, value = match.groups()
    known = key in CONSTRAINT_KEYS or any(key.startswith(p) and len(key) > len(p) for p in CONSTRAINT_PREFIXES)
    if not known:
        return None
    if key == 'node.role' and value not in ('manager', 'worker'):
        return None
    return key, operator, value


def versioned_name(base: str, digest: str) -> str:
    """`<base>-<digest>`, the base shortened so that the name stays within the engine's 64 characters."""
    suffix = '-' + digest
    return base[:MAX_OBJECT_NAME - len(suffix)] + suffix


class _Converter:
    def __init__(self, model: Mapping[str, Any], stack: str, environment: Mapping[str, str]) -> None:
        self.model = model
        self.stack = stack
        self.environment = environment
        self.result = DesiredStack(name=stack)

    # -- labels and names -------------------------------------------------------------------------
    def stack_labels(self, labels: Mapping[str, Any] | None) -> dict[str, str]:
        out = {str(k): '' if v is None else str(v) for k, v in (labels or {}).items()}
        out[LABEL_NAMESPACE] = self.stack
        return out

    def scoped(self, key: str, declared: Mapping[str, Any] | None) -> str:
        """The engine name of a network, volume, config or secret (Compose fills `name` as `<project>_<key>`)."""
        name = (declared or {}).get('name')
        return str(name) if name else '%s_%s' % (self.stack, key)

    def error(self, where: str, message: str) -> StackInputError:
        return StackInputError('%s: %s' % (where, message), option='definition')

    # -- top-level objects ------------------------------------------------------------------------
    def networks(self) -> None:
        for key, net in sorted((self.model.get('networks') or {}).items()):
            net = net or {}
            name = self.scoped(key, net)
            if net.get('external'):
                self.result.networks[key] = DesiredNetwork(key=key, name=name, external=True)
                continue
            ipam = None
            ipam_model = net.get('ipam') or {}
            if ipam_model.get('driver') or ipam_model.get('config'):
                pools = []
                for pool in ipam_model.get('config') or []:
                    entry = {'Subnet': pool.get('subnet')}
                    if pool.get('gateway'):
                        entry['Gateway'] = pool['gateway']
                    if pool.get('ip_range'):
                        entry['IPRange'] = pool['ip_range']
                    if pool.get('aux_addresses'):
                        entry['AuxiliaryAddresses'] = dict(pool['aux_addresses'])
                    pools.append({k: v for k, v in entry.items() if v})
                ipam = {'Driver': ipam_model.get('driver') or 'default', 'Config': pools}
                if ipam_model.get('options'):
                    ipam['Options'] = dict(ipam_model['options'])
            self.result.networks[key] = DesiredNetwork(
                key=key, name=name, driver=net.get('driver') or 'overlay',
                options={str(k): str(v) for k, v in (net.get('driver_opts') or {}).items()},
                ipam=ipam, internal=bool(net.get('internal')), attachable=bool(net.get('attachable')),
                labels=self.stack_labels(net.get('labels')))

    def volumes(self) -> None:
        for key, vol in sorted((self.model.get('volumes') or {}).items()):
            vol = vol or {}
            self.result.volumes[key] = DesiredVolume(key=key, name=self.scoped(key, vol), external=bool(vol.get('external')),
                                                     driver=vol.get('driver') or 'local')

    def file_objects(self, kind: str) -> None:
        section = 'configs' if kind == 'config' else 'secrets'
        target = self.result.configs if kind == 'config' else self.result.secrets
        for key, obj in sorted((self.model.get(section) or {}).items()):
            obj = obj or {}
            where = '%s.%s' % (section, key)
            base = self.scoped(key, obj)
            if obj.get('external'):
                target[key] = DesiredFileObject(kind=kind, key=key, base_name=base, name=base, external=True)
                continue
            driver = None
            if obj.get('driver'):
                if kind == 'config':
                    raise self.error(where, 'configs have no driver in swarm; use file, environment or content')
                driver = {'Name': obj['driver'], 'Options': dict(obj.get('driver_opts') or {})}
                data = b''
            else:
                data = self.object_data(where, obj)
            templating = {'Name': obj['template_driver']} if obj.get('template_driver') else None
            digest_input = data + b'\0' + repr((templating, driver)).encode()
            digest = hashlib.sha256(digest_input).hexdigest()[:12]
            labels = self.stack_labels(obj.get('labels'))
            labels[LABEL_DIGEST] = digest
            target[key] = DesiredFileObject(kind=kind, key=key, base_name=base, name=versioned_name(base, digest),
                                            data=data, digest=digest, labels=labels, templating=templating,
                                            driver=driver)

    def object_data(self, where: str, obj: Mapping[str, Any]) -> bytes:
        if obj.get('file'):
            try:
                with open(obj['file'], 'rb') as handle:
                    return handle.read()
            except OSError as exc:
                raise self.error(where, 'cannot read %s: %s' % (obj['file'], exc.strerror or exc)) from exc
        if obj.get('environment'):
            variable = obj['environment']
            if variable not in self.environment:
                raise self.error(where, 'environment variable %s is not set' % variable)
            return str(self.environment[variable]).encode('utf-8')
        if obj.get('content') is not None:
            return str(obj['content']).encode('utf-8')
        raise self.error(where, 'needs file, environment, content or external')

    # -- services ---------------------------------------------------------------------------------
    def services(self) -> None:
        for key, service in sorted((self.model.get('services') or {}).items()):
            self.result.services[key] = self.service(key, service or {})

    def service(self, key: str, service: Mapping[str, Any]) -> DesiredService:
        where = 'services.%s' % key
        image = service.get('image')
        if not image:
            if service.get('build'):
                raise self.error(where, 'build-only service: a swarm runs images, it does not build them; set image '
                                 '(build and push it first, or copy it to every node with dockyard.azure.image_copy)')
            raise self.error(where, 'has no image')
        ignored = sorted(k for k in service if k not in HANDLED and k not in SILENTLY_IGNORED and not k.startswith('x-')
                         and service[k] not in (None, [], {}, ''))
        if ignored:
            self.result.warnings.append('%s: ignored by swarm (as docker stack deploy does): %s' % (where, ', '.join(ignored)))
        deploy = service.get('deploy') or {}
        name = '%s_%s' % (self.stack, key)

        container: dict[str, Any] = {'Image': image}
        if service.get('entrypoint') is not None:
            container['Command'] = list(service['entrypoint'])
        if service.get('command') is not None:
            container['Args'] = list(service['command'])
        simple = (('hostname', 'Hostname'), ('working_dir', 'Dir'), ('user', 'User'), ('stop_signal', 'StopSignal'),
                  ('tty', 'TTY'), ('stdin_open', 'OpenStdin'), ('read_only', 'ReadOnly'), ('isolation', 'Isolation'),
                  ('init', 'Init'))
        for compose_key, api_key in simple:
            if service.get(compose_key) is not None:
                container[api_key] = service[compose_key]
        if service.get('extra_hosts'):
            container['Hosts'] = [self.host_entry(entry) for entry in service['extra_hosts']]
        dns = {'Nameservers': list(service.get('dns') or []), 'Search': list(service.get('dns_search') or []),
               'Options': list(service.get('dns_opt') or [])}
        if any(dns.values()):
            container['DNSConfig'] = {k: v for k, v in dns.items() if v}
        healthcheck = self.healthcheck(where, service.get('healthcheck'))
        if healthcheck:
            container['Healthcheck'] = healthcheck
        environment = service.get('environment') or {}
        if environment:
            container['Env'] = sorted(k if v is None else '%s=%s' % (k, v) for k, v in environment.items())
        container['Labels'] = self.stack_labels(service.get('labels'))
        mounts, drivers = self.mounts(where, service.get('volumes') or [])
        if mounts:
            container['Mounts'] = mounts
        if service.get('stop_grace_period') is not None:
            container['StopGracePeriod'] = duration_ns(service['stop_grace_period'], where + '.stop_grace_period')
        secrets = self.references(where, 'secret', service.get('secrets') or [])
        if secrets:
            container['Secrets'] = secrets
        configs = self.references(where, 'config', service.get('configs') or [])
        if configs:
            container['Configs'] = configs
        if service.get('sysctls'):
            container['Sysctls'] = {str(k): str(v) for k, v in service['sysctls'].items()}
        if service.get('cap_add'):
            container['CapabilityAdd'] = list(service['cap_add'])
        if service.get('cap_drop'):
            container['CapabilityDrop'] = list(service['cap_drop'])
        if service.get('group_add'):
            container['Groups'] = [str(g) for g in service['group_add']]
        if service.get('ulimits'):
            container['Ulimits'] = self.ulimits(service['ulimits'])

        task: dict[str, Any] = {'ContainerSpec': container, 'Resources': self.resources(where, deploy.get('resources') or {})}
        restart = self.restart_policy(where, service.get('restart'), deploy.get('restart_policy'))
        if restart is not None:
            task['RestartPolicy'] = restart
        task['Placement'] = self.placement(where, deploy.get('placement') or {})
        task['Networks'] = self.service_networks(where, key, service.get('networks') or {})
        logging = service.get('logging') or {}
        if logging.get('driver'):
            task['LogDriver'] = {'Name': logging['driver'], 'Options': dict(logging.get('options') or {})}

        labels = self.stack_labels(deploy.get('labels'))
        labels[LABEL_IMAGE] = image
        spec: dict[str, Any] = {'Name': name, 'Labels': labels, 'TaskTemplate': task,
                                'Mode': self.mode(where, deploy),
                                'EndpointSpec': self.endpoint(where, deploy.get('endpoint_mode'), service.get('ports') or [])}
        for compose_key, api_key in (('update_config', 'UpdateConfig'), ('rollback_config', 'RollbackConfig')):
            if deploy.get(compose_key) is not None:
                spec[api_key] = self.update_config(where + '.deploy.' + compose_key, deploy[compose_key])
        return DesiredService(key=key, name=name, spec=spec, image=image, volume_drivers=drivers)

    @staticmethod
    def host_entry(entry: str) -> str:
        host, _sep, address = str(entry).partition('=')
        if not _sep:
            host, _sep, address = str(entry).partition(':')
        return '%s %s' % (address, host)

    def healthcheck(self, where: str, check: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if not check:
            return None
        if check.get('disable'):
            return {'Test': ['NONE']}
        out: dict[str, Any] = {}
        if check.get('test') is not None:
            test = check['test']
            out['Test'] = ['CMD-SHELL', test] if isinstance(test, str) else list(test)
        for compose_key, api_key in (('interval', 'Interval'), ('timeout', 'Timeout'), ('start_period', 'StartPeriod'),
                                     ('start_interval', 'StartInterval')):
            if check.get(compose_key) is not None:
                out[api_key] = duration_ns(check[compose_key], '%s.healthcheck.%s' % (where, compose_key))
        if check.get('retries') is not None:
            out['Retries'] = int(check['retries'])
        return out

    def mounts(self, where: str, volumes: list[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
        mounts, drivers = [], []
        declared = self.model.get('volumes') or {}
        for index, vol in enumerate(volumes):
            vtype = vol.get('type') or 'volume'
            here = '%s.volumes[%d]' % (where, index)
            mount: dict[str, Any] = {'Type': vtype, 'Target': vol.get('target')}
            if vol.get('read_only'):
                mount['ReadOnly'] = True
            if vol.get('consistency'):
                mount['Consistency'] = vol['consistency']
            if vtype == 'volume':
                source = vol.get('source')
                if source:
                    if source not in declared:
                        raise self.error(here, 'undefined volume %r' % source)
                    desired = self.result.volumes[source]
                    mount['Source'] = desired.name
                    options: dict[str, Any] = {}
                    if (vol.get('volume') or {}).get('nocopy'):
                        options['NoCopy'] = True
                    if not desired.external:
                        options['Labels'] = self.stack_labels((declared.get(source) or {}).get('labels'))
                        definition = declared.get(source) or {}
                        if definition.get('driver') or definition.get('driver_opts'):
                            options['DriverConfig'] = {'Name': definition.get('driver') or '',
                                                       'Options': dict(definition.get('driver_opts') or {})}
                        drivers.append(desired.driver)
                    mount['VolumeOptions'] = options
            elif vtype == 'bind':
                if not vol.get('source'):
                    raise self.error(here, 'a bind mount needs a source')
                mount['Source'] = vol['source']
                propagation = (vol.get('bind') or {}).get('propagation')
                if propagation:
                    mount['BindOptions'] = {'Propagation': propagation}
            elif vtype == 'tmpfs':
                tmpfs = vol.get('tmpfs') or {}
                options = {}
                if tmpfs.get('size'):
                    options['SizeBytes'] = int(tmpfs['size'])
                if tmpfs.get('mode'):
                    options['Mode'] = int(tmpfs['mode'])
                if options:
                    mount['TmpfsOptions'] = options
            else:
                raise self.error(here, 'volume type %s cannot be used by a swarm service (volume, bind or tmpfs)' % vtype)
            mounts.append(mount)
        return mounts, drivers

    def references(self, where: str, kind: str, refs: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Secret/config references by name (the engine needs IDs: the engine module fills them in)."""
        declared = self.result.configs if kind == 'config' else self.result.secrets
        out = []
        for ref in refs:
            source = ref.get('source')
            if source not in declared:
                raise self.error('%s.%ss' % (where, kind), 'undefined %s %r' % (kind, source))
            target = ref.get('target') or source
            if kind == 'secret' and target.startswith('/run/secrets/'):
                target = target[len('/run/secrets/'):]  # the CLI's form: relative to /run/secrets
            mode = ref.get('mode')
            entry = {'File': {'Name': target, 'UID': str(ref.get('uid') or '0'), 'GID': str(ref.get('gid') or '0'),
                              'Mode': int(str(mode), 8) if mode is not None else 0o444},
                     '%sName' % kind.capitalize(): declared[source].name}
            out.append(entry)
        return sorted(out, key=lambda e: e['%sName' % kind.capitalize()])

    @staticmethod
    def ulimits(ulimits: Mapping[str, Any]) -> list[dict[str, Any]]:
        out = []
        for name in sorted(ulimits):
            value = ulimits[name]
            if isinstance(value, dict):
                soft, hard = int(value.get('soft') or 0), int(value.get('hard') or 0)
            else:
                soft = hard = int(value)
            out.append({'Name': name, 'Soft': soft, 'Hard': hard})
        return out

    def resources(self, where: str, resources: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for compose_key, api_key in (('limits', 'Limits'), ('reservations', 'Reservations')):
            section = resources.get(compose_key) or {}
            entry: dict[str, Any] = {}
            if section.get('cpus') is not None:
                entry['NanoCPUs'] = int(round(float(section['cpus']) * 10 ** 9))
            if section.get('memory') is not None:
                entry['MemoryBytes'] = int(section['memory'])
            if compose_key == 'limits' and section.get('pids') is not None:
                entry['Pids'] = int(section['pids'])
            if compose_key == 'reservations' and section.get('generic_resources'):
                generic = []
                for item in section['generic_resources']:
                    spec = (item or {}).get('discrete_resource_spec') or {}
                    generic.append({'DiscreteResourceSpec': {'Kind': spec.get('kind'), 'Value': int(spec.get('value') or 0)}})
                entry['GenericResources'] = generic
            if section.get('devices'):
                self.result.warnings.append('%s.deploy.resources.%s.devices: ignored by swarm' % (where, compose_key))
            if section:
                out[api_key] = entry
        return out

    def restart_policy(self, where: str, restart: str | None, policy: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if policy is not None:
            out: dict[str, Any] = {'Condition': policy.get('condition') or ''}
            if policy.get('delay') is not None:
                out['Delay'] = duration_ns(policy['delay'], where + '.deploy.restart_policy.delay')
            if policy.get('max_attempts') is not None:
                out['MaxAttempts'] = int(policy['max_attempts'])
            if policy.get('window') is not None:
                out['Window'] = duration_ns(policy['window'], where + '.deploy.restart_policy.window')
            if out['Condition'] not in ('', 'none', 'on-failure', 'any'):
                raise self.error(where + '.deploy.restart_policy.condition',
                                 'unknown condition %r (none, on-failure or any)' % out['Condition'])
            return out
        if not restart:
            return None
        name, _sep, count = str(restart).partition(':')
        attempts = int(count) if count.isdigit() and int(count) > 0 else None
        if name in ('no', ''):
            return None
        if name in ('always', 'unless-stopped'):
            condition = 'any'
        elif name == 'on-failure':
            condition = 'on-failure'
        else:
            raise self.error(where + '.restart', 'unknown restart policy %r' % restart)
        out = {'Condition': condition}
        if attempts:
            out['MaxAttempts'] = attempts
        return out

    def placement(self, where: str, placement: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        constraints = [str(c) for c in placement.get('constraints') or []]
        for constraint in constraints:
            if parse_constraint(constraint) is None:
                raise self.error(where + '.deploy.placement.constraints',
                                 'unknown constraint %r: use <key> == <value> or <key> != <value> with key node.id, '
                                 'node.hostname, node.role (manager or worker), node.platform.os, node.platform.arch, '
                                 'node.labels.<label> or engine.labels.<label>' % constraint)
        if constraints:
            out['Constraints'] = constraints
        preferences = []
        for preference in placement.get('preferences') or []:
            spread = (preference or {}).get('spread')
            if not spread:
                raise self.error(where + '.deploy.placement.preferences', 'only spread preferences exist in swarm')
            preferences.append({'Spread': {'SpreadDescriptor': spread}})
        if preferences:
            out['Preferences'] = preferences
        if placement.get('max_replicas_per_node') is not None:
            out['MaxReplicas'] = int(placement['max_replicas_per_node'])
        return out

    def service_networks(self, where: str, key: str, networks: Mapping[str, Any]) -> list[dict[str, Any]]:
        if not networks:
            networks = {'default': None}
        declared = self.result.networks
        out = []
        for net_key, attach in networks.items():
            attach = attach or {}
            if net_key not in declared:
                raise self.error(where + '.networks', 'undefined network %r' % net_key)
            target = declared[net_key].name
            entry: dict[str, Any] = {'Target': target}
            aliases = list(attach.get('aliases') or [])
            if target not in BUILTIN_NETWORKS:
                aliases.append(key)
            if aliases:
                entry['Aliases'] = aliases
            if attach.get('driver_opts'):
                entry['DriverOpts'] = {str(k): str(v) for k, v in attach['driver_opts'].items()}
            out.append(entry)
        return sorted(out, key=lambda e: e['Target'])

    def mode(self, where: str, deploy: Mapping[str, Any]) -> dict[str, Any]:
        mode = deploy.get('mode') or 'replicated'
        replicas = deploy.get('replicas')
        if mode not in MODES:
            raise self.error(where + '.deploy.mode', 'unknown mode %r (%s)' % (mode, ', '.join(MODES)))
        if mode in ('global', 'global-job'):
            if replicas is not None:
                raise self.error(where + '.deploy.replicas', 'replicas can only be used with replicated or replicated-job mode')
            return {'Global': {}} if mode == 'global' else {'GlobalJob': {}}
        if mode == 'replicated-job':
            job: dict[str, Any] = {}
            if replicas is not None:
                job = {'MaxConcurrent': int(replicas), 'TotalCompletions': int(replicas)}
            return {'ReplicatedJob': job}
        return {'Replicated': {'Replicas': int(replicas)} if replicas is not None else {}}

    def endpoint(self, where: str, endpoint_mode: str | None, ports: list[Mapping[str, Any]]) -> dict[str, Any]:
        mode = (endpoint_mode or '').lower()
        if mode not in ('', 'vip', 'dnsrr'):
            raise self.error(where + '.deploy.endpoint_mode', 'unknown endpoint mode %r (vip or dnsrr)' % endpoint_mode)
        configs = []
        for port in ports:
            published = port.get('published')
            if published in (None, ''):
                published_port = 0
            elif re.match(r'^\d+$', str(published)):
                published_port = int(str(published))
            else:
                raise self.error(where + '.ports', 'published port %r: swarm publishes single ports, not ranges' % published)
            publish_mode = port.get('mode') or 'ingress'
            if publish_mode not in ('ingress', 'host'):
                raise self.error(where + '.ports', 'unknown publish mode %r (ingress or host)' % publish_mode)
            if mode == 'dnsrr' and publish_mode == 'ingress':
                raise self.error(where + '.ports', 'port %s is published in ingress mode, which needs a virtual IP: with '
                                 'endpoint_mode dnsrr publish it with mode: host' % port.get('target'))
            entry = {'Protocol': port.get('protocol') or 'tcp', 'TargetPort': int(port.get('target') or 0),
                     'PublishedPort': published_port, 'PublishMode': publish_mode}
            configs.append(entry)
        configs.sort(key=lambda p: (p['Protocol'], p['TargetPort'], p['PublishedPort'], p['PublishMode']))
        out: dict[str, Any] = {'Mode': mode or 'vip'}
        if configs:
            out['Ports'] = configs
        return out

    def update_config(self, where: str, config: Mapping[str, Any]) -> dict[str, Any]:
        failure_action = config.get('failure_action') or ''
        if failure_action not in ('', 'pause', 'continue', 'rollback'):
            raise self.error(where + '.failure_action', 'unknown failure action %r (pause, continue or rollback)' % failure_action)
        order = config.get('order') or ''
        if order not in ('', 'stop-first', 'start-first'):
            raise self.error(where + '.order', 'unknown order %r (stop-first or start-first)' % order)
        out: dict[str, Any] = {'Parallelism': int(config['parallelism']) if config.get('parallelism') is not None else 1}
        for compose_key, api_key in (('delay', 'Delay'), ('monitor', 'Monitor')):
            if config.get(compose_key) is not None:
                out[api_key] = duration_ns(config[compose_key], '%s.%s' % (where, compose_key))
        if failure_action:
            out['FailureAction'] = failure_action
        if config.get('max_failure_ratio') is not None:
            out['MaxFailureRatio'] = float(config['max_failure_ratio'])
        if order:
            out['Order'] = order
        return out

    def check_ingress_ports(self) -> None:
        """Two services of the stack cannot publish the same port on the ingress network."""
        owners: dict[tuple[str, int], str] = {}
        for key, service in sorted(self.result.services.items()):
            for port in service.spec['EndpointSpec'].get('Ports') or []:
                if port['PublishMode'] != 'ingress' or not port['PublishedPort']:
                    continue
                slot = (port['Protocol'], port['PublishedPort'])
                if slot in owners:
                    raise self.error('services.%s.ports' % key, 'port %d/%s is already published on the ingress network by '
                                     'service %s of this stack' % (slot[1], slot[0], owners[slot]))
                owners[slot] = key


def convert_project(model: Mapping[str, Any], stack: str, environment: Mapping[str, str] | None = None) -> DesiredStack:
    """The stack `stack` for the Compose model (raises StackInputError before anything is written)."""
    converter = _Converter(model, stack, dict(os.environ) if environment is None else environment)
    converter.networks()
    converter.volumes()
    converter.file_objects('config')
    converter.file_objects('secret')
    converter.services()
    converter.check_ingress_ports()
    return converter.result
