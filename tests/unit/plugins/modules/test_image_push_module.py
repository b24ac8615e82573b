# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""image_push through main() (the manager: docker/test_push.py)."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.docker import module as docker_module
from ansible_collections.dockyard.azure.plugins.module_utils.registry import client as client_module
from ansible_collections.dockyard.azure.plugins.modules import image_push
from ansible_collections.dockyard.azure.tests.unit.utils.fake_registry import FakeRegistry, PushingEngine


def test_push_then_nothing_and_the_password_stays_out_of_the_result(run_module, monkeypatch):
    registry = FakeRegistry('10.199.3.1:40123', users={'myregistry': 'secret-1'})
    engine = PushingEngine(registry)
    engine.add_image('app/web:1.4')
    monkeypatch.setattr(client_module, 'new_session', registry.session)
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: engine.client())
    args = {'registry': '10.199.3.1:40123', 'images': ['app/web:1.4'], 'username': 'myregistry', 'password': 'secret-1'}
    first = run_module(image_push.main, args)
    assert first['changed'] is True and first['images'][0]['layers_pushed'] == 2
    assert 'secret-1' not in str(first)
    second = run_module(image_push.main, args)
    assert second['changed'] is False
    refused = run_module(image_push.main, dict(args, password='wrong'))
    assert refused['failed'] is True and refused['option'] == 'password'
    assert refused['msg'].startswith("registry 10.199.3.1:40123 refused the credentials of user 'myregistry'")
    half = run_module(image_push.main, {'registry': 'r.example', 'images': ['a:1'], 'username': 'u'})
    assert half['failed'] is True and 'username, password' in half['msg']
