# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Project-level normalization after loading, as compose-go's normalize step does
(private to dockyard.azure; internal to the Compose loader).

The ``default`` network, implicit dependencies (links, ``service:`` namespaces, volumes_from),
build defaults, values taken from the environment, and the real names of networks, volumes,
configs and secrets.
"""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.compose._environment import resolve_values
from ansible_collections.dockyard.azure.plugins.module_utils.compose._validation import is_true


def normalize(model: dict, environment: dict[str, str]) -> dict:
    """The project's tree after compose-go's normalization (in place; returned for chaining)."""
    services = model.get('services') or {}
    networks = model.get('networks')
    if networks is None:
        networks = {}
    uses_default = False
    for service in services.values():
        if 'provider' in service or 'network_mode' in service:
            continue
        nets = service.get('networks')
        if nets is None or (isinstance(nets, dict) and len(nets) == 0):
            service['networks'] = {'default': None}
            uses_default = True
        elif 'default' in nets:
            uses_default = True
    if 'default' not in networks and uses_default:
        networks['default'] = None
    if networks:
        model['networks'] = networks

    for service in services.values():
        if service.get('pull_policy') == 'if_not_present':
            service['pull_policy'] = 'missing'
        build = service.get('build')
        if isinstance(build, dict):
            if build.get('context') is None:
                build['context'] = '.'
            if build.get('dockerfile') is None and build.get('dockerfile_inline') is None:
                build['dockerfile'] = 'Dockerfile'
            if 'args' in build:
                build['args'] = resolve_values(build['args'], environment, keep_empty=False)
        if 'environment' in service:
            service['environment'] = resolve_values(service['environment'], environment, keep_empty=True)
        depends_on = service.get('depends_on')
        if not isinstance(depends_on, dict):
            depends_on = {}
        for link in service.get('links') or []:
            parts = str(link).split(':')
            target = parts[0] if len(parts) == 2 else str(link)
            if target not in depends_on:
                depends_on[target] = {'condition': 'service_started', 'restart': True, 'required': True}
        for namespace in ('network_mode', 'ipc', 'pid', 'uts', 'cgroup'):
            ref = service.get(namespace)
            if isinstance(ref, str) and ref.startswith('service:'):
                shared = ref[len('service:'):]
                if shared not in depends_on:
                    depends_on[shared] = {'condition': 'service_started', 'restart': True, 'required': True}
        for vol in service.get('volumes_from') or []:
            vol = str(vol)
            if not vol.startswith('container:'):
                name = vol.split(':')[0]
                if name not in depends_on:
                    depends_on[name] = {'condition': 'service_started', 'restart': False, 'required': True}
        if depends_on:
            service['depends_on'] = depends_on
    for kind in ('networks', 'volumes', 'configs', 'secrets'):
        resources = model.get(kind)
        if not isinstance(resources, dict):
            continue
        for key, resource in list(resources.items()):
            if resource is None:
                resource = {}
            if resource.get('name') is None:
                if 'external' in resource and is_true(resource['external']):
                    resource['name'] = key
                else:
                    resource['name'] = '%s_%s' % (model['name'], key)
            resources[key] = resource
    return model
