# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A resolved connection config for the emulator-like endpoint https://127.0.0.1:8443, for client and credential tests."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.azure import auth


def make_config(**overrides):
    values = dict(credential_kind=auth.KIND_CLIENT_SECRET, subscription_id='00000000-0000-0000-0000-000000000000', cloud='custom',
                  arm_endpoint='https://127.0.0.1:8443', credential_scope='https://127.0.0.1:8443/.default',
                  authority_host='https://127.0.0.1:8443', disable_instance_discovery=True,
                  tenant_id='tenant', client_id='client', client_secret='secret')
    values.update(overrides)
    return auth.AzureConnectionConfig(**values)
