# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # Connection options of every module that talks to a Docker engine.
    DOCUMENTATION = r'''
options:
  docker_host:
    description:
      - The Docker engine to talk to, as C(unix:///path/to/docker.sock), C(tcp://host:port) or C(ssh://user@host).
      - When not set, the value of the E(DOCKER_HOST) environment variable is used,
        and when that is not set either, C(unix:///var/run/docker.sock).
      - A C(tcp://) host with O(tls=true) or O(validate_certs=true) is reached over HTTPS.
    type: str
    aliases: [ docker_url ]
  tls:
    description:
      - Use TLS to reach a C(tcp://) host, without verifying the server certificate unless
        O(validate_certs=true).
      - When not set, TLS is used if O(validate_certs) is true or O(client_cert) is given.
    type: bool
  validate_certs:
    description:
      - Use TLS and verify the engine's certificate against O(ca_path).
      - When not set, the E(DOCKER_TLS_VERIFY) environment variable decides (any non-empty value
        other than C(0)/C(false) means true).
    type: bool
    aliases: [ tls_verify ]
  ca_path:
    description:
      - CA certificate (PEM) that signed the engine's certificate.
      - Defaults to C(ca.pem) in the directory named by E(DOCKER_CERT_PATH).
    type: path
    aliases: [ ca_cert, tls_ca_cert ]
  client_cert:
    description:
      - Client certificate (PEM) presented to the engine, for engines that verify clients
        (C(dockerd --tlsverify)).
      - Defaults to C(cert.pem) in the directory named by E(DOCKER_CERT_PATH).
    type: path
    aliases: [ tls_client_cert, cert_path ]
  client_key:
    description:
      - Private key (PEM) of O(client_cert).
      - Defaults to C(key.pem) in the directory named by E(DOCKER_CERT_PATH).
    type: path
    aliases: [ tls_client_key, key_path ]
  api_version:
    description:
      - Docker API version to speak, for example C(1.41).
      - When not set, E(DOCKER_API_VERSION) is used, else the version is negotiated with the engine.
    type: str
    aliases: [ docker_api_version ]
  timeout:
    description:
      - Timeout in seconds of one API call.
      - When not set, E(DOCKER_TIMEOUT) is used, else 60.
    type: int
  use_ssh_client:
    description:
      - For C(ssh://) hosts, run the system C(ssh) client instead of the paramiko library.
      - Either way the remote user needs the C(docker) CLI and access to the engine.
    type: bool
    default: false
notes:
  - Needs the Docker SDK for Python (C(docker) >= 7.0) on the host that runs the module,
    and C(paramiko) for C(ssh://) hosts unless O(use_ssh_client=true).
  - The environment variables E(DOCKER_HOST), E(DOCKER_TLS_VERIFY), E(DOCKER_CERT_PATH),
    E(DOCKER_API_VERSION) and E(DOCKER_TIMEOUT) are read as the Docker CLI reads them;
    module options win over them.
requirements:
  - docker >= 7.0 (Python library)
'''

    # Membership of the dockyard.azure.docker action group, for module_defaults.
    ACTION_GROUP = r'''
attributes:
  action_group:
    description: Use C(group/dockyard.azure.docker) or C(group/dockyard.azure.all) in C(module_defaults) to set
      defaults for this module, for example the connection options.
    support: full
    membership:
      - dockyard.azure.docker
      - dockyard.azure.all
'''

    # Attributes of the read-only *_info modules.
    INFO_MODULE = r'''
attributes:
  check_mode:
    support: full
    details: This action does not modify state.
  diff_mode:
    support: N/A
    details: This action does not modify state.
'''
