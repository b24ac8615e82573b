# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the Compose loader (pure: temporary files in, model out)."""

from __future__ import annotations

import os
import sys
import textwrap

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _validation, loader
from ansible_collections.dockyard.azure.plugins.module_utils.compose.loader import ComposeError, load_project
from ansible_collections.dockyard.azure.plugins.module_utils.errors import MissingLibraryError


def write(base, files):
    for name, text in files.items():
        path = os.path.join(str(base), name)
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path))
        with open(path, 'w') as handle:
            handle.write(textwrap.dedent(text).lstrip('\n'))
    return str(base)


def load(tmp_path, tree, **kwargs):
    kwargs.setdefault('environment', {'HOME': '/home/u'})
    return load_project(project_dir=write(tmp_path, tree), **kwargs)


def svc(model, name='web'):
    return model['services'][name]


# --- files and project -------------------------------------------------------

def test_default_file_and_override(tmp_path):
    model = load(tmp_path, {
        'compose.yaml': 'services:\n  web:\n    image: nginx:1\n',
        'compose.override.yaml': 'services:\n  web:\n    image: nginx:2\n',
    })
    assert svc(model)['image'] == 'nginx:2'
    assert model['name'] == loader.normalize_project_name(os.path.basename(str(tmp_path)))
    assert model['networks'] == {'default': {'name': model['name'] + '_default', 'ipam': {}}}
    assert svc(model)['networks'] == {'default': None}
    assert svc(model)['command'] is None and svc(model)['entrypoint'] is None


def test_docker_compose_yml_fallback(tmp_path):
    model = load(tmp_path, {'docker-compose.yml': 'services:\n  web: {image: a}\n'})
    assert svc(model)['image'] == 'a'


def test_no_file(tmp_path):
    with pytest.raises(ComposeError, match='no configuration file'):
        load(tmp_path, {})


def test_explicit_files_in_order(tmp_path):
    model = load(tmp_path, {
        'a.yaml': 'services:\n  web: {image: a, command: [x]}\n',
        'b.yaml': 'services:\n  web: {command: "y z"}\n',
    }, files=['a.yaml', 'b.yaml'])
    assert svc(model)['command'] == ['y', 'z']


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ComposeError, match='file not found'):
        load(tmp_path, {'a.yaml': 'services: {}\n'}, files=['nope.yaml'])


def test_inline_content_dict_and_string(tmp_path):
    model = load_project(project_dir=str(tmp_path), content={'services': {'web': {'image': 'x'}}},
                         environment={}, project_name='demo')
    assert model['name'] == 'demo' and svc(model)['image'] == 'x'
    model = load_project(project_dir=str(tmp_path), content='services:\n  web: {image: y}\n', environment={},
                         project_name='demo')
    assert svc(model)['image'] == 'y'


def test_project_name_precedence(tmp_path):
    files = {'compose.yaml': 'name: "From_File-${X}"\nservices:\n  web: {image: a}\n'}
    assert load(tmp_path, files, environment={'X': 'Y'})['name'] == 'from_file-y'
    assert load(tmp_path, files, environment={'COMPOSE_PROJECT_NAME': 'env'})['name'] == 'env'
    assert load(tmp_path, files, project_name='arg')['name'] == 'arg'
    with pytest.raises(ComposeError, match='invalid project name'):
        load(tmp_path, files, project_name='Not Valid')


def test_project_name_available_to_interpolation(tmp_path):
    model = load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a, container_name: "${COMPOSE_PROJECT_NAME}-w"}\n'},
                 project_name='p')
    assert svc(model)['container_name'] == 'p-w'


def test_empty_file(tmp_path):
    with pytest.raises(ComposeError, match='empty compose file'):
        load(tmp_path, {'compose.yaml': '\n'})


# --- YAML --------------------------------------------------------------------

def test_yaml_error_names_file(tmp_path):
    with pytest.raises(ComposeError) as err:
        load(tmp_path, {'compose.yaml': 'services:\n  web:\n   image: [\n'})
    assert 'compose.yaml' in str(err.value) and 'invalid YAML' in str(err.value)


def test_duplicate_key(tmp_path):
    with pytest.raises(ComposeError, match='already defined'):
        load(tmp_path, {'compose.yaml': 'services:\n  web:\n    image: a\n    image: b\n'})


