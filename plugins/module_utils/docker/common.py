# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection to a Docker engine: unix socket, tcp:// with TLS, ssh:// (private to dockyard.azure).

The Docker SDK for Python is imported lazily, so a module can report its
absence as a normal failure.  Option precedence: module option, then the
environment variables the Docker CLI reads (DOCKER_HOST, DOCKER_TLS_VERIFY,
DOCKER_CERT_PATH, DOCKER_API_VERSION, DOCKER_TIMEOUT), then defaults.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError, MissingLibraryError, one_line

DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock'
DEFAULT_TIMEOUT = 60

DOCKER_COMMON_ARGS: dict[str, dict[str, Any]] = dict(
    docker_host=dict(type='str', aliases=['docker_url']),
    tls=dict(type='bool'),
    validate_certs=dict(type='bool', aliases=['tls_verify']),
    ca_path=dict(type='path', aliases=['ca_cert', 'tls_ca_cert']),
    client_cert=dict(type='path', aliases=['tls_client_cert', 'cert_path']),
    client_key=dict(type='path', aliases=['tls_client_key', 'key_path']),
    api_version=dict(type='str', aliases=['docker_api_version']),
    timeout=dict(type='int'),
    use_ssh_client=dict(type='bool', default=False),
)


class DockerConnectionError(DockyardError):
    """The engine cannot be reached or the connection options are wrong."""


def _truthy(value):
    return value is not None and str(value).strip().lower() not in ('', '0', 'false', 'no', 'off')


def _check_tls_files(**paths: str | None) -> None:
    """Each given path is a readable file; the SDK would only say 'Invalid CA certificate provided for ca_cert'."""
    for option, path in paths.items():
        if path and not os.path.isfile(path):
            raise DockerConnectionError('%s: %s %s' % (option, path, 'is not a file' if os.path.exists(path) else 'does not exist'),
                                        option=option)


