# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VmManager over the fake ARM: create, idempotency, check mode, updates, power, replace, absent."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.inbound_rules import normalize_inbound_rules, rules_sha256
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.manager import VmManager
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.state import CUSTOM_DATA_TAG, OWNER_TAG, RULES_TAG
from ansible_collections.dockyard.azure.plugins.modules.vm import ARGUMENT_SPEC
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import SUB, FakeArm, azure_error, rid
from ansible_collections.dockyard.azure.tests.unit.utils.ssh_keys import ED25519, ed25519_key

VM_ID = rid('rg', 'Microsoft.Compute/virtualMachines', 'vm1')
NET = 'Microsoft.Network/'


def params(**overrides):
    values = {name: spec.get('default') for name, spec in ARGUMENT_SPEC.items()}
    values.update(name='vm1', resource_group='rg', size='Standard_B2s', image='debian12', ssh_public_keys=[ED25519],
                  public_ip=True, dns_label='vm1-label',
                  inbound_rules=[{'name': None, 'ports': ['22'], 'protocol': 'Tcp', 'source_prefixes': ['203.0.113.0/24'],
                                  'priority': None, 'description': None}])
    values.update(overrides)
    return values


def run(azure, check_mode=False, diff=True, **overrides):
    manager = VmManager(azure.context(check_mode=check_mode, diff=diff), params(**overrides))
    return manager.run(), manager


@pytest.fixture
def azure():
    return FakeArm(groups=('rg',))


@pytest.fixture
def created(azure):
    run(azure, custom_data='#cloud-config\n', tags={'env': 'dev'})
    azure.reset_calls()
    return azure


def test_create_builds_network_and_vm_in_order(azure):
    result, dummy = run(azure, custom_data='#cloud-config\n')
    assert result['changed']
    writes = azure.writes()
    # The VNet, NSG and public IP are independent: started together, in any order; the NIC needs all three.
    assert sorted(writes[:3]) == ['network_security_groups.begin_create_or_update', 'public_ip_addresses.begin_create_or_update',
                                  'virtual_networks.begin_create_or_update']
    assert writes[3:] == ['network_interfaces.begin_create_or_update', 'virtual_machines.begin_create_or_update']
    assert [(a['action'], a['type']) for a in result['actions']] == [
        ('create', 'virtual_network'), ('create', 'network_security_group'), ('create', 'public_ip'),
        ('create', 'network_interface'), ('create', 'virtual_machine')]
    vm = result['vm']
    assert vm['id'] == VM_ID
    assert vm['power_state'] == 'running'
    assert vm['private_ip'] == '10.0.0.4'
    assert vm['public_ip'] == '20.0.0.1'
    assert vm['fqdn'] == 'vm1-label.westeurope.cloudapp.azure.com'
    assert vm['ansible_host'] == '20.0.0.1'
    assert vm['admin_username'] == 'azureuser'
    assert vm['nic'].endswith('/networkInterfaces/vm1-nic')
    assert vm['os_disk']['name'] == 'vm1-osdisk'
    assert vm['password_authentication'] is False
    assert vm['tags'][CUSTOM_DATA_TAG] == vm['custom_data_sha256']
    for name in ('vm1-vnet', 'vm1-nsg', 'vm1-pip', 'vm1-nic'):
        owned = [r for r in azure.resources.values() if r['name'] == name][0]
        assert owned['tags'] == {OWNER_TAG: VM_ID}


def test_create_pins_latest_image_version_numerically(azure):
    run(azure)
    body = [c for c in azure.calls if c[0] == 'virtual_machines.begin_create_or_update'][0][1][2]
    assert body['properties']['storageProfile']['imageReference']['version'] == '0.20241111.1924'
    assert body['properties']['osProfile']['linuxConfiguration']['disablePasswordAuthentication'] is True


