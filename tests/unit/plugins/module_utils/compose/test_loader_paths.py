# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The loader's paths that depend on the machine: PWD from the working directory, symbolic links of develop.watch.

(The differential corpus cannot hold symbolic links or a second working directory, so these are here.)
"""

from __future__ import annotations

import os

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose.loader import ComposeError, load_project

COMPOSE = """
services:
  app:
    image: busybox
    environment:
      - HERE=${PWD}
      - PWD
"""


def _project(tmp_path, text):
    project = tmp_path / 'project'
    project.mkdir()
    (project / 'compose.yaml').write_text(text)
    return project


def test_pwd_falls_back_to_the_process_working_directory_not_the_project(tmp_path, monkeypatch):
    project = _project(tmp_path, COMPOSE)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    env = load_project(project_dir=str(project), environment={'HOME': '/home/u'})['services']['app']['environment']
    assert env == {'HERE': str(elsewhere), 'PWD': str(elsewhere)}


def test_pwd_of_the_environment_wins(tmp_path):
    project = _project(tmp_path, COMPOSE)
    env = load_project(project_dir=str(project), environment={'PWD': '/given'})['services']['app']['environment']
    assert env == {'HERE': '/given', 'PWD': '/given'}


def _watch(tmp_path, *paths):
    text = 'services:\n  app:\n    image: busybox\n    develop:\n      watch:\n'
    for path in paths:
        text += '        - path: %s\n          action: rebuild\n' % path
    return _project(tmp_path, text)


def test_watch_paths_resolve_the_symbolic_links_of_their_existing_part(tmp_path):
    real = tmp_path / 'real'
    (real / 'inner').mkdir(parents=True)
    project = _watch(tmp_path, 'link', 'link/inner', 'link/missing/deeper', 'absent/x')
    os.symlink(str(real), str(project / 'link'))
    model = load_project(project_dir=str(project), environment={})
    paths = [t['path'] for t in model['services']['app']['develop']['watch']]
    assert paths == [str(real), str(real / 'inner'), str(real / 'missing' / 'deeper'), str(project / 'absent' / 'x')]


def test_watch_path_through_a_dangling_link_is_refused(tmp_path):
    project = _watch(tmp_path, 'dangling/x')
    os.symlink(str(tmp_path / 'nowhere'), str(project / 'dangling'))
    with pytest.raises(ComposeError, match='cannot resolve .*dangling/x'):
        load_project(project_dir=str(project), environment={})


def test_build_ssh_paths_resolve_against_the_project_and_home(tmp_path):
    # (the reference's JSON printer fails on ssh keys with a path, so no differential case can show this;
    # its YAML output has the same absolute paths)
    project = _project(tmp_path, 'services:\n'
                                 '  a:\n    build:\n      context: .\n      ssh: [default, key=./id_rsa, agent=~/agent.sock]\n'
                                 '  b:\n    build:\n      context: .\n      ssh:\n        default:\n        key: /abs/key\n')
    model = load_project(project_dir=str(project), environment={'HOME': '/home/u'})
    assert model['services']['a']['build']['ssh'] == ['default', 'key=%s/id_rsa' % project, 'agent=/home/u/agent.sock']
    assert model['services']['b']['build']['ssh'] == ['default', 'key=/abs/key']
