# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compose planner: normalized model + observed engine state in, plan out (private to dockyard.azure).

Pure: no Docker SDK, no I/O.  The engine observes the engine (compose/state.py), calls
:func:`make_plan`, and applies what it returns; check mode returns the same plan without
applying it.  The shapes of the observed state and of the plan are in compose/types.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.compose import hashing, spec
from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels as L
from ansible_collections.dockyard.azure.plugins.module_utils.compose._dependencies import dependency_order
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import PlanError, SpecError
from ansible_collections.dockyard.azure.plugins.module_utils.compose.options import plan_options
from ansible_collections.dockyard.azure.plugins.module_utils.compose.types import Action, Model, ObservedState, Plan


def service_order(services):
    """Service names in dependency order (dependencies first, then by name)."""
    names = sorted(services)
    deps = {}
    for name in names:
        wanted = set()
        for dep, cfg in (services[name].get('depends_on') or {}).items():
            if dep in services:
                wanted.add(dep)
            elif (cfg or {}).get('required', True):
                raise PlanError('services.%s.depends_on: service %s is not enabled in this project' % (name, dep))
        deps[name] = wanted
    ordered, cycle = dependency_order(deps)
    if cycle:
        raise PlanError('services: dependency cycle %s' % ' -> '.join(cycle))
    return ordered


def select_services(services, wanted=None):
    """The wanted services plus everything they depend on (all services when wanted is empty)."""
    if not wanted:
        return set(services)
    missing = [w for w in wanted if w not in services]
    if missing:
        raise PlanError('services: no such service: %s' % ', '.join(sorted(missing)))
    selected, stack = set(), list(wanted)
    while stack:
        name = stack.pop()
        if name in selected:
            continue
        selected.add(name)
        stack.extend(d for d in (services[name].get('depends_on') or {}) if d in services)
    return selected


def resolve_references(service, container_ids):
    """The service with ``service:x`` references replaced by ``container:<id>``, as Compose hashes it.

    ``container_ids`` maps a service name to the ID of its first container.  Returns ``None`` when a
    referenced service has no container yet (its ID, hence the hash, is not known before it is created).
    """
    mode = service.get('network_mode') or ''
    volumes_from = service.get('volumes_from') or []
    if not mode.startswith('service:') and not any(not v.startswith('container:') for v in volumes_from):
        return service
    resolved = dict(service)
    if mode.startswith('service:'):
        cid = container_ids.get(mode[len('service:'):])
        if not cid:
            return None
        resolved['network_mode'] = 'container:' + cid
    if volumes_from:
        out = []
        for entry in volumes_from:
            if entry.startswith('container:'):
                out.append(entry)
                continue
            name, sep, rest = entry.partition(':')
            cid = container_ids.get(name)
            if not cid:
                return None
            out.append('container:' + cid + sep + rest)
        resolved['volumes_from'] = out
    return resolved


def desired_replicas(name, service, scale=None):
    if scale and name in scale and scale[name] is not None:
        value = int(scale[name])
    elif service.get('scale') is not None:
        value = int(service['scale'])
    elif (service.get('deploy') or {}).get('replicas') is not None:
        value = int(service['deploy']['replicas'])
    else:
        value = 1
    if value < 0:
        raise PlanError('scale.%s must be 0 or more, got %d' % (name, value))
    if value > 1 and service.get('container_name'):
        raise PlanError('services.%s: container_name %s cannot be used with scale %d'
                        % (name, service['container_name'], value))
    return value


def pull_policy(service, option):
    if option and option != 'policy':
        return option
    policy = service.get('pull_policy') or 'missing'
    if policy == 'if_not_present':
        return 'missing'
    if policy in ('always', 'never', 'missing', 'build'):
        return policy
    return 'missing'  # daily / weekly / every_* : treated as missing


def image_actions(project, services, selected, images, options):
    """[{'action': 'pull'|'build', 'service', 'image'}] and missing-image errors."""
    actions, seen = [], set()
    for name in sorted(selected):
        service = services[name]
        ref = spec.image_ref(project, name, service)
        present = images.get(ref) is not None
        policy = pull_policy(service, options['pull'])
        build_opt = options['build']
        action = None
        if service.get('build') is not None and build_opt != 'never' and (
                build_opt == 'always' or policy == 'build' or not present):
            action = 'build'
        if action is None:
            if policy == 'always' or (policy == 'build' and service.get('build') is None):
                action = 'pull'
            elif not present:
                if policy == 'never':
                    raise PlanError('services.%s.image: %s is not present on the engine and pull is never'
                                    % (name, ref))
                if service.get('image') is None:
                    raise PlanError('services.%s: image %s must be built, but build is never' % (name, ref))
                action = 'pull'
        if action and (action, ref) not in seen:
            seen.add((action, ref))
            actions.append({'action': action, 'type': 'image', 'name': ref, 'service': name})
    return actions


