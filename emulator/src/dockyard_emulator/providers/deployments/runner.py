"""Running a deployment: the background work of its long-running operation.

Batch by batch in dependency order (resources of a batch are independent: their writes are all sent,
then their long-running operations are awaited together, so they run in parallel), each resource is
evaluated right before it is written, so ``reference()`` sees what earlier batches created; the write
goes through the provider registry (``calls``), exactly as a client's PUT would. A resource whose
write fails is recorded with the provider's error; resources that depend on it are not attempted;
independent ones still are. Nested inline deployments run the same way and are recorded as
deployments of their own (in their target group). In complete mode, what the group holds and the
template no longer declares is then deleted. A cancel request stops the run between steps.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import utcnow
from ...templates import Deployment, PlannedResource, TemplateError, deployment_failed
from ...templates.resources import DEPLOYMENTS_TYPE
from .calls import Answer, ArmCalls, status_text
from .records import DEPLOYMENTS, deployment_id, iso_duration, operation_id
from .scope_listing import group_listing, removal_order

ASYNC_FAILURE = ("The resource write operation failed to complete successfully, because it reached terminal "
                 "provisioning state 'Failed'.")


class Canceled(Exception):
    """The deployment was canceled (POST .../cancel) while it ran."""


@dataclass
class Outcome:
    """How one deployment (top-level or nested) ended."""

    succeeded: bool
    outputs: dict[str, Any] = field(default_factory=dict)
    error: TemplateError | None = None


def as_template_error(error: dict[str, Any] | None) -> TemplateError:
    """An ARM error document as the engine's error type (nested details included)."""
    error = error or {"code": "InternalServerError", "message": "The operation failed."}
    return TemplateError(str(error.get("code")), str(error.get("message")), target=error.get("target"),
                         details=[as_template_error(d) for d in error.get("details") or []])


