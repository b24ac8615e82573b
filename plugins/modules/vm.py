#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm
short_description: Create, update, power and delete Azure Linux virtual machines with their network
version_added: 0.1.0
description:
  - Create a Linux VM with SSH key login only (password login is always disabled), change what Azure
    lets change in place, set its power state, or delete it with the resources the module created for it.
  - "Network: either attach an existing network interface (O(network_interface)), or let the module create and own
    a network interface C(<name>-nic), a network security group C(<name>-nsg) with explicit O(inbound_rules),
    and optionally a static Standard public IP C(<name>-pip) with a DNS label. The VM goes into an existing virtual
    network and subnet, which are created when missing and address prefixes are known."
  - Everything the module creates besides the VM carries the tag C(dockyard-owned-by) whose value is the VM's
    resource ID. O(state=absent) deletes the VM, its OS disk, the data disks the module created, and the network
    interface, public IP, network security group and virtual network tagged as owned by it, and nothing else.
  - The VM carries the module's own tags C(dockyard-custom-data-sha256) and C(dockyard-inbound-rules-sha256) (see
    O(inbound_rules_compare)); they are always kept, also with O(append_tags=false), and O(tags) cannot set them or
    C(dockyard-owned-by).
  - Only the options that are set are compared with an existing VM; unset options keep what the VM has.
  - Changes Azure cannot make in place (image, admin user, SSH keys, custom data, zone, location, priority, eviction
    policy, OS disk settings, data disk size or type, network interface, subnet) fail with a message naming each
    property, unless O(replace=true), which deletes and recreates the VM.
  - "Resizing: when O(size) changes, the module asks Azure which sizes the VM's current hardware cluster offers
    (C(virtual_machines.list_available_sizes)). If the new size is among them the VM is resized in place (Azure restarts
    it); otherwise it is deallocated first, resized, and then returned to its previous power state (or to O(state))."
  - Names of the resources the module creates are deterministic, so a run that failed half way can be re-run to
    completion without creating duplicates.
author:
  - dockyard.azure contributors (@dockyard)
