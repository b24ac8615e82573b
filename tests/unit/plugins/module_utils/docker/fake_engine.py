# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory Docker engine behind the Docker SDK's HTTP transport, for unit tests.

The real ``docker.APIClient`` builds every request and parses every response (URLs, query
parameters, JSON bodies, error handling into APIError/NotFound); FakeEngine is a requests
transport adapter mounted in its place that answers as the engine's API does, for the calls the
collection makes. It records every call, so a test can assert that check mode or a second run
writes nothing::

    engine = FakeEngine()
    engine.add_image('dockyard-test/busybox:latest')
    client = engine.client()
    ... ComposeEngine(client).run(...)
    assert engine.writes() == []
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import types
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

import requests
import urllib3

# Calls that change the engine (method, path pattern after the API version).
_READS = ('GET', 'HEAD')


class _Socket:
    """What the SDK reaches for through a raw stream's response (response.raw._fp.fp.raw) to lift its timeout."""


class _Body(io.BytesIO):
    """A response body the SDK's stream helpers read as a non-chunked answer."""

    chunked = False

    def __init__(self, data):
        super().__init__(data)
        self.fp = types.SimpleNamespace(raw=_Socket())


def _new_id():
    return (uuid.uuid4().hex + uuid.uuid4().hex)[:64]


def _short_tag(ref):
    """'busybox' -> 'busybox:latest', as the engine lists RepoTags."""
    last = ref.rsplit('/', 1)[-1]
    return ref if ':' in last or '@' in ref else ref + ':latest'


class _Ambiguous(Exception):
    """A network named by a name that several networks have."""