def test_second_run_reads_only(created):
    result, dummy = run(created, custom_data='#cloud-config\n', tags={'env': 'dev'})
    assert result['changed'] is False
    assert created.writes() == []
    # The VM's RULES_TAG says its inbound rules were applied: the NSG is not read.
    assert created.reads() == ['virtual_machines.get', 'network_interfaces.get', 'public_ip_addresses.get']
    assert result['actions'] == []
    assert result['diff']['before']['network.inbound_rules'] == result['diff']['after']['network.inbound_rules']


def test_create_records_the_rules_digest_on_the_vm(created):
    tags = created.resources[VM_ID.lower()]['tags']
    rules, dummy = normalize_inbound_rules(params()['inbound_rules'])
    assert tags[RULES_TAG] == rules_sha256(rid('rg', NET + 'networkSecurityGroups', 'vm1-nsg'), rules)


def test_full_compare_reads_the_nsg_and_reverts_an_out_of_band_edit(created):
    nsg_key = rid('rg', NET + 'networkSecurityGroups', 'vm1-nsg').lower()
    created.resources[nsg_key]['properties']['securityRules'][0]['properties']['sourceAddressPrefix'] = '*'  # edited in the portal
    result, dummy = run(created, custom_data='#cloud-config\n', tags={'env': 'dev'})
    assert result['changed'] is False and created.writes() == [], 'tag mode trusts the tag (the documented trade-off)'
    created.reset_calls()
    result, dummy = run(created, custom_data='#cloud-config\n', tags={'env': 'dev'}, inbound_rules_compare='full')
    assert 'network_security_groups.get' in created.reads()
    assert created.writes() == ['network_security_groups.begin_create_or_update']
    assert created.resources[nsg_key]['properties']['securityRules'][0]['properties']['sourceAddressPrefix'] == '203.0.113.0/24'
    assert result['diff']['before']['network.inbound_rules'] != result['diff']['after']['network.inbound_rules']
    created.reset_calls()
    result, dummy = run(created, custom_data='#cloud-config\n', tags={'env': 'dev'}, inbound_rules_compare='full')
    assert result['changed'] is False and created.writes() == []
    assert created.reads() == ['virtual_machines.get', 'network_interfaces.get', 'public_ip_addresses.get',
                               'network_security_groups.get']


def test_missing_or_stale_rules_tag_reads_the_nsg_without_writing(created):
    vm = created.resources[VM_ID.lower()]
    for stale in (None, 'not-the-digest'):
        if stale is None:
            del vm['tags'][RULES_TAG]  # a VM created before the tag existed
        else:
            vm['tags'][RULES_TAG] = stale
        created.reset_calls()
        result, dummy = run(created, custom_data='#cloud-config\n', tags={'env': 'dev'})
        assert result['changed'] is False and created.writes() == [], stale
        assert created.reads()[-1] == 'network_security_groups.get'


def test_missing_rules_tag_is_added_with_the_next_write(created):
    del created.resources[VM_ID.lower()]['tags'][RULES_TAG]
    result, dummy = run(created, custom_data='#cloud-config\n', tags={'env': 'prod'})
    assert created.writes() == ['virtual_machines.begin_update']
    assert created.resources[VM_ID.lower()]['tags'][RULES_TAG]
    created.reset_calls()
    result, dummy = run(created, custom_data='#cloud-config\n', tags={'env': 'prod'})
    assert result['changed'] is False
    assert 'network_security_groups.get' not in created.reads()


def test_second_run_without_network_options_needs_two_reads(azure):
    run(azure, public_ip=None, dns_label=None, inbound_rules=None)
    azure.reset_calls()
    result, dummy = run(azure, public_ip=None, dns_label=None, inbound_rules=None)
    assert result['changed'] is False
    assert azure.reads() == ['virtual_machines.get', 'network_interfaces.get']
    assert result['vm']['ansible_host'] == '10.0.0.4'


