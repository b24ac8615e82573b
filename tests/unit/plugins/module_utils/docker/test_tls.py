# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS material: generation, idempotency, renewal with short-lived certificates, check mode."""

from __future__ import annotations

import datetime
import json
import os
import ssl

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.dockyard.azure.plugins.module_utils.docker import tls

NOW = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def spec(**params):
    base = dict(ip_addresses=['20.1.2.3'], dns_names=['docker-01.westeurope.cloudapp.azure.com'],
                cert_valid_days=10, ca_valid_days=30, renew_before_days=2)
    base.update(params)
    return tls.make_spec(base)


def load(path):
    with open(path, 'rb') as handle:
        return x509.load_pem_x509_certificate(handle.read())


def fingerprints(result):
    return {kind: result[kind]['fingerprint_sha256'] for kind in tls.ORDER}


def test_generates_all_with_modes_and_extensions(tmp_path):
    directory = str(tmp_path / 'tls')
    result = tls.converge(directory, spec(), now=NOW)
    assert result['changed'] and [item['name'] for item in result['regenerated']] == ['ca', 'server', 'client']
    assert os.stat(directory).st_mode & 0o777 == 0o700
    for kind in tls.ORDER:
        assert os.stat(result[kind]['key_path']).st_mode & 0o777 == 0o600
        assert os.stat(result[kind]['path']).st_mode & 0o777 == 0o644
    server = load(result['server']['path'])
    assert result['server']['sans'] == ['DNS:docker-01.westeurope.cloudapp.azure.com', 'IP:20.1.2.3']
    assert ExtendedKeyUsageOID.SERVER_AUTH in server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    client = load(result['client']['path'])
    assert ExtendedKeyUsageOID.CLIENT_AUTH in client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert result['server']['not_after'] == '2030-01-11T00:00:00Z'
    assert result['docker_env'] == {'DOCKER_CERT_PATH': directory, 'DOCKER_TLS_VERIFY': '1'}


def test_result_never_contains_private_keys(tmp_path):
    result = tls.converge(str(tmp_path), spec(), now=NOW)
    text = json.dumps(result)
    assert 'PRIVATE KEY' not in text
    for kind in tls.ORDER:
        with open(result[kind]['key_path']) as handle:
            assert handle.read().strip().splitlines()[1] not in text


def test_openssl_accepts_the_chain(tmp_path):
    result = tls.converge(str(tmp_path), spec(cert_valid_days=100, ca_valid_days=200, renew_before_days=2))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=result['ca']['path'])
    context.load_cert_chain(result['server']['path'], result['server']['key_path'])
    context = ssl.create_default_context(cafile=result['ca']['path'])
    context.load_cert_chain(result['client']['path'], result['client']['key_path'])


def test_second_run_keeps_everything(tmp_path):
    first = tls.converge(str(tmp_path), spec(), now=NOW)
    second = tls.converge(str(tmp_path), spec(), now=NOW + datetime.timedelta(days=1))
    assert second['changed'] is False and second['regenerated'] == []
    assert fingerprints(first) == fingerprints(second)


def test_renews_leaves_within_window_and_keeps_ca(tmp_path):
    first = tls.converge(str(tmp_path), spec(), now=NOW)
    later = tls.converge(str(tmp_path), spec(), now=NOW + datetime.timedelta(days=8, hours=1))
    assert [item['name'] for item in later['regenerated']] == ['server', 'client']
    assert 'within renew_before_days' in later['regenerated'][0]['reason']
    assert later['ca']['fingerprint_sha256'] == first['ca']['fingerprint_sha256']
    assert later['server']['fingerprint_sha256'] != first['server']['fingerprint_sha256']


def test_expired_ca_regenerates_everything(tmp_path):
    tls.converge(str(tmp_path), spec(), now=NOW)
    result = tls.converge(str(tmp_path), spec(), now=NOW + datetime.timedelta(days=31))
    assert [item['name'] for item in result['regenerated']] == ['ca', 'server', 'client']
    assert result['regenerated'][0]['reason'].startswith('expired on')
    assert result['regenerated'][1]['reason'] == 'the CA is regenerated'


def test_leaf_never_outlives_the_ca(tmp_path):
    result = tls.converge(str(tmp_path), spec(cert_valid_days=25, ca_valid_days=30, renew_before_days=2), now=NOW)
    tls.converge(str(tmp_path), spec(cert_valid_days=25, ca_valid_days=30, renew_before_days=2), now=NOW)
    later = tls.converge(str(tmp_path), spec(cert_valid_days=25, ca_valid_days=30, renew_before_days=2),
                         now=NOW + datetime.timedelta(days=20))
    assert later['server']['not_after'] <= result['ca']['not_after']


def test_new_san_regenerates_only_the_server(tmp_path):
    first = tls.converge(str(tmp_path), spec(), now=NOW)
    result = tls.converge(str(tmp_path), spec(ip_addresses=['20.1.2.4']), now=NOW)
    assert [item['name'] for item in result['regenerated']] == ['server']
    assert 'SANs differ' in result['regenerated'][0]['reason']
    assert result['client']['fingerprint_sha256'] == first['client']['fingerprint_sha256']
    assert 'IP:20.1.2.4' in result['server']['sans']


def test_missing_or_mismatched_files(tmp_path):
    first = tls.converge(str(tmp_path), spec(), now=NOW)
    os.unlink(first['client']['key_path'])
    result = tls.converge(str(tmp_path), spec(), now=NOW)
    assert result['regenerated'] == [{'name': 'client', 'reason': 'missing key.pem'}]
    os.replace(result['client']['key_path'], result['server']['key_path'])
    result = tls.converge(str(tmp_path), spec(), now=NOW, check_mode=True)
    names = {item['name']: item['reason'] for item in result['regenerated']}
    assert names['server'] == 'the key does not match the certificate' and names['client'] == 'missing key.pem'


