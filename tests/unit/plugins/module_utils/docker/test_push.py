# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""image_push's manager: a fake engine that pushes to a fake registry, both behind the SDK's and requests' transports."""

from __future__ import annotations

import os

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.docker import push as push_module
from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerContext
from ansible_collections.dockyard.azure.plugins.module_utils.docker.push import ImagePushError, ImagePushManager, parse_images
from ansible_collections.dockyard.azure.plugins.module_utils.registry import client as client_module
from ansible_collections.dockyard.azure.plugins.module_utils.registry.client import RegistryAuthError
from ansible_collections.dockyard.azure.plugins.module_utils.registry.trust import RegistryTrustError
from ansible_collections.dockyard.azure.tests.unit.utils.fake_registry import FakeRegistry, PushingEngine, digest_of

SERVER = 'myregistry.azurecr.io'
PEM = b'-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'


@pytest.fixture
def registry(monkeypatch):
    fake = FakeRegistry(SERVER)
    monkeypatch.setattr(client_module, 'new_session', fake.session)
    return fake


@pytest.fixture
def engine(registry):
    fake = PushingEngine(registry)
    fake.web = fake.add_image('app/web:1.4', layers=('base', 'web'))
    fake.api = fake.add_image('app/api:2', layers=('base', 'api'))
    return fake


def push(engine, images, check_mode=False, **params):
    client = engine.client()
    ctx = DockerContext(connect=lambda: client, connect_to=lambda p, o=None: client, check_mode=check_mode)
    options = dict(registry=SERVER, images=images, username='myregistry', password='secret-1', registry_ca_cert=None,
                   certs_dir=None)
    options.update(params)
    return ImagePushManager(ctx, options).run()


def pushes(engine):
    return [call for call in engine.writes() if call[1].endswith('/push')]


def test_image_items_from_strings_and_dicts():
    by_id = {'source': 'sha256:' + 'a' * 64, 'repository': 'x/y', 'tags': ['1', 2]}
    items = parse_images(['app/web:1.4', 'reg.example:5000/team/tool', by_id])
    assert [(i.source, i.repository, i.tags) for i in items] == [
        ('app/web:1.4', 'app/web', ['1.4']), ('reg.example:5000/team/tool', 'team/tool', ['latest']),
        ('sha256:' + 'a' * 64, 'x/y', ['1', '2'])]


@pytest.mark.parametrize('images, text', [
    ([], 'images: give at least one image'),
    ([{'repository': 'x'}], 'images[0]: give a local image'),
    (['ok:1', {'source': 'abcdef012345'}], 'images[1].repository is required when the source is an image ID'),
    ([{'source': 'a:1', 'repository': 'App/Web'}], "images[0].repository: 'App/Web' is not a valid repository"),
    ([{'source': 'a:1', 'tag': '1'}], 'images[0]: unknown key(s) tag'),
])
def test_bad_images_are_refused_naming_the_item(images, text):
    with pytest.raises(ImagePushError) as refused:
        parse_images(images)
    assert refused.value.msg.startswith(text) and refused.value.option == 'images'


def test_first_push_uploads_every_layer_and_a_second_run_pushes_nothing(engine, registry):
    first = push(engine, ['app/web:1.4'])
    image = first['images'][0]
    assert first['changed'] is True and first['registry'] == SERVER
    assert image['digests'] == {'1.4': digest_of(engine.web)} and image['pushed_tags'] == ['1.4']
    assert (image['layers_pushed'], image['layers_skipped']) == (2, 0)
    assert image['reference'] == SERVER + '/app/web:1.4'
    assert engine.push_auth == [{'username': 'myregistry', 'password': 'secret-1'}]

    second = push(engine, ['app/web:1.4'])
    assert second['changed'] is False and second['images'][0]['pushed_tags'] == []
    assert len(pushes(engine)) == 1  # the registry serves a digest the image has: no push at all


def test_a_new_tag_and_a_second_image_upload_only_missing_layers(engine, registry):
    push(engine, ['app/web:1.4'])
    again = push(engine, [{'source': 'app/web:1.4', 'tags': ['1.4', 'latest']}, 'app/api:2'])
    web, api = again['images']
    assert web['pushed_tags'] == ['latest'] and (web['layers_pushed'], web['layers_skipped']) == (0, 2)
    assert api['pushed_tags'] == ['2'] and (api['layers_pushed'], api['layers_skipped']) == (1, 1)
    assert again['changed'] is True