def test_yaml12_scalars(tmp_path):
    model = load(tmp_path, {'compose.yaml': '''
        services:
          web:
            image: a
            environment: {Y: yes, O: 0755, H: 0x10, F: 1e3, S: 22:22, B: true}
        '''})
    assert svc(model)['environment'] == {'Y': 'yes', 'O': '493', 'H': '16', 'F': '1000', 'S': '22:22', 'B': 'true'}


def test_timestamp_is_rejected(tmp_path):
    with pytest.raises(ComposeError):
        load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a, environment: {D: 2001-12-14}}\n'})


def test_non_string_key(tmp_path):
    with pytest.raises(ComposeError, match='non-string key'):
        load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a, environment: {1: x}}\n'})


def test_top_level_must_be_mapping(tmp_path):
    with pytest.raises(ComposeError, match='top-level object must be a mapping'):
        load(tmp_path, {'compose.yaml': '- a\n'})


def test_multi_document(tmp_path):
    model = load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a}\n---\nservices:\n  web: {image: b}\n'})
    assert svc(model)['image'] == 'b'


def test_anchors_and_merge_keys(tmp_path):
    model = load(tmp_path, {'compose.yaml': '''
        x-base: &base
          image: a
          restart: always
        services:
          web:
            <<: *base
            restart: "no"
        '''})
    assert svc(model)['restart'] == 'no' and svc(model)['image'] == 'a'
    assert model['x-base'] == {'image': 'a', 'restart': 'always'}


# --- interpolation -----------------------------------------------------------

@pytest.mark.parametrize('template,expected', [
    ('$SET', 'v'), ('${SET}', 'v'), ('${UNSET:-d}', 'd'), ('${EMPTY:-d}', 'd'), ('${EMPTY-d}', ''),
    ('${UNSET-d}', 'd'), ('${SET:+alt}', 'alt'), ('${EMPTY:+alt}', ''), ('${EMPTY+alt}', 'alt'),
    ('${UNSET+alt}', ''), ('$$SET', '$SET'), ('${UNSET:-${SET}}', 'v'), ('${UNSET:-${UNSET2:-deep}}x', 'deepx'),
    ('${SET?x}', 'v'), ('${EMPTY?x}', ''), ('a $5', 'a $5'), ('${UNSET}', ''),
])
def test_interpolation_forms(tmp_path, template, expected):
    model = load(tmp_path, {'compose.yaml': 'services:\n  web:\n    image: a\n    labels: {l: "%s"}\n' % template},
                 environment={'SET': 'v', 'EMPTY': ''})
    assert svc(model)['labels'] == {'l': expected}


@pytest.mark.parametrize('template,message', [
    ('${UNSET:?need it}', 'required variable UNSET is missing a value: need it'),
    ('${EMPTY:?need it}', 'required variable EMPTY is missing a value: need it'),
    ('${UNSET?}', 'required variable UNSET is missing a value'),
    ('${oops', 'Invalid template'),
])
def test_interpolation_errors_name_file_and_key(tmp_path, template, message):
    with pytest.raises(ComposeError) as err:
        load(tmp_path, {'compose.yaml': 'services:\n  web:\n    image: "%s"\n' % template}, environment={'EMPTY': ''})
    assert message in str(err.value)
    assert str(err.value).startswith('compose.yaml: services.web.image: ')


def test_interpolation_casts(tmp_path):
    model = load(tmp_path, {'compose.yaml': '''
        services:
          web:
            image: a
            privileged: "${P}"
            tty: "yes"
            deploy: {replicas: "${R}"}
            ports: [{target: "${T}", published: "${T}"}]
        '''}, environment={'P': 'true', 'R': '2', 'T': '80'})
    web = svc(model)
    assert web['privileged'] is True and web['tty'] is True and web['deploy']['replicas'] == 2
    assert web['ports'] == [{'mode': 'ingress', 'target': 80, 'published': '80', 'protocol': 'tcp'}]


def test_interpolation_invalid_cast(tmp_path):
    with pytest.raises(ComposeError, match='invalid boolean'):
        load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a, privileged: "${P}"}\n'}, environment={'P': 'x'})


def test_keys_are_not_interpolated(tmp_path):
    model = load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a, environment: {"${K}": v}}\n'},
                 environment={'K': 'k'})
    assert svc(model)['environment'] == {'${K}': 'v'}


