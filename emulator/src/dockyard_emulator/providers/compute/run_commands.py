"""Run commands: a script run in a VM without SSH, as Azure's VM agent runs it.

- ``POST .../virtualMachines/{vm}/runCommand`` (the action; ``RunShellScript`` on Linux,
  ``RunPowerShellScript`` on Windows, and the other command ids of the catalogue): a long-running
  operation (202, Azure-AsyncOperation and Location) whose result is what Azure's agent reports. Linux:
  one status ``ProvisioningState/succeeded`` whose message is ``Enable succeeded: \\n[stdout]\\n<tail>\\n
  [stderr]\\n<tail>``, whatever the script's exit code (Azure does not report it for the action);
  Windows: ``ComponentStatus/StdOut/succeeded`` and ``ComponentStatus/StdErr/succeeded`` statuses.
  Parameters are exported to the script as environment variables (a parameter without a name is a
  positional argument). One run command at a time per VM (409 Conflict otherwise).
- ``virtualMachines/{vm}/runCommands/{name}`` (managed run commands): a child resource whose
  instance view (``$expand=instanceView``) has executionState, exitCode, output, error, start/end time;
  ``treatFailureAsDeploymentFailure`` fails the operation on a non-zero exit; ``asyncExecution`` completes
  the PUT before the script ends. ``protectedParameters`` and ``runAsPassword`` are never returned.
- ``locations/{l}/runCommands[/{id}]``: the catalogue of command ids Azure documents.

With the container backend the script really runs in the VM (as root, or as ``runAsUser``). With the
``none`` backend nothing runs: answers keep Azure's success shape with empty output, and a managed run
command's instance view says so in its executionMessage.
"""
from __future__ import annotations

import shlex
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId, Work, utcnow
from ...schema_type import SchemaType, get_path
from ...store import Operation, Resource
from ...web import Response
from . import catalogue, vm_profile
from .common import LOCATION_PATH, PROVIDER, VM_VERSIONS, invalid
from .custom_script import CSE_TAIL

SCHEMA_URL = "http://schema.management.azure.com/schemas/2016-11-17/runcommands.json"
# id: (osType, label, description, script lines, parameters)
COMMANDS: dict[str, tuple[str, str, str, list[str], list[dict[str, Any]]]] = {
    "EnableAdminAccount": ("Windows", "Enable administrator account", "Checks if the local Administrator account is "
                           "disabled, and if so enables it.", ["$adminAccount = Get-WmiObject Win32_UserAccount "
                                                               "-filter \"LocalAccount=True\" | ? {$_.SID -Like "
                                                               "\"S-1-5-21-*-500\"}", "if($adminAccount.Disabled)",
                                                               "{", "    $adminAccount.Disabled = $false",
                                                               "    $adminAccount.Put()", "}"], []),
    "EnableRemotePS": ("Windows", "Enable remote PowerShell", "Configure the machine to enable remote PowerShell.",
                       ["Enable-PSRemoting -Force"], []),
    "IPConfig": ("Windows", "List IP configuration", "Shows detailed information for the IP address, subnet mask and "
                 "default gateway for each adapter bound to TCP/IP.", ["ipconfig /all"], []),
    "RDPSettings": ("Windows", "Verify RDP Listener Settings", "Checks registry settings and domain policy settings. "
                    "Suggests policy actions if machine is part of a domain or modifies the settings to default "
                    "values.", ["Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server'"], []),
    "ResetAccountPassword": ("Windows", "Reset built-in Administrator account password", "Reset built-in "
                             "Administrator account password.", ["param([string]$Password)"],
                             [{"name": "Password", "type": "string", "required": True}]),
    "ResetRDPCert": ("Windows", "Restore RDP Authentication mode to defaults", "Removes the SSL certificate tied to "
                     "the RDP listener and restores the RDP listerner security to default. Use this script if you "
                     "see any issues with the certificate.", ["Remove-Item -Path Cert:\\LocalMachine\\RemoteDesktop\\*"],
                     []),
    "RunPowerShellScript": ("Windows", "Executes a PowerShell script", "Custom multiline PowerShell script should be "
                            "defined in script property. Optional parameters can be set in parameters property.", [],
                            []),
    "SetRDPPort": ("Windows", "Set Remote Desktop port", "Sets the default or user specified port number for Remote "
                   "Desktop connections. Enables firewall rule for inbound access to the port.",
                   ["param([int]$RDPPort=3389)"], [{"name": "RDPPort", "type": "int", "defaultValue": "3389"}]),
    "RunShellScript": ("Linux", "Executes a Linux shell script", "Custom multiline shell script should be defined in "
                       "script property. Optional parameters can be set in parameters property.", [], []),
    "ifconfig": ("Linux", "List network configuration", "Get the configuration of all network interfaces.",
                 ["ip address show 2>/dev/null || ifconfig"], []),
}
CUSTOM = {"RunShellScript", "RunPowerShellScript"}
RUN_COMMAND_TIMEOUT = 5400  # seconds: the action's limit (90 minutes)


