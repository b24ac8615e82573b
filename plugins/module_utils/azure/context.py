# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AzureContext: everything an Azure manager needs from its module, in one object (private to dockyard.azure).

Managers never see the AnsibleModule: they get a context (AzureModule.context() builds it; unit
tests build one around a fake ARM), so they run and are tested without Ansible::

    class WidgetManager:
        def __init__(self, ctx: AzureContext, params: Mapping[str, Any]) -> None: ...
        def run(self) -> dict[str, Any]:
            widgets = self.ctx.client('resource').resources ...

The subscription is resolved on first use, so a module path that makes no Azure call (check-only
rendering, argument errors) never needs the connection options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ClientFactory = Callable[[str], Any]
WaitFunction = Callable[[Any, str], Any]


@dataclass
class AzureContext:
    """The client factory, the LRO wait, the subscription, check and diff mode, and a sink for warnings."""

    client_factory: ClientFactory
    """'resource', 'network' or 'compute' -> that SDK management client (built once, on first use)."""
    wait: WaitFunction
    """(poller, operation text) -> the operation's result, within the module's timeout."""
    subscription: Callable[[], str]
    """Returns the subscription ID (resolving the connection the first time)."""
    check_mode: bool = False
    diff: bool = False
    warnings: list[str] = field(default_factory=list)
    """Warnings for the task result; the module reports them when it exits."""
    token_factory: Callable[[str | None], str] | None = None
    """scope (None: the ARM scope of the connection) -> a Microsoft Entra access token of the module's identity."""
    ca_bundle_source: Callable[[], str | None] | None = None
    """Returns the CA bundle the connection trusts (the ca_bundle option), resolved on first use."""

    @property
    def subscription_id(self) -> str:
        return self.subscription()

    def client(self, name: str) -> Any:
        return self.client_factory(name)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    @property
    def ca_bundle(self) -> str | None:
        """The CA bundle for HTTPS calls outside the SDK (a registry's token endpoints), or None."""
        return self.ca_bundle_source() if self.ca_bundle_source is not None else None

    def access_token(self, scope: str | None = None) -> str:
        """A Microsoft Entra access token for `scope` (by default the connection's ARM scope), e.g. for a registry."""
        if self.token_factory is None:
            raise ValueError('this context has no credential to get a token with')
        return self.token_factory(scope)
