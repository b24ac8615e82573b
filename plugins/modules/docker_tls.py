#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_tls
short_description: Make and renew the TLS material of a Docker engine with client verification
version_added: 0.1.0
description:
  - Generates, with the C(cryptography) library, a private CA, a server certificate for the Docker daemon and a client
    certificate, into one directory on the host that runs the module (typically the controller).
  - "Files: C(ca.pem) and C(ca-key.pem) (the CA), C(server-cert.pem) and C(server-key.pem) (for
    M(dockyard.azure.docker_extension)), C(cert.pem) and C(key.pem) (the client pair, named as E(DOCKER_CERT_PATH) expects,
    so C(DOCKER_CERT_PATH=<path> DOCKER_TLS_VERIFY=1) works for the Docker CLI and SDK). Private keys get mode C(0600),
    certificates C(0644); a new directory gets C(0700)."
  - "Idempotent: valid files are kept. A pair is regenerated when a file is missing or unreadable, its key does not match
    its certificate, it is expired or expires within O(renew_before_days), it was not issued by the current CA, or (server)
    its SANs differ from O(ip_addresses) and O(dns_names), or (client) its common name differs. Regenerating the CA
    regenerates both certificates. Only the server certificate changes when the VM gets a new address, so clients keep
    their CA."
  - Private keys are never returned.
author:
  - dockyard.azure contributors (@dockyard)
options:
  path:
    description:
      - Directory of the files. Created when missing.
    type: path
    required: true
  ip_addresses:
    description:
      - IP addresses clients use to reach the engine (the VM's public IP), as SANs of the server certificate.
    type: list
    elements: str
    default: []
  dns_names:
    description:
      - DNS names clients use to reach the engine (the FQDN of the VM's public IP), as SANs of the server certificate.
      - At least one of O(ip_addresses) and O(dns_names) is required.
    type: list
    elements: str
    default: []
  key_type:
    description:
      - V(ec) makes ECDSA P-256 keys, V(rsa) RSA keys of O(rsa_key_size) bits.
      - Changing it does not regenerate existing valid files (use O(force)).
    type: str
    choices: [ec, rsa]
    default: ec
  rsa_key_size:
    description:
      - Size of RSA keys.
    type: int
    choices: [2048, 3072, 4096]
    default: 3072
  ca_common_name:
    description:
      - Common name of a new CA.
    type: str
    default: dockyard Docker CA
  server_common_name:
    description:
      - Common name of a new server certificate. Defaults to the first DNS name, else the first IP address.
    type: str
  client_common_name:
    description:
      - Common name of the client certificate.
    type: str
    default: docker-client
  ca_valid_days:
    description:
      - Validity of a new CA, in days.
    type: int
    default: 3650
  cert_valid_days:
    description:
      - Validity of new server and client certificates, in days (never beyond the CA's expiry).
    type: int
    default: 825
  renew_before_days:
    description:
      - Regenerate a certificate that expires within this many days. Must be less than O(cert_valid_days) and O(ca_valid_days).
    type: int
    default: 30
  force:
    description:
      - Regenerate everything, the CA included.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the files and reports what would be regenerated and why; writes nothing.
  diff_mode:
    support: full
    details: Shows expiry, serial, fingerprint and SANs of each certificate before and after.
  platform:
    platforms: posix
requirements:
  - cryptography >= 3.1
seealso:
  - module: dockyard.azure.docker_extension
"""

EXAMPLES = r"""
- name: TLS material for a Docker host, kept up to date on every run
  dockyard.azure.docker_tls:
    path: "{{ playbook_dir }}/tls/docker-01"
    ip_addresses: ["{{ docker_host.vm.public_ip }}"]
    dns_names: ["{{ docker_host.vm.fqdn }}"]
  register: tls

- name: Talk to the engine with the client pair
  ansible.builtin.command: docker info
  environment: "{{ tls.docker_env | combine({'DOCKER_HOST': 'tcp://' ~ docker_host.vm.public_ip ~ ':2376'}) }}"
  changed_when: false

- name: Rotate everything, the CA included
  dockyard.azure.docker_tls:
    path: "{{ playbook_dir }}/tls/docker-01"
    ip_addresses: ["{{ docker_host.vm.public_ip }}"]
    force: true
"""

RETURN = r"""
path:
  description: Absolute path of the directory.
  returned: always
  type: str
  sample: /home/ops/playbooks/tls/docker-01
ca:
  description:
    - The CA - C(path) (certificate), C(key_path), C(not_after) (ISO 8601 UTC), C(serial) (hex), C(fingerprint_sha256), C(subject).
    - In check mode a certificate that would be regenerated shows C(not_after=(regenerated)).
  returned: always
  type: dict
  sample: {"path": "/tls/ca.pem", "key_path": "/tls/ca-key.pem", "not_after": "2035-06-01T10:00:00Z",
           "serial": "5d1f...", "fingerprint_sha256": "9a0b...", "subject": "CN=dockyard Docker CA"}
server:
  description: The server certificate, as RV(ca), plus C(sans) (C(DNS:name) and C(IP:address) entries).
  returned: always
  type: dict
  sample: {"path": "/tls/server-cert.pem", "key_path": "/tls/server-key.pem", "not_after": "2027-09-04T10:00:00Z",
           "sans": ["IP:20.1.2.3"]}
client:
  description: The client certificate (C(cert.pem), C(key.pem)), as RV(ca).
  returned: always
  type: dict
regenerated:
  description: What was (or in check mode would be) regenerated, in order, each with C(name) (ca, server, client) and C(reason).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "server", "reason": "SANs differ (have IP:20.1.2.3, want IP:20.1.2.4)"}]
modes_fixed:
  description: Key files whose mode was (or would be) set back to 0600.
  returned: always
  type: list
  elements: str
docker_env:
  description: E(DOCKER_CERT_PATH) and E(DOCKER_TLS_VERIFY) for the Docker CLI or SDK.
  returned: always
  type: dict
  sample: {"DOCKER_CERT_PATH": "/tls", "DOCKER_TLS_VERIFY": "1"}
"""

from ansible_collections.dockyard.azure.plugins.module_utils.base_module import DockyardModule
from ansible_collections.dockyard.azure.plugins.module_utils.docker.tls import TlsManager

ARGUMENT_SPEC = dict(
    path=dict(type='path', required=True),
    ip_addresses=dict(type='list', elements='str', default=[]),
    dns_names=dict(type='list', elements='str', default=[]),
    key_type=dict(type='str', default='ec', choices=['ec', 'rsa']),
    rsa_key_size=dict(type='int', default=3072, choices=[2048, 3072, 4096]),
    ca_common_name=dict(type='str', default='dockyard Docker CA'),
    server_common_name=dict(type='str'),
    client_common_name=dict(type='str', default='docker-client'),
    ca_valid_days=dict(type='int', default=3650),
    cert_valid_days=dict(type='int', default=825),
    renew_before_days=dict(type='int', default=30),
    force=dict(type='bool', default=False),
)


def main():
    # No engine to talk to: the family-less base class, for its error funnel.
    module = DockyardModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with module.errors():
        result = TlsManager(module.params, check_mode=module.check_mode, diff=module._diff).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
