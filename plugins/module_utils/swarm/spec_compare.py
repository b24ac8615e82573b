# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare service specs as the engine means them (pure; private to dockyard.azure).

The engine fills defaults into what it stores (`Runtime: container`, `Isolation: default`,
`UpdateConfig.Order: stop-first`, ...), names networks by ID, and the Docker CLI sends defaults
of its own (a restart policy, a stop grace period, empty privileges). `canonical_spec` brings a
spec we would send and a spec the engine returns to one form, with every default spelled out and
every empty value dropped, so that equal means "the engine would run the same tasks".
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

SECOND = 10 ** 9
# swarmkit's defaults (api/defaults/service.go): what an absent section means.
DEFAULT_UPDATE = {'Parallelism': 1, 'FailureAction': 'pause', 'Monitor': 5 * SECOND, 'MaxFailureRatio': 0,
                  'Order': 'stop-first'}
DEFAULT_RESTART = {'Condition': 'any', 'Delay': 5 * SECOND, 'MaxAttempts': 0}
DEFAULT_STOP_GRACE = 10 * SECOND
# Fields the engine sets by itself and that never come from a Compose file.
ENGINE_ONLY_TASK_FIELDS = ('ForceUpdate', 'Runtime')


def _strip(value: Any) -> Any:
    """Drop None, empty strings, empty collections, False and 0, recursively (the API's omitempty)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = _strip(item)
            if item in (None, '', [], {}, False) or (isinstance(item, (int, float)) and not isinstance(item, bool) and item == 0):
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value


def _update_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    if config is None:
        return dict(DEFAULT_UPDATE)
    out = dict(config)
    if not out.get('FailureAction'):
        out['FailureAction'] = 'pause'
    if not out.get('Monitor'):
        out['Monitor'] = DEFAULT_UPDATE['Monitor']  # 0 is "not set": the engine uses 5s
    if not out.get('Order'):
        out['Order'] = 'stop-first'
    return out


def _restart_policy(policy: Mapping[str, Any] | None) -> dict[str, Any]:
    if policy is None:
        return dict(DEFAULT_RESTART)
    out = dict(policy)
    if not out.get('Condition'):
        out['Condition'] = 'any'
    if out.get('Delay') is None:
        out['Delay'] = DEFAULT_RESTART['Delay']
    return out


def _mode(mode: Mapping[str, Any] | None) -> dict[str, Any]:
    if not mode:
        return {'Replicated': {'Replicas': 1}}
    out = copy.deepcopy(dict(mode))
    if 'Replicated' in out:
        replicas = (out['Replicated'] or {}).get('Replicas')
        out['Replicated'] = {'Replicas': 1 if replicas is None else replicas}
    if 'ReplicatedJob' in out:
        job = out['ReplicatedJob'] or {}
        out['ReplicatedJob'] = {'MaxConcurrent': job.get('MaxConcurrent') or 1,
                                'TotalCompletions': job.get('TotalCompletions') or 1}
    return out


def _secret_target(name: str) -> str:
    return name[len('/run/secrets/'):] if name.startswith('/run/secrets/') else name


def _config_target(name: str) -> str:
    return name if name.startswith('/') else '/' + name


def _references(refs: list[Mapping[str, Any]] | None, kind: str) -> list[dict[str, Any]]:
    name_key = 'SecretName' if kind == 'secret' else 'ConfigName'
    out = []
    for ref in refs or []:
        entry: dict[str, Any] = {name_key: ref.get(name_key)}
        if ref.get('File') is not None:
            file = dict(ref['File'])
            target = file.get('Name') or ''
            file['Name'] = _secret_target(target) if kind == 'secret' else _config_target(target)
            file.setdefault('UID', '0')
            file.setdefault('GID', '0')
            if file.get('Mode') is None:
                file['Mode'] = 0o444
            entry['File'] = file
        if ref.get('Runtime') is not None:
            entry['Runtime'] = {}
        out.append(entry)
    return sorted(out, key=lambda e: str(e.get(name_key)))


def _networks(networks: list[Mapping[str, Any]] | None, names: Mapping[str, str]) -> list[dict[str, Any]]:
    out = []
    for network in networks or []:
        entry = dict(network)
        entry['Target'] = names.get(entry.get('Target', ''), entry.get('Target'))
        if entry.get('Aliases'):
            entry['Aliases'] = sorted(entry['Aliases'])
        out.append(entry)
    return sorted(out, key=lambda e: str(e.get('Target')))


def _endpoint(endpoint: Mapping[str, Any] | None) -> dict[str, Any]:
    endpoint = dict(endpoint or {})
    ports = []
    for port in endpoint.get('Ports') or []:
        entry = dict(port)
        entry['Protocol'] = entry.get('Protocol') or 'tcp'
        entry['PublishMode'] = entry.get('PublishMode') or 'ingress'
        ports.append(entry)
    ports.sort(key=lambda p: (p['Protocol'], p.get('TargetPort') or 0, p.get('PublishedPort') or 0, p['PublishMode']))
    return {'Mode': (endpoint.get('Mode') or 'vip').lower(), 'Ports': ports}


def canonical_spec(spec: Mapping[str, Any], network_names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The comparable form of a ServiceSpec (ours or the engine's); `network_names` maps network IDs to names."""
    spec = copy.deepcopy(dict(spec))
    task = dict(spec.get('TaskTemplate') or {})
    container = dict(task.get('ContainerSpec') or {})
    if container.get('Isolation') == 'default':
        container.pop('Isolation')
    if container.get('StopGracePeriod') is None:
        container['StopGracePeriod'] = DEFAULT_STOP_GRACE
    if container.get('Env'):
        container['Env'] = sorted(container['Env'])
    container['Secrets'] = _references(container.get('Secrets'), 'secret')
    container['Configs'] = _references(container.get('Configs'), 'config')
    task['ContainerSpec'] = container
    task['RestartPolicy'] = _restart_policy(task.get('RestartPolicy'))
    task['Networks'] = _networks(task.get('Networks') or spec.get('Networks'), network_names or {})
    placement = dict(task.get('Placement') or {})
    placement.pop('Platforms', None)  # filled by the engine when it resolves the image in a registry
    task['Placement'] = placement
    for name in ENGINE_ONLY_TASK_FIELDS:
        task.pop(name, None)
    out = {
        'Name': spec.get('Name'),
        'Labels': dict(spec.get('Labels') or {}),
        'TaskTemplate': task,
        'Mode': _mode(spec.get('Mode')),
        'UpdateConfig': _update_config(spec.get('UpdateConfig')),
        'RollbackConfig': _update_config(spec.get('RollbackConfig')),
        'EndpointSpec': _endpoint(spec.get('EndpointSpec')),
    }
    result: dict[str, Any] = _strip(out)
    # Replicas: 0 is a real value (a scaled-down service); _strip took it for "empty".
    mode = _mode(spec.get('Mode'))
    if 'Replicated' in mode:
        result['Mode'] = {'Replicated': {'Replicas': mode['Replicated']['Replicas']}}
    return result


def mode_kind(spec: Mapping[str, Any]) -> str:
    """Replicated, Global, ReplicatedJob or GlobalJob: the engine cannot change it in place."""
    return next(iter(_mode(spec.get('Mode'))))


def changed_fields(before: Any, after: Any, prefix: str = '') -> list[str]:
    """Dotted paths where two canonical specs differ (as deep as the first differing mapping level)."""
    if isinstance(before, dict) and isinstance(after, dict):
        paths: list[str] = []
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                sub = prefix + key
                if isinstance(before.get(key), dict) and isinstance(after.get(key), dict):
                    paths.extend(changed_fields(before[key], after[key], sub + '.'))
                else:
                    paths.append(sub)
        return paths
    return [] if before == after else [prefix.rstrip('.') or '(spec)']
