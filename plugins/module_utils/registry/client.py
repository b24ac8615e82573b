# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Docker registry's HTTP API (v2) and its token authentication (private to dockyard.azure).

What the collection asks a registry directly, next to what the Docker engine does for it: are
these credentials good (before any push), which manifest does a tag point to (so an unchanged
image is not pushed again), and, for Azure Container Registry, the exchange of a Microsoft Entra
access token for a registry refresh token (what ``az acr login`` does)::

    registry = RegistryClient('myregistry.azurecr.io', 'myregistry', password)
    registry.check_credentials()                    # RegistryAuthError naming the registry when refused
    registry.manifest_digest('app/web', '1.0')      # 'sha256:...' or None

Docker's token flow: ``GET /v2/`` answers 401 with ``WWW-Authenticate: Bearer realm=...,service=...``;
the realm gives a token for HTTP Basic credentials and the scopes asked. A refresh token is
presented as the password of the user ``00000000-0000-0000-0000-000000000000``. requests is
imported on first use. TLS: ``verify`` is a CA bundle path or True (the system's CAs), given on
every request so that REQUESTS_CA_BUNDLE cannot replace it.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.base_module import one_line
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError, MissingLibraryError

# The user name that goes with an ACR refresh token (az acr login's `docker login -u`).
TOKEN_USERNAME = '00000000-0000-0000-0000-000000000000'
MANIFEST_TYPES = (
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.oci.image.index.v1+json',
)
TIMEOUT = 30
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


class RegistryError(DockyardError):
    """A registry could not be reached or answered an error; the message names the registry."""


class RegistryAuthError(RegistryError):
    """The registry (its token service) refused the credentials."""


def login_server(value: str) -> str:
    """'https://myreg.azurecr.io/' -> 'myreg.azurecr.io' (a registry is named by host[:port])."""
    text = value.strip()
    for prefix in ('https://', 'http://'):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
    return text.rstrip('/')


def registry_of(reference: str) -> str | None:
    """The registry host of an image reference, or None for Docker Hub ('app/web:1' has none)."""
    first, sep, dummy = reference.partition('/')
    if sep and ('.' in first or ':' in first or first == 'localhost'):
        return first
    return None


def _requests() -> Any:
    try:
        import requests  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise MissingLibraryError('requests', exc) from exc
    return requests


def new_session() -> Any:
    """The HTTP session of a RegistryClient (the one place a transport is made; unit tests replace it)."""
    return _requests().Session()


def _error_text(response: Any) -> str:
    """The message of a registry error answer ({"errors": [...]}, OAuth's error_description, or the status)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        errors = body.get('errors')
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            return one_line('%s: %s' % (str(first.get('code', '')).lower(), first.get('message', '')))
        if body.get('error_description') or body.get('error'):
            return one_line(body.get('error_description') or body.get('error'))
    return '%s %s' % (response.status_code, response.reason or '')


class RegistryClient:
    """One registry (its login server), with optional credentials."""

    def __init__(self, server: str, username: str | None = None, password: str | None = None,
                 verify: bool | str = True) -> None:
        self.server = login_server(server)
        self.username = username
        self.password = password
        self.verify = verify
        self._session: Any = None
        self._challenge: dict[str, str] | None = None
        self._tokens: dict[tuple[str, ...], str] = {}

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = new_session()
        return self._session

    def _get(self, method: str, url: str, **kwargs: Any) -> Any:
        requests = _requests()
        try:
            return self.session.request(method, url, verify=self.verify, timeout=TIMEOUT, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise RegistryError('registry %s: its TLS certificate is not trusted (%s). Give the CA that signed it '
                                '(for the emulator, its ca.pem).' % (self.server, one_line(exc))) from exc
        except requests.exceptions.RequestException as exc:
            raise RegistryError('registry %s: cannot connect: %s' % (self.server, one_line(exc))) from exc

    def challenge(self) -> dict[str, str]:
        """The registry's auth challenge: {'scheme': 'bearer'|'basic'|'', 'realm': ..., 'service': ...}."""
        if self._challenge is None:
            answer = self._get('GET', 'https://%s/v2/' % self.server)
            header = answer.headers.get('WWW-Authenticate', '') if answer.status_code == 401 else ''
            scheme, dummy, params = header.partition(' ')
            found = {'scheme': scheme.lower()}
            found.update(dict(_CHALLENGE_PARAM.findall(params)))
            self._challenge = found
        return self._challenge

    def token(self, *scopes: str) -> str | None:
        """A bearer token for `scopes` (None when the registry wants no token); RegistryAuthError if refused."""
        challenge = self.challenge()
        if challenge['scheme'] != 'bearer':
            return None
        if scopes in self._tokens:
            return self._tokens[scopes]
        params: list[tuple[str, str]] = [('service', challenge.get('service', ''))]
        params += [('scope', scope) for scope in scopes]
        auth = (self.username, self.password or '') if self.username else None
        answer = self._get('GET', challenge.get('realm', ''), params=params, auth=auth)
        if answer.status_code in (401, 403):
            who = "user '%s'" % self.username if self.username else 'anonymous access'
            raise RegistryAuthError('registry %s refused the credentials of %s: %s'
                                    % (self.server, who, _error_text(answer)), option='password')
        if answer.status_code != 200:
            raise RegistryError('registry %s: its token service answered %s' % (self.server, _error_text(answer)))
        body = answer.json()
        token = body.get('token') or body.get('access_token')
        if not token:
            raise RegistryError('registry %s: its token service answered without a token' % self.server)
        self._tokens[scopes] = str(token)
        return str(token)

    def check_credentials(self) -> None:
        """Ask the token service for a token: RegistryAuthError (one line, naming the registry) if refused."""
        self.token()

    def _authorized(self, *scopes: str) -> dict[str, str]:
        token = self.token(*scopes)
        return {'Authorization': 'Bearer ' + token} if token else {}

    def manifest_digest(self, repository: str, reference: str) -> str | None:
        """The digest the registry serves for `repository:reference`, or None when it has none."""
        headers = self._authorized('repository:%s:pull' % repository)
        headers['Accept'] = ', '.join(MANIFEST_TYPES)
        auth = (self.username, self.password or '') if self.username and 'Authorization' not in headers else None
        answer = self._get('HEAD', 'https://%s/v2/%s/manifests/%s' % (self.server, repository, reference),
                           headers=headers, auth=auth)
        if answer.status_code == 404:
            return None
        if answer.status_code in (401, 403):
            raise RegistryAuthError('registry %s refused to show %s:%s: %s'
                                    % (self.server, repository, reference, _error_text(answer)), option='password')
        if answer.status_code != 200:
            raise RegistryError('registry %s: HEAD of %s:%s answered %s'
                                % (self.server, repository, reference, _error_text(answer)))
        digest = answer.headers.get('Docker-Content-Digest')
        return str(digest) if digest else None


def exchange_entra_token(server: str, access_token: str, tenant: str | None = None, verify: bool | str = True) -> str:
    """An Azure Container Registry refresh token for a Microsoft Entra access token (``az acr login``).

    The exchange endpoint is ``/oauth2/exchange`` on the host of the registry's token realm. Use the
    result as the password of TOKEN_USERNAME."""
    client = RegistryClient(server, verify=verify)
    challenge = client.challenge()
    realm = challenge.get('realm')
    if challenge['scheme'] != 'bearer' or not realm:
        raise RegistryError('registry %s does not use token authentication, so it takes no Microsoft Entra '
                            'token; use its admin user or other credentials.' % client.server)
    match = re.match(r'^(https?://[^/]+)', realm)
    exchange_url = (match.group(1) if match else realm) + '/oauth2/exchange'
    form = {'grant_type': 'access_token', 'service': challenge.get('service', client.server), 'access_token': access_token}
    if tenant:
        form['tenant'] = tenant
    answer = client._get('POST', exchange_url, data=form)  # pylint: disable=protected-access
    if answer.status_code != 200:
        raise RegistryAuthError('registry %s refused the Microsoft Entra token: %s'
                                % (client.server, _error_text(answer)))
    refresh = answer.json().get('refresh_token')
    if not refresh:
        raise RegistryError('registry %s: the token exchange answered without a refresh token' % client.server)
    return str(refresh)