def connection_settings(params: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Resolve connection options against the environment (pure).

    Returns a dict with ``base_url``, ``tls`` (None or dict with ``verify``,
    ``ca_cert``, ``client_cert``, ``client_key``), ``version``, ``timeout`` and
    ``use_ssh_client``.
    """
    env = os.environ if environ is None else environ
    params = params or {}
    host = params.get('docker_host') or env.get('DOCKER_HOST') or DEFAULT_DOCKER_HOST
    cert_dir = env.get('DOCKER_CERT_PATH') or ''

    verify = params.get('validate_certs')
    if verify is None:
        verify = _truthy(env.get('DOCKER_TLS_VERIFY'))
    tls = params.get('tls')
    if tls is None:
        tls = verify or bool(params.get('client_cert')) or bool(env.get('DOCKER_TLS'))

    def from_cert_dir(name):
        if cert_dir:
            candidate = os.path.join(cert_dir, name)
            if os.path.exists(candidate):
                return candidate
        return None

    tls_settings = None
    if tls or verify:
        ca = params.get('ca_path') or from_cert_dir('ca.pem')
        cert = params.get('client_cert') or from_cert_dir('cert.pem')
        key = params.get('client_key') or from_cert_dir('key.pem')
        if bool(cert) != bool(key):
            raise DockerConnectionError(
                'client_cert and client_key must be given together (or both found in DOCKER_CERT_PATH)',
                option='client_key' if cert else 'client_cert')
        if verify and not ca:
            raise DockerConnectionError(
                'validate_certs is true but no CA certificate was given: set ca_path or DOCKER_CERT_PATH', option='ca_path')
        tls_settings = dict(verify=bool(verify), ca_cert=ca, client_cert=cert, client_key=key)
        if host.startswith('unix://') or host.startswith('ssh://'):
            tls_settings = None  # like the Docker CLI: TLS settings do not apply to these transports
        else:
            _check_tls_files(ca_path=ca if verify else None, client_cert=cert, client_key=key)

    timeout = params.get('timeout')
    if timeout is None:
        timeout = int(env.get('DOCKER_TIMEOUT') or DEFAULT_TIMEOUT)
    version = params.get('api_version') or env.get('DOCKER_API_VERSION') or 'auto'
    if not (host.startswith('unix://') or host.startswith('tcp://') or host.startswith('ssh://')
            or host.startswith('http://') or host.startswith('https://') or host.startswith('npipe://')):
        raise DockerConnectionError(
            'docker_host must start with unix://, tcp:// or ssh:// (got %s)' % host, option='docker_host')
    return dict(base_url=host, tls=tls_settings, version=version, timeout=timeout,
                use_ssh_client=bool(params.get('use_ssh_client')))


def get_api_client(params: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None,
                   max_pool_size: int = 16) -> Any:
    """A connected ``docker.APIClient`` for the connection options."""
    settings = connection_settings(params, environ)
    docker = import_docker(ssh=settings['base_url'].startswith('ssh://'))
    from docker.errors import DockerException  # pylint: disable=import-outside-toplevel
    from docker.tls import TLSConfig  # pylint: disable=import-outside-toplevel
    tls = None
    if settings['tls']:
        t = settings['tls']
        verify = (t['ca_cert'] or True) if t['verify'] else False
        client_cert = (t['client_cert'], t['client_key']) if t['client_cert'] else None
        try:
            tls = TLSConfig(client_cert=client_cert, ca_cert=t['ca_cert'] if t['verify'] else None, verify=verify)
        except DockerException as exc:
            raise DockerConnectionError('TLS options: %s' % exc) from exc
    base_url = settings['base_url']
    if tls and base_url.startswith('tcp://'):
        base_url = 'https://' + base_url[len('tcp://'):]
    negotiate = settings['version'] == 'auto'
    try:
        # Negotiating the API version already talks to the engine: do it only after requests'
        # environment handling is off (below), so build the client with a fixed version first.
        client = docker.APIClient(base_url=base_url, version=docker.constants.DEFAULT_DOCKER_API_VERSION if negotiate else settings['version'],
                                  timeout=settings['timeout'], tls=tls if tls else False, use_ssh_client=settings['use_ssh_client'],
                                  max_pool_size=max_pool_size)
        if tls:
            # requests would otherwise swap the CA given here for REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE
            # (set for the Azure emulator, and on many CI runners): the engine's own CA must win.
            client.trust_env = False
        if negotiate:
            client._version = client._retrieve_server_version()  # pylint: disable=protected-access
    except Exception as exc:  # pylint: disable=broad-except
        raise DockerConnectionError('cannot connect to the Docker engine at %s: %s'
                                    % (settings['base_url'], error_text(exc))) from exc
    return client


def import_docker(ssh: bool = False) -> Any:
    """The docker package (MissingLibraryError when absent); paramiko only when an ssh:// connection needs it.

    docker.transport imports its SSH adapter, and with it paramiko (which brings cryptography, PyNaCl,
    bcrypt and, from paramiko 4, invoke), at import time: a third of the SDK's import time and most of its
    modules, used only by ssh:// connections. The SDK supports paramiko's absence (its ssh:// then asks for
    paramiko), so for the other connections docker is imported with paramiko hidden; an ssh:// connection
    later in the same process loads the adapter then.
    """
    try:
        if 'docker' not in sys.modules and not ssh and 'paramiko' not in sys.modules:
            sys.modules['paramiko'] = None  # type: ignore[assignment]  # `import paramiko` raises ImportError
            try:
                import docker  # pylint: disable=import-outside-toplevel
            finally:
                if sys.modules.get('paramiko', '') is None:
                    del sys.modules['paramiko']
        import docker  # pylint: disable=import-outside-toplevel,reimported
    except ImportError as exc:
        raise MissingLibraryError('docker', exc) from exc
    if ssh:
        from docker.api import client as api_client  # pylint: disable=import-outside-toplevel
        if getattr(api_client, 'SSHHTTPAdapter', None) is None:
            try:
                from docker.transport.sshconn import SSHHTTPAdapter  # pylint: disable=import-outside-toplevel
            except ImportError as exc:
                raise MissingLibraryError('paramiko', exc) from exc
            # The name docker.api.client looks up for ssh:// (left unset by the import without paramiko).
            api_client.SSHHTTPAdapter = SSHHTTPAdapter
    return docker


def error_text(exc: BaseException) -> str:
    """A one-line message for a Docker SDK exception: its engine explanation when it has one."""
    explanation = getattr(exc, 'explanation', None)
    return one_line(explanation if explanation else exc)


def is_not_found(exc: BaseException) -> bool:
    """Whether a Docker SDK error is the engine's 404."""
    return getattr(getattr(exc, 'response', None), 'status_code', None) == 404
