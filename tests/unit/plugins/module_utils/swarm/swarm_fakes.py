# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory swarm behind the docker.APIClient methods the swarm code calls (unit tests only).

It answers as a Docker 20.10 manager does where the code depends on it: specs come back with the
engine's defaults filled in (`Runtime`, `Isolation`, `ForceUpdate`), networks by ID, object
versions that move on every write, `400 only updates to Labels are allowed` for a secret whose
data differs, 503 from a worker. Every write is recorded in `writes`; `read_only()` makes any write
fail the test (check mode).
"""

from __future__ import annotations

import base64
import copy
import itertools
from typing import Any


class FakeResponse:
    def __init__(self, status_code: int = 200, body: Any = None) -> None:
        self.status_code = status_code
        self.body = body


class FakeAPIError(Exception):
    """Shaped like docker.errors.APIError: `response.status_code` and `explanation`."""

    __module__ = 'docker.errors'

    def __init__(self, status: int, explanation: str) -> None:
        super().__init__('%d Client Error: %s' % (status, explanation))
        self.response = FakeResponse(status)
        self.explanation = explanation


_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return '%s%022d' % (prefix, next(_ids))


def make_node(hostname: str, role: str = 'worker', labels: dict | None = None, plugins: tuple = ('local',),
              state: str = 'ready', node_id: str | None = None) -> dict:
    return {
        'ID': node_id or new_id('n'), 'Version': {'Index': 1},
        'Spec': {'Role': role, 'Availability': 'active', 'Labels': dict(labels or {})},
        'Description': {'Hostname': hostname, 'Platform': {'OS': 'linux', 'Architecture': 'x86_64'},
                        'Engine': {'EngineVersion': '20.10.24', 'Labels': {},
                                   'Plugins': [{'Type': 'Volume', 'Name': p} for p in plugins]
                                   + [{'Type': 'Network', 'Name': 'overlay'}]}},
        'Status': {'State': state, 'Addr': '10.0.0.%d' % (len(hostname) % 200)},
        'ManagerStatus': {'Leader': True, 'Reachability': 'reachable'} if role == 'manager' else None,
    }


class FakeSwarm:
    """One swarm; `engine(node_id)` gives the API client of one of its nodes (manager or worker)."""

    def __init__(self, nodes: list[dict] | None = None) -> None:
        self.index = 10
        self.swarm = {'ID': 'swarm0001', 'Version': {'Index': self.index}, 'CreatedAt': '2026-12-06T03:59:11Z',
                      'Spec': {'Name': 'default', 'Labels': {}, 'Orchestration': {'TaskHistoryRetentionLimit': 5},
                               'Raft': {'SnapshotInterval': 10000, 'KeepOldSnapshots': 0, 'LogEntriesForSlowFollowers': 500,
                                        'ElectionTick': 10, 'HeartbeatTick': 1},
                               'Dispatcher': {'HeartbeatPeriod': 5000000000},
                               'CAConfig': {'NodeCertExpiry': 7776000000000000}, 'TaskDefaults': {},
                               'EncryptionConfig': {'AutoLockManagers': False}},
                      'DefaultAddrPool': ['10.0.0.0/8'], 'SubnetSize': 24, 'DataPathPort': 4789,
                      'JoinTokens': {'Worker': 'SWMTKN-1-worker-secret', 'Manager': 'SWMTKN-1-manager-secret'}}
        default_nodes = [make_node('vm-1', 'manager'), make_node('vm-2'), make_node('vm-3')]
        self.nodes_: list[dict] = nodes if nodes is not None else default_nodes
        self.services_: list[dict] = []
        self.tasks_: list[dict] = []
        self.networks_: list[dict] = [{'Name': 'ingress', 'Id': 'ingress0001', 'Driver': 'overlay', 'Scope': 'swarm',
                                       'Labels': {}, 'Attachable': False, 'Internal': False, 'Ingress': True}]
        self.configs_: list[dict] = []
        self.secrets_: list[dict] = []
        self.secret_data: dict[str, bytes] = {}
        self.writes: list[str] = []
        self.read_only_ = False
        self.unlock_key = 'SWMKEY-1-unlock'
        # What the next service update does: 'ok', or 'rollback' (a task fails, the engine rolls back).
        self.next_update = 'ok'
        # Networks removed from the swarm that the manager's node still lists (a stack just removed),
        # name -> how many more creates of that name the engine refuses (409) before the copy is gone.
        self.lingering: dict[str, int] = {}

    # -- bookkeeping --------------------------------------------------------------------------------
    def read_only(self) -> FakeSwarm:
        self.read_only_ = True
        return self

    def write(self, name: str) -> None:
        if self.read_only_:
            raise AssertionError('write call %s in check mode' % name)
        self.writes.append(name)
        self.index += 1

    def engine(self, node_id: str | None = None) -> FakeEngine:
        return FakeEngine(self, node_id or self.nodes_[0]['ID'])


class FakeEngine:
    """The API client of one node (only managers answer cluster calls)."""

    def __init__(self, swarm: FakeSwarm | None, node_id: str, local_state: str | None = None) -> None:
        self.cluster = swarm
        self.node_id = node_id
        self.local_state = local_state or ('active' if swarm else 'inactive')

    # -- membership -----------------------------------------------------------------------------------
    @property
    def node(self) -> dict | None:
        if self.cluster is None:
            return None
        return next((n for n in self.cluster.nodes_ if n['ID'] == self.node_id), None)

    @property
    def is_manager(self) -> bool:
        return self.local_state == 'active' and self.node is not None and self.node['Spec']['Role'] == 'manager'

    def info(self) -> dict:
        if self.local_state == 'inactive' or self.cluster is None:
            return {'Swarm': {'LocalNodeState': self.local_state, 'NodeID': '', 'NodeAddr': '', 'ControlAvailable': False,
                              'RemoteManagers': None}}
        managers = [{'NodeID': n['ID'], 'Addr': n['Status']['Addr'] + ':2377'} for n in self.cluster.nodes_
                    if n['Spec']['Role'] == 'manager']
        swarm = {'LocalNodeState': self.local_state, 'NodeID': self.node_id, 'NodeAddr': self.node['Status']['Addr'],
                 'ControlAvailable': self.is_manager, 'RemoteManagers': managers}
        if self.is_manager:
            swarm['Cluster'] = {'ID': self.cluster.swarm['ID']}
        return {'Swarm': swarm}

    def _manager_only(self) -> FakeSwarm:
        if not self.is_manager:
            raise FakeAPIError(503, 'This node is not a swarm manager.')
        assert self.cluster is not None
        return self.cluster

    def inspect_swarm(self) -> dict:
        return copy.deepcopy(self._manager_only().swarm)

    def init_swarm(self, **kwargs: Any) -> str:
        if self.local_state != 'inactive':
            raise FakeAPIError(503, 'This node is already part of a swarm.')
        self.cluster = FakeSwarm(nodes=[make_node('vm-1', 'manager', node_id=self.node_id)])
        self.cluster.writes.append('init_swarm')
        self.init_kwargs = kwargs
        self.local_state = 'active'
        return self.node_id

    def join_swarm(self, remote_addrs: list, join_token: str, **kwargs: Any) -> bool:
        if self.local_state != 'inactive':
            raise FakeAPIError(503, 'This node is already part of a swarm.')
        assert self.target is not None, 'join: the test gives the target swarm as engine.target'
        role = 'manager' if join_token == self.target.swarm['JoinTokens']['Manager'] else 'worker'
        assert join_token in self.target.swarm['JoinTokens'].values()
        self.target.write('join_swarm')
        self.target.nodes_.append(make_node('vm-new', role, node_id=self.node_id))
        self.cluster = self.target
        self.local_state = 'active'
        self.join_args = (remote_addrs, join_token, kwargs)
        return True

    target: FakeSwarm | None = None

    def leave_swarm(self, force: bool = False) -> bool:
        if self.local_state == 'inactive':
            raise FakeAPIError(503, 'This node is not part of a swarm')
        if self.is_manager and not force:
            raise FakeAPIError(503, 'You are attempting to leave the swarm on a node that is participating as a manager.')
        assert self.cluster is not None
        self.cluster.write('leave_swarm')
        self.node['Status']['State'] = 'down'
        self.local_state = 'inactive'
        self.cluster = None
        return True

    def update_swarm(self, version: int, swarm_spec: dict | None = None, **rotate: Any) -> bool:
        cluster = self._manager_only()
        if version != cluster.swarm['Version']['Index']:
            raise FakeAPIError(500, 'update out of sequence')
        cluster.write('update_swarm')
        cluster.swarm['Spec'] = copy.deepcopy(swarm_spec)
        cluster.swarm['Version'] = {'Index': cluster.index}
        cluster.rotated = rotate
        return True

    def get_unlock_key(self) -> dict:
        return {'UnlockKey': self._manager_only().unlock_key}

    def unlock_swarm(self, key: str) -> bool:
        if self.local_state != 'locked':
            raise FakeAPIError(503, 'swarm is not locked')
        if key != self.cluster.unlock_key:
            raise FakeAPIError(400, 'invalid key')
        self.cluster.writes.append('unlock_swarm')
        self.local_state = 'active'
        return True

    # -- nodes ------------------------------------------------------------------------------------------
    def nodes(self, filters: dict | None = None) -> list:
        return copy.deepcopy(self._manager_only().nodes_)

    def inspect_node(self, node_id: str) -> dict:
        for node in self._manager_only().nodes_:
            if node['ID'] == node_id:
                return copy.deepcopy(node)
        raise FakeAPIError(404, 'node %s not found' % node_id)

    def update_node(self, node_id: str, version: int, node_spec: dict) -> bool:
        cluster = self._manager_only()
        node = next(n for n in cluster.nodes_ if n['ID'] == node_id)
        if version != node['Version']['Index']:
            raise FakeAPIError(500, 'update out of sequence')
        cluster.write('update_node')
        node['Spec'] = copy.deepcopy(node_spec)
        node['Version'] = {'Index': cluster.index}
        if node_spec.get('Availability') == 'drain':
            for task in cluster.tasks_:
                if task['NodeID'] == node_id:
                    task['Status']['State'] = 'shutdown'
                    task['DesiredState'] = 'shutdown'
        return True

    def remove_node(self, node_id: str, force: bool = False) -> bool:
        cluster = self._manager_only()
        cluster.write('remove_node')
        cluster.nodes_ = [n for n in cluster.nodes_ if n['ID'] != node_id]
        return True

    # -- services and tasks -------------------------------------------------------------------------------
    def services(self, filters: dict | None = None, status: bool | None = None) -> list:
        cluster = self._manager_only()
        out = []
        for service in cluster.services_:
            if filters and 'id' in filters and service['ID'] not in filters['id']:
                continue
            if filters and 'label' in filters:
                key, _sep, value = filters['label'].partition('=')
                if (service['Spec'].get('Labels') or {}).get(key) != value:
                    continue
            out.append(copy.deepcopy(service))
        return out

    def inspect_service(self, service_id: str) -> dict:
        return next(copy.deepcopy(s) for s in self._manager_only().services_ if s['ID'] == service_id)

    def _engine_spec(self, spec: dict) -> dict:
        """What the engine stores: defaults filled in, networks by ID."""
        spec = copy.deepcopy(spec)
        task = spec['TaskTemplate']
        task.setdefault('ForceUpdate', 0)
        task['Runtime'] = 'container'
        task['ContainerSpec'].setdefault('Isolation', 'default')
        for net in task.get('Networks') or []:
            found = next((n for n in self.cluster.networks_ if net['Target'] in (n['Name'], n['Id'])), None)
            if found is None or found['Name'] in self.cluster.lingering:
                # A Docker 20.10 manager answers 500 for a network its cluster store does not have.
                raise FakeAPIError(404 if found is None else 500, 'network %s not found' % net['Target'])
            net['Target'] = found['Id']
        for ref in task['ContainerSpec'].get('Secrets') or []:
            assert ref.get('SecretID'), 'the engine needs secret IDs'
        for ref in task['ContainerSpec'].get('Configs') or []:
            assert ref.get('ConfigID'), 'the engine needs config IDs'
        if spec.get('UpdateConfig') is not None:
            spec['UpdateConfig'].setdefault('MaxFailureRatio', 0)
            spec['UpdateConfig'].setdefault('Order', 'stop-first')
        if not spec.get('Mode'):
            spec['Mode'] = {'Replicated': {'Replicas': 1}}
        return {k: v for k, v in spec.items() if v is not None}

    def _run_tasks(self, service: dict) -> None:
        cluster = self.cluster
        for task in cluster.tasks_:
            if task['ServiceID'] == service['ID'] and task['DesiredState'] == 'running':
                task['DesiredState'] = 'shutdown'
                task['Status']['State'] = 'shutdown'
        mode = service['Spec']['Mode']
        count = (mode.get('Replicated') or {}).get('Replicas', 1) if 'Replicated' in mode else len(cluster.nodes_)
        spec = {k: v for k, v in service['Spec']['TaskTemplate'].items() if k != 'Runtime'}
        for slot in range(count):
            cluster.tasks_.append({'ID': new_id('t'), 'ServiceID': service['ID'], 'Slot': slot + 1,
                                   'NodeID': cluster.nodes_[slot % len(cluster.nodes_)]['ID'], 'Spec': copy.deepcopy(spec),
                                   'DesiredState': 'running', 'Status': {'State': 'running', 'Timestamp': '2026-12-06T05:00:0%dZ' % slot}})

    def create_service(self, task_template: dict, name: str | None = None, labels: dict | None = None,
                       mode: dict | None = None, update_config: dict | None = None, endpoint_spec: dict | None = None,
                       rollback_config: dict | None = None, **kwargs: Any) -> dict:
        cluster = self._manager_only()
        if any(s['Spec']['Name'] == name for s in cluster.services_):
            raise FakeAPIError(409, 'name conflicts with an existing object')
        cluster.write('create_service')
        spec = self._engine_spec({'Name': name, 'Labels': labels or {}, 'TaskTemplate': task_template, 'Mode': mode,
                                  'UpdateConfig': update_config, 'RollbackConfig': rollback_config,
                                  'EndpointSpec': endpoint_spec})
        service = {'ID': new_id('s'), 'Version': {'Index': cluster.index}, 'Spec': spec,
                   'Endpoint': {'Spec': spec.get('EndpointSpec') or {}, 'Ports': (spec.get('EndpointSpec') or {}).get('Ports')}}
        cluster.services_.append(service)
        self._run_tasks(service)
        return {'ID': service['ID']}

    def update_service(self, service_id: str, version: int, task_template: dict | None = None, name: str | None = None,
                       labels: dict | None = None, mode: dict | None = None, update_config: dict | None = None,
                       endpoint_spec: dict | None = None, rollback_config: dict | None = None,
                       fetch_current_spec: bool = False, **kwargs: Any) -> dict:
        cluster = self._manager_only()
        service = next(s for s in cluster.services_ if s['ID'] == service_id)
        if version != service['Version']['Index']:
            raise FakeAPIError(500, 'update out of sequence')
        cluster.write('update_service')
        previous = service['Spec']
        service['Spec'] = self._engine_spec({'Name': name, 'Labels': labels or {}, 'TaskTemplate': task_template, 'Mode': mode,
                                             'UpdateConfig': update_config, 'RollbackConfig': rollback_config,
                                             'EndpointSpec': endpoint_spec})
        service['Version'] = {'Index': cluster.index}
        started = '2026-12-06T05:%02d:00Z' % (cluster.index % 60)
        if cluster.next_update == 'rollback':
            cluster.next_update = 'ok'
            cluster.tasks_.append({'ID': new_id('t'), 'ServiceID': service_id, 'Slot': 1, 'NodeID': cluster.nodes_[1]['ID'],
                                   'Spec': copy.deepcopy(service['Spec']['TaskTemplate']), 'DesiredState': 'shutdown',
                                   'Status': {'State': 'failed', 'Err': 'task: non-zero exit (3)', 'Timestamp': started}})
            service['PreviousSpec'] = service['Spec']
            service['Spec'] = previous
            service['UpdateStatus'] = {'State': 'rollback_completed', 'StartedAt': started,
                                       'Message': 'rollback completed'}
            return {}
        if previous['TaskTemplate'] != service['Spec']['TaskTemplate']:
            service['UpdateStatus'] = {'State': 'completed', 'StartedAt': started, 'Message': 'update completed'}
        self._run_tasks(service)
        return {}

    def remove_service(self, service_id: str) -> bool:
        cluster = self._manager_only()
        cluster.write('remove_service')
        cluster.services_ = [s for s in cluster.services_ if s['ID'] != service_id]
        cluster.tasks_ = [t for t in cluster.tasks_ if t['ServiceID'] != service_id]
        return True

    def tasks(self, filters: dict | None = None) -> list:
        cluster = self._manager_only()
        filters = filters or {}
        out = []
        for task in cluster.tasks_:
            services = filters.get('service')
            if services is not None and task['ServiceID'] not in (services if isinstance(services, list) else [services]):
                continue
            if 'node' in filters and task['NodeID'] != filters['node']:
                continue
            if 'desired-state' in filters and task['DesiredState'] != filters['desired-state']:
                continue
            out.append(copy.deepcopy(task))
        return out

    # -- networks, configs, secrets -----------------------------------------------------------------------
    def networks(self, **kwargs: Any) -> list:
        return copy.deepcopy(self._manager_only().networks_)

    def create_network(self, name: str, driver: str | None = None, options: dict | None = None, ipam: dict | None = None,
                       internal: bool = False, labels: dict | None = None, attachable: bool | None = None, **kwargs: Any) -> dict:
        cluster = self._manager_only()
        if name in cluster.lingering:
            if cluster.lingering[name] > 0:
                cluster.lingering[name] -= 1
                raise FakeAPIError(409, 'network with name %s already exists' % name)
            del cluster.lingering[name]
            cluster.networks_ = [n for n in cluster.networks_ if n['Name'] != name]
        cluster.write('create_network')
        network = {'Name': name, 'Id': new_id('w'), 'Driver': driver or 'overlay', 'Scope': 'swarm', 'Labels': labels or {},
                   'Attachable': bool(attachable), 'Internal': internal, 'Options': options or {}, 'IPAM': ipam}
        cluster.networks_.append(network)
        return {'Id': network['Id']}

    def remove_network(self, net_id: str) -> None:
        cluster = self._manager_only()
        if net_id in cluster.lingering:
            raise FakeAPIError(404, 'network %s not found' % net_id)
        cluster.write('remove_network')
        cluster.networks_ = [n for n in cluster.networks_ if net_id not in (n['Name'], n['Id'])]

    def configs(self, filters: dict | None = None) -> list:
        return copy.deepcopy(self._manager_only().configs_)

    def secrets(self, filters: dict | None = None) -> list:
        out = copy.deepcopy(self._manager_only().secrets_)
        for secret in out:
            secret['Spec'].pop('Data', None)  # the engine never returns a secret's data
        return out

    def _in_use(self, kind: str, object_id: str) -> bool:
        key = 'SecretID' if kind == 'secret' else 'ConfigID'
        return any(ref.get(key) == object_id for s in self.cluster.services_
                   for ref in s['Spec']['TaskTemplate']['ContainerSpec'].get(kind.capitalize() + 's') or [])

    def remove_config(self, config_id: str) -> None:
        if self._in_use('config', config_id):
            raise FakeAPIError(400, 'config is in use')
        self._manager_only().write('remove_config')
        self.cluster.configs_ = [c for c in self.cluster.configs_ if c['ID'] != config_id]

    def remove_secret(self, secret_id: str) -> None:
        if self._in_use('secret', secret_id):
            raise FakeAPIError(400, 'secret is in use')
        self._manager_only().write('remove_secret')
        self.cluster.secrets_ = [s for s in self.cluster.secrets_ if s['ID'] != secret_id]

    # -- the low-level calls the engine code uses for configs and secrets -----------------------------------
    def _url(self, path: str, *args: str) -> str:
        return path.format(*args)

    def _post_json(self, url: str, params: dict | None = None, data: dict | None = None) -> FakeResponse:
        cluster = self._manager_only()
        parts = url.strip('/').split('/')
        kind = parts[0][:-1]  # configs -> config
        items = cluster.configs_ if kind == 'config' else cluster.secrets_
        if parts[1] == 'create':
            if any(o['Spec']['Name'] == data['Name'] for o in items):
                return FakeResponse(409, {'message': 'already exists'})
            cluster.write('create_' + kind)
            obj = {'ID': new_id(kind[0]), 'Version': {'Index': cluster.index}, 'Spec': copy.deepcopy(data)}
            items.append(obj)
            return FakeResponse(201, {'ID': obj['ID']})
        obj = next(o for o in items if o['ID'] == parts[1])
        if params['version'] != obj['Version']['Index']:
            return FakeResponse(500, {'message': 'update out of sequence'})
        if kind == 'secret' and base64.b64decode(data.get('Data') or '') != base64.b64decode(obj['Spec'].get('Data') or ''):
            return FakeResponse(400, {'message': 'rpc error: code = InvalidArgument desc = only updates to Labels are allowed'})
        cluster.write('update_' + kind)
        obj['Spec']['Labels'] = dict(data.get('Labels') or {})
        obj['Version'] = {'Index': cluster.index}
        return FakeResponse(200, None)

    def _raise_for_status(self, response: FakeResponse) -> None:
        if response.status_code >= 400:
            raise FakeAPIError(response.status_code, (response.body or {}).get('message', 'error'))

    def _result(self, response: FakeResponse, json: bool = False) -> Any:
        self._raise_for_status(response)
        return response.body