def test_environment_none_reads_os_environ(tmp_path, monkeypatch):
    monkeypatch.setenv('DOCKYARD_TEST_TAG', 'fromos')
    write(tmp_path, {'compose.yaml': 'services:\n  web: {image: "a:${DOCKYARD_TEST_TAG}"}\n'})
    assert svc(load_project(project_dir=str(tmp_path)))['image'] == 'a:fromos'
    assert svc(load_project(project_dir=str(tmp_path), environment={}))['image'] == 'a:'


# --- .env and env_file -------------------------------------------------------

def test_dotenv_rules(tmp_path):
    model = load(tmp_path, {
        'compose.yaml': 'services:\n  web:\n    image: "a:${TAG}"\n    environment: [Q, S, I, E, SH]\n',
        '.env': textwrap.dedent('''\
            # comment
            TAG=t
            export Q="l1\\nl2 ${TAG}"
            S='raw $TAG\\n'
            I=value # comment
            E=${TAG}-x
            SH=dotenv
            '''),
    }, environment={'SH': 'shell'})
    web = svc(model)
    assert web['image'] == 'a:t'
    assert web['environment'] == {'Q': 'l1\nl2 t', 'S': 'raw $TAG\\n', 'I': 'value', 'E': 't-x', 'SH': 'shell'}


def test_env_files_argument(tmp_path):
    model = load(tmp_path, {'compose.yaml': 'services:\n  web: {image: "a:${T}"}\n', '.env': 'T=dot\n',
                            'x.env': 'T=x\n'}, env_files=['x.env'])
    assert svc(model)['image'] == 'a:x'
    with pytest.raises(ComposeError, match="couldn't find env file"):
        load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a}\n'}, env_files=['none.env'])


def test_invalid_dotenv(tmp_path):
    with pytest.raises(ComposeError, match='key cannot contain a space|unexpected character'):
        load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a}\n', '.env': 'BAD KEY=1\n'})


def test_service_env_file(tmp_path):
    model = load(tmp_path, {
        'compose.yaml': '''
            services:
              web:
                image: a
                env_file: [one.env, {path: two.env, required: true}, {path: opt.env, required: false}]
                environment: {O: env, N: null}
            ''',
        'one.env': 'A=1\nO=file\nN=file\n', 'two.env': 'A=2\nB=${A}\n',
    })
    assert svc(model)['environment'] == {'A': '2', 'B': '1', 'O': 'env', 'N': None}
    assert 'env_file' not in svc(model)


def test_missing_service_env_file(tmp_path):
    with pytest.raises(ComposeError, match='env file .*missing.env not found'):
        load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a, env_file: missing.env}\n'})


# --- syntaxes ----------------------------------------------------------------

def test_ports_short_syntax(tmp_path):
    model = load(tmp_path, {'compose.yaml': '''
        services:
          web:
            image: a
            ports: ["80:80", "127.0.0.1:53:53/udp", 9000, "8-10:8-10", "[::1]:1:1"]
        '''})
    ports = svc(model)['ports']
    assert ports[0] == {'mode': 'ingress', 'target': 80, 'published': '80', 'protocol': 'tcp'}
    assert ports[1] == {'mode': 'ingress', 'host_ip': '127.0.0.1', 'target': 53, 'published': '53', 'protocol': 'udp'}
    assert ports[2] == {'mode': 'ingress', 'target': 9000, 'protocol': 'tcp'}
    assert [p['target'] for p in ports[3:6]] == [10, 8, 9]  # sorted as strings, like compose
    assert ports[6]['host_ip'] == '::1'


def test_invalid_port(tmp_path):
    with pytest.raises(ComposeError) as err:
        load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a, ports: ["80:abc"]}\n'})
    assert str(err.value) == 'compose.yaml: services.web.ports[0]: invalid port "80:abc": invalid containerPort: abc'


def test_volumes_short_and_long(tmp_path):
    model = load(tmp_path, {'compose.yaml': '''
        services:
          web:
            image: a
            volumes:
              - ./d:/d:ro
              - data:/data/
              - ~/h:/h
              - type: bind
                source: rel
                target: /rel
              - type: tmpfs
                target: /t
                tmpfs: {size: 1k}
        volumes: {data: {}}
        '''})
    base = str(tmp_path)
    vols = svc(model)['volumes']
    assert vols[0] == {'type': 'bind', 'source': os.path.join(base, 'd'), 'target': '/d', 'read_only': True,
                       'bind': {'create_host_path': True}}
    assert vols[1] == {'type': 'volume', 'source': 'data', 'target': '/data', 'volume': {}}
    assert vols[2]['source'] == '/home/u/h'
    assert vols[3] == {'type': 'bind', 'source': os.path.join(base, 'rel'), 'target': '/rel'}
    assert vols[4] == {'type': 'tmpfs', 'target': '/t', 'tmpfs': {'size': '1024'}}
    assert model['volumes'] == {'data': {'name': model['name'] + '_data'}}