def test_check_mode_create_writes_nothing_and_lists_actions(azure):
    result, dummy = run(azure, check_mode=True)
    assert result['changed']
    assert azure.writes() == []
    assert [(a['action'], a['type'], a['name']) for a in result['actions']] == [
        ('create', 'virtual_network', 'vm1-vnet'), ('create', 'network_security_group', 'vm1-nsg'),
        ('create', 'public_ip', 'vm1-pip'), ('create', 'network_interface', 'vm1-nic'), ('create', 'virtual_machine', 'vm1')]
    assert result['diff']['before'] == {}
    assert result['diff']['after']['size'] == 'Standard_B2s'
    assert result['diff']['after']['image'] == 'Debian:debian-12:12-gen2:0.20241111.1924'
    assert result['vm']['id'] == VM_ID


def test_check_mode_existing_vm_tag_change(created):
    result, dummy = run(created, check_mode=True, tags={'env': 'prod'})
    assert result['changed']
    assert created.writes() == []
    assert result['diff']['before']['tags']['env'] == 'dev'
    assert result['diff']['after']['tags']['env'] == 'prod'
    assert result['vm']['tags']['env'] == 'prod'


def test_tag_change_is_one_patch(created):
    result, dummy = run(created, tags={'team': 'web'})
    assert created.writes() == ['virtual_machines.begin_update']
    patch = created.calls[-1][1][2]
    assert set(patch) == {'tags'}
    assert patch['tags']['env'] == 'dev' and patch['tags']['team'] == 'web'
    assert CUSTOM_DATA_TAG in patch['tags']
    assert result['diff']['after']['tags']['team'] == 'web'


def test_replacing_tags_keeps_module_tags(created):
    run(created, tags={'team': 'web'}, append_tags=False)
    tags = created.resources[VM_ID.lower()]['tags']
    assert set(tags) == {'team', CUSTOM_DATA_TAG, RULES_TAG}


def test_resize_in_place_when_cluster_offers_size(created):
    result, dummy = run(created, size='Standard_B4ms')
    assert created.writes() == ['virtual_machines.begin_update']
    assert 'virtual_machines.list_available_sizes' in created.reads()
    assert result['vm']['size'] == 'Standard_B4ms'
    assert result['vm']['power_state'] == 'running'


def test_resize_deallocates_first_when_needed_and_restarts(created):
    created.available_sizes['vm1'] = ['Standard_B1s', 'Standard_B2s']
    result, dummy = run(created, size='Standard_D4s_v5')
    assert created.writes() == ['virtual_machines.begin_deallocate', 'virtual_machines.begin_update', 'virtual_machines.begin_start']
    assert result['vm']['power_state'] == 'running'
    assert result['vm']['size'] == 'Standard_D4s_v5'


def test_resize_of_deallocated_vm_keeps_it_deallocated(created):
    run(created, state='deallocated')
    created.reset_calls()
    created.available_sizes['vm1'] = ['Standard_B2s']
    result, dummy = run(created, size='Standard_D4s_v5')
    assert created.writes() == ['virtual_machines.begin_update']
    assert result['vm']['power_state'] == 'deallocated'


def test_resize_to_unknown_size_lists_valid_ones(created):
    with pytest.raises(AzureModuleError) as error:
        run(created, size='Standard_Z99')
    assert "size: 'Standard_Z99' is not a VM size available in location 'westeurope'" in error.value.msg
    assert 'Standard_B2s' in error.value.msg
    assert created.writes() == []


@pytest.mark.parametrize('state, expected_writes, power', [
    ('stopped', ['virtual_machines.begin_power_off'], 'stopped'),
    ('deallocated', ['virtual_machines.begin_deallocate'], 'deallocated'),
    ('started', [], 'running'),
    ('restarted', ['virtual_machines.begin_restart'], 'running'),
])
def test_power_states_from_running(created, state, expected_writes, power):
    result, dummy = run(created, state=state)
    assert created.writes() == expected_writes
    assert result['changed'] is bool(expected_writes)
    assert result['vm']['power_state'] == power


