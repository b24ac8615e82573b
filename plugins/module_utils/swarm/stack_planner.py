# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan a stack deployment: desired stack + observed swarm in, list of writes out (pure; private to dockyard.azure).

Rules (the same in check mode and in a real run, so the check-mode plan is the run's plan):

- networks are created when missing and never changed in place (as `docker stack deploy`);
- a config or secret is used under its versioned name; an object of the CLI's unversioned name
  whose content is the same is adopted instead (configs: data compared; secrets: the engine is
  asked to confirm, once, by a label update it refuses when the data differ);
- a service is written only when its canonical spec differs (spec_compare.py); the image keeps
  the engine's resolved digest while the Compose image is unchanged, as the CLI does; a change of
  mode (replicated/global/job) is a recreate, because the engine refuses it in place;
- versions of the stack's configs and secrets that no service uses any more are removed;
  `prune` also removes the stack's services and networks the project no longer has.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.swarm.spec_compare import (
    canonical_spec,
    changed_fields,
    mode_kind,
)
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_model import (
    LABEL_DIGEST,
    LABEL_IMAGE,
    LABEL_NAMESPACE,
    Action,
    DesiredFileObject,
    DesiredStack,
    ObservedSwarm,
    ServicePlan,
    StackPlan,
)


def _labels(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict(((obj.get('Spec') or {}).get('Labels')) or {})


def _in_stack(obj: Mapping[str, Any], stack: str) -> bool:
    labels = obj.get('Labels') if 'Spec' not in obj else _labels(obj)
    return (labels or {}).get(LABEL_NAMESPACE) == stack


def _referenced_objects(spec: Mapping[str, Any]) -> set[tuple[str, str]]:
    container = ((spec.get('TaskTemplate') or {}).get('ContainerSpec')) or {}
    refs = {('secret', r.get('SecretName')) for r in container.get('Secrets') or []}
    refs |= {('config', r.get('ConfigName')) for r in container.get('Configs') or []}
    return {(kind, name) for kind, name in refs if name}


def _referenced_networks(spec: Mapping[str, Any], names: Mapping[str, str]) -> set[str]:
    networks = ((spec.get('TaskTemplate') or {}).get('Networks')) or spec.get('Networks') or []
    return {names.get(n.get('Target'), n.get('Target')) for n in networks}


class _Planner:
    def __init__(self, desired: DesiredStack, observed: ObservedSwarm, prune: bool,
                 secret_checks: Mapping[str, bool]) -> None:
        self.desired = desired
        self.observed = observed
        self.prune = prune
        self.secret_checks = secret_checks
        self.stack = desired.name
        self.plan = StackPlan(stack=desired.name, warnings=list(desired.warnings))
        self.network_names = observed.network_names()
        self.stack_services = observed.stack_services(self.stack)

    def networks(self) -> None:
        for net in self.desired.networks.values():
            if net.external:
                continue
            existing = self.observed.network_by_name(net.name)
            if existing is None:
                self.plan.actions.append(Action('create', 'network', net.name, key=net.key))
                continue
            differences = []
            if (existing.get('Driver') or '') != net.driver:
                differences.append('driver %s -> %s' % (existing.get('Driver'), net.driver))
            if bool(existing.get('Attachable')) != net.attachable:
                differences.append('attachable %s -> %s' % (bool(existing.get('Attachable')), net.attachable))
            if bool(existing.get('Internal')) != net.internal:
                differences.append('internal %s -> %s' % (bool(existing.get('Internal')), net.internal))
            if differences:
                self.plan.warnings.append(
                    'network %s exists with other settings (%s); networks are not changed in place: remove the stack '
                    '(state=absent) and deploy it again to recreate it' % (net.name, ', '.join(differences)))

    def file_object(self, obj: DesiredFileObject) -> None:
        if obj.external:
            self.plan.object_names[(obj.kind, obj.key)] = obj.name
            return
        existing = self.observed.objects(obj.kind)
        name = obj.name
        if obj.name in existing:
            current = _labels(existing[obj.name])
            if current != obj.labels:
                self.plan.actions.append(Action('update', obj.kind, obj.name, key=obj.key, changes=['labels']))
        elif obj.base_name in existing and _in_stack(existing[obj.base_name], self.stack) and self.adoptable(obj, existing[obj.base_name]):
            name = obj.base_name
        else:
            self.plan.actions.append(Action('create', obj.kind, obj.name, key=obj.key))
        self.plan.object_names[(obj.kind, obj.key)] = name

    def adoptable(self, obj: DesiredFileObject, existing: Mapping[str, Any]) -> bool:
        """Whether an object of the CLI's unversioned name holds our content (see the module docstring)."""
        spec = existing.get('Spec') or {}
        if obj.kind == 'config':
            data = base64.b64decode(spec.get('Data') or '')
            return data == obj.data and (spec.get('Templating') or None) == obj.templating
        labels = spec.get('Labels') or {}
        if labels.get(LABEL_DIGEST):
            return labels[LABEL_DIGEST] == obj.digest
        if self.secret_checks.get(obj.base_name) is False:
            return False
        # Unknown content: a label update that carries our data tells (the engine refuses other data).
        self.plan.actions.append(Action('adopt', 'secret', obj.base_name, key=obj.key, changes=['labels']))
        return True

    def final_spec(self, key: str) -> dict[str, Any]:
        service = self.desired.services[key]
        spec = _resolve_names(service.spec, self.plan.object_names, self.desired)
        current = self.stack_services.get(service.name)
        if current is not None:
            current_spec = current.get('Spec') or {}
            if (current_spec.get('Labels') or {}).get(LABEL_IMAGE) == service.image:
                # The CLI's rule: while the Compose image is unchanged, keep what the engine resolved it to.
                engine_image = (((current_spec.get('TaskTemplate') or {}).get('ContainerSpec')) or {}).get('Image')
                if engine_image:
                    spec['TaskTemplate']['ContainerSpec']['Image'] = engine_image
        return spec

    def services(self) -> None:
        for key, service in self.desired.services.items():
            spec = self.final_spec(key)
            after = canonical_spec(spec, self.network_names)
            current = self.stack_services.get(service.name)
            if current is None:
                self.plan.services[key] = ServicePlan(key=key, name=service.name, action='create', spec=spec, after=after)
                self.plan.actions.append(Action('create', 'service', service.name, key=key))
                continue
            before = canonical_spec(current.get('Spec') or {}, self.network_names)
            entry = ServicePlan(key=key, name=service.name, action='none', spec=spec, service_id=current.get('ID'),
                                version=(current.get('Version') or {}).get('Index'), before=before, after=after)
            if before != after:
                entry.changes = changed_fields(before, after)
                entry.action = 'recreate' if mode_kind(current.get('Spec') or {}) != mode_kind(spec) else 'update'
                self.plan.actions.append(Action(entry.action, 'service', service.name, key=key, changes=entry.changes))
            self.plan.services[key] = entry

    def removals(self) -> None:
        desired_names = {s.name for s in self.desired.services.values()}
        removed = set()
        if self.prune:
            for name in sorted(self.stack_services):
                if name not in desired_names:
                    self.plan.actions.append(Action('remove', 'service', name, changes=['not in the project']))
                    removed.add(name)
        # What the remaining services reference after the run.
        in_use: set[tuple[str, str]] = set()
        networks_in_use: set[str] = set()
        for service in self.observed.services:
            name = service['Spec']['Name']
            if name in removed or name in desired_names:
                continue
            in_use |= _referenced_objects(service['Spec'])
            networks_in_use |= _referenced_networks(service['Spec'], self.network_names)
        for entry in self.plan.services.values():
            in_use |= _referenced_objects(entry.spec)
            networks_in_use |= _referenced_networks(entry.spec, self.network_names)
        for kind, items in (('config', self.observed.configs), ('secret', self.observed.secrets)):
            for obj in sorted(items, key=lambda o: o['Spec']['Name']):
                name = obj['Spec']['Name']
                if _in_stack(obj, self.stack) and (kind, name) not in in_use:
                    self.plan.actions.append(Action('remove', kind, name, changes=['no service uses it']))
        if self.prune:
            wanted = {n.name for n in self.desired.networks.values()}
            for net in sorted(self.observed.networks, key=lambda n: n.get('Name') or ''):
                if _in_stack(net, self.stack) and net.get('Name') not in wanted and net.get('Name') not in networks_in_use:
                    self.plan.actions.append(Action('remove', 'network', net['Name'], changes=['not in the project']))

    def ordered(self) -> None:
        order = {('network', 'create'): 0, ('secret', 'adopt'): 1, ('config', 'create'): 2, ('secret', 'create'): 2,
                 ('config', 'update'): 3, ('secret', 'update'): 3, ('service', 'remove'): 4, ('service', 'create'): 5,
                 ('service', 'update'): 5, ('service', 'recreate'): 5, ('config', 'remove'): 6, ('secret', 'remove'): 6,
                 ('network', 'remove'): 7}
        self.plan.actions.sort(key=lambda a: order[(a.kind, a.action)])


def _resolve_names(spec: Mapping[str, Any], names: Mapping[tuple[str, str], str], desired: DesiredStack) -> dict[str, Any]:
    """A copy of `spec` whose config and secret references use the names the plan chose."""
    out = copy.deepcopy(dict(spec))
    container = out['TaskTemplate']['ContainerSpec']
    for kind, field, declared in (('secret', 'SecretName', desired.secrets), ('config', 'ConfigName', desired.configs)):
        by_versioned = {obj.name: obj.key for obj in declared.values()}
        for ref in container.get(kind.capitalize() + 's') or []:
            key = by_versioned.get(ref[field])
            if key is not None and (kind, key) in names:
                ref[field] = names[(kind, key)]
        if container.get(kind.capitalize() + 's'):
            container[kind.capitalize() + 's'].sort(key=lambda r, f=field: r[f])
    return out


def plan_stack(desired: DesiredStack, observed: ObservedSwarm, prune: bool = False,
               secret_checks: Mapping[str, bool] | None = None) -> StackPlan:
    """The writes that make the swarm run `desired`. `secret_checks`: base name -> whether the engine confirmed it."""
    planner = _Planner(desired, observed, prune, secret_checks or {})
    planner.networks()
    for obj in desired.file_objects():
        planner.file_object(obj)
    planner.services()
    planner.removals()
    planner.ordered()
    return planner.plan


def plan_removal(stack: str, observed: ObservedSwarm) -> StackPlan:
    """`docker stack rm`: the stack's services, then its configs, secrets and networks."""
    plan = StackPlan(stack=stack)
    for name in sorted(observed.stack_services(stack)):
        plan.actions.append(Action('remove', 'service', name))
    for kind, items in (('config', observed.configs), ('secret', observed.secrets)):
        for obj in sorted(items, key=lambda o: o['Spec']['Name']):
            if _in_stack(obj, stack):
                plan.actions.append(Action('remove', kind, obj['Spec']['Name']))
    for net in sorted(observed.networks, key=lambda n: n.get('Name') or ''):
        if _in_stack(net, stack):
            plan.actions.append(Action('remove', 'network', net['Name']))
    return plan
