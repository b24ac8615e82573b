"""Shared helpers for the template engine tests: an in-memory stand-in for the resource store
(the HTTP layer's providers come later) and one-line expression evaluation."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from dockyard_emulator.templates import Deployment, DeploymentScope, PlannedResource, run_deployment, unwrap_parameters_file
from dockyard_emulator.templates.evaluator import evaluate_string

CORPUS = Path(__file__).parent / "corpus"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
GROUP = "rg-templates"
SCOPE = DeploymentScope(SUBSCRIPTION, GROUP, "eastus", deployment_name="azuredeploy")
GROUP_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}"
NOW = dt.datetime(2019, 3, 5, 17, 53, 18, tzinfo=dt.timezone.utc)


class FakeStore:
    """Resources by id, as providers would keep them: PUT bodies plus what providers add
    (provisioningState, computed endpoints), so what-if meets realistic GET bodies."""

    def __init__(self) -> None:
        self.resources: dict[str, dict[str, Any]] = {}
        self.puts: list[str] = []
        self.keys_calls: list[tuple[str, str | None, str]] = []

    def get(self, resource_id: str, api_version: str | None = None) -> dict[str, Any] | None:
        found = self.resources.get(resource_id.lower())
        return copy.deepcopy(found) if found is not None else None

    def list_keys(self, resource_id: str, api_version: str | None, function: str, body: Any) -> Any:
        self.keys_calls.append((resource_id, api_version, function))
        if resource_id.lower() not in self.resources:
            return None
        return {"keys": [{"keyName": "key1", "value": "secret-key-1"}]}

    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        state = copy.deepcopy(body)
        state.pop("apiVersion", None)
        properties = state.setdefault("properties", {}) or {}
        state["properties"] = properties
        properties["provisioningState"] = "Succeeded"
        kind = state["type"].lower()
        if kind.endswith("publicipaddresses"):
            label = (properties.get("dnsSettings") or {}).get("domainNameLabel")
            if label:
                properties["dnsSettings"]["fqdn"] = f"{label}.eastus.cloudapp.azure.com"
            properties.setdefault("ipAddress", "20.1.2.3")
        if kind.endswith("storageaccounts"):
            properties["primaryEndpoints"] = {"blob": f"https://{state['name']}.blob.core.windows.net/"}
        if kind.endswith("registries"):
            properties["loginServer"] = f"{state['name']}.azurecr.io"
        if kind.endswith("virtualnetworks") or kind.endswith("networkinterfaces"):
            properties["resourceGuid"] = "11111111-2222-3333-4444-555555555555"
        state["etag"] = 'W/"1"'
        self.resources[state["id"].lower()] = state
        self.puts.append(state["id"])
        return state

    def apply(self, body: dict[str, Any], item: PlannedResource, deployment: Deployment) -> None:
        self.put(body)

    def in_group(self) -> list[dict[str, Any]]:
        """What listing the resource group returns: top-level resources only."""
        return [copy.deepcopy(r) for r in self.resources.values()
                if r["id"].lower().count("/providers/") == 1 and len(r["id"].split("/")) == 9]


def corpus_text(name: str) -> str:
    return (CORPUS / name / "azuredeploy.json").read_text()


def corpus_parameters(name: str) -> dict[str, Any]:
    path = CORPUS / name / "azuredeploy.parameters.json"
    return unwrap_parameters_file(json.loads(path.read_text())) if path.exists() else {}


def deployment(template: str | dict[str, Any], parameters: dict[str, Any] | None = None, store: FakeStore | None = None,
               scope: DeploymentScope = SCOPE, mode: str = "Incremental") -> Deployment:
    store = store or FakeStore()
    text = template if isinstance(template, str) else json.dumps(template, indent=2)
    return Deployment(text, parameters or {}, scope=scope, get_resource=store.get, list_keys=store.list_keys,
                      now=NOW, mode=mode)


def deploy(template: str | dict[str, Any], parameters: dict[str, Any] | None = None, store: FakeStore | None = None,
           scope: DeploymentScope = SCOPE) -> tuple[Deployment, dict[str, Any]]:
    store = store if store is not None else FakeStore()
    dep = deployment(template, parameters, store, scope)
    return dep, run_deployment(dep, store.apply)


def ev(expression: str, parameters: dict[str, Any] | None = None, variables: dict[str, Any] | None = None,
       where: str = "properties") -> Any:
    """Evaluate one template expression in a template with the given parameters and variables."""
    template = {"resources": [],
                "parameters": {name: {"type": _type_of(value)} for name, value in (parameters or {}).items()},
                "variables": variables or {}}
    dep = deployment(template, {name: {"value": value} for name, value in (parameters or {}).items()})
    dep.validate()
    return evaluate_string(expression, dep.context.context(where))


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def plan_names(dep: Deployment) -> list[list[str]]:
    """Batches as 'type/name' strings (each batch sorted: its order carries no meaning)."""
    return [sorted(f"{item.type}/{item.name}" for item in batch) for batch in dep.batches()]
