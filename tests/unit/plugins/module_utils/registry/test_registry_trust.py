# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""registry.trust: the certs.d entry of one registry, for the time of a push."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.registry.trust import CertsDirEntry, RegistryTrustError, read_ca

PEM = b'-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'


def test_entry_exists_only_while_the_block_runs(tmp_path):
    with CertsDirEntry(str(tmp_path), '10.199.3.1:40123', PEM) as entry:
        assert (tmp_path / '10.199.3.1:40123' / 'ca.crt').read_bytes() == PEM
        assert entry.path.endswith('10.199.3.1:40123/ca.crt')
    assert list(tmp_path.iterdir()) == []


def test_an_identical_entry_is_left_alone_and_another_is_put_back(tmp_path):
    directory = tmp_path / 'reg.example:5000'
    directory.mkdir()
    (directory / 'ca.crt').write_bytes(PEM)
    with CertsDirEntry(str(tmp_path), 'reg.example:5000', PEM):
        pass
    assert (directory / 'ca.crt').read_bytes() == PEM
    (directory / 'ca.crt').write_bytes(b'other')
    with CertsDirEntry(str(tmp_path), 'reg.example:5000', PEM):
        assert (directory / 'ca.crt').read_bytes() == PEM
    assert (directory / 'ca.crt').read_bytes() == b'other'


def test_removed_even_when_the_push_fails(tmp_path):
    with pytest.raises(RuntimeError), CertsDirEntry(str(tmp_path), 'reg.example:5000', PEM):
        raise RuntimeError('push failed')
    assert list(tmp_path.iterdir()) == []


def test_errors_name_the_option(tmp_path):
    with pytest.raises(RegistryTrustError) as missing:
        read_ca(str(tmp_path / 'nope.pem'))
    assert missing.value.option == 'registry_ca_cert' and 'cannot read' in missing.value.msg
    (tmp_path / 'key.pem').write_text('-----BEGIN PRIVATE KEY-----\n')
    with pytest.raises(RegistryTrustError) as not_a_cert:
        read_ca(str(tmp_path / 'key.pem'))
    assert 'holds no PEM certificate' in not_a_cert.value.msg
    (tmp_path / 'file').write_text('x')  # a file where the directory should be: unwritable, even as root
    with pytest.raises(RegistryTrustError) as unwritable, CertsDirEntry(str(tmp_path / 'file'), 'reg.example:5000', PEM):
        pass
    assert unwritable.value.option == 'registry_ca_cert' and 'cannot write' in unwritable.value.msg
    with pytest.raises(RegistryTrustError):
        CertsDirEntry(str(tmp_path), '../etc', PEM)
