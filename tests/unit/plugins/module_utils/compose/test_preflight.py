# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks of a loaded model before the first engine write (compose/preflight.py), each naming its key."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import PlanError
from ansible_collections.dockyard.azure.plugins.module_utils.compose.preflight import check_model

IMAGE = 'dockyard-test/busybox:latest'


def model(services=None, **top):
    result = {'name': 'p', 'services': services or {'app': {'image': IMAGE}}}
    result.update(top)
    return result


def test_a_good_model_passes(tmp_path):
    (tmp_path / 'secret.txt').write_text('s3cret')
    check_model('p', model({'app': {'image': IMAGE, 'secrets': [{'source': 's'}], 'ports': [{'target': 80, 'published': '8080'}],
                                    'healthcheck': {'interval': '1m30s'}, 'mem_limit': '512m', 'restart': 'on-failure:3'},
                            'other': {'image': IMAGE, 'ports': [{'target': 80, 'published': '8081'}]}},
                           secrets={'s': {'file': str(tmp_path / 'secret.txt')}}), local_files=True)


@pytest.mark.parametrize('services,top,fragment', [
    ({'app': {'image': 'Bad Ref!!'}}, {}, "services.app.image: 'Bad Ref!!' is not an image reference"),
    ({'app': {'image': IMAGE, 'restart': 'sometimes'}}, {}, "services.app.restart: 'sometimes'"),
    ({'app': {'image': IMAGE, 'healthcheck': {'interval': 'soon'}}}, {}, "services.app.healthcheck.interval: 'soon'"),
    ({'app': {'image': IMAGE, 'stop_grace_period': 'later'}}, {}, 'services.app.stop_grace_period'),
    ({'app': {'image': IMAGE, 'mem_limit': 'lots'}}, {}, "services.app.mem_limit: 'lots' is not a size"),
    ({'app': {'image': IMAGE, 'cpus': 'many'}}, {}, "services.app.cpus: 'many' is not a number"),
    ({'app': {'image': IMAGE, 'volumes': [{'type': 'npipe', 'source': 'a', 'target': 'b'}]}}, {},
     'services.app.volumes[0]: type npipe is not supported'),
    ({'app': {'image': IMAGE, 'volumes': [{'type': 'bind', 'source': '/nonexistent/dir', 'target': '/d'}]}}, {},
     'services.app.volumes[0]: bind source /nonexistent/dir does not exist'),
    ({'a': {'image': IMAGE, 'container_name': 'c'}, 'b': {'image': IMAGE, 'container_name': 'c'}}, {},
     'services.b.container_name: c is already the container name of service a'),
    ({'a': {'image': IMAGE, 'ports': [{'target': 80, 'published': '80'}]},
      'b': {'image': IMAGE, 'ports': [{'target': 81, 'published': '80'}]}}, {}, 'services.b.ports: host port 80/tcp'),
    ({'app': {'image': IMAGE, 'secrets': [{'source': 's'}]}}, {'secrets': {'s': {'file': '/nonexistent/s.txt'}}},
     'secrets.s.file: /nonexistent/s.txt does not exist'),
    ({'app': {'image': IMAGE, 'secrets': [{'source': 's'}]}}, {'secrets': {'s': {'environment': 'UNSET_X'}}},
     'secrets.s.environment: environment variable UNSET_X is not set'),
    ({'app': {'image': IMAGE, 'configs': [{'source': 'c'}]}}, {'configs': {'c': {'external': True}}}, 'configs.c: external'),
    ({'app': {'image': IMAGE, 'secrets': [{'source': 'undeclared'}]}}, {}, 'services.app.secrets: secret undeclared'),
    ({'app': {'build': {'context': '/nonexistent/ctx'}}}, {}, 'services.app.build.context: /nonexistent/ctx'),
    ({'app': {'build': {'context': '.', 'dockerfile_inline': 'FROM x'}}}, {}, 'services.app.build.dockerfile_inline'),
])
def test_what_would_fail_after_a_write_is_refused_naming_the_key(services, top, fragment):
    with pytest.raises(PlanError) as info:
        check_model('p', model(services, **top), environment={}, local_files=True)
    assert fragment in info.value.msg


def test_files_of_a_remote_engine_are_the_engine_s_to_check():
    """A bind source or secret file of a remote engine is on the Docker host, which only the engine can see."""
    check_model('p', model({'app': {'image': IMAGE, 'secrets': [{'source': 's'}],
                                    'volumes': [{'type': 'bind', 'source': '/on/the/docker/host', 'target': '/d'}]}},
                           secrets={'s': {'file': '/on/the/docker/host/s.txt'}}), local_files=False)
