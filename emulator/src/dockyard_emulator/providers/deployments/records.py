"""Deployment records: the ``Microsoft.Resources/deployments`` resource type, what GET returns, the
deployment operations kept with each record, and the history Azure keeps per scope.

A record is a stored resource (type ``Microsoft.Resources/deployments``) under its scope, so deleting a
resource group deletes its history with it. Its body is ARM's DeploymentExtended; its private data keeps
the template, the parameters that are not secure (secure values are never stored), the deployment
operations, the place in the history and a cancel request. Secure parameter values live only in the
memory of the running deployment.
"""
from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceType, Work, utcnow
from ...store import Operation, Resource
from ..resources import PROVIDER, VERSIONS

TYPE = "Microsoft.Resources/deployments"
# azure-mgmt-resource-deployments 2.x sends 2026-06-01; the older resources clients send the others.
API_VERSIONS = ("2026-06-01", *VERSIONS)
# Each scope keeps up to 800 deployments; above 700 the oldest are deleted until 600 remain
# (learn.microsoft.com: "Automatic deletions from deployment history").
HISTORY_LIMIT, TRIM_ABOVE, TRIM_TO = 800, 700, 600
ACTIVE = ("Accepted", "Running")
TERMINAL = ("Succeeded", "Failed", "Canceled")


def iso_duration(seconds: float) -> str:
    """ARM's duration: PT3.0952125S."""
    return f"PT{max(seconds, 0):.7f}".rstrip("0").rstrip(".") + "S"


def operation_id() -> str:
    """Deployment operation ids look like 'A5522B59F1B00597' (16 hex digits)."""
    return secrets.token_hex(8).upper()


def correlation_number() -> str:
    """The numeric id ARM gives a deployment's own status ('08585830391982662229')."""
    return "0858" + str(int(time.time() * 1000) % 10**16).rjust(16, "0")


def scope_path(subscription: str, group: str | None) -> str:
    return f"/subscriptions/{subscription}" + (f"/resourceGroups/{group}" if group else "")


def deployment_id(subscription: str, group: str | None, name: str) -> str:
    return f"{scope_path(subscription, group)}/providers/{TYPE}/{name}"