def test_bad_volume_spec(tmp_path):
    with pytest.raises(ComposeError, match='too many colons'):
        load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a, volumes: ["/a:/b:ro:x"]}\n'})


def test_depends_on_forms(tmp_path):
    model = load(tmp_path, {'compose.yaml': '''
        services:
          web:
            image: a
            depends_on:
              db: {condition: service_healthy, restart: true}
              job: {condition: service_completed_successfully, required: false}
          api: {image: a, depends_on: [db]}
          db: {image: b}
          job: {image: c}
        '''})
    assert svc(model)['depends_on'] == {
        'db': {'condition': 'service_healthy', 'restart': True, 'required': True},
        'job': {'condition': 'service_completed_successfully', 'required': False}}
    assert svc(model, 'api')['depends_on'] == {'db': {'condition': 'service_started', 'required': True}}


def test_depends_on_unknown_and_cycle(tmp_path):
    with pytest.raises(ComposeError, match='depends on undefined service "x"'):
        load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a, depends_on: [x]}\n'})
    with pytest.raises(ComposeError, match='dependency cycle detected'):
        load(tmp_path, {'compose.yaml': 'services:\n  a: {image: a, depends_on: [b]}\n  b: {image: b, depends_on: [a]}\n'})


def test_healthcheck(tmp_path):
    model = load(tmp_path, {'compose.yaml': '''
        services:
          web:
            image: a
            healthcheck: {test: curl -f x, interval: 90s, timeout: 1h, retries: 3, start_period: 1.5s}
        '''})
    assert svc(model)['healthcheck'] == {'test': ['CMD-SHELL', 'curl -f x'], 'interval': '1m30s',
                                         'timeout': '1h0m0s', 'retries': 3, 'start_period': '1.5s'}


def test_healthcheck_bad_test(tmp_path):
    with pytest.raises(ComposeError, match='healthcheck.test must start'):
        load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a, healthcheck: {test: [X]}}\n'})


def test_environment_and_labels_as_list_or_map(tmp_path):
    model = load(tmp_path, {'compose.yaml': '''
        services:
          web: {image: a, environment: [A=1, B, C=], labels: [x=1, y]}
          api: {image: a, environment: {A: 1, B: null, F: 1.5}, labels: {x: 1}}
        '''}, environment={'B': 'b'})
    assert svc(model)['environment'] == {'A': '1', 'B': 'b', 'C': ''}
    assert svc(model)['labels'] == {'x': '1', 'y': ''}
    assert svc(model, 'api')['environment'] == {'A': '1', 'B': 'b', 'F': '1.5'}
    assert svc(model, 'api')['labels'] == {'x': '1'}


def test_command_shell_split(tmp_path):
    model = load(tmp_path, {'compose.yaml': '''
        services:
          web: {image: a, command: "sh -c 'echo a b' \\"c d\\" e\\\\ f", entrypoint: [x, y]}
        '''})
    assert svc(model)['command'] == ['sh', '-c', 'echo a b', 'c d', 'e f']
    assert svc(model)['entrypoint'] == ['x', 'y']


def test_restart_and_deploy_resources(tmp_path):
    model = load(tmp_path, {'compose.yaml': '''
        services:
          web:
            image: a
            restart: on-failure:3
            deploy:
              resources:
                limits: {cpus: '0.5', memory: 50M}
                reservations: {memory: 1g, devices: [{capabilities: [gpu]}]}
        '''})
    web = svc(model)
    assert web['restart'] == 'on-failure:3'
    assert web['deploy'] == {'resources': {'limits': {'cpus': 0.5, 'memory': '52428800'},
                                           'reservations': {'memory': '1073741824',
                                                            'devices': [{'capabilities': ['gpu'], 'count': -1}]}},
                             'placement': {}}