def test_power_transitions_are_idempotent(created):
    run(created, state='stopped')
    created.reset_calls()
    result, dummy = run(created, state='stopped')
    assert result['changed'] is False and created.writes() == []
    result, dummy = run(created, state='deallocated')
    assert created.writes() == ['virtual_machines.begin_deallocate']
    created.reset_calls()
    result, dummy = run(created, state='stopped')
    assert result['changed'] is False, 'a deallocated VM counts as stopped'
    result, dummy = run(created, state='started')
    assert created.writes() == ['virtual_machines.begin_start']
    assert result['diff']['before']['power_state'] == 'deallocated'
    assert result['diff']['after']['power_state'] == 'running'


def test_restarted_starts_a_stopped_vm(created):
    run(created, state='stopped')
    created.reset_calls()
    run(created, state='restarted')
    assert created.writes() == ['virtual_machines.begin_start']


def test_check_mode_power_change_writes_nothing(created):
    result, dummy = run(created, check_mode=True, state='deallocated')
    assert result['changed'] and created.writes() == []
    assert result['actions'][0]['action'] == 'deallocate'
    assert result['vm']['power_state'] == 'deallocated'


def test_create_in_stopped_state(azure):
    result, dummy = run(azure, state='deallocated')
    assert azure.writes()[-2:] == ['virtual_machines.begin_create_or_update', 'virtual_machines.begin_deallocate']
    assert result['vm']['power_state'] == 'deallocated'


def test_immutable_change_fails_naming_property(created):
    with pytest.raises(AzureModuleError) as error:
        run(created, image='ubuntu2404', admin_username='deploy')
    assert 'image (Debian:debian-12:12-gen2:0.20241111.1924 -> Canonical:ubuntu-24_04-lts:server:latest)' in error.value.msg
    assert 'admin_username (azureuser -> deploy)' in error.value.msg
    assert 'replace=true' in error.value.msg
    assert created.writes() == []


def test_custom_data_change_needs_replace(created):
    with pytest.raises(AzureModuleError) as error:
        run(created, custom_data='#cloud-config\npackages: [docker.io]\n')
    assert 'custom_data' in error.value.msg
    assert error.value.extra['properties'] == ['custom_data']


def test_replace_recreates_vm_keeping_owned_network(created):
    result, dummy = run(created, custom_data='#cloud-config\npackages: [docker.io]\n', replace=True)
    assert result['changed']
    assert created.writes() == ['virtual_machines.begin_delete', 'virtual_machines.begin_create_or_update']
    assert result['vm']['public_ip'] == '20.0.0.1', 'the public IP survives a replace'
    assert result['vm']['tags']['env'] == 'dev', 'tags are carried over'
    assert result['diff']['before']['custom_data'] != result['diff']['after']['custom_data']


def test_replace_without_network_options_keeps_network_as_is(created):
    result, dummy = run(created, custom_data='#cloud-config\nv: 2\n', replace=True, public_ip=None, dns_label=None,
                        inbound_rules=None)
    assert created.writes() == ['virtual_machines.begin_delete', 'virtual_machines.begin_create_or_update']
    assert result['vm']['public_ip'] == '20.0.0.1'
    nsg = created.resources[rid('rg', NET + 'networkSecurityGroups', 'vm1-nsg').lower()]
    assert [r['name'] for r in nsg['properties']['securityRules']] == ['allow-tcp-22']


def test_subnet_replace_keeps_public_ip(created):
    result, dummy = run(created, virtual_network='vm1-vnet', subnet='other', subnet_address_prefix='10.0.1.0/24', replace=True,
                        public_ip=None, dns_label=None, inbound_rules=None)
    assert result['vm']['public_ip'] == '20.0.0.1'
    assert result['vm']['subnet'].endswith('/subnets/other')


def test_replace_in_check_mode_writes_nothing(created):
    result, dummy = run(created, check_mode=True, image='ubuntu2404', replace=True)
    assert created.writes() == []
    assert [(a['action'], a['type']) for a in result['actions']] == [('delete', 'virtual_machine'), ('create', 'virtual_machine')]


