# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of the compose and compose_info modules (private to dockyard.azure).

ComposeManager: options checked (options.ComposeRequest) -> project loaded (loader) -> planned
and applied (engine) -> the module result. ComposeInfoManager: the projects of an engine, or one
project's services, networks and volumes (state). Both get a DockerContext from their module and
touch the engine only through it, on first use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels, planner, state
from ansible_collections.dockyard.azure.plugins.module_utils.compose.engine import ComposeEngine
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError, ComposeOptionError
from ansible_collections.dockyard.azure.plugins.module_utils.compose.loader import load_project
from ansible_collections.dockyard.azure.plugins.module_utils.compose.options import PROJECT_NAME, ComposeRequest
from ansible_collections.dockyard.azure.plugins.module_utils.compose.types import Model

if TYPE_CHECKING:
    from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerContext


class ComposeManager:
    """Converge one Compose project as the compose module's parameters ask."""

    def __init__(self, context: DockerContext, params: Mapping[str, Any]) -> None:
        self.context = context
        self.request = ComposeRequest.from_params(params)  # bad options fail before anything is read

    def run(self) -> dict[str, Any]:
        request = self.request
        model, all_service_names = self._load()
        project: str = model.get('name') or request.project_name or ''
        working_dir, config_files, env_files = labels.project_paths(request.project_src, request.files,
                                                                    request.env_files)
        meta = {'working_dir': working_dir, 'config_files': config_files, 'environment_files': env_files}
        environment = self.environment

        engine = ComposeEngine(self.context.client, check_mode=self.context.check_mode, warn=self.context.warn,
                               registry_auth=request.registry_auth())
        result: dict[str, Any] = {'changed': False, 'project_name': project}
        try:
            plan, observed = engine.run(project, model, request.plan_options(all_service_names), meta,
                                        environment=environment, timeout=request.stop_timeout, wait=request.wait,
                                        wait_timeout=request.wait_timeout, lock_timeout=request.lock_timeout)
            result.update(changed=engine.changed, actions=plan['actions'], lock_waited=round(engine.lock_waited, 1))
            result['services'] = state.describe(self.context.client, project, sorted(model.get('services') or {}))
        except ComposeError as exc:
            # A failed run may have changed the engine already: the failure says so.
            exc.extra.update(result, changed=engine.changed)
            raise
        if self.context.diff:
            before, after = planner.diff(plan, observed)
            result['diff'] = dict(before=before, after=after)
        return result

    @property
    def environment(self) -> dict[str, str]:
        """The variables Compose sees: the module's process environment, the `environment` option on top.

        The loader (interpolation, ``~``, ``COMPOSE_*``) and the engine get the same mapping: handing the
        loader the option alone would hide HOME, PATH and every other variable of the process.
        """
        environment = dict(os.environ)
        environment.update({str(k): '' if v is None else str(v) for k, v in (self.request.environment or {}).items()})
        return environment

    def _load(self) -> tuple[Model, list[str] | None]:
        """The model, and the services of every profile when orphans must be told apart (else None)."""
        request = self.request
        if not request.has_source:
            return {'name': request.project_name, 'services': {}}, None
        environment = self.environment
        model = load_project(**request.load_arguments(environment=environment))
        all_service_names = None
        if request.remove_orphans or request.state == 'absent':
            try:
                everything = load_project(**request.load_arguments(profiles=['*'], environment=environment))
            except ComposeError:
                pass  # a service of another profile that does not load is no reason to fail this run
            else:
                all_service_names = list(everything.get('services') or {})
        return model, all_service_names


class ComposeInfoManager:
    """The Compose projects of an engine, or what one project has there (reads only)."""

    def __init__(self, context: DockerContext, project_name: str | None) -> None:
        if project_name is not None and not PROJECT_NAME.match(project_name):
            raise ComposeOptionError('project_name %r is not a Compose project name: lowercase letters, digits, dashes '
                                     'and underscores, starting with a letter or digit' % project_name, option='project_name')
        self.context = context
        self.project_name = project_name

    def run(self) -> dict[str, Any]:
        client = self.context.client
        name = self.project_name
        if not name:
            return dict(changed=False, projects=state.list_projects(client))
        observed = state.observe(client, name, with_images=False)
        services = state.describe(client, name)
        return dict(changed=False, project_name=name, services=services,
                    networks=sorted(observed['networks']), volumes=sorted(observed['volumes']),
                    exists=bool(services or observed['networks'] or observed['volumes']))
