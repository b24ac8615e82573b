# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for the short syntaxes and scalar formats of the Compose specification (private to dockyard.azure).

Pure functions, no I/O.  Each one reproduces what the reference implementation
(compose-go and the Docker libraries it uses) accepts and produces, because the
normalized model must match ``docker compose config``.
"""

from __future__ import annotations

import ipaddress
import math
import posixpath
import re

from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import FormatError

# ---------------------------------------------------------------------------
# ports  (github.com/docker/go-connections/nat ParsePortSpec)
# ---------------------------------------------------------------------------


def _parse_uint16(text):
    if not text or not text.isdigit():
        raise ValueError(text)
    value = int(text)
    if value > 65535:
        raise ValueError(text)
    return value


def _parse_port_range(ports):
    if ports == '':
        raise ValueError('empty string specified for ports')
    if '-' not in ports:
        start = _parse_uint16(ports)
        return start, start
    parts = ports.split('-')
    start = _parse_uint16(parts[0])
    end = _parse_uint16(parts[1])
    if end < start:
        raise ValueError('invalid range specified for port: ' + ports)
    return start, end


def _valid_ip(ip):
    try:
        ipaddress.ip_address(ip)
        return True
    except ValueError:
        return False


def parse_port_spec(raw):
    """Parse ``[[ip:]host:]container[/proto]``; return a list of port dicts.

    Entries are sorted by their "port/proto" key as strings, like compose-go does.
    """
    parts = raw.split(':')
    n = len(parts)
    container = parts[-1]
    if n == 1:
        ip, host = '', ''
    elif n == 2:
        ip, host = '', parts[0]
    elif n == 3:
        ip, host = parts[0], parts[1]
    else:
        ip, host = ':'.join(parts[:n - 2]), parts[n - 2]
    proto = 'tcp'
    if '/' in container:
        container, proto = container.split('/', 1)
        if container == '':
            # "/udp" alone: nat.SplitProtoPort returns an empty port
            proto = proto or 'tcp'
    if ip.startswith('['):
        if not ip.endswith(']'):
            raise FormatError('invalid IP address %s' % ip)
        ip = ip[1:-1]
    if ip and not _valid_ip(ip):
        raise FormatError('invalid IP address: ' + ip)
    if container == '':
        raise FormatError('no port specified: %s<empty>' % raw)
    try:
        start, end = _parse_port_range(container)
    except ValueError:
        raise FormatError('invalid containerPort: ' + container) from None
    host_start = host_end = 0
    if host != '':
        try:
            host_start, host_end = _parse_port_range(host)
        except ValueError:
            raise FormatError('invalid hostPort: ' + host) from None
    if host != '' and (end - start) != (host_end - host_start) and end != start:
        raise FormatError('invalid ranges specified for container and host Ports: %s and %s' % (container, host))
    if proto.lower() not in ('tcp', 'udp', 'sctp'):
        raise FormatError('invalid proto: ' + proto)
    proto = proto.lower()
    mappings = {}
    for i in range(end - start + 1):
        cport = str(start + i)
        hport = host
        if host != '':
            hport = str(host_start + i)
        if start == end and host_start != host_end:
            hport = '%s-%d' % (hport, host_end)
        key = '%s/%s' % (cport, proto)
        mappings.setdefault(key, []).append((ip, hport))
    result = []
    for key in sorted(mappings):
        cport, proto_ = key.split('/')
        for ip_, hport in mappings[key]:
            entry = {'mode': 'ingress', 'target': int(cport), 'protocol': proto_}
            if ip_:
                entry['host_ip'] = ip_
            if hport:
                entry['published'] = hport
            result.append(entry)
    return result


# ---------------------------------------------------------------------------
# volumes  (compose-go format.ParseVolume)
# ---------------------------------------------------------------------------

PROPAGATIONS = ('rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave')


def _is_windows_drive(buffer, char):
    return char == ':' and len(buffer) == 1 and buffer[0].isalpha()


def _is_file_path(source):
    if not source:
        return False
    if source[0] in './~':
        return True
    if source.startswith('\\\\'):
        return True
    if len(source) > 1:
        return _is_windows_drive([source[0]], source[1])
    return False


def parse_volume(spec):
    """Parse the short volume syntax into a canonical mount dict."""
    volume = {}
    if len(spec) == 0:
        raise FormatError('invalid empty volume spec')
    if len(spec) in (1, 2):
        return {'type': 'volume', 'target': spec}
    state = {'source': None, 'target': None}
    buffer = []
    end = object()
    for char in list(spec) + [end]:
        if char is not end and _is_windows_drive(buffer, char):
            buffer.append(char)
        elif char is end or char == ':':
            text = ''.join(buffer)
            if not buffer:
                raise FormatError('invalid spec: %s: empty section between colons' % spec)
            if state['source'] is None and char is end:
                state['target'] = text
            elif state['source'] is None:
                state['source'] = text
            elif state['target'] is None:
                state['target'] = text
            elif char == ':':
                raise FormatError('invalid spec: %s: too many colons' % spec)
            else:
                for option in text.split(','):
                    if option == 'ro':
                        volume['read_only'] = True
                    elif option == 'rw':
                        volume.pop('read_only', None)
                    elif option == 'nocopy':
                        volume['volume'] = {'nocopy': True}
                    elif option in PROPAGATIONS:
                        volume.setdefault('bind', {})['propagation'] = option
                    elif option in ('z', 'Z'):
                        volume.setdefault('bind', {})['selinux'] = option
            buffer = []
        else:
            buffer.append(char)
    source = state['source']
    if source:
        volume['source'] = source
    if state['target']:
        volume['target'] = state['target']
    if _is_file_path(source):
        volume['type'] = 'bind'
        volume.setdefault('bind', {})['create_host_path'] = True
    else:
        volume['type'] = 'volume'
        volume.setdefault('volume', {})
    if volume.get('target'):
        volume['target'] = clean_path(volume['target'])
    return volume


def clean_path(path):
    """Go's path.Clean."""
    if path == '':
        return '.'
    cleaned = posixpath.normpath(path)
    if cleaned.startswith('//'):
        cleaned = '/' + cleaned.lstrip('/')
    return cleaned


