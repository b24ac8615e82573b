# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VmManager (private to dockyard.azure): desired state (spec, network_spec) -> read actual -> plan -> apply, for the vm module.

It gets an AzureContext (clients, LRO wait, subscription, check and diff mode, warnings) and the
module options, so unit tests drive it over a fake ARM. Every write goes through the run's
ActionLog, which records it and, in check mode, does nothing; the network is VmNetwork's job.

Calls per run (reads; LRO status polls not counted):
- no change, module-owned network: VM GET (instanceView), NIC GET, public IP GET (if any): 3 at most.
  With inbound_rules set, the NSG is read only when the VM's RULES_TAG (the digest of the rules last
  applied, which the VM GET returns) is missing or differs, or when inbound_rules_compare=full.
- create: VM GET, resource group GET, VM sizes list, image versions list (or get), then together the
  GETs of VNet, NIC, NSG and public IP (if wanted); then together the PUTs of VNet (or subnet), NSG
  and public IP; then the NIC PUT, then the VM PUT (which carries RULES_TAG).
- absent: VM GET, then GETs of the candidate owned NIC, then together those of the public IP, NSG and
  VNet; then DELETEs (VM, NIC, public IP and NSG together, VNet).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import (
    RestDict,
    get_path,
    ids_equal,
    list_rest,
    make_resource_id,
    parse_resource_id,
    read_or_none,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError, azure_error_details
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.actions import ActionLog
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.images import ImageSpec, image_urn, parse_image, resolve_image
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.network import (
    RULES_COMPARE_TAG,
    VmNetwork,
    network_options_set,
    network_view,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.network_spec import (
    DesiredNetwork,
    ExistingNicNetwork,
    OwnedNetwork,
    desired_network,
    is_owned_by,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.spec import (
    VmComparison,
    actual_view,
    compare_vm,
    create_body,
    desired_view,
    spec_params_for_replace,
    validate_params,
    vm_tags,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.state import (
    CUSTOM_DATA_TAG,
    POWER_DEALLOCATED,
    POWER_RESULT,
    POWER_RUNNING,
    RULES_TAG,
    nic_addresses,
    power_actions,
    power_state_from_instance_view,
    primary_nic_id,
    vm_to_dict,
)
from ansible_collections.dockyard.azure.plugins.module_utils.diff import DifferenceTracker

VM_TYPE = 'Microsoft.Compute/virtualMachines'
MAX_LISTED_SIZES = 40

# power action -> (SDK method, text for the actions list)
POWER_OPERATIONS = {
    'start': ('begin_start', 'start'),
    'power_off': ('begin_power_off', 'power off'),
    'deallocate': ('begin_deallocate', 'deallocate'),
    'restart': ('begin_restart', 'restart'),
}


class VmManager:
    """Converges one Linux VM and the network resources it owns (the vm module)."""

    def __init__(self, ctx: AzureContext, params: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.params = params
        self.name: str = params['name']
        self.resource_group: str = params['resource_group']
        self.vm_id = make_resource_id(ctx.subscription_id, self.resource_group, VM_TYPE, self.name)
        self.log = ActionLog(ctx)
        self.network = VmNetwork(ctx, self.log, self.resource_group, self.name, self.vm_id,
                                 rules_compare=params.get('inbound_rules_compare') or RULES_COMPARE_TAG)
        self.tracker = DifferenceTracker()

    @property
    def warnings(self) -> list[str]:
        return self.ctx.warnings

    @property
    def compute(self) -> Any:
        return self.ctx.client('compute')

    # ------------------------------------------------------------------ entry point

    def run(self) -> dict[str, Any]:
        validate_params(self.params)
        image_spec = parse_image(self.params['image']) if self.params.get('image') else None
        network = desired_network(self.params, self.ctx.subscription_id, self.resource_group, self.name)
        self.warnings.extend(network.warnings)
        vm = self.get_vm()
        state = self.params['state']
        if state == 'absent':
            return self.ensure_absent(vm, network)
        if vm is None:
            return self.create(self.params, network, state)
        return self.converge(vm, image_spec, network, state)

    def get_vm(self) -> RestDict | None:
        def missing_group(exc: BaseException) -> None:
            if azure_error_details(exc).get('error_code') == 'ResourceGroupNotFound' and self.params['state'] != 'absent':
                if self._plan_without_group():
                    return
                raise self._missing_group() from exc

        return read_or_none("VM '%s'" % self.name, self.compute.virtual_machines.get, self.resource_group, self.name,
                            expand='instanceView', on_not_found=missing_group)

    def _missing_group(self) -> AzureModuleError:
        return AzureModuleError(
            "resource_group: resource group '%s' does not exist (ResourceGroupNotFound). Create it first, for example with "
            "dockyard.azure.resource_group, or correct resource_group." % self.resource_group, error_code='ResourceGroupNotFound')

    def _plan_without_group(self) -> bool:
        """In check mode with a location, a missing resource group is one that an earlier task will create.

        So a playbook (the docker_host role) can check every VM option, the size and image included, before it
        creates anything: the plan is then a plain create in `location`."""
        if not (self.ctx.check_mode and self.params.get('location')):
            return False
        message = ("resource group '%s' does not exist yet: planned as if it were created in %s first."
                   % (self.resource_group, self.params['location']))
        if message not in self.warnings:
            self.warnings.append(message)
        return True

    def _group_location(self) -> str | None:
        group = read_or_none("resource group '%s'" % self.resource_group,
                             self.ctx.client('resource').resource_groups.get, self.resource_group)
        if group is None:
            if self._plan_without_group():
                return self.params['location']
            raise self._missing_group()
        return group.get('location')

    def _check_size(self, location: str, size: str) -> str:
        listed = list_rest("the VM sizes of location '%s'" % location, self.compute.virtual_machine_sizes.list, location,
                           error_prefix="size: could not list the VM sizes of location '%s'" % location)
        names = sorted(name for name in ((item or {}).get('name') for item in listed) if name)
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

    def create(self, params: Mapping[str, Any], network: DesiredNetwork, state: str, replaced: RestDict | None = None) -> dict[str, Any]:
        """Create the VM (and its network); `replaced` is the REST dict of a VM deleted for replacement."""
        for option, example in (('size', 'Standard_B2s'), ('image', 'debian12')):
            if not params.get(option):
                raise AzureModuleError("%s: required to create VM '%s' (for example %s)." % (option, self.name, example))
        if not params.get('ssh_public_keys'):
            raise AzureModuleError("ssh_public_keys: at least one SSH public key is required to create VM '%s'; "
                                   "password login is always disabled." % self.name)
        location = params.get('location') or (replaced or {}).get('location') or self._group_location() or ''
        if params.get('location') and replaced is None:
            self._group_location()  # a clear error when the group is missing, before any write
        params = dict(params, size=self._check_size(location, params['size']))
        image_spec = resolve_image(self.compute, location, parse_image(params['image']))

        nic, public_ip = self.network.prepare_for_create(network, location, params.get('zone'))
        body = create_body(params, location, image_spec, nic_id=network.nic.id, rules_hash=self.network.rules_hash)
        result = self.log.apply('create', 'virtual_machine', self.name, self.vm_id,
                                'size %s, image %s' % (params['size'], image_urn(image_spec)),
                                lambda: self.compute.virtual_machines.begin_create_or_update(self.resource_group, self.name, body),
                                wait=self.params['wait'] or state in ('stopped', 'deallocated'))
        vm = result or dict(copy.deepcopy(body), id=self.vm_id, name=self.name, type=VM_TYPE)
        power: str | None = POWER_RUNNING
        if state in ('stopped', 'deallocated'):
            power = self._power(power_actions(power, state), power)
        view = desired_view(params, location, image_spec, rules_hash=self.network.rules_hash)
        view['power_state'] = power
        view['network'] = network_view(network)
        if replaced is None:
            self.tracker = DifferenceTracker()
            for key, value in view.items():
                self.tracker.add(key, None, value)
        return self._result(True, vm, nic, public_ip, power, before_exists=replaced is not None)

    # ------------------------------------------------------------------ existing VM

    def converge(self, vm: RestDict, image_spec: ImageSpec | None, network: DesiredNetwork, state: str) -> dict[str, Any]:
        props = vm.get('properties') or {}
        power = power_state_from_instance_view(props.get('instanceView'))
        comparison = compare_vm(self.params, vm, image_spec)
        self.warnings.extend(comparison.warnings)
        self.tracker = comparison.tracker

        nic_id = primary_nic_id(vm)
        nic = self.network.get('nic', nic_id) if nic_id else None
        nic_owned = is_owned_by(nic, self.vm_id)
        replace_nic = False
        if isinstance(network, ExistingNicNetwork):
            if not ids_equal(nic_id, network.nic.id):
                comparison.immutable.append(('network_interface', nic_id, network.nic.id))
        elif nic_owned and network.placement_explicit:
            subnet_id = nic_addresses(nic).subnet_id
            self.tracker.add('subnet', subnet_id, network.subnet.id, changed=not ids_equal(subnet_id, network.subnet.id))
            if not ids_equal(subnet_id, network.subnet.id):
                comparison.immutable.append(('subnet', subnet_id, network.subnet.id))
                replace_nic = True
        elif not nic_owned and network_options_set(self.params):
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

        nic, public_ip = self.network.converge(vm, nic, nic_owned, network, self.params.get('zone'), self.tracker)
        self._record_rules_hash(vm, comparison)
        vm, power = self._update_vm(vm, comparison, power)
        previous = power_state_from_instance_view(props.get('instanceView'))
        power = self._power(power_actions(power, state, previous), power)
        self.tracker.add('power_state', previous, power)
        return self._result(bool(self.log.actions), vm, nic, public_ip, power, before_exists=True)

    def _record_rules_hash(self, vm: RestDict, comparison: VmComparison) -> None:
        """Put the digest of the inbound rules just verified (or applied) in the VM's RULES_TAG, with the run's other writes.

        Only alongside another write: a VM whose tag is missing (created before the tag existed) but whose
        NSG is as wanted stays unchanged and has its NSG read again next time, rather than a run that
        changed nothing reporting a change.
        """
        wanted = self.network.rules_hash
        tags = dict(vm.get('tags') or {})
        if wanted is None or tags.get(RULES_TAG) == wanted or not (self.log.actions or comparison.patch):
            return
        tags_after = dict(comparison.patch.get('tags') or vm_tags(self.params, tags))
        tags_after[RULES_TAG] = wanted
        comparison.patch['tags'] = tags_after
        comparison.tracker.add('tags', tags, tags_after)

    def _update_vm(self, vm: RestDict, comparison: VmComparison, power: str | None) -> tuple[RestDict, str | None]:
        """Apply the in-place changes (one PATCH), deallocating first when Azure needs it. Returns (vm, power)."""
        if not comparison.patch:
            return vm, power
        deallocate_for = list(comparison.needs_deallocation)
        if comparison.new_size:
            self._check_size(vm.get('location') or '', comparison.new_size)
        if comparison.new_size and power != POWER_DEALLOCATED:
            available = self._available_sizes()
            if comparison.new_size.lower() not in available:
                deallocate_for.append('size %s (not offered on the VM\'s current hardware cluster)' % comparison.new_size)
        if deallocate_for and power != POWER_DEALLOCATED:
            self.log.apply('deallocate', 'virtual_machine', self.name, self.vm_id, 'needed to change %s' % ', '.join(deallocate_for),
                           lambda: self.compute.virtual_machines.begin_deallocate(self.resource_group, self.name))
            power = POWER_DEALLOCATED
        patch = comparison.patch
        if get_path(vm, 'properties', 'provisioningState') == 'Failed':
            body = _reapply_body(vm, patch)
            result = self.log.apply('update', 'virtual_machine', self.name, self.vm_id, 'apply again after a failed provisioning',
                                    lambda: self.compute.virtual_machines.begin_create_or_update(self.resource_group, self.name, body))
        else:
            changed = [name for name in comparison.tracker.changed_fields if not name.startswith('network.')]
            result = self.log.apply('update', 'virtual_machine', self.name, self.vm_id, 'changes: %s' % ', '.join(changed),
                                    lambda: self.compute.virtual_machines.begin_update(self.resource_group, self.name, patch))
        return (result or _merge(copy.deepcopy(vm), patch)), power

    def _available_sizes(self) -> set[str]:
        listed = list_rest("the sizes VM '%s' can be resized to" % self.name, self.compute.virtual_machines.list_available_sizes,
                           self.resource_group, self.name)
        return {((item or {}).get('name') or '').lower() for item in listed}

    def _power(self, operations: list[str], power: str | None) -> str | None:
        for index, operation in enumerate(operations):
            method, text = POWER_OPERATIONS[operation]
            last = index == len(operations) - 1

            def call(method: str = method) -> Any:
                return getattr(self.compute.virtual_machines, method)(self.resource_group, self.name)

            self.log.apply(operation, 'virtual_machine', self.name, self.vm_id, text, call, wait=self.params['wait'] or not last)
            power = POWER_RESULT[operation]
        return power

    def replace(self, vm: RestDict, network: DesiredNetwork, state: str, replace_nic: bool, comparison: VmComparison) -> dict[str, Any]:
        """Delete the VM (and, when its subnet changes, the NIC it owns), then create it again."""
        for prop, before, after in comparison.immutable:
            self.tracker.add(prop, before, after, changed=True)
        self.log.apply('delete', 'virtual_machine', self.name, self.vm_id,
                       'replace: %s changed' % ', '.join(item[0] for item in comparison.immutable),
                       lambda: self.compute.virtual_machines.begin_delete(self.resource_group, self.name))
        self._delete_os_disk_if_kept(vm)
        if replace_nic and isinstance(network, OwnedNetwork):
            nic_id = primary_nic_id(vm) or ''
            if network.public_ip.wanted is None and nic_addresses(self.network.get('nic', nic_id)).public_ip_id:
                # The new NIC gets the public IP back (the same resource, so the same address).
                network = replace(network, public_ip=replace(network.public_ip, wanted=True))
            self.network.delete('nic', nic_id, 'replace: subnet changed')
        params = spec_params_for_replace(self.params, vm)
        if self.params.get('custom_data') is None and (vm.get('tags') or {}).get(CUSTOM_DATA_TAG):
            self.warnings.append('replace: the VM had custom data, which Azure does not return; the new VM has none '
                                 'unless custom_data is set.')
        saved = self.tracker
        result = self.create(params, network, state, replaced=vm)
        self.tracker = saved
        return result

    def _delete_os_disk_if_kept(self, vm: RestDict) -> None:
        os_disk = get_path(vm, 'properties', 'storageProfile', 'osDisk', default={})
        disk_id = get_path(os_disk, 'managedDisk', 'id')
        parsed = parse_resource_id(disk_id)
        if parsed and os_disk.get('deleteOption') != 'Delete':
            self.log.apply('delete', 'disk', parsed.name, disk_id, 'OS disk of the deleted VM',
                           lambda: self.compute.disks.begin_delete(parsed.resource_group, parsed.name))

    # ------------------------------------------------------------------ absent

    def ensure_absent(self, vm: RestDict | None, network: DesiredNetwork) -> dict[str, Any]:
        if vm and vm.get('id'):
            self.vm_id = self.network.vm_id = vm['id']
        owned = self.network.find_owned(vm, network)
        if vm is None and not any(owned.values()):
            return self._result(False, None, None, None, None, before_exists=False)
        power = power_state_from_instance_view(get_path(vm, 'properties', 'instanceView')) if vm else None
        for key, value in (actual_view(vm, power) if vm else {}).items():
            self.tracker.add(key, value, None)
        self.tracker.add('owned_resources', sorted(r['id'] for items in owned.values() for r in items), [])
        wait = self.params['wait']
        if vm:
            self.log.apply('delete', 'virtual_machine', self.name, self.vm_id, 'with its OS disk and the data disks it created',
                           lambda: self.compute.virtual_machines.begin_delete(self.resource_group, self.name),
                           wait=wait or any(owned.values()))
            self._delete_os_disk_if_kept(vm)
        self.network.delete_owned(owned, wait)
        return self._result(True, None, None, None, None, before_exists=True)

    # ------------------------------------------------------------------ result

    def _result(self, changed: bool, vm: RestDict | None, nic: RestDict | None, public_ip: RestDict | None, power: str | None,
                before_exists: bool) -> dict[str, Any]:
        result: dict[str, Any] = {
            'changed': changed,
            'vm': vm_to_dict(vm, nic, public_ip, power) if vm else {},
            'actions': self.log.actions,
        }
        if self.ctx.check_mode and vm and not get_path(vm, 'properties', 'provisioningState'):
            result['vm']['provisioning_state'] = None
        if self.ctx.diff:
            result['diff'] = self.tracker.diff(before_exists=before_exists, after_exists=bool(vm))
        return result


def _merge(target: RestDict, patch: RestDict) -> RestDict:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


_READ_ONLY_PROPERTIES = ('instanceView', 'provisioningState', 'vmId', 'timeCreated')


def _reapply_body(vm: RestDict, patch: RestDict) -> RestDict:
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
