# -*- coding: utf-8 -*-
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AzureModule: AnsibleModule with the common Azure options, lazy credential/clients and error mapping.

Typical module (azure_operation comes from module_utils.azure.errors)::

    module = AzureModule(argument_spec=dict(name=dict(type='str', required=True)), supports_check_mode=True)
    with module.azure_errors():
        client = module.client('resource')
        with azure_operation("get resource group '%s'" % module.params['name']):
            group = client.resource_groups.get(module.params['name'])
    module.exit_json(changed=False, resource_group=resource_group_to_dict(group))
"""

from __future__ import annotations

import os
import traceback
from contextlib import contextmanager

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import AZURE_COMMON_ARGUMENT_SPEC, resolve_connection_config
from ansible_collections.dockyard.azure.plugins.module_utils.azure.clients import build_client
from ansible_collections.dockyard.azure.plugins.module_utils.azure.credentials import build_credential
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import (
    AzureConfigError,
    AzureModuleError,
    MissingAzureLibrary,
    azure_error_details,
    format_azure_error,
    is_azure_sdk_error,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.lro import wait_for_poller


def azure_argument_spec(module_spec=None):
    """The common Azure options plus the module's own; a module option wins on a name clash."""
    spec = dict((name, dict(option)) for name, option in AZURE_COMMON_ARGUMENT_SPEC.items())
    spec.update(module_spec or {})
    return spec


class AzureModule(AnsibleModule):
    """An AnsibleModule whose modules declare only their own options.

    The Azure connection (options + environment), the credential and each SDK client are
    built on first use, so argument errors and check-only paths never import the SDK.
    """

    def __init__(self, argument_spec=None, **kwargs):
        super().__init__(argument_spec=azure_argument_spec(argument_spec), **kwargs)
        self._azure_config = None
        self._credential = None
        self._clients = {}

    @property
    def azure_config(self):
        """The resolved AzureConnectionConfig; fails the module on a bad option combination."""
        if self._azure_config is None:
            try:
                config = resolve_connection_config(self.params, os.environ)
            except AzureConfigError as exc:
                self.fail_json(msg=str(exc), option=exc.option)
            # Secrets from the environment are not module params: mask them explicitly.
            self.no_log_values.update(config.secrets)
            self._azure_config = config
        return self._azure_config

    @property
    def subscription_id(self):
        return self.azure_config.subscription_id

    @property
    def credential(self):
        if self._credential is None:
            with self.azure_errors():
                self._credential = build_credential(self.azure_config)
        return self._credential

    def client(self, name):
        """The management client registered as `name` in clients.CLIENTS ('resource', 'network', 'compute')."""
        if name not in self._clients:
            credential = self.credential
            with self.azure_errors():
                self._clients[name] = build_client(name, self.azure_config, credential)
        return self._clients[name]

    def wait_for(self, poller, operation):
        """Wait for a long-running operation within the module's `timeout` and return its result."""
        return wait_for_poller(poller, self.azure_config.timeout, operation)

    def fail_from_exception(self, exc, operation=None):
        """fail_json with a one-line message for any exception; the traceback only shows with -vvv."""
        tb = ''.join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        if isinstance(exc, AzureModuleError):
            self.fail_json(msg=exc.msg, exception=tb, **exc.extra)
        if isinstance(exc, AzureConfigError):
            self.fail_json(msg=str(exc), option=exc.option)
        if isinstance(exc, MissingAzureLibrary):
            self.fail_json(msg=missing_required_lib(exc.package), exception=tb)
        if is_azure_sdk_error(exc):
            self.fail_json(msg=format_azure_error(exc, operation), exception=tb, **azure_error_details(exc))
        message = ' '.join(str(exc).split()) or type(exc).__name__
        self.fail_json(msg='%s%s: %s' % (operation + ': ' if operation else '', type(exc).__name__, message), exception=tb)

    @contextmanager
    def azure_errors(self, operation=None):
        """Turn every exception in the block into one fail_json line (SystemExit from exit/fail passes)."""
        try:
            yield
        except Exception as exc:  # pylint: disable=broad-except
            self.fail_from_exception(exc, operation)
