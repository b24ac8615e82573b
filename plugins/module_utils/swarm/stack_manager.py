# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `stack` module's work: load, translate, check, plan, apply, wait (private to dockyard.azure).

    load_project (compose/loader.py)  ->  convert_project  ->  observe (one read of the manager)
    ->  check_stack  ->  plan_stack  ->  [check mode stops here]  ->  apply  ->  wait

Everything that can be refused is refused before the first write; the plan returned in check
mode is the list of writes a real run performs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.compose.loader import ComposeError, load_project
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.errors import StackInputError
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_checks import check_stack
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_convert import convert_project
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_engine import StackEngine, node_names, observe
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_model import DesiredStack, StackPlan
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_planner import plan_removal, plan_stack

STACK_NAME = re.compile(r'^[a-z0-9][a-z0-9_-]*$')


def load_stack(params: Mapping[str, Any]) -> DesiredStack:
    """The project of the module's options, as a stack named `name` (StackInputError on any problem)."""
    name = params['name']
    if not STACK_NAME.match(name or ''):
        raise StackInputError('name: %r is not a valid stack name: lowercase letters, digits, "-" and "_", starting with a '
                              'letter or digit' % name, option='name')
    environment = dict(os.environ)
    environment.update({str(k): '' if v is None else str(v) for k, v in (params.get('environment') or {}).items()})
    if params.get('project_src') and not os.path.isdir(params['project_src']):
        raise StackInputError('project_src: %s is not a directory' % params['project_src'], option='project_src')
    try:
        model = load_project(project_dir=params.get('project_src'), files=params.get('files'),
                             content=params.get('definition'), project_name=name, env_files=params.get('env_files'),
                             environment=environment, profiles=params.get('profiles'))
    except ComposeError as exc:
        raise StackInputError('Compose project: %s' % exc, option='definition' if params.get('definition') else 'files') from exc
    return convert_project(model, name, environment)


def _service_summary(service: Mapping[str, Any]) -> dict[str, Any]:
    spec = service.get('Spec') or {}
    mode = spec.get('Mode') or {}
    kind = next(iter(mode), 'Replicated')
    replicas = (mode.get('Replicated') or {}).get('Replicas') if kind == 'Replicated' else None
    return {'id': service.get('ID'), 'version': (service.get('Version') or {}).get('Index'),
            'mode': {'Replicated': 'replicated', 'Global': 'global', 'ReplicatedJob': 'replicated-job',
                     'GlobalJob': 'global-job'}.get(kind, kind),
            'replicas': replicas, 'image': ((spec.get('TaskTemplate') or {}).get('ContainerSpec') or {}).get('Image')}


class StackManager:
    """Runs one `stack` task. `client_factory` builds the manager's API client on first use."""

    def __init__(self, client_factory: Callable[[], Any], params: Mapping[str, Any], check_mode: bool = False,
                 diff: bool = False, warn: Callable[[str], None] | None = None,
                 engine_factory: Callable[[Any], StackEngine] = StackEngine) -> None:
        self.client_factory = client_factory
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.warn = warn or (lambda message: None)
        self.engine_factory = engine_factory

    def run(self) -> dict[str, Any]:
        if self.params['state'] == 'absent':
            return self.remove()
        has_source = self.params.get('project_src') or self.params.get('files') or self.params.get('definition')
        if not has_source:
            raise StackInputError('state=present needs project_src, files or definition', option='state')
        desired = load_stack(self.params)
        client = self.client_factory()
        observed = observe(client)
        check_stack(desired, observed, prune=bool(self.params.get('prune')))
        plan = plan_stack(desired, observed, prune=bool(self.params.get('prune')))
        for message in plan.warnings:
            self.warn(message)
        engine = self.engine_factory(client)
        if not self.check_mode and plan.of('secret', 'adopt'):
            confirmed = engine.confirm_secrets(plan, desired, observed)
            if not all(confirmed.values()):
                plan = plan_stack(desired, observed, prune=bool(self.params.get('prune')), secret_checks=confirmed)
        if not self.check_mode and plan.changed:
            try:
                try:
                    engine.apply(plan, desired, observed)
                finally:
                    plan.actions.extend(engine.extra_actions)
                if self.params.get('wait', True):
                    engine.wait(float(self.params.get('wait_timeout') or 300), node_names(observed))
            except DockyardError as exc:
                # Part of the plan was written: say so, and what the plan was.
                exc.extra.setdefault('changed', engine.writes > 0)
                exc.extra.setdefault('actions', [a.as_dict() for a in plan.actions])
                raise
        return self.result(plan, client, observed, desired)

    def result(self, plan: StackPlan, client: Any, observed: Any, desired: DesiredStack) -> dict[str, Any]:
        services = observed.stack_services(plan.stack)
        if not self.check_mode and plan.changed:
            services = {s['Spec']['Name']: s for s in client.services(filters={'label': 'com.docker.stack.namespace=%s'
                                                                                        % plan.stack})}
        summary = []
        for key, entry in plan.services.items():
            item: dict[str, Any] = {'key': key, 'name': entry.name, 'action': entry.action, 'changes': list(entry.changes)}
            if entry.name in services:
                item.update(_service_summary(services[entry.name]))
            else:
                item.update({'id': None, 'version': None, 'mode': None, 'replicas': None, 'image': desired.services[key].image})
            summary.append(item)
        result: dict[str, Any] = {'changed': plan.changed, 'stack': plan.stack,
                                  'actions': [a.as_dict() for a in plan.actions], 'services': summary}
        if self.diff:
            result['diff'] = [{'before_header': 'service %s' % entry.name, 'after_header': 'service %s' % entry.name,
                               'before': entry.before, 'after': entry.after}
                              for entry in plan.services.values() if entry.action != 'none'] + [
                {'before_header': 'service %s' % a.name, 'after_header': '(removed)', 'before': {'name': a.name}, 'after': {}}
                for a in plan.of('service', 'remove')]
        return result

    def remove(self) -> dict[str, Any]:
        name = self.params['name']
        if not STACK_NAME.match(name or ''):
            raise StackInputError('name: %r is not a valid stack name' % name, option='name')
        client = self.client_factory()
        observed = observe(client)
        plan = plan_removal(name, observed)
        if not self.check_mode and plan.changed:
            engine = self.engine_factory(client)
            engine.remove(plan, observed, float(self.params.get('wait_timeout') or 300))
            # A network only the manager still listed was not removed by this run: not a change.
            plan.actions = [a for a in plan.actions if a not in engine.already_gone]
        result: dict[str, Any] = {'changed': plan.changed, 'stack': name, 'actions': [a.as_dict() for a in plan.actions],
                                  'services': []}
        if self.diff:
            result['diff'] = {'before': {'services': sorted(observed.stack_services(name))}, 'after': {'services': []}}
        return result
