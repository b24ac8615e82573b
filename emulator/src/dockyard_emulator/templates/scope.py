"""Where a deployment runs: subscription, resource group, tenant, cloud; and the objects
resourceGroup(), subscription(), tenant() and environment() return for it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

AZURE_CLOUD: dict[str, Any] = {
    "name": "AzureCloud",
    "gallery": "https://gallery.azure.com/",
    "graph": "https://graph.windows.net/",
    "portal": "https://portal.azure.com",
    "graphAudience": "https://graph.windows.net/",
    "activeDirectoryDataLake": "https://datalake.azure.net/",
    "batch": "https://batch.core.windows.net/",
    "media": "https://rest.media.azure.net",
    "sqlManagement": "https://management.core.windows.net:8443/",
    "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json",
    "resourceManager": "https://management.azure.com/",
    "authentication": {
        "loginEndpoint": "https://login.microsoftonline.com/",
        "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
        "tenant": "common",
        "identityProvider": "AAD",
    },
    "suffixes": {
        "acrLoginServer": ".azurecr.io",
        "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
        "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
        "azureFrontDoorEndpointSuffix": "azurefd.net",
        "keyvaultDns": ".vault.azure.net",
        "sqlServerHostname": ".database.windows.net",
        "storage": "core.windows.net",
    },
}


@dataclass(frozen=True)
class DeploymentScope:
    """The target of a deployment.  resource_group None means a subscription-scope deployment."""

    subscription_id: str
    resource_group: str | None = None
    location: str = "westus"                   # the resource group's (or the deployment's) location
    tenant_id: str = "00000000-0000-0000-0000-000000000000"
    deployment_name: str = "deployment"
    resource_group_tags: dict[str, str] = field(default_factory=dict)
    subscription_name: str = "Dockyard Emulator Subscription"
    environment: dict[str, Any] = field(default_factory=lambda: dict(AZURE_CLOUD))

    @property
    def subscription_path(self) -> str:
        return f"/subscriptions/{self.subscription_id}"

    @property
    def group_path(self) -> str:
        if self.resource_group is None:
            return self.subscription_path
        return f"{self.subscription_path}/resourceGroups/{self.resource_group}"

    def for_group(self, subscription_id: str | None, resource_group: str | None, location: str | None,
                  tags: dict[str, str] | None = None) -> DeploymentScope:
        """The scope of a nested deployment aimed at another group (or subscription)."""
        return replace(self, subscription_id=subscription_id or self.subscription_id,
                       resource_group=resource_group if resource_group is not None else self.resource_group,
                       location=location or self.location,
                       resource_group_tags=dict(tags or {}) if tags is not None else self.resource_group_tags)

    def resource_group_object(self) -> dict[str, Any]:
        return {
            "id": self.group_path,
            "name": self.resource_group,
            "type": "Microsoft.Resources/resourceGroups",
            "location": self.location,
            "tags": dict(self.resource_group_tags),
            "properties": {"provisioningState": "Succeeded"},
        }

    def subscription_object(self) -> dict[str, Any]:
        return {
            "id": self.subscription_path,
            "subscriptionId": self.subscription_id,
            "tenantId": self.tenant_id,
            "displayName": self.subscription_name,
        }

    def tenant_object(self) -> dict[str, Any]:
        return {"tenantId": self.tenant_id, "countryCode": "US", "displayName": "Dockyard Emulator Tenant"}
