# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain ARM REST reads through azure-core's pipeline (private to dockyard.azure): the 'arm' client of clients.py.

For listings at fleet size the management SDKs cost more than the calls: importing
azure-mgmt-compute and -network takes seconds, and turning hundreds of VMs into SDK models and back
into REST dicts (arm.to_rest) takes seconds more. ArmRestClient sends the same HTTP requests through
the same policies as the SDK clients (ARM's bearer-token challenge policy, azure-core's RetryPolicy
with the collection's retry settings, which honours Retry-After on 429 and 503, the user agent, the CA
bundle) and hands back ARM's JSON as it came: REST dicts, the shape the rest of the Azure code works
on. ``list`` follows ``nextLink`` pages. Errors are azure-core's exceptions with ARM's error envelope,
so azure_operation and format_azure_error treat them like the SDKs' own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import MissingAzureLibrary


class ArmRestClient:
    """GET and list ARM resources as JSON; constructed like an SDK management client (clients.build_client)."""

    def __init__(self, credential: Any, subscription_id: str, base_url: str, credential_scopes: list[str],
                 transport: Any = None, **kwargs: Any) -> None:
        try:
            from azure.core.pipeline import policies  # pylint: disable=import-outside-toplevel
            from azure.mgmt.core import ARMPipelineClient  # pylint: disable=import-outside-toplevel
            from azure.mgmt.core.policies import (  # pylint: disable=import-outside-toplevel
                ARMAutoResourceProviderRegistrationPolicy,
                ARMChallengeAuthenticationPolicy,
                ARMHttpLoggingPolicy,
            )
        except ImportError as exc:
            raise MissingAzureLibrary('azure-mgmt-core', exc) from exc

        kwargs.pop('polling_interval', None)  # no long-running operations here
        self.subscription_id = subscription_id
        pipeline = [
            policies.RequestIdPolicy(**kwargs),
            policies.HeadersPolicy(**kwargs),
            policies.UserAgentPolicy(**kwargs),
            policies.ProxyPolicy(**kwargs),
            policies.ContentDecodePolicy(**kwargs),
            ARMAutoResourceProviderRegistrationPolicy(),
            policies.RedirectPolicy(**kwargs),
            policies.RetryPolicy(**kwargs),
            ARMChallengeAuthenticationPolicy(credential, *credential_scopes, **kwargs),
            policies.CustomHookPolicy(**kwargs),
            ARMHttpLoggingPolicy(**kwargs),
        ]
        if transport is not None:
            kwargs['transport'] = transport
        self._client: Any = ARMPipelineClient(base_url=base_url, policies=pipeline, **kwargs)

    def _send(self, url: str) -> Any:
        from azure.core.exceptions import (  # pylint: disable=import-outside-toplevel
            ClientAuthenticationError,
            HttpResponseError,
            ResourceNotFoundError,
            map_error,
        )
        from azure.core.rest import HttpRequest  # pylint: disable=import-outside-toplevel
        from azure.mgmt.core.exceptions import ARMErrorFormat  # pylint: disable=import-outside-toplevel

        response = self._client.send_request(HttpRequest('GET', url))
        if response.status_code != 200:
            map_error(status_code=response.status_code, response=response,
                      error_map={401: ClientAuthenticationError, 404: ResourceNotFoundError})
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        return response.json()

    def url(self, path: str, api_version: str, **params: str) -> str:
        """The absolute URL of `path` (from /subscriptions/...) with the api-version and query parameters."""
        return self._client.format_url(path) + '?' + urlencode(dict(params, **{'api-version': api_version}), safe='$,')

    def get(self, path: str, api_version: str, **params: str) -> Any:
        return self._send(self.url(path, api_version, **params))

    def list(self, path: str, api_version: str, **params: str) -> Iterator[dict[str, Any]]:
        """Every item of a collection, page after page (`nextLink`, with this api-version, as the SDK pagers do)."""
        url: str | None = self.url(path, api_version, **params)
        while url:
            page = self._send(url)
            yield from page.get('value') or []
            url = page.get('nextLink')
            if url:
                parts = urlsplit(url)
                query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != 'api-version']
                query.append(('api-version', api_version))
                url = urlunsplit(parts._replace(query=urlencode(query, safe='$,')))

    def close(self) -> None:
        self._client.close()
