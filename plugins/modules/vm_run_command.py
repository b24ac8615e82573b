#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_run_command
short_description: Run a script on Azure VMs through Azure's run command, without SSH
version_added: 0.1.0
description:
  - Runs a shell script on one VM, or on every VM of a resource group whose tags match, through Azure's managed run
    commands (the VM agent runs it as root; no SSH, no open port). The VMs run concurrently.
  - Returns each VM's exit code, stdout and stderr. The task fails with the output of the first failing VM when a script
    exits non-zero, unless O(fail_on_error=false).
  - "A script is an action, not a state: the task is C(changed) whenever it ran. In check mode nothing runs and the result
    lists the VMs the script would run on."
  - Each run creates a run command resource on the VM and removes it afterwards (unless O(keep=true)).
  - Azure limits the output it returns to the last 4 KiB of each stream.
author:
  - dockyard.azure contributors (@dockyard)
options:
  resource_group:
    description:
      - Resource group of the VMs.
    type: str
    required: true
  vm_name:
    description:
      - Name of the VM to run the script on.
      - Give O(vm_name) or O(tags).
    type: str
  tags:
    description:
      - Run on every VM of O(resource_group) whose tags include all of these (name and value). V({}) selects every VM of the group.
      - Give O(vm_name) or O(tags).
    type: dict
  script:
    description:
      - The shell script (Linux) to run, as one text or a list of lines.
    type: raw
    required: true
  parameters:
    description:
      - Values the script gets as environment variables, name to value.
      - Visible to anyone who can read the VM's run commands while it runs; use O(protected_parameters) for secrets.
    type: dict
  protected_parameters:
    description:
      - Like O(parameters), but encrypted by Azure, never returned by Azure and never shown by this module.
    type: dict
  run_as_user:
    description:
      - Run the script as this user of the VM instead of root.
    type: str
  run_as_password:
    description:
      - Password of O(run_as_user) (Windows VMs need it).
    type: str
  timeout_seconds:
    description:
      - Time the script may run, in seconds; V(0) means Azure's limit (90 minutes).
    type: int
    default: 0
  fail_on_error:
    description:
      - Fail the task when the script exits non-zero (or does not finish) on any VM. With V(false) the task succeeds and
        the exit codes are in RV(results).
    type: bool
    default: true
  max_concurrency:
    description:
      - How many VMs run the script at the same time.
    type: int
    default: 10
  keep:
    description:
      - Keep the run command resource on each VM after it ran (its name is in RV(results)), for inspection in the portal.
    type: bool
    default: false
extends_documentation_fragment:
  - dockyard.azure.azure
  - dockyard.azure.azure.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the VMs only and reports, in RV(results), the VMs the script would run on; nothing runs.
  diff_mode:
    support: none
  platform:
    platforms: all
requirements:
  - azure-mgmt-compute >= 30
notes:
  - Azure runs one run command at a time per VM; a second run on the same VM waits for the first.
seealso:
  - module: dockyard.azure.vm_extension
  - name: Run scripts in your Linux VM by using managed Run Commands
    description: Azure's documentation of the API this module uses.
    link: https://learn.microsoft.com/azure/virtual-machines/linux/run-command-managed
"""

EXAMPLES = r"""
- name: Check the Docker engine on one VM
  dockyard.azure.vm_run_command:
    resource_group: rg-app
    vm_name: web1
    script: docker info --format '{{ '{{' }}.ServerVersion{{ '}}' }}'
  register: engine

- name: Rotate a token on every web VM, the secret out of the logs
  dockyard.azure.vm_run_command:
    resource_group: rg-app
    tags:
      role: web
    script:
      - set -e
      - printf '%s' "$TOKEN" > /etc/app/token
      - systemctl reload app
    protected_parameters:
      TOKEN: "{{ vault_app_token }}"

- name: Collect the kernel versions, failures included
  dockyard.azure.vm_run_command:
    resource_group: rg-app
    tags: {}
    script: uname -r
    fail_on_error: false
  register: kernels
"""

RETURN = r"""
results:
  description: One entry per VM the script ran on (or, in check mode, would run on).
  returned: always
  type: list
  elements: dict
  contains:
    vm_name:
      description: Name of the VM.
      type: str
    exit_code:
      description: Exit code of the script.
      type: int
    stdout:
      description: Standard output of the script (its last 4 KiB).
      type: str
    stderr:
      description: Standard error of the script (its last 4 KiB).
      type: str
    execution_state:
      description: Azure's execution state, for example V(Succeeded), V(Failed) or V(TimedOut).
      type: str
    execution_message:
      description: Azure's message about the execution.
      type: str
    start_time:
      description: When the script started.
      type: str
    end_time:
      description: When the script ended.
      type: str
    run_command:
      description: Name of the run command resource left on the VM (with O(keep=true)), else null.
      type: str
    would_run:
      description: In check mode, V(true) for each VM the script would run on.
      type: bool
  sample:
    - vm_name: web1
      exit_code: 0
      stdout: "24.0.7\n"
      stderr: ""
      execution_state: Succeeded
stdout:
  description: Standard output, when the script ran on exactly one VM.
  returned: when the script ran on one VM
  type: str
stderr:
  description: Standard error, when the script ran on exactly one VM.
  returned: when the script ran on one VM
  type: str
exit_code:
  description: Exit code, when the script ran on exactly one VM.
  returned: when the script ran on one VM
  type: int
execution_state:
  description: Azure's execution state, when the script ran on exactly one VM.
  returned: when the script ran on one VM
  type: str
"""

from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.module_utils.azure.run_command import RunCommandManager

ARGUMENT_SPEC = dict(
    resource_group=dict(type='str', required=True),
    vm_name=dict(type='str'),
    tags=dict(type='dict'),
    script=dict(type='raw', required=True),
    parameters=dict(type='dict'),
    protected_parameters=dict(type='dict', no_log=True),
    run_as_user=dict(type='str'),
    run_as_password=dict(type='str', no_log=True),
    timeout_seconds=dict(type='int', default=0),
    fail_on_error=dict(type='bool', default=True),
    max_concurrency=dict(type='int', default=10),
    keep=dict(type='bool', default=False, no_log=False),
)


def main():
    module = AzureModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                         required_one_of=[('vm_name', 'tags')], mutually_exclusive=[('vm_name', 'tags')])
    with module.errors():
        result = RunCommandManager(module.context(), {key: module.params[key] for key in ARGUMENT_SPEC}).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
