# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The loader's parsers of Compose short syntaxes and scalars: ports, volumes, durations, sizes, commands."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _formats as fmt


@pytest.mark.parametrize('spec,error', [
    ('80:abc', 'invalid containerPort'), ('abc:80', 'invalid hostPort'), ('1.2.3:80:80', 'invalid IP'),
    ('80/xyz', 'invalid proto'), ('80-81:90-95', 'invalid ranges'), ('', 'no port specified'),
])
def test_port_errors(spec, error):
    with pytest.raises(fmt.FormatError, match=error):
        fmt.parse_port_spec(spec)


def test_port_host_range_single_container():
    assert fmt.parse_port_spec('8000-8010:80') == [
        {'mode': 'ingress', 'target': 80, 'protocol': 'tcp', 'published': '8000-8010'}]


@pytest.mark.parametrize('spec,expected', [
    ('/data', {'type': 'volume', 'target': '/data', 'volume': {}}),
    ('vol:/d:nocopy', {'type': 'volume', 'source': 'vol', 'target': '/d', 'volume': {'nocopy': True}}),
    ('/a:/b:ro,rslave', {'type': 'bind', 'source': '/a', 'target': '/b', 'read_only': True,
                         'bind': {'propagation': 'rslave', 'create_host_path': True}}),
    ('c:/x:/y', {'type': 'bind', 'source': 'c:/x', 'target': '/y', 'bind': {'create_host_path': True}}),
])
def test_parse_volume(spec, expected):
    assert fmt.parse_volume(spec) == expected


@pytest.mark.parametrize('text,ns,rendered', [
    ('90s', 90 * 10 ** 9, '1m30s'), ('1h', 3600 * 10 ** 9, '1h0m0s'), ('1.5s', 1500 * 10 ** 6, '1.5s'),
    ('500ms', 500 * 10 ** 6, '500ms'), ('0', 0, '0s'), ('1m0.5s', 60500 * 10 ** 6, '1m0.5s'),
])
def test_durations(text, ns, rendered):
    assert fmt.parse_duration(text) == ns
    assert fmt.format_duration(ns) == rendered


def test_duration_errors():
    with pytest.raises(fmt.FormatError):
        fmt.parse_duration('10')
    with pytest.raises(fmt.FormatError):
        fmt.parse_duration('1x')
    assert fmt.parse_duration('1d', extended=True) == 24 * 3600 * 10 ** 9


@pytest.mark.parametrize('text,size', [('1k', 1024), ('64m', 64 * 1024 ** 2), ('1.5g', int(1.5 * 1024 ** 3)),
                                       ('100', 100), ('2 GiB', 2 * 1024 ** 3), (512, 512)])
def test_ram_in_bytes(text, size):
    assert fmt.ram_in_bytes(text) == size


def test_shell_split():
    assert fmt.shell_split('a "b c" \'d e\' f\\ g') == ['a', 'b c', 'd e', 'f g']
    assert fmt.shell_split('echo a && echo b') == ['echo', 'a']  # like go-shellwords
    assert fmt.shell_split('x ""') == ['x', '']
    with pytest.raises(fmt.FormatError):
        fmt.shell_split('"unterminated')


def test_go_float_format():
    assert [fmt.go_format_float(v) for v in (1.5, 1e6, 123456.0, 1e-05, 100.0)] == \
        ['1.5', '1e+06', '123456', '1e-05', '100']
