#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_extension
short_description: Add, update and remove extensions of Azure virtual machines
version_added: 0.1.0
description:
  - Manage one extension (Custom Script, monitoring agents, ...) of an existing Azure VM.
  - Only the options that are set are compared with an existing extension; unset options keep what Azure has.
  - "Protected settings: Azure accepts them but never returns them. To stay idempotent the module stores a salted hash of
    them in the extension's tag C(dockyard-protected-settings-hash) and compares that on the next run:
    C(pbkdf2-sha256$<iterations>$<hex>), PBKDF2-HMAC-SHA256 over the canonical JSON of O(protected_settings) (sorted keys,
    no spaces), salted with the VM's unique C(vmId) and the extension name, so equal secrets on different VMs or extensions
    do not hash alike. Anyone who can read the VM can read the tag: the hash is slow to test guesses against, but weak
    secrets remain guessable, as with any hash."
  - For an extension without that tag (created otherwise, or without protected settings) the protected settings cannot be
    compared, so setting O(protected_settings) then updates the extension once and records the hash.
  - An update that does not set O(protected_settings) is sent as a PATCH, so Azure keeps the protected settings it has.
  - Azure runs an extension's handler again only when its settings or its force-update tag change. When the extension is
    in the C(Failed) state and O(force_update_tag) is not set, the module sets a new force-update tag, so a re-run retries.
  - When the extension fails (provisioning state C(Failed) or an error status in its instance view) the task fails with
    the extension's own status message and, for script extensions, the script's stdout and stderr.
author:
  - dockyard.azure contributors (@dockyard)
options:
  vm_name:
    description:
      - Name of the VM. It must exist.
    type: str
    required: true
  resource_group:
    description:
      - Resource group of the VM.
    type: str
    required: true
  name:
    description:
      - Name of the extension on the VM.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the extension, V(absent) removes it (the VM is left as the extension made it).
    type: str
    choices: [present, absent]
    default: present
  publisher:
    description:
      - Publisher of the extension, for example V(Microsoft.Azure.Extensions). Required to create an extension.
      - Compared case-insensitively.
    type: str
  type:
    description:
      - Type of the extension, for example V(CustomScript). Required to create an extension.
      - Compared case-insensitively.
    type: str
    aliases: [extension_type]
  type_handler_version:
    description:
      - Version of the extension handler, major and minor, for example V(2.1). Required to create an extension.
    type: str
  settings:
    description:
      - Public settings of the extension (visible to anyone who can read the VM).
      - Compared as a whole with what Azure returns. When not set, a new extension gets none and an existing one keeps its settings.
    type: dict
  protected_settings:
    description:
      - Protected settings of the extension, encrypted by Azure and never returned.
      - Compared through the hash in the tag C(dockyard-protected-settings-hash), see the description.
      - When not set, an existing extension keeps its protected settings.
    type: dict
  auto_upgrade_minor_version:
    description:
      - Whether Azure may use a newer minor version of the handler when the extension is deployed.
      - Defaults to V(true) for a new extension; an existing extension keeps its value when not set.
    type: bool
  enable_automatic_upgrade:
    description:
      - Whether Azure upgrades the extension automatically when a new version is published (only for extensions that support it).
      - When not set, Azure's default applies to a new extension and an existing one keeps its value.
    type: bool
  force_update_tag:
    description:
      - Any string; changing it makes Azure run the extension handler again even when the settings did not change.
    type: str
  wait:
    description:
      - Wait (up to O(timeout) seconds) for the extension to be provisioned or removed, and fail if it fails.
    type: bool
    default: true
extends_documentation_fragment:
  - dockyard.azure.azure
  - dockyard.azure.azure.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads only and reports whether the extension would be created, updated or removed.
  diff_mode:
    support: full
    details: Shows the compared properties before and after; protected settings only as hidden, changed or unchanged.
  platform:
    platforms: all
requirements:
  - azure-mgmt-compute >= 30
seealso:
  - module: dockyard.azure.docker_extension
  - module: dockyard.azure.vm
