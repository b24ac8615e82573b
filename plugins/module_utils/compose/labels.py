# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The labels Compose puts on containers, networks and volumes (pure; private to dockyard.azure)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.compose._paths import find_default_files

PREFIX = 'com.docker.compose.'
PROJECT = PREFIX + 'project'
SERVICE = PREFIX + 'service'
CONTAINER_NUMBER = PREFIX + 'container-number'
ONEOFF = PREFIX + 'oneoff'
CONFIG_HASH = PREFIX + 'config-hash'
WORKING_DIR = PREFIX + 'project.working_dir'
CONFIG_FILES = PREFIX + 'project.config_files'
ENVIRONMENT_FILE = PREFIX + 'project.environment_file'
VERSION = PREFIX + 'version'
DEPENDS_ON = PREFIX + 'depends_on'
IMAGE = PREFIX + 'image'
NETWORK = PREFIX + 'network'
VOLUME = PREFIX + 'volume'

# The Compose version we claim in com.docker.compose.version: the reference CLI we verify against.
COMPOSE_VERSION = '2.40.3'


def project_paths(project_src: str | None = None, files: Sequence[str] | None = None,
                  env_files: Sequence[str] | None = None, cwd: str | None = None) -> tuple[str, list[str], list[str]]:
    """Working directory, config files and environment files as Compose records them.

    Returns ``(working_dir, config_files, environment_files)`` with absolute paths.
    """
    cwd = cwd or os.getcwd()
    base = os.path.abspath(os.path.join(cwd, project_src)) if project_src else None
    config_files = []
    if files:
        config_files = [os.path.abspath(os.path.join(base or cwd, f)) for f in files]
    elif base:
        config_files = find_default_files(base)
    working_dir = base or (os.path.dirname(config_files[0]) if config_files else cwd)
    if env_files:
        environment_files = [os.path.abspath(os.path.join(working_dir, f)) for f in env_files]
    else:
        dot_env = os.path.join(working_dir, '.env')
        environment_files = [dot_env] if os.path.isfile(dot_env) else []
    return working_dir, config_files, environment_files


def depends_on_label(service):
    """``db:service_healthy:false,...`` (service:condition:restart), sorted by service."""
    items = []
    for name in sorted(service.get('depends_on') or {}):
        dep = service['depends_on'][name] or {}
        items.append('%s:%s:%s' % (name, dep.get('condition', 'service_started'),
                                   'true' if dep.get('restart') else 'false'))
    return ','.join(items)


def container_labels(project: str, service_name: str, service: Mapping[str, Any], number: int, config_hash: str,
                     image_id: str | None, meta: Mapping[str, Any]) -> dict[str, str]:
    """All labels of a service container: the service's own labels plus Compose's."""
    labels = {}
    for key, value in (service.get('labels') or {}).items():
        labels[key] = '' if value is None else str(value)
    labels.update({
        PROJECT: project,
        SERVICE: service_name,
        CONTAINER_NUMBER: str(number),
        ONEOFF: 'False',
        CONFIG_HASH: config_hash,
        VERSION: COMPOSE_VERSION,
        DEPENDS_ON: depends_on_label(service),
        IMAGE: image_id or '',
        WORKING_DIR: meta.get('working_dir') or '',
        CONFIG_FILES: ','.join(meta.get('config_files') or []),
    })
    if meta.get('environment_files'):
        labels[ENVIRONMENT_FILE] = ','.join(meta['environment_files'])
    return labels


def network_labels(project, key, network, config_hash):
    labels = {k: str(v) for k, v in (network.get('labels') or {}).items()}
    labels.update({PROJECT: project, NETWORK: key, VERSION: COMPOSE_VERSION, CONFIG_HASH: config_hash})
    return labels


def volume_labels(project, key, volume, config_hash):
    labels = {k: str(v) for k, v in (volume.get('labels') or {}).items()}
    labels.update({PROJECT: project, VOLUME: key, VERSION: COMPOSE_VERSION, CONFIG_HASH: config_hash})
    return labels


def container_name(project, service_name, number, service=None):
    if service and service.get('container_name'):
        return service['container_name']
    return '%s-%s-%d' % (project, service_name, number)