def test_subnet_change_with_replace_recreates_nic(created):
    result, dummy = run(created, virtual_network='vm1-vnet', subnet='other', subnet_address_prefix='10.0.1.0/24', replace=True)
    assert created.writes() == ['virtual_machines.begin_delete', 'network_interfaces.begin_delete', 'subnets.begin_create_or_update',
                                'network_interfaces.begin_create_or_update', 'virtual_machines.begin_create_or_update']
    assert result['vm']['subnet'].endswith('/subnets/other')


def test_absent_removes_vm_and_owned_resources_only(azure):
    azure.network.virtual_networks.begin_create_or_update('rg', 'shared', {
        'location': 'westeurope', 'properties': {'addressSpace': {'addressPrefixes': ['10.1.0.0/16']},
                                                 'subnets': [{'name': 'default', 'properties': {'addressPrefix': '10.1.0.0/24'}}]}})
    run(azure, virtual_network='shared')
    assert 'vm1-vnet' not in azure.names()
    azure.reset_calls()
    result, dummy = run(azure, state='absent', virtual_network='shared')
    assert result['changed']
    writes = azure.writes()
    assert writes[:2] == ['virtual_machines.begin_delete', 'network_interfaces.begin_delete']
    # the public IP and the NSG are deleted together (apply_together): either may reach ARM first
    assert sorted(writes[2:]) == ['network_security_groups.begin_delete', 'public_ip_addresses.begin_delete']
    assert azure.names() == ['shared']
    assert azure.disks == {}
    assert result['vm'] == {}
    azure.reset_calls()
    result, dummy = run(azure, state='absent', virtual_network='shared')
    assert result['changed'] is False and azure.writes() == []


def test_absent_deletes_owned_vnet(created):
    result, dummy = run(created, state='absent')
    assert created.writes()[-1] == 'virtual_networks.begin_delete'
    assert created.names() == []


def test_absent_check_mode(created):
    result, dummy = run(created, state='absent', check_mode=True)
    assert result['changed'] and created.writes() == []
    assert [a['type'] for a in result['actions']] == ['virtual_machine', 'network_interface', 'public_ip',
                                                      'network_security_group', 'virtual_network']
    assert result['diff']['after'] == {}


def test_absent_cleans_up_after_a_failed_create(azure):
    azure.fail_on['virtual_machines.begin_create_or_update'] = azure_error(409, 'AllocationFailed', 'no capacity')
    with pytest.raises(AzureModuleError):
        run(azure)
    del azure.fail_on['virtual_machines.begin_create_or_update']
    result, dummy = run(azure, state='absent')
    assert result['changed']
    assert azure.names() == []


def test_rerun_after_failure_completes_without_duplicates(azure):
    azure.fail_on['virtual_machines.begin_create_or_update'] = azure_error(409, 'AllocationFailed', 'no capacity')
    with pytest.raises(AzureModuleError) as error:
        run(azure)
    assert 'AllocationFailed' in error.value.msg
    del azure.fail_on['virtual_machines.begin_create_or_update']
    azure.reset_calls()
    result, dummy = run(azure)
    assert azure.writes() == ['virtual_machines.begin_create_or_update']
    assert sorted(azure.names()) == ['vm1', 'vm1-nic', 'vm1-nsg', 'vm1-pip', 'vm1-vnet']
    assert result['vm']['public_ip'] == '20.0.0.1'


def test_foreign_resource_with_owned_name_is_not_taken_over(azure):
    azure.network.network_security_groups.begin_create_or_update('rg', 'vm1-nsg', {'location': 'westeurope', 'properties': {}})
    azure.reset_calls()
    with pytest.raises(AzureModuleError) as error:
        run(azure)
    assert "Network security group 'vm1-nsg' already exists but was not created for VM 'vm1'" in error.value.msg


