# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Option validation, the create body and the desired-vs-actual comparison of a VM."""

from __future__ import annotations

import base64
import hashlib

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.images import parse_image
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.spec import (
    compare_vm,
    create_body,
    normalize_ssh_key,
    spec_params_for_replace,
    validate_params,
    vm_tags,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.state import CUSTOM_DATA_TAG
from ansible_collections.dockyard.azure.plugins.modules.vm import ARGUMENT_SPEC
from ansible_collections.dockyard.azure.tests.unit.utils.ssh_keys import ED25519, ed25519_key, rsa_key

NIC = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/vm1-nic'


def params(**overrides):
    values = {name: spec.get('default') for name, spec in ARGUMENT_SPEC.items()}
    values.update(name='vm1', resource_group='rg', size='Standard_B2s', image='debian12', ssh_public_keys=[ED25519])
    values.update(overrides)
    return values


def actual_vm(**props):
    vm = {
        'id': '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1', 'name': 'vm1',
        'location': 'westeurope', 'tags': {'env': 'dev', CUSTOM_DATA_TAG: hashlib.sha256(b'#cloud-config\n').hexdigest()},
        'properties': {
            'hardwareProfile': {'vmSize': 'Standard_B2s'},
            'storageProfile': {
                'imageReference': {'publisher': 'Debian', 'offer': 'debian-12', 'sku': '12-gen2', 'version': '0.1', 'exactVersion': '0.1'},
                'osDisk': {'name': 'vm1-osdisk', 'diskSizeGB': 30, 'caching': 'ReadWrite', 'managedDisk': {'storageAccountType': 'StandardSSD_LRS', 'id': 'd'}},
                'dataDisks': [{'lun': 0, 'name': 'vm1-datadisk-0', 'diskSizeGB': 64, 'createOption': 'Empty', 'caching': 'None',
                               'managedDisk': {'storageAccountType': 'StandardSSD_LRS', 'id': 'dd0'}, 'deleteOption': 'Delete'}],
            },
            'osProfile': {'computerName': 'vm1', 'adminUsername': 'azureuser', 'linuxConfiguration': {
                'disablePasswordAuthentication': True,
                'ssh': {'publicKeys': [{'path': '/home/azureuser/.ssh/authorized_keys', 'keyData': ED25519}]}}},
            'networkProfile': {'networkInterfaces': [{'id': NIC}]},
        },
    }
    vm['properties'].update(props)
    return vm


# ------------------------------------------------------------------ validation

@pytest.mark.parametrize('name', ['vm1', 'a', 'docker-host-01', 'A' * 64, 'x9'])
def test_valid_names(name):
    validate_params(params(name=name))


@pytest.mark.parametrize('name', ['', '-vm', 'vm-', 'vm_1', 'vm.1', 'vm 1', 'A' * 65, '12345'])
def test_invalid_names(name):
    with pytest.raises(AzureModuleError, match='^name: '):
        validate_params(params(name=name))


@pytest.mark.parametrize('user', ['root', 'Admin', 'administrator', 'test1', '1user', 'a b', 'user.'])
def test_invalid_admin_users(user):
    with pytest.raises(AzureModuleError, match='^admin_username: '):
        validate_params(params(admin_username=user))


def test_ssh_keys():
    assert normalize_ssh_key(ED25519 + ' extra words', 0) == ' '.join(ED25519.split()[:2])
    assert normalize_ssh_key(rsa_key(4096), 0).startswith('ssh-rsa ')
    with pytest.raises(AzureModuleError, match=r'ssh_public_keys\[1\]: the RSA key has 1024 bits'):
        validate_params(params(ssh_public_keys=[ED25519, rsa_key(1024)]))
    with pytest.raises(AzureModuleError, match='damaged'):
        normalize_ssh_key('ssh-ed25519 AAAAB3NzaC1yc2E=', 0)
    with pytest.raises(AzureModuleError, match='not an OpenSSH public key'):
        normalize_ssh_key('-----BEGIN OPENSSH PRIVATE KEY-----', 0)


@pytest.mark.parametrize('overrides, message', [
    ({'tags': {CUSTOM_DATA_TAG: 'x'}}, 'tags: '),
    ({'tags': {'a/b': 'x'}}, "tags: 'a/b' is not a valid tag name"),
    ({'eviction_policy': 'Delete'}, 'eviction_policy: only applies to Spot VMs'),
    ({'priority': 'Spot', 'max_price': 0}, 'max_price: use -1'),
    ({'data_disks': [{'lun': 0, 'size_gb': 1, 'type': None, 'caching': None}, {'lun': 0, 'size_gb': 1, 'type': None, 'caching': None}]},
     r'data_disks\[1\].lun: LUN 0 is used twice'),
    ({'data_disks': [{'lun': 64, 'size_gb': 1, 'type': None, 'caching': None}]}, 'outside 0-63'),
    ({'os_disk': {'size_gb': 5000, 'type': None, 'caching': None}}, 'os_disk.size_gb'),
    ({'custom_data': 'x' * 70000}, 'custom_data: 70000 bytes'),
    ({'identity': {'system_assigned': False, 'user_assigned': ['myid']}}, r'identity.user_assigned\[0\]'),
])
def test_option_validation(overrides, message):
    with pytest.raises(AzureModuleError, match=message):
        validate_params(params(**overrides))


# ------------------------------------------------------------------ create body

def test_create_body():
    body = create_body(params(custom_data='#cloud-config\n', zone='2', priority='Spot', tags={'n': 1},
                              data_disks=[{'lun': 1, 'size_gb': 10, 'type': 'Premium_LRS', 'caching': 'ReadOnly'}],
                              identity={'system_assigned': True, 'user_assigned': []}),
                       'westeurope', parse_image('Debian:debian-12:12-gen2:0.1'), NIC)
    props = body['properties']
    assert props['osProfile']['customData'] == base64.b64encode(b'#cloud-config\n').decode()
    assert props['osProfile']['linuxConfiguration']['disablePasswordAuthentication'] is True
    assert props['osProfile']['linuxConfiguration']['ssh']['publicKeys'][0]['path'] == '/home/azureuser/.ssh/authorized_keys'
    assert props['storageProfile']['osDisk']['deleteOption'] == 'Delete'
    assert props['storageProfile']['osDisk']['managedDisk'] == {'storageAccountType': 'StandardSSD_LRS'}
    assert props['storageProfile']['dataDisks'][0]['name'] == 'vm1-datadisk-1'
    assert props['networkProfile']['networkInterfaces'][0]['properties'] == {'primary': True, 'deleteOption': 'Detach'}
    assert props['priority'] == 'Spot' and props['evictionPolicy'] == 'Deallocate' and props['billingProfile'] == {'maxPrice': -1}
    assert body['zones'] == ['2']
    assert body['tags'] == {'n': '1', CUSTOM_DATA_TAG: hashlib.sha256(b'#cloud-config\n').hexdigest()}
    assert body['identity'] == {'type': 'SystemAssigned'}


# ------------------------------------------------------------------ comparison

def test_no_difference_when_options_match():
    result = compare_vm(params(custom_data='#cloud-config\n', tags={'env': 'dev'}, location='West Europe',
                               data_disks=[{'lun': 0, 'size_gb': 64, 'type': None, 'caching': None}]),
                        actual_vm(), parse_image('debian12'))
    assert not result.changed, result.tracker.changed_fields
    assert result.patch == {} and result.immutable == []


def test_unset_options_are_not_compared():
    result = compare_vm(params(size=None, image=None, ssh_public_keys=None), actual_vm())
    assert not result.changed


def test_immutable_differences_are_collected():
    result = compare_vm(params(image='ubuntu2404', admin_username='deploy', zone='1', custom_data='other',
                               ssh_public_keys=[ed25519_key(seed=3)], location='northeurope', priority='Spot',
                               os_disk={'size_gb': 64, 'type': 'Premium_LRS', 'caching': None}),
                        actual_vm(), parse_image('ubuntu2404'))
    assert [item[0] for item in result.immutable] == ['location', 'zone', 'image', 'admin_username', 'ssh_public_keys',
                                                      'custom_data', 'priority', 'os_disk.type', 'os_disk.size_gb']
    message = result.immutable_message('vm1')
    assert message.startswith('Cannot change location (westeurope -> northeurope), zone (None -> 1), image (')
    assert 'replace=true' in message


def test_fixed_image_version_mismatch_is_immutable():
    result = compare_vm(params(), actual_vm(), parse_image('Debian:debian-12:12-gen2:0.2'))
    assert result.immutable[0][0] == 'image'


def test_in_place_differences_make_one_patch():
    result = compare_vm(params(size='Standard_B4ms', boot_diagnostics=True, tags={'team': 'x'},
                               data_disks=[{'lun': 0, 'size_gb': 64, 'type': None, 'caching': 'ReadOnly'},
                                           {'lun': 2, 'size_gb': 8, 'type': None, 'caching': None}]),
                        actual_vm())
    assert result.immutable == []
    assert result.new_size == 'Standard_B4ms'
    patch = result.patch
    assert patch['properties']['hardwareProfile'] == {'vmSize': 'Standard_B4ms'}
    assert patch['properties']['diagnosticsProfile'] == {'bootDiagnostics': {'enabled': True}}
    assert patch['tags']['team'] == 'x' and patch['tags']['env'] == 'dev'
    disks = patch['properties']['storageProfile']['dataDisks']
    assert [(d['lun'], d['createOption'], d.get('caching')) for d in disks] == [(0, 'Attach', 'ReadOnly'), (2, 'Empty', None)]
    assert disks[0]['managedDisk'] == {'id': 'dd0', 'storageAccountType': 'StandardSSD_LRS'}
    assert set(result.tracker.changed_fields) == {'size', 'boot_diagnostics', 'tags', 'data_disks'}


def test_size_compare_is_case_insensitive():
    assert not compare_vm(params(size='standard_b2s'), actual_vm()).changed


def test_custom_data_without_tag_warns():
    vm = actual_vm()
    vm['tags'] = {}
    result = compare_vm(params(custom_data='x'), vm)
    assert not result.changed
    assert 'cannot be compared' in result.warnings[0]


def test_spot_max_price_needs_deallocation():
    vm = actual_vm(priority='Spot', evictionPolicy='Deallocate', billingProfile={'maxPrice': -1})
    result = compare_vm(params(priority='Spot', max_price=0.2), vm)
    assert result.needs_deallocation == ['max_price']
    assert result.patch == {'properties': {'billingProfile': {'maxPrice': 0.2}}}
    assert not compare_vm(params(priority='Spot', max_price=-1.0), vm).changed


def test_identity_comparison():
    uid = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/Id1'
    vm = actual_vm()
    vm['identity'] = {'type': 'SystemAssigned, UserAssigned', 'principalId': 'p', 'userAssignedIdentities': {uid: {'principalId': 'q'}}}
    assert not compare_vm(params(identity={'system_assigned': True, 'user_assigned': [uid.lower()]}), vm).changed
    other = uid.replace('Id1', 'id2')
    result = compare_vm(params(identity={'system_assigned': False, 'user_assigned': [other]}), vm)
    assert result.patch['identity'] == {'type': 'UserAssigned', 'userAssignedIdentities': {other: {}, uid: None}}
    result = compare_vm(params(identity={'system_assigned': False, 'user_assigned': []}), vm)
    assert result.patch['identity'] == {'type': 'None'}


def test_vm_tags():
    current = {'a': '1', CUSTOM_DATA_TAG: 'h'}
    assert vm_tags({'tags': None}, current) == current
    assert vm_tags({'tags': {'b': 2}, 'append_tags': True}, current) == {'a': '1', 'b': '2', CUSTOM_DATA_TAG: 'h'}
    assert vm_tags({'tags': {}, 'append_tags': False}, current) == {CUSTOM_DATA_TAG: 'h'}
    assert vm_tags({'tags': {}, 'append_tags': False}, current, custom_data_hash='new') == {CUSTOM_DATA_TAG: 'new'}


def test_replace_takes_unset_options_from_vm():
    merged = spec_params_for_replace(params(size=None, image=None, ssh_public_keys=None, tags={'x': 'y'}), actual_vm())
    assert merged['size'] == 'Standard_B2s'
    assert merged['image'] == 'Debian:debian-12:12-gen2:0.1'
    assert merged['ssh_public_keys'] == [ED25519]
    assert merged['admin_username'] == 'azureuser'
    assert merged['tags'] == {'env': 'dev', 'x': 'y'}
