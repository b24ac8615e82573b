# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The only part of the stack code that talks to the engine (private to dockyard.azure).

`observe` reads a manager (five list calls), `apply` performs a StackPlan in its order, and
`wait` follows the services it wrote until their tasks run the new spec (healthy, since a task
with a healthcheck only reaches `running` once healthy), or until the engine reports the update
paused or rolled back (per the service's update_config), and then fails with the tasks' errors.
"""

from __future__ import annotations

import base64
import copy
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.swarm.errors import StackConvergeError, SwarmError
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_model import (
    Action,
    DesiredStack,
    ObservedSwarm,
    StackPlan,
)

POLL_SECONDS = 0.5
# How long an updated service may take before the engine reports its rolling update, when the
# change needs new tasks; after that, all-current running tasks count as converged.
UPDATE_START_GRACE = 10.0
FAILED_STATES = ('failed', 'rejected')
# Update states in which the engine has given up on the new spec.
# The engine's answer to a service naming a network its cluster store does not have.
NETWORK_NOT_FOUND = re.compile(r'network (\S+) not found')
# How long a network removed from the swarm may stay listed by the manager's node (until the removed
# stack's tasks have stopped there) before it can be created again.
NETWORK_LINGER_TIMEOUT = 60.0
GAVE_UP = {'paused': 'update paused', 'rollback_completed': 'update rolled back',
           'rollback_paused': 'rollback paused'}


def _status(exc: BaseException) -> int | None:
    return getattr(getattr(exc, 'response', None), 'status_code', None)


def observe(client: Any) -> ObservedSwarm:
    """Every service, network, config, secret and node (the engine must be a swarm manager); read in parallel."""
    try:
        services = client.services()
    except Exception as exc:  # pylint: disable=broad-except
        if _status(exc) == 503:
            raise SwarmError('the engine at docker_host is not a swarm manager (%s): point docker_host at a manager '
                             'of the swarm' % getattr(exc, 'explanation', exc), option='docker_host') from exc
        raise
    with ThreadPoolExecutor(max_workers=4) as pool:
        reads = [pool.submit(read) for read in (client.networks, client.configs, client.secrets, client.nodes)]
    networks, configs, secrets, nodes = (future.result() for future in reads)
    return ObservedSwarm(services=services, networks=networks, configs=configs, secrets=secrets, nodes=nodes)


@dataclass
class WrittenService:
    """A service this run wrote, and what it looked like before (to tell a new update status from an old one)."""

    key: str
    name: str
    service_id: str
    previous_update: Mapping[str, Any] | None = None
    expect_update: bool = False  # the change needs new tasks: the engine will report a rolling update
    written_at: float = 0.0
    running: frozenset[str] = frozenset()  # task IDs seen converged at the last poll


class StackEngine:
    """Apply a plan to a manager and wait for the result. `clock`/`sleep` are injectable for tests."""

    def __init__(self, client: Any, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, parallel: int = 8) -> None:
        self.client = client
        self.clock = clock
        self.sleep = sleep
        # Services are independent of each other: they are written concurrently (the client's
        # connection pool holds 16 connections).
        self.parallel = max(1, parallel)
        self.written: list[WrittenService] = []
        self.writes = 0
        self._lock = threading.Lock()
        # Writes the plan could not foresee (a listed network the swarm had already removed), for the result.
        self.extra_actions: list[Action] = []
        # Removals the plan listed that found nothing to remove (a network the swarm had already dropped).
        self.already_gone: list[Action] = []
        self._networks: dict[str, Any] = {}  # desired networks by name, for a re-creation
        self._network_lock = threading.Lock()

    # -- secrets of unknown content ----------------------------------------------------------------
    def confirm_secrets(self, plan: StackPlan, desired: DesiredStack, observed: ObservedSwarm) -> dict[str, bool]:
        """For each `adopt` of the plan: ask the engine to take our labels with our data; it refuses other data."""
        results: dict[str, bool] = {}
        secrets = observed.objects('secret')
        by_base = {s.base_name: s for s in desired.secrets.values()}
        for action in plan.of('secret', 'adopt'):
            current = secrets[action.name]
            wanted = by_base[action.name]
            body = {'Name': action.name, 'Labels': dict(wanted.labels), 'Data': _b64(wanted.data)}
            try:
                self._update_object('secrets', current, body)
                results[action.name] = True
            except Exception as exc:  # pylint: disable=broad-except
                if _status(exc) != 400:
                    raise
                results[action.name] = False
        return results

    def _update_object(self, path: str, current: Mapping[str, Any], body: Mapping[str, Any]) -> None:
        url = self.client._url('/%s/{0}/update' % path, current['ID'])  # pylint: disable=protected-access
        response = self.client._post_json(url, params={'version': current['Version']['Index']}, data=body)  # pylint: disable=protected-access
        self.client._raise_for_status(response)  # pylint: disable=protected-access
        self.writes += 1

    # -- apply --------------------------------------------------------------------------------------
    def apply(self, plan: StackPlan, desired: DesiredStack, observed: ObservedSwarm) -> None:
        networks = {n.name: n for n in desired.networks.values()}
        self._networks = networks
        objects = {(o.kind, o.name): o for o in desired.file_objects()}
        ids = {('config', c['Spec']['Name']): c['ID'] for c in observed.configs}
        ids.update({('secret', s['Spec']['Name']): s['ID'] for s in observed.secrets})
        current = {'config': observed.objects('config'), 'secret': observed.objects('secret')}
        services = observed.stack_services(plan.stack)
        batch: list[Action] = []
        for action in plan.actions:
            if action.kind == 'service' and action.action in ('create', 'update', 'recreate'):
                batch.append(action)
                continue
            self._write_services(plan, batch, services, ids)
            batch = []
            if action.kind == 'network' and action.action == 'create':
                self._create_network(networks[action.name])
            elif action.kind == 'network' and action.action == 'remove':
                if not self._remove_network(action.name):
                    self.already_gone.append(action)
                    continue
            elif action.kind in ('config', 'secret') and action.action == 'create':
                obj = objects[(action.kind, action.name)]
                ids[(action.kind, action.name)] = self._create_object(obj)
            elif action.kind in ('config', 'secret') and action.action == 'update':
                obj = objects[(action.kind, action.name)]
                existing = current[action.kind][action.name]
                body = dict(existing['Spec'])
                body['Labels'] = dict(obj.labels)
                self._update_object(action.kind + 's', existing, body)
                continue
            elif action.kind == 'secret' and action.action == 'adopt':
                continue  # done by confirm_secrets before planning
            elif action.kind in ('config', 'secret') and action.action == 'remove':
                getattr(self.client, 'remove_' + action.kind)(ids[(action.kind, action.name)])
            elif action.kind == 'service' and action.action == 'remove':
                self.client.remove_service(services[action.name]['ID'])
            self.writes += 1
        self._write_services(plan, batch, services, ids)

    def _write_services(self, plan: StackPlan, actions: list[Action], services: Mapping[str, Any],
                        ids: Mapping[tuple[str, str], str]) -> None:
        """Create, update or recreate services, several at a time; the first failure is raised once all are done."""
        if not actions:
            return
        with ThreadPoolExecutor(max_workers=min(self.parallel, len(actions))) as pool:
            futures = [pool.submit(self._write_service, plan, a.key or '', services.get(a.name), ids, a.action)
                       for a in actions]
        errors = [f.exception() for f in futures if f.exception() is not None]
        self.written.sort(key=lambda w: w.key)
        if errors:
            raise errors[0]  # type: ignore[misc]

    def _create_object(self, obj: Any) -> str:
        body: dict[str, Any] = {'Name': obj.name, 'Labels': dict(obj.labels), 'Data': _b64(obj.data)}
        if obj.templating:
            body['Templating'] = obj.templating
        if obj.driver:
            body['Driver'] = obj.driver
        response = self.client._post_json(self.client._url('/%ss/create' % obj.kind), data=body)  # pylint: disable=protected-access
        return self.client._result(response, True)['ID']  # pylint: disable=protected-access

    def _create_network(self, net: Any) -> None:
        self.client.create_network(net.name, driver=net.driver, options=net.options or None, ipam=net.ipam,
                                   internal=net.internal, labels=net.labels, attachable=net.attachable)

    def _lingering_network(self, exc: BaseException) -> str | None:
        """The stack network a service write was refused for as unknown, though the manager listed it.

        Right after a stack is removed (`state: absent`, `docker stack rm`), its networks are gone
        from the swarm but the manager's node lists them until the old tasks have stopped there.
        """
        match = NETWORK_NOT_FOUND.search(str(getattr(exc, 'explanation', '') or exc))
        return match.group(1) if match and match.group(1) in self._networks else None

    def _recreate_network(self, name: str) -> None:
        """Create a stack network again once the node's stale copy is gone (once per run, whichever thread asks)."""
        with self._network_lock:
            if any(a.name == name for a in self.extra_actions):
                return
            deadline = self.clock() + NETWORK_LINGER_TIMEOUT
            while True:
                try:
                    self._create_network(self._networks[name])
                    break
                except Exception as exc:  # pylint: disable=broad-except
                    if _status(exc) != 409:
                        raise
                    if self.clock() >= deadline:
                        raise SwarmError('network %s was removed from the swarm but the manager still lists it after %ds; '
                                         'deploy again once the removed stack\'s tasks have stopped'
                                         % (name, int(NETWORK_LINGER_TIMEOUT))) from exc
                self.sleep(POLL_SECONDS)
            with self._lock:
                self.writes += 1
                self.extra_actions.append(Action('create', 'network', name,
                                                 changes=['removed from the swarm, still listed by the manager']))

    def _remove_network(self, name: str, timeout: float = 60.0) -> bool:
        """Remove a network; tasks of removed services may still be attached for a moment, so retry.

        False when the swarm had no such network any more: right after a stack's removal the manager
        still lists its networks until the old tasks have stopped there.
        """
        deadline = self.clock() + timeout
        while True:
            try:
                self.client.remove_network(name)
                return True
            except Exception as exc:  # pylint: disable=broad-except
                if _status(exc) == 404:
                    return False
                if self.clock() >= deadline:
                    raise
            self.sleep(POLL_SECONDS)

    def remove(self, plan: StackPlan, observed: ObservedSwarm, timeout: float) -> None:
        """`docker stack rm`: services first, then configs and secrets, then networks (once their tasks are gone)."""
        services = observed.stack_services(plan.stack)
        ids = {('config', c['Spec']['Name']): c['ID'] for c in observed.configs}
        ids.update({('secret', s['Spec']['Name']): s['ID'] for s in observed.secrets})
        for action in plan.actions:
            if action.kind == 'service':
                self.client.remove_service(services[action.name]['ID'])
            elif action.kind in ('config', 'secret'):
                getattr(self.client, 'remove_' + action.kind)(ids[(action.kind, action.name)])
            elif not self._remove_network(action.name, timeout):
                self.already_gone.append(action)
                continue
            self.writes += 1

    def _write_service(self, plan: StackPlan, key: str, current: Mapping[str, Any] | None,
                       ids: Mapping[tuple[str, str], str], action: str) -> None:
        try:
            self._write_service_once(plan, key, current, ids, action)
        except Exception as exc:  # pylint: disable=broad-except
            network = self._lingering_network(exc)
            if network is None:
                raise
            self._recreate_network(network)
            # A recreate removed the old service before its create failed: what is left is a create.
            self._write_service_once(plan, key, current, ids, 'create' if action == 'recreate' else action)

    def _write_service_once(self, plan: StackPlan, key: str, current: Mapping[str, Any] | None,
                            ids: Mapping[tuple[str, str], str], action: str) -> None:
        entry = plan.services[key]
        spec = _with_object_ids(entry.spec, ids)
        task = spec['TaskTemplate']
        kwargs = dict(name=spec['Name'], labels=spec.get('Labels'), mode=spec.get('Mode'),
                      update_config=spec.get('UpdateConfig'), rollback_config=spec.get('RollbackConfig'),
                      endpoint_spec=spec.get('EndpointSpec'))
        if action == 'update' and current is not None:
            # Keep the engine's ForceUpdate counter, as `docker stack deploy` does: no needless restart.
            task['ForceUpdate'] = ((current.get('Spec') or {}).get('TaskTemplate') or {}).get('ForceUpdate') or 0
            self.client.update_service(current['ID'], current['Version']['Index'], task_template=task,
                                       fetch_current_spec=False, **kwargs)
            new_tasks = any(c.startswith(('TaskTemplate', 'EndpointSpec')) for c in entry.changes)
            with self._lock:
                self.writes += 1
                self.written.append(WrittenService(key, entry.name, current['ID'], current.get('UpdateStatus'),
                                                   expect_update=new_tasks, written_at=self.clock()))
            return
        if action == 'recreate' and current is not None:
            self.client.remove_service(current['ID'])
            with self._lock:
                self.writes += 1
        created = self.client.create_service(task, **kwargs)
        with self._lock:
            self.writes += 1
            self.written.append(WrittenService(key, entry.name, created['ID'], written_at=self.clock()))

    # -- wait ---------------------------------------------------------------------------------------
    def wait(self, timeout: float, node_names: Mapping[str, str]) -> None:
        """Until every written service runs its new spec; StackConvergeError with the task errors otherwise."""
        pending = {w.service_id: w for w in self.written}
        deadline = self.clock() + timeout
        last_state: dict[str, str] = {}
        while pending:
            services = {s['ID']: s for s in self.client.services(filters={'id': list(pending)})}
            tasks = self.client.tasks(filters={'service': list(pending)})
            for service_id, written in list(pending.items()):
                service = services.get(service_id)
                if service is None:
                    raise StackConvergeError('service %s disappeared while the stack was deployed' % written.name)
                mine = [t for t in tasks if t.get('ServiceID') == service_id]
                failure = _failure(service, mine, written, node_names)
                if failure:
                    raise StackConvergeError(failure, service=written.name)
                done, state = _converged(service, mine, written, self.clock())
                last_state[written.name] = state
                if done:
                    del pending[service_id]
            if not pending:
                break
            if self.clock() >= deadline:
                details = '; '.join('%s: %s' % (w.name, last_state.get(w.name, '?')) for w in pending.values())
                errors = _task_errors(tasks, node_names, set(pending))
                raise StackConvergeError('services did not converge within %ss (%s)%s'
                                         % (int(timeout), details, (': ' + errors) if errors else ''))
            self.sleep(POLL_SECONDS)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode('ascii')


def _with_object_ids(spec: Mapping[str, Any], ids: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    out = copy.deepcopy(dict(spec))
    container = out['TaskTemplate']['ContainerSpec']
    for ref in container.get('Secrets') or []:
        ref['SecretID'] = ids[('secret', ref['SecretName'])]
    for ref in container.get('Configs') or []:
        ref['ConfigID'] = ids[('config', ref['ConfigName'])]
    return out


def _current(task: Mapping[str, Any], service: Mapping[str, Any]) -> bool:
    """A task made from the service's present spec (tasks carry a copy of the task template)."""
    template = dict((service.get('Spec') or {}).get('TaskTemplate') or {})
    spec = dict(task.get('Spec') or {})
    template.pop('Runtime', None)  # the engine sets it on the service only
    spec.pop('Runtime', None)
    return spec == template


def _new_update_status(service: Mapping[str, Any], written: WrittenService) -> Mapping[str, Any] | None:
    """The service's update status if this run's update started it (an older one stays on the service)."""
    status = service.get('UpdateStatus')
    previous = written.previous_update or {}
    if not status or (status.get('StartedAt') == previous.get('StartedAt') and status.get('State') == previous.get('State')):
        return None
    return status


def _converged(service: Mapping[str, Any], tasks: list[Mapping[str, Any]], written: WrittenService,
               now: float) -> tuple[bool, str]:
    """Whether the service runs its new spec; the second value says where it stands."""
    status = _new_update_status(service, written)
    if status and status.get('State') != 'completed':
        # updating, rollback_started: the engine is at work (its monitor period included)
        return False, status.get('State') or ''
    if written.expect_update and not status and now - written.written_at < UPDATE_START_GRACE:
        return False, 'waiting for the rolling update to start'
    mode = (service.get('Spec') or {}).get('Mode') or {}
    current = [t for t in tasks if _current(t, service)]
    if 'ReplicatedJob' in mode or 'GlobalJob' in mode:
        complete = [t for t in current if (t.get('Status') or {}).get('State') == 'complete']
        wanted = ((mode.get('ReplicatedJob') or {}).get('TotalCompletions') or 1) if 'ReplicatedJob' in mode else 1
        active = [t for t in current if t.get('DesiredState') == 'complete'
                  and (t.get('Status') or {}).get('State') not in ('complete',) + FAILED_STATES]
        return len(complete) >= wanted and not active, '%d/%d complete' % (len(complete), wanted)
    desired_running = [t for t in tasks if t.get('DesiredState') == 'running']
    running = [t for t in desired_running if (t.get('Status') or {}).get('State') == 'running' and _current(t, service)]
    if 'Replicated' in mode:
        wanted = (mode.get('Replicated') or {}).get('Replicas')
        wanted = 1 if wanted is None else wanted
    else:
        wanted = max(len(desired_running), 1)
    stale = [t for t in desired_running if not _current(t, service)]
    state = '%d/%d running' % (len(running), wanted)
    if not (len(running) >= wanted and not stale and len(desired_running) == wanted):
        written.running = frozenset()
        return False, state
    # The same tasks running at two polls in a row: a task that exits right after it starts is not "running".
    ids = frozenset(t['ID'] for t in running)
    stable = ids == written.running
    written.running = ids
    return stable, state


def _failure(service: Mapping[str, Any], tasks: list[Mapping[str, Any]], written: WrittenService,
             node_names: Mapping[str, str]) -> str | None:
    status = _new_update_status(service, written)
    name = written.name
    if status and status.get('State') in GAVE_UP:
        since = status.get('StartedAt') or ''
        failed = [t for t in tasks if (t.get('Status') or {}).get('State') in FAILED_STATES
                  and ((t.get('Status') or {}).get('Timestamp') or '') >= since]
        errors = _describe(failed, node_names)
        return 'service %s: %s (%s)%s' % (name, GAVE_UP[status['State']], status.get('Message') or 'no message',
                                          (': task errors: ' + errors) if errors else '')
    current_failed = [t for t in tasks if _current(t, service) and (t.get('Status') or {}).get('State') in FAILED_STATES]
    mode = (service.get('Spec') or {}).get('Mode') or {}
    wanted = ((mode.get('Replicated') or {}).get('Replicas') or 1) if 'Replicated' in mode else 1
    if len(current_failed) >= max(3, wanted):
        return 'service %s: its tasks keep failing: task errors: %s' % (name, _describe(current_failed, node_names))
    return None


def _describe(tasks: Iterable[Mapping[str, Any]], node_names: Mapping[str, str]) -> str:
    seen: list[str] = []
    for task in sorted(tasks, key=lambda t: (t.get('Status') or {}).get('Timestamp') or ''):
        status = task.get('Status') or {}
        text = status.get('Err') or status.get('Message') or status.get('State') or 'failed'
        where = node_names.get(task.get('NodeID') or '', 'no node')
        entry = '%s on %s: %s' % (status.get('State'), where, text)
        if entry not in seen:
            seen.append(entry)
    return '; '.join(seen[:5])


def _task_errors(tasks: Iterable[Mapping[str, Any]], node_names: Mapping[str, str], service_ids: set[str]) -> str:
    troubled = [t for t in tasks if t.get('ServiceID') in service_ids
                and ((t.get('Status') or {}).get('Err') or (t.get('Status') or {}).get('State') in FAILED_STATES)]
    return _describe(troubled, node_names)


def node_names(observed: ObservedSwarm) -> dict[str, str]:
    return {n['ID']: (n.get('Description') or {}).get('Hostname') or n['ID'] for n in observed.nodes}