def _command(command_id: Any) -> tuple[str, tuple[str, str, str, list[str], list[dict[str, Any]]]]:
    name = next((k for k in COMMANDS if isinstance(command_id, str) and k.lower() == command_id.lower()), None)
    if name is None:
        raise ArmError(404, "NotFound", f"The entity was not found in this Azure location. Command id "
                       f"'{command_id}' is not a run command of this location.")
    return name, COMMANDS[name]


def document(command_id: str, full: bool) -> dict[str, Any]:
    system, label, description, script, parameters = COMMANDS[command_id]
    doc: dict[str, Any] = {"$schema": SCHEMA_URL, "id": command_id, "osType": system, "label": label,
                           "description": description}
    if full:
        doc.update(script=script, parameters=parameters)
    return doc


@PROVIDER.route(["GET"], LOCATION_PATH + "/runCommands", VM_VERSIONS, manifest_type="locations/runCommands")
def list_commands(ctx: Context, subscription: str, location: str) -> Response:
    catalogue._location(location)
    return Response(200, {"value": [document(k, False) for k in COMMANDS]})


@PROVIDER.route(["GET"], LOCATION_PATH + "/runCommands/{command}", VM_VERSIONS)
def get_command(ctx: Context, subscription: str, location: str, command: str) -> Response:
    catalogue._location(location)
    return Response(200, document(_command(command)[0], True))


def shell_script(lines: list[str] | str, parameters: list[dict[str, Any]] | None) -> tuple[str, dict[str, str]]:
    """The script text and its environment: named parameters become environment variables, unnamed ones
    positional arguments (``set --``)."""
    text = "\n".join(lines) if isinstance(lines, list) else str(lines or "")
    env, positional = {}, []
    for parameter in parameters or []:
        name, value = str(parameter.get("name") or ""), str(parameter.get("value") or "")
        if name:
            env[name] = value
        else:
            positional.append(value)
    if positional:
        text = "set -- " + " ".join(shlex.quote(p) for p in positional) + "\n" + text
    return text, env


def tail(text: str) -> str:
    return text[-CSE_TAIL:] if len(text) > CSE_TAIL else text


def action_result(windows: bool, outcome: tuple[int, str, str] | None) -> dict[str, Any]:
    """The runCommand action's result value, as Azure's agents report it (the exit code is not part of it)."""
    _, out, err = outcome or (0, "", "")
    if windows:
        return {"value": [{"code": "ComponentStatus/StdOut/succeeded", "level": "Info",
                           "displayStatus": "Provisioning succeeded", "message": out},
                          {"code": "ComponentStatus/StdErr/succeeded", "level": "Info",
                           "displayStatus": "Provisioning succeeded", "message": err}]}
    return {"value": [{"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
                       "message": f"Enable succeeded: \n[stdout]\n{tail(out)}\n[stderr]\n{tail(err)}"}]}