def _resource_actions(project, model, observed, kind, missing_external, config_hash, existing_action):
    """Actions for the project's networks or volumes (`kind`): create the missing ones.

    External ones are not the project's to create: they must exist (`missing_external` % (key, name)
    is the error). For one that exists, `existing_action(real, key, labels, expected_hash)` says
    what to do (an action, or None).
    """
    actions = []
    singular = kind[:-1]
    for key in sorted(model.get(kind) or {}):
        declared = model[kind][key] or {}
        real = declared.get('name') or '%s_%s' % (project, key)
        existing = (observed.get(kind) or {}).get(real)
        if declared.get('external'):
            if existing is None:
                raise PlanError(missing_external % (key, real))
            continue
        expected = config_hash(declared)
        if existing is None:
            actions.append({'action': 'create', 'type': singular, 'name': real, 'key': key, 'config_hash': expected})
            continue
        action = existing_action(real, key, existing.get('labels') or {}, expected)
        if action:
            actions.append(action)
    return actions


def _network_actions(project, model, observed, warnings):
    def existing_network(real, key, labels, expected):
        if labels.get(L.PROJECT) not in (None, project) or (L.PROJECT not in labels):
            warnings.append('network %s already exists and was not created by project %s; using it as is'
                            % (real, project))
            return None
        current = labels.get(L.CONFIG_HASH)
        if current and current != expected:
            return {'action': 'recreate', 'type': 'network', 'name': real, 'key': key,
                    'config_hash': expected, 'reason': 'network configuration changed'}
        return None

    return _resource_actions(project, model, observed, 'networks',
                             'networks.%s: network %s declared as external, but could not be found',
                             hashing.network_hash, existing_network)


def duplicate_network_actions(project: str, observed: ObservedState, warnings: list[str]) -> list[Action]:
    """Remove the extra networks a past race left with the name of one of the project's networks.

    The engine cannot start a container on a network whose name is ambiguous, so they go first. The
    network kept is the one with the most containers (state.observe chose it); the containers of the
    others are moved to it. Networks of that name that are not the project's are not ours to remove.
    """
    actions: list[Action] = []
    for duplicate in observed.get('duplicate_networks') or []:
        name = duplicate['name']
        kept: Mapping[str, Any] = (observed.get('networks') or {}).get(name) or {}
        labels = duplicate.get('labels') or {}
        if labels.get(L.PROJECT) != project or (kept.get('labels') or {}).get(L.PROJECT) != project:
            raise PlanError('network %s is ambiguous: several networks have this name and not all of them belong to '
                            'project %s (IDs %s, %s); remove the extra ones with docker network rm <ID>'
                            % (name, project, (kept.get('id') or '?')[:12], duplicate['id'][:12]))
        moved = duplicate.get('containers') or []
        warnings.append('network %s exists twice (a concurrent run left a duplicate): removing %s%s and keeping %s'
                        % (name, duplicate['id'][:12], ', after moving its containers %s to the network kept,'
                           % ', '.join(c[:12] for c in moved) if moved else ' (empty)', (kept.get('id') or '?')[:12]))
        actions.append({'action': 'remove', 'type': 'network', 'name': name, 'id': duplicate['id'], 'key': labels.get(L.NETWORK),
                        'reason': 'duplicate of network %s' % (kept.get('id') or '?')[:12]})
    return actions


def _volume_actions(project, model, observed, warnings):
    def existing_volume(real, key, labels, expected):
        # Compose never recreates a volume (its data would go): it only warns.
        if labels.get(L.PROJECT) != project:
            warnings.append('volume %s already exists but was not created by Compose for project %s; '
                            'use external: true to use an existing volume' % (real, project))
        elif labels.get(L.CONFIG_HASH) and labels[L.CONFIG_HASH] != expected:
            warnings.append('volume %s exists but does not match the configuration in the compose file; '
                            'it is kept as is (remove it to apply the new configuration)' % real)
        return None

    return _resource_actions(project, model, observed, 'volumes', 'volumes.%s: external volume %s not found',
                             hashing.volume_hash, existing_volume)