class FakeEngine(requests.adapters.BaseAdapter):
    """A Docker engine: containers, networks, volumes and images in dictionaries."""

    def __init__(self, version='1.41'):
        super().__init__()
        self.version = version
        self.containers = {}     # id -> inspect document
        self.networks = {}       # id -> inspect document
        self.volumes = {}        # name -> volume document
        self.images = {}         # id -> {'Id', 'RepoTags', 'RepoDigests'}
        self.pullable = set()    # references a pull finds in the "registry"
        self.calls = []          # (method, path without the version prefix)
        self.fail = {}           # (method, path regex) -> (status, message): injected failures
        self.pull_errors = {}    # reference -> the error event a pull streams
        self.health_on_start = 'healthy'  # the health a started container with a healthcheck reports
        self.refuse_imageless = False  # True: answer a create without an image as newer engines may (404)

    # ------------------------------------------------------------------ test helpers
    def client(self):
        """A real docker.APIClient whose HTTP traffic goes to this engine."""
        import docker
        client = docker.APIClient(base_url='unix:///fake/docker.sock', version=self.version)
        client.mount('http+docker://', self)
        return client

    def add_image(self, ref, image_id=None):
        image_id = image_id or 'sha256:' + _new_id()
        image = self.images.setdefault(image_id, {'Id': image_id, 'RepoTags': [], 'RepoDigests': [], 'Data': b''})
        tag = _short_tag(ref)
        for other in self.images.values():
            if tag in other['RepoTags']:
                other['RepoTags'].remove(tag)
        image['RepoTags'].append(tag)
        return image_id

    def writes(self):
        return [call for call in self.calls if call[0] not in _READS]

    def container(self, name):
        """The inspect document of the container named `name` (or None)."""
        for info in self.containers.values():
            if info['Name'] == '/' + name:
                return info
        return None

    def close(self):
        pass

    # ------------------------------------------------------------------ transport
    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        path = re.sub(r'^/v[0-9.]+', '', unquote(url.path))
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        body = request.body
        if body is not None and not isinstance(body, (bytes, str)):
            body = b''.join(body)  # a streamed upload (docker load)
        if isinstance(body, str):
            body = body.encode()
        self.calls.append((request.method, path))
        for (method, pattern), (status, message) in self.fail.items():
            if method == request.method and re.fullmatch(pattern, path):
                return self._answer(request, status, {'message': message})
        try:
            status, answer = self._route(request.method, path, query, body or b'')
        except _Ambiguous as exc:
            status, answer = 400, {'message': str(exc)}
        return self._answer(request, status, answer)

    def _answer(self, request, status, answer):
        response = requests.Response()
        response.status_code = status
        response.reason = {200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 404: 'Not Found',
                           409: 'Conflict', 500: 'Internal Server Error'}.get(status, 'Error')
        response.request = request
        response.url = request.url
        response.encoding = 'utf-8'
        if isinstance(answer, bytes):
            data, kind = answer, 'application/x-tar'
        else:
            data, kind = (json.dumps(answer).encode() if answer is not None else b''), 'application/json'
        response.headers = requests.structures.CaseInsensitiveDict({'Content-Type': kind})
        response.raw = urllib3.HTTPResponse(body=_Body(data), preload_content=False, status=status,
                                            headers={'Content-Type': kind})
        return response

    def _route(self, method, path, query, body):
        for (want, pattern), handler in self._ROUTES:
            match = re.fullmatch(pattern, path)
            if want == method and match:
                return handler(self, query, body, *match.groups())
        return 404, {'message': 'page not found: %s %s' % (method, path)}

    # ------------------------------------------------------------------ lookups
    def _find_container(self, ref):
        if ref in self.containers:
            return self.containers[ref]
        for cid, info in self.containers.items():
            if info['Name'] == '/' + ref or (len(ref) >= 12 and cid.startswith(ref)):
                return info
        return None

    def _find_network(self, ref):
        """By ID, else by name; a name that several networks have is ambiguous, as the engine says."""
        if ref in self.networks:
            return self.networks[ref]
        named = [net for net in self.networks.values() if net['Name'] == ref]
        if len(named) > 1:
            raise _Ambiguous('network %s is ambiguous (%d matches found on name)' % (ref, len(named)))
        return named[0] if named else None

    def add_network(self, name, labels=None, containers=(), created='2026-01-01T00:00:00Z'):
        """A network as another client made it (duplicates of a name allowed, as with CheckDuplicate off)."""
        nid = _new_id()
        self.networks[nid] = {'Id': nid, 'Name': name, 'Driver': 'bridge', 'Labels': dict(labels or {}), 'Internal': False,
                              'IPAM': None, 'Created': created, 'Containers': {}}
        for cid in containers:
            self.networks[nid]['Containers'][cid] = {'Name': self.containers[cid]['Name'].lstrip('/')}
            self.containers[cid]['NetworkSettings']['Networks'][name] = {'NetworkID': nid, 'Aliases': ['x']}
        return nid

    def _find_image(self, ref):
        if ref in self.images:
            return self.images[ref]
        tag = _short_tag(ref.replace('docker.io/library/', ''))
        for image in self.images.values():
            if tag in image['RepoTags']:
                return image
        return None

    @staticmethod
    def _labels_match(labels, filters):
        for wanted in filters.get('label', []):
            key, sep, value = wanted.partition('=')
            if key not in labels or (sep and labels[key] != value):
                return False
        return True

    # ------------------------------------------------------------------ containers
    def _list_containers(self, query, body):
        filters = json.loads(query.get('filters') or '{}')
        result = []
        for cid, info in self.containers.items():
            state = info['State']
            if query.get('all') not in ('1', 'true', 'True') and not state['Running']:
                continue
            if not self._labels_match(info['Config'].get('Labels') or {}, filters):
                continue
            if state['Running']:
                status = 'Up 2 seconds'
                health = (state.get('Health') or {}).get('Status')
                if health:
                    status += ' (%s)' % ('health: starting' if health == 'starting' else health)
            elif state['Status'] == 'created':
                status = 'Created'
            else:
                status = 'Exited (%d) 1 second ago' % state['ExitCode']
            result.append({'Id': cid, 'Names': [info['Name']], 'Image': info['Config'].get('Image'),
                           'ImageID': info['Image'], 'Labels': info['Config'].get('Labels') or {},
                           'State': state['Status'], 'Status': status,
                           'NetworkSettings': {'Networks': dict(info['NetworkSettings']['Networks'])},
                           'Ports': info.get('Ports') or []})
        return 200, result

    def _create_container(self, query, body):
        config = json.loads(body)
        name = query.get('name') or _new_id()[:12]
        if self.container(name) is not None:
            return 409, {'message': 'Conflict. The container name "/%s" is already in use by container "%s". '
                                    'You have to remove (or rename) that container to be able to reuse that name.'
                                    % (name, self.container(name)['Id'])}
        if not config.get('Image') and not self.refuse_imageless:
            image = {'Id': ''}  # Docker 20.10 creates a container without an image (it cannot start)
        else:
            image = self._find_image(config.get('Image') or '')
        if image is None:
            return 404, {'message': 'No such image: %s' % config.get('Image')}
        host = config.get('HostConfig') or {}
        networks = {}
        for net_name in ((config.get('NetworkingConfig') or {}).get('EndpointsConfig') or {}):
            net = self._find_network(net_name)
            if net is None:
                return 404, {'message': 'network %s not found' % net_name}
            networks[net['Name']] = {'NetworkID': net['Id']}
        mounts = []
        for bind in host.get('Binds') or []:
            source, target = bind.split(':')[:2]
            mounts.append({'Type': 'volume' if not source.startswith('/') else 'bind', 'Name': source,
                           'Source': source, 'Destination': target})
        for mount in host.get('Mounts') or []:
            mounts.append({'Type': mount.get('Type'), 'Name': mount.get('Source'), 'Source': mount.get('Source'),
                           'Destination': mount.get('Target')})
        cid = _new_id()
        self.containers[cid] = {
            'Id': cid, 'Name': '/' + name, 'Image': image['Id'], 'Config': config, 'HostConfig': host,
            'State': {'Status': 'created', 'Running': False, 'ExitCode': 0},
            'NetworkSettings': {'Networks': networks}, 'Mounts': mounts, 'Files': {},
        }
        for net_name in networks:
            self._find_network(net_name)['Containers'][cid] = {'Name': name}
        return 201, {'Id': cid, 'Warnings': []}

    def _container_action(self, query, body, ref, action):
        info = self._find_container(ref)
        if info is None:
            return 404, {'message': 'No such container: %s' % ref}
        state = info['State']
        if action in ('start', 'restart'):
            for net_name in info['NetworkSettings']['Networks']:
                self._find_network(net_name)  # the engine resolves the container's networks by name
        if action in ('start', 'restart', 'unpause'):
            if action == 'start' and state['Running']:
                return 304, None
            state.update(Status='running', Running=True, ExitCode=0)
            healthcheck = info['Config'].get('Healthcheck') or {}
            if healthcheck.get('Test') and healthcheck['Test'] != ['NONE']:
                state['Health'] = {'Status': self.health_on_start}
        elif action == 'stop':
            if not state['Running']:
                return 304, None
            state.update(Status='exited', Running=False, ExitCode=0)
            state.pop('Health', None)
        elif action == 'rename':
            if self.container(query['name']) is not None:
                return 409, {'message': 'Conflict. The name "%s" is already in use' % query['name']}
            info['Name'] = '/' + query['name']
        return 204, None

    def _inspect_container(self, query, body, ref):
        info = self._find_container(ref)
        if info is None:
            return 404, {'message': 'No such container: %s' % ref}
        return 200, {k: v for k, v in info.items() if k != 'Files'}

    def _remove_container(self, query, body, ref):
        info = self._find_container(ref)
        if info is None:
            return 404, {'message': 'No such container: %s' % ref}
        if info['State']['Running'] and query.get('force') not in ('1', 'true', 'True'):
            return 409, {'message': 'You cannot remove a running container %s' % info['Id']}
        for net in self.networks.values():
            net['Containers'].pop(info['Id'], None)
        del self.containers[info['Id']]
        return 204, None

    def _put_archive(self, query, body, ref):
        info = self._find_container(ref)
        if info is None:
            return 404, {'message': 'No such container: %s' % ref}
        with tarfile.open(fileobj=io.BytesIO(body)) as tar:
            for member in tar.getmembers():
                path = '/' + member.name.lstrip('/')
                info['Files'][path] = (tar.extractfile(member).read(), member.mode, member.uid, member.gid)
        return 200, None

    # ------------------------------------------------------------------ networks and volumes
    def _list_networks(self, query, body):
        return 200, [{k: v for k, v in net.items() if k != 'Containers'} for net in self.networks.values()]

    def _create_network(self, query, body):
        config = json.loads(body)
        if config.get('CheckDuplicate') and any(net['Name'] == config['Name'] for net in self.networks.values()):
            return 409, {'message': 'network with name %s already exists' % config['Name']}
        nid = _new_id()
        self.networks[nid] = {'Id': nid, 'Name': config['Name'], 'Driver': config.get('Driver') or 'bridge',
                              'Labels': config.get('Labels') or {}, 'Internal': bool(config.get('Internal')),
                              'IPAM': config.get('IPAM'), 'Created': '2026-01-02T00:00:00Z', 'Containers': {}}
        return 201, {'Id': nid, 'Warning': ''}

    def _inspect_network(self, query, body, ref):
        net = self._find_network(ref)
        return (200, net) if net is not None else (404, {'message': 'network %s not found' % ref})

    def _remove_network(self, query, body, ref):
        net = self._find_network(ref)
        if net is None:
            return 404, {'message': 'network %s not found' % ref}
        if net['Containers']:
            return 403, {'message': 'error while removing network: network %s has active endpoints' % net['Name']}
        del self.networks[net['Id']]
        return 204, None

    def _connect(self, query, body, ref):
        net = self._find_network(ref)
        config = json.loads(body)
        info = self._find_container(config['Container'])
        if net is None or info is None:
            return 404, {'message': 'no such network or container'}
        net['Containers'][info['Id']] = {'Name': info['Name'].lstrip('/')}
        info['NetworkSettings']['Networks'][net['Name']] = {'NetworkID': net['Id'],
                                                            'Aliases': (config.get('EndpointConfig') or {}).get('Aliases')}
        return 200, None

    def _disconnect(self, query, body, ref):
        net = self._find_network(ref)
        config = json.loads(body)
        info = self._find_container(config['Container'])
        if net is None or info is None:
            return 404, {'message': 'no such network or container'}
        net['Containers'].pop(info['Id'], None)
        info['NetworkSettings']['Networks'].pop(net['Name'], None)
        return 200, None

    def _list_volumes(self, query, body):
        return 200, {'Volumes': list(self.volumes.values()), 'Warnings': None}

    def _create_volume(self, query, body):
        config = json.loads(body)
        volume = self.volumes.setdefault(config['Name'], {'Name': config['Name'], 'Driver': config.get('Driver'),
                                                          'Labels': config.get('Labels') or {},
                                                          'Options': config.get('DriverOpts') or {}})
        return 201, volume

    def _remove_volume(self, query, body, name):
        if name not in self.volumes:
            return 404, {'message': 'get %s: no such volume' % name}
        in_use = [c['Id'] for c in self.containers.values() if any(m.get('Name') == name for m in c['Mounts'])]
        if in_use:
            return 409, {'message': 'remove %s: volume is in use - %s' % (name, in_use)}
        del self.volumes[name]
        return 204, None

    # ------------------------------------------------------------------ images
    def _list_images(self, query, body):
        return 200, [{k: v for k, v in image.items() if k != 'Data'} for image in self.images.values()]

    def _inspect_image(self, query, body, ref):
        image = self._find_image(ref)
        if image is None:
            return 404, {'message': 'No such image: %s' % ref}
        return 200, {'Id': image['Id'], 'RepoTags': image['RepoTags']}

    def _pull(self, query, body):
        if query.get('fromSrc') == '-':  # docker import of a tarball
            ref = query['repo'] + (':' + query['tag'] if query.get('tag') else '')
            image_id = self.add_image(ref)
            return 200, {'status': image_id}
        ref = query['fromImage'] + (':' + query['tag'] if query.get('tag') else '')
        if ref in self.pull_errors:
            return 200, {'error': self.pull_errors[ref], 'errorDetail': {'message': self.pull_errors[ref]}}
        if _short_tag(ref) not in {_short_tag(r) for r in self.pullable}:
            return 404, {'message': 'pull access denied for %s, repository does not exist' % query['fromImage']}
        self.add_image(ref)
        return 200, {'status': 'Downloaded newer image for %s' % ref}

    def _tag(self, query, body, ref):
        image = self._find_image(ref)
        if image is None:
            return 404, {'message': 'No such image: %s' % ref}
        self.add_image('%s:%s' % (query['repo'], query.get('tag') or 'latest'), image['Id'])
        return 201, None

    def _remove_image(self, query, body, ref):
        image = self._find_image(ref)
        if image is None:
            return 404, {'message': 'No such image: %s' % ref}
        del self.images[image['Id']]
        return 200, [{'Deleted': image['Id']}]

    def _save(self, query, body, ref):
        image = self._find_image(ref)
        if image is None:
            return 404, {'message': 'No such image: %s' % ref}
        # like docker save NAME:TAG, the archive names the image by the reference asked for only
        tags = image['RepoTags'] if ref in self.images else [_short_tag(ref)]
        return 200, json.dumps({'Id': image['Id'], 'RepoTags': tags}).encode()

    def _load(self, query, body):
        saved = json.loads(body.decode())
        for tag in saved['RepoTags']:
            self.add_image(tag, saved['Id'])
        return 200, {'stream': 'Loaded image: %s\n' % ', '.join(saved['RepoTags'])}

    _ROUTES = [
        (('GET', r'/containers/json'), _list_containers),
        (('POST', r'/containers/create'), _create_container),
        (('POST', r'/containers/([^/]+)/(start|stop|restart|unpause|rename)'), _container_action),
        (('GET', r'/containers/([^/]+)/json'), _inspect_container),
        (('DELETE', r'/containers/([^/]+)'), _remove_container),
        (('PUT', r'/containers/([^/]+)/archive'), _put_archive),
        (('GET', r'/networks'), _list_networks),
        (('POST', r'/networks/create'), _create_network),
        (('GET', r'/networks/([^/]+)'), _inspect_network),
        (('DELETE', r'/networks/([^/]+)'), _remove_network),
        (('POST', r'/networks/([^/]+)/connect'), _connect),
        (('POST', r'/networks/([^/]+)/disconnect'), _disconnect),
        (('GET', r'/volumes'), _list_volumes),
        (('POST', r'/volumes/create'), _create_volume),
        (('DELETE', r'/volumes/([^/]+)'), _remove_volume),
        (('GET', r'/images/json'), _list_images),
        (('POST', r'/images/create'), _pull),
        (('POST', r'/images/load'), _load),
        (('GET', r'/images/(.+)/json'), _inspect_image),
        (('GET', r'/images/(.+)/get'), _save),
        (('POST', r'/images/(.+)/tag'), _tag),
        (('DELETE', r'/images/(.+)'), _remove_image),
    ]
