# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A registry behind requests' transport, and a Docker engine that pushes to it, for unit tests.

``FakeRegistry`` answers as Distribution with ACR's token service does: ``GET /v2/`` is a 401 with
a Bearer challenge; the realm (``/oauth2/token``) gives a token for HTTP Basic credentials it knows
(``users``, and ``00000000-0000-0000-0000-000000000000`` with a refresh token it issued) or 401
``{"errors": [...]}``; ``HEAD /v2/<repo>/manifests/<tag>`` needs the token and answers the digest;
``/oauth2/exchange`` swaps the Entra token ``entra-token`` for a refresh token. ``requests`` logs
(method, path) of every call.

``PushingEngine`` is the unit tests' FakeEngine plus ``POST /images/<name>/push``: it checks the
X-Registry-Auth credentials at the registry, uploads the layers the registry lacks, points the tag
at a digest derived from the image ID and adds the RepoDigest, streaming the events the engine
streams ('Pushed', 'Layer already exists', the aux digest).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from urllib.parse import parse_qs, urlsplit

import requests
import urllib3

from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.docker.fake_engine import FakeEngine

ZERO_GUID = '00000000-0000-0000-0000-000000000000'
UNAUTHORIZED = {'errors': [{'code': 'UNAUTHORIZED', 'message': 'authentication required, visit '
                            'https://aka.ms/acr/authorization for more information.'}]}


def digest_of(image_id: str) -> str:
    return 'sha256:' + hashlib.sha256(image_id.encode()).hexdigest()


class FakeRegistry(requests.adapters.BaseAdapter):
    """One registry at `server` (see the module docstring)."""

    def __init__(self, server: str = 'myregistry.azurecr.io', users: dict | None = None) -> None:
        super().__init__()
        self.server = server
        self.users = dict(users if users is not None else {'myregistry': 'secret-1'})
        self.refresh_tokens: set[str] = set()
        self.manifests: dict[tuple[str, str], str] = {}   # (repository, tag) -> digest
        self.blobs: set[str] = set()
        self.requests: list[tuple[str, str]] = []

    def session(self) -> requests.Session:
        session = requests.Session()
        session.mount('https://', self)
        return session

    def valid(self, username: str, password: str) -> bool:
        if username == ZERO_GUID:
            return password in self.refresh_tokens
        return self.users.get(username) == password

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        url = urlsplit(request.url)
        self.requests.append((request.method, url.path))
        query = parse_qs(url.query)
        if url.path == '/v2/':
            return self._answer(request, 401, {'errors': []}, {
                'WWW-Authenticate': 'Bearer realm="https://%s/oauth2/token",service="%s"' % (self.server, self.server)})
        if url.path == '/oauth2/token':
            header = request.headers.get('Authorization', '')
            if not header.startswith('Basic '):
                return self._answer(request, 401, UNAUTHORIZED)
            username, dummy, password = base64.b64decode(header[6:]).decode().partition(':')
            if not self.valid(username, password):
                return self._answer(request, 401, UNAUTHORIZED)
            return self._answer(request, 200, {'access_token': 'token-for-' + username,
                                               'scopes': query.get('scope', [])})
        if url.path == '/oauth2/exchange':
            form = parse_qs(request.body if isinstance(request.body, str) else (request.body or b'').decode())
            if form.get('access_token') != ['entra-token'] or form.get('service') != [self.server]:
                return self._answer(request, 401, {'errors': [{'code': 'UNAUTHORIZED', 'message': 'bad token'}]})
            refresh = 'refresh-%d' % (len(self.refresh_tokens) + 1)
            self.refresh_tokens.add(refresh)
            return self._answer(request, 200, {'refresh_token': refresh})
        if url.path.startswith('/v2/') and '/manifests/' in url.path:
            if not request.headers.get('Authorization', '').startswith('Bearer token-for-'):
                return self._answer(request, 401, UNAUTHORIZED)
            repository, dummy, tag = url.path[len('/v2/'):].partition('/manifests/')
            digest = self.manifests.get((repository, tag))
            if digest is None:
                return self._answer(request, 404, {'errors': [{'code': 'MANIFEST_UNKNOWN', 'message': 'unknown'}]})
            return self._answer(request, 200, None, {'Docker-Content-Digest': digest})
        return self._answer(request, 404, {'errors': [{'code': 'NOT_FOUND', 'message': url.path}]})

    @staticmethod
    def _answer(request, status, body, headers=None):
        response = requests.Response()
        response.status_code = status
        response.reason = {200: 'OK', 401: 'Unauthorized', 404: 'Not Found'}.get(status, 'Error')
        data = json.dumps(body).encode() if body is not None and request.method != 'HEAD' else b''
        response._content = data  # pylint: disable=protected-access
        response.headers.update({'Content-Type': 'application/json', **(headers or {})})
        response.raw = urllib3.HTTPResponse(body=io.BytesIO(data), status=status, preload_content=False)
        response.url, response.request = request.url, request
        return response

    def close(self):
        pass


