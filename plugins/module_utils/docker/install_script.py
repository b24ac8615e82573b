# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker on a VM (private to dockyard.azure): options -> install configuration -> rendered script, Custom Script settings or cloud-init.

Pure (no Azure, no Docker SDK): the docker_extension module and the unit tests use it alike.

The configuration (a JSON document, ``version`` 1) is embedded base64 into the install script
(extensions/docker/install-docker.sh, shipped as _generated_install_script.INSTALL_SCRIPT), and the whole
script goes base64 into the Custom Script extension's *protected* settings (``script``), so the TLS
key, registry passwords and Compose environment never appear in public settings.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypedDict

from ansible_collections.dockyard.azure.plugins.module_utils.docker._generated_install_script import INSTALL_SCRIPT
from ansible_collections.dockyard.azure.plugins.module_utils.docker.tls import TlsError, check_server_material
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError

CONFIG_VERSION = 1
CONFIG_LINE = 'DOCKYARD_CONFIG_B64="${DOCKYARD_CONFIG_B64:-}"'
RESULT_PREFIX = 'DOCKYARD_RESULT '
DEFAULT_TLS_PORT = 2376
INSTALL_SOURCES = ('distro', 'docker-ce')
CLOUD_INIT_SCRIPT_PATH = '/var/lib/dockyard/install-docker.sh'

CUSTOM_SCRIPT_PUBLISHER = 'Microsoft.Azure.Extensions'
CUSTOM_SCRIPT_TYPE = 'CustomScript'
CUSTOM_SCRIPT_VERSION = '2.1'

# daemon.json keys the module manages itself from the TLS options.
MANAGED_DAEMON_KEYS = ('hosts', 'tls', 'tlsverify', 'tlscacert', 'tlscert', 'tlskey')
ENV_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
USER_NAME = re.compile(r'^[a-z_][a-z0-9_.-]{0,31}$')
PROJECT_NAME = re.compile(r'^[a-z0-9][a-z0-9_-]*$')
COMPOSE_TOP_LEVEL_KEYS = ('version', 'name', 'include', 'services', 'networks', 'volumes', 'secrets', 'configs', 'models')
PEM_BLOCK = re.compile(r'-----BEGIN ([A-Z0-9 ]+)-----')


class TlsConfig(TypedDict):
    port: int
    ca: str
    cert: str
    key: str


class RegistryLogin(TypedDict):
    server: str
    username: str
    password: str


class ComposeProject(TypedDict):
    project: str
    file: str
    environment: dict[str, str]


class InstallConfig(TypedDict):
    """The install script's input (the JSON document embedded in it, ``version`` CONFIG_VERSION)."""

    version: int
    install_source: str
    daemon: dict[str, Any]
    tls: TlsConfig | None
    registries: list[RegistryLogin]
    compose: ComposeProject | None
    users: list[str]


ReadFile = Callable[[str], str]


class DockerInstallError(DockyardError):
    """Bad input for the Docker installation; `option` names the option to fix."""

    def __init__(self, msg: str, option: str | None = None) -> None:
        super().__init__(msg, option=option)


def _read_file(path: str) -> str:
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def read_pem(value: Any, option: str, read_file: ReadFile = _read_file) -> str | None:
    """`value` is PEM text, or the path of a PEM file (read where the module runs)."""
    if value is None:
        return None
    text = str(value)
    if '-----BEGIN' not in text:
        path = os.path.expanduser(text.strip())
        try:
            text = read_file(path)
        except OSError as exc:
            raise DockerInstallError('%s: cannot read the PEM file %s: %s' % (option, path, exc), option) from exc
        if '-----BEGIN' not in text:
            raise DockerInstallError('%s: %s is not a PEM file' % (option, path), option)
    return text.strip() + '\n'


def _check_pem_kind(text: str, option: str, want_key: bool) -> None:
    kinds = PEM_BLOCK.findall(text)
    if want_key and not any(kind.endswith('PRIVATE KEY') for kind in kinds):
        raise DockerInstallError('%s must be a PEM private key (-----BEGIN ... PRIVATE KEY-----).' % option, option)
    if not want_key and 'CERTIFICATE' not in kinds:
        raise DockerInstallError('%s must be a PEM certificate (-----BEGIN CERTIFICATE-----).' % option, option)
    if not want_key and any(kind.endswith('PRIVATE KEY') for kind in kinds):
        raise DockerInstallError('%s holds a private key; give only the certificate here.' % option, option)


