# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compose engine: observe the Docker engine, plan (pure planner), apply (private to dockyard.azure).

With compose/state.py (which reads), the only part of the Compose implementation that talks to
Docker, through a ``docker.APIClient`` it is handed.  In check mode it only reads.

A run: preflight checks of the model, then observe and plan (reads only: every error the model or
the engine's state can cause is raised here, before any write); nothing to do ends the run. Else
the project's lock is taken (compose/lock.py: one run at a time per project and engine, across
controllers), the state is read and planned again (a run that held the lock may have done the
work), and the plan applied. Networks are referred to by ID once known: Docker allows several
networks with one name, and a name that is ambiguous fails every call that uses it.
"""

from __future__ import annotations

import io
import re
import tarfile
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.compose import hashing, planner, preflight, spec, state
from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels as L
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import EngineError, PlanError
from ansible_collections.dockyard.azure.plugins.module_utils.compose.lock import DEFAULT_TIMEOUT as DEFAULT_LOCK_TIMEOUT
from ansible_collections.dockyard.azure.plugins.module_utils.compose.lock import ProjectLock
from ansible_collections.dockyard.azure.plugins.module_utils.compose.options import plan_options
from ansible_collections.dockyard.azure.plugins.module_utils.compose.types import Model, ObservedState, Plan
from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import error_text, is_not_found
from ansible_collections.dockyard.azure.plugins.module_utils.docker.images import split_ref
from ansible_collections.dockyard.azure.plugins.module_utils.registry.client import registry_of

_ANON_VOLUME_RE = re.compile(r'^[0-9a-f]{64}$')
DEFAULT_STOP_TIMEOUT = 10
POLL_INTERVAL = 0.2


@dataclass
class _Run:
    """What the apply steps of one run share."""

    project: str
    model: Model
    meta: Mapping[str, Any]
    environment: Mapping[str, str]
    timeout: int | None
    state: str
    images: dict[str, str | None]
    dependency_timeout: int
    plan: Plan | None = None
    # service name -> [(container name, container ID)], first replica first
    service_containers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


class ComposeEngine:
    """Converge one Compose project on one Docker engine."""

    def __init__(self, client: Any, check_mode: bool = False, warn: Callable[[str], None] | None = None,
                 registry_auth: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.client = client
        self.check_mode = check_mode
        # registry host -> {username, password}: sent with pulls from that registry (X-Registry-Auth)
        self.registry_auth = dict(registry_auth or {})
        self.warn: Callable[[str], None] = warn or (lambda msg: None)
        self.changed = False
        self.lock_waited = 0.0  # seconds this run waited for another run's lock
        self._lock = threading.Lock()
        self._network_ids: dict[str, str] = {}  # real network name -> the ID this run uses

    @property
    def local_files(self) -> bool:
        """Whether the engine runs on this host (a unix socket), so paths of bind mounts and secrets can be checked here."""
        return str(getattr(self.client, 'base_url', '')) in ('http+docker://localhost', 'http+docker://localunixsocket')

    # ---------------------------------------------------------------- helpers
    def _record(self, action):
        """`action` was applied: the run changed the engine."""
        with self._lock:
            self.changed = True

    def _remove_if_there(self, what, remove, name):
        """Remove an object; one that is already gone is no error."""
        try:
            remove(name)
        except Exception as exc:  # pylint: disable=broad-except
            if not is_not_found(exc):
                raise EngineError('%s: %s' % (what, error_text(exc))) from exc

    def _call(self, what, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except EngineError:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            raise EngineError('%s: %s' % (what, error_text(exc))) from exc

    # ---------------------------------------------------------------- images
    def _pull(self, ref):
        repo, tag = split_ref(ref)
        error = None
        auth = self.registry_auth.get(registry_of(ref) or '')
        for event in self._call('pull image %s' % ref, self.client.pull, repo, tag=tag, stream=True, decode=True,
                                auth_config=dict(auth) if auth else None):
            if isinstance(event, dict) and event.get('error'):
                error = event['error']
        if error:
            raise EngineError('pull image %s: %s' % (ref, ' '.join(str(error).split())))

    def _build(self, project, name, service, ref):
        build = service.get('build') or {}
        kwargs = dict(path=build.get('context') or '.', tag=ref, rm=True, decode=True,
                      buildargs={k: str(v) for k, v in (build.get('args') or {}).items()
                                 if v is not None} or None,
                      target=build.get('target'), network_mode=build.get('network'),
                      labels={k: str(v) for k, v in (build.get('labels') or {}).items()} or None,
                      pull=bool(build.get('pull')), nocache=bool(build.get('no_cache')),
                      cache_from=build.get('cache_from'),
                      shmsize=spec.size_bytes(build.get('shm_size')),
                      extra_hosts=dict(h.split('=', 1) for h in build.get('extra_hosts') or [] if '=' in h) or None,
                      platform=service.get('platform'))
        if build.get('dockerfile'):
            kwargs['dockerfile'] = build['dockerfile']
        if build.get('dockerfile_inline'):
            raise EngineError('services.%s.build.dockerfile_inline is not supported' % name)
        error = None
        for event in self._call('build image %s for service %s' % (ref, name), self.client.build,
                                **{k: v for k, v in kwargs.items() if v is not None}):
            if isinstance(event, dict) and (event.get('error') or event.get('errorDetail')):
                error = event.get('error') or (event.get('errorDetail') or {}).get('message')
        if error:
            raise EngineError('build image %s for service %s: %s' % (ref, name, ' '.join(str(error).split())))
        for tag in build.get('tags') or []:
            repo, tagname = split_ref(tag)
            self._call('tag image %s' % tag, self.client.tag, ref, repo, tagname or 'latest')

    def apply_images(self, project, model, plan, images_before):
        services = model.get('services') or {}
        for action in plan['images']:
            if action['action'] == 'pull':
                self._pull(action['name'])
            elif action['action'] == 'build':
                self._build(project, action['service'], services[action['service']], action['name'])
        images_after = state.observe_images(self.client, project, model)
        for action in plan['images']:
            if images_after.get(action['name']) != images_before.get(action['name']):
                self._record(action)
        return images_after

    # ---------------------------------------------------------------- networks / volumes
    def _create_network(self, project, key, net):
        ipam = None
        if net.get('ipam'):
            ipam_cfg = net['ipam']
            pools = []
            for pool in ipam_cfg.get('config') or []:
                pools.append({'Subnet': pool.get('subnet'), 'Gateway': pool.get('gateway'),
                              'IPRange': pool.get('ip_range'), 'AuxiliaryAddresses': pool.get('aux_addresses')})
            ipam = {'Driver': ipam_cfg.get('driver') or 'default', 'Config': pools,
                    'Options': ipam_cfg.get('options')}
        kwargs = dict(name=net.get('name') or '%s_%s' % (project, key), driver=net.get('driver'),
                      options=net.get('driver_opts'), ipam=ipam, internal=bool(net.get('internal')),
                      labels=L.network_labels(project, key, net, hashing.network_hash(net)),
                      enable_ipv6=net.get('enable_ipv6'), attachable=net.get('attachable'),
                      check_duplicate=True)
        created = self._call('create network %s' % kwargs['name'], self.client.create_network,
                             **{k: v for k, v in kwargs.items() if v is not None})
        with self._lock:
            self._network_ids[kwargs['name']] = created['Id']

    def _network_ref(self, real):
        """The ID of network `real` when known (a name may be ambiguous), else its name."""
        with self._lock:
            return self._network_ids.get(real) or real

    def _remove_network(self, real, disconnect=False, network_id=None):
        ref = network_id or self._network_ref(real)
        if disconnect:
            info = self._call('inspect network %s' % real, self.client.inspect_network, ref)
            for cid in (info.get('Containers') or {}):
                self._call('disconnect %s from network %s' % (cid[:12], real),
                           self.client.disconnect_container_from_network, cid, ref, force=True)
        self._remove_if_there('remove network %s' % real, self.client.remove_network, ref)
        with self._lock:
            if self._network_ids.get(real) == ref:
                del self._network_ids[real]

    def _remove_duplicate_network(self, action):
        """Remove a duplicate network; its containers move to the network of that name that is kept."""
        name, duplicate = action['name'], action['id']
        info = self._call('inspect network %s' % duplicate[:12], self.client.inspect_network, duplicate)
        moved = []
        for cid in sorted(info.get('Containers') or {}):
            container = self._call('inspect container %s' % cid[:12], self.client.inspect_container, cid)
            endpoint = ((container.get('NetworkSettings') or {}).get('Networks') or {}).get(name) or {}
            moved.append((cid, [a for a in endpoint.get('Aliases') or [] if not cid.startswith(a)]))
            self._call('disconnect %s from network %s' % (cid[:12], duplicate[:12]),
                       self.client.disconnect_container_from_network, cid, duplicate, force=True)
        self._remove_if_there('remove duplicate network %s (%s)' % (name, duplicate[:12]), self.client.remove_network,
                              duplicate)
        for cid, aliases in moved:
            self._call('connect %s to network %s' % (cid[:12], name), self.client.connect_container_to_network, cid,
                       self._network_ref(name), aliases=aliases or None)

    def _create_volume(self, project, key, vol):
        name = vol.get('name') or '%s_%s' % (project, key)
        self._call('create volume %s' % name, self.client.create_volume, name=name,
                   driver=vol.get('driver') or 'local', driver_opts=vol.get('driver_opts') or None,
                   labels=L.volume_labels(project, key, vol, hashing.volume_hash(vol)))

    def apply_resources(self, project, model, plan, pool):
        for action in plan['networks']:
            if action['action'] == 'remove':  # duplicates first: while they exist the name is ambiguous
                self._remove_duplicate_network(action)
                self._record(action)
        futures = []
        for action in plan['networks']:
            if action['action'] == 'remove':
                continue
            net = (model.get('networks') or {}).get(action.get('key')) or {}

            def do_net(action=action, net=net):
                if action['action'] == 'recreate':
                    self._remove_network(action['name'], disconnect=True)
                self._create_network(project, action['key'], net)
                self._record(action)
            futures.append(pool.submit(do_net))
        for action in plan['volumes']:
            vol = (model.get('volumes') or {}).get(action.get('key')) or {}

            def do_vol(action=action, vol=vol):
                self._create_volume(project, action['key'], vol)
                self._record(action)
            futures.append(pool.submit(do_vol))
        for future in futures:
            future.result()

    # ---------------------------------------------------------------- containers
    def _stop_timeout(self, service, timeout):
        if timeout is not None:
            return timeout
        value = spec.duration_seconds((service or {}).get('stop_grace_period'))
        return DEFAULT_STOP_TIMEOUT if value is None else value

    def _stop(self, cid, name, timeout):
        self._call('stop container %s' % name, self.client.stop, cid, timeout=timeout)

    def _remove(self, cid, name, timeout, volumes=False):
        try:
            self.client.stop(cid, timeout=timeout)
        except Exception as exc:  # pylint: disable=broad-except
            if is_not_found(exc):
                return
        try:
            self.client.remove_container(cid, v=volumes, force=True)
        except Exception as exc:  # pylint: disable=broad-except
            if not is_not_found(exc) and 'already in progress' not in error_text(exc):
                raise EngineError('remove container %s: %s' % (name, error_text(exc))) from exc

    def _create(self, ctx, name, service, number, cname, inherit_from=None):
        project, model = ctx.project, ctx.model
        ref = spec.image_ref(project, name, service)
        image_id = ctx.images.get(ref)
        refs = {}
        for other in (ctx.model.get('services') or {}):
            with self._lock:
                ids = ctx.service_containers.get(other) or []
            if ids:
                refs[other] = ids[0][1]
        resolved = planner.resolve_references(service, refs)
        if resolved is None:
            raise EngineError('services.%s: a service named in network_mode or volumes_from has no container'
                              % name)
        labels = L.container_labels(project, name, service, number, hashing.service_hash(resolved), image_id,
                                    ctx.meta)
        net_container = None
        mode = service.get('network_mode') or ''
        if mode.startswith('service:'):
            net_container = self._first_container(ctx, mode[len('service:'):], need_id=True)
        links = []
        for link in service.get('links') or []:
            target, _sep, alias = link.partition(':')
            links.append('%s:%s' % (self._first_container(ctx, target), alias or target))
        volumes_from = []
        for entry in service.get('volumes_from') or []:
            parts = entry.split(':')
            if parts[0] == 'container':
                volumes_from.append(':'.join(parts[1:]))
            else:
                resolved = self._first_container(ctx, parts[0])
                volumes_from.append(':'.join([resolved] + parts[1:]))
        extra_mounts = []
        body, extra_networks = spec.create_body(project, name, service, model, cname, labels, ref,
                                                network_mode_container=net_container, links=links,
                                                volumes_from=volumes_from)
        if inherit_from:
            declared = {m.get('Target') for m in body['HostConfig'].get('Mounts') or []}
            declared.update(b.split(':')[1] for b in body['HostConfig'].get('Binds') or [])
            for mount in inherit_from.get('Mounts') or []:
                if (mount.get('Type') == 'volume' and _ANON_VOLUME_RE.match(mount.get('Name') or '')
                        and mount.get('Destination') not in declared):
                    extra_mounts.append({'Type': 'volume', 'Source': mount['Name'],
                                         'Target': mount['Destination']})
            body['HostConfig'].setdefault('Mounts', []).extend(extra_mounts)
        self._refer_to_networks_by_id(body)
        result = self._call('create container %s' % cname, self.client.create_container_from_config, body,
                            cname, service.get('platform'))
        cid = result['Id']
        for real, endpoint in extra_networks:
            self._call('connect container %s to network %s' % (cname, real),
                       self.client.connect_container_to_network, cid, self._network_ref(real),
                       aliases=endpoint.get('Aliases'),
                       ipv4_address=(endpoint.get('IPAMConfig') or {}).get('IPv4Address'),
                       ipv6_address=(endpoint.get('IPAMConfig') or {}).get('IPv6Address'),
                       link_local_ips=(endpoint.get('IPAMConfig') or {}).get('LinkLocalIPs'),
                       driver_opt=endpoint.get('DriverOpts'))
        for path, data, fmode, uid, gid in spec.copies(service, model, ctx.environment):
            self._call('copy %s into container %s' % (path, cname), self.client.put_archive, cid, '/',
                       _tar_file(path, data, fmode, uid, gid))
        return cid

    def _refer_to_networks_by_id(self, body):
        """The create body with the project's networks named by ID (NetworkMode and the endpoint at create)."""
        host = body.get('HostConfig') or {}
        mode = host.get('NetworkMode')
        if mode and ':' not in mode:
            host['NetworkMode'] = self._network_ref(mode)
        endpoints = (body.get('NetworkingConfig') or {}).get('EndpointsConfig')
        if endpoints:
            body['NetworkingConfig']['EndpointsConfig'] = {self._network_ref(k): v for k, v in endpoints.items()}

    def _first_container(self, ctx, service_name, need_id=False):
        with self._lock:
            ids = ctx.service_containers.get(service_name) or []
        if ids:
            return ids[0][1] if need_id else ids[0][0]
        service = (ctx.model.get('services') or {}).get(service_name)
        if service is None:
            if need_id:
                raise EngineError('network_mode: service %s is not part of the project' % service_name)
            return service_name
        return L.container_name(ctx.project, service_name, 1, service)

    def _container_action(self, ctx, name, service, entry):
        action = entry['action']
        cid, cname = entry.get('id'), entry['name']
        timeout = self._stop_timeout(service, ctx.timeout)
        start = ctx.state in ('present', 'restarted')
        if action == 'noop':
            return cid
        if action == 'remove':
            self._remove(cid, cname, timeout)
            self._record(entry)
            return None
        if action == 'stop':
            self._stop(cid, cname, timeout)
        elif action == 'start':
            self._call('start container %s' % cname, self.client.start, cid)
        elif action == 'unpause':
            self._call('unpause container %s' % cname, self.client.unpause, cid)
        elif action == 'restart':
            self._call('restart container %s' % cname, self.client.restart, cid, timeout=timeout)
        elif action == 'create':
            cid = self._create(ctx, name, service, entry['number'], cname)
            if start:
                self._call('start container %s' % cname, self.client.start, cid)
        elif action == 'recreate':
            old = self._call('inspect container %s' % cname, self.client.inspect_container, cid)
            if (old.get('State') or {}).get('Running'):
                self._stop(cid, cname, timeout)
            self._call('rename container %s' % cname, self.client.rename, cid, '%s_%s' % (cid[:12], cname))
            new_id = self._create(ctx, name, service, entry['number'], cname, inherit_from=old)
            self._call('remove container %s' % cname, self.client.remove_container, cid, v=False, force=True)
            cid = new_id
            if start:
                self._call('start container %s' % cname, self.client.start, cid)
        self._record(entry)
        return cid

    def _wait_condition(self, ctx, dep, condition, deadline):
        entries = ctx.plan['services'].get(dep, {}).get('containers') or []
        with self._lock:
            ids = [cid for _name, cid in ctx.service_containers.get(dep) or []]
        if not ids and not entries:
            return
        while True:
            states = [self._call('inspect container %s' % cid[:12], self.client.inspect_container, cid)
                      for cid in ids]
            pending = False
            for info in states:
                state = info.get('State') or {}
                cname = (info.get('Name') or '').lstrip('/')
                if condition == 'service_healthy':
                    health = (state.get('Health') or {}).get('Status')
                    if not (info.get('Config') or {}).get('Healthcheck') and health is None:
                        raise EngineError('dependency %s has no healthcheck configured (condition service_healthy)'
                                          % dep)
                    if health == 'unhealthy':
                        raise EngineError('dependency failed to start: container %s is unhealthy' % cname)
                    if not state.get('Running') and state.get('Status') == 'exited':
                        raise EngineError('dependency failed to start: container %s exited (%s)'
                                          % (cname, state.get('ExitCode')))
                    pending = pending or health != 'healthy'
                elif condition == 'service_completed_successfully':
                    if state.get('Status') == 'exited':
                        if state.get('ExitCode') != 0:
                            raise EngineError("service %s didn't complete successfully: exit %s"
                                              % (dep, state.get('ExitCode')))
                    else:
                        pending = True
                else:
                    if state.get('Status') == 'exited' and state.get('ExitCode') not in (0, None):
                        pass  # compose only requires the container to have been started
            if not pending:
                return
            if time.time() > deadline:
                raise EngineError('timed out waiting for service %s (condition %s)' % (dep, condition))
            time.sleep(POLL_INTERVAL)

    def _service_task(self, ctx, name, dep_futures):
        service = ctx.model['services'][name]
        svc_plan = ctx.plan['services'][name]
        for dep, cfg in sorted((service.get('depends_on') or {}).items()):
            if dep not in dep_futures:
                continue
            dep_futures[dep].result()
            condition = (cfg or {}).get('condition') or 'service_started'
            if condition != 'service_started' and ctx.state in ('present', 'restarted'):
                self._wait_condition(ctx, dep, condition, time.time() + ctx.dependency_timeout)
        entries = svc_plan['containers']
        removals = [e for e in entries if e['action'] == 'remove']
        others = [e for e in entries if e['action'] != 'remove']
        results = []
        if len(others) > 1:
            with ThreadPoolExecutor(max_workers=min(4, len(others))) as pool:
                futures = [(e, pool.submit(self._container_action, ctx, name, service, e)) for e in others]
                results = [(e, f.result()) for e, f in futures]
        else:
            results = [(e, self._container_action(ctx, name, service, e)) for e in others]
        with self._lock:
            ranked = sorted(((e.get('number') or 0, e['name'], cid) for e, cid in results if cid))
            ctx.service_containers[name] = [(cname, cid) for _number, cname, cid in ranked]
        for entry in removals:
            self._container_action(ctx, name, service, entry)

    def apply_services(self, ctx, pool_size=16):
        plan = ctx.plan
        order = sorted(plan['services'], key=lambda n: plan['services'][n]['order'])
        ctx.service_containers = {}
        for name in order:
            kept = ('noop', 'start', 'restart', 'unpause')
            ctx.service_containers[name] = [(e['name'], e['id']) for e in plan['services'][name]['containers']
                                            if e.get('id') and e['action'] in kept]
        futures = {}
        with ThreadPoolExecutor(max_workers=max(1, min(pool_size, len(order)))) as pool:
            for name in order:  # dependencies are always submitted before their dependents
                deps = {d: futures[d] for d in (plan['services'][name].get('depends_on') or {})
                        if d in futures}
                futures[name] = pool.submit(self._service_task, ctx, name, deps)
            errors = []
            for name in order:
                try:
                    futures[name].result()
                except Exception as exc:  # pylint: disable=broad-except
                    errors.append(exc)
            if errors:
                raise errors[0] if isinstance(errors[0], EngineError) else EngineError(error_text(errors[0]))

    def apply_absent(self, ctx):
        plan = ctx.plan
        services = ctx.model.get('services') or {}
        entries = []
        for name, svc in plan['services'].items():
            entries.extend((name, e) for e in svc['containers'])
        entries.extend((e['service'], e) for e in plan['orphans'])
        if entries:
            with ThreadPoolExecutor(max_workers=min(16, len(entries))) as pool:
                futures = [pool.submit(self._container_action, ctx, name, services.get(name) or {}, e)
                           for name, e in entries]
                for future in futures:
                    future.result()
        for action in plan['networks']:
            self._remove_network(action['name'], network_id=action.get('id'))
            self._record(action)
        for action in plan['volumes']:
            self._remove_if_there('remove volume %s' % action['name'], self.client.remove_volume, action['name'])
            self._record(action)
        for action in plan['images']:
            self._remove_if_there('remove image %s' % action['name'], self.client.remove_image, action['name'])
            self._record(action)

    def wait_ready(self, project, plan, timeout, completion_services=()):
        """Wait until every container of the planned services runs (and is healthy when it has a healthcheck)."""
        deadline = time.time() + timeout
        wanted = {n for n, s in plan['services'].items() if s.get('replicas')}
        while True:
            observed = [c for c in state.observe(self.client, project, with_images=False)['containers']
                        if c['service'] in wanted and not c['oneoff']]
            pending = []
            for c in observed:
                if c['state'] == 'exited' and c['service'] in completion_services and c['exit_code'] == 0:
                    continue
                if c['state'] != 'running':
                    if c['state'] in ('exited', 'dead'):
                        raise EngineError('container %s is %s (exit code %s)' % (c['name'], c['state'],
                                                                                 c['exit_code']))
                    pending.append(c['name'])
                elif c['health'] == 'unhealthy':
                    raise EngineError('container %s is unhealthy' % c['name'])
                elif c['health'] == 'starting':
                    pending.append(c['name'])
            if not pending:
                return
            if time.time() > deadline:
                raise EngineError('timed out after %ss waiting for %s' % (timeout, ', '.join(sorted(pending))))
            time.sleep(POLL_INTERVAL)

    # ---------------------------------------------------------------- run
    def plan(self, project: str, model: Model, options: Mapping[str, Any] | None) -> tuple[Plan, ObservedState]:
        """Observe and plan (reads only); raises every error the model and the engine's state can cause."""
        observed = state.observe(self.client, project, model)
        plan = planner.make_plan(project, model, observed, options)
        self._check_container_names_free(project, plan, observed)
        with self._lock:
            self._network_ids = {name: str(net['id']) for name, net in (observed.get('networks') or {}).items() if net.get('id')}
        return plan, observed

    def _check_container_names_free(self, project, plan, observed):
        """A container the plan creates must not have the name of a container outside the project."""
        creates = [(name, entry['name']) for name, svc in plan['services'].items() for entry in svc['containers']
                   if entry['action'] == 'create']
        if not creates:
            return
        ours = {c['id'] for c in observed.get('containers') or []}
        try:
            listed = self.client.containers(all=True)
        except Exception as exc:  # pylint: disable=broad-except
            raise EngineError('cannot list containers: %s' % error_text(exc)) from exc
        # A container with this project's label that the observation missed was made by a concurrent run of
        # the project after we observed: not someone else's. The plan made under the lock will see it.
        taken = {(c.get('Names') or ['/'])[0].lstrip('/'): c.get('Id') or '' for c in listed
                 if c.get('Id') not in ours and (c.get('Labels') or {}).get(L.PROJECT) != project}
        for service, cname in creates:
            if cname in taken:
                raise PlanError('services.%s: container name %s is already in use by container %s, which is not part of '
                                'project %s; remove or rename that container (or set container_name)'
                                % (service, cname, taken[cname][:12], project))

    def run(self, project: str, model: Model, options: Mapping[str, Any] | None, meta: Mapping[str, Any],
            environment: Mapping[str, str] | None = None, timeout: int | None = None, wait: bool = False,
            wait_timeout: int = 300, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> tuple[Plan, ObservedState]:
        """Plan and (unless check mode) apply.  Returns ``(plan, observed_before)``.

        `meta` holds what the container labels record of the project's files (working_dir,
        config_files, environment_files); `timeout` overrides every service's stop timeout;
        `lock_timeout` is how long to wait for another run of the project (compose/lock.py).
        """
        if plan_options(options)['state'] in ('present', 'restarted'):
            preflight.check_model(project, model, environment, local_files=self.local_files)
        plan, observed = self.plan(project, model, options)
        if self.check_mode:
            for msg in plan['warnings']:
                self.warn(msg)
            self.changed = plan['changed']
            return plan, observed
        if plan['changed']:
            project_lock = ProjectLock(self.client, project, timeout=lock_timeout, warn=self.warn)
            with project_lock:
                self.lock_waited = project_lock.waited
                # Another run may have held the lock and done (some of) the work: plan again from what is there now.
                plan, observed = self.plan(project, model, options)
                for msg in plan['warnings']:
                    self.warn(msg)
                if plan['changed']:
                    plan = self._apply(project, model, plan, observed, options, meta, environment, timeout,
                                       wait_timeout)
        else:
            for msg in plan['warnings']:
                self.warn(msg)
            ProjectLock(self.client, project, timeout=lock_timeout, warn=self.warn).clear_stale()
        if wait and plan['state'] not in ('stopped', 'absent'):
            completion = set()
            for svc in (model.get('services') or {}).values():
                for dep, cfg in (svc.get('depends_on') or {}).items():
                    if (cfg or {}).get('condition') == 'service_completed_successfully':
                        completion.add(dep)
            self.wait_ready(project, plan, wait_timeout, completion)
        return plan, observed

    def _apply(self, project, model, plan, observed, options, meta, environment, timeout, wait_timeout):
        """Apply `plan` (the lock is held); returns the plan as applied (re-planned after pulls and builds)."""
        ctx = _Run(project=project, model=model, meta=meta, environment=environment or {}, timeout=timeout,
                   state=plan['state'], images=observed['images'], dependency_timeout=wait_timeout or 300)
        if plan['state'] == 'absent':
            ctx.plan = plan
            self.apply_absent(ctx)
            return plan
        if plan['images']:
            ctx.images = self.apply_images(project, model, plan, observed['images'])
            replanned = observed.copy()
            replanned['images'] = ctx.images
            opts = dict(options or {}, pull='missing', build='never')
            plan2 = planner.make_plan(project, model, replanned, opts)
            plan2['images'] = plan['images']
            plan2['actions'] = plan['images'] + [a for a in plan2['actions'] if a['type'] != 'image']
            plan = plan2
        ctx.plan = plan
        with ThreadPoolExecutor(max_workers=8) as pool:
            self.apply_resources(project, model, plan, pool)
        self.apply_services(ctx)
        for entry in plan['orphans']:
            self._container_action(ctx, entry['service'], {}, entry)
        return plan


def _tar_file(path, data, mode, uid, gid):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as tar:
        info = tarfile.TarInfo(name=path.lstrip('/'))
        info.size = len(data)
        info.mode = mode
        info.uid = uid
        info.gid = gid
        info.mtime = 0
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