class _Chunked(io.BytesIO):
    """A response body the SDK's stream helper reads as a chunked answer (a push's event stream)."""

    chunked = True

    @property
    def chunk_left(self) -> int:
        """The rest of the body is one chunk (the SDK reads a chunk whole)."""
        return len(self.getbuffer()) - self.tell()


class PushingEngine(FakeEngine):
    """FakeEngine whose images have layers and can be pushed to `registry`."""

    def __init__(self, registry: FakeRegistry, **kwargs) -> None:
        super().__init__(**kwargs)
        self.registry = registry
        self.push_auth: list[dict | None] = []
        self.pull_auth: list[dict | None] = []
        self._headers: dict = {}

    def add_image(self, ref, image_id=None, layers=('layer-a', 'layer-b')):  # pylint: disable=arguments-differ
        image_id = super().add_image(ref, image_id)
        self.images[image_id].setdefault('Layers', list(layers))
        return image_id

    def send(self, request, **kwargs):
        self._headers = dict(request.headers)
        return super().send(request, **kwargs)

    def _answer(self, request, status, answer):
        response = super()._answer(request, status, answer)
        if isinstance(answer, bytes) and '/push' in request.url:
            # the engine streams a push as chunked JSON events, which the SDK decodes one by one
            response.raw = urllib3.HTTPResponse(body=_Chunked(answer), preload_content=False, status=status)
        return response

    def _auth(self) -> dict | None:
        header = self._headers.get('X-Registry-Auth')
        if not header:
            return None
        header = header.decode() if isinstance(header, bytes) else header
        return json.loads(base64.urlsafe_b64decode(header + '=' * (-len(header) % 4)).decode())

    def _inspect_image(self, query, body, ref):
        image = self._find_image(ref)
        if image is None:
            return 404, {'message': 'No such image: %s' % ref}
        return 200, {'Id': image['Id'], 'RepoTags': image['RepoTags'], 'RepoDigests': image['RepoDigests']}

    def _pull(self, query, body):
        self.pull_auth.append(self._auth())
        return super()._pull(query, body)

    def _push(self, query, body, name):
        auth = self._auth()
        self.push_auth.append(auth)
        tag = query.get('tag') or 'latest'
        image = self._find_image('%s:%s' % (name, tag))
        if image is None:
            return 404, {'message': 'An image does not exist locally with the tag: %s' % name}
        if not auth or not self.registry.valid(auth.get('username', ''), auth.get('password', '')):
            message = 'unauthorized: authentication required'
            return 200, json.dumps({'errorDetail': {'message': message}, 'error': message}).encode()
        events = [{'status': 'The push refers to repository [%s]' % name}]
        for layer in image['Layers']:
            if layer in self.registry.blobs:
                events.append({'status': 'Layer already exists', 'id': layer[:12]})
            else:
                self.registry.blobs.add(layer)
                events.append({'status': 'Pushed', 'id': layer[:12]})
        digest = digest_of(image['Id'])
        repository = name.split('/', 1)[1]
        self.registry.manifests[(repository, tag)] = digest
        if '%s@%s' % (name, digest) not in image['RepoDigests']:
            image['RepoDigests'].append('%s@%s' % (name, digest))
        events.append({'status': '%s: digest: %s size: 528' % (tag, digest)})
        events.append({'progressDetail': {}, 'aux': {'Tag': tag, 'Digest': digest, 'Size': 528}})
        return 200, b''.join(json.dumps(e).encode() + b'\n' for e in events)


# FakeEngine's route table holds its own functions: put PushingEngine's in their place.
_OWN = {'_inspect_image': PushingEngine._inspect_image, '_pull': PushingEngine._pull}
PushingEngine._ROUTES = [(key, _OWN.get(handler.__name__, handler)) for key, handler in FakeEngine._ROUTES]
PushingEngine._ROUTES.append((('POST', r'/images/(.+)/push'), PushingEngine._push))