def test_a_tag_moved_by_someone_else_is_pushed_back(engine, registry):
    push(engine, ['app/web:1.4'])
    registry.manifests[('app/web', '1.4')] = 'sha256:' + 'f' * 64
    again = push(engine, ['app/web:1.4'])
    assert again['changed'] is True and again['images'][0]['digests']['1.4'] == digest_of(engine.web)


def test_check_mode_reads_only(engine, registry):
    planned = push(engine, ['app/web:1.4'], check_mode=True)
    assert planned['changed'] is True and planned['images'][0]['pushed_tags'] == ['1.4']
    assert planned['images'][0]['digests'] == {'1.4': None}
    assert engine.writes() == [] and registry.manifests == {} and registry.blobs == set()


def test_wrong_credentials_fail_before_the_engine_is_touched(engine, registry):
    with pytest.raises(RegistryAuthError) as refused:
        push(engine, ['app/web:1.4'], password='wrong')
    assert refused.value.msg.startswith("registry %s refused the credentials of user 'myregistry'" % SERVER)
    assert engine.calls == []


def test_missing_local_image_names_the_item(engine, registry):
    with pytest.raises(ImagePushError) as missing:
        push(engine, ['app/web:1.4', 'app/none:1'])
    assert missing.value.msg == 'images[1]: app/none:1 is not an image of the local engine (build or pull it first)'


def test_ca_is_in_certs_d_for_the_push_only(engine, registry, tmp_path, monkeypatch):
    ca = tmp_path / 'ca.pem'
    ca.write_bytes(PEM)
    certs = tmp_path / 'certs.d'
    seen = []
    original = PushingEngine._push

    def spying_push(self, query, body, name):
        seen.append(os.path.exists(certs / SERVER / 'ca.crt'))
        return original(self, query, body, name)

    monkeypatch.setattr(PushingEngine, '_ROUTES', [(k, spying_push if h is original else h) for k, h in PushingEngine._ROUTES])
    push(engine, ['app/web:1.4'], registry_ca_cert=str(ca), certs_dir=str(certs))
    assert seen == [True]
    assert not (certs / SERVER).exists()
    with pytest.raises(RegistryTrustError) as unreadable:
        push(engine, ['app/api:2'], registry_ca_cert=str(tmp_path / 'nope.pem'), certs_dir=str(certs))
    assert unreadable.value.option == 'registry_ca_cert'


def test_check_mode_and_an_unchanged_run_write_no_certs_d_entry(engine, registry, tmp_path, monkeypatch):
    ca = tmp_path / 'ca.pem'
    ca.write_bytes(PEM)
    certs = tmp_path / 'certs.d'
    entered = []
    original = push_module.CertsDirEntry.__enter__

    def spying_enter(self):
        entered.append(self.path)
        return original(self)

    monkeypatch.setattr(push_module.CertsDirEntry, '__enter__', spying_enter)
    planned = push(engine, ['app/web:1.4'], check_mode=True, registry_ca_cert=str(ca), certs_dir=str(certs))
    assert planned['changed'] is True and entered == [] and not certs.exists()
    push(engine, ['app/web:1.4'], registry_ca_cert=str(ca), certs_dir=str(certs))
    assert entered == [str(certs / SERVER / 'ca.crt')]
    unchanged = push(engine, ['app/web:1.4'], registry_ca_cert=str(ca), certs_dir=str(certs))
    assert unchanged['changed'] is False and len(entered) == 1 and not (certs / SERVER).exists()


def test_registry_option_and_credentials_checked_first(engine):
    with pytest.raises(ImagePushError) as bad:
        push(engine, ['app/web:1.4'], registry='myregistry.azurecr.io/app')
    assert bad.value.option == 'registry'
    with pytest.raises(ImagePushError) as half:
        push(engine, ['app/web:1.4'], password=None)
    assert half.value.msg == 'username and password go together'
    assert engine.calls == []
