# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of a Compose run: the compose module's combinations and the planner's own checks."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import options
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeOptionError, PlanError


@pytest.mark.parametrize('params,option,message', [
    ({'project_name': 'x'}, 'state',
     'state=present needs project_src, files or definition; project_name alone is enough only with state=absent'),
    ({'definition': {'services': {}}, 'scale': {'web': -1}}, 'scale', "scale.web must be a number of containers (0 or more), got -1"),
    ({'definition': {'services': {}}, 'scale': {'web': 'many'}}, 'scale',
     "scale.web must be a number of containers (0 or more), got 'many'"),
    ({'definition': {'services': {}}, 'remove_volumes': True}, 'remove_volumes',
     'remove_volumes and remove_images apply to state=absent only'),
    ({'definition': {'services': {}}, 'remove_images': 'local', 'state': 'stopped'}, 'remove_images',
     'remove_volumes and remove_images apply to state=absent only'),
    ({'project_src': '/nonexistent/dir'}, 'project_src', 'project_src: /nonexistent/dir is not a directory'),
    ({'definition': {'services': {}}, 'registries': [{'server': 'r.example', 'username': 'u'}]}, 'registries',
     'registries[0] needs server, username and password'),
])
def test_bad_combinations_name_their_option(params, option, message):
    with pytest.raises(ComposeOptionError) as info:
        options.ComposeRequest.from_params(params)
    assert info.value.option == option
    assert info.value.msg == message


def test_a_good_request_and_what_it_asks_of_the_loader_and_planner(tmp_path):
    params = {'project_src': str(tmp_path), 'profiles': ['debug'], 'environment': {'A': 1}, 'scale': {'web': '2'},
              'state': 'restarted', 'recreate': 'always', 'docker_host': 'unix:///x.sock'}
    request = options.ComposeRequest.from_params(params)
    assert request.has_source and request.wait_timeout == 300
    assert request.load_arguments() == dict(project_dir=str(tmp_path), files=None, content=None, project_name=None,
                                            env_files=None, environment={'A': 1}, profiles=['debug'], services=None)
    assert request.load_arguments(profiles=['*'])['profiles'] == ['*']
    planned = request.plan_options(['web', 'db'])
    assert planned['state'] == 'restarted' and planned['recreate'] == 'always' and planned['scale'] == {'web': '2'}
    assert planned['all_service_names'] == ['web', 'db'] and planned['pull'] == 'policy'


def test_absent_by_name_only_is_fine():
    request = options.ComposeRequest.from_params({'project_name': 'old', 'state': 'absent', 'remove_volumes': True})
    assert not request.has_source


def test_plan_options_fill_defaults_and_check_values():
    assert options.plan_options(None) == options.DEFAULT_OPTIONS
    assert options.plan_options({'state': 'absent', 'scale': None})['scale'] is None
    with pytest.raises(PlanError, match='state must be one of present, stopped, restarted, absent') as info:
        options.plan_options({'state': 'gone'})
    assert info.value.option == 'state'
    with pytest.raises(PlanError, match='recreate must be one of auto, always, never'):
        options.plan_options({'recreate': 'sometimes'})


def test_project_src_with_a_compose_file_and_a_definition_say_which_wins(tmp_path):
    """Issue 11: both given used to be accepted silently (the definition won, the directory's file was ignored)."""
    (tmp_path / 'compose.yaml').write_text('services: {}\n')
    with pytest.raises(ComposeOptionError) as info:
        options.ComposeRequest.from_params({'project_src': str(tmp_path), 'definition': {'services': {}}})
    assert info.value.option == 'definition'
    assert 'project_src' in info.value.msg and 'compose.yaml' in info.value.msg


def test_definition_with_a_project_src_without_compose_file_uses_it_as_working_directory(tmp_path):
    request = options.ComposeRequest.from_params({'project_src': str(tmp_path), 'definition': {'services': {}}})
    assert request.load_arguments()['project_dir'] == str(tmp_path)


@pytest.mark.parametrize('name', ['../../x', 'My App', 'a/b', '-x', ''])
def test_project_name_is_checked_before_anything_even_for_state_absent(name):
    with pytest.raises(ComposeOptionError) as info:
        options.ComposeRequest.from_params({'project_name': name, 'state': 'absent'})
    assert info.value.option == 'project_name' and repr(name) in info.value.msg


def test_registry_credentials_by_host():
    request = options.ComposeRequest.from_params({'definition': {'services': {}}, 'registries': [
        {'server': 'https://myregistry.azurecr.io/', 'username': 'myregistry', 'password': 'p1'},
        {'server': '10.199.3.1:40123', 'username': '00000000-0000-0000-0000-000000000000', 'password': 'refresh'}]})
    assert request.registry_auth() == {
        'myregistry.azurecr.io': {'username': 'myregistry', 'password': 'p1'},
        '10.199.3.1:40123': {'username': '00000000-0000-0000-0000-000000000000', 'password': 'refresh'}}
