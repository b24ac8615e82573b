#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_extension
short_description: Install and configure Docker Engine on an Azure VM through a VM extension or cloud-init
version_added: 0.1.0
description:
  - Installs Docker Engine on a Debian or Ubuntu VM and configures it with the settings model of Azure's retired Docker VM
    extension - a TCP listener with TLS client verification, daemon options, registry logins, a Compose project started
    once the engine is up, and users added to the C(docker) group.
  - "Delivery through the Custom Script extension (C(Microsoft.Azure.Extensions/CustomScript) 2.1, O(output=extension), the
    default): the install script that ships with the collection, with its configuration embedded, goes base64 into the
    extension's B(protected) settings (C(script)), so the TLS key, registry passwords and Compose environment never appear
    in public settings. The module waits for the extension and returns the engine version and the endpoint."
  - "Delivery through cloud-init (O(output=cloud_init)): the module calls no Azure API and returns in RV(cloud_init) a
    C(#cloud-config) document that writes the same script and runs it on the first boot. Pass it as O(dockyard.azure.vm#module:custom_data)
    when creating the VM. Use it for VMs not created yet (the engine is ready when the VM is, with no extension round trip);
    use the extension for existing VMs and to change the configuration later - Azure cannot change the custom data of a VM."
  - "The script is idempotent: it compares every file before writing it, restarts the daemon only when its configuration
    changed, and prints a summary line C(DOCKYARD_RESULT {...}) that the module reads from the extension's output to report
    whether the VM changed. A second run with the same options does not touch the extension and reports no change."
  - "Installation: from the distribution's packages (C(docker.io)) by default, or from Docker's own repository
    (O(install_source=docker-ce)) on VMs that can reach C(download.docker.com). A VM that already has Docker keeps it."
  - "Daemon: C(/etc/docker/daemon.json) holds O(daemon_options) and, with TLS, the listeners and C(tlsverify). Under systemd a
    drop-in C(docker.service.d/dockyard.conf) removes the C(-H) flag of the packaged unit; where systemd is not PID 1 (such
    as the emulator's container VMs) the script starts C(dockerd) itself and installs C(/usr/local/sbin/dockyard-start-dockerd)
    for the VM's init to run at boot."
  - "Registry logins are written to C(/root/.docker/config.json) without contacting the registry (no C(docker login)),
    for pulls by root and by the Compose project."
  - "Compose: the file goes to C(/var/lib/dockyard/compose/<project>/) and is started with C(docker compose up --detach
    --remove-orphans) (the C(docker compose) plugin, else C(docker-compose); on a distribution that packages neither, the
    task fails and says so). Its images must be pullable from the VM or already present. Removing O(compose) later does not
    stop the project. For deployments from the controller with exact check and diff mode, use M(dockyard.azure.compose)."
  - Azure allows one Custom Script extension per VM; the module fails with Azure's message if another one exists.
  - O(state=absent) removes the extension resource only; Docker stays installed on the VM.
author:
  - dockyard.azure contributors (@dockyard)
options:
  vm_name:
    description:
      - Name of the VM. Required with O(output=extension).
    type: str
  resource_group:
    description:
      - Resource group of the VM. Required with O(output=extension).
    type: str
  name:
    description:
      - Name of the extension on the VM.
    type: str
    default: dockyard-docker
  state:
    description:
      - V(present) installs and configures Docker; V(absent) removes the extension resource (Docker stays on the VM).
    type: str
    choices: [present, absent]
    default: present
  output:
    description:
      - V(extension) applies the configuration through the Custom Script extension.
      - V(cloud_init) only renders RV(cloud_init) for a new VM's custom data; no Azure API is called and the task never
        reports a change.
    type: str
    choices: [extension, cloud_init]
    default: extension
  install_source:
    description:
      - Where Docker Engine comes from when it is not installed yet.
      - V(distro) installs the distribution's C(docker.io) package (Debian and Ubuntu mirrors).
      - V(docker-ce) adds Docker's repository (C(download.docker.com)) and installs C(docker-ce) with the Compose plugin.
    type: str
    choices: [distro, docker-ce]
    default: distro
  tcp_port:
    description:
      - TCP port of the Docker API listener, on all addresses. Defaults to V(2376) when the TLS options are set.
      - The listener always verifies client certificates (C(tlsverify)); a port without O(tls_ca_cert), O(tls_server_cert)
        and O(tls_server_key) is refused, and so is V(2375).
      - Open the port in the VM's network security group only to the addresses that need it.
    type: int
  tls_ca_cert:
    description:
      - The CA certificate that signed the client certificates the daemon accepts, as PEM text or the path of a PEM file
        on the host that runs the module.
      - M(dockyard.azure.docker_tls) makes a CA, server and client certificate.
    type: str
  tls_server_cert:
    description:
      - The daemon's certificate, as PEM text or a path. Its SANs must include the address clients use (RV(endpoint)).
    type: str
  tls_server_key:
    description:
      - The private key of O(tls_server_cert), as PEM text or a path. Sent only in protected settings.
    type: str
  daemon_options:
    description:
      - "Content of C(daemon.json), for example C({\"log-driver\": \"local\"})."
      - C(hosts) and the TLS keys (C(tls), C(tlsverify), C(tlscacert), C(tlscert), C(tlskey)) come from the TCP and TLS
        options and are refused here.
    type: dict
  registries:
    description:
      - Registry credentials to store for root on the VM. Sent only in protected settings.
    type: list
    elements: dict
    suboptions:
      server:
        description:
          - Registry host, such as V(myregistry.azurecr.io) (C(https://index.docker.io/v1/) for Docker Hub).
        type: str
        required: true
      username:
        description:
          - User name.
        type: str
        required: true
      password:
        description:
          - Password or token.
        type: str
        required: true
  compose:
    description:
      - A Compose project to start once the engine is up. The file and environment are sent in protected settings.
    type: dict
    suboptions:
      project_name:
        description:
          - Compose project name (lower-case letters, digits, C(-) and C(_)).
        type: str
        default: app
      definition:
        description:
          - The Compose file, as YAML text or as a dictionary.
        type: raw
        required: true
      environment:
        description:
          - Variables for interpolation in the Compose file (they override a C(.env) file). Secrets belong here.
        type: dict
  users:
    description:
      - Existing users to add to the C(docker) group (for example the VM's admin user). A user that does not exist fails the script.
    type: list
    elements: str
  rerun:
    description:
      - Run the install script again even when the configuration did not change (a new force-update tag), for example to
        repair a VM that drifted. The task then reports a change only if the script changed something.
      - In check mode the outcome of a re-run cannot be known; the task reports no change and warns.
    type: bool
    default: false
  endpoint_host:
    description:
      - Host name or address to put into RV(endpoint). Defaults to the VM's public IP address, else the FQDN of its public
        IP, else its private IP address.
    type: str
  wait:
    description:
      - Wait (up to O(timeout) seconds) for the script to finish, and fail with its output if it fails.
      - With V(false) the task returns once Azure accepted the extension; RV(docker_version) is then unknown.
    type: bool
    default: true
extends_documentation_fragment:
  - dockyard.azure.azure
  - dockyard.azure.azure.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads only and reports whether the extension would be created or updated (so the script would run).
  diff_mode:
    support: full
    details: Shows the extension's properties before and after; the protected configuration only as changed or unchanged.
  platform:
    platforms: all
notes:
  - The script needs C(bash), C(python3) and C(apt) on the VM; Azure's Linux agent and cloud-init are Python programs, so
    images that run extensions or cloud-init have Python.
  - Installing Docker needs the VM to reach its package mirrors; a VM that already has Docker needs no network.
  - The RV(cloud_init) document contains the TLS key, registry passwords and Compose environment (compressed, base64). Keep
    it out of logs (C(no_log) on the task that uses it). Azure keeps custom data readable by root on the VM.
requirements:
  - azure-mgmt-compute >= 30
  - azure-mgmt-network >= 25
seealso:
  - module: dockyard.azure.docker_tls
  - module: dockyard.azure.vm_extension
  - module: dockyard.azure.vm
  - module: dockyard.azure.compose
"""

EXAMPLES = r"""
- name: Make the TLS material on the controller
  dockyard.azure.docker_tls:
    path: "{{ playbook_dir }}/tls/docker-01"
    ip_addresses: ["{{ docker_host.vm.public_ip }}"]
  register: tls

- name: Docker Engine on the VM, its API on 2376 with TLS client verification
  dockyard.azure.docker_extension:
    vm_name: docker-01
    resource_group: rg-docker-hosts
    tls_ca_cert: "{{ tls.ca.path }}"
    tls_server_cert: "{{ tls.server.path }}"
    tls_server_key: "{{ tls.server.key_path }}"
    daemon_options:
      log-driver: local
    users: [deploy]
  register: docker

- name: Use it from the controller
  dockyard.azure.compose:
    docker_host: "{{ docker.endpoint }}"
    validate_certs: true
    ca_path: "{{ tls.ca.path }}"
    client_cert: "{{ tls.client.path }}"
    client_key: "{{ tls.client.key_path }}"
    project_src: app/

- name: Docker with a registry login and a Compose project started on the VM
  dockyard.azure.docker_extension:
    vm_name: docker-02
    resource_group: rg-docker-hosts
    install_source: docker-ce
    registries:
      - server: myregistry.azurecr.io
        username: "{{ acr_user }}"
        password: "{{ acr_password }}"
    compose:
      project_name: web
      definition: "{{ lookup('ansible.builtin.file', 'compose.yaml') }}"
      environment:
        DB_PASSWORD: "{{ db_password }}"

- name: Render the same installation as cloud-init for a VM about to be created
  dockyard.azure.docker_extension:
    output: cloud_init
    tls_ca_cert: "{{ tls.ca.path }}"
    tls_server_cert: "{{ tls.server.path }}"
    tls_server_key: "{{ tls.server.key_path }}"
  register: docker_cloud_init
  no_log: true

- name: Create the VM with it
  dockyard.azure.vm:
    name: docker-03
    resource_group: rg-docker-hosts
    size: Standard_B2s
    image: debian12
    ssh_public_keys: ["{{ lookup('ansible.builtin.file', '~/.ssh/id_ed25519.pub') }}"]
    custom_data: "{{ docker_cloud_init.cloud_init }}"
"""

RETURN = r"""
extension:
  description:
    - The Custom Script extension after the task (see M(dockyard.azure.vm_extension)); never contains protected settings.
    - Empty with O(output=cloud_init) and when the extension does not exist.
  returned: always
  type: dict
docker_version:
  description:
    - Version of the Docker Engine on the VM, as the install script reported it in its last run; null when unknown (check
      mode before the first run, O(wait=false), O(output=cloud_init)).
  returned: always
  type: str
  sample: 20.10.24+dfsg1
endpoint:
  description:
    - The Docker API address, C(tcp://<host>:<tcp_port>), when a TLS listener is configured; else null (use SSH).
  returned: always
  type: str
  sample: tcp://20.1.2.3:2376
init:
  description:
    - V(systemd) when systemd manages dockerd on the VM, V(none) when the script runs dockerd itself (no systemd as PID 1); null when unknown.
  returned: always
  type: str
  sample: systemd
script_changed:
  description:
    - Whether the last run of the script reported a change on the VM (null when unknown).
  returned: always
  type: bool
  sample: true
script_output:
  description:
    - The script's stdout (the tail Azure keeps) from the extension's instance view; null when unknown.
  returned: always
  type: str
cloud_init:
  description:
    - The C(#cloud-config) custom data that installs and configures Docker on the first boot. Contains secrets.
  returned: when O(output=cloud_init)
  type: str
"""

from ansible_collections.dockyard.azure.plugins.module_utils.azure.docker_extension import DockerExtensionManager
from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.module_utils.docker.install_script import INSTALL_SOURCES

ARGUMENT_SPEC = dict(
    vm_name=dict(type='str'),
    resource_group=dict(type='str'),
    name=dict(type='str', default='dockyard-docker'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    output=dict(type='str', default='extension', choices=['extension', 'cloud_init']),
    install_source=dict(type='str', default='distro', choices=list(INSTALL_SOURCES)),
    tcp_port=dict(type='int'),
    tls_ca_cert=dict(type='str'),
    tls_server_cert=dict(type='str'),
    tls_server_key=dict(type='str', no_log=True),
    daemon_options=dict(type='dict'),
    registries=dict(type='list', elements='dict', options=dict(
        server=dict(type='str', required=True),
        username=dict(type='str', required=True),
        password=dict(type='str', required=True, no_log=True),
    )),
    compose=dict(type='dict', options=dict(
        project_name=dict(type='str', default='app'),
        definition=dict(type='raw', required=True),
        environment=dict(type='dict', no_log=True),
    )),
    users=dict(type='list', elements='str'),
    rerun=dict(type='bool', default=False),
    endpoint_host=dict(type='str'),
    wait=dict(type='bool', default=True),
)

REQUIRED_IF = [('output', 'extension', ('vm_name', 'resource_group'))]


def main():
    module = AzureModule(argument_spec=ARGUMENT_SPEC, required_if=REQUIRED_IF, supports_check_mode=True)
    with module.errors():
        manager = DockerExtensionManager(module.context(), module.params)
        module.no_log_values.update(manager.secrets)
        result = manager.run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