@PROVIDER.resource_type
class Deployments(ResourceType):
    """Template deployments. Writes go through the routes (routes.py); the generic handlers are not used."""

    name = "deployments"
    api_versions = API_VERSIONS
    tracked = False                       # not listed by /resources; removed with its resource group
    lro_headers = ("Azure-AsyncOperation",)
    # A deployment's status URL is under the deployment: .../deployments/{name}/operationStatuses/{id}.
    # lro.start formats this path with the "location" it is given, which is the deployment's id here.
    operation_path = "{location}/{kind}/{id}"
    operation_kinds = ("operationStatuses", "operationStatuses")
    removal_rank = 1

    # -- records -----------------------------------------------------------------------------
    def record(self, ctx: Context, rid: str) -> Resource | None:
        return ctx.store.resource(rid)

    def existing(self, ctx: Context, rid: str, name: str) -> Resource:
        record = ctx.store.resource(rid)
        if record is None:
            raise ArmError(404, "DeploymentNotFound", f"Deployment '{name}' could not be found.")
        return record

    def history(self, ctx: Context, scope: str) -> list[Resource]:
        """The deployments of one scope (a group, or the subscription itself), oldest place first."""
        prefix = f"{scope}/providers/{TYPE}/"
        found = [r for r in ctx.store.resources(prefix, [TYPE]) if "/" not in r["id"][len(prefix):]]
        return sorted(found, key=lambda r: r["internal"].get("place", 0))

    def check_quota(self, ctx: Context, scope: str, name: str) -> None:
        """A scope whose history is full (deployments still running can't be deleted) refuses new ones."""
        records = self.history(ctx, scope)
        if len(records) >= HISTORY_LIMIT and not any(r["body"]["name"].lower() == name.lower() for r in records):
            raise ArmError(400, "DeploymentQuotaExceeded",
                           f"Creating the deployment '{name}' would exceed the quota of '{HISTORY_LIMIT}'. The current "
                           f"deployment count is '{len(records)}'. Please delete some deployments before creating a new "
                           "one, or see https://aka.ms/800LimitFix for information on managing deployment limits.")

    def trim_history(self, ctx: Context, scope: str) -> list[str]:
        """Above TRIM_ABOVE deployments, delete the oldest finished ones until TRIM_TO remain."""
        records = self.history(ctx, scope)
        if len(records) <= TRIM_ABOVE:
            return []
        removed: list[str] = []
        for record in records:
            if len(records) - len(removed) <= TRIM_TO:
                break
            if record["body"]["properties"].get("provisioningState") in ACTIVE:
                continue
            self.remove(ctx, record["id"])
            removed.append(record["id"])
        return removed

    def new_record(self, ctx: Context, rid: str, name: str, location: str | None, properties: dict[str, Any],
                   internal: dict[str, Any], tags: dict[str, str] | None = None) -> tuple[Resource, bool]:
        """Save a deployment in state Accepted, taking the newest place in its scope's history."""
        existing = ctx.store.resource(rid)
        body: dict[str, Any] = {"id": existing["id"] if existing else rid, "name": name, "type": TYPE}
        if location:
            body["location"] = location
        if tags:
            body["tags"] = dict(tags)
        body["properties"] = {**properties, "provisioningState": "Accepted", "timestamp": utcnow(),
                              "duration": "PT0S", "correlationId": str(uuid.uuid4())}
        internal = {**internal, "place": time.time(), "operations": [], "started": time.time()}
        self.save(ctx, body["id"], body, internal)
        record = ctx.store.resource(body["id"])
        assert record is not None
        return record, existing is not None

    def update(self, ctx: Context, rid: str, *, state: str | None = None, internal: dict[str, Any] | None = None,
               **properties: Any) -> Resource | None:
        """Change a record's properties (and private data) in a transaction of its own."""
        with ctx.store.transaction():
            record = ctx.store.resource(rid)
            if record is None:
                return None
            props = record["body"]["properties"]
            if state:
                props["provisioningState"] = state
                props["timestamp"] = utcnow()
                props["duration"] = iso_duration(time.time() - record["internal"].get("started", time.time()))
            for key, value in properties.items():
                if value is None:
                    props.pop(key, None)
                else:
                    props[key] = value
            record["internal"].update(internal or {})
            self.save(ctx, record["id"], record["body"], record["internal"])
            return record

    def add_operation(self, ctx: Context, rid: str, entry: dict[str, Any]) -> None:
        """Record (or replace, by operationId) one deployment operation."""
        with ctx.store.transaction():
            record = ctx.store.resource(rid)
            if record is None:
                return
            operations = [o for o in record["internal"].get("operations", []) if o["operationId"] != entry["operationId"]]
            record["internal"]["operations"] = [*operations, entry]
            self.save(ctx, record["id"], record["body"], record["internal"])

    def operations(self, record: Resource) -> list[dict[str, Any]]:
        """DeploymentOperation bodies, as GET .../operations lists them."""
        rid = record["id"]
        return [{"id": f"{rid}/operations/{o['operationId']}", "operationId": o["operationId"],
                 "properties": {k: v for k, v in o.items() if k != "operationId"}}
                for o in record["internal"].get("operations", [])]

    def cancel_requested(self, ctx: Context, rid: str) -> bool:
        record = ctx.store.resource(rid)
        return record is None or bool(record["internal"].get("cancel"))

    # -- the generic machinery ----------------------------------------------------------------
    def background_work(self, ctx: Context, target: str, kind: str) -> Work | None:
        """After an emulator restart (``lro.resume``): a deployment that was running cannot go on, since its
        secure parameter values were only in the memory of the process that ran it. It fails, saying so."""
        if kind not in ("create", "update"):
            return None

        def interrupted(wctx: Context) -> None:
            error = ArmError(500, "DeploymentInterrupted", "The emulator restarted while this deployment was running. "
                             "Secure parameter values are not kept, so it cannot resume: deploy it again.")
            self.update(wctx, target, state="Failed", error=error.error())
            raise error
        return interrupted

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        return resource["body"]

    def complete(self, ctx: Context, op: Operation) -> dict[str, Any] | None:
        """Completion of a deployment's operations: the runner has already saved the record's final state."""
        kind = op["kind"]
        if kind == "whatIf":
            result: dict[str, Any] = op.get("payload") or {}
            return result
        if kind == "deletion":
            if ctx.store.resource(op["target"]) is not None:
                self.remove(ctx, op["target"])
            return None           # 204 on the Location URL, as Azure answers a deleted deployment
        record = ctx.store.resource(op["target"])
        return self.render(ctx, record) if record else None

    def failed(self, ctx: Context, op: Operation, error: ArmError) -> None:
        """An operation that failed outside the runner's own handling (an emulator error): the record says so."""
        if op["kind"] not in ("create", "update"):
            return
        record = ctx.store.resource(op["target"])
        if record is not None and record["body"]["properties"].get("provisioningState") in ACTIVE:
            record["body"]["properties"].update(provisioningState="Failed", error=error.error(), timestamp=utcnow())
            self.save(ctx, record["id"], record["body"], record["internal"])


class DeploymentJobs(ResourceType):
    """The what-if and delete jobs of deployments: ARM answers them on ``/subscriptions/{s}/operationresults/{id}``
    (Location only). Not registered: ``lro.start`` reads its URL shape, and the operation completes through the
    registered :class:`Deployments` type (same full type)."""

    name = "deployments"
    api_versions = API_VERSIONS
    tracked = False
    lro_headers = ("Location",)
    operation_path = "/subscriptions/{subscription}/operationresults/{id}"
    operation_kinds = ("operationresults", "operationresults")



DEPLOYMENTS = PROVIDER.instance(Deployments)
JOBS = DeploymentJobs(PROVIDER)
