# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a script on Azure VMs through Azure's run command, without SSH (private to dockyard.azure).

RunCommandManager gets an AzureContext and the spec of the vm_run_command module: the target VMs (one by
name, or every VM of a resource group whose tags match), the script, its parameters and protected
parameters. It uses Azure's *managed* run commands (``virtualMachines/{vm}/runCommands/{name}``), the API
that reports the script's exit code with its output (the older ``runCommand`` action does not): per VM one
PUT of a run command with ``asyncExecution`` off (the operation ends when the script has ended), one GET
of its instance view (executionState, exitCode, output, error, start and end time), and one DELETE so
nothing is left behind. VMs run concurrently, up to ``max_concurrency`` at a time.

A script is an action, not a state: the task is ``changed`` when it ran (never in check mode, where the
result says which VMs it would run on), and fails, with each failing VM's exit code and output, when a
script exits non-zero unless ``fail_on_error`` is false. Protected parameters and the password of
``run_as_user`` go in ``protectedParameters`` / ``runAsPassword``: Azure never returns them, and neither
does this module.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import (
    RestDict,
    get_path,
    list_rest,
    read_or_none,
    validate_resource_group_name,
    validate_resource_name,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError, azure_operation
from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import validate_tags
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError

RUN_COMMAND_PREFIX = 'dockyard-run-'
MAX_OUTPUT_IN_MESSAGE = 2000
# On Linux the run command hands parameters to the script as environment variables: a name that is no
# variable name would never reach the script.
PARAMETER_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


class RunCommandFailed(AzureModuleError):
    """A script exited non-zero (or did not finish) on at least one VM; `extra` carries every VM's result."""


def _parameters(values: Mapping[str, Any] | None) -> list[dict[str, str]]:
    return [{'name': str(name), 'value': '' if value is None else str(value)} for name, value in (values or {}).items()]


def _script(script: Any) -> str:
    return '\n'.join(str(line) for line in script) if isinstance(script, list) else str(script)


def _tail(text: str | None, limit: int = MAX_OUTPUT_IN_MESSAGE) -> str:
    text = (text or '').rstrip()
    return text if len(text) <= limit else '...' + text[-limit:]


class RunCommandManager:
    """Runs the module's script on its target VMs (see the module docstring)."""

    def __init__(self, ctx: AzureContext, params: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.params = params

    # targets -------------------------------------------------------------------------------------
    def targets(self) -> list[RestDict]:
        """The VMs to run on: the named one, or those of the resource group whose tags include `tags`."""
        compute = self.ctx.client('compute')
        group = self.params['resource_group']
        if self.params.get('vm_name'):
            vm = read_or_none('virtual machine %s' % self.params['vm_name'], compute.virtual_machines.get,
                              group, self.params['vm_name'])
            if vm is None:
                raise DockyardError('vm_name: the VM %s does not exist in resource group %s.' % (self.params['vm_name'], group),
                                    option='vm_name')
            return [vm]
        wanted = {str(k): str(v) for k, v in (self.params.get('tags') or {}).items()}
        vms = list_rest('virtual machines of resource group %s' % group, compute.virtual_machines.list, group)
        return sorted((vm for vm in vms if all((vm.get('tags') or {}).get(k) == v for k, v in wanted.items())),
                      key=lambda vm: vm['name'])

    # one VM ----------------------------------------------------------------------------------------
    def body(self, location: str) -> RestDict:
        properties: RestDict = {'source': {'script': _script(self.params['script'])}, 'asyncExecution': False,
                                'timeoutInSeconds': int(self.params['timeout_seconds']),
                                'parameters': _parameters(self.params.get('parameters')),
                                'treatFailureAsDeploymentFailure': False}
        if self.params.get('protected_parameters'):
            properties['protectedParameters'] = _parameters(self.params['protected_parameters'])
        if self.params.get('run_as_user'):
            properties['runAsUser'] = self.params['run_as_user']
            if self.params.get('run_as_password'):
                properties['runAsPassword'] = self.params['run_as_password']
        return {'location': location, 'properties': properties}

    def run_on(self, vm: RestDict) -> dict[str, Any]:
        """Run the script on one VM; its result (never any protected value)."""
        compute = self.ctx.client('compute')
        group, name = self.params['resource_group'], vm['name']
        command = RUN_COMMAND_PREFIX + uuid.uuid4().hex[:12]
        operations = compute.virtual_machine_run_commands
        with azure_operation('Could not run the script on VM %s' % name):
            poller = operations.begin_create_or_update(group, name, command, self.body(vm['location']))
            self.ctx.wait(poller, 'run the script on VM %s' % name)
        try:
            rest = read_or_none('the result of the script on VM %s' % name, operations.get_by_virtual_machine, group,
                                name, command, expand='instanceView')
            view = get_path(rest, 'properties', 'instanceView') or {}
        finally:
            if not self.params.get('keep'):
                with azure_operation('Could not remove run command %s of VM %s' % (command, name)):
                    self.ctx.wait(operations.begin_delete(group, name, command), 'remove the run command of VM %s' % name)
        return dict(vm_name=name, run_command=command if self.params.get('keep') else None,
                    execution_state=view.get('executionState'), exit_code=view.get('exitCode'),
                    stdout=view.get('output') or '', stderr=view.get('error') or '',
                    execution_message=view.get('executionMessage') or '',
                    start_time=view.get('startTime'), end_time=view.get('endTime'))

    # the run ---------------------------------------------------------------------------------------
    def check_params(self) -> None:
        """Bad input fails here, naming the option, before any call to Azure."""
        script = self.params['script']
        lines = script if isinstance(script, list) else [script]
        if not lines or not all(isinstance(line, str) for line in lines) or not ''.join(lines).strip():
            raise DockyardError('script must be a non-empty text or a list of lines (texts).', option='script')
        if not 0 <= int(self.params['timeout_seconds']) <= 5400:
            raise DockyardError('timeout_seconds must be between 0 (Azure\'s limit) and 5400 seconds.',
                                option='timeout_seconds')
        if int(self.params['max_concurrency']) < 1:
            raise DockyardError('max_concurrency must be at least 1.', option='max_concurrency')
        if self.params.get('run_as_password') and not self.params.get('run_as_user'):
            raise DockyardError('run_as_password needs run_as_user.', option='run_as_password')
        validate_resource_group_name(self.params['resource_group'])
        if self.params.get('vm_name') is not None:
            validate_resource_name(self.params['vm_name'], 'vm_name', 'virtual machine')
        validate_tags(self.params.get('tags'))
        names: set[str] = set()
        for option in ('parameters', 'protected_parameters'):
            for name in self.params.get(option) or {}:
                if not PARAMETER_NAME.match(str(name)):
                    raise DockyardError("%s: '%s' is not a parameter name: letters, digits and '_', not starting with a "
                                        "digit (the script gets it as an environment variable)." % (option, name),
                                        option=option)
                if str(name) in names:
                    raise DockyardError("%s: '%s' is also in parameters; a name can be in one of them only."
                                        % (option, name), option=option)
                names.add(str(name))

    def run(self) -> dict[str, Any]:
        self.check_params()
        vms = self.targets()
        if not vms:
            message = 'tags: no VM of resource group %s has the tags %s.' % (self.params['resource_group'], self.params.get('tags'))
            raise DockyardError(message, option='tags')
        if self.ctx.check_mode:
            return dict(changed=True, results=[dict(vm_name=vm['name'], would_run=True) for vm in vms])
        workers = max(1, min(int(self.params['max_concurrency']), len(vms)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(self.run_on, vms))
        result: dict[str, Any] = dict(changed=True, results=results)
        if len(results) == 1:
            # no 'rc': Ansible fails any task whose result has a non-zero rc, and fail_on_error decides that here
            result.update({key: results[0][key] for key in ('stdout', 'stderr', 'exit_code', 'execution_state')})
        failed = [r for r in results if r['exit_code'] != 0 or r['execution_state'] != 'Succeeded']
        if failed and self.params.get('fail_on_error', True):
            first = failed[0]
            raise RunCommandFailed(
                'The script failed on %d of %d VMs; %s: exit code %s, state %s. stdout: %s stderr: %s'
                % (len(failed), len(results), first['vm_name'], first['exit_code'], first['execution_state'],
                   _tail(first['stdout']), _tail(first['stderr'])), **result)
        return result
