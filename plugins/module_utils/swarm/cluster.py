# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Swarm membership of one engine: init, join, leave, cluster settings (private to dockyard.azure).

The `swarm` module's logic. One engine is the node being changed; for a join (and for a clean
leave) a second connection reaches a manager of the swarm, which hands out the join token (so the
token never passes through the playbook), tells whether the node already belongs to the swarm, and
promotes, demotes or removes it. Reads first, then a plan of writes; check mode stops after the plan.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.diff import DifferenceTracker
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.errors import SwarmError

SECOND = 10 ** 9
# Cluster settings: option -> (path in the SwarmSpec, factor from the option's unit to the API's).
SETTINGS: dict[str, tuple[tuple[str, ...], int]] = {
    'task_history_retention_limit': (('Orchestration', 'TaskHistoryRetentionLimit'), 1),
    'snapshot_interval': (('Raft', 'SnapshotInterval'), 1),
    'keep_old_snapshots': (('Raft', 'KeepOldSnapshots'), 1),
    'log_entries_for_slow_followers': (('Raft', 'LogEntriesForSlowFollowers'), 1),
    'heartbeat_tick': (('Raft', 'HeartbeatTick'), 1),
    'election_tick': (('Raft', 'ElectionTick'), 1),
    'dispatcher_heartbeat_period': (('Dispatcher', 'HeartbeatPeriod'), SECOND),
    'node_cert_expiry': (('CAConfig', 'NodeCertExpiry'), SECOND),
    'autolock_managers': (('EncryptionConfig', 'AutoLockManagers'), 1),
    'labels': (('Labels',), 1),
}
# Settings only `swarm init` takes: shown as warnings when an existing swarm differs.
INIT_ONLY = {'default_addr_pool': 'DefaultAddrPool', 'subnet_size': 'SubnetSize', 'data_path_port': 'DataPathPort'}


