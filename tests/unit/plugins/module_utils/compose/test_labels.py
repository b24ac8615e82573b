# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The labels Compose puts on containers, networks and volumes, and the project paths they record."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels as L
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.compose.models import load


def test_depends_on_label_like_compose():
    model = load('hashproj.model.json')
    expected = load('hashproj.labels.json')
    for name, service in model['services'].items():
        assert L.depends_on_label(service) == expected['services'][name][L.DEPENDS_ON]


def test_project_paths(tmp_path):
    (tmp_path / 'compose.yaml').write_text('services: {}\n')
    (tmp_path / 'compose.override.yaml').write_text('services: {}\n')
    (tmp_path / '.env').write_text('A=1\n')
    working_dir, files, env_files = L.project_paths(str(tmp_path))
    assert working_dir == str(tmp_path)
    assert files == [str(tmp_path / 'compose.yaml'), str(tmp_path / 'compose.override.yaml')]
    assert env_files == [str(tmp_path / '.env')]
    _run, files, env_files = L.project_paths(str(tmp_path), ['a.yml'], ['x.env'])
    assert files == [str(tmp_path / 'a.yml')] and env_files == [str(tmp_path / 'x.env')]


def test_container_labels_carry_the_services_own_and_composes():
    service = {'labels': {'team': 'web', 'empty': None}, 'depends_on': {'db': {'condition': 'service_started'}}}
    labels = L.container_labels('app', 'web', service, 2, 'hash1', 'sha256:abc',
                                {'working_dir': '/srv/app', 'config_files': ['/srv/app/a.yaml', '/srv/app/b.yaml'],
                                 'environment_files': ['/srv/app/.env']})
    assert labels == {
        'team': 'web', 'empty': '',
        L.PROJECT: 'app', L.SERVICE: 'web', L.CONTAINER_NUMBER: '2', L.ONEOFF: 'False', L.CONFIG_HASH: 'hash1',
        L.VERSION: L.COMPOSE_VERSION, L.DEPENDS_ON: 'db:service_started:false', L.IMAGE: 'sha256:abc',
        L.WORKING_DIR: '/srv/app', L.CONFIG_FILES: '/srv/app/a.yaml,/srv/app/b.yaml',
        L.ENVIRONMENT_FILE: '/srv/app/.env',
    }
    # Compose's own labels win over a service label of the same name
    assert L.container_labels('app', 'web', {'labels': {L.PROJECT: 'other'}}, 1, 'h', None, {})[L.PROJECT] == 'app'


def test_network_and_volume_labels():
    assert L.network_labels('app', 'front', {'labels': {'x': 1}}, 'h') == {
        'x': '1', L.PROJECT: 'app', L.NETWORK: 'front', L.VERSION: L.COMPOSE_VERSION, L.CONFIG_HASH: 'h'}
    assert L.volume_labels('app', 'data', {}, 'h') == {
        L.PROJECT: 'app', L.VOLUME: 'data', L.VERSION: L.COMPOSE_VERSION, L.CONFIG_HASH: 'h'}


def test_container_name_is_project_service_number_unless_fixed():
    assert L.container_name('app', 'web', 3) == 'app-web-3'
    assert L.container_name('app', 'web', 1, {'container_name': 'frontend'}) == 'frontend'


def test_project_paths_without_a_directory(tmp_path):
    (tmp_path / 'docker-compose.yml').write_text('services: {}\n')
    assert L.project_paths(None, ['docker-compose.yml'], None, cwd=str(tmp_path)) == (
        str(tmp_path), [str(tmp_path / 'docker-compose.yml')], [])
    assert L.project_paths(cwd=str(tmp_path)) == (str(tmp_path), [], [])