class RunCommandAction:
    """The runCommand action of Microsoft.Compute/virtualMachines (mixed into the VM resource type)."""

    def action_runcommand(self, ctx: Context, resource: Resource) -> Response:
        request = ctx.json()
        command_id, (system, _, _, script, _) = _command(request.get("commandId"))
        entry = vm_profile.image_entry(ctx, resource["body"]["properties"]["storageProfile"]["imageReference"])
        if catalogue.os_type(entry) != system:
            raise invalid(f"Run command '{command_id}' is for {system} virtual machines; VM "
                          f"'{resource['body']['name']}' runs {catalogue.os_type(entry)}.", "commandId")
        if resource["internal"].get("power", "running") != "running":
            raise ArmError(409, "OperationNotAllowed", "Cannot invoke run command on the VM when the VM is not running.")
        pending = resource["internal"].get("runCommand")
        if pending and not pending.get("done"):
            raise ArmError(409, "Conflict", "Run command extension execution is in progress. Please wait for "
                           "completion before invoking a run command.")
        lines = request.get("script") if command_id in CUSTOM else script  # no script: an empty one runs
        resource["internal"]["runCommand"] = {"script": lines or [], "parameters": request.get("parameters") or [],
                                              "windows": system == "Windows"}
        rtype: Any = self
        rtype.save(ctx, resource["id"], resource["body"], resource["internal"])
        return Response(202, None, rtype.start_operation(ctx, resource["id"], "runCommand", resource["body"]["location"]))

    @staticmethod
    def run_pending(ctx: Context, vm: Resource) -> dict[str, Any]:
        """Run the VM's pending run command through the backend; the action's result value."""
        pending = vm["internal"].get("runCommand") or {}
        outcome = None
        if not pending.get("windows"):
            text, env = shell_script(pending.get("script") or [], pending.get("parameters"))
            outcome = ctx.backend.run_command(ctx, vm, text, env, RUN_COMMAND_TIMEOUT)
        return action_result(bool(pending.get("windows")), outcome)

    def run_command_work(self, ctx: Context, target: str) -> Work:
        rtype: Any = self

        def work(wctx: Context) -> None:
            vm = wctx.store.resource(target)
            if vm is not None:
                rtype.save_internal(wctx, target, "runCommandResult", self.run_pending(wctx, vm))
        return work

    def complete_runCommand(self, ctx: Context, resource: Resource, op: Operation) -> dict[str, Any]:  # noqa: N802
        result = resource["internal"].pop("runCommandResult", None)
        if result is None:  # a synchronous backend: run it now
            result = self.run_pending(ctx, resource)
        resource["internal"]["runCommand"] = {"done": True}
        rtype: Any = self
        rtype.save(ctx, resource["id"], resource["body"], resource["internal"])
        return result


