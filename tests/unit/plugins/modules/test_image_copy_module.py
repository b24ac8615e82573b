# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The image_copy module's main(): check mode, copies between two engines, failures."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.docker import module as docker_module
from ansible_collections.dockyard.azure.plugins.modules import image_copy as image_copy_module
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.docker.fake_engine import FakeEngine


def test_image_copy_check_mode_plans_without_writing(run_module, monkeypatch):
    class Engine:
        def __init__(self, images):
            self.images = images
            self.writes = []

        def inspect_image(self, ref):
            if ref in self.images:
                return {'Id': self.images[ref]}
            error = Exception('not found')
            error.response = type('R', (), {'status_code': 404})()
            raise error

        def get_image(self, *args, **kwargs):
            self.writes.append('save')

        def load_image(self, *args, **kwargs):
            self.writes.append('load')

    source = Engine({'a:1': 'sha256:1', 'b:1': 'sha256:2', 'sha256:1': 'sha256:1', 'sha256:2': 'sha256:2'})
    target = Engine({'b:1': 'sha256:2', 'sha256:2': 'sha256:2'})
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: target if 'images' in params else source)
    result = run_module(image_copy_module.main, {'images': ['a:1', 'b:1'], '_ansible_check_mode': True})
    assert result['changed'] is True
    assert result['copied'] == ['a:1'] and result['already_present'] == ['b:1']
    assert source.writes == [] and target.writes == []


def test_copies_between_two_engines_and_reports_failures_with_what_was_done(run_module, monkeypatch):
    source, target = FakeEngine(), FakeEngine()
    source.add_image('app/web:1.4')
    source.add_image('app/db:2')
    engines = {'tcp://source:2375': source, 'tcp://target:2375': target}
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: engines[params['docker_host']].client())
    args = {'images': ['app/web:1.4'], 'docker_host': 'tcp://target:2375', 'source': {'docker_host': 'tcp://source:2375'}}
    result = run_module(image_copy_module.main, args)
    assert result['changed'] is True and result['copied'] == ['app/web:1.4']
    assert target.images.keys() & source.images.keys()
    target.fail[('POST', '/images/load')] = (500, 'disk full')
    result = run_module(image_copy_module.main, dict(args, images=['app/web:1.4', 'app/db:2']))
    assert result['failed'] is True and result['msg'] == 'load image app/db:2 on the target engine: disk full'
    assert result['already_present'] == ['app/web:1.4'] and result['copied'] == []


def test_bad_source_connection_names_the_option(run_module):
    result = run_module(image_copy_module.main, {'images': ['x'], 'source': {'docker_host': 'ftp://nowhere'}})
    assert result['failed'] is True and result['option'] == 'source'
    assert result['msg'] == 'source: docker_host must start with unix://, tcp:// or ssh:// (got ftp://nowhere)'