def _containers_by_service(observed):
    grouped = {}
    for c in observed.get('containers') or []:
        if c.get('oneoff'):
            continue
        grouped.setdefault(c.get('service'), []).append(c)
    for items in grouped.values():
        items.sort(key=lambda c: (c.get('number') or 0, c.get('name') or ''))
    return grouped


def _completed_ok(container):
    return container.get('state') == 'exited' and container.get('exit_code') == 0


def make_plan(project: str, model: Model | None, observed: ObservedState,
              options: Mapping[str, Any] | None = None) -> Plan:
    """The plan for one run: what to pull/build, create, recreate, start, stop and remove.

    Returns a dict with ``images``, ``networks``, ``volumes``, ``services`` (per service:
    ``order``, ``replicas``, ``config_hash``, ``image``, ``containers`` with one action each),
    ``orphans``, ``actions`` (flat list, in execution order), ``warnings`` and ``changed``.
    """
    opts = plan_options(options)
    state = opts['state']
    model = model or {}
    services = model.get('services') or {}
    images = observed.get('images') or {}
    warnings: list[str] = []
    for name in sorted(services):
        try:
            spec.check_service(name, services[name])
        except SpecError as exc:
            raise PlanError(str(exc)) from exc
    for name in (opts['scale'] or {}):
        if name not in services:
            raise PlanError('scale: no such service: %s' % name)

    order = service_order(services)
    selected = select_services(services, opts['services'])
    grouped = _containers_by_service(observed)
    plan: Plan = {'project': project, 'state': state, 'images': [], 'networks': [], 'volumes': [], 'services': {},
                  'orphans': [], 'warnings': warnings, 'actions': [], 'changed': False}

    known = set(services) | set(opts['all_service_names'] or [])
    orphan_containers = []
    for svc, items in sorted(grouped.items()):
        if svc not in known:
            orphan_containers.extend(items)

    if state == 'absent':
        _plan_absent(project, model, observed, opts, plan, grouped, selected, order)
        return _finish(plan)

    if state == 'present' or state == 'restarted':
        plan['images'] = image_actions(project, services, selected, images, opts)
        plan['networks'] = (duplicate_network_actions(project, observed, warnings)
                            + _network_actions(project, model, observed, warnings))
        plan['volumes'] = _volume_actions(project, model, observed, warnings)
    pending_images = {a['name'] for a in plan['images']}
    recreated_networks = {a['name'] for a in plan['networks'] if a['action'] == 'recreate'}

    changed_services: set[str] = set()
    first_ids: dict[str, Any] = {}
    completion_deps: set[str] = set()
    for name in order:
        for dep, cfg in (services[name].get('depends_on') or {}).items():
            if (cfg or {}).get('condition') == 'service_completed_successfully':
                completion_deps.add(dep)

    for index, name in enumerate(order):
        if name not in selected:
            continue
        service = services[name]
        ref = spec.image_ref(project, name, service)
        replicas = desired_replicas(name, service, opts['scale'])
        resolved = resolve_references(service, first_ids)
        expected_hash = hashing.service_hash(resolved) if resolved is not None else None
        image_id = images.get(ref)
        existing = grouped.get(name, [])
        entries = []
        seen_numbers = set()
        kept = []
        existing = sorted(existing, key=lambda c: (c.get('number') or 0,
                                                   c.get('name') != L.container_name(project, name, c.get('number')
                                                                                     or 0, service),
                                                   c.get('name') or ''))
        for c in existing:
            if c.get('number') in seen_numbers:
                entries.append(_entry('remove', c, name, 'duplicate container number %s' % c.get('number')))
                continue
            seen_numbers.add(c.get('number'))
            kept.append(c)
        dep_recreated = []
        for dep, cfg in (service.get('depends_on') or {}).items():
            if dep in changed_services and (cfg or {}).get('restart'):
                dep_recreated.append(dep)
        net_mode = service.get('network_mode') or ''
        net_service = net_mode[len('service:'):] if net_mode.startswith('service:') else None
        for i, c in enumerate(kept):
            if state == 'stopped':
                if c.get('state') in ('running', 'restarting', 'paused'):
                    entries.append(_entry('stop', c, name, 'state is stopped'))
                else:
                    entries.append(_entry('noop', c, name))
                continue
            if i >= replicas:
                entries.append(_entry('remove', c, name, 'scale down to %d' % replicas))
                continue
            reason = _recreate_reason(c, opts['recreate'], expected_hash, ref, image_id, pending_images,
                                      recreated_networks)
            if reason is None and net_service and net_service in changed_services:
                reason = 'network_mode service %s gets a new container' % net_service
            if reason:
                entries.append(_entry('recreate', c, name, reason))
            elif c.get('state') in ('running',) or (_completed_ok(c) and name in completion_deps):
                if state == 'restarted' or dep_recreated:
                    entries.append(_entry('restart', c, name, 'state is restarted' if state == 'restarted'
                                          else 'dependency %s changed' % ', '.join(sorted(dep_recreated))))
                else:
                    entries.append(_entry('noop', c, name))
            elif c.get('state') == 'paused':
                entries.append(_entry('unpause', c, name, 'container is paused'))
            else:
                entries.append(_entry('start', c, name, 'container is %s' % c.get('state')))
        if state != 'stopped':
            next_number = max([c.get('number') or 0 for c in existing] + [0]) + 1
            for _unused in range(len(kept), replicas):
                cname = L.container_name(project, name, next_number, service)
                entries.append({'action': 'create', 'type': 'container', 'name': cname, 'service': name,
                                'number': next_number, 'id': None,
                                'reason': 'scale up to %d' % replicas if kept else 'no container'})
                next_number += 1
        if any(e['action'] in ('create', 'recreate') for e in entries):
            changed_services.add(name)
        else:
            kept_ids = [e['id'] for e in entries if e['action'] != 'remove' and e.get('id')]
            if kept_ids:
                first_ids[name] = kept_ids[0]
        plan['services'][name] = {
            'order': index, 'replicas': replicas if state != 'stopped' else 0, 'config_hash': expected_hash,
            'image': ref, 'image_id': image_id, 'depends_on': service.get('depends_on') or {},
            'containers': entries,
        }

    if orphan_containers:
        if opts['remove_orphans'] and state in ('present', 'restarted'):
            plan['orphans'] = [_entry('remove', c, c.get('service'), 'orphan') for c in orphan_containers]
        else:
            warnings.append('Found orphan containers (%s) for this project. If you removed or renamed this '
                            'service in your compose file, you can run this module with remove_orphans=true '
                            'to clean it up.' % ', '.join(c.get('name') for c in orphan_containers))
    return _finish(plan)