def test_existing_nic_is_used_and_never_deleted(azure):
    azure.network.virtual_networks.begin_create_or_update('rg', 'net', {
        'location': 'westeurope', 'properties': {'addressSpace': {'addressPrefixes': ['10.1.0.0/16']},
                                                 'subnets': [{'name': 'default', 'properties': {'addressPrefix': '10.1.0.0/24'}}]}})
    azure.network.network_interfaces.begin_create_or_update('rg', 'mynic', {'location': 'westeurope', 'properties': {
        'ipConfigurations': [{'name': 'ip', 'properties': {'subnet': {'id': rid('rg', NET + 'virtualNetworks', 'net') + '/subnets/default'}}}]}})
    azure.reset_calls()
    result, dummy = run(azure, network_interface='mynic', public_ip=None, dns_label=None, inbound_rules=None)
    assert azure.writes() == ['virtual_machines.begin_create_or_update']
    assert result['vm']['nic'].endswith('/mynic')
    run(azure, state='absent', network_interface='mynic', public_ip=None, dns_label=None, inbound_rules=None)
    assert azure.names() == ['mynic', 'net']


def test_existing_nic_missing_is_a_clear_error(azure):
    with pytest.raises(AzureModuleError) as error:
        run(azure, network_interface='nope', public_ip=None, dns_label=None, inbound_rules=None)
    assert error.value.msg.startswith("network_interface: network interface 'nope' does not exist")
    assert azure.writes() == []


def test_named_vnet_missing_without_prefixes(azure):
    with pytest.raises(AzureModuleError) as error:
        run(azure, virtual_network='hub')
    assert error.value.msg.startswith("virtual_network: virtual network 'hub' does not exist")
    assert azure.writes() == []


def test_inbound_rule_change_updates_nsg_then_the_vm_tag(created):
    rules = [{'name': 'ssh', 'ports': ['22'], 'protocol': 'Tcp', 'source_prefixes': ['198.51.100.7'], 'priority': None,
              'description': None}]
    result, dummy = run(created, custom_data='#cloud-config\n', inbound_rules=rules)
    # The NSG first: had its update failed, the VM would keep the old digest and the next run would compare again.
    assert created.writes() == ['network_security_groups.begin_create_or_update', 'virtual_machines.begin_update']
    assert created.write_calls()[-1].args[-1] == {'tags': result['vm']['tags']}
    assert [a['detail'] for a in result['actions']][-1] == 'changes: tags'
    assert result['diff']['after']['network.inbound_rules'][0]['source_prefixes'] == ['198.51.100.7']
    created.reset_calls()
    result, dummy = run(created, custom_data='#cloud-config\n', inbound_rules=rules)
    assert result['changed'] is False and len(created.reads()) == 3


def test_failed_network_write_names_it_and_a_rerun_converges_without_duplicates(azure):
    azure.fail_on['public_ip_addresses.begin_create_or_update'] = azure_error(409, 'PublicIPCountLimitReached', 'quota')
    with pytest.raises(AzureModuleError) as error:
        run(azure)
    assert error.value.msg == 'Could not create public ip vm1-pip: PublicIPCountLimitReached: quota'
    # The writes started with it (VNet, NSG) completed; the NIC and the VM were not attempted.
    assert sorted(azure.names()) == ['vm1-nsg', 'vm1-vnet']
    del azure.fail_on['public_ip_addresses.begin_create_or_update']
    azure.reset_calls()
    result, dummy = run(azure)
    assert result['changed']
    assert azure.writes() == ['public_ip_addresses.begin_create_or_update', 'network_interfaces.begin_create_or_update',
                              'virtual_machines.begin_create_or_update']
    assert sorted(azure.names()) == ['vm1', 'vm1-nic', 'vm1-nsg', 'vm1-pip', 'vm1-vnet']


def test_two_failed_network_writes_are_both_named(azure):
    azure.fail_on['public_ip_addresses.begin_create_or_update'] = azure_error(409, 'PublicIPCountLimitReached', 'quota')
    azure.fail_on['network_security_groups.begin_create_or_update'] = azure_error(400, 'SecurityRuleInvalid', 'bad rule')
    with pytest.raises(AzureModuleError) as error:
        run(azure)
    assert error.value.msg == ('Could not create network security group vm1-nsg: SecurityRuleInvalid: bad rule (also failed: '
                               'Could not create public ip vm1-pip: PublicIPCountLimitReached: quota)')
    assert error.value.extra['error_code'] == 'SecurityRuleInvalid'
    assert azure.names() == ['vm1-vnet']


