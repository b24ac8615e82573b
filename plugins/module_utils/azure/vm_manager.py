# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VmManager: desired state (vm_spec, vm_network) -> read actual -> plan actions -> apply, for the vm module.

Framework-free: it gets a client factory ('compute', 'network', 'resource' -> SDK client), a
wait function for long-running operations and the check-mode flag, so unit tests drive it with
fakes. Every write goes through `_apply`, which records the action and, in check mode, does nothing.

Calls per run (reads; LRO status polls not counted):
- no change, module-owned network: VM GET (instanceView), NIC GET, public IP GET (if any),
  NSG GET (only when inbound_rules is set).
- create: VM GET, resource group GET, VM sizes list, image versions list (or get), VNet GET,
  NSG GET, public IP GET (if wanted), NIC GET; then PUTs of VNet (or subnet), NSG, public IP, NIC, VM.
- absent: VM GET, then GETs of the candidate owned NIC, public IP, NSG and VNet; then DELETEs.
"""

from __future__ import annotations

import copy

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import (
    AzureModuleError,
    azure_error_details,
    azure_operation,
    is_not_found,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm_images import image_urn, parse_image, resolve_image
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm_network import (
    desired_network,
    find_subnet,
    is_owned_by,
    nic_body,
    nic_differs,
    nsg_body,
    public_ip_body,
    public_ip_differs,
    rules_differ,
    rules_for_diff,
    rules_from_nsg,
    subnet_body,
    vnet_body,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm_spec import (
    actual_view,
    compare_vm,
    create_body,
    desired_view,
    spec_params_for_replace,
    validate_params,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm_state import (
    POWER_DEALLOCATED,
    POWER_RESULT,
    POWER_RUNNING,
    get_path,
    ids_equal,
    make_resource_id,
    nic_addresses,
    parse_resource_id,
    power_actions,
    power_state_from_instance_view,
    primary_nic_id,
    read_or_none,
    to_rest,
    vm_to_dict,
)
from ansible_collections.dockyard.azure.plugins.module_utils.diff import DifferenceTracker

VM_TYPE = 'Microsoft.Compute/virtualMachines'
MAX_LISTED_SIZES = 40

POWER_OPERATIONS = {
    'start': ('begin_start', 'start'),
    'power_off': ('begin_power_off', 'power off'),
    'deallocate': ('begin_deallocate', 'deallocate'),
    'restart': ('begin_restart', 'restart'),
}


class VmManager:
    """Converges one Linux VM and the network resources it owns."""

    def __init__(self, params, client_factory, subscription_id, wait_for, check_mode=False, diff=False):
        self.params = params
        self._client_factory = client_factory
        self._clients = {}
        self.subscription_id = subscription_id
        self.wait_for = wait_for
        self.check_mode = check_mode
        self.diff_enabled = diff
        self.name = params['name']
        self.resource_group = params['resource_group']
        self.vm_id = make_resource_id(subscription_id, self.resource_group, VM_TYPE, self.name)
        self.actions = []
        self.warnings = []
        self.tracker = DifferenceTracker()
        self._deleted = set()  # IDs deleted (or, in check mode, to be deleted) by this run

    # ------------------------------------------------------------------ clients and calls

    def client(self, name):
        if name not in self._clients:
            self._clients[name] = self._client_factory(name)
        return self._clients[name]

    @property
    def compute(self):
        return self.client('compute')

    @property
    def network(self):
        return self.client('network')

    def _get_by_id(self, kind, resource_id):
        parsed = parse_resource_id(resource_id)
        if not parsed or not parsed['name'] or resource_id.lower() in self._deleted:
            return None
        operations = {
            'nic': self.network.network_interfaces,
            'public_ip': self.network.public_ip_addresses,
            'nsg': self.network.network_security_groups,
            'vnet': self.network.virtual_networks,
        }[kind]
        return read_or_none("%s '%s'" % (kind.replace('_', ' '), resource_id), operations.get, parsed['resource_group'], parsed['name'])

    def _apply(self, action, rtype, name, rid, detail, call=None, wait=True, operation=None):
        """Record an action; outside check mode run `call` (returns a poller) and wait for it if asked."""
        self.actions.append({'action': action, 'type': rtype, 'name': name, 'id': rid, 'detail': detail})
        if action == 'delete' and rid:
            self._deleted.add(rid.lower())
        if self.check_mode or call is None:
            return None
        operation = operation or '%s of %s %s' % (action, rtype.replace('_', ' '), name)
        with azure_operation('Could not %s %s %s' % (action, rtype.replace('_', ' '), name)):
            poller = call()
            if wait:
                return to_rest(self.wait_for(poller, operation))
        return None

    # ------------------------------------------------------------------ entry point

    def run(self):
        validate_params(self.params)
        image_spec = parse_image(self.params['image']) if self.params.get('image') else None
        network = desired_network(self.params, self.subscription_id, self.resource_group, self.name)
        self.warnings.extend(network['warnings'])
        vm = self.get_vm()
        state = self.params['state']
        if state == 'absent':
            return self.ensure_absent(vm, network)
        if vm is None:
            return self.create(self.params, network, state)
        return self.converge(vm, image_spec, network, state)

    def get_vm(self):
        with azure_operation("Could not read VM '%s'" % self.name):
            try:
                vm = self.compute.virtual_machines.get(self.resource_group, self.name, expand='instanceView')
                return to_rest(vm)
            except Exception as exc:  # pylint: disable=broad-except
                if not is_not_found(exc):
                    raise
                if azure_error_details(exc).get('error_code') == 'ResourceGroupNotFound' and self.params['state'] != 'absent':
                    raise self._missing_group() from exc
                return None

    def _missing_group(self):
        return AzureModuleError(
            "resource_group: resource group '%s' does not exist (ResourceGroupNotFound). Create it first, for example with "
            "dockyard.azure.resource_group, or correct resource_group." % self.resource_group, error_code='ResourceGroupNotFound')

    def _group_location(self):
        group = read_or_none("resource group '%s'" % self.resource_group,
                             self.client('resource').resource_groups.get, self.resource_group)
        if group is None:
            raise self._missing_group()
        return group.get('location')

    def _check_size(self, location, size):
        with azure_operation("size: could not list the VM sizes of location '%s'" % location):
            names = [(to_rest(item) or {}).get('name') for item in self.compute.virtual_machine_sizes.list(location)]
        names = sorted(name for name in names if name)
        for name in names:
            if name.lower() == size.lower():
                return name
        family = size.split('_')[1][:1].lower() if '_' in size else ''
        similar = [name for name in names if family and name.lower().startswith('standard_' + family)]
        shown = (similar or names)[:MAX_LISTED_SIZES]
        more = len(names) - len(shown)
        raise AzureModuleError(
            "size: '%s' is not a VM size available in location '%s'. Available sizes%s: %s%s."
            % (size, location, ' like it' if similar else '', ', '.join(shown),
               ' (and %d more)' % more if more > 0 else ''), valid_sizes=names)

    # ------------------------------------------------------------------ create

    def create(self, params, network, state, replaced=None):
        """Create the VM (and its network); `replaced` is the REST dict of a VM deleted for replacement."""
        for option, example in (('size', 'Standard_B2s'), ('image', 'debian12')):
            if not params.get(option):
                raise AzureModuleError("%s: required to create VM '%s' (for example %s)." % (option, self.name, example))
        if not params.get('ssh_public_keys'):
            raise AzureModuleError("ssh_public_keys: at least one SSH public key is required to create VM '%s'; "
                                   "password login is always disabled." % self.name)
        location = params.get('location') or (replaced or {}).get('location') or self._group_location()
        if params.get('location') and replaced is None:
            self._group_location()  # a clear error when the group is missing, before any write
        params = dict(params, size=self._check_size(location, params['size']))
        image_spec = resolve_image(self.compute, location, parse_image(params['image']))

        nic, public_ip = self._plan_network_for_create(network, location, params)
        body = create_body(params, location, image_spec, nic_id=network['nic']['id'])
        result = self._apply('create', 'virtual_machine', self.name, self.vm_id,
                             'size %s, image %s' % (params['size'], image_urn(image_spec)),
                             lambda: self.compute.virtual_machines.begin_create_or_update(self.resource_group, self.name, body),
                             wait=self.params['wait'] or state in ('stopped', 'deallocated'))
        vm = result or dict(copy.deepcopy(body), id=self.vm_id, name=self.name, type=VM_TYPE)
        power = POWER_RUNNING
        if state in ('stopped', 'deallocated'):
            power = self._power(power_actions(power, state), power)
        view = desired_view(params, location, image_spec)
        view['power_state'] = power
        view['network'] = self._network_view(network, nic, public_ip)
        if replaced is None:
            self.tracker = DifferenceTracker()
            for key, value in view.items():
                self.tracker.add(key, None, value)
        return self._result(True, vm, nic, public_ip, power, before_exists=replaced is not None)

    def _owned_or_fail(self, resource, kind, option_hint):
        if resource is not None and not is_owned_by(resource, self.vm_id):
            raise AzureModuleError(
                "%s '%s' already exists but was not created for VM '%s' (no %s tag naming it). Use another VM name, or %s."
                % (kind, resource.get('name'), self.name, 'dockyard-owned-by', option_hint))
        return resource

    def _plan_network_for_create(self, network, location, params):
        """Reads and plans (and applies) the network a new VM needs; returns (nic, public_ip) REST dicts."""
        if network['mode'] == 'existing_nic':
            nic = self._get_by_id('nic', network['nic']['id'])
            if nic is None:
                raise AzureModuleError("network_interface: network interface '%s' does not exist in resource group '%s'."
                                       % (network['nic']['name'], network['nic']['resource_group']))
            attached = get_path(nic, 'properties', 'virtualMachine', 'id')
            if attached and not ids_equal(attached, self.vm_id):
                raise AzureModuleError("network_interface: network interface '%s' is attached to VM '%s' already."
                                       % (network['nic']['name'], attached))
            dummy, pip_id, dummy2, dummy3 = nic_addresses(nic)
            return nic, (self._get_by_id('public_ip', pip_id) if pip_id else None)

        vnet_spec, subnet_spec = network['vnet'], network['subnet']
        vnet = self._get_by_id('vnet', vnet_spec['id'])
        if vnet is None:
            if not vnet_spec['prefixes']:
                raise AzureModuleError(
                    "virtual_network: virtual network '%s' does not exist in resource group '%s'. Name an existing one, or "
                    "give virtual_network_address_prefixes to create it." % (vnet_spec['name'], vnet_spec['resource_group']))
            body = vnet_body(location, self.vm_id, vnet_spec['prefixes'], subnet_spec['name'], subnet_spec['prefix'])
            self._apply('create', 'virtual_network', vnet_spec['name'], vnet_spec['id'],
                        '%s, subnet %s (%s)' % (', '.join(vnet_spec['prefixes']), subnet_spec['name'], subnet_spec['prefix']),
                        lambda: self.network.virtual_networks.begin_create_or_update(vnet_spec['resource_group'], vnet_spec['name'], body))
        elif find_subnet(vnet, subnet_spec['name']) is None:
            if not subnet_spec['prefix']:
                raise AzureModuleError(
                    "subnet: subnet '%s' does not exist in virtual network '%s'. Name an existing subnet, or give "
                    "subnet_address_prefix to create it." % (subnet_spec['name'], vnet_spec['name']))
            body = subnet_body(subnet_spec['name'], subnet_spec['prefix'])
            self._apply('create', 'subnet', subnet_spec['name'], subnet_spec['id'], subnet_spec['prefix'],
                        lambda: self.network.subnets.begin_create_or_update(
                            vnet_spec['resource_group'], vnet_spec['name'], subnet_spec['name'], body))

        # A NIC, NSG or public IP may be left by a failed run or kept by a replace: reuse them, keeping what
        # the options leave unset (public_ip / inbound_rules not given).
        nic_spec, nsg_spec, pip_spec = network['nic'], network['nsg'], network['public_ip']
        nic = self._owned_or_fail(self._get_by_id('nic', nic_spec['id']), 'Network interface', 'pass it as network_interface')
        current_pip_id = nic_addresses(nic)[1] if nic else None

        nsg = self._owned_or_fail(self._get_by_id('nsg', nsg_spec['id']), 'Network security group', 'delete it')
        if nsg is None or nsg_spec['rules'] is not None:
            self._ensure_nsg(nsg, nsg_spec, location, rules=nsg_spec['rules'] if nsg_spec['rules'] is not None else [])

        wanted = pip_spec['wanted'] if pip_spec['wanted'] is not None else current_pip_id is not None
        public_ip, pip_id = None, None
        if wanted and current_pip_id and not ids_equal(current_pip_id, pip_spec['id']):
            public_ip, pip_id = self._get_by_id('public_ip', current_pip_id), current_pip_id  # not ours: keep as is
        elif wanted:
            public_ip = self._owned_or_fail(self._get_by_id('public_ip', pip_spec['id']), 'Public IP address', 'delete it')
            public_ip, pip_id = self._ensure_public_ip(public_ip, pip_spec, location, params.get('zone')), pip_spec['id']

        nic = self._ensure_nic(nic, nic_spec, location, subnet_spec['id'], pip_id, nsg_spec['id'])
        return nic, public_ip

    def _ensure_nsg(self, nsg, nsg_spec, location, rules):
        if nsg is not None and nsg.get('location'):
            location = nsg['location']
        body = nsg_body(location, self.vm_id, rules)
        before = rules_from_nsg(nsg) if nsg is not None else None
        failed = get_path(nsg, 'properties', 'provisioningState') == 'Failed'
        if nsg is None or failed or rules_differ(rules, before):
            action = 'create' if nsg is None else 'update'
            described = ['%s %s/%s from %s' % (r['name'], r['protocol'], ','.join(r['ports']), ','.join(r['source_prefixes']))
                         for r in rules]
            detail = 'inbound rules: %s' % (', '.join(described) or 'none')
            return self._apply(action, 'network_security_group', nsg_spec['name'], nsg_spec['id'], detail,
                               lambda: self.network.network_security_groups.begin_create_or_update(
                                   self.resource_group, nsg_spec['name'], body)) or body
        return nsg

    def _ensure_public_ip(self, public_ip, pip_spec, location, zone):
        if public_ip is None:
            body = public_ip_body(location, self.vm_id, pip_spec['dns_label'], zone)
            return self._apply('create', 'public_ip', pip_spec['name'], pip_spec['id'],
                               'Standard, static%s' % (', DNS label %s' % pip_spec['dns_label'] if pip_spec['dns_label'] else ''),
                               lambda: self.network.public_ip_addresses.begin_create_or_update(
                                   self.resource_group, pip_spec['name'], body)) or dict(body, id=pip_spec['id'])
        failed = get_path(public_ip, 'properties', 'provisioningState') == 'Failed'
        if failed or (pip_spec['dns_label'] is not None and public_ip_differs(pip_spec['dns_label'], public_ip)):
            body = copy.deepcopy(public_ip)
            props = body.setdefault('properties', {})
            if pip_spec['dns_label'] is not None:
                props['dnsSettings'] = {'domainNameLabel': pip_spec['dns_label']}
            return self._apply('update', 'public_ip', pip_spec['name'], pip_spec['id'],
                               'DNS label %s' % pip_spec['dns_label'],
                               lambda: self.network.public_ip_addresses.begin_create_or_update(
                                   self.resource_group, pip_spec['name'], body)) or body
        return public_ip

    def _ensure_nic(self, nic, nic_spec, location, subnet_id, public_ip_id, nsg_id):
        if nic is None:
            body = nic_body(location, self.vm_id, subnet_id, public_ip_id, nsg_id)
            return self._apply('create', 'network_interface', nic_spec['name'], nic_spec['id'],
                               'subnet %s%s' % (subnet_id.rsplit('/', 1)[-1], ', public IP' if public_ip_id else ''),
                               lambda: self.network.network_interfaces.begin_create_or_update(
                                   self.resource_group, nic_spec['name'], body)) or dict(body, id=nic_spec['id'])
        differs = nic_differs(nic, subnet_id, public_ip_id, nsg_id)
        if get_path(nic, 'properties', 'provisioningState') == 'Failed':
            differs.append('provisioning state Failed')
        if not differs:
            return nic
        body = copy.deepcopy(nic)
        configs = get_path(body, 'properties', 'ipConfigurations', default=[])
        config = next((c for c in configs if get_path(c, 'properties', 'primary')), configs[0] if configs else None)
        if config is None:
            body = nic_body(location, self.vm_id, subnet_id, public_ip_id, nsg_id)
        else:
            props = config.setdefault('properties', {})
            props['subnet'] = {'id': subnet_id}
            if public_ip_id:
                props['publicIPAddress'] = {'id': public_ip_id}
            else:
                props.pop('publicIPAddress', None)
            body['properties']['networkSecurityGroup'] = {'id': nsg_id}
        return self._apply('update', 'network_interface', nic_spec['name'], nic_spec['id'], 'changes: %s' % ', '.join(differs),
                           lambda: self.network.network_interfaces.begin_create_or_update(
                               self.resource_group, nic_spec['name'], body)) or body

    # ------------------------------------------------------------------ existing VM

    def converge(self, vm, image_spec, network, state):
        props = vm.get('properties') or {}
        power = power_state_from_instance_view(props.get('instanceView'))
        comparison = compare_vm(self.params, vm, image_spec)
        self.warnings.extend(comparison.warnings)
        self.tracker = comparison.tracker

        nic_id = primary_nic_id(vm)
        nic = self._get_by_id('nic', nic_id) if nic_id else None
        nic_owned = is_owned_by(nic, self.vm_id)
        replace_nic = False
        if network['mode'] == 'existing_nic':
            if not ids_equal(nic_id, network['nic']['id']):
                comparison.immutable.append(('network_interface', nic_id, network['nic']['id']))
        elif nic_owned and network['placement_explicit']:
            dummy, dummy2, subnet_id, dummy3 = nic_addresses(nic)
            self.tracker.add('subnet', subnet_id, network['subnet']['id'], changed=not ids_equal(subnet_id, network['subnet']['id']))
            if not ids_equal(subnet_id, network['subnet']['id']):
                comparison.immutable.append(('subnet', subnet_id, network['subnet']['id']))
                replace_nic = True
        elif not nic_owned and self._network_options_set():
            raise AzureModuleError(
                "VM '%s' uses network interface '%s', which this module did not create, so public_ip, dns_label, "
                "inbound_rules, virtual_network and subnet cannot be applied to it. Remove those options, or manage that "
                "network interface directly." % (self.name, nic_id))

        if comparison.immutable:
            if not self.params['replace']:
                raise AzureModuleError(comparison.immutable_message(self.name),
                                       properties=[item[0] for item in comparison.immutable])
            return self.replace(vm, network, state, replace_nic, comparison)

        if props.get('provisioningState') == 'Failed':
            comparison.patch.setdefault('properties', {})
            self.warnings.append("VM '%s' was in provisioning state Failed; its definition is applied again." % self.name)

        nic, public_ip = self._converge_network(vm, nic, nic_owned, network)
        vm, power = self._update_vm(vm, comparison, power)
        previous = power_state_from_instance_view(props.get('instanceView'))
        power = self._power(power_actions(power, state, previous), power)
        self.tracker.add('power_state', previous, power)
        changed = bool(self.actions)
        return self._result(changed, vm, nic, public_ip, power, before_exists=True)

    def _network_options_set(self):
        return any(self.params.get(option) is not None for option in
                   ('public_ip', 'dns_label', 'inbound_rules', 'virtual_network', 'subnet'))

    def _converge_network(self, vm, nic, nic_owned, network):
        """Bring an existing VM's owned NIC, public IP and NSG in line; returns (nic, public_ip) for the result."""
        dummy, pip_id, subnet_id, nsg_id = nic_addresses(nic) if nic else (None, None, None, None)
        if network['mode'] == 'existing_nic' or not nic_owned:
            return nic, (self._get_by_id('public_ip', pip_id) if pip_id else None)
        location = vm.get('location')
        pip_spec, nsg_spec = network['public_ip'], network['nsg']
        before_view = {'public_ip': pip_id is not None}
        after_view = {'public_ip': pip_id is not None if pip_spec['wanted'] is None else pip_spec['wanted']}

        public_ip = self._get_by_id('public_ip', pip_id) if pip_id else None
        label_before = get_path(public_ip, 'properties', 'dnsSettings', 'domainNameLabel')
        new_pip_id = pip_id
        if pip_spec['wanted'] and public_ip is None:
            existing = self._owned_or_fail(self._get_by_id('public_ip', pip_spec['id']), 'Public IP address', 'delete it')
            public_ip = self._ensure_public_ip(existing, pip_spec, location, self.params.get('zone'))
            new_pip_id = pip_spec['id']
        elif pip_spec['wanted'] and public_ip is not None:
            if is_owned_by(public_ip, self.vm_id):
                public_ip = self._ensure_public_ip(public_ip, dict(pip_spec, name=public_ip.get('name'), id=pip_id), location, None)
        elif pip_spec['wanted'] is False and pip_id:
            new_pip_id = None
        if pip_spec['dns_label'] is not None:
            before_view['dns_label'] = label_before
            after_view['dns_label'] = pip_spec['dns_label']

        new_nsg_id = nsg_id
        if nsg_spec['rules'] is not None:
            nsg = self._get_by_id('nsg', nsg_spec['id'])
            self._owned_or_fail(nsg, 'Network security group', 'delete it')
            before_view['inbound_rules'] = rules_for_diff(rules_from_nsg(nsg)) if nsg else []
            after_view['inbound_rules'] = rules_for_diff(nsg_spec['rules'])
            self._ensure_nsg(nsg, nsg_spec, location, nsg_spec['rules'])
            new_nsg_id = nsg_spec['id']
        for key in sorted(after_view):
            self.tracker.add('network.' + key, before_view.get(key), after_view[key])

        if not (ids_equal(new_pip_id, pip_id) and ids_equal(new_nsg_id, nsg_id)):
            nic = self._ensure_nic(nic, {'name': nic.get('name'), 'id': nic.get('id')}, location, subnet_id, new_pip_id, new_nsg_id)
        if pip_id and new_pip_id is None:
            old = public_ip
            public_ip = None
            if is_owned_by(old, self.vm_id):
                parsed = parse_resource_id(pip_id)
                self._apply('delete', 'public_ip', parsed['name'], pip_id, 'no longer wanted (public_ip=false)',
                            lambda: self.network.public_ip_addresses.begin_delete(parsed['resource_group'], parsed['name']))
        return nic, public_ip

    def _update_vm(self, vm, comparison, power):
        """Apply the in-place changes (one PATCH), deallocating first when Azure needs it. Returns (vm, power)."""
        if not comparison.patch:
            return vm, power
        deallocate_for = list(comparison.needs_deallocation)
        if comparison.new_size:
            self._check_size(vm.get('location'), comparison.new_size)
        if comparison.new_size and power != POWER_DEALLOCATED:
            available = self._available_sizes()
            if comparison.new_size.lower() not in available:
                deallocate_for.append('size %s (not offered on the VM\'s current hardware cluster)' % comparison.new_size)
        if deallocate_for and power != POWER_DEALLOCATED:
            self._apply('deallocate', 'virtual_machine', self.name, self.vm_id, 'needed to change %s' % ', '.join(deallocate_for),
                        lambda: self.compute.virtual_machines.begin_deallocate(self.resource_group, self.name))
            power = POWER_DEALLOCATED
        patch = comparison.patch
        detail = 'changes: %s' % ', '.join(comparison.tracker.changed_fields)
        if get_path(vm, 'properties', 'provisioningState') == 'Failed':
            body = _reapply_body(vm, patch)
            result = self._apply('update', 'virtual_machine', self.name, self.vm_id, 'apply again after a failed provisioning',
                                 lambda: self.compute.virtual_machines.begin_create_or_update(self.resource_group, self.name, body),
                                 wait=True)
            return result or _merge(copy.deepcopy(vm), patch), power
        result = self._apply('update', 'virtual_machine', self.name, self.vm_id, detail,
                             lambda: self.compute.virtual_machines.begin_update(self.resource_group, self.name, patch), wait=True)
        return (result or _merge(copy.deepcopy(vm), patch)), power

    def _available_sizes(self):
        with azure_operation("Could not list the sizes VM '%s' can be resized to" % self.name):
            return {((to_rest(item) or {}).get('name') or '').lower()
                    for item in self.compute.virtual_machines.list_available_sizes(self.resource_group, self.name)}

    def _power(self, operations, power):
        for index, operation in enumerate(operations):
            method, text = POWER_OPERATIONS[operation]
            last = index == len(operations) - 1
            self._apply(operation, 'virtual_machine', self.name, self.vm_id, text,
                        lambda method=method: getattr(self.compute.virtual_machines, method)(self.resource_group, self.name),
                        wait=self.params['wait'] or not last)
            power = POWER_RESULT[operation]
        return power

    def replace(self, vm, network, state, replace_nic, comparison):
        """Delete the VM (and, when its subnet changes, the NIC it owns), then create it again."""
        for prop, before, after in comparison.immutable:
            self.tracker.add(prop, before, after, changed=True)
        self._apply('delete', 'virtual_machine', self.name, self.vm_id,
                    'replace: %s changed' % ', '.join(item[0] for item in comparison.immutable),
                    lambda: self.compute.virtual_machines.begin_delete(self.resource_group, self.name), wait=True)
        self._delete_os_disk_if_kept(vm)
        if replace_nic:
            nic_id = primary_nic_id(vm)
            parsed = parse_resource_id(nic_id)
            if network['public_ip']['wanted'] is None and nic_addresses(self._get_by_id('nic', nic_id))[1]:
                # The new NIC gets the public IP back (the same resource, so the same address).
                network = dict(network, public_ip=dict(network['public_ip'], wanted=True))
            self._apply('delete', 'network_interface', parsed['name'], nic_id, 'replace: subnet changed',
                        lambda: self.network.network_interfaces.begin_delete(parsed['resource_group'], parsed['name']))
        params = spec_params_for_replace(self.params, vm)
        if self.params.get('custom_data') is None and (vm.get('tags') or {}).get('dockyard-custom-data-sha256'):
            self.warnings.append('replace: the VM had custom data, which Azure does not return; the new VM has none '
                                 'unless custom_data is set.')
        saved = self.tracker
        result = self.create(params, network, state, replaced=vm)
        self.tracker = saved
        return result

    def _delete_os_disk_if_kept(self, vm):
        os_disk = get_path(vm, 'properties', 'storageProfile', 'osDisk', default={})
        disk_id = get_path(os_disk, 'managedDisk', 'id')
        if disk_id and os_disk.get('deleteOption') != 'Delete':
            parsed = parse_resource_id(disk_id)
            self._apply('delete', 'disk', parsed['name'], disk_id, 'OS disk of the deleted VM',
                        lambda: self.compute.disks.begin_delete(parsed['resource_group'], parsed['name']))

    # ------------------------------------------------------------------ absent

    def ensure_absent(self, vm, network):
        vm_id = vm.get('id') if vm else self.vm_id
        self.vm_id = vm_id
        owned = self._find_owned(vm, network)
        if vm is None and not any(owned.values()):
            return self._result(False, None, None, None, None, before_exists=False)
        power = power_state_from_instance_view(get_path(vm, 'properties', 'instanceView')) if vm else None
        for key, value in (actual_view(vm, power) if vm else {}).items():
            self.tracker.add(key, value, None)
        self.tracker.add('owned_resources', sorted(r['id'] for items in owned.values() for r in items), [])
        wait = self.params['wait']
        if vm:
            self._apply('delete', 'virtual_machine', self.name, vm_id, 'with its OS disk and the data disks it created',
                        lambda: self.compute.virtual_machines.begin_delete(self.resource_group, self.name),
                        wait=wait or any(owned.values()))
            self._delete_os_disk_if_kept(vm)
        for kind, operations, label in (('nic', 'network_interfaces', 'network_interface'),
                                        ('public_ip', 'public_ip_addresses', 'public_ip'),
                                        ('nsg', 'network_security_groups', 'network_security_group'),
                                        ('vnet', 'virtual_networks', 'virtual_network')):
            for resource in owned[kind]:
                parsed = parse_resource_id(resource['id'])
                self._apply('delete', label, parsed['name'], resource['id'], 'owned by the VM',
                            lambda ops=operations, p=parsed: getattr(self.network, ops).begin_delete(p['resource_group'], p['name']),
                            wait=wait or kind != 'vnet')
        return self._result(True, None, None, None, None, before_exists=True)

    def _find_owned(self, vm, network):
        """The NICs, public IPs, NSGs and VNets tagged as owned by this VM (deterministic names + what the VM uses)."""
        candidates = {'nic': [], 'public_ip': [], 'nsg': [], 'vnet': []}

        def add(kind, rid):
            if rid and not any(ids_equal(rid, known) for known in candidates[kind]):
                candidates[kind].append(rid)

        if vm:
            for item in get_path(vm, 'properties', 'networkProfile', 'networkInterfaces', default=[]):
                add('nic', item.get('id'))
        if network['mode'] == 'owned':
            add('nic', network['nic']['id'])
            add('public_ip', network['public_ip']['id'])
            add('nsg', network['nsg']['id'])
            add('vnet', network['vnet']['id'])
        owned = {'nic': [], 'public_ip': [], 'nsg': [], 'vnet': []}
        for nic_id in candidates['nic']:
            nic = self._get_by_id('nic', nic_id)
            if is_owned_by(nic, self.vm_id):
                owned['nic'].append(nic)
                dummy, pip_id, subnet_id, nsg_id = nic_addresses(nic)
                add('public_ip', pip_id)
                add('nsg', nsg_id)
                parsed = parse_resource_id(subnet_id)
                if parsed:
                    add('vnet', subnet_id.rsplit('/subnets/', 1)[0])
        for kind in ('public_ip', 'nsg', 'vnet'):
            for rid in candidates[kind]:
                resource = self._get_by_id(kind, rid)
                if is_owned_by(resource, self.vm_id):
                    owned[kind].append(resource)
        deleted_nics = [nic['id'].lower() for nic in owned['nic']]
        for vnet in list(owned['vnet']):
            users = [config.get('id', '') for subnet in get_path(vnet, 'properties', 'subnets', default=[])
                     for config in get_path(subnet, 'properties', 'ipConfigurations', default=[])]
            foreign = [ref for ref in users if not any(ref.lower().startswith(nic + '/') for nic in deleted_nics)]
            if foreign:
                owned['vnet'].remove(vnet)
                self.warnings.append("Virtual network '%s' was created for VM '%s' but is still used by %d other IP "
                                     "configuration(s); it was kept." % (vnet.get('name'), self.name, len(foreign)))
        return owned

    # ------------------------------------------------------------------ result

    def _network_view(self, network, nic, public_ip):
        if network['mode'] == 'existing_nic':
            return {'network_interface': network['nic']['id']}
        return {
            'subnet': network['subnet']['id'],
            'public_ip': bool(network['public_ip']['wanted']),
            'dns_label': network['public_ip']['dns_label'],
            'inbound_rules': rules_for_diff(network['nsg']['rules'] or []),
        }

    def _result(self, changed, vm, nic, public_ip, power, before_exists):
        result = {
            'changed': changed,
            'vm': vm_to_dict(vm, nic, public_ip, power) if vm else {},
            'actions': self.actions,
        }
        if self.check_mode and vm and not get_path(vm, 'properties', 'provisioningState'):
            result['vm']['provisioning_state'] = None
        if self.diff_enabled:
            result['diff'] = self.tracker.diff(before_exists=before_exists, after_exists=bool(vm))
        return result


def _merge(target, patch):
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


_READ_ONLY_PROPERTIES = ('instanceView', 'provisioningState', 'vmId', 'timeCreated')


def _reapply_body(vm, patch):
    """A PUT body from a VM's REST dict (read-only fields dropped) with `patch` merged in."""
    body = {key: copy.deepcopy(vm[key]) for key in ('location', 'tags', 'zones', 'identity', 'plan') if vm.get(key)}
    props = {key: copy.deepcopy(value) for key, value in (vm.get('properties') or {}).items() if key not in _READ_ONLY_PROPERTIES}
    body['properties'] = props
    identity = body.get('identity')
    if identity:
        body['identity'] = {'type': identity.get('type')}
        if identity.get('userAssignedIdentities'):
            body['identity']['userAssignedIdentities'] = {key: {} for key in identity['userAssignedIdentities']}
    return _merge(body, patch)