def test_secrets_and_configs(tmp_path):
    model = load(tmp_path, {'compose.yaml': '''
        services:
          web:
            image: a
            secrets: [s, {source: e, target: /e, mode: 0400}]
            configs: [c]
        secrets:
          s: {file: ./s.txt}
          e: {environment: TOKEN}
          unused: {file: ./u.txt}
        configs:
          c: {content: hello}
        ''', 's.txt': 'x'}, environment={'TOKEN': 't'})
    assert svc(model)['secrets'] == [{'source': 's', 'target': '/run/secrets/s'},
                                     {'source': 'e', 'target': '/e', 'mode': '0400'}]
    assert model['secrets'] == {'s': {'name': model['name'] + '_s', 'file': os.path.join(str(tmp_path), 's.txt')},
                                'e': {'name': model['name'] + '_e', 'environment': 'TOKEN'}}
    assert model['configs'] == {'c': {'name': model['name'] + '_c', 'content': 'hello'}}


@pytest.mark.parametrize('body,message', [
    ('services:\n  web: {image: a, secrets: [nope]}\n', 'undefined secret nope'),
    ('services:\n  web: {image: a, configs: [nope]}\n', 'undefined config nope'),
    ('services:\n  web: {image: a}\nsecrets:\n  s: {}\n', 'one of file|environment must be set'),
    ('services:\n  web: {image: a, networks: [nope]}\n', 'undefined network nope'),
    ('services:\n  web: {image: a, volumes: ["nope:/x"]}\n', 'undefined volume nope'),
    ('services:\n  web: {restart: always}\n', 'neither an image nor a build context'),
    ('services:\n  web: {image: a, imagee: b}\n', "additional properties 'imagee' not allowed"),
    ('services:\n  web: {image: a, ports: "80"}\n', 'must be a array'),
    ('volumes:\n  v: {external: true, driver: local}\nservices:\n  web: {image: a, volumes: [v:/x]}\n',
     'conflicting parameters "external" and "driver"'),
    ('services:\n  web: {image: a, container_name: xy, deploy: {replicas: 2}}\n', "can't set container_name"),
])
def test_consistency_errors(tmp_path, body, message):
    with pytest.raises(ComposeError) as err:
        load(tmp_path, {'compose.yaml': body})
    assert message in str(err.value)


def test_schema_error_names_file_and_key(tmp_path):
    with pytest.raises(ComposeError) as err:
        load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a, ports: "80"}\n'})
    assert str(err.value).startswith('compose.yaml: services.web.ports: ')


def test_networks(tmp_path):
    model = load(tmp_path, {'compose.yaml': '''
        services:
          web:
            image: a
            networks:
              front: {aliases: [w], ipv4_address: 10.0.0.5}
              ext:
        networks:
          front: {ipam: {config: [{subnet: 10.0.0.0/24}]}}
          ext: {external: true}
          unused: {}
        '''})
    name = model['name']
    assert svc(model)['networks'] == {'front': {'aliases': ['w'], 'ipv4_address': '10.0.0.5'}, 'ext': None}
    assert model['networks'] == {'front': {'name': name + '_front', 'ipam': {'config': [{'subnet': '10.0.0.0/24'}]}},
                                 'ext': {'name': 'ext', 'ipam': {}, 'external': True}}


# --- merge, extends, include, profiles, selection ----------------------------

def test_merge_rules(tmp_path):
    model = load(tmp_path, {
        'compose.yaml': '''
            services:
              web:
                image: a
                command: [a]
                environment: {A: "1", B: "2"}
                ports: ["80:80"]
                volumes: ["./x:/x"]
                dns: 1.1.1.1
            ''',
        'compose.override.yaml': '''
            services:
              web:
                command: b
                environment: [B=3]
                ports: ["80:80", "81:81"]
                volumes: ["./y:/x"]
                dns: [8.8.8.8]
            ''',
    })
    web = svc(model)
    assert web['command'] == ['b']
    assert web['environment'] == {'A': '1', 'B': '3'}
    assert [p['target'] for p in web['ports']] == [80, 81]
    assert web['volumes'][0]['source'] == os.path.join(str(tmp_path), 'y')
    assert web['dns'] == ['1.1.1.1', '8.8.8.8']


def test_reset_and_override_tags(tmp_path):
    model = load(tmp_path, {
        'compose.yaml': 'services:\n  web: {image: a, ports: ["80:80"], environment: {A: "1"}}\n',
        'compose.override.yaml': 'services:\n  web:\n    ports: !reset []\n    environment: !override {B: "2"}\n',
    })
    assert 'ports' not in svc(model)
    assert svc(model)['environment'] == {'B': '2'}