@PROVIDER.resource_type
class VmRunCommands(SchemaType):
    """virtualMachines/runCommands: managed run commands (see the module docstring)."""

    name = "virtualMachines/runCommands"
    api_versions = VM_VERSIONS
    async_put = async_delete = True
    operation_kinds = ("operations", "operations?monitor=true")
    removal_rank = 5
    write_only = ("properties.protectedParameters", "properties.runAsPassword")
    defaults = {"properties.asyncExecution": False, "properties.timeoutInSeconds": 0,
                "properties.treatFailureAsDeploymentFailure": False}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        vm = self.parent_of(ctx, rid)
        source = get_path(doc, "properties.source") or {}
        if not any(source.get(k) for k in ("script", "scriptUri", "commandId")):
            raise invalid("One of 'source.script', 'source.scriptUri' or 'source.commandId' is required.", "source")
        if source.get("scriptUri"):
            raise invalid("The emulator's VMs have no internet access: give the script in 'source.script' instead of "
                          "'source.scriptUri'.", "source.scriptUri")
        if source.get("commandId"):
            _command(source["commandId"])
        timeout = doc["properties"]["timeoutInSeconds"]
        if not isinstance(timeout, int) or timeout < 0 or timeout > 5400:
            raise invalid("timeoutInSeconds must be between 0 and 5400 seconds.", "timeoutInSeconds")
        if vm["internal"].get("power", "running") != "running":
            raise ArmError(409, "OperationNotAllowed", "Cannot modify extensions in the VM when the VM is not running.")
        doc["_internal"] = {"protected": get_path(doc, "properties.protectedParameters") or [],
                            "runAs": get_path(doc, "properties.runAsUser"), "view": None}

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        doc = super().build(ctx, rid, body, existing)
        doc["_internal"] = {**(existing["internal"] if existing else {}), **doc.get("_internal", {}), "view": None}
        return doc

    def execute(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        """Run the command in the VM; its instance view."""
        props = resource["body"]["properties"]
        vm = ctx.store.resource(resource["id"].rsplit("/", 2)[0])
        source = props.get("source") or {}
        lines: list[str] | str = source.get("script") or ""
        if not lines and source.get("commandId"):
            lines = COMMANDS[_command(source["commandId"])[0]][3]
        parameters = list(props.get("parameters") or []) + list(resource["internal"].get("protected") or [])
        text, env = shell_script(lines, parameters)
        run_as = resource["internal"].get("runAs")
        if run_as:
            text = f"exec su -s /bin/sh {shlex.quote(str(run_as))} -c {shlex.quote(text)}"
        started = utcnow()
        reference = ((vm["body"]["properties"].get("storageProfile") or {}).get("imageReference") or {}) if vm else {}
        windows = catalogue.os_type(vm_profile.image_entry(ctx, reference)) == "Windows"
        machine = vm is not None and vm["type"] == "microsoft.compute/virtualmachines"  # scale set instances: none
        outcome = None if not machine or windows or vm is None else ctx.backend.run_command(
            ctx, vm, text, env, float(props.get("timeoutInSeconds") or RUN_COMMAND_TIMEOUT))
        view: dict[str, Any] = {"startTime": started, "endTime": utcnow(), "statuses": []}
        if outcome is None:
            view.update(executionState="Succeeded", exitCode=0, output="", error="",
                        executionMessage="Not executed: the emulator's VM backend has no machine to run it in "
                                         "(metadata only).")
        else:
            code, out, err = outcome
            view.update(executionState="Succeeded" if code == 0 else "Failed", exitCode=code, output=out, error=err,
                        executionMessage="" if code == 0 else f"Execution completed with exit code {code}.")
        return view

    def background_work(self, ctx: Context, target: str, kind: str) -> Work | None:
        if not ctx.backend.asynchronous or kind not in ("create", "update"):
            return None

        def work(wctx: Context) -> None:
            record = wctx.store.resource(target)
            if record is not None:
                self.save_internal(wctx, target, "view", self.execute(wctx, record))
        return work

    def provisioned(self, ctx: Context, resource: Resource) -> None:
        if resource["internal"].get("view") is None:
            resource["internal"]["view"] = self.execute(ctx, resource)
            self.save(ctx, resource["id"], resource["body"], resource["internal"])
        view = resource["internal"]["view"]
        if view.get("exitCode") and resource["body"]["properties"].get("treatFailureAsDeploymentFailure"):
            raise ArmError(400, "VMExtensionProvisioningError", f"VM has reported a failure when processing extension "
                           f"'{resource['body']['name']}'. Error message: \"{view.get('executionMessage')}\".")

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = resource["body"]
        if "instanceview" in ctx.query.get("$expand", "").lower():
            view = resource["internal"].get("view") or {"executionState": "Running" if body["properties"].get(
                "provisioningState") != "Succeeded" else "Unknown", "statuses": []}
            body = {**body, "properties": {**body["properties"], "instanceView": view}}
        return body


@PROVIDER.resource_type
class DiagnosticRunCommands(VmRunCommands):
    """virtualMachines/diagnosticRunCommands: Azure's own diagnostics commands, run like managed run commands
    (metadata: no diagnostics command of Azure's exists in the emulator's VMs)."""

    name = "virtualMachines/diagnosticRunCommands"

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        self.parent_of(ctx, rid)
        if not get_path(doc, "properties.source.commandId"):
            raise invalid("Required parameter 'source.commandId' is missing (null).", "source.commandId")

    def execute(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        return {"executionState": "Succeeded", "exitCode": 0, "output": "", "error": "", "startTime": utcnow(),
                "endTime": utcnow(), "statuses": [],
                "executionMessage": "Not executed: Azure's diagnostics commands do not exist in the emulator."}
