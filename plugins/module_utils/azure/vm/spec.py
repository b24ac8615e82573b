# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired state of a Linux VM (private to dockyard.azure): option validation, the create body, desired-vs-actual comparison. Pure.

Only options the user set are compared with an existing VM; unset options keep whatever the VM has.
Differences fall in three groups: in-place (one PATCH), in-place after deallocation (resize to a size
the VM's hardware cluster does not offer, spot max price), and immutable (need `replace`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import (
    RestDict,
    get_path,
    locations_equal,
    lower,
    validate_resource_group_name,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import desired_tags, string_tags, validate_tags
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.images import (
    ImageSpec,
    actual_image_text,
    image_matches,
    image_reference,
    image_urn,
    parse_image,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.state import CUSTOM_DATA_TAG, RESERVED_TAGS, RULES_TAG
from ansible_collections.dockyard.azure.plugins.module_utils.diff import DifferenceTracker

DEFAULT_ADMIN_USERNAME = 'azureuser'
DEFAULT_OS_DISK_TYPE = 'StandardSSD_LRS'
OS_DISK_TYPES = ['Standard_LRS', 'StandardSSD_LRS', 'Premium_LRS', 'StandardSSD_ZRS', 'Premium_ZRS']
DATA_DISK_TYPES = OS_DISK_TYPES + ['PremiumV2_LRS', 'UltraSSD_LRS']
CACHING = ['None', 'ReadOnly', 'ReadWrite']
MAX_CUSTOM_DATA_BYTES = 65535
MIN_RSA_BITS = 2048

# Names Azure refuses as the admin user of a Linux VM.
RESERVED_USERNAMES = frozenset((
    'administrator', 'admin', 'user', 'user1', 'test', 'user2', 'test1', 'user3', 'admin1', '1', '123', 'a',
    'actuser', 'adm', 'admin2', 'aspnet', 'backup', 'console', 'david', 'guest', 'john', 'owner', 'root', 'server',
    'sql', 'support', 'support_388945a0', 'sys', 'test2', 'test3', 'user4', 'user5',
))

_VM_NAME_RE = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?$')
_USERNAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_.-]{0,63}$')
_KEY_TYPES = ('ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
              'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com')
_IDENTITY_ID_RE = re.compile(r'^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.ManagedIdentity/'
                             r'userAssignedIdentities/[^/]+$', re.IGNORECASE)

# Properties that cannot change on an existing VM (in the order they are reported).
IMMUTABLE = ('location', 'zone', 'image', 'admin_username', 'ssh_public_keys', 'custom_data', 'priority', 'eviction_policy',
             'os_disk.type', 'os_disk.size_gb', 'os_disk.caching', 'data_disks', 'network_interface', 'subnet')


# ----------------------------------------------------------------------------------------------
# Validation

def validate_vm_name(name: str) -> None:
    """Linux VM names (also the host name): 1-64 letters, digits and hyphens, not all digits, no hyphen at either end."""
    if not name or len(name) > 64 or not _VM_NAME_RE.match(name) or name.isdigit():
        raise AzureModuleError(
            "name: '%s' is not a valid Linux VM name. Use 1-64 letters, digits and hyphens, starting and ending with a "
            "letter or digit and not only digits (Azure uses the name as the host name too)." % name)


def validate_admin_username(username: str) -> None:
    if not _USERNAME_RE.match(username or '') or username.endswith('.'):
        raise AzureModuleError(
            "admin_username: '%s' is not valid: 1-64 letters, digits, '_', '.' or '-', starting with a letter or '_' "
            "and not ending with '.'." % username)
    if username.lower() in RESERVED_USERNAMES:
        raise AzureModuleError("admin_username: Azure does not allow '%s' as the admin user of a Linux VM; choose "
                               "another name (for example azureuser)." % username)


def _ssh_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    (length,) = struct.unpack('>I', blob[offset:offset + 4])
    start = offset + 4
    if start + length > len(blob):
        raise ValueError('truncated key')
    return blob[start:start + length], start + length


def normalize_ssh_key(key: str | None, index: int) -> str:
    """'type base64 [comment]' -> 'type base64' after checking it; raises AzureModuleError naming the item."""
    where = 'ssh_public_keys[%d]' % index
    parts = str(key or '').strip().split()
    if len(parts) < 2 or parts[0] not in _KEY_TYPES:
        raise AzureModuleError(
            '%s: not an OpenSSH public key (expected "<type> <base64> [comment]" with type one of %s). '
            'Pass the content of a .pub file, not its path or a private key.' % (where, ', '.join(_KEY_TYPES[:3])))
    try:
        blob = base64.b64decode(parts[1], validate=True)
        key_type, offset = _ssh_string(blob, 0)
        if key_type.decode('ascii', 'replace') != parts[0]:
            raise ValueError('key type mismatch')
        if parts[0] == 'ssh-rsa':
            dummy, offset = _ssh_string(blob, offset)  # public exponent
            modulus, offset = _ssh_string(blob, offset)
            bits = int.from_bytes(modulus, 'big').bit_length()
            if bits < MIN_RSA_BITS:
                raise AzureModuleError('%s: the RSA key has %d bits; Azure requires at least %d.' % (where, bits, MIN_RSA_BITS))
    except AzureModuleError:
        raise
    except (ValueError, binascii.Error, struct.error) as exc:
        raise AzureModuleError('%s: the key data of this %s key is damaged (%s).' % (where, parts[0], exc)) from exc
    return '%s %s' % (parts[0], parts[1])


def _validate_disks(params: Mapping[str, Any]) -> None:
    os_disk = params.get('os_disk') or {}
    if os_disk.get('size_gb') is not None and not 1 <= os_disk['size_gb'] <= 4095:
        raise AzureModuleError('os_disk.size_gb: %s is outside 1-4095 GiB.' % os_disk['size_gb'])
    luns = set()
    for index, disk in enumerate(params.get('data_disks') or []):
        where = 'data_disks[%d]' % index
        if not 0 <= disk['lun'] <= 63:
            raise AzureModuleError('%s.lun: %s is outside 0-63.' % (where, disk['lun']))
        if disk['lun'] in luns:
            raise AzureModuleError('%s.lun: LUN %s is used twice.' % (where, disk['lun']))
        luns.add(disk['lun'])
        if not 1 <= disk['size_gb'] <= 32767:
            raise AzureModuleError('%s.size_gb: %s is outside 1-32767 GiB.' % (where, disk['size_gb']))


def validate_params(params: Mapping[str, Any]) -> None:
    """Every check that needs no API call; raises AzureModuleError naming the option."""
    validate_vm_name(params['name'])
    validate_resource_group_name(params['resource_group'])
    if params.get('admin_username') is not None:
        validate_admin_username(params['admin_username'])
    for index, key in enumerate(params.get('ssh_public_keys') or []):
        normalize_ssh_key(key, index)
    if params.get('image') is not None:
        parse_image(params['image'])
    if params.get('custom_data') is not None and len(params['custom_data'].encode('utf-8')) > MAX_CUSTOM_DATA_BYTES:
        raise AzureModuleError('custom_data: %d bytes; Azure accepts at most %d.' % (len(params['custom_data'].encode('utf-8')),
                                                                                     MAX_CUSTOM_DATA_BYTES))
    validate_tags(params.get('tags'), reserved=RESERVED_TAGS)
    _validate_disks(params)
    priority = params.get('priority')
    if priority != 'Spot':
        for option in ('eviction_policy', 'max_price'):
            if params.get(option) is not None:
                raise AzureModuleError('%s: only applies to Spot VMs; set priority=Spot as well.' % option)
    if params.get('max_price') is not None and params['max_price'] != -1 and params['max_price'] <= 0:
        raise AzureModuleError('max_price: use -1 (pay up to the pay-as-you-go price) or a price above 0 in US dollars.')
    for index, ident in enumerate((params.get('identity') or {}).get('user_assigned') or []):
        if not _IDENTITY_ID_RE.match(ident):
            raise AzureModuleError("identity.user_assigned[%d]: '%s' is not a user-assigned identity resource ID "
                                   "(/subscriptions/.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)."
                                   % (index, ident))


# ----------------------------------------------------------------------------------------------
# Desired state

def custom_data_sha256(custom_data: str | None) -> str | None:
    return hashlib.sha256(custom_data.encode('utf-8')).hexdigest() if custom_data is not None else None


def desired_identity(option: Mapping[str, Any] | None) -> RestDict | None:
    """The REST identity of the identity option, or None when the option is unset."""
    if option is None:
        return None
    system = bool(option.get('system_assigned'))
    users = sorted(option.get('user_assigned') or [])
    if system and users:
        kind = 'SystemAssigned, UserAssigned'
    elif system:
        kind = 'SystemAssigned'
    elif users:
        kind = 'UserAssigned'
    else:
        kind = 'None'
    identity: RestDict = {'type': kind}
    if users:
        identity['userAssignedIdentities'] = {ident: {} for ident in users}
    return identity


def identity_summary(identity: RestDict | None) -> dict[str, Any]:
    """Comparable view of a REST identity: (system_assigned, sorted lower-case user identity IDs)."""
    kind = lower((identity or {}).get('type') or 'None')
    users = sorted(key.lower() for key in ((identity or {}).get('userAssignedIdentities') or {}))
    return {'system_assigned': 'systemassigned' in kind.replace(' ', ''), 'user_assigned': users}


def vm_tags(params: Mapping[str, Any], current_tags: Mapping[str, str] | None, custom_data_hash: str | None = None,
            rules_hash: str | None = None) -> dict[str, str]:
    """The VM's tags after the run: the user's tags (merged or replacing), keeping the module's reserved tags."""
    tags = desired_tags(current_tags, params.get('tags'), params.get('append_tags', True), keep=RESERVED_TAGS)
    if custom_data_hash:
        tags[CUSTOM_DATA_TAG] = custom_data_hash
    if rules_hash:
        tags[RULES_TAG] = rules_hash
    return tags


def data_disk_name(vm_name: str, lun: int) -> str:
    return '%s-datadisk-%d' % (vm_name, lun)


def data_disk_body(vm_name: str, disk: Mapping[str, Any]) -> RestDict:
    body = {
        'lun': disk['lun'],
        'name': data_disk_name(vm_name, disk['lun']),
        'createOption': 'Empty',
        'diskSizeGB': disk['size_gb'],
        'managedDisk': {'storageAccountType': disk.get('type') or DEFAULT_OS_DISK_TYPE},
        'deleteOption': 'Delete',
    }
    if disk.get('caching'):
        body['caching'] = disk['caching']
    return body


def create_body(params: Mapping[str, Any], location: str, image_spec: ImageSpec, nic_id: str,
                rules_hash: str | None = None) -> RestDict:
    """The REST body that creates the VM (image_spec resolved; nic_id the primary NIC; rules_hash for RULES_TAG)."""
    name = params['name']
    admin = params.get('admin_username') or DEFAULT_ADMIN_USERNAME
    keys = [normalize_ssh_key(key, index) for index, key in enumerate(params.get('ssh_public_keys') or [])]
    os_disk = params.get('os_disk') or {}
    os_disk_body = {
        'name': '%s-osdisk' % name,
        'createOption': 'FromImage',
        'caching': os_disk.get('caching') or 'ReadWrite',
        'managedDisk': {'storageAccountType': os_disk.get('type') or DEFAULT_OS_DISK_TYPE},
        'deleteOption': 'Delete',
    }
    if os_disk.get('size_gb'):
        os_disk_body['diskSizeGB'] = os_disk['size_gb']
    os_profile: dict[str, Any] = {
        'computerName': name,
        'adminUsername': admin,
        'linuxConfiguration': {
            'disablePasswordAuthentication': True,
            'provisionVMAgent': True,
            'ssh': {'publicKeys': [{'path': '/home/%s/.ssh/authorized_keys' % admin, 'keyData': key} for key in keys]},
        },
    }
    if params.get('custom_data') is not None:
        os_profile['customData'] = base64.b64encode(params['custom_data'].encode('utf-8')).decode('ascii')
    props: dict[str, Any] = {
        'hardwareProfile': {'vmSize': params['size']},
        'storageProfile': {
            'imageReference': image_reference(image_spec),
            'osDisk': os_disk_body,
            'dataDisks': [data_disk_body(name, disk) for disk in sorted(params.get('data_disks') or [], key=lambda d: d['lun'])],
        },
        'osProfile': os_profile,
        'networkProfile': {'networkInterfaces': [
            # Detach: the module deletes the NIC it owns itself, so `replace` keeps the NIC and its addresses.
            {'id': nic_id, 'properties': {'primary': True, 'deleteOption': 'Detach'}}]},
        'diagnosticsProfile': {'bootDiagnostics': {'enabled': bool(params.get('boot_diagnostics'))}},
    }
    if params.get('priority') == 'Spot':
        props['priority'] = 'Spot'
        props['evictionPolicy'] = params.get('eviction_policy') or 'Deallocate'
        props['billingProfile'] = {'maxPrice': params['max_price'] if params.get('max_price') is not None else -1}
    body = {
        'location': location,
        'tags': vm_tags(params, {}, custom_data_sha256(params.get('custom_data')), rules_hash),
        'properties': props,
    }
    if params.get('zone'):
        body['zones'] = [params['zone']]
    identity = desired_identity(params.get('identity'))
    if identity and identity['type'] != 'None':
        body['identity'] = identity
    return body


def desired_view(params: Mapping[str, Any], location: str, image_spec: ImageSpec | None = None,
                 rules_hash: str | None = None) -> dict[str, Any]:
    """The managed properties as the diff's 'after' side for a new VM."""
    os_disk = params.get('os_disk') or {}
    view = {
        'location': location,
        'size': params.get('size'),
        'zone': params.get('zone'),
        'image': image_urn(image_spec) if image_spec else params.get('image'),
        'admin_username': params.get('admin_username') or DEFAULT_ADMIN_USERNAME,
        'ssh_public_keys': [normalize_ssh_key(k, i) for i, k in enumerate(params.get('ssh_public_keys') or [])],
        'custom_data_sha256': custom_data_sha256(params.get('custom_data')),
        'priority': params.get('priority') or 'Regular',
        'os_disk': {'size_gb': os_disk.get('size_gb'), 'type': os_disk.get('type') or DEFAULT_OS_DISK_TYPE,
                    'caching': os_disk.get('caching') or 'ReadWrite'},
        'data_disks': [{'lun': d['lun'], 'size_gb': d['size_gb'], 'type': d.get('type') or DEFAULT_OS_DISK_TYPE,
                        'caching': d.get('caching')} for d in sorted(params.get('data_disks') or [], key=lambda d: d['lun'])],
        'boot_diagnostics': bool(params.get('boot_diagnostics')),
        'tags': vm_tags(params, {}, custom_data_sha256(params.get('custom_data')), rules_hash),
    }
    if params.get('priority') == 'Spot':
        view['eviction_policy'] = params.get('eviction_policy') or 'Deallocate'
        view['max_price'] = params['max_price'] if params.get('max_price') is not None else -1
    if params.get('identity') is not None:
        view['identity'] = identity_summary(desired_identity(params['identity']))
    return view


# ----------------------------------------------------------------------------------------------
# Comparison

class VmComparison:
    """Outcome of comparing the options with an existing VM's REST dict."""

    def __init__(self) -> None:
        self.tracker = DifferenceTracker()
        self.immutable: list[tuple[str, Any, Any]] = []  # (property, before, after)
        self.patch: RestDict = {}  # REST PATCH body of the in-place changes
        self.new_size: str | None = None  # a resize, decided with the VM's available sizes
        self.needs_deallocation: list[str] = []  # in-place changes that Azure only accepts on a deallocated VM
        self.warnings: list[str] = []

    @property
    def changed(self) -> bool:
        return bool(self.patch) or self.new_size is not None or bool(self.immutable)

    def immutable_message(self, vm_name: str) -> str:
        parts = ['%s (%s -> %s)' % (prop, _short(before), _short(after)) for prop, before, after in self.immutable]
        return ("Cannot change %s of existing VM '%s' in place: Azure does not allow it. Set replace=true to delete and "
                "recreate the VM (its OS disk and the data disks the module created are deleted; the NIC, public IP and NSG "
                "it owns are kept unless the subnet changes), or restore the previous value."
                % (', '.join(parts), vm_name))


def _short(value: Any) -> str:
    text = '%s' % (value,)
    return text if len(text) <= 80 else text[:77] + '...'


def _set_patch(patch: RestDict, path: tuple[str, ...], value: Any) -> None:
    current = patch
    for key in path[:-1]:
        current = current.setdefault(key, {})
    current[path[-1]] = value


def _immutable(result: VmComparison, prop: str, before: Any, after: Any, differs: bool | None = None) -> None:
    if differs is None:
        differs = before != after
    result.tracker.add(prop, before, after, changed=differs)
    if differs:
        result.immutable.append((prop, before, after))


def compare_vm(params: Mapping[str, Any], actual: RestDict, image_spec: ImageSpec | None = None) -> VmComparison:
    """Compare the options the user set with `actual` (VM REST dict). Pure; image_spec is parse_image's result."""
    result = VmComparison()
    props = actual.get('properties') or {}
    tags = dict(actual.get('tags') or {})

    if params.get('location'):
        _immutable(result, 'location', actual.get('location'), params['location'],
                   not locations_equal(actual.get('location'), params['location']))
    if params.get('zone') is not None:
        _immutable(result, 'zone', (actual.get('zones') or [None])[0], params['zone'])
    if image_spec is not None:
        reference = get_path(props, 'storageProfile', 'imageReference', default={})
        _immutable(result, 'image', actual_image_text(reference), image_urn(image_spec), not image_matches(image_spec, reference))
    if params.get('admin_username') is not None:
        _immutable(result, 'admin_username', get_path(props, 'osProfile', 'adminUsername'), params['admin_username'])
    if params.get('ssh_public_keys') is not None:
        actual_keys = sorted(' '.join(str(k.get('keyData') or '').split()[:2]) for k in
                             get_path(props, 'osProfile', 'linuxConfiguration', 'ssh', 'publicKeys', default=[]))
        wanted = sorted(normalize_ssh_key(key, index) for index, key in enumerate(params['ssh_public_keys']))
        _immutable(result, 'ssh_public_keys', actual_keys, wanted)
    if params.get('custom_data') is not None:
        wanted_hash = custom_data_sha256(params['custom_data'])
        if CUSTOM_DATA_TAG in tags:
            _immutable(result, 'custom_data', tags[CUSTOM_DATA_TAG], wanted_hash)
        else:
            result.warnings.append(
                "custom_data: VM '%s' has no %s tag (it was not created by this module), so its custom data cannot be "
                "compared and was left alone; Azure never returns custom data." % (actual.get('name'), CUSTOM_DATA_TAG))
    actual_priority = props.get('priority') or 'Regular'
    if params.get('priority') is not None:
        _immutable(result, 'priority', actual_priority, params['priority'])
    if params.get('priority') == 'Spot' and actual_priority == 'Spot':
        if params.get('eviction_policy') is not None:
            _immutable(result, 'eviction_policy', props.get('evictionPolicy'), params['eviction_policy'])
        if params.get('max_price') is not None:
            before = get_path(props, 'billingProfile', 'maxPrice')
            before = -1 if before is None else before
            result.tracker.add('max_price', before, params['max_price'])
            if float(before) != float(params['max_price']):
                _set_patch(result.patch, ('properties', 'billingProfile', 'maxPrice'), params['max_price'])
                result.needs_deallocation.append('max_price')

    _compare_disks(params, props, actual.get('name') or '', result)

    if params.get('size') is not None:
        before = get_path(props, 'hardwareProfile', 'vmSize')
        result.tracker.add('size', before, params['size'], changed=lower(before) != lower(params['size']))
        if lower(before) != lower(params['size']):
            result.new_size = params['size']
            _set_patch(result.patch, ('properties', 'hardwareProfile', 'vmSize'), params['size'])
    if params.get('boot_diagnostics') is not None:
        before = bool(get_path(props, 'diagnosticsProfile', 'bootDiagnostics', 'enabled', default=False))
        result.tracker.add('boot_diagnostics', before, params['boot_diagnostics'])
        if before != params['boot_diagnostics']:
            _set_patch(result.patch, ('properties', 'diagnosticsProfile', 'bootDiagnostics'), {'enabled': params['boot_diagnostics']})
    if params.get('identity') is not None:
        wanted_identity = desired_identity(params['identity']) or {}
        before, after = identity_summary(actual.get('identity')), identity_summary(wanted_identity)
        result.tracker.add('identity', before, after)
        if before != after:
            body: RestDict = {'type': wanted_identity['type']}
            if 'UserAssigned' in wanted_identity['type']:
                # Without UserAssigned in the type Azure drops them all; with it, PATCH removes one by setting it to null.
                users = dict(wanted_identity.get('userAssignedIdentities') or {})
                for ident in (actual.get('identity') or {}).get('userAssignedIdentities') or {}:
                    if ident.lower() not in after['user_assigned']:
                        users[ident] = None
                body['userAssignedIdentities'] = users
            result.patch['identity'] = body
    tags_after = vm_tags(params, tags)
    result.tracker.add('tags', tags, tags_after)
    if tags_after != tags:
        result.patch['tags'] = tags_after
    return result


def _compare_disks(params: Mapping[str, Any], props: RestDict, vm_name: str, result: VmComparison) -> None:
    os_disk = params.get('os_disk') or {}
    actual_os = get_path(props, 'storageProfile', 'osDisk', default={})
    if os_disk.get('type'):
        _immutable(result, 'os_disk.type', get_path(actual_os, 'managedDisk', 'storageAccountType'), os_disk['type'],
                   lower(get_path(actual_os, 'managedDisk', 'storageAccountType')) != lower(os_disk['type']))
    if os_disk.get('size_gb') and actual_os.get('diskSizeGB') is not None:
        _immutable(result, 'os_disk.size_gb', actual_os.get('diskSizeGB'), os_disk['size_gb'])
    if os_disk.get('caching'):
        _immutable(result, 'os_disk.caching', actual_os.get('caching'), os_disk['caching'])
    if params.get('data_disks') is None:
        return
    actual_disks = {disk.get('lun'): disk for disk in get_path(props, 'storageProfile', 'dataDisks', default=[])}
    before: list[dict[str, Any] | None] = []
    after: list[dict[str, Any]] = []
    new_list = [_writable_data_disk(disk) for lun, disk in sorted(actual_disks.items())]
    in_place = False
    for disk in sorted(params['data_disks'], key=lambda d: d['lun']):
        wanted = {'lun': disk['lun'], 'size_gb': disk['size_gb'], 'type': disk.get('type') or DEFAULT_OS_DISK_TYPE}
        current = actual_disks.get(disk['lun'])
        if current is None:
            before.append(None)
            after.append(dict(wanted, caching=disk.get('caching')))
            new_list.append(data_disk_body(vm_name, disk))
            in_place = True
            continue
        seen = {'lun': disk['lun'], 'size_gb': current.get('diskSizeGB'),
                'type': get_path(current, 'managedDisk', 'storageAccountType'), 'caching': current.get('caching')}
        before.append(seen)
        after.append(dict(wanted, caching=disk.get('caching') or seen['caching']))
        if (seen['size_gb'] is not None and seen['size_gb'] != wanted['size_gb']) or \
                (seen['type'] is not None and lower(seen['type']) != lower(wanted['type'])):
            result.immutable.append(('data_disks[lun=%d]' % disk['lun'], {'size_gb': seen['size_gb'], 'type': seen['type']},
                                     {'size_gb': wanted['size_gb'], 'type': wanted['type']}))
        if disk.get('caching') and lower(disk['caching']) != lower(seen['caching'] or 'None'):
            for item in new_list:
                if item['lun'] == disk['lun']:
                    item['caching'] = disk['caching']
            in_place = True
    result.tracker.add('data_disks', before, after)
    if in_place:
        _set_patch(result.patch, ('properties', 'storageProfile', 'dataDisks'), new_list)


def _writable_data_disk(disk: RestDict) -> RestDict:
    """An attached data disk as it must be re-sent in a PATCH that changes the data disk list."""
    body: RestDict = {'lun': disk.get('lun'), 'createOption': 'Attach'}
    for key in ('name', 'caching', 'diskSizeGB', 'deleteOption', 'writeAcceleratorEnabled'):
        if disk.get(key) is not None:
            body[key] = disk[key]
    managed = disk.get('managedDisk') or {}
    if managed.get('id'):
        body['managedDisk'] = {'id': managed['id']}
        if managed.get('storageAccountType'):
            body['managedDisk']['storageAccountType'] = managed['storageAccountType']
    return body


def actual_view(actual: RestDict, power_state: str | None = None) -> dict[str, Any]:
    """The managed properties of an existing VM, for a diff whose 'after' is empty (deletion)."""
    props = actual.get('properties') or {}
    return {
        'location': actual.get('location'),
        'size': get_path(props, 'hardwareProfile', 'vmSize'),
        'image': actual_image_text(get_path(props, 'storageProfile', 'imageReference')),
        'admin_username': get_path(props, 'osProfile', 'adminUsername'),
        'power_state': power_state,
        'tags': dict(actual.get('tags') or {}),
    }


def spec_params_for_replace(params: Mapping[str, Any], actual: RestDict) -> dict[str, Any]:
    """Options for recreating an existing VM: what the user set, else what the VM has (custom data cannot be read)."""
    props = actual.get('properties') or {}
    merged = dict(params)
    if not merged.get('size'):
        merged['size'] = get_path(props, 'hardwareProfile', 'vmSize')
    if not merged.get('image'):
        reference = get_path(props, 'storageProfile', 'imageReference', default={})
        if reference.get('id'):
            merged['image'] = reference['id']
        else:
            merged['image'] = '%s:%s:%s:%s' % (reference.get('publisher'), reference.get('offer'), reference.get('sku'),
                                               reference.get('exactVersion') or reference.get('version') or 'latest')
    if not merged.get('admin_username'):
        merged['admin_username'] = get_path(props, 'osProfile', 'adminUsername')
    if not merged.get('ssh_public_keys'):
        merged['ssh_public_keys'] = [k.get('keyData') for k in
                                     get_path(props, 'osProfile', 'linuxConfiguration', 'ssh', 'publicKeys', default=[])]
    if merged.get('zone') is None and actual.get('zones'):
        merged['zone'] = actual['zones'][0]
    if merged.get('priority') is None and props.get('priority') == 'Spot':
        merged['priority'] = 'Spot'
        merged.setdefault('eviction_policy', props.get('evictionPolicy'))
        if merged.get('max_price') is None:
            merged['max_price'] = get_path(props, 'billingProfile', 'maxPrice')
    if merged.get('boot_diagnostics') is None:
        merged['boot_diagnostics'] = bool(get_path(props, 'diagnosticsProfile', 'bootDiagnostics', 'enabled', default=False))
    if merged.get('tags') is None or merged.get('append_tags', True):
        tags = {k: v for k, v in (actual.get('tags') or {}).items() if k not in RESERVED_TAGS}
        tags.update(string_tags(merged.get('tags')))
        merged['tags'] = tags
        merged['append_tags'] = False
    if merged.get('identity') is None and actual.get('identity'):
        summary = identity_summary(actual['identity'])
        merged['identity'] = {'system_assigned': summary['system_assigned'],
                              'user_assigned': sorted((actual['identity'].get('userAssignedIdentities') or {}).keys())}
    return merged
