# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DockerModule: the base class of every module that talks to a Docker engine (private to dockyard.azure).

The Docker twin of AzureModule: it merges the common connection options (documented once in
the `dockyard.azure.docker` doc fragment), checks the Docker SDK once, builds the API client on
first use (so argument errors never import the SDK or touch the engine), and translates Docker
SDK errors into the collection's one-line failures. A manager in module_utils gets one
DockerContext (the client on first use, check and diff mode, warnings) and returns the result::

    module = DockerModule(argument_spec=SPEC, supports_check_mode=True)
    with module.errors():
        result = Manager(module.context(), module.params).run()
    module.exit_json(**result)

Modules that talk to a second engine (image_copy's source) ask `context.client_for(params, option)`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.base_module import DockyardModule
from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import (
    DOCKER_COMMON_ARGS,
    DockerConnectionError,
    error_text,
    get_api_client,
)
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError, MissingLibraryError


def docker_sdk_error(exc: BaseException, operation: str | None = None) -> DockyardError | None:
    """The DockyardError for an exception of the Docker SDK or its HTTP stack, else None (pure, no SDK import)."""
    module_name = type(exc).__module__ or ''
    if not module_name.startswith(('docker.', 'requests.', 'urllib3.', 'paramiko.')):
        return None
    text = error_text(exc) or type(exc).__name__
    prefix = operation + ': ' if operation else ''
    status = getattr(getattr(exc, 'response', None), 'status_code', None)
    error = DockyardError('%sDocker engine: %s' % (prefix, text))
    if isinstance(status, int):
        error.extra['status_code'] = status
    return error


def _ignore(msg: str) -> None:
    """The default `warn` of a DockerContext: warnings go nowhere."""


@dataclass
class DockerContext:
    """What a Docker manager needs from its module, and nothing of Ansible.

    `connect()` returns the client of the module's own connection options (built once, on first
    use); `connect_to(params, option)` one for another set of options, `option` naming them in
    errors. Unit tests build one around a fake client.
    """

    connect: Callable[[], Any]
    connect_to: Callable[[Mapping[str, Any], str | None], Any]
    check_mode: bool = False
    diff: bool = False
    warn: Callable[[str], None] = field(default=_ignore)

    @property
    def client(self) -> Any:
        return self.connect()

    def client_for(self, params: Mapping[str, Any], option: str | None = None) -> Any:
        return self.connect_to(params, option)


class DockerModule(DockyardModule):
    """An AnsibleModule for Docker engines whose modules declare only their own options."""

    COMMON_ARGUMENT_SPEC: Mapping[str, Mapping[str, Any]] = DOCKER_COMMON_ARGS

    def __init__(self, argument_spec: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(argument_spec=argument_spec, **kwargs)
        self._client: Any = None
        self._sdk_checked = False

    def require_sdk(self) -> None:
        """Fail once, clearly, when the Docker SDK for Python is missing (checked on first client use)."""
        if self._sdk_checked:
            return
        # Found, not imported: get_api_client imports it, without paramiko unless the connection is ssh://.
        try:
            found = importlib.util.find_spec('docker') is not None
        except (ImportError, ValueError, AttributeError):  # a broken or blocked entry in sys.modules
            found = False
        if not found:
            self.fail_from_exception(MissingLibraryError('docker', 'No module named docker'))
        self._sdk_checked = True

    @property
    def client(self) -> Any:
        """The docker.APIClient for the module's own connection options, built on first use."""
        if self._client is None:
            self._client = self.client_for(self.params)
        return self._client

    def client_for(self, params: Mapping[str, Any], option: str | None = None) -> Any:
        """A client for another set of connection options, e.g. image_copy's `source` (`option` names it in errors)."""
        self.require_sdk()
        try:
            return get_api_client(params)
        except DockerConnectionError as exc:
            if option:
                raise DockerConnectionError('%s: %s' % (option, exc.msg), option=option) from exc
            raise

    def context(self) -> DockerContext:
        """The DockerContext a manager works with: lazy clients, check mode, diff mode, warnings."""
        return DockerContext(connect=lambda: self.client, connect_to=self.client_for, check_mode=self.check_mode,
                             diff=self._diff, warn=self.warn)

    def translate_error(self, exc: BaseException, operation: str | None) -> DockyardError | None:
        return docker_sdk_error(exc, operation)
