# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker_tls module's main(): generation, check and diff mode, option errors, no key material out."""

from __future__ import annotations

import json
import os

from ansible_collections.dockyard.azure.plugins.modules import docker_tls as docker_tls_module


def test_generates_then_keeps_and_never_returns_key_material(run_module, tmp_path):
    args = {'path': str(tmp_path / 'tls'), 'ip_addresses': ['20.1.2.3'], '_ansible_diff': True}
    result = run_module(docker_tls_module.main, args)
    assert result['changed'] is True and [r['name'] for r in result['regenerated']] == ['ca', 'server', 'client']
    assert result['docker_env'] == {'DOCKER_CERT_PATH': str(tmp_path / 'tls'), 'DOCKER_TLS_VERIFY': '1'}
    assert result['diff']['before']['server']['sans'] == [] and result['server']['sans'] == ['IP:20.1.2.3']
    with open(result['server']['key_path']) as handle:
        key = handle.read()
    assert 'PRIVATE KEY' in key and key.strip().splitlines()[1] not in repr(result)
    assert os.stat(result['ca']['key_path']).st_mode & 0o777 == 0o600
    again = run_module(docker_tls_module.main, args)
    assert again['changed'] is False and again['regenerated'] == []


def test_check_mode_writes_nothing(run_module, tmp_path):
    result = run_module(docker_tls_module.main, {'path': str(tmp_path / 'tls'), 'dns_names': ['vm.example.com'],
                                                 '_ansible_check_mode': True})
    assert result['changed'] is True and 'diff' not in result and not (tmp_path / 'tls').exists()


def test_bad_input_names_the_option(run_module, tmp_path):
    result = run_module(docker_tls_module.main, {'path': str(tmp_path), 'ip_addresses': ['not-an-ip']})
    assert result['failed'] is True and result['option'] == 'ip_addresses'
    assert result['msg'] == "ip_addresses: 'not-an-ip' is not an IP address."
    result = run_module(docker_tls_module.main, {'path': str(tmp_path)})
    assert result['option'] == 'ip_addresses' and result['msg'].startswith('Give the server certificate at least one name')
    assert os.listdir(str(tmp_path)) == []


def test_a_file_in_the_way_is_named(run_module, tmp_path):
    (tmp_path / 'tls').write_text('not a directory')
    result = run_module(docker_tls_module.main, {'path': str(tmp_path / 'tls'), 'ip_addresses': ['20.1.2.3']})
    assert result['failed'] is True and result['option'] == 'path'
    assert result['msg'] == 'path %s exists and is not a directory.' % (tmp_path / 'tls')


def test_check_diff_then_real_then_unchanged_then_option_error(tmp_path, run_module):
    args = dict(path=str(tmp_path / 'tls'), ip_addresses=['20.1.2.3'])
    result = run_module(docker_tls_module.main, dict(args, _ansible_check_mode=True, _ansible_diff=True))
    assert result['changed'] and not (tmp_path / 'tls').exists() and 'diff' in result
    result = run_module(docker_tls_module.main, args)
    assert result['changed'] and 'PRIVATE KEY' not in json.dumps(result) and 'diff' not in result
    result = run_module(docker_tls_module.main, args)
    assert result['changed'] is False
    result = run_module(docker_tls_module.main, dict(path=str(tmp_path / 'x')))
    assert result['failed'] and result['option'] == 'ip_addresses'
