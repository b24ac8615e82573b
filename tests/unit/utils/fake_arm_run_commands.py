# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FakeArm's managed run commands (virtualMachines/{vm}/runCommands): the handlers of their routes.

The script "runs" through ``FakeArm.script_runner(vm name, script, environment)``, which answers (exit code,
stdout, stderr); protected parameters and the run-as password are taken and never returned, as on Azure.
"""

from __future__ import annotations

import copy

from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm_routes import VM_TYPE


def _not_found(name: str) -> Exception:
    from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import ArmError, _error
    return _error(ArmError(404, 'ResourceNotFound', "The Resource '%s' was not found." % name))


class RunCommandRoutes:
    """Mixed into FakeArm: the run command handlers (they use its ``_vm``, ``run_commands`` and ``script_runner``)."""

    def _run_command_key(self, params: dict) -> tuple[str, str, str]:
        return params['rg'].lower(), params['name'].lower(), params['command'].lower()

    def _get_run_command(self, route, params, body, query):
        self._vm(params)
        stored = self.run_commands.get(self._run_command_key(params))
        if stored is None:
            raise _not_found(params['command'])
        reply = copy.deepcopy(stored)
        view = reply['properties'].pop('_view')
        if 'instanceview' in query.get('$expand', '').lower():
            reply['properties']['instanceView'] = view
        return 200, reply

    def _put_run_command(self, route, params, body, query):
        vm = self._vm(params)
        props = copy.deepcopy(body.get('properties') or {})
        environment = {p['name']: p['value'] for p in props.get('parameters', []) + props.pop('protectedParameters', [])}
        props.pop('runAsPassword', None)
        code, out, err = self.script_runner(vm['name'], props['source']['script'], environment)
        props.update(provisioningState='Succeeded', _view={
            'executionState': 'Succeeded' if code == 0 else 'Failed', 'exitCode': code, 'output': out, 'error': err,
            'executionMessage': '', 'startTime': '2026-01-01T00:00:00Z', 'endTime': '2026-01-01T00:00:01Z'})
        key = self._run_command_key(params)
        created = key not in self.run_commands
        self.run_commands[key] = {'id': vm['id'] + '/runCommands/' + params['command'], 'name': params['command'],
                                  'type': VM_TYPE + '/runCommands', 'location': body.get('location'), 'properties': props}
        reply = copy.deepcopy(self.run_commands[key])
        reply['properties'].pop('_view')
        reply['_created'] = created
        return 'Succeeded', reply

    def _delete_run_command(self, route, params, body, query):
        if self.run_commands.pop(self._run_command_key(params), None) is None:
            return 'Succeeded', 'absent'
        return 'Succeeded', None