def build_tls(params: Mapping[str, Any], read_file: ReadFile = _read_file) -> TlsConfig | None:
    """The TLS part of the configuration, or None. A TCP port without TLS material is refused."""
    material = {name: params.get(name) for name in ('tls_ca_cert', 'tls_server_cert', 'tls_server_key')}
    given = [name for name, value in material.items() if value]
    port = params.get('tcp_port')
    if not given:
        if port is not None:
            raise DockerInstallError(
                'tcp_port=%s would expose the Docker API on TCP without TLS, which is refused. Set tls_ca_cert, '
                'tls_server_cert and tls_server_key (dockyard.azure.docker_tls makes them) to listen with TLS client '
                'verification, or drop tcp_port and reach the engine over SSH.' % port, 'tcp_port')
        return None
    missing = [name for name in material if not material[name]]
    if missing:
        raise DockerInstallError(
            'The TCP listener needs all of tls_ca_cert, tls_server_cert and tls_server_key; %s %s missing.'
            % (', '.join(missing), 'is' if len(missing) == 1 else 'are'), missing[0])
    if port is not None and not 1 <= int(port) <= 65535:
        raise DockerInstallError('tcp_port must be between 1 and 65535, got %s.' % port, 'tcp_port')
    if port == 2375:
        raise DockerInstallError('tcp_port 2375 is the conventional port of the plain-text Docker API; use 2376 for TLS.',
                                 'tcp_port')
    texts = {name: read_pem(value, name, read_file) or '' for name, value in material.items()}
    _check_pem_kind(texts['tls_ca_cert'], 'tls_ca_cert', want_key=False)
    _check_pem_kind(texts['tls_server_cert'], 'tls_server_cert', want_key=False)
    _check_pem_kind(texts['tls_server_key'], 'tls_server_key', want_key=True)
    try:
        check_server_material(texts['tls_ca_cert'], texts['tls_server_cert'], texts['tls_server_key'])
    except TlsError as exc:
        raise DockerInstallError(exc.msg, exc.option) from exc
    return TlsConfig(port=int(port or DEFAULT_TLS_PORT), ca=texts['tls_ca_cert'], cert=texts['tls_server_cert'],
                     key=texts['tls_server_key'])


def build_daemon(options: Mapping[str, Any] | None) -> dict[str, Any]:
    daemon = dict(options or {})
    for key in daemon:
        if key in MANAGED_DAEMON_KEYS:
            raise DockerInstallError(
                "daemon_options.%s is managed by the module (hosts and TLS come from tcp_port and the tls_* options); "
                "remove it from daemon_options." % key, 'daemon_options')
    try:
        json.dumps(daemon)
    except (TypeError, ValueError) as exc:
        raise DockerInstallError('daemon_options must be JSON (daemon.json content): %s' % exc, 'daemon_options') from exc
    return daemon


def build_registries(registries: Iterable[Mapping[str, Any]] | None) -> list[RegistryLogin]:
    result = []
    seen = set()
    for index, registry in enumerate(registries or []):
        for key in ('server', 'username', 'password'):
            if not registry.get(key):
                raise DockerInstallError('registries[%d].%s is required.' % (index, key), 'registries')
        server = registry['server'].strip()
        if server in seen:
            raise DockerInstallError("registries: server '%s' is listed twice." % server, 'registries')
        seen.add(server)
        result.append(RegistryLogin(server=server, username=registry['username'], password=registry['password']))
    return result


def _check_compose_definition(definition: Any) -> None:
    """The shape every Compose file has (a mapping of known top-level keys, services a mapping of mappings).

    The file runs on the VM, where a definition that is no Compose file would fail after the extension
    was written: refuse it here. The full Compose rules are the compose module's (run on the VM)."""
    parsed = definition
    if not isinstance(definition, dict):
        import yaml  # pylint: disable=import-outside-toplevel  # PyYAML comes with ansible-core
        try:
            parsed = yaml.safe_load(str(definition))
        except yaml.YAMLError as exc:
            raise DockerInstallError('compose.definition is not valid YAML: %s' % ' '.join(str(exc).split()), 'compose') from exc
    if not isinstance(parsed, dict):
        raise DockerInstallError('compose.definition must be a Compose file: a mapping with services (got %s).'
                                 % type(parsed).__name__, 'compose')
    unknown = sorted(str(key) for key in parsed if not str(key).startswith('x-') and key not in COMPOSE_TOP_LEVEL_KEYS)
    if unknown:
        raise DockerInstallError('compose.definition: %s %s not a Compose top-level key (known: %s).'
                                 % (', '.join(unknown), 'is' if len(unknown) == 1 else 'are',
                                    ', '.join(COMPOSE_TOP_LEVEL_KEYS)), 'compose')
    services = parsed.get('services')
    if 'services' in parsed and not isinstance(services, dict):
        raise DockerInstallError('compose.definition: services must be a mapping of service names to services.', 'compose')
    for name, service in (services or {}).items():
        if not isinstance(service, dict):
            raise DockerInstallError('compose.definition: services.%s must be a mapping.' % name, 'compose')