def test_public_ip_removed_detaches_then_deletes(created):
    result, dummy = run(created, public_ip=False, dns_label=None)
    assert created.writes() == ['network_interfaces.begin_create_or_update', 'public_ip_addresses.begin_delete']
    assert result['vm']['public_ip'] is None
    assert result['vm']['ansible_host'] == '10.0.0.4'


def test_public_ip_added_to_existing_vm(azure):
    run(azure, public_ip=None, dns_label=None)
    azure.reset_calls()
    result, dummy = run(azure, public_ip=True)
    assert azure.writes() == ['public_ip_addresses.begin_create_or_update', 'network_interfaces.begin_create_or_update']
    assert result['vm']['ansible_host'] == result['vm']['public_ip']


def test_data_disk_added_in_place(created):
    run(created, data_disks=[{'lun': 0, 'size_gb': 64, 'type': None, 'caching': None}])
    created.reset_calls()
    run(created, data_disks=[{'lun': 0, 'size_gb': 64, 'type': None, 'caching': None},
                             {'lun': 1, 'size_gb': 32, 'type': 'Premium_LRS', 'caching': 'ReadOnly'}])
    assert created.writes() == ['virtual_machines.begin_update']
    disks = created.calls[-1][1][2]['properties']['storageProfile']['dataDisks']
    assert [(d['lun'], d['createOption']) for d in disks] == [(0, 'Attach'), (1, 'Empty')]
    created.reset_calls()
    result, dummy = run(created, data_disks=[{'lun': 1, 'size_gb': 32, 'type': 'Premium_LRS', 'caching': 'ReadOnly'}])
    assert result['changed'] is False


def test_data_disk_resize_needs_replace(created):
    run(created, data_disks=[{'lun': 0, 'size_gb': 64, 'type': None, 'caching': None}])
    with pytest.raises(AzureModuleError) as error:
        run(created, data_disks=[{'lun': 0, 'size_gb': 128, 'type': None, 'caching': None}])
    assert 'data_disks[lun=0]' in error.value.msg


def test_identity_change_patches_identity(created):
    uid = '/subscriptions/%s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1' % SUB
    run(created, identity={'system_assigned': True, 'user_assigned': [uid]})
    assert created.calls[-1][1][2]['identity'] == {'type': 'SystemAssigned, UserAssigned', 'userAssignedIdentities': {uid: {}}}
    created.reset_calls()
    run(created, identity={'system_assigned': True, 'user_assigned': []})
    assert created.calls[-1][1][2]['identity'] == {'type': 'SystemAssigned'}


def test_boot_diagnostics_and_spot_price(azure):
    run(azure, priority='Spot', max_price=0.05)
    azure.reset_calls()
    result, dummy = run(azure, priority='Spot', max_price=0.1, boot_diagnostics=True)
    assert azure.writes() == ['virtual_machines.begin_deallocate', 'virtual_machines.begin_update', 'virtual_machines.begin_start']
    patch = [c for c in azure.calls if c[0] == 'virtual_machines.begin_update'][0][1][2]
    assert patch['properties'] == {'billingProfile': {'maxPrice': 0.1}, 'diagnosticsProfile': {'bootDiagnostics': {'enabled': True}}}
    assert result['vm']['max_price'] == 0.1


def test_failed_vm_is_applied_again(created):
    created.resources[VM_ID.lower()]['properties']['provisioningState'] = 'Failed'
    result, dummy = run(created, custom_data='#cloud-config\n', tags={'env': 'dev'})
    assert created.writes() == ['virtual_machines.begin_create_or_update']
    body = created.calls[-1][1][2]
    assert 'instanceView' not in body['properties'] and 'provisioningState' not in body['properties']
    assert result['changed']