def _recreate_reason(container, policy, expected_hash, ref, image_id, pending_images, recreated_networks):
    if policy == 'never':
        return None
    if policy == 'always':
        return 'recreate is always'
    if expected_hash is None:
        return 'a service it refers to (network_mode or volumes_from) gets a new container'
    if container.get('config_hash') != expected_hash:
        return 'configuration changed'
    if ref in pending_images and image_id is None:
        return 'image %s will be pulled or built' % ref
    if image_id is not None and container.get('image_label') and container['image_label'] != image_id:
        return 'image %s changed' % ref
    for net in container.get('networks') or []:
        if net in recreated_networks:
            return 'network %s is recreated' % net
    return None


def _entry(action, container, service, reason=None) -> Action:
    entry: Action = {'action': action, 'type': 'container', 'name': container.get('name'), 'service': service,
                     'number': container.get('number'), 'id': container.get('id')}
    if reason:
        entry['reason'] = reason
    return entry


def _plan_absent(project, model, observed, opts, plan, grouped, selected, order):
    services = model.get('services') or {}
    partial = bool(opts['services'])
    ordered = list(reversed(order))
    others = sorted(s for s in grouped if s not in services)
    for name in ordered + others:
        if partial and name not in selected:
            continue
        entries = [_entry('remove', c, name, 'state is absent') for c in grouped.get(name, [])]
        plan['services'][name] = {'order': len(plan['services']), 'replicas': 0, 'containers': entries,
                                  'depends_on': {}}
    if partial:
        return
    oneoffs = [c for c in observed.get('containers') or [] if c.get('oneoff')]
    plan['orphans'] = [_entry('remove', c, c.get('service'), 'one-off container') for c in oneoffs]
    declared_external = set()
    for key, net in (model.get('networks') or {}).items():
        if (net or {}).get('external'):
            declared_external.add((net or {}).get('name') or key)
    for real in sorted(observed.get('networks') or {}):
        labels = observed['networks'][real].get('labels') or {}
        if labels.get(L.PROJECT) == project and real not in declared_external:
            plan['networks'].append({'action': 'remove', 'type': 'network', 'name': real, 'id': observed['networks'][real].get('id'),
                                     'key': labels.get(L.NETWORK)})
    for duplicate in observed.get('duplicate_networks') or []:
        labels = duplicate.get('labels') or {}
        if labels.get(L.PROJECT) == project and duplicate['name'] not in declared_external:
            plan['networks'].append({'action': 'remove', 'type': 'network', 'name': duplicate['name'], 'id': duplicate['id'],
                                     'key': labels.get(L.NETWORK), 'reason': 'duplicate network'})
    if opts['remove_volumes']:
        for real in sorted(observed.get('volumes') or {}):
            labels = observed['volumes'][real].get('labels') or {}
            if labels.get(L.PROJECT) == project:
                plan['volumes'].append({'action': 'remove', 'type': 'volume', 'name': real,
                                        'key': labels.get(L.VOLUME)})
    if opts['remove_images']:
        seen = set()
        for name in order:
            service = services[name]
            if opts['remove_images'] == 'local' and service.get('image'):
                continue
            ref = spec.image_ref(project, name, service)
            if ref in seen or (observed.get('images') or {}).get(ref) is None:
                continue
            seen.add(ref)
            plan['images'].append({'action': 'remove', 'type': 'image', 'name': ref, 'service': name})


