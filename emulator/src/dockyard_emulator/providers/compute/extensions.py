"""Microsoft.Compute/virtualMachines/extensions: VM extensions, with the rules Azure enforces. The Custom
Script extension really runs in the VM through the backend's ``run_command`` (its settings are read
by :mod:`.custom_script`); other extensions, and every extension with the ``none`` backend, are metadata.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from ...context import Context
from ...errors import ArmError, HandlerError
from ...resource_type import ResourceId, ResourceType, Work, utcnow
from ...store import Resource
from .common import PROVIDER, VM_VERSIONS, invalid
from .custom_script import CSE_TAIL, CSE_TIMEOUT, CUSTOM_SCRIPT, custom_script_command
from .retired import refuse_retired


@PROVIDER.resource_type
class Extensions(ResourceType):
    """virtualMachines/extensions. The Custom Script extension (Microsoft.Azure.Extensions/CustomScript 2.x)
    runs in the VM through the backend's ``run_command`` and reports what its Linux handler reports: one
    status whose message is ``Enable succeeded: \n[stdout]\n<tail>\n[stderr]\n<tail>`` (or ``Enable failed:
    ...``), the last 4 KiB of each stream. It runs again only when its settings, protected settings,
    handler version or forceUpdateTag change (as Azure sends a new configuration sequence only then).
    Other extensions, and every extension with the ``none`` backend, are metadata only (Succeeded,
    empty output). protectedSettings are kept in the emulator's private data and never returned."""

    name = "virtualMachines/extensions"
    api_versions = VM_VERSIONS
    async_put = async_delete = True
    operation_kinds = ("operations", "operations?monitor=true")
    removal_rank = 5
    write_only = ("properties.protectedSettings",)

    @staticmethod
    def is_custom_script(props: dict[str, Any]) -> bool:
        return (str(props.get("publisher", "")).lower(), str(props.get("type", "")).lower()) == CUSTOM_SCRIPT

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        vm = self.parent_of(ctx, rid)
        props = body.get("properties") or {}
        old = existing["body"]["properties"] if existing else {}
        old_internal = (existing["internal"] if existing else None) or {}
        for key in ("publisher", "type", "typeHandlerVersion"):
            if not isinstance(props.get(key), str) or not props[key].strip():
                raise invalid(f"Required parameter '{key}' is missing (null).", key)
        refuse_retired(props)
        if existing:
            for key in ("publisher", "type"):
                if props[key].lower() != str(old.get(key, "")).lower():
                    raise invalid(f"Changing property '{key}' is not allowed.", key, "PropertyChangeNotAllowed")
        version = props["typeHandlerVersion"]
        if not re.match(r"^\d+(\.\d+)?$", version):  # major.minor: Azure refuses 2.1.6 or 1.9.3 this way
            raise invalid("The value of parameter typeHandlerVersion is invalid.", "typeHandlerVersion")
        if self.is_custom_script(props) and version.split(".")[0] != "2":
            raise invalid(f"The handler version '{version}' of Microsoft.Azure.Extensions.CustomScript is not "
                          "available: the emulator's handler is 2.1 (use typeHandlerVersion '2.0' or '2.1').",
                          "typeHandlerVersion")
        for key in ("settings", "protectedSettings"):
            if props.get(key) is not None and not isinstance(props[key], dict):
                raise ArmError(400, "InvalidRequestContent", f"The request content was invalid and could not be "
                               f"deserialized: '{key}' must be a JSON object.")
        if vm["internal"].get("power", "running") != "running":
            raise ArmError(409, "OperationNotAllowed", "Cannot modify extensions in the VM when the VM is not "
                           "running.")
        if not vm["body"]["properties"].get("osProfile", {}).get("allowExtensionOperations", True):
            raise ArmError(409, "OperationNotAllowed", "Extensions operations are disallowed for this VM: "
                           "osProfile.allowExtensionOperations is false.")
        handler = f"{props['publisher']}.{props['type']}"
        for other in ctx.store.resources(vm["id"] + "/extensions/", [self.full_type]):
            o = other["body"]["properties"]
            if other["id"].lower() != rid.id.lower() and f"{o['publisher']}.{o['type']}".lower() == handler.lower():
                raise ArmError(400, "BadRequest", "Multiple VMExtensions per handler not supported for OS type "
                               f"'Linux'. VMExtension '{other['body']['name']}' with handler '{o['publisher']}."
                               f"{o['type']}' already added or specified in input.")
        if props.get("protectedSettings") is not None:
            protected = props["protectedSettings"]
        elif ctx.method == "PATCH":
            protected = old_internal.get("protectedSettings")  # PATCH keeps them; PUT replaces the whole extension
        else:
            protected = None
        properties = {"publisher": props["publisher"], "type": props["type"], "typeHandlerVersion": version}
        for key in ("autoUpgradeMinorVersion", "enableAutomaticUpgrade", "forceUpdateTag", "settings",
                    "suppressFailures", "provisionAfterExtensions"):
            if props.get(key) is not None:
                properties[key] = props[key]
        config = hashlib.sha256(json.dumps([properties.get("settings"), protected, properties.get("forceUpdateTag"),
                                            version], sort_keys=True).encode()).hexdigest()
        seq = old_internal.get("seq", -1)
        last_run = old_internal.get("run")
        if existing is None or config != old_internal.get("config") or (last_run or {}).get("seq") != seq:
            seq += 1  # a new configuration: the handler runs again
        return {"properties": properties,
                "_internal": {"protectedSettings": protected, "config": config, "seq": seq, "run": last_run}}

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = dict(resource["body"])
        query = ctx.query
        if "instanceview" in {e.strip().lower() for e in query.get("$expand", "").split(",")}:
            body["properties"] = {**body["properties"], "instanceView": self.extension_view(ctx, resource)}
        return body

    def extension_view(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        props = resource["body"]["properties"]
        internal = resource["internal"] or {}
        run = internal.get("run")
        view = {"name": resource["body"]["name"], "type": f"{props['publisher']}.{props['type']}",
                "typeHandlerVersion": props["typeHandlerVersion"]}
        if run is None or run.get("seq") != internal.get("seq"):
            view["statuses"] = [{"code": "ProvisioningState/transitioning", "level": "Info",
                                 "displayStatus": "Transitioning", "message": "Enable in progress"}]
        elif run["ok"]:
            view["statuses"] = [{"code": "ProvisioningState/succeeded", "level": "Info",
                                 "displayStatus": "Provisioning succeeded", "message": run["message"],
                                 "time": run["time"]}]
        else:
            view["statuses"] = [{"code": f"ProvisioningState/failed/{run.get('code') or 0}", "level": "Error",
                                 "displayStatus": "Provisioning failed", "message": run["message"],
                                 "time": run["time"]}]
        return view

    # running the handler ------------------------------------------------------------------------
    def execute(self, ctx: Context, ext: Resource, vm: Resource) -> dict[str, Any]:
        """Run the extension's handler in the VM; returns the run record kept in the extension's private data."""
        props = ext["body"]["properties"]
        internal = ext["internal"] or {}
        run = {"seq": internal.get("seq"), "ok": True, "code": 0, "message": "Enable succeeded", "time": None}
        if self.is_custom_script(props):
            try:
                script = custom_script_command(props.get("settings") or {}, internal.get("protectedSettings") or {})
            except HandlerError as exc:
                run.update(ok=False, code=0, message=f"Enable failed: {exc}")
            else:
                result = ctx.backend.run_command(ctx, vm, script, {}, CSE_TIMEOUT)
                code, out, err = result if result is not None else (0, "", "")  # none backend: metadata only
                out, err = out[-CSE_TAIL:], err[-CSE_TAIL:]
                output = f"\n[stdout]\n{out}\n[stderr]\n{err}"
                if code == 0:
                    run.update(message="Enable succeeded: " + output)
                else:
                    run.update(ok=False, code=code, message="Enable failed: failed to execute command: command "
                               f"terminated with exit status={code}" + output)
        run["time"] = utcnow()
        return run

    def failure(self, ext: Resource) -> ArmError:
        props = ext["body"]["properties"]
        message = ext["internal"]["run"]["message"]
        link = "https://aka.ms/VMExtensionCSELinuxTroubleshoot" if self.is_custom_script(props) else \
            "https://aka.ms/vmextensionlinuxtroubleshoot"
        return ArmError(400, "VMExtensionProvisioningError", f"VM has reported a failure when processing extension "
                        f"'{ext['body']['name']}' (publisher '{props['publisher']}' and type '{props['type']}'). "
                        f"Error message: \"{message}\".\r\n\r\nMore information on troubleshooting is available at "
                        f"{link} ")

    @staticmethod
    def vm_of(ctx: Context, ext: Resource) -> Resource:
        vm_id = ext["id"].rsplit("/", 2)[0]
        vm = ctx.store.resource(vm_id)
        if vm is None:
            raise ArmError(404, "ResourceNotFound", f"The resource '{vm_id}' no longer exists.")
        return vm

    def pending(self, ext: Resource) -> bool:
        internal = ext["internal"] or {}
        return (internal.get("run") or {}).get("seq") != internal.get("seq")

    def background_work(self, ctx: Context, target: str, kind: str) -> Work | None:
        vm_backend = ctx.backend
        if not vm_backend.asynchronous or kind not in ("create", "update"):
            return None

        def work(wctx: Context) -> None:
            ext = wctx.store.resource(target)
            if ext is None or not self.pending(ext):
                return
            self.save_internal(wctx, target, "run", self.execute(wctx, ext, self.vm_of(wctx, ext)))
        return work

    def provisioned(self, ctx: Context, resource: Resource) -> None:
        if self.pending(resource):
            if ctx.backend.asynchronous:
                raise ArmError(500, "InternalOperationError", "The extension's handler did not run.")
            resource["internal"]["run"] = self.execute(ctx, resource, self.vm_of(ctx, resource))
            self.save(ctx, resource["id"], resource["body"], resource["internal"])
        if not resource["internal"]["run"]["ok"]:
            raise self.failure(resource)


EXTENSIONS = PROVIDER.instance(Extensions)