@pytest.mark.parametrize('overrides, message', [
    ({'name': 'bad_name'}, "name: 'bad_name' is not a valid Linux VM name"),
    ({'name': 'x' * 65}, 'is not a valid Linux VM name'),
    ({'size': 'Standard_Nope'}, "size: 'Standard_Nope' is not a VM size available in location 'westeurope'. Available sizes"),
    ({'image': 'debian99'}, "image: 'debian99' is neither a known alias"),
    ({'image': 'Debian:debian-13:13-gen2:latest'}, "image: 'Debian:debian-13:13-gen2:latest' was not found in location"),
    ({'image': 'Debian:debian-12:12-gen2:1.2.3'}, "image: 'Debian:debian-12:12-gen2:1.2.3' was not found"),
    ({'ssh_public_keys': None}, 'ssh_public_keys: at least one SSH public key is required'),
    ({'ssh_public_keys': ['/home/me/.ssh/id_rsa.pub']}, 'ssh_public_keys[0]: not an OpenSSH public key'),
    ({'admin_username': 'root'}, "admin_username: Azure does not allow 'root'"),
    ({'resource_group': 'missing'}, "resource_group: resource group 'missing' does not exist (ResourceGroupNotFound)"),
    ({'inbound_rules': [{'ports': ['2375'], 'protocol': 'Tcp', 'source_prefixes': ['10.0.0.0/8']}]}, 'inbound_rules[0].ports: the rule would open port 2375'),
    ({'inbound_rules': [{'ports': ['2000-3000'], 'protocol': 'Any', 'source_prefixes': ['*']}]}, 'port 2375'),
    ({'size': None}, "size: required to create VM 'vm1'"),
])
def test_validation_errors_before_any_write(azure, overrides, message):
    with pytest.raises(AzureModuleError) as error:
        run(azure, **overrides)
    assert message in error.value.msg
    assert azure.writes() == []


def test_unknown_size_error_lists_valid_sizes(azure):
    with pytest.raises(AzureModuleError) as error:
        run(azure, size='Standard_B8z')
    assert error.value.extra['valid_sizes'] == sorted(azure.sizes['westeurope'])
    assert 'Standard_B1s, Standard_B2s, Standard_B4ms' in error.value.msg


def test_absent_in_missing_group_is_unchanged(azure):
    result, dummy = run(azure, state='absent', resource_group='missing')
    assert result['changed'] is False and azure.writes() == []


def test_warning_for_ssh_open_to_internet(azure):
    rules = [{'ports': ['22'], 'protocol': 'Tcp', 'source_prefixes': ['Internet']}]
    dummy, manager = run(azure, inbound_rules=rules)
    assert any('opens SSH' in warning for warning in manager.warnings)


def test_ssh_key_comment_is_ignored_when_comparing(created):
    result, dummy = run(created, ssh_public_keys=[ed25519_key(comment='other comment')])
    assert result['changed'] is False


def test_different_ssh_key_needs_replace(created):
    with pytest.raises(AzureModuleError) as error:
        run(created, ssh_public_keys=[ed25519_key(seed=2)])
    assert 'ssh_public_keys' in error.value.msg


def test_check_mode_with_a_location_plans_a_create_in_a_group_that_does_not_exist_yet(azure):
    """What lets the docker_host role check every VM option before it creates the resource group (issue 11)."""
    result, manager = run(azure, check_mode=True, resource_group='later', location='westeurope')
    assert result['changed'] and azure.writes() == []
    assert [a['action'] for a in result['actions']] == ['create'] * 5
    assert any("resource group 'later' does not exist yet" in warning for warning in manager.warnings)
    with pytest.raises(AzureModuleError, match='does not exist'):
        run(azure, check_mode=True, resource_group='later')  # without a location there is nothing to plan in
    with pytest.raises(AzureModuleError, match='virtual_network_address_prefixes'):
        run(azure, check_mode=True, resource_group='later', location='westeurope', virtual_network='net',
            virtual_network_address_prefixes=['10.0.0.0/33'])
