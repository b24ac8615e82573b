"""Shared parts of the deployments tests: the deployments client of the in-process emulator (``fast``) and
small templates."""

import copy
import json
import uuid
from pathlib import Path

CORPUS = Path(__file__).parent / "templates" / "corpus"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def deployments_client(fast):
    from azure.mgmt.resource.deployments import DeploymentsMgmtClient
    return DeploymentsMgmtClient(fast.credential, fast.subscription, base_url=fast.url, connection_verify=fast.bundle,
                                 polling_interval=0.02)


def new_group(fast, prefix="dep", location="westeurope"):
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    fast.resource.resource_groups.create_or_update(name, {"location": location})
    return name


def template(resources=(), parameters=None, outputs=None, variables=None):
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters or {},
            "variables": variables or {}, "resources": list(resources), "outputs": outputs or {}}


def vnet(name="vnet1", prefix="10.10.0.0/16", depends=(), tags=None):
    resource = {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": name,
                "location": "[resourceGroup().location]",
                "properties": {"addressSpace": {"addressPrefixes": [prefix]},
                               "subnets": [{"name": "default", "properties": {"addressPrefix": prefix.replace("/16", "/24")}}]}}
    if depends:
        resource["dependsOn"] = list(depends)
    if tags:
        resource["tags"] = tags
    return resource


def nsg(name="nsg1", rules=()):
    return {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01", "name": name,
            "location": "[resourceGroup().location]", "properties": {"securityRules": list(rules)}}


def storage(name, sku="Standard_LRS", depends=()):
    resource = {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2022-09-01", "name": name,
                "location": "[resourceGroup().location]", "sku": {"name": sku}, "kind": "StorageV2",
                "properties": {}}
    if depends:
        resource["dependsOn"] = list(depends)
    return resource


def body(tpl, parameters=None, mode="Incremental", **extra):
    return {"properties": {"template": copy.deepcopy(tpl), "parameters": parameters or {}, "mode": mode, **extra}}


def corpus(name):
    return json.loads((CORPUS / name / "azuredeploy.json").read_text())


def changes(result):
    return sorted((c.change_type, c.resource_id.rsplit("/", 1)[-1]) for c in result.changes or [])