def build_compose(compose: Mapping[str, Any] | None) -> ComposeProject | None:
    if not compose:
        return None
    project = compose.get('project_name') or 'app'
    if not PROJECT_NAME.match(project):
        raise DockerInstallError("compose.project_name '%s' must be lower-case letters, digits, '-' and '_', starting "
                                 "with a letter or digit." % project, 'compose')
    definition = compose.get('definition')
    if definition is None or definition == '' or definition == {}:
        raise DockerInstallError('compose.definition is required (the Compose file, as text or as a dictionary).', 'compose')
    _check_compose_definition(definition)
    if isinstance(definition, dict):
        text = json.dumps(definition, indent=2, sort_keys=True) + '\n'  # JSON is YAML
    else:
        text = str(definition)
        if not text.endswith('\n'):
            text += '\n'
    environment = {}
    for key, value in (compose.get('environment') or {}).items():
        if not ENV_NAME.match(str(key)):
            raise DockerInstallError("compose.environment: '%s' is not a valid variable name." % key, 'compose')
        environment[str(key)] = '' if value is None else str(value)
    return ComposeProject(project=project, file=text, environment=environment)


def build_users(users: Iterable[str] | None) -> list[str]:
    for user in users or []:
        if not USER_NAME.match(user):
            raise DockerInstallError("users: '%s' is not a valid Linux user name." % user, 'users')
    return sorted(set(users or []))


def build_config(params: Mapping[str, Any], read_file: ReadFile = _read_file) -> InstallConfig:
    """The install configuration from the module options; raises DockerInstallError naming the option."""
    source = params.get('install_source') or 'distro'
    if source not in INSTALL_SOURCES:
        raise DockerInstallError('install_source must be one of %s.' % ', '.join(INSTALL_SOURCES), 'install_source')
    return InstallConfig(
        version=CONFIG_VERSION,
        install_source=source,
        daemon=build_daemon(params.get('daemon_options')),
        tls=build_tls(params, read_file),
        registries=build_registries(params.get('registries')),
        compose=build_compose(params.get('compose')),
        users=build_users(params.get('users')),
    )


def config_secrets(config: InstallConfig) -> list[str]:
    """Values of the configuration that must never be shown (for no_log masking)."""
    secrets = []
    tls, compose = config.get('tls'), config.get('compose')
    if tls:
        secrets.append(tls['key'])
    secrets.extend(registry['password'] for registry in config.get('registries') or [])
    if compose:
        secrets.extend(value for value in compose['environment'].values() if value)
    return secrets


def encode_config(config: InstallConfig) -> str:
    return base64.b64encode(json.dumps(config, sort_keys=True, separators=(',', ':')).encode('utf-8')).decode('ascii')


def render_script(config: InstallConfig, template: str = INSTALL_SCRIPT) -> str:
    """The install script with its configuration embedded (replacing the one DOCKYARD_CONFIG_B64 line)."""
    lines = template.split('\n')
    matches = [index for index, line in enumerate(lines) if line == CONFIG_LINE]
    if len(matches) != 1:
        raise ValueError('the install script must contain the line %r exactly once' % CONFIG_LINE)
    lines[matches[0]] = "DOCKYARD_CONFIG_B64='%s'" % encode_config(config)
    return '\n'.join(lines)


def extension_settings(config: InstallConfig) -> tuple[dict[str, Any], dict[str, str]]:
    """(public settings, protected settings) of the Custom Script extension. Nothing secret is public."""
    script = render_script(config)
    return {}, {'script': base64.b64encode(script.encode('utf-8')).decode('ascii')}


def cloud_init(config: InstallConfig) -> str:
    """`#cloud-config` custom data that writes the install script and runs it on the first boot."""
    script = render_script(config)
    packed = base64.b64encode(gzip.compress(script.encode('utf-8'), mtime=0)).decode('ascii')
    return '\n'.join([
        '#cloud-config',
        '# Docker Engine by dockyard.azure.docker_extension (output=cloud_init).',
        'write_files:',
        '  - path: %s' % CLOUD_INIT_SCRIPT_PATH,
        '    owner: root:root',
        "    permissions: '0700'",
        '    encoding: gz+b64',
        '    content: %s' % packed,
        'runcmd:',
        '  - [bash, %s]' % CLOUD_INIT_SCRIPT_PATH,
        '',
    ])


def parse_result(stdout: str | None) -> dict[str, Any] | None:
    """The last 'DOCKYARD_RESULT {json}' line of the script's stdout as a dict, or None."""
    found = None
    for line in (stdout or '').splitlines():
        line = line.strip()
        if line.startswith(RESULT_PREFIX):
            try:
                value = json.loads(line[len(RESULT_PREFIX):])
            except ValueError:
                continue
            if isinstance(value, dict):
                found = value
    return found


def docker_endpoint(host: str | None, port: int) -> str | None:
    """tcp://host:port, with an IPv6 address in brackets."""
    if host is None:
        return None
    if ':' in host and not host.startswith('['):
        host = '[%s]' % host
    return 'tcp://%s:%d' % (host, port)
