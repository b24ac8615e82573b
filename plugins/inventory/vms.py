# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: vms
short_description: Azure virtual machines as inventory, in a constant number of ARM calls
version_added: 0.1.0
description:
  - Lists the virtual machines of an Azure subscription (or of named resource groups) with their power state,
    addresses and tags, and makes them inventory hosts with groups from tags, resource groups or any host variable.
  - The number of Azure Resource Manager calls does not grow with the number of VMs. For the whole subscription,
    three listings (VMs with their instance view, network interfaces, public IPs); for each resource group named in
    O(include_resource_groups), three listings of that group. Listings follow Azure's C(nextLink) pages, and
    throttled (HTTP 429) or failed (5xx) calls are retried after C(Retry-After), up to O(api_retries) times.
  - With O(cache=true) a second run within O(cache_timeout) makes no Azure call at all; C(--flush-cache) refreshes it.
  - The configuration file name must end with C(vms.yml) or C(vms.yaml), for example C(azure_vms.yml).
  - The Azure connection options and environment variables are the ones of the collection's modules.
extends_documentation_fragment:
  - dockyard.azure.azure
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: Marks this file as a configuration of this plugin.
    type: str
    required: true
    choices: [dockyard.azure.vms]
  include_resource_groups:
    description:
      - Resource groups whose VMs are listed, as names or shell-style patterns (V(*), V(?), V([ab])), without case.
      - Names only (no pattern) are listed group by group (three calls each); a group that does not exist or
        that the identity may not read is skipped with a warning.
      - With a pattern, or when empty, the whole subscription is listed once and filtered.
    type: list
    elements: str
    default: []
  exclude_resource_groups:
    description: Resource groups (names or patterns, without case) whose VMs are left out.
    type: list
    elements: str
    default: []
  include_tags:
    description:
      - Tag filters a VM must all match, each V(NAME) (the tag is present) or V(NAME:VALUE).
        A mapping of a tag name to a value is accepted too.
      - Shell-style patterns are allowed on both sides; names are compared without case, values with case.
    type: list
    elements: raw
    default: []
  exclude_tags:
    description: Tag filters (as in O(include_tags)); a VM matching any of them is left out.
    type: list
    elements: raw
    default: []
  include_power_states:
    description:
      - Power states a VM must be in to be kept; empty keeps every state.
      - One of V(running), V(stopped), V(deallocated), V(starting), V(stopping), V(deallocating) and V(unknown) each;
        V(unknown) is a VM whose instance view reports no power state.
    type: list
    elements: str
    default: []
  exclude_power_states:
    description:
      - Power states whose VMs are left out, for example V([deallocated, stopped]).
      - One of V(running), V(stopped), V(deallocated), V(starting), V(stopping), V(deallocating) and V(unknown) each.
    type: list
    elements: str
    default: []
  include_locations:
    description: Regions (names or patterns; V(West Europe) and V(westeurope) are the same) whose VMs are kept; empty keeps all.
    type: list
    elements: str
    default: []
  exclude_locations:
    description: Regions (names or patterns) whose VMs are left out.
    type: list
    elements: str
    default: []
  hostvar_prefix:
    description:
      - Prefix of the host variables' names (all but C(ansible_host) and C(ansible_user)), V(azure_) by default,
        so they cannot override a role's variable of the same name (C(image), C(size)) and avoid the names Ansible
        reserves (C(name), C(tags)).
      - Set it to an empty string for azure.azcollection's C(azure_rm) names (C(name), C(tags), C(location)...);
        Ansible then warns about the reserved ones.
    type: str
    default: azure_
  hostnames:
    description:
      - How to name each host, in order of preference; the first entry that gives a non-empty value wins.
      - V(public_ip), V(private_ip), V(fqdn) (of the public IP), V(name) (the VM's resource name) and V(computer_name)
        name a host variable (with O(hostvar_prefix)); any other entry is a Jinja expression over the host variables,
        for example V(azure_tags.hostname) or V(azure_name ~ '.' ~ azure_resource_group ~ '.internal').
      - A VM for which no entry gives a value is left out with a warning; end the list with V(name) to always have one.
      - When two VMs get the same name (same VM name in two resource groups), the second becomes C(<name>_<4 hex digits>).
    type: list
    elements: str
    default: [name]
  use_contrib_script_compatible_sanitization:
    description:
      - Make group names the way azure.azcollection's C(azure_rm) plugin does with this option;
        only letters, digits, V(_) and V(-) are kept, anything else becomes V(_).
      - For the names to keep their dashes, also set C(TRANSFORM_INVALID_GROUP_CHARS) to V(never) (or V(ignore)),
        otherwise Ansible sanitizes them again.
    type: bool
    default: false
notes:
  - "Host variables of each VM, named with O(hostvar_prefix) (V(azure_) by default) before each: C(id), C(name),
    C(resource_group), C(location), C(zone), C(size),
    C(image) (the marketplace URN C(publisher:offer:sku:version), or the image's resource ID),
    C(os_type), C(os_disk), C(power_state), C(provisioning_state), C(private_ip), C(public_ip), C(fqdn),
    C(subnet), C(tags), C(identity), C(admin_username), C(computer_name), C(priority);
    and C(ansible_host) (public IP, else FQDN, else private IP) and C(ansible_user)
    (the admin user). O(compose) can override any of them, for example C(ansible_host: azure_private_ip)."
  - O(timeout) and O(polling_interval) do not apply, as the inventory starts no long-running operation.
  - Migrating from azure.azcollection's C(azure_rm) inventory plugin is described in the collection's
    C(docs/inventory.md), option by option.
seealso:
  - module: dockyard.azure.vm_info
    description: The same reads from a playbook.
"""

EXAMPLES = r"""
# azure_vms.yml, every VM of the subscription in AZURE_SUBSCRIPTION_ID with credentials from AZURE_* variables,
# is this one line:
#   plugin: dockyard.azure.vms

# docker_vms.yml: the running VMs of two groups, grouped by tags and region, reached on their private IP.
plugin: dockyard.azure.vms
include_resource_groups: [app-prod, app-staging]
include_tags: ["role:docker*"]
exclude_power_states: [deallocated, stopped]
hostnames: [computer_name, name]
compose:
  ansible_host: azure_private_ip
keyed_groups:
  - prefix: tag
    key: azure_tags
  - prefix: azure_loc
    key: azure_location
groups:
  docker_hosts: "'docker' in azure_tags.get('role', '')"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/dockyard-azure-inventory
cache_timeout: 600
"""

import difflib
import functools
import os
import re
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import AZURE_COMMON_ARGUMENT_SPEC, resolve_connection_config
from ansible_collections.dockyard.azure.plugins.module_utils.azure.inventory.filters import VmFilters
from ansible_collections.dockyard.azure.plugins.module_utils.azure.inventory.hosts import (
    check_hostnames,
    check_prefix,
    choose_hostname,
    disambiguate,
    host_vars,
    legacy_group_name,
)
from ansible_collections.dockyard.azure.plugins.module_utils.base_module import one_line
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError

CACHE_FORMAT = 1
FILE_SUFFIXES = ('vms.yml', 'vms.yaml')
# Options that may be Jinja templates in the file (as azure_rm allows for its credentials).
TEMPLATED_AUTH_OPTIONS = ('subscription_id', 'tenant_id', 'client_id', 'client_secret')


_PLAIN_REFERENCE = re.compile(r'^\s*[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\s*$')


def _lookup(variables: Mapping[str, Any], path: list[str]) -> tuple[bool, Any]:
    """(True, value) when `path` resolves through plain mappings the way Jinja would resolve it, else (False, None)."""
    value: Any = variables
    for index, part in enumerate(path):
        part = part.strip()
        # Jinja tries an attribute before a key: a key named like a dict method must go to Jinja.
        if not isinstance(value, Mapping) or part not in value or (index and hasattr(value, part)):
            return False, None
        value = value[part]
    return True, value


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Azure VMs as hosts: ARM reads in module_utils (one code path with vm_info), Ansible's groups and cache here."""

    NAME = 'dockyard.azure.vms'

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith(FILE_SUFFIXES)

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path)
        config = self._read_config_data(path)
        self._refuse_unknown_options(config)
        try:
            filters = VmFilters.from_options(self._options)
            hostnames = check_hostnames(self.get_option('hostnames'))
            prefix = check_prefix(self.get_option('hostvar_prefix'))
            connection = resolve_connection_config(self._auth_params(), os.environ)
        except DockyardError as exc:
            raise AnsibleParserError(self._message(exc)) from None
        if self.get_option('use_contrib_script_compatible_sanitization'):
            self._sanitize_group_name = legacy_group_name
        scope = {'subscription_id': connection.subscription_id, 'arm_endpoint': connection.arm_endpoint,
                 'groups': sorted(name.lower() for name in filters.listed_groups) if filters.listed_groups is not None else '*'}

        cache_key = self.get_cache_key(path)
        use_cache = bool(self.get_option('cache')) and cache
        update_cache = bool(self.get_option('cache')) and not cache
        data = None
        if use_cache:
            try:
                data = self._cache[cache_key]
            except KeyError:
                update_cache = True
            if data is not None and (data.get('format') != CACHE_FORMAT or data.get('scope') != scope):
                data, update_cache = None, True  # written for another subscription, endpoint or set of groups
        if data is None:
            data = {'format': CACHE_FORMAT, 'scope': scope, 'vms': self._fetch(connection, filters)}
        if update_cache:
            self._cache[cache_key] = data
        self._populate(data['vms'], filters, hostnames, prefix)

    # ------------------------------------------------------------------------------------ options

    def _refuse_unknown_options(self, config: Mapping[str, Any]) -> None:
        """Ansible ignores keys it does not know: a misspelt option would silently do nothing."""
        for key in sorted(str(key) for key in config):
            if key not in self._options:
                close = difflib.get_close_matches(key, list(self._options), n=1, cutoff=0.6)
                hint = 'did you mean %s?' % close[0] if close else 'see ansible-doc -t inventory %s' % self.NAME
                raise AnsibleParserError('%s: unknown option %s (%s)' % (self.NAME, key, hint))

    def _auth_params(self) -> dict[str, Any]:
        params = {name: self.get_option(name) for name in AZURE_COMMON_ARGUMENT_SPEC}
        for name in TEMPLATED_AUTH_OPTIONS:
            value = params.get(name)
            if isinstance(value, str) and self.templar.is_template(value):
                params[name] = self.templar.template(value)
        return params

    def _message(self, exc: DockyardError) -> str:
        message = one_line(exc.msg)
        if exc.option and exc.option not in message:
            message = '%s: %s' % (exc.option, message)
        return '%s: %s' % (self.NAME, message)

    # ------------------------------------------------------------------------------------ Azure

    def _fetch(self, connection: Any, filters: VmFilters) -> list[dict[str, Any]]:
        # Imported here: a cache hit never loads the reads (nor, through them, the Azure SDK).
        from ansible_collections.dockyard.azure.plugins.module_utils.azure.inventory.fetch import fetch_vms, lazy_context

        try:
            fetched = fetch_vms(lazy_context(connection), filters.listed_groups)
        except DockyardError as exc:
            raise AnsibleParserError(self._message(exc)) from None
        for warning in fetched.warnings:
            self.display.warning('%s: %s' % (self.NAME, warning))
        self.display.vvv('%s: %d VMs in %d listings' % (self.NAME, len(fetched.vms), fetched.calls))
        return fetched.vms

    # ------------------------------------------------------------------------------------ hosts

    def _compose(self, template: Any, variables: Mapping[str, Any], disable_lookups: Any = ...) -> Any:
        """A bare variable reference (`azure_location`, `azure_tags.role`) is looked up directly; anything else,
        and any reference that does not resolve plainly, goes to Ansible's templating.

        Ansible compiles an expression anew for every host: with keyed_groups over hundreds of hosts that
        costs seconds, and most keys (and compose values, and hostnames) are such plain references."""
        if isinstance(template, str) and _PLAIN_REFERENCE.match(template) and not self._uses_extra_vars():
            found, value = _lookup(variables, template.split('.'))
            if found:
                return value
        if disable_lookups is ...:
            return super()._compose(template, variables)
        return super()._compose(template, variables, disable_lookups=disable_lookups)

    def _uses_extra_vars(self) -> bool:
        try:
            return bool(self.get_option('use_extra_vars'))
        except KeyError:
            return False

    def _evaluate(self, expression: str, variables: Mapping[str, Any], vm_id: str | None = None) -> Any:
        try:
            return self._compose(expression, variables)
        except Exception as exc:  # pylint: disable=broad-except
            if self.get_option('strict'):
                raise AnsibleParserError('%s: hostnames: %r failed for %s: %s' % (
                    self.NAME, expression, vm_id, one_line(str(exc)))) from None
            return None

    def _populate(self, vms: list[dict[str, Any]], filters: VmFilters, hostnames: list[str], prefix: str) -> None:
        strict = self.get_option('strict')
        taken: dict[str, str] = {}
        for vm in sorted(vms, key=lambda item: (item.get('id') or '').lower()):
            if not filters.keep(vm):
                continue
            variables = host_vars(vm, prefix)
            hostname = choose_hostname(variables, hostnames, functools.partial(self._evaluate, vm_id=vm.get('id')), prefix)
            if hostname is None:
                self.display.warning('%s: VM %s left out: no entry of hostnames gives it a name (%s)' % (
                    self.NAME, vm.get('id'), ', '.join(hostnames)))
                continue
            hostname = disambiguate(hostname, vm.get('id') or '', taken)
            taken[hostname] = vm.get('id') or ''
            self.inventory.add_host(hostname)
            for key, value in variables.items():
                self.inventory.set_variable(hostname, key, value)
            self._set_composite_vars(self.get_option('compose'), variables, hostname, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), variables, hostname, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), variables, hostname, strict=strict)
