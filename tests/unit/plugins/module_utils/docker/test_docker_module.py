# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DockerModule.context(): what managers get (the funnel itself is tested in test_base_module.py)."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.docker import module as docker_module
from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerContext, DockerModule


def test_context_connects_on_first_use_once_and_carries_the_modes(run_module, monkeypatch):
    built = []
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: built.append(dict(params)) or object())
    seen = {}

    def main():
        module = DockerModule(argument_spec={}, supports_check_mode=True)
        context = module.context()
        seen.update(check_mode=context.check_mode, diff=context.diff, built_before=len(built))
        seen['same'] = context.client is context.client
        context.warn('careful')
        other = context.client_for({'docker_host': 'tcp://10.0.0.5:2376'}, 'source')
        seen['other'] = other is not context.client
        module.exit_json(changed=False)

    result = run_module(main, {'docker_host': 'unix:///run/x.sock', '_ansible_check_mode': True, '_ansible_diff': True})
    assert seen == {'check_mode': True, 'diff': True, 'built_before': 0, 'same': True, 'other': True}
    assert [params['docker_host'] for params in built] == ['unix:///run/x.sock', 'tcp://10.0.0.5:2376']
    # ansible-core 2.19+ returns warning objects, older versions plain strings
    assert [w if isinstance(w, str) else w['event']['msg'] for w in result['warnings']] == ['careful']


def test_a_bare_context_ignores_warnings():
    context = DockerContext(connect=lambda: 'client', connect_to=lambda params, option=None: 'other')
    context.warn('nobody listens')
    assert (context.client, context.client_for({}), context.check_mode, context.diff) == ('client', 'other', False, False)