"""

EXAMPLES = r"""
- name: Run a script on the VM through the Custom Script extension (the script stays out of public settings)
  dockyard.azure.vm_extension:
    vm_name: docker-01
    resource_group: rg-docker-hosts
    name: bootstrap
    publisher: Microsoft.Azure.Extensions
    type: CustomScript
    type_handler_version: "2.1"
    protected_settings:
      script: "{{ lookup('ansible.builtin.file', 'bootstrap.sh') | b64encode }}"

- name: Run it again although nothing changed
  dockyard.azure.vm_extension:
    vm_name: docker-01
    resource_group: rg-docker-hosts
    name: bootstrap
    force_update_tag: "{{ now(utc=true).isoformat() }}"

- name: Public settings only
  dockyard.azure.vm_extension:
    vm_name: docker-01
    resource_group: rg-docker-hosts
    name: hello
    publisher: Microsoft.Azure.Extensions
    type: CustomScript
    type_handler_version: "2.1"
    settings:
      commandToExecute: echo hello

- name: Remove the extension
  dockyard.azure.vm_extension:
    vm_name: docker-01
    resource_group: rg-docker-hosts
    name: bootstrap
    state: absent
"""

RETURN = r"""
extension:
  description:
    - The extension after the task (in check mode, as it would be); an empty dict when it does not exist.
    - Never contains protected settings.
  returned: always
  type: dict
  contains:
    id:
      description: Resource ID of the extension.
      type: str
      returned: success
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1/extensions/bootstrap
    name:
      description: Name of the extension.
      type: str
      returned: success
      sample: bootstrap
    location:
      description: Region of the extension (the VM's).
      type: str
      returned: success
      sample: westeurope
    publisher:
      description: Publisher of the extension.
      type: str
      returned: success
      sample: Microsoft.Azure.Extensions
    type:
      description: Type of the extension.
      type: str
      returned: success
      sample: CustomScript
    type_handler_version:
      description: Handler version.
      type: str
      returned: success
      sample: "2.1"
    auto_upgrade_minor_version:
      description: Whether newer minor versions are used.
      type: bool
      returned: success
      sample: true
    enable_automatic_upgrade:
      description: Whether automatic upgrade is on (null if Azure does not say).
      type: bool
      returned: success
      sample: null
    force_update_tag:
      description: The force-update tag, or null.
      type: str
      returned: success
      sample: null
    settings:
      description: Public settings.
      type: dict
      returned: success
      sample: {"commandToExecute": "echo hello"}
    provisioning_state:
      description: Provisioning state reported by Azure (null in check mode for a new extension).
      type: str
      returned: success
      sample: Succeeded
    tags:
      description: Tags of the extension, including C(dockyard-protected-settings-hash).
      type: dict
      returned: success
    protected_settings_hash:
      description: The hash of the protected settings recorded in the tag, or null.
      type: str
      returned: success
      sample: pbkdf2-sha256$100000$8d3c...
    instance_view:
      description:
        - The extension's instance view (null when Azure did not return one), with C(statuses) and C(substatuses)
          (each C(code), C(level), C(display_status), C(message), C(time)) and the script output C(stdout) and C(stderr)
          when the extension reports any.
      type: dict
      returned: success
"""

from ansible_collections.dockyard.azure.plugins.module_utils.azure.extensions import ExtensionManager
from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule

ARGUMENT_SPEC = dict(
    vm_name=dict(type='str', required=True),
    resource_group=dict(type='str', required=True),
    name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    publisher=dict(type='str'),
    type=dict(type='str', aliases=['extension_type']),
    type_handler_version=dict(type='str'),
    settings=dict(type='dict'),
    protected_settings=dict(type='dict', no_log=True),
    auto_upgrade_minor_version=dict(type='bool'),
    enable_automatic_upgrade=dict(type='bool'),
    force_update_tag=dict(type='str'),
    wait=dict(type='bool', default=True),
)

SPEC_KEYS = ('vm_name', 'resource_group', 'name', 'state', 'publisher', 'type', 'type_handler_version', 'settings',
             'protected_settings', 'auto_upgrade_minor_version', 'enable_automatic_upgrade', 'force_update_tag', 'wait')


def main():
    module = AzureModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with module.errors():
        result = ExtensionManager(module.context(), {key: module.params[key] for key in SPEC_KEYS}).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