# ---------------------------------------------------------------------------
# sizes  (github.com/docker/go-units RAMInBytes)
# ---------------------------------------------------------------------------

_SIZE_RE = re.compile(r'^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$')
_UNITS = {'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3, 't': 1024 ** 4, 'p': 1024 ** 5}


def ram_in_bytes(value):
    if isinstance(value, bool):
        raise FormatError('invalid size: %r' % (value,))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    match = _SIZE_RE.match(str(value))
    if not match:
        raise FormatError("invalid size: '%s'" % value)
    try:
        size = float(match.group(1))
    except ValueError:
        raise FormatError("invalid size: '%s'" % value) from None
    unit = match.group(2)
    if unit:
        size *= _UNITS[unit.lower()]
    return int(size)


# ---------------------------------------------------------------------------
# durations  (Go time.ParseDuration / time.Duration.String, str2duration)
# ---------------------------------------------------------------------------

_DURATION_UNITS = {
    'ns': 1, 'us': 1000, '\u00b5s': 1000, '\u03bcs': 1000, 'ms': 1000000,
    's': 1000000000, 'm': 60 * 1000000000, 'h': 3600 * 1000000000,
}
_EXTENDED_UNITS = {'d': 24 * 3600 * 1000000000, 'w': 7 * 24 * 3600 * 1000000000}
_DURATION_PART = re.compile('([0-9]*(?:\\.[0-9]*)?)([a-z\u00b5\u03bc]+)')


def parse_duration(value, extended=False):
    """Return nanoseconds for a Go duration string (``1m30s``, ``1.5h``...)."""
    if isinstance(value, bool):
        raise FormatError('invalid duration %r' % (value,))
    if isinstance(value, (int, float)):
        # a bare number in a duration field means seconds in compose-go's casts? no:
        # str2duration parses fmt.Sprint(value): "10" has no unit -> error, "0" -> 0
        value = repr(value) if isinstance(value, float) else str(value)
    text = value
    orig = value
    neg = False
    if text[:1] in ('-', '+'):
        neg = text[0] == '-'
        text = text[1:]
    if text == '0':
        return 0
    if text == '':
        raise FormatError('time: invalid duration "%s"' % orig)
    units = dict(_DURATION_UNITS)
    if extended:
        units.update(_EXTENDED_UNITS)
    total = 0.0
    pos = 0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if not match or match.group(1) in ('', '.') or match.group(2) not in units:
            if match and match.group(1) not in ('', '.') and match.group(2) not in units:
                raise FormatError('time: unknown unit "%s" in duration "%s"' % (match.group(2), orig))
            raise FormatError('time: invalid duration "%s"' % orig)
        number = match.group(1)
        unit = units[match.group(2)]
        if '.' in number:
            whole, frac = number.split('.', 1)
            total += int(whole or '0') * unit
            if frac:
                total += int(frac) * unit / (10 ** len(frac))
        else:
            total += int(number) * unit
        pos = match.end()
    result = int(total)
    return -result if neg else result


def _fmt_frac(v, prec):
    # port of time.fmtFrac
    digits = []
    printed = False
    for _position in range(prec):
        digit = v % 10
        printed = printed or digit != 0
        if printed:
            digits.append(str(digit))
        v //= 10
    frac = ''
    if printed:
        frac = '.' + ''.join(reversed(digits))
    return frac, v


def format_duration(ns):
    """Go's time.Duration.String()."""
    if ns == 0:
        return '0s'
    neg = ns < 0
    u = -ns if neg else ns
    if u < 1000000000:
        if u < 1000:
            out = '%dns' % u
        elif u < 1000000:
            frac, whole = _fmt_frac(u, 3)
            out = '%d%s\u00b5s' % (whole, frac)
        else:
            frac, whole = _fmt_frac(u, 6)
            out = '%d%sms' % (whole, frac)
    else:
        frac, u = _fmt_frac(u, 9)
        out = '%d%ss' % (u % 60, frac)
        u //= 60
        if u > 0:
            out = '%dm' % (u % 60) + out
            u //= 60
            if u > 0:
                out = '%dh' % u + out
    return ('-' + out) if neg else out


# ---------------------------------------------------------------------------
# command lines  (github.com/mattn/go-shellwords Parse, default options)
# ---------------------------------------------------------------------------

def shell_split(line):
    args = []
    buf = ''
    escaped = double_q = single_q = back_q = dollar_q = False
    got = 0  # 0: no arg, 1: single, 2: quoted
    for r in line:
        if escaped:
            buf += r
            escaped = False
            got = 1
            continue
        if r == '\\':
            if single_q:
                buf += r
            else:
                escaped = True
            continue
        if r in ' \t\r\n':
            if single_q or double_q or back_q or dollar_q:
                buf += r
            elif got != 0:
                args.append(buf)
                buf = ''
                got = 0
            continue
        if r == '`':
            if not single_q and not double_q and not dollar_q:
                back_q = not back_q
        elif r == ')':
            if not single_q and not double_q and not back_q:
                dollar_q = not dollar_q
        elif r == '(':
            if not single_q and not double_q and not back_q:
                if not dollar_q and buf.endswith('$'):
                    dollar_q = True
                    buf += '('
                    continue
                raise FormatError('invalid command line string')
        elif r == '"':
            if not single_q and not dollar_q:
                if double_q:
                    got = 2
                double_q = not double_q
                continue
        elif r == "'":
            if not double_q and not dollar_q:
                if single_q:
                    got = 2
                single_q = not single_q
                continue
        elif r in ';&|<>' and not (single_q or double_q or back_q or dollar_q):
            if r == '>' and buf and buf[0].isdigit():
                got = 0
            break
        got = 1
        buf += r
    if got != 0:
        args.append(buf)
    if escaped or single_q or double_q or back_q or dollar_q:
        raise FormatError('invalid command line string')
    return args


# ---------------------------------------------------------------------------
# Go's fmt %v for scalars decoded from YAML
# ---------------------------------------------------------------------------

def go_format_float(value):
    """strconv.FormatFloat(f, 'g', -1, 64), i.e. fmt's %v for float64."""
    if math.isnan(value):
        return 'NaN'
    if math.isinf(value):
        return '+Inf' if value > 0 else '-Inf'
    if value == 0:
        return '-0' if math.copysign(1, value) < 0 else '0'
    text = repr(value)
    sign = ''
    if text.startswith('-'):
        sign, text = '-', text[1:]
    # shortest digits and decimal exponent
    if 'e' in text:
        mant, exp = text.split('e')
        exp = int(exp)
    else:
        mant, exp = text, 0
    if '.' in mant:
        ip, fp = mant.split('.')
    else:
        ip, fp = mant, ''
    if fp == '0':
        fp = ''
    digits = (ip + fp).lstrip('0')
    lead_zeros = len(ip + fp) - len((ip + fp).lstrip('0'))
    dp = len(ip) + exp - lead_zeros  # position of decimal point relative to digits
    digits = digits.rstrip('0') or '0'
    nd = len(digits)
    x = dp - 1
    # strconv 'g' with the shortest precision switches to %e when the exponent
    # is < -4 or >= 6 (so fmt.Sprint(1e6) == "1e+06")
    if x < -4 or x >= 6:
        mant = digits[0]
        if nd > 1:
            mant += '.' + digits[1:]
        return '%s%se%s%02d' % (sign, mant, '-' if x < 0 else '+', abs(x))
    if dp <= 0:
        return sign + '0.' + '0' * (-dp) + digits
    if dp >= nd:
        return sign + digits + '0' * (dp - nd)
    return sign + digits[:dp] + '.' + digits[dp:]


def go_sprint(value):
    """fmt.Sprint for values decoded from YAML."""
    if value is None:
        return '<nil>'
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, float):
        return go_format_float(value)
    if isinstance(value, list):
        return '[' + ' '.join(go_sprint(v) for v in value) + ']'
    if isinstance(value, dict):
        return 'map[' + ' '.join('%s:%s' % (k, go_sprint(value[k])) for k in sorted(value)) + ']'
    return str(value)
