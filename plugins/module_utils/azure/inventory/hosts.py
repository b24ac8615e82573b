# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts of the inventory (private to dockyard.azure): host variables, host names, group name sanitization.

Pure. A VM arrives in the shape vm_info returns (vm/state.vm_to_dict); ``host_vars`` turns it into
the variables every host gets (``azure_`` + the vm_info key, by default); ``choose_hostname`` walks
the ``hostnames`` preference list, where a keyword names a host variable and anything else is a
Jinja expression the plugin evaluates.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import AzureConfigError

HOSTNAME_KEYWORDS = ('public_ip', 'private_ip', 'fqdn', 'name', 'computer_name')
DEFAULT_HOSTNAMES = ['name']
DEFAULT_PREFIX = 'azure_'
# vm_info keys that are not host variables. Ansible checks and tags every value of every host variable
# (hundreds of hosts: the cost of a cached run is mostly that, and the --list output), so only what
# serves grouping, naming and connecting is kept; ansible_host is set without the prefix.
LEFT_OUT = frozenset(('ansible_host', 'ssh_public_keys', 'password_authentication', 'custom_data_sha256', 'max_price',
                      'eviction_policy', 'boot_diagnostics', 'network_interfaces', 'public_ip_id', 'data_disks', 'nic',
                      'network_security_group', 'vm_id'))

# azure_rm's use_contrib_script_compatible_sanitization: anything but letters, digits, _ and - becomes _.
_LEGACY_UNSAFE = re.compile(r'[^A-Za-z0-9_\-]')


def image_name(image: Mapping[str, Any] | None) -> str | None:
    """A marketplace image as its URN (publisher:offer:sku:version), any other image as its resource ID."""
    image = image or {}
    parts = [image.get(key) for key in ('publisher', 'offer', 'sku', 'version')]
    if all(parts):
        return ':'.join(str(part) for part in parts)
    return image.get('id')


def host_vars(vm: Mapping[str, Any], prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """The variables of a VM's host: what vm_info reports (image as a string, less LEFT_OUT), each name
    prefixed, and ansible_host and ansible_user.

    The prefix keeps them apart from role variables (a host variable `image` or `size` would beat a
    role's default of that name) and from names Ansible reserves (`name`, `tags`)."""
    variables = {key: value for key, value in vm.items() if key not in LEFT_OUT}
    variables['image'] = image_name(vm.get('image'))
    variables['power_state'] = vm.get('power_state') or 'unknown'
    result = {prefix + key: value for key, value in variables.items()}
    result['ansible_host'] = vm.get('ansible_host')
    result['ansible_user'] = vm.get('admin_username')
    return result


def check_prefix(value: Any) -> str:
    """The `hostvar_prefix` option: '' or a valid start of a variable name."""
    prefix = DEFAULT_PREFIX if value is None else value
    if not isinstance(prefix, str) or (prefix and not re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', prefix)):
        raise AzureConfigError('hostvar_prefix', 'hostvar_prefix must be empty or letters, digits and _ '
                               '(not starting with a digit), got %r.' % (prefix,))
    return prefix


def check_hostnames(value: Any) -> list[str]:
    """The `hostnames` option as a list of non-empty strings; AzureConfigError naming it otherwise."""
    if value is None:
        return list(DEFAULT_HOSTNAMES)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise AzureConfigError('hostnames', 'hostnames must be a non-empty list of %s or Jinja expressions.'
                               % ', '.join(HOSTNAME_KEYWORDS))
    for entry in value:
        if not isinstance(entry, str) or not entry.strip():
            raise AzureConfigError('hostnames', 'hostnames: %r is neither one of %s nor a Jinja expression.'
                                   % (entry, ', '.join(HOSTNAME_KEYWORDS)))
    # Kept as given: Ansible trusts the expressions of an inventory file by a tag on these very strings.
    return list(value)


def choose_hostname(variables: Mapping[str, Any], preferences: Iterable[str],
                    evaluate: Callable[[str, Mapping[str, Any]], Any], prefix: str = DEFAULT_PREFIX) -> str | None:
    """The first preference that gives a non-empty value: a keyword's host variable (`prefix` + keyword),
    else `evaluate(expression, variables)`."""
    for entry in preferences:
        keyword = entry.strip()
        value = variables.get(prefix + keyword) if keyword in HOSTNAME_KEYWORDS else evaluate(entry, variables)
        if value not in (None, '') and str(value).strip():
            return str(value).strip()
    return None


def disambiguate(hostname: str, vm_id: str, taken: Mapping[str, str]) -> str:
    """`hostname`, or when another VM took it, `hostname_<4 hex of the VM ID>` (as azure_rm's default names)."""
    owner = taken.get(hostname)
    if owner is None or owner.lower() == vm_id.lower():
        return hostname
    return '%s_%s' % (hostname, hashlib.sha1(vm_id.lower().encode('utf-8')).hexdigest()[:4])


def legacy_group_name(name: str) -> str:
    """azure_rm's contrib-script-compatible group names: only letters, digits, _ and - kept."""
    return _LEGACY_UNSAFE.sub('_', name)
