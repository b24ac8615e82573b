# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker Engine on a VM through the Custom Script extension or cloud-init (private to dockyard.azure; the docker_extension module).

The options become an install configuration (docker/install_script.py, pure); with
output=cloud_init the rendered #cloud-config is the whole result and no Azure call is made; with
output=extension the script goes into the protected settings of a Custom Script extension that
ExtensionManager converges, and the script's summary line (DOCKYARD_RESULT) tells whether the VM
changed and which Docker version runs. The endpoint host is the VM's public IP, else its public
FQDN, else its private IP (2 more reads), unless endpoint_host is given.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.extensions import ExtensionManager
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.query import VmQuery
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.state import ansible_host
from ansible_collections.dockyard.azure.plugins.module_utils.docker.install_script import (
    CUSTOM_SCRIPT_PUBLISHER,
    CUSTOM_SCRIPT_TYPE,
    CUSTOM_SCRIPT_VERSION,
    InstallConfig,
    build_config,
    cloud_init,
    config_secrets,
    docker_endpoint,
    extension_settings,
    parse_result,
)
from ansible_collections.dockyard.azure.plugins.module_utils.docker.tls import is_dns_name


def _is_host(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return is_dns_name(text.lower().rstrip('.')) and not text.startswith('*')


# What the script reported, null until it ran (and always null with output=cloud_init).
EMPTY_SCRIPT_RESULT: dict[str, Any] = dict(docker_version=None, init=None, script_changed=None, script_output=None)


class DockerExtensionManager:
    """Installs and configures Docker Engine on one VM (or renders the cloud-init that does)."""

    def __init__(self, ctx: AzureContext, params: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.params = params
        self.present = params['state'] == 'present'
        # Bad input fails here, before any call: the configuration is built (and checked) first.
        self.config: InstallConfig | None = None
        if self.present or params['output'] == 'cloud_init':
            self.config = build_config(params)
        host = params.get('endpoint_host')
        if host is not None and not _is_host(host):
            raise AzureModuleError("endpoint_host: '%s' is neither an IP address nor a DNS name." % host, option='endpoint_host')

    @property
    def secrets(self) -> list[str]:
        """The values the task output must mask (TLS key, registry passwords, Compose environment)."""
        return config_secrets(self.config) if self.config else []

    def _endpoint(self, host: str | None) -> str | None:
        tls = self.config['tls'] if self.config else None
        return docker_endpoint(host, tls['port']) if tls else None

    def run(self) -> dict[str, Any]:
        if self.params['output'] == 'cloud_init':
            return self.render_cloud_init()
        return self.run_extension()

    def render_cloud_init(self) -> dict[str, Any]:
        if not self.present or self.config is None:
            raise AzureModuleError('output=cloud_init renders an installation; it needs state=present.', option='state')
        return dict(EMPTY_SCRIPT_RESULT, changed=False, cloud_init=cloud_init(self.config), extension={},
                    endpoint=self._endpoint(self.params['endpoint_host']))

    def extension_spec(self) -> dict[str, Any]:
        """The Custom Script extension that runs the install script (only its name and VM when absent)."""
        params = self.params
        public, protected = extension_settings(self.config) if self.present and self.config else (None, None)
        present = self.present
        return dict(
            name=params['name'], vm_name=params['vm_name'], resource_group=params['resource_group'], state=params['state'],
            publisher=CUSTOM_SCRIPT_PUBLISHER if present else None, type=CUSTOM_SCRIPT_TYPE if present else None,
            type_handler_version=CUSTOM_SCRIPT_VERSION if present else None, settings=public, protected_settings=protected,
            auto_upgrade_minor_version=True if present else None, enable_automatic_upgrade=None, force_update_tag=None,
            wait=params['wait'], rerun=params['rerun'],
        )

    def run_extension(self) -> dict[str, Any]:
        params = self.params
        manager = ExtensionManager(self.ctx, self.extension_spec())
        result = manager.run()
        result.update(EMPTY_SCRIPT_RESULT, endpoint=None)
        if not self.present:
            return result
        stdout = (result['extension'].get('instance_view') or {}).get('stdout')
        summary = parse_result(stdout) if stdout else None
        if summary is not None:
            result.update(docker_version=summary.get('docker_version'), init=summary.get('init') or None,
                          script_changed=bool(summary.get('changed')))
        result['script_output'] = stdout
        if self.ctx.check_mode:
            if params['rerun'] and not manager.config_changed:
                self.ctx.warn('rerun=true: whether the script would change the VM is only known when it runs; reporting no change.')
                result['changed'] = False
        elif manager.wrote and params['wait']:
            if summary is None:
                self.ctx.warn("The extension succeeded but its output has no DOCKYARD_RESULT line; the Docker version is unknown.")
            # A new force-update tag alone (rerun, retry after a failure) changes nothing the user cares about: the script says.
            result['changed'] = manager.config_changed or bool(summary and summary.get('changed'))
        if self.config and self.config['tls']:
            host = params['endpoint_host'] or self.vm_address(manager.vm)
            result['endpoint'] = self._endpoint(host)
        return result

    def vm_address(self, vm: Mapping[str, Any] | None) -> str | None:
        """The VM's public IP, else its public FQDN, else its private IP (None without a NIC to read)."""
        if not vm:
            return None
        nic, public_ip = VmQuery(self.ctx).network_of(dict(vm))
        return ansible_host(nic, public_ip)
