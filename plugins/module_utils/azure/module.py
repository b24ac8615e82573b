# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AzureModule: the base class of every Azure module (private to dockyard.azure).

It merges the common Azure options (documented once in the `dockyard.azure.azure` doc
fragment), resolves the connection (options + environment) and builds the credential and each
SDK client on first use, so argument errors and check-only paths never import the SDK. Errors
go through the one funnel of DockyardModule; Azure SDK errors become 'Code: message'. Managers
get an AzureContext (context.py), never the module, and the warnings they leave in it are
reported when the module exits::

    module = AzureModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with module.errors():
        result = ResourceGroupManager(module.context(), module.params).run()
    module.exit_json(**result)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any, NoReturn

from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import (
    AZURE_COMMON_ARGUMENT_SPEC,
    AzureConnectionConfig,
    resolve_connection_config,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.clients import build_client
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.credentials import build_credential
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import (
    is_azure_sdk_error,
    module_error,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.lro import wait_for_poller
from ansible_collections.dockyard.azure.plugins.module_utils.base_module import DockyardModule
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError


class AzureModule(DockyardModule):
    """An AnsibleModule for Azure whose modules declare only their own options."""

    COMMON_ARGUMENT_SPEC: Mapping[str, Mapping[str, Any]] = AZURE_COMMON_ARGUMENT_SPEC

    def __init__(self, argument_spec: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(argument_spec=argument_spec, **kwargs)
        self._azure_config: AzureConnectionConfig | None = None
        self._credential: Any = None
        self._clients: dict[str, Any] = {}
        self._contexts: list[AzureContext] = []
        # Managers may start independent writes from several threads (vm's network): build each client once.
        self._client_lock = threading.RLock()

    @property
    def azure_config(self) -> AzureConnectionConfig:
        """The resolved connection; fails the module on a bad option combination."""
        if self._azure_config is None:
            with self.errors():
                config = resolve_connection_config(self.params, os.environ)
            # Secrets from the environment are not module params: mask them explicitly.
            self.no_log_values.update(config.secrets)
            self._azure_config = config
        return self._azure_config

    @property
    def subscription_id(self) -> str:
        return self.azure_config.subscription_id

    @property
    def credential(self) -> Any:
        if self._credential is None:
            config = self.azure_config
            with self.errors():
                self._credential = build_credential(config)
        return self._credential

    def client(self, name: str) -> Any:
        """The management client registered as `name` in clients.CLIENTS ('resource', 'network', 'compute')."""
        with self._client_lock:
            if name not in self._clients:
                credential = self.credential
                with self.errors():
                    self._clients[name] = build_client(name, self.azure_config, credential)
            return self._clients[name]

    def access_token(self, scope: str | None = None) -> str:
        """A Microsoft Entra access token of the module's credential for `scope` (by default ARM's)."""
        credential = self.credential
        return str(credential.get_token(scope or self.azure_config.credential_scope).token)

    def wait_for(self, poller: Any, operation: str) -> Any:
        """Wait for a long-running operation within the module's `timeout` and return its result."""
        return wait_for_poller(poller, self.azure_config.timeout, operation)

    def context(self) -> AzureContext:
        """What a manager needs: the lazy clients, the LRO wait, the subscription, check/diff mode, a warnings sink."""
        context = AzureContext(client_factory=self.client, wait=self.wait_for, subscription=lambda: self.subscription_id,
                               check_mode=self.check_mode, diff=self._diff, token_factory=self.access_token,
                               ca_bundle_source=lambda: self.azure_config.ca_bundle)
        self._contexts.append(context)
        return context

    def exit_json(self, **kwargs: Any) -> NoReturn:
        """Report the warnings the managers left in their contexts, then exit."""
        for context in self._contexts:
            for warning in context.warnings:
                self.warn(warning)
        super().exit_json(**kwargs)
        raise AssertionError('exit_json returned')  # it exits; this tells type checkers so

    def translate_error(self, exc: BaseException, operation: str | None) -> DockyardError | None:
        if is_azure_sdk_error(exc):
            return module_error(exc, operation)
        return None
