#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_info
short_description: Get Azure virtual machines with their power state and IP addresses
version_added: 0.1.0
description:
  - Get one VM by name, or list the VMs of a resource group or of the whole subscription, optionally filtered by tags.
  - Every VM comes with its power state, private and public IP, FQDN and a ready-to-use C(ansible_host).
  - "The number of API calls does not grow with the number of VMs: one VM takes 3 calls (the VM with its instance
    view, its NIC, its public IP); a listing takes 3 calls (the VMs with their instance views, the network interfaces
    and the public IPs of the group or subscription, joined in memory), plus one list per other resource group that
    holds NICs or public IPs of the listed VMs."
author:
  - dockyard.azure contributors (@dockyard)
options:
  name:
    description:
      - Name of one VM; needs O(resource_group). If it does not exist, RV(vms) is empty.
    type: str
  resource_group:
    description:
      - Resource group to list the VMs of. If not set (and O(name) is not set), all VMs of the subscription are listed.
    type: str
extends_documentation_fragment:
  - dockyard.azure.azure
  - dockyard.azure.azure.action_group
  - dockyard.azure.tags.filter
  - ansible.builtin.action_common_attributes
  - dockyard.azure.azure.info_module
attributes:
  platform:
    platforms: all
requirements:
  - azure-mgmt-compute >= 30
  - azure-mgmt-network >= 25
seealso:
  - module: dockyard.azure.vm
"""

EXAMPLES = r"""
- name: Get one VM
  dockyard.azure.vm_info:
    name: docker-01
    resource_group: rg-docker-hosts
  register: result

- name: Show where to reach it
  ansible.builtin.debug:
    msg: "{{ result.vms[0].ansible_host }} is {{ result.vms[0].power_state }}"
  when: result.vms | length > 0

- name: All running Docker hosts of a group
  dockyard.azure.vm_info:
    resource_group: rg-docker-hosts
    tags:
      - role:docker
  register: docker_hosts

- name: Add them to the inventory
  ansible.builtin.add_host:
    name: "{{ item.name }}"
    ansible_host: "{{ item.ansible_host }}"
    ansible_user: "{{ item.admin_username }}"
    groups: docker_hosts
  loop: "{{ docker_hosts.vms | selectattr('power_state', 'equalto', 'running') | list }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
vms:
  description:
    - The matching VMs; empty when none match.
    - Each item has the same fields as the C(vm) result of M(dockyard.azure.vm).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource ID of the VM.
      type: str
      returned: always
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/docker-01
    name:
      description: Name of the VM.
      type: str
      returned: always
      sample: docker-01
    resource_group:
      description: Resource group of the VM.
      type: str
      returned: always
      sample: rg-docker-hosts
    location:
      description: Region of the VM.
      type: str
      returned: always
      sample: westeurope
    size:
      description: VM size.
      type: str
      returned: always
      sample: Standard_B2s
    zone:
      description: Availability zone, or null.
      type: str
      returned: always
    provisioning_state:
      description: Provisioning state reported by Azure.
      type: str
      returned: always
      sample: Succeeded
    power_state:
      description: Power state as Azure reports it (V(running), V(stopped), V(deallocated), V(starting), ...), or null if unknown.
      type: str
      returned: always
      sample: running
    image:
      description: Image reference (publisher, offer, sku, version, exact_version, id).
      type: dict
      returned: always
    os_type:
      description: Operating system of the OS disk (V(Linux) or V(Windows)), or null if Azure does not say.
      type: str
      returned: always
      sample: Linux
    admin_username:
      description: Admin user.
      type: str
      returned: always
      sample: deploy
    os_disk:
      description: OS disk (name, id, size_gb, type, caching, delete_option).
      type: dict
      returned: always
    data_disks:
      description: Data disks.
      type: list
      elements: dict
      returned: always
    nic:
      description: Resource ID of the primary network interface.
      type: str
      returned: always
    private_ip:
      description: Private IP address of the primary NIC.
      type: str
      returned: always
      sample: 10.0.0.4
    public_ip:
      description: Public IP address, or null.
      type: str
      returned: always
      sample: 20.1.2.3
    fqdn:
      description: FQDN of the public IP, or null.
      type: str
      returned: always
    ansible_host:
      description: The public IP, else the FQDN, else the private IP.
      type: str
      returned: always
      sample: 20.1.2.3
    priority:
      description: V(Regular) or V(Spot).
      type: str
      returned: always
    identity:
      description: Managed identities (type, principal_id, user_assigned).
      type: dict
      returned: always
    tags:
      description: Tags of the VM.
      type: dict
      returned: always
      sample: {"role": "docker"}
"""

from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import TAG_FILTER_ARGUMENT_SPEC
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.query import VmInfo

ARGUMENT_SPEC = dict(
    name=dict(type='str'),
    resource_group=dict(type='str'),
    **TAG_FILTER_ARGUMENT_SPEC,
)


def main():
    module = AzureModule(argument_spec=ARGUMENT_SPEC, required_by={'name': 'resource_group'}, supports_check_mode=True)
    with module.errors():
        result = VmInfo(module.context(), module.params).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
