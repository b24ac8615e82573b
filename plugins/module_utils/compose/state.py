# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a Compose project's state from a Docker engine (private to dockyard.azure).

Reads only, through the ``docker.APIClient`` it is handed: the observed state the planner
compares with the model, and the descriptions compose and compose_info return.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels as L
from ansible_collections.dockyard.azure.plugins.module_utils.compose import spec
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import EngineError
from ansible_collections.dockyard.azure.plugins.module_utils.compose.types import (
    DuplicateNetwork,
    Model,
    ObservedContainer,
    ObservedNetwork,
    ObservedState,
)
from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import error_text, is_not_found
from ansible_collections.dockyard.azure.plugins.module_utils.docker.images import normalize_ref

_EXIT_RE = re.compile(r'^Exited \((-?\d+)\)')


def parse_container(summary: dict[str, Any]) -> ObservedContainer:
    """Observed-state record from one ``GET /containers/json`` entry (pure)."""
    labels = summary.get('Labels') or {}
    status = summary.get('Status') or ''
    health = None
    if '(healthy)' in status:
        health = 'healthy'
    elif '(unhealthy)' in status:
        health = 'unhealthy'
    elif '(health: starting)' in status:
        health = 'starting'
    exit_code = None
    match = _EXIT_RE.match(status)
    if match:
        exit_code = int(match.group(1))
    try:
        number = int(labels.get(L.CONTAINER_NUMBER) or 0)
    except ValueError:
        number = 0
    names = summary.get('Names') or ['/']
    return {
        'id': summary.get('Id') or '',
        'name': names[0].lstrip('/'),
        'service': labels.get(L.SERVICE),
        'number': number,
        'oneoff': labels.get(L.ONEOFF, 'False') == 'True',
        'config_hash': labels.get(L.CONFIG_HASH),
        'image_label': labels.get(L.IMAGE),
        'image': summary.get('Image'),
        'state': summary.get('State') or '',
        'status': status,
        'health': health,
        'exit_code': exit_code,
        'networks': sorted(((summary.get('NetworkSettings') or {}).get('Networks') or {}).keys()),
        'ports': [{k: p.get(k) for k in ('IP', 'PrivatePort', 'PublicPort', 'Type') if k in p}
                  for p in summary.get('Ports') or []],
        'labels': labels,
    }


def observe(client: Any, project: str, model: Model | None = None, with_images: bool = True) -> ObservedState:
    """The project's containers, networks and volumes (and, with_images, the IDs of its images) on the engine."""
    try:
        containers = client.containers(all=True, filters={'label': '%s=%s' % (L.PROJECT, project)})
        networks = client.networks()
        volumes = (client.volumes() or {}).get('Volumes') or []
    except Exception as exc:  # pylint: disable=broad-except
        raise EngineError('cannot read the state of project %s: %s' % (project, error_text(exc))) from exc
    model = model or {}
    wanted_nets = {(n or {}).get('name') or k for k, n in (model.get('networks') or {}).items()}
    wanted_vols = {(v or {}).get('name') or k for k, v in (model.get('volumes') or {}).items()}
    kept, duplicates = _networks_by_name(client, [n for n in networks if (n.get('Labels') or {}).get(L.PROJECT) == project
                                                  or n['Name'] in wanted_nets])
    observed: ObservedState = {
        'containers': [parse_container(c) for c in containers],
        'networks': kept,
        'volumes': {v['Name']: {'labels': v.get('Labels') or {}} for v in volumes
                    if (v.get('Labels') or {}).get(L.PROJECT) == project or v['Name'] in wanted_vols},
        'images': {},
        'duplicate_networks': duplicates,
    }
    if with_images:
        observed['images'] = observe_images(client, project, model)
    return observed


def _networks_by_name(client: Any, networks: list[dict[str, Any]]) -> tuple[dict[str, ObservedNetwork], list[DuplicateNetwork]]:
    """One network per name, and the others of the same name (Docker allows duplicate names; a race makes them).

    Of several networks with one name the one kept is the one with the most containers, then the oldest:
    the others are inspected (the listing does not say which containers they have) and returned apart.
    """
    grouped: dict[str, list[dict[str, Any]]] = {}
    for network in networks:
        grouped.setdefault(network['Name'], []).append(network)
    kept: dict[str, ObservedNetwork] = {}
    duplicates: list[DuplicateNetwork] = []
    for name, found in grouped.items():
        if len(found) > 1:
            detailed = []
            for network in found:
                try:
                    detailed.append(client.inspect_network(network['Id']))
                except Exception as exc:  # pylint: disable=broad-except
                    if not is_not_found(exc):  # removed meanwhile: not a duplicate any more
                        raise EngineError('cannot inspect network %s: %s' % (network['Id'][:12], error_text(exc))) from exc
            found = sorted(detailed, key=lambda n: (-len(n.get('Containers') or {}), n.get('Created') or '', n['Id']))
        first = found[0]
        kept[name] = {'id': first.get('Id'), 'labels': first.get('Labels') or {}}
        for other in found[1:]:
            duplicates.append({'name': name, 'id': other['Id'], 'labels': other.get('Labels') or {},
                               'containers': sorted((other.get('Containers') or {}).keys())})
    return kept, duplicates