def _finish(plan: Plan) -> Plan:
    actions: list[Action] = []
    actions.extend(a for a in plan['images'] if a['action'] != 'remove')
    actions.extend(plan['networks'] if plan['state'] != 'absent' else [])
    actions.extend(plan['volumes'] if plan['state'] != 'absent' else [])
    for _name, svc in sorted(plan['services'].items(), key=lambda kv: kv[1]['order']):
        actions.extend(e for e in svc['containers'] if e['action'] != 'noop')
    actions.extend(plan['orphans'])
    if plan['state'] == 'absent':
        actions.extend(plan['networks'])
        actions.extend(plan['volumes'])
        actions.extend(a for a in plan['images'] if a['action'] == 'remove')
    plan['actions'] = actions
    plan['changed'] = bool(actions)
    return plan


def diff(plan: Plan, observed: ObservedState) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per-service before/after summaries for diff mode."""
    before: dict[Any, Any] = {}
    after: dict[Any, Any] = {}
    by_id: dict[Any, Mapping[str, Any]] = {c.get('id'): c for c in observed.get('containers') or []}
    for name, svc in sorted(plan['services'].items()):
        b: dict[str, Any] = {}
        a: dict[str, Any] = {}
        for e in svc['containers']:
            current = by_id.get(e.get('id')) if e.get('id') else None
            if current is not None:
                b[e['name']] = {'state': current.get('state'), 'config_hash': current.get('config_hash'),
                                'image': current.get('image_label')}
            if e['action'] == 'remove':
                continue
            if e['action'] in ('create', 'recreate'):
                a[e['name']] = {'state': 'running', 'config_hash': svc.get('config_hash'),
                                'image': svc.get('image_id') or svc.get('image')}
            elif e['action'] == 'stop':
                a[e['name']] = dict(b[e['name']], state='exited')
            elif current is not None:
                a[e['name']] = dict(b[e['name']], state='running' if e['action'] != 'noop'
                                    else current.get('state'))
        before[name] = {'containers': b}
        after[name] = {'containers': a}
    for entry in plan['orphans']:
        orphan = by_id.get(entry.get('id')) or {}
        before.setdefault(entry['service'], {'containers': {}})['containers'][entry['name']] = {
            'state': orphan.get('state'), 'config_hash': orphan.get('config_hash'),
            'image': orphan.get('image_label')}
        after.setdefault(entry['service'], {'containers': {}})
    networks_before = sorted(observed.get('networks') or {})
    volumes_before = sorted(observed.get('volumes') or {})
    networks_after = set(networks_before)
    volumes_after = set(volumes_before)
    for action in plan['networks']:
        if action['action'] == 'remove' and plan['state'] != 'absent':
            continue  # a duplicate goes, the network of that name stays
        (networks_after.discard if action['action'] == 'remove' else networks_after.add)(action['name'])
    for action in plan['volumes']:
        (volumes_after.discard if action['action'] == 'remove' else volumes_after.add)(action['name'])
    return ({'services': before, 'networks': networks_before, 'volumes': volumes_before},
            {'services': after, 'networks': sorted(networks_after), 'volumes': sorted(volumes_after)})