def _get(spec: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = spec
    for part in path:
        value = (value or {}).get(part)
    return value


def _set(spec: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        if not isinstance(spec.get(part), dict):
            spec[part] = {}
        spec = spec[part]
    spec[path[-1]] = value


@dataclass
class LocalNode:
    """What an engine says about its own swarm membership (`docker info`'s Swarm section)."""

    state: str
    node_id: str = ''
    node_addr: str = ''
    is_manager: bool = False
    cluster_id: str = ''
    remote_managers: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, client: Any) -> LocalNode:
        swarm = client.info().get('Swarm') or {}
        return cls(state=swarm.get('LocalNodeState') or 'inactive', node_id=swarm.get('NodeID') or '',
                   node_addr=swarm.get('NodeAddr') or '', is_manager=bool(swarm.get('ControlAvailable')),
                   cluster_id=((swarm.get('Cluster') or {}).get('ID')) or '', remote_managers=list(swarm.get('RemoteManagers') or []))

    @property
    def in_swarm(self) -> bool:
        return self.state not in ('inactive', '')


def swarm_summary(swarm: Mapping[str, Any] | None, local: LocalNode) -> dict[str, Any]:
    """The `swarm` return value: identity and settings of the cluster, never its tokens."""
    out: dict[str, Any] = {'local_node_state': local.state, 'node_id': local.node_id or None,
                           'node_addr': local.node_addr or None, 'is_manager': local.is_manager}
    if swarm:
        spec = swarm.get('Spec') or {}
        out.update({'id': swarm.get('ID'), 'created_at': swarm.get('CreatedAt'), 'updated_at': swarm.get('UpdatedAt'),
                    'version': (swarm.get('Version') or {}).get('Index'),
                    'default_addr_pool': swarm.get('DefaultAddrPool'), 'subnet_size': swarm.get('SubnetSize'),
                    'data_path_port': swarm.get('DataPathPort'),
                    'settings': {name: (_get(spec, path) // factor if factor > 1 and _get(spec, path) is not None
                                        else _get(spec, path)) for name, (path, factor) in SETTINGS.items()}})
    else:
        out['id'] = local.cluster_id or None
    return out


class SwarmMembership:
    """Runs one `swarm` task. `manager_factory` builds the client of O(manager) (None when not given)."""

    def __init__(self, client: Any, params: Mapping[str, Any], check_mode: bool = False,
                 manager_factory: Callable[[], Any] | None = None, warn: Callable[[str], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.manager_factory = manager_factory
        self.warn = warn or (lambda message: None)
        self.sleep = sleep
        self.actions: list[str] = []
        self.diff = DifferenceTracker()

    def run(self) -> dict[str, Any]:
        local = LocalNode.of(self.client)
        state = self.params['state']
        if local.state == 'locked' and state != 'absent':
            local = self.unlock(local)
        if state == 'present':
            swarm = self.present(local)
        elif state == 'join':
            swarm = self.join(local)
        else:
            swarm = self.absent(local)
        after = LocalNode.of(self.client) if self.actions and not self.check_mode else local
        result: dict[str, Any] = {'changed': bool(self.actions), 'actions': list(self.actions),
                                  'swarm': swarm_summary(swarm, after)}
        result['diff'] = self.diff.diff()
        return result

    # -- locked managers --------------------------------------------------------------------------
    def unlock(self, local: LocalNode) -> LocalNode:
        key = self.params.get('unlock_key')
        if not key:
            raise SwarmError('the swarm is locked on this node (autolock): give unlock_key', option='unlock_key')
        self.actions.append('unlock')
        if self.check_mode:
            return local
        try:
            self.client.unlock_swarm(key)
        except Exception as exc:  # pylint: disable=broad-except
            raise SwarmError('unlock_key: the engine refused to unlock the swarm: %s'
                             % (getattr(exc, 'explanation', None) or exc), option='unlock_key') from exc
        return LocalNode.of(self.client)

    # -- present: a manager of a swarm, with the cluster settings ---------------------------------
    def present(self, local: LocalNode) -> dict[str, Any] | None:
        self.diff.add('local_node_state', local.state, 'active')
        if not local.in_swarm:
            self.actions.append('init')
            if self.check_mode:
                self.diff.add('role', None, 'manager')
                self.node_spec(self.client, None, None)
                return None
            self.client.init_swarm(
                advertise_addr=self.params.get('advertise_addr'), listen_addr=self.params.get('listen_addr') or '0.0.0.0:2377',
                force_new_cluster=bool(self.params.get('force_new_cluster')),
                default_addr_pool=self.params.get('default_addr_pool'), subnet_size=self.params.get('subnet_size'),
                data_path_addr=self.params.get('data_path_addr'), data_path_port=self.params.get('data_path_port'))
        elif not local.is_manager:
            raise SwarmError('this engine is a worker of swarm (node %s): state=present needs a manager; point docker_host at '
                             'a manager, or promote this node with dockyard.azure.swarm_node' % local.node_id, option='state')
        swarm = self.client.inspect_swarm()
        self.diff.add('role', 'manager', 'manager')
        for option, api_key in INIT_ONLY.items():
            wanted = self.params.get(option)
            if wanted is not None and 'init' not in self.actions and wanted != swarm.get(api_key):
                self.warn('%s=%s differs from the swarm\'s %s, which only swarm init sets; it is left as it is'
                          % (option, wanted, swarm.get(api_key)))
        self.settings(swarm)
        self.unlock_key_file(swarm)
        if self.params.get('node_labels'):
            node_id = LocalNode.of(self.client).node_id if 'init' in self.actions else local.node_id
            self.node_spec(self.client, self.client.inspect_node(node_id) if node_id else None, None)
        return self.client.inspect_swarm() if self.actions and not self.check_mode else swarm

    def settings(self, swarm: Mapping[str, Any]) -> None:
        spec = dict(swarm.get('Spec') or {})
        wanted = {}
        for option, (path, factor) in SETTINGS.items():
            value = self.params.get(option)
            if value is None:
                continue
            api_value = value * factor if factor > 1 else value
            if option == 'labels':
                api_value = {str(k): str(v) for k, v in value.items()}
            current = _get(spec, path)
            if option == 'labels':
                current = current or {}
            self.diff.add(option, current, api_value)
            if current != api_value:
                wanted[path] = api_value
        rotate_options = ('rotate_worker_token', 'rotate_manager_token', 'rotate_unlock_key')
        rotate = {name: bool(self.params.get(name)) for name in rotate_options}
        if not wanted and not any(rotate.values()):
            return
        self.actions.append('update' if wanted else 'rotate')
        if self.check_mode:
            return
        new_spec = copy.deepcopy(spec)
        for path, value in wanted.items():
            _set(new_spec, path, value)
        self.client.update_swarm(swarm['Version']['Index'], swarm_spec=new_spec,
                                 rotate_worker_token=rotate['rotate_worker_token'],
                                 rotate_manager_token=rotate['rotate_manager_token'],
                                 rotate_manager_unlock_key=rotate['rotate_unlock_key'])

    def unlock_key_file(self, swarm: Mapping[str, Any]) -> None:
        """With autolock, write the unlock key to unlock_key_path (mode 0600); it is never returned."""
        path = self.params.get('unlock_key_path')
        autolock = self.params.get('autolock_managers')
        if autolock is None:
            autolock = bool(_get(swarm.get('Spec') or {}, ('EncryptionConfig', 'AutoLockManagers')))
        if not autolock or not path:
            return
        if self.check_mode and self.actions:
            self.actions.append('write unlock key')
            return
        key = (self.client.get_unlock_key() or {}).get('UnlockKey') or ''
        current = None
        if os.path.exists(path):
            with open(path, encoding='utf-8') as handle:
                current = handle.read().strip()
        if current == key:
            return
        self.actions.append('write unlock key')
        if self.check_mode:
            return
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, 'w', encoding='utf-8') as handle:
            handle.write(key + '\n')
        os.chmod(path, 0o600)

    # -- join ---------------------------------------------------------------------------------------
    def manager(self) -> Any:
        if self.manager_factory is None:
            raise SwarmError('state=join needs manager (the connection to a manager of the swarm) or join_token and '
                             'remote_addrs', option='manager')
        return self.manager_factory()

    def join(self, local: LocalNode) -> dict[str, Any] | None:
        role = self.params.get('role') or 'worker'
        manager = self.manager() if self.manager_factory is not None else None
        if manager is None and not (self.params.get('join_token') and self.params.get('remote_addrs')):
            self.manager()  # raises the error that names what is missing
        self.diff.add('local_node_state', local.state, 'active')
        if local.in_swarm:
            if manager is None:
                return self.joined_by_token(local, role)
            return self.joined_by_manager(local, manager, role)
        if local.state == 'pending':
            raise SwarmError('this node is still joining a swarm (pending); run again once it is active, or leave with '
                             'state=absent', option='state')
        token, remote_addrs = self.join_material(manager, role)
        self.actions.append('join as %s' % role)
        self.diff.add('role', None, role)
        if self.check_mode:
            self.node_spec(manager, None, None)
            return None
        try:
            self.client.join_swarm(remote_addrs, token, listen_addr=self.params.get('listen_addr') or '0.0.0.0:2377',
                                   advertise_addr=self.params.get('advertise_addr'),
                                   data_path_addr=self.params.get('data_path_addr'))
        except Exception as exc:  # pylint: disable=broad-except
            raise SwarmError('joining the swarm at %s failed: %s' % (', '.join(remote_addrs),
                                                                     getattr(exc, 'explanation', None) or exc)) from exc
        if manager is None:
            return None
        if self.params.get('node_labels'):
            self.node_spec(manager, manager.inspect_node(LocalNode.of(self.client).node_id), None)
        return manager.inspect_swarm()

    def join_material(self, manager: Any, role: str) -> tuple[str, list[str]]:
        """The join token and manager addresses: given, or asked from the manager (the token stays in this process)."""
        token: str = self.params.get('join_token') or ''
        remote_addrs: list[str] = list(self.params.get('remote_addrs') or [])
        if manager is not None:
            if not token:
                token = manager.inspect_swarm()['JoinTokens'][role.capitalize()]
            if not remote_addrs:
                info = manager.info().get('Swarm') or {}
                remote_addrs = [m['Addr'] for m in info.get('RemoteManagers') or [] if m.get('Addr')]
                if not remote_addrs and info.get('NodeAddr'):
                    remote_addrs = ['%s:2377' % info['NodeAddr']]
        if not remote_addrs:
            raise SwarmError('no manager address to join: set remote_addrs', option='remote_addrs')
        return token, remote_addrs

    def joined_by_manager(self, local: LocalNode, manager: Any, role: str) -> dict[str, Any]:
        """Already in a swarm: the manager's swarm? with the right role? (promote or demote through the manager)."""
        try:
            node = manager.inspect_node(local.node_id)
        except Exception as exc:  # pylint: disable=broad-except
            if getattr(getattr(exc, 'response', None), 'status_code', None) == 404:
                raise SwarmError('this engine is in another swarm (node %s is unknown to the manager): leave it first '
                                 '(state=absent)' % local.node_id, option='manager') from exc
            raise
        self.node_spec(manager, node, role)
        return manager.inspect_swarm()

    def node_spec(self, manager: Any, node: Mapping[str, Any] | None, role: str | None) -> None:
        """Role and node_labels (merged) of this node, in one write through a manager; `node` None: not joined yet."""
        labels = {str(k): str(v) for k, v in (self.params.get('node_labels') or {}).items()}
        if node is None:  # check mode, before the join: everything given is a change
            if labels:
                self.diff.add('node_labels', {}, labels)
                self.actions.append('set node labels')
            return
        spec = dict(node.get('Spec') or {})
        wanted = dict(spec)
        actions = []
        if role:
            current_role = spec.get('Role')
            self.diff.add('role', current_role, role)
            if current_role != role:
                wanted['Role'] = role
                actions.append('%s to %s' % ('promote' if role == 'manager' else 'demote', role))
        if labels:
            current = dict(spec.get('Labels') or {})
            merged = dict(current, **labels)
            self.diff.add('node_labels', {k: current.get(k) for k in labels}, labels)
            if merged != current:
                wanted['Labels'] = merged
                actions.append('set node labels')
        if not actions:
            return
        self.actions.extend(actions)
        if not self.check_mode:
            manager.update_node(node['ID'], node['Version']['Index'], wanted)

    def joined_by_token(self, local: LocalNode, role: str) -> dict[str, Any] | None:
        addresses = {m.get('Addr') for m in local.remote_managers}
        wanted = set(self.params.get('remote_addrs') or [])
        if addresses and not addresses & wanted:
            raise SwarmError('this engine is in a swarm whose managers are %s, not %s: leave it first (state=absent)'
                             % (', '.join(sorted(a for a in addresses if a)), ', '.join(sorted(wanted))), option='remote_addrs')
        current_role = 'manager' if local.is_manager else 'worker'
        self.diff.add('role', current_role, current_role)
        if current_role != role:
            self.warn('this node is a %s, not a %s: change roles through a manager (dockyard.azure.swarm_node role, or '
                      'this module with manager)' % (current_role, role))
        return self.client.inspect_swarm() if local.is_manager else None

    # -- absent -------------------------------------------------------------------------------------
    def absent(self, local: LocalNode) -> dict[str, Any] | None:
        self.diff.add('local_node_state', local.state, 'inactive')
        if not local.in_swarm:
            return None
        manager = self.manager_factory() if self.manager_factory is not None else None
        force = bool(self.params.get('force'))
        if manager is not None and local.is_manager:
            node = manager.inspect_node(local.node_id)
            self.actions.append('demote')
            if not self.check_mode:
                spec = dict(node['Spec'])
                spec['Role'] = 'worker'
                manager.update_node(node['ID'], node['Version']['Index'], spec)
        elif local.is_manager and not force:
            raise SwarmError('this node is a manager of the swarm: leaving needs force=true (for the last manager that '
                             'ends the swarm), or give manager (another manager) to demote it first', option='force')
        self.actions.append('leave')
        if not self.check_mode:
            self.leave(force or (manager is not None and local.is_manager))
        if manager is not None:
            self.actions.append('remove node')
            if not self.check_mode:
                self.remove_node(manager, local.node_id)
        return None

    def leave(self, force: bool) -> None:
        for attempt in range(10):
            try:
                self.client.leave_swarm(force=force)
                return
            except Exception as exc:  # pylint: disable=broad-except
                text = str(getattr(exc, 'explanation', None) or exc)
                # Right after a demotion the node may still count itself a manager for a moment.
                if 'manager' in text and attempt < 9:
                    self.sleep(1)
                    continue
                raise SwarmError('leaving the swarm failed: %s' % text, option='force') from exc

    def remove_node(self, manager: Any, node_id: str) -> None:
        try:
            manager.remove_node(node_id, force=True)
        except Exception as exc:  # pylint: disable=broad-except
            if getattr(getattr(exc, 'response', None), 'status_code', None) != 404:
                raise
