# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # Common Azure connection and authentication options (plugins/module_utils/azure/auth.py).
    DOCUMENTATION = r"""
options:
  auth_source:
    description:
      - How to obtain Azure credentials.
      - V(auto) uses, in this order, a service principal with a client secret or a certificate
        (O(client_id), O(tenant_id) and O(client_secret) or O(client_certificate_path), from options or environment),
        then workload identity federation when a federated token file is set (O(federated_token_file)),
        then the azure-identity chain of environment credential, managed identity and Azure CLI login.
      - V(env) reads the credential settings from environment variables only
        (E(AZURE_CLIENT_ID), E(AZURE_TENANT_ID) and one of E(AZURE_CLIENT_SECRET), E(AZURE_CLIENT_CERTIFICATE_PATH)
        or E(AZURE_FEDERATED_TOKEN_FILE)); the credential options are ignored.
      - V(service_principal) needs O(client_id), O(tenant_id) and either O(client_secret) or O(client_certificate_path).
      - V(workload_identity) needs O(client_id), O(tenant_id) and O(federated_token_file),
        the OIDC token file that CI systems and Kubernetes provide.
      - V(managed_identity) uses the managed identity of the Azure host Ansible runs on;
        O(managed_identity_client_id) selects a user-assigned identity.
      - V(cli) uses the account of C(az login); without O(subscription_id) the CLI's default subscription is used.
    type: str
    default: auto
    choices: [auto, env, service_principal, workload_identity, managed_identity, cli]
  subscription_id:
    description:
      - Azure subscription ID.
      - If not set, the value of E(AZURE_SUBSCRIPTION_ID) is used; with O(auth_source=auto) or O(auth_source=cli),
        the default subscription of the Azure CLI is the last resort.
    type: str
  tenant_id:
    description:
      - Microsoft Entra tenant (directory) ID.
      - If not set, E(AZURE_TENANT_ID) or E(AZURE_TENANT) is used.
    type: str
  client_id:
    description:
      - Application (client) ID of the service principal or of the workload identity.
      - If not set, E(AZURE_CLIENT_ID) is used.
      - With O(auth_source=managed_identity), this (or E(AZURE_CLIENT_ID)) selects a user-assigned identity when O(managed_identity_client_id) is not set.
    type: str
  client_secret:
    description:
      - Client secret of the service principal.
      - If not set, E(AZURE_CLIENT_SECRET) or E(AZURE_SECRET) is used.
      - Mutually exclusive with O(client_certificate_path) when both come from the same place; an option beats the environment.
    type: str
  client_certificate_path:
    description:
      - Path to a PEM or PKCS12 file with the service principal's certificate and private key.
      - If not set, E(AZURE_CLIENT_CERTIFICATE_PATH) is used.
    type: path
  client_certificate_password:
    description:
      - Password of the certificate file in O(client_certificate_path).
      - If not set, E(AZURE_CLIENT_CERTIFICATE_PASSWORD) is used.
    type: str
  federated_token_file:
    description:
      - Path to a file holding a federated (OIDC) token, for workload identity federation.
      - If not set, E(AZURE_FEDERATED_TOKEN_FILE) is used.
    type: path
  managed_identity_client_id:
    description:
      - Client ID of a user-assigned managed identity. Without it the system-assigned identity is used.
    type: str
  cloud:
    description:
      - The Azure cloud to talk to; sets the Resource Manager endpoint, the token scope and the authority host.
      - If not set, E(AZURE_CLOUD_ENVIRONMENT) is used, which also accepts the Azure CLI names
        C(AzureCloud), C(AzureChinaCloud) and C(AzureUSGovernment). The default is V(public).
      - Ignored when O(arm_endpoint) is set.
    type: str
    choices: [public, china, usgovernment]
  arm_endpoint:
    description:
      - Base URL of a custom Azure Resource Manager endpoint, for example a local Azure emulator.
      - Must use C(https://). The token scope becomes C(<arm_endpoint>/.default),
        O(authority_host) is required and authority instance discovery is turned off.
      - If not set, E(AZURE_ARM_ENDPOINT) is used.
    type: str
  authority_host:
    description:
      - Microsoft Entra authority host (token service), for example V(https://login.microsoftonline.com).
      - Defaults to the authority of O(cloud). Required with O(arm_endpoint).
      - If not set, E(AZURE_AUTHORITY_HOST) is used.
    type: str
  ca_bundle:
    description:
      - Path to a PEM file of CA certificates to trust, for both the token service and Resource Manager.
        Needed for a custom endpoint whose certificate is signed by a private CA.
      - If not set, E(REQUESTS_CA_BUNDLE) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for a long-running Azure operation before failing with a timeout.
      - The operation may still complete in Azure after a timeout; running the task again picks it up.
    type: int
    default: 1800
  api_retries:
    description:
      - How many times to retry a request that was throttled (HTTP 429, honouring C(Retry-After)),
        failed with HTTP 408, 500, 502, 503 or 504, or lost its connection.
      - V(0) turns retries off.
    type: int
    default: 5
  api_retry_backoff_max:
    description:
      - Upper bound in seconds of the exponential backoff between retries.
    type: int
    default: 60
  polling_interval:
    description:
      - Seconds between two status checks of a long-running operation when Azure sends no C(Retry-After) header.
      - If not set, the SDK default (30 seconds) applies.
    type: int
requirements:
  - python >= 3.10
  - azure-identity >= 1.17
  - azure-mgmt-core >= 1.4
notes:
  - Every option that names an environment variable reads it only when the option is not set.
  - Credentials are never logged; secrets taken from environment variables are masked in the output too.
  - For the local emulator, set O(arm_endpoint), O(authority_host) and O(ca_bundle)
    (or E(AZURE_ARM_ENDPOINT), E(AZURE_AUTHORITY_HOST) and E(REQUESTS_CA_BUNDLE)).
"""

    # Membership of the dockyard.azure.azure action group, for module_defaults.
    ACTION_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/dockyard.azure.azure) or C(group/dockyard.azure.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - dockyard.azure.azure
      - dockyard.azure.all
"""

    # Attributes of the read-only *_info modules.
    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    details: This action does not modify state.
  diff_mode:
    support: N/A
    details: This action does not modify state.
"""