def test_extends_same_and_other_file(tmp_path):
    model = load(tmp_path, {
        'compose.yaml': '''
            services:
              base: {image: a, environment: {A: "1"}}
              web: {extends: base, environment: {B: "2"}}
              api:
                extends: {file: lib/common.yaml, service: common}
            ''',
        'lib/common.yaml': 'services:\n  common: {image: c, volumes: ["./data:/data"]}\n',
    })
    assert svc(model)['environment'] == {'A': '1', 'B': '2'}
    assert svc(model, 'api')['volumes'][0]['source'] == os.path.join(str(tmp_path), 'lib', 'data')


@pytest.mark.parametrize('body,message', [
    ('services:\n  web: {extends: nope, image: a}\n', 'service "nope" not found'),
    ('services:\n  a: {image: a, extends: b}\n  b: {image: b, extends: a}\n', 'Circular reference'),
    ('services:\n  web: {extends: {file: none.yaml, service: x}}\n', 'not found'),
])
def test_extends_errors(tmp_path, body, message):
    with pytest.raises(ComposeError, match=message):
        load(tmp_path, {'compose.yaml': body})


def test_include(tmp_path):
    model = load(tmp_path, {
        'compose.yaml': 'include: [sub/db.yaml]\nservices:\n  web: {image: a, depends_on: [db]}\n',
        'sub/db.yaml': 'services:\n  db: {image: "pg:${V}", volumes: ["./d:/d"]}\n',
        'sub/.env': 'V=16\n',
    })
    assert svc(model, 'db')['image'] == 'pg:16'
    assert svc(model, 'db')['volumes'][0]['source'] == os.path.join(str(tmp_path), 'sub', 'd')


def test_include_errors(tmp_path):
    with pytest.raises(ComposeError, match='conflicts with imported resource'):
        load(tmp_path, {'compose.yaml': 'include: [o.yaml]\nservices:\n  db: {image: a}\n',
                        'o.yaml': 'services:\n  db: {image: b}\n'})
    with pytest.raises(ComposeError, match='include cycle detected'):
        load(tmp_path, {'compose.yaml': 'include: [o.yaml]\nservices:\n  db: {image: a}\n',
                        'o.yaml': 'include: [compose.yaml]\nservices:\n  x: {image: b}\n'})


PROFILES = '''
services:
  web: {image: a}
  debug: {image: b, profiles: [debug], depends_on: [web]}
  tools: {image: c, profiles: [tools]}
'''


def test_profiles(tmp_path):
    assert sorted(load(tmp_path, {'compose.yaml': PROFILES})['services']) == ['web']
    assert sorted(load(tmp_path, {'compose.yaml': PROFILES}, profiles=['debug'])['services']) == ['debug', 'web']
    assert sorted(load(tmp_path, {'compose.yaml': PROFILES}, profiles=['*'])['services']) == ['debug', 'tools', 'web']
    assert sorted(load(tmp_path, {'compose.yaml': PROFILES},
                       environment={'COMPOSE_PROFILES': 'tools'})['services']) == ['tools', 'web']


def test_services_selection(tmp_path):
    model = load(tmp_path, {'compose.yaml': PROFILES}, services=['debug'])
    assert sorted(model['services']) == ['debug', 'web']
    with pytest.raises(ComposeError, match='no such service: nope'):
        load(tmp_path, {'compose.yaml': PROFILES}, services=['nope'])


def test_inactive_required_dependency(tmp_path):
    with pytest.raises(ComposeError, match='depends on undefined service'):
        load(tmp_path, {'compose.yaml': 'services:\n  web: {image: a, depends_on: [db]}\n'
                                        '  db: {image: b, profiles: [x]}\n'})


def test_missing_jsonschema_is_a_missing_library_for_an_invalid_file(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'jsonschema', None)  # import jsonschema raises ImportError
    _validation._schema_validator.cache_clear()
    try:
        # A valid file needs no jsonschema (_schema_check answers); explaining an invalid one does.
        assert load(tmp_path, {'compose.yaml': 'services:\n  web:\n    image: x\n'})['services']['web']['image'] == 'x'
        with pytest.raises(MissingLibraryError) as info:
            load(tmp_path, {'compose.yaml': 'services:\n  web:\n    image: x\n    bogus: 1\n'})
    finally:
        _validation._schema_validator.cache_clear()
    assert info.value.package == 'jsonschema'
