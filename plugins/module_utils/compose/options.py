# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of a Compose run and their checks (private to dockyard.azure).

Every check that needs the options alone lives here, before anything is loaded or any engine is
touched: the compose module's combinations (ComposeRequest) and the planner's own
(plan_options). Checks that need the model (a scaled service that does not exist, a fixed
container_name with replicas) stay in the planner. Each error names its option.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from ansible_collections.dockyard.azure.plugins.module_utils.compose._paths import DEFAULT_FILES
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeOptionError, PlanError
from ansible_collections.dockyard.azure.plugins.module_utils.compose.types import PlanOptions

STATES = ('present', 'stopped', 'restarted', 'absent')
PULL = ('policy', 'missing', 'always', 'never')
BUILD = ('never', 'missing', 'always')
RECREATE = ('auto', 'always', 'never')
REMOVE_IMAGES = ('all', 'local')
# What Compose accepts as a project name.
PROJECT_NAME = re.compile(r'^[a-z0-9][a-z0-9_-]*$')

DEFAULT_OPTIONS: PlanOptions = dict(
    state='present',
    recreate='auto',
    pull='policy',
    build='missing',
    remove_orphans=False,
    scale=None,
    services=None,
    remove_volumes=False,
    remove_images=None,
    all_service_names=None,
)


def plan_options(options: Mapping[str, Any] | None) -> PlanOptions:
    """`options` over DEFAULT_OPTIONS (None means the default), checked."""
    opts: dict[str, Any] = dict(DEFAULT_OPTIONS)
    opts.update({k: v for k, v in (options or {}).items() if v is not None})
    if opts['state'] not in STATES:
        raise PlanError('state must be one of present, stopped, restarted, absent', option='state')
    if opts['recreate'] not in RECREATE:
        raise PlanError('recreate must be one of auto, always, never', option='recreate')
    return cast(PlanOptions, opts)  # the keys are DEFAULT_OPTIONS' own


@dataclass(frozen=True)
class ComposeRequest:
    """What the compose module was asked to do, checked as a whole (from_params)."""

    project_src: str | None = None
    files: list[str] | None = None
    definition: dict[str, Any] | None = None
    project_name: str | None = None
    env_files: list[str] | None = None
    environment: dict[str, Any] | None = None
    profiles: list[str] | None = None
    services: list[str] | None = None
    state: str = 'present'
    pull: str = 'policy'
    build: str = 'missing'
    recreate: str = 'auto'
    remove_orphans: bool = False
    scale: dict[str, Any] | None = None
    wait: bool = False
    wait_timeout: int = 300
    stop_timeout: int | None = None
    remove_volumes: bool = False
    remove_images: str | None = None
    lock_timeout: int = 600
    registries: list[dict[str, Any]] | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ComposeRequest:
        """The request for the module's parameters (extra keys, such as the connection options, are ignored)."""
        request = cls(**{name: params[name] for name in cls.__dataclass_fields__ if name in params})
        request.check()
        return request

    @property
    def has_source(self) -> bool:
        """Whether the project comes with files or a definition (else only its name is known)."""
        return bool(self.project_src or self.files or self.definition)

    def check(self) -> None:
        """Raise ComposeOptionError, naming the option, for a combination that cannot work."""
        if not self.has_source and self.state != 'absent':
            raise ComposeOptionError('state=%s needs project_src, files or definition; project_name alone is enough '
                                     'only with state=absent' % self.state, option='state')
        for name, value in (self.scale or {}).items():
            try:
                if int(value) < 0:
                    raise ValueError(value)
            except (TypeError, ValueError):
                raise ComposeOptionError('scale.%s must be a number of containers (0 or more), got %r' % (name, value),
                                         option='scale') from None
        for name in ('wait_timeout', 'lock_timeout', 'stop_timeout'):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ComposeOptionError('%s must be 0 or more seconds, got %s' % (name, value), option=name)
        if (self.remove_volumes or self.remove_images) and self.state != 'absent':
            raise ComposeOptionError('remove_volumes and remove_images apply to state=absent only',
                                     option='remove_volumes' if self.remove_volumes else 'remove_images')
        if self.project_name is not None and not PROJECT_NAME.match(self.project_name):
            # Checked here even for state=absent, where nothing is loaded: the name becomes label filters and paths.
            raise ComposeOptionError('project_name %r is not a Compose project name: lowercase letters, digits, dashes '
                                     'and underscores, starting with a letter or digit' % self.project_name,
                                     option='project_name')
        if self.project_src and not os.path.isdir(self.project_src):
            raise ComposeOptionError('project_src: %s is not a directory' % self.project_src, option='project_src')
        if self.project_src and self.definition is not None:
            # With a definition, project_src is only the working directory (relative paths, .env): a Compose
            # file there would silently lose against the definition, so both may not define the project.
            found = [name for name in DEFAULT_FILES if os.path.isfile(os.path.join(self.project_src, name))]
            if found:
                raise ComposeOptionError('definition and project_src both define the project (%s holds %s): with definition, '
                                         'project_src is only the working directory; remove one of them'
                                         % (self.project_src, ', '.join(found)), option='definition')
        self.registry_auth()

    def registry_auth(self) -> dict[str, dict[str, str]]:
        """Registry host -> the credentials the engine pulls from it with (the `registries` option)."""
        auth: dict[str, dict[str, str]] = {}
        for index, entry in enumerate(self.registries or []):
            if not all(entry.get(key) for key in ('server', 'username', 'password')):
                raise ComposeOptionError('registries[%d] needs server, username and password' % index,
                                         option='registries')
            server = str(entry['server']).strip().rstrip('/')
            for prefix in ('https://', 'http://'):
                server = server[len(prefix):] if server.lower().startswith(prefix) else server
            auth[server] = {'username': str(entry['username']), 'password': str(entry['password'])}
        return auth

    def load_arguments(self, **overrides: Any) -> dict[str, Any]:
        """The keyword arguments of loader.load_project for this request (all services of the project)."""
        arguments: dict[str, Any] = dict(project_dir=self.project_src, files=self.files, content=self.definition,
                                         project_name=self.project_name, env_files=self.env_files,
                                         environment=self.environment, profiles=self.profiles, services=None)
        arguments.update(overrides)
        return arguments

    def plan_options(self, all_service_names: list[str] | None = None) -> PlanOptions:
        """The planner's options; `all_service_names` are the services of every profile (orphans are the others)."""
        return plan_options(dict(state=self.state, recreate=self.recreate, pull=self.pull, build=self.build,
                                 remove_orphans=self.remove_orphans, scale=self.scale, services=self.services,
                                 remove_volumes=self.remove_volumes, remove_images=self.remove_images,
                                 all_service_names=all_service_names))
