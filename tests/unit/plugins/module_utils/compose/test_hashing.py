# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Configuration hashes: equal to the com.docker.compose.config-hash labels the Compose CLI puts.

Fixtures are models printed by the reference CLI (``docker compose config --format json``,
Compose 2.40.3) and the labels that CLI put on the containers, networks and volumes it created.
"""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.compose import hashing, planner
from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels as L
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.compose.models import HASHPROJ_WEB_ID, load


def test_hashes_equal_the_labels_compose_put():
    model = load('hashproj.model.json')
    expected = load('hashproj.labels.json')
    for name in ('db', 'web'):
        assert hashing.service_hash(model['services'][name]) == \
            expected['services'][name][L.CONFIG_HASH], name
    worker = planner.resolve_references(model['services']['worker'], {'web': HASHPROJ_WEB_ID})
    assert hashing.service_hash(worker) == expected['services']['worker'][L.CONFIG_HASH]
    for key in ('front', 'back'):
        assert hashing.network_hash(model['networks'][key]) == expected['networks'][key][L.CONFIG_HASH]
    assert hashing.volume_hash(model['volumes']['data']) == expected['volumes']['data'][L.CONFIG_HASH]


def test_hash_ignores_key_order_of_the_model():
    model = load('hashproj.model.json')
    service = model['services']['web']
    shuffled = dict(reversed(list(service.items())))
    shuffled['ulimits'] = dict(reversed(list(service['ulimits'].items())))
    assert hashing.service_hash(shuffled) == hashing.service_hash(service)


def test_hash_ignores_scale_profiles_depends_on_and_pull_policy():
    service = load('hashproj.model.json')['services']['web']
    changed = dict(service, scale=5, profiles=['x'], pull_policy='always', depends_on={})
    assert hashing.service_hash(changed) == hashing.service_hash(service)
    assert hashing.service_hash(dict(service, environment={'A': '1'})) != hashing.service_hash(service)


def test_go_json_escapes_like_go():
    assert hashing.go_json({'a': '<&>', 'n': 1.0, 'f': 0.5}) == '{"a":"\\u003c\\u0026\\u003e","n":1,"f":0.5}'