options:
  name:
    description:
      - Name of the VM, also used as its host name.
      - 1-64 letters, digits and hyphens, starting and ending with a letter or digit, not only digits.
    type: str
    required: true
  resource_group:
    description:
      - Resource group of the VM and of the network resources the module creates. It must exist.
    type: str
    required: true
  location:
    description:
      - Azure region of the VM. Defaults to the resource group's region.
      - Cannot change for an existing VM.
    type: str
  state:
    description:
      - V(present) creates or updates the VM and leaves the power state of an existing VM alone (a new VM runs).
      - V(started), V(stopped), V(deallocated) also set the power state. V(stopped) powers the VM off but keeps its
        hardware allocated (and billed); a deallocated VM already counts as stopped.
      - V(restarted) restarts a running VM and starts a stopped one; it always reports a change.
      - V(absent) deletes the VM and what it owns.
    type: str
    choices: [present, absent, started, stopped, deallocated, restarted]
    default: present
  size:
    description:
      - VM size, for example V(Standard_B2s). Required to create a VM.
      - Checked against the sizes of the location before anything is written; an unknown size fails and lists the valid ones.
      - Changing it resizes the VM, see the description for when the VM is deallocated first.
    type: str
  image:
    description:
      - Image of a new VM. One of
      - an alias, case-insensitive; V(debian13), V(debian12), V(debian11), V(ubuntu2404), V(ubuntu2204), V(ubuntu2004),
        V(rhel9), V(almalinux9), V(rockylinux9), V(azurelinux3) (each the newest Gen2 image of that release);
      - a marketplace URN C(Publisher:Offer:Sku:Version), where the version V(latest) is resolved to the newest version
        in the location when the VM is created;
      - the resource ID of a managed image or an Azure Compute Gallery image (version).
      - Required to create a VM. For an existing VM a C(latest) version matches whatever version it was created from.
    type: str
  admin_username:
    description:
      - Admin user created on a new VM, whose C(authorized_keys) receives O(ssh_public_keys).
      - Defaults to V(azureuser) when creating. Names Azure reserves (root, admin, administrator, ...) are refused.
    type: str
  ssh_public_keys:
    description:
      - OpenSSH public keys (the content of C(.pub) files) of the admin user. At least one is required to create a VM.
      - Supported types are ssh-rsa (2048 bits or more), ssh-ed25519 and ecdsa-sha2-nistp256/384/521. Comments are ignored
        when comparing.
      - Azure cannot change the keys of an existing VM through its definition; a different set needs O(replace=true).
    type: list
    elements: str
  custom_data:
    description:
      - Custom data (typically a cloud-init file) passed to a new VM, as text; the module base64-encodes it.
      - Azure never returns custom data, so the module stores the SHA-256 of the text in the VM tag
        C(dockyard-custom-data-sha256) and compares that. A different text needs O(replace=true), since Azure cannot
        change the custom data of an existing VM.
      - For a VM without that tag (created otherwise) the custom data cannot be compared; the module warns and leaves it.
    type: str
  os_disk:
    description:
      - OS disk of a new VM. It is named C(<name>-osdisk) and deleted with the VM.
      - These settings cannot change on an existing VM (O(replace=true) recreates the VM).
    type: dict
    suboptions:
      size_gb:
        description:
          - Size in GiB. Defaults to the image's size.
        type: int
      type:
        description:
          - Storage type. Defaults to V(StandardSSD_LRS) when creating.
        type: str
        choices: [Standard_LRS, StandardSSD_LRS, Premium_LRS, StandardSSD_ZRS, Premium_ZRS]
      caching:
        description:
          - Host caching. Defaults to V(ReadWrite) when creating.
        type: str
        choices: ['None', ReadOnly, ReadWrite]
  data_disks:
    description:
      - Empty managed data disks, named C(<name>-datadisk-<lun>) and deleted with the VM.
      - Disks with a new LUN are added to an existing VM in place; the caching of an existing disk changes in place;
        a different size or type of an existing LUN needs O(replace=true).
      - Data disks of the VM that are not listed are left alone.
    type: list
    elements: dict
    suboptions:
      lun:
        description:
          - Logical unit number, 0-63, unique per VM.
        type: int
        required: true
      size_gb:
        description:
          - Size in GiB.
        type: int
        required: true
      type:
        description:
          - Storage type. Defaults to V(StandardSSD_LRS).
        type: str
        choices: [Standard_LRS, StandardSSD_LRS, Premium_LRS, StandardSSD_ZRS, Premium_ZRS, PremiumV2_LRS, UltraSSD_LRS]
      caching:
        description:
          - Host caching. Azure's default applies when not set.
        type: str
        choices: ['None', ReadOnly, ReadWrite]
  zone:
    description:
      - Availability zone of a new VM. Cannot change for an existing VM.
    type: str
    choices: ['1', '2', '3']
  priority:
    description:
      - V(Spot) creates a Spot VM, which Azure may evict; V(Regular) (the default when creating) does not.
      - Cannot change for an existing VM.
    type: str
    choices: [Regular, Spot]
  eviction_policy:
    description:
      - What happens to an evicted Spot VM. Defaults to V(Deallocate) when creating a Spot VM. Needs O(priority=Spot).
    type: str
    choices: [Deallocate, Delete]
  max_price:
    description:
      - Highest price in US dollars per hour a Spot VM may cost; V(-1) (the default when creating a Spot VM) means up to
        the pay-as-you-go price. Needs O(priority=Spot).
      - Azure changes it only on a deallocated VM, so a change deallocates the VM first and restores its power state after.
    type: float
  identity:
    description:
      - Managed identities of the VM. When not set, the VM's identities are left alone.
    type: dict
    suboptions:
      system_assigned:
        description:
          - Whether the VM has a system-assigned identity.
        type: bool
        default: false
      user_assigned:
        description:
          - Resource IDs of user-assigned identities; exactly these are assigned.
        type: list
        elements: str
        default: []
  boot_diagnostics:
    description:
      - Whether boot diagnostics (serial console log and screenshot, in managed storage) are on. Changes in place.
      - When not set, a new VM has them off and an existing VM keeps its setting.
    type: bool
  network_interface:
    description:
      - Name (in O(resource_group)) or resource ID of an existing network interface to use as the VM's primary NIC.
      - The module does not own it and never deletes it. Mutually exclusive with the options that describe the
        network the module creates.
    type: str
  virtual_network:
    description:
      - Name (in O(resource_group)) or resource ID of the virtual network of the NIC the module creates.
      - When not set, the virtual network C(<name>-vnet) is used, created with O(virtual_network_address_prefixes)
        (default V(10.0.0.0/16)) if missing.
      - A named virtual network that does not exist is created only when O(virtual_network_address_prefixes) is set.
        A virtual network the module creates is owned by the VM; an existing one is never changed or deleted.
    type: str
  virtual_network_address_prefixes:
    description:
      - Address prefixes of the virtual network when the module creates it. Not compared with an existing network.
    type: list
    elements: str
  subnet:
    description:
      - Subnet of the NIC the module creates. Defaults to V(default).
      - A missing subnet is created with O(subnet_address_prefix) (or, in a virtual network the module creates, with
        the first of its prefixes, or V(10.0.0.0/24) for the default network).
      - A subnet created in an existing virtual network is not deleted with the VM (subnets carry no tags).
      - Changing the subnet of an existing VM needs O(replace=true), which then also recreates the NIC.
    type: str
  subnet_address_prefix:
    description:
      - Address prefix of the subnet when the module creates it.
    type: str
  public_ip:
    description:
      - Whether the VM gets a static Standard SKU public IP C(<name>-pip). When not set, a new VM gets none and an
        existing VM keeps what it has.
      - V(false) on a VM that has one the module created detaches and deletes it.
    type: bool
  dns_label:
    description:
      - DNS label of the public IP, giving the FQDN C(<label>.<location>.cloudapp.azure.com). Needs O(public_ip=true).
    type: str
  inbound_rules:
    description:
      - Exactly the inbound rules of the network security group C(<name>-nsg) that the module creates for the NIC.
        Without rules only Azure's default rules apply (no inbound traffic from the Internet).
      - When not set, a new VM gets an NSG without custom rules and the rules of an existing VM are left alone;
        V([]) removes all custom rules.
      - The source of every rule must be stated, SSH included. A TCP rule that opens port 2375 (the Docker API without
        TLS) is refused; use 2376 with TLS client verification, or SSH.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Rule name. Defaults to C(allow-<protocol>-<ports>).
        type: str
      ports:
        description:
          - Destination ports or ranges, such as V(22), V(443) or V(8000-8100). Required except for V(Icmp).
        type: list
        elements: str
        aliases: [port]
      protocol:
        description:
          - Protocol of the rule.
        type: str
        choices: [Tcp, Udp, Icmp, Any]
        default: Tcp
      source_prefixes:
        description:
          - Source addresses allowed, as IP addresses, CIDR prefixes, service tags (V(Internet), V(VirtualNetwork)...) or V(*).
        type: list
        elements: str
        required: true
      priority:
        description:
          - Rule priority, 100-4096, unique. Defaults to 1000 + 10 x the rule's position.
        type: int
      description:
        description:
          - Free text description of the rule.
        type: str
  inbound_rules_compare:
    description:
      - How an existing VM's O(inbound_rules) are compared with its network security group.
      - V(tag) reads the NSG only when needed. When the module applies (or verifies) the rules, it records their
        digest (with the NSG's ID) in the VM's tag C(dockyard-inbound-rules-sha256), which the VM's own read returns;
        a later run with the same rules, whose NIC still uses that NSG, skips the NSG read. A change of the rules, of
        the tag, or of the NIC's NSG makes the module read and compare the NSG again. An edit of the NSG's rules made
        outside this module (portal, CLI) is not seen this way.
      - V(full) reads and compares the NSG on every run, so such an out-of-band edit is found and reverted; one ARM read
        more per run.
      - A VM created before the tag existed gets it with the next run that writes anything; until then its NSG is read
        every run.
    type: str
    choices: [tag, full]
    default: tag
  replace:
    description:
      - Allow deleting and recreating the VM when an option differs in a way Azure cannot change in place.
      - The OS disk and the data disks the module created are deleted with the old VM; the NIC, public IP (and so the
        public address) and NSG it owns are kept, unless the subnet changes, which recreates the NIC.
      - Options that are not set are taken from the old VM, except O(custom_data), which Azure does not return.
    type: bool
    default: false
  wait:
    description:
      - Wait (up to O(timeout) seconds) for the last long-running operation (creating, updating, powering or deleting
        the VM) to finish. Operations that others depend on are always waited for.
      - With V(false), the returned power state and addresses may not be final yet.
    type: bool
    default: true
extends_documentation_fragment:
  - dockyard.azure.azure
  - dockyard.azure.azure.action_group
  - dockyard.azure.tags
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads only, and returns in RV(actions) the exact list of resources that would be created, changed or deleted.
  diff_mode:
    support: full
    details: Shows the managed properties (size, image, tags, power state, network, ...) before and after.
  platform:
    platforms: all
requirements:
  - azure-mgmt-compute >= 30
  - azure-mgmt-network >= 25
  - azure-mgmt-resource >= 23
seealso:
  - module: dockyard.azure.vm_info
  - module: dockyard.azure.resource_group
"""

EXAMPLES = r"""
- name: A Debian 12 Docker host with a public IP, reachable on SSH from the office only
  dockyard.azure.vm:
    name: docker-01
    resource_group: rg-docker-hosts
    size: Standard_B2s
    image: debian12
    admin_username: deploy
    ssh_public_keys:
      - "{{ lookup('ansible.builtin.file', '~/.ssh/id_ed25519.pub') }}"
    custom_data: "{{ lookup('ansible.builtin.file', 'cloud-init.yml') }}"
    public_ip: true
    dns_label: docker-01-example
    inbound_rules:
      - ports: [22]
        source_prefixes: [203.0.113.0/24]
      - name: https
        ports: [80, 443]
        source_prefixes: ['*']
    tags:
      role: docker
  register: docker_host

- name: Add it to the inventory
  ansible.builtin.add_host:
    name: docker-01
    ansible_host: "{{ docker_host.vm.ansible_host }}"
    ansible_user: deploy

- name: A VM in an existing subnet, with a data disk and a system-assigned identity
  dockyard.azure.vm:
    name: worker-01
    resource_group: rg-docker-hosts
    size: Standard_D2s_v5
    image: Canonical:ubuntu-24_04-lts:server:latest
    ssh_public_keys: "{{ team_ssh_keys }}"
    virtual_network: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub
    subnet: workers
    os_disk:
      size_gb: 64
      type: Premium_LRS
    data_disks:
      - lun: 0
        size_gb: 128
        caching: ReadOnly
    identity:
      system_assigned: true

- name: A Spot VM that is deallocated when evicted
  dockyard.azure.vm:
    name: batch-01
    resource_group: rg-batch
    size: Standard_D4s_v5
    image: ubuntu2404
    ssh_public_keys: "{{ team_ssh_keys }}"
    priority: Spot
    eviction_policy: Deallocate
    max_price: -1

- name: Resize (deallocating first if the current hardware cannot host the new size)
  dockyard.azure.vm:
    name: docker-01
    resource_group: rg-docker-hosts
    size: Standard_B4ms

- name: Stop paying for compute overnight
  dockyard.azure.vm:
    name: docker-01
    resource_group: rg-docker-hosts
    state: deallocated

- name: Recreate the VM with a new cloud-init file
  dockyard.azure.vm:
    name: docker-01
    resource_group: rg-docker-hosts
    custom_data: "{{ lookup('ansible.builtin.file', 'cloud-init-v2.yml') }}"
    replace: true

- name: Delete the VM, its disks and the network resources it owns
  dockyard.azure.vm:
    name: docker-01
    resource_group: rg-docker-hosts
    state: absent
"""

RETURN = r"""
vm:
  description:
    - The VM after the task; an empty dict with O(state=absent).
    - In check mode for a new VM, the VM as it would be (addresses unknown).
  returned: always
  type: dict
  contains:
    id:
      description: Resource ID of the VM.
      type: str
      returned: success
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/docker-01
    name:
      description: Name of the VM.
      type: str
      returned: success
      sample: docker-01
    resource_group:
      description: Resource group of the VM.
      type: str
      returned: success
      sample: rg-docker-hosts
    location:
      description: Region of the VM.
      type: str
      returned: success
      sample: westeurope
    vm_id:
      description: Azure's unique ID of the VM (C(vmId)).
      type: str
      returned: success
      sample: 0f4c5c5e-4a64-4e8e-bd8a-0b0e2fb2d3a5
    size:
      description: VM size.
      type: str
      returned: success
      sample: Standard_B2s
    zone:
      description: Availability zone, or null.
      type: str
      returned: success
      sample: null
    provisioning_state:
      description: Provisioning state reported by Azure.
      type: str
      returned: success
      sample: Succeeded
    power_state:
      description: Power state, such as V(running), V(stopped) or V(deallocated) (null if unknown).
      type: str
      returned: success
      sample: running
    image:
      description: Image reference of the VM (C(exact_version) is the version it was created from).
      type: dict
      returned: success
      sample: {"publisher": "Debian", "offer": "debian-12", "sku": "12-gen2", "version": "0.20240211.1654",
               "exact_version": "0.20240211.1654", "id": null}
    os_type:
      description: Operating system of the OS disk (V(Linux) or V(Windows)), or null if Azure does not say.
      type: str
      returned: success
      sample: Linux
    admin_username:
      description: Admin user of the VM.
      type: str
      returned: success
      sample: deploy
    computer_name:
      description: Host name of the VM.
      type: str
      returned: success
      sample: docker-01
    ssh_public_keys:
      description: SSH public keys of the admin user.
      type: list
      elements: str
      returned: success
    password_authentication:
      description: Whether password login is enabled (always false for VMs created by this module).
      type: bool
      returned: success
      sample: false
    os_disk:
      description: OS disk (name, id, size_gb, type, caching, delete_option).
      type: dict
      returned: success
      sample: {"name": "docker-01-osdisk", "id": "/subscriptions/.../disks/docker-01-osdisk", "size_gb": 30,
               "type": "StandardSSD_LRS", "caching": "ReadWrite", "delete_option": "Delete"}
    data_disks:
      description: Data disks (name, id, lun, size_gb, type, caching, delete_option).
      type: list
      elements: dict
      returned: success
    nic:
      description: Resource ID of the primary network interface.
      type: str
      returned: success
      sample: /subscriptions/.../networkInterfaces/docker-01-nic
    network_interfaces:
      description: Resource IDs of all network interfaces of the VM.
      type: list
      elements: str
      returned: success
    subnet:
      description: Resource ID of the subnet of the primary NIC.
      type: str
      returned: success
    network_security_group:
      description: Resource ID of the NSG of the primary NIC, or null.
      type: str
      returned: success
    public_ip_id:
      description: Resource ID of the public IP of the primary NIC, or null.
      type: str
      returned: success
    private_ip:
      description: Private IP address of the primary NIC.
      type: str
      returned: success
      sample: 10.0.0.4
    public_ip:
      description: Public IP address, or null.
      type: str
      returned: success
      sample: 20.1.2.3
    fqdn:
      description: Fully qualified domain name of the public IP, or null.
      type: str
      returned: success
      sample: docker-01-example.westeurope.cloudapp.azure.com
    ansible_host:
      description: The address to connect to, ready for C(add_host) - the public IP, else the FQDN, else the private IP.
      type: str
      returned: success
      sample: 20.1.2.3
    priority:
      description: V(Regular) or V(Spot).
      type: str
      returned: success
      sample: Regular
    eviction_policy:
      description: Eviction policy of a Spot VM, else null.
      type: str
      returned: success
      sample: null
    max_price:
      description: Max price of a Spot VM, else null.
      type: float
      returned: success
      sample: null
    identity:
      description: Managed identities (type, principal_id, user_assigned).
      type: dict
      returned: success
      sample: {"type": "SystemAssigned", "principal_id": "9f6f...", "user_assigned": []}
    boot_diagnostics:
      description: Whether boot diagnostics are on.
      type: bool
      returned: success
      sample: false
    custom_data_sha256:
      description: SHA-256 of the custom data the VM was created with (from its tag), or null.
      type: str
      returned: success
    tags:
      description: Tags of the VM, including the module's own.
      type: dict
      returned: success
      sample: {"role": "docker"}
actions:
  description:
    - What the task did, or in check mode would do, in order. Each item has C(action) (create, update, delete, start,
      power_off, deallocate, restart), C(type) (virtual_machine, network_interface, public_ip, network_security_group,
      virtual_network, subnet, disk), C(name), C(id) and C(detail).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "create", "type": "network_security_group", "name": "docker-01-nsg",
            "id": "/subscriptions/.../networkSecurityGroups/docker-01-nsg", "detail": "inbound rules: allow-tcp-22 Tcp/22 from 203.0.113.0/24"}]