def observe_images(client: Any, project: str, model: Model) -> dict[str, str | None]:
    """The image ID (or None) of every image reference the services run."""
    refs = set()
    for name, service in (model.get('services') or {}).items():
        refs.add(spec.image_ref(project, name, service))
    if not refs:
        return {}
    try:
        listing = client.images()
    except Exception as exc:  # pylint: disable=broad-except
        raise EngineError('cannot list images: %s' % error_text(exc)) from exc
    by_tag = {}
    for image in listing:
        for tag in image.get('RepoTags') or []:
            by_tag[tag] = image['Id']
        for digest in image.get('RepoDigests') or []:
            by_tag[digest] = image['Id']
    result = {}
    for ref in refs:
        image_id = by_tag.get(normalize_ref(ref)) or by_tag.get(ref)
        if image_id is None:
            try:
                image_id = client.inspect_image(ref).get('Id')
            except Exception as exc:  # pylint: disable=broad-except
                if not is_not_found(exc):
                    raise EngineError('cannot inspect image %s: %s' % (ref, error_text(exc))) from exc
        result[ref] = image_id
    return result


def describe(client: Any, project: str, service_names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Services with their containers, state, health and published ports (reads only)."""
    containers = observe(client, project, with_images=False)['containers']
    services: dict[Any, list[ObservedContainer]] = {}  # keyed by the service label (None on foreign containers)
    for name in service_names or []:
        services[name] = []
    for c in containers:
        if c['oneoff']:
            continue
        services.setdefault(c['service'], []).append(c)
    result = []
    for name in sorted(services):
        items = sorted(services[name], key=lambda c: c['number'])
        states = sorted({c['state'] for c in items})
        result.append({
            'name': name,
            'state': states[0] if len(states) == 1 else ('none' if not states else 'mixed'),
            'containers': [{'name': c['name'], 'id': c['id'], 'number': c['number'], 'state': c['state'],
                            'status': c['status'], 'health': c['health'], 'image': c['image'],
                            'exit_code': c['exit_code'],
                            'ports': [_port_text(p) for p in c['ports']],
                            'publishers': c['ports']} for c in items],
        })
    return result


def _port_text(port):
    if port.get('PublicPort'):
        return '%s:%s->%s/%s' % (port.get('IP') or '', port['PublicPort'], port.get('PrivatePort'),
                                 port.get('Type') or 'tcp')
    return '%s/%s' % (port.get('PrivatePort'), port.get('Type') or 'tcp')


def list_projects(client: Any) -> list[dict[str, Any]]:
    """Compose projects on an engine, from container labels (reads only)."""
    try:
        containers = client.containers(all=True, filters={'label': L.PROJECT})
    except Exception as exc:  # pylint: disable=broad-except
        raise EngineError('cannot list containers: %s' % error_text(exc)) from exc
    projects: dict[Any, dict[str, Any]] = {}
    for summary in containers:
        c = parse_container(summary)
        labels = c['labels']
        name = labels.get(L.PROJECT)
        proj = projects.setdefault(name, {'name': name, 'states': {}, 'services': set(), 'config_files': '',
                                          'working_dir': ''})
        proj['states'][c['state']] = proj['states'].get(c['state'], 0) + 1
        if not c['oneoff']:
            proj['services'].add(c['service'])
        proj['config_files'] = proj['config_files'] or labels.get(L.CONFIG_FILES, '')
        proj['working_dir'] = proj['working_dir'] or labels.get(L.WORKING_DIR, '')
    result = []
    for name in sorted(projects):
        proj = projects[name]
        result.append({
            'name': name,
            'status': ', '.join('%s(%d)' % (state, count) for state, count in sorted(proj['states'].items())),
            'services': sorted(proj['services']),
            'config_files': [f for f in proj['config_files'].split(',') if f],
            'working_dir': proj['working_dir'],
        })
    return result