def test_foreign_ca_is_detected(tmp_path):
    tls.converge(str(tmp_path / 'a'), spec(), now=NOW)
    tls.converge(str(tmp_path / 'b'), spec(), now=NOW)
    for name in ('ca.pem', 'ca-key.pem'):
        os.replace(str(tmp_path / 'b' / name), str(tmp_path / 'a' / name))
    result = tls.converge(str(tmp_path / 'a'), spec(), now=NOW)
    assert [(item['name'], item['reason']) for item in result['regenerated']] == [
        ('server', 'not issued by the current CA'), ('client', 'not issued by the current CA')]


def test_check_mode_writes_nothing(tmp_path):
    directory = tmp_path / 'tls'
    result = tls.converge(str(directory), spec(), check_mode=True, now=NOW)
    assert result['changed'] and not directory.exists()
    assert result['server']['not_after'] == '(regenerated)'
    tls.converge(str(directory), spec(), now=NOW)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in directory.iterdir())
    result = tls.converge(str(directory), spec(ip_addresses=['1.1.1.1']), check_mode=True, now=NOW)
    assert result['changed'] and sorted((p.name, p.stat().st_mtime_ns) for p in directory.iterdir()) == before


def test_loose_key_mode_is_fixed(tmp_path):
    result = tls.converge(str(tmp_path), spec(), now=NOW)
    os.chmod(result['ca']['key_path'], 0o644)
    again = tls.converge(str(tmp_path), spec(), now=NOW)
    assert again['changed'] and again['modes_fixed'] == [result['ca']['key_path']] and again['regenerated'] == []
    assert os.stat(result['ca']['key_path']).st_mode & 0o777 == 0o600


def test_rsa_and_force(tmp_path):
    first = tls.converge(str(tmp_path), spec(key_type='rsa', rsa_key_size=2048), now=NOW)
    forced = tls.converge(str(tmp_path), spec(key_type='rsa', rsa_key_size=2048, force=True), now=NOW)
    assert forced['regenerated'][0] == {'name': 'ca', 'reason': 'force=true'}
    assert fingerprints(first)['ca'] != fingerprints(forced)['ca']


@pytest.mark.parametrize('params,option', [
    (dict(ip_addresses=[], dns_names=[]), 'ip_addresses'),
    (dict(ip_addresses=['not-an-ip']), 'ip_addresses'),
    (dict(renew_before_days=10, cert_valid_days=10), 'renew_before_days'),
    (dict(key_type='dsa'), 'key_type'),
])
def test_bad_input(params, option):
    with pytest.raises(tls.TlsError) as info:
        spec(**params)
    assert info.value.option == option


def test_manager_returns_the_diff_only_in_diff_mode(tmp_path):
    params = dict(path=str(tmp_path / 'tls'), ip_addresses=['20.1.2.3'], dns_names=[])
    result = tls.TlsManager(params, check_mode=True).run()
    assert result['changed'] and 'diff' not in result and not (tmp_path / 'tls').exists()
    result = tls.TlsManager(params, diff=True).run()
    assert result['diff']['before']['ca']['fingerprint_sha256'] is None
    assert result['diff']['after']['ca']['fingerprint_sha256'] == result['ca']['fingerprint_sha256']


def test_manager_names_the_path_when_it_cannot_write(tmp_path):
    # A regular file where a parent directory should be: no user, root included, can write there.
    locked = tmp_path / 'locked'
    locked.write_text('not a directory')
    with pytest.raises(tls.TlsError) as info:
        tls.TlsManager(dict(path=str(locked / 'tls'), ip_addresses=['20.1.2.3'])).run()
    assert info.value.option == 'path'
    assert info.value.msg.startswith('Could not write the TLS material in %s: ' % (locked / 'tls'))


@pytest.mark.parametrize('name', ['bad name!', '-leading.example', 'trailing-.example', 'a..b', 'x' * 64 + '.example',
                                  'under_score.example', '*.*.example', 'a.*.example'])
def test_a_name_that_is_no_dns_name_is_refused(tmp_path, name):
    """Issue 11: docker_tls used to put 'bad name!' into the server certificate."""
    with pytest.raises(tls.TlsError) as info:
        tls.make_spec(dict(dns_names=[name]))
    assert info.value.option == 'dns_names' and repr(name) in info.value.msg


@pytest.mark.parametrize('name', ['docker.example.com', 'vm-1.westeurope.cloudapp.azure.com', '*.apps.example', 'localhost',
                                  'Host1.Example.'])
def test_dns_names_that_are_fine(name):
    assert tls.make_spec(dict(dns_names=[name]))['sans']


@pytest.mark.parametrize('params,option', [
    (dict(ca_valid_days=0), 'ca_valid_days'),
    (dict(cert_valid_days=0), 'cert_valid_days'),
    (dict(server_common_name='x' * 65), 'server_common_name'),
    (dict(client_common_name=''), None),
])
def test_zero_days_and_long_common_names_are_refused(params, option):
    """0 used to fall back to the default (an `or`); a 65-character CN failed in cryptography with a ValueError."""
    if option is None:
        assert tls.make_spec(dict(ip_addresses=['10.0.0.4'], **params))['client_common_name'] == 'docker-client'
        return
    with pytest.raises(tls.TlsError) as info:
        tls.make_spec(dict(ip_addresses=['10.0.0.4'], **params))
    assert info.value.option == option


def test_a_long_first_dns_name_does_not_become_a_too_long_common_name():
    name = '.'.join(['a' * 60] * 3)
    assert tls.make_spec(dict(dns_names=[name]))['server_common_name'] == 'docker-server'