class Runner:
    """Runs one deployment request in a background thread (``runner(ctx)`` is the operation's work)."""

    def __init__(self, calls: ArmCalls, deployment: Deployment, record_id: str, secure_values: list[str]) -> None:
        self.calls = calls
        self.deployment = deployment
        self.record_id = record_id
        self.secure_values = [v for v in secure_values if len(v) >= 3]

    # -- the operation's work --------------------------------------------------------------------
    def __call__(self, ctx: Context) -> None:
        try:
            outcome = self.run(ctx, self.deployment, self.record_id)
        except Canceled:
            self.finish_canceled(ctx)
            return
        if not outcome.succeeded:
            error = outcome.error or deployment_failed([])
            raise ArmError(400, error.code, error.message, [d.to_error() for d in error.details],
                           target=error.target)

    def finish_canceled(self, ctx: Context) -> None:
        """The record says Canceled; so does the operation (the poller's terminal state)."""
        with ctx.store.transaction():
            for op in ctx.store.operations_for(self.record_id.lower()):
                op.update(status="Canceled", end=time.time(),
                          error={"code": "DeploymentCanceled", "message": "The deployment was canceled."})
                ctx.store.save_operation(op)

    # -- one deployment ----------------------------------------------------------------------------
    def run(self, ctx: Context, dep: Deployment, rid: str) -> Outcome:
        DEPLOYMENTS.update(ctx, rid, state="Running")
        failures: list[TemplateError] = []
        blocked: set[str] = set()
        for batch in dep.batches():
            self.check_cancel(ctx)
            pending: dict[str, tuple[PlannedResource, dict[str, Any], float]] = {}
            nested = []
            for item in batch:
                if any(d.lower() in blocked for d in item.depends_on):
                    blocked.add(item.id.lower())
                elif item.is_deployment:
                    nested.append(item)
                else:
                    self.write(ctx, dep, rid, item, pending, failures, blocked)
            for item in nested:
                self.run_nested(ctx, dep, rid, item, failures, blocked)
            finished = self.calls.wait(list(pending), stop=lambda: DEPLOYMENTS.cancel_requested(ctx, rid))
            for op_id, (item, entry, started) in pending.items():
                op = finished.get(op_id)
                if op is None:
                    continue
                if op["status"] == "Succeeded":
                    self.record(ctx, rid, entry, "Succeeded", started, "OK")
                else:
                    inner = as_template_error(op.get("error"))
                    error = TemplateError("ResourceDeploymentFailure", ASYNC_FAILURE, target=item.id, details=[inner])
                    self.fail(ctx, rid, entry, started, error, status_text(op.get("http_status") or 409),
                              {"status": "Failed", "error": error.to_error()}, failures, blocked, item)
            self.check_cancel(ctx)
        if not failures and dep.mode.lower() == "complete" and dep.target.resource_group:
            self.prune(ctx, dep, rid, failures)
        if failures:
            error = deployment_failed(failures)
            error.target = rid
            DEPLOYMENTS.update(ctx, rid, state="Failed", error=self.scrub(error.to_error()))
            return Outcome(False, error=error)
        return self.outputs(ctx, dep, rid)

    def check_cancel(self, ctx: Context) -> None:
        if DEPLOYMENTS.cancel_requested(ctx, self.record_id):
            DEPLOYMENTS.update(ctx, self.record_id, state="Canceled")
            raise Canceled()

    def outputs(self, ctx: Context, dep: Deployment, rid: str) -> Outcome:
        started = time.time()
        entry = {"operationId": operation_id(), "provisioningOperation": "EvaluateDeploymentOutput"}
        try:
            with ctx.store.transaction():
                outputs = dep.outputs()
        except TemplateError as exc:
            error = TemplateError("DeploymentOutputEvaluationFailed", "Unable to evaluate template outputs: "
                                  f"'{', '.join(self.output_names(dep))}'. Please see error details and deployment "
                                  "operations. Please see https://aka.ms/arm-common-errors for usage details.",
                                  target=rid, details=[exc])
            self.record(ctx, rid, entry, "Failed", started, "BadRequest", {"error": exc.to_error()})
            DEPLOYMENTS.update(ctx, rid, state="Failed", error=self.scrub(error.to_error()))
            return Outcome(False, error=error)
        self.record(ctx, rid, entry, "Succeeded", started, "OK")
        resources = [{"id": item.id} for item in dep.resources if item.type.lower() != DEPLOYMENTS_TYPE]
        DEPLOYMENTS.update(ctx, rid, state="Succeeded", outputs=outputs, outputResources=resources, error=None)
        return Outcome(True, outputs)

    @staticmethod
    def output_names(dep: Deployment) -> list[str]:
        return [name for key, value in dep.template.items() if key.lower() == "outputs" for name in value or {}]

    # -- one resource --------------------------------------------------------------------------------
    def write(self, ctx: Context, dep: Deployment, rid: str, item: PlannedResource,
              pending: dict[str, tuple[PlannedResource, dict[str, Any], float]], failures: list[TemplateError],
              blocked: set[str]) -> None:
        started = time.time()
        entry = self.entry(item, "Create")
        try:
            with ctx.store.transaction():
                body = dep.evaluate(item)
        except TemplateError as exc:
            self.fail(ctx, rid, entry, started, exc, "BadRequest", {"error": exc.to_error()}, failures, blocked, item)
            return
        payload = {k: v for k, v in body.items() if k not in ("id", "name", "type", "apiVersion")}
        answer: Answer = self.calls.call("PUT", item.id, item.api_version, payload)
        if not answer.ok:
            error = as_template_error(answer.error)
            self.fail(ctx, rid, entry, started, error, status_text(answer.status), {"error": answer.error}, failures,
                      blocked, item)
            return
        op_id = answer.operation
        if op_id:
            self.record(ctx, rid, entry, "Running", started, status_text(answer.status))
            pending[op_id] = (item, entry, started)
        else:
            self.record(ctx, rid, entry, "Succeeded", started, status_text(answer.status))

    def run_nested(self, ctx: Context, dep: Deployment, rid: str, item: PlannedResource, failures: list[TemplateError],
                   blocked: set[str]) -> None:
        started = time.time()
        entry = self.entry(item, "Create")
        try:
            with ctx.store.transaction():
                child = dep.nested(item)
                child.validate()
        except TemplateError as exc:
            self.fail(ctx, rid, entry, started, exc, "BadRequest", {"error": exc.to_error()}, failures, blocked, item)
            return
        scope = child.target
        child_id = deployment_id(scope.subscription_id, scope.resource_group, child.name)
        if scope.resource_group and ctx.store.resource(f"/subscriptions/{scope.subscription_id}/resourceGroups/"
                                                       f"{scope.resource_group}") is None:
            error = TemplateError("ResourceGroupNotFound", f"Resource group '{scope.resource_group}' could not be found.")
            self.fail(ctx, rid, entry, started, error, "NotFound", {"error": error.to_error()}, failures, blocked, item)
            return
        self.record(ctx, rid, entry, "Running", started, "Created")
        with ctx.store.transaction():
            DEPLOYMENTS.new_record(ctx, child_id, child.name, scope.location if scope.resource_group is None else None,
                                   {"templateHash": child.template_hash(), "parameters": self.parameters_view(child),
                                    "mode": child.mode},
                                   {"template": child.template, "parameters": {}, "nested": True})
        outcome = self.run(ctx, child, child_id)
        if outcome.succeeded:
            self.record(ctx, rid, entry, "Succeeded", started, "OK")
            return
        error = outcome.error or deployment_failed([])
        self.fail(ctx, rid, entry, started, error, "BadRequest", {"status": "Failed", "error": error.to_error()},
                  failures, blocked, item)

    @staticmethod
    def parameters_view(child: Deployment) -> dict[str, Any]:
        try:
            return child.parameters_view() if child.context.outer is None else {}
        except TemplateError:
            return {}

    def prune(self, ctx: Context, dep: Deployment, rid: str, failures: list[TemplateError]) -> None:
        """Complete mode: delete what the group holds and the template (nested inline templates included) does not."""
        with ctx.store.transaction():
            keep = {resource_id.lower() for resource_id in dep.resource_ids()}
            group = f"/subscriptions/{dep.target.subscription_id}/resourceGroups/{dep.target.resource_group}"
            doomed = [r for r in group_listing(ctx, group) if r["id"].lower() not in keep]
        for resource in removal_order(ctx, doomed):
            self.check_cancel(ctx)
            started = time.time()
            entry = {"operationId": operation_id(), "provisioningOperation": "Delete",
                     "targetResource": {"id": resource["id"], "resourceType": resource["type"],
                                        "resourceName": resource["name"]}}
            answer = self.calls.call("DELETE", resource["id"], None)
            error_doc = answer.error
            if answer.ok and answer.operation:
                op = self.calls.wait([answer.operation]).get(answer.operation) or {}
                error_doc = op.get("error") if op.get("status") != "Succeeded" else None
            if error_doc:
                error = as_template_error(error_doc)
                self.record(ctx, rid, entry, "Failed", started, status_text(answer.status if answer.error else 409),
                            {"error": self.scrub(error_doc)})
                failures.append(error)
            else:
                self.record(ctx, rid, entry, "Succeeded", started, "OK")

    # -- deployment operations -----------------------------------------------------------------------
    @staticmethod
    def entry(item: PlannedResource, operation: str) -> dict[str, Any]:
        return {"operationId": operation_id(), "provisioningOperation": operation,
                "targetResource": {"id": item.id, "resourceType": item.type, "resourceName": item.name,
                                   "apiVersion": item.api_version}}

    def record(self, ctx: Context, rid: str, entry: dict[str, Any], state: str, started: float, status: str,
               message: dict[str, Any] | None = None) -> None:
        entry.update(provisioningState=state, timestamp=utcnow(), duration=iso_duration(time.time() - started),
                     trackingId=entry.get("trackingId") or str(uuid.uuid4()),
                     serviceRequestId=entry.get("serviceRequestId") or str(uuid.uuid4()), statusCode=status)
        if message is not None:
            entry["statusMessage"] = self.scrub(message)
        DEPLOYMENTS.add_operation(ctx, rid, dict(entry))

    def fail(self, ctx: Context, rid: str, entry: dict[str, Any], started: float, error: TemplateError, status: str,
             message: dict[str, Any], failures: list[TemplateError], blocked: set[str], item: PlannedResource) -> None:
        self.record(ctx, rid, entry, "Failed", started, status, message)
        failures.append(error)
        blocked.add(item.id.lower())

    def scrub(self, value: Any) -> Any:
        """Secure parameter values never reach a stored error (a provider might echo what it refused)."""
        if isinstance(value, str):
            for secret in self.secure_values:
                value = value.replace(secret, "***")
            return value
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        return value


__all__ = ["Outcome", "Runner", "as_template_error"]