"""

from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import TAGS_ARGUMENT_SPEC
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.manager import VmManager
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.spec import CACHING, DATA_DISK_TYPES, OS_DISK_TYPES
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.state import VM_STATES

NETWORK_CREATION_OPTIONS = ('virtual_network', 'virtual_network_address_prefixes', 'subnet', 'subnet_address_prefix',
                            'public_ip', 'dns_label', 'inbound_rules')

ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    resource_group=dict(type='str', required=True),
    location=dict(type='str'),
    state=dict(type='str', default='present', choices=list(VM_STATES)),
    size=dict(type='str'),
    image=dict(type='str'),
    admin_username=dict(type='str'),
    ssh_public_keys=dict(type='list', elements='str', no_log=False),
    custom_data=dict(type='str', no_log=True),
    os_disk=dict(type='dict', options=dict(
        size_gb=dict(type='int'),
        type=dict(type='str', choices=OS_DISK_TYPES),
        caching=dict(type='str', choices=CACHING),
    )),
    data_disks=dict(type='list', elements='dict', options=dict(
        lun=dict(type='int', required=True),
        size_gb=dict(type='int', required=True),
        type=dict(type='str', choices=DATA_DISK_TYPES),
        caching=dict(type='str', choices=CACHING),
    )),
    zone=dict(type='str', choices=['1', '2', '3']),
    priority=dict(type='str', choices=['Regular', 'Spot']),
    eviction_policy=dict(type='str', choices=['Deallocate', 'Delete']),
    max_price=dict(type='float'),
    identity=dict(type='dict', options=dict(
        system_assigned=dict(type='bool', default=False),
        user_assigned=dict(type='list', elements='str', default=[]),
    )),
    boot_diagnostics=dict(type='bool'),
    network_interface=dict(type='str'),
    virtual_network=dict(type='str'),
    virtual_network_address_prefixes=dict(type='list', elements='str'),
    subnet=dict(type='str'),
    subnet_address_prefix=dict(type='str'),
    public_ip=dict(type='bool'),
    dns_label=dict(type='str'),
    inbound_rules=dict(type='list', elements='dict', options=dict(
        name=dict(type='str'),
        ports=dict(type='list', elements='str', aliases=['port']),
        protocol=dict(type='str', default='Tcp', choices=['Tcp', 'Udp', 'Icmp', 'Any']),
        source_prefixes=dict(type='list', elements='str', required=True),
        priority=dict(type='int'),
        description=dict(type='str'),
    )),
    inbound_rules_compare=dict(type='str', default='tag', choices=['tag', 'full']),
    replace=dict(type='bool', default=False),
    wait=dict(type='bool', default=True),
    **TAGS_ARGUMENT_SPEC,
)

MUTUALLY_EXCLUSIVE = [('network_interface', option) for option in NETWORK_CREATION_OPTIONS]


def main():
    module = AzureModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    with module.errors():
        result = VmManager(module.context(), module.params).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
