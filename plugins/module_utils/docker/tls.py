# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS material for a Docker engine with client verification: a CA, a server and a client certificate
(private to dockyard.azure).

plan (read the directory, decide what to (re)generate and why) -> apply (generate and write);
TlsManager is the docker_tls module's logic. Framework-free; `cryptography` is imported on first
use and its absence is a MissingLibraryError.

Files in the directory (the client pair is named as DOCKER_CERT_PATH expects):
  ca.pem, ca-key.pem                 the CA
  server-cert.pem, server-key.pem    the engine's certificate (serverAuth), SANs = IPs + DNS names
  cert.pem, key.pem                  the client certificate (clientAuth)
Keys are written with mode 0600, certificates 0644, the directory is created 0700.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import tempfile
from collections.abc import Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError, MissingLibraryError

FILES = dict(
    ca=('ca.pem', 'ca-key.pem'),
    server=('server-cert.pem', 'server-key.pem'),
    client=('cert.pem', 'key.pem'),
)
ORDER = ('ca', 'server', 'client')
KEY_TYPES = ('ec', 'rsa')
DNS_LABEL = re.compile(r'^(?!-)[a-z0-9-]{1,63}(?<!-)$')


class TlsError(DockyardError):
    """Bad input or an unwritable directory; `option` names the option to fix."""


def _crypto():
    """The cryptography modules we use (imported on first use)."""
    # pylint: disable=import-outside-toplevel
    try:
        from cryptography import x509
    except ImportError as exc:
        raise MissingLibraryError('cryptography', exc) from exc
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    return dict(x509=x509, InvalidSignature=InvalidSignature, hashes=hashes, serialization=serialization, ec=ec,
                padding=padding, rsa=rsa, ExtendedKeyUsageOID=ExtendedKeyUsageOID, NameOID=NameOID)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def _not_after(cert):
    value = getattr(cert, 'not_valid_after_utc', None)
    if value is None:  # cryptography < 42
        value = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return value


def _iso(value):
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


def is_dns_name(name: str) -> bool:
    """A host name a certificate may carry (RFC 1123 labels; a wildcard only as the whole first label)."""
    labels = name.split('.')
    if len(name) > 253 or not all(labels):
        return False
    if labels[0] == '*' and len(labels) > 1:
        labels = labels[1:]
    return all(DNS_LABEL.match(label) for label in labels)


def normalize_sans(ip_addresses, dns_names):
    """Sorted ['DNS:name', 'IP:addr'] from the options; raises TlsError on a bad IP."""
    sans = set()
    for value in ip_addresses or []:
        try:
            sans.add('IP:%s' % ipaddress.ip_address(str(value).strip()))
        except ValueError as exc:
            raise TlsError("ip_addresses: '%s' is not an IP address." % value, 'ip_addresses') from exc
    for value in dns_names or []:
        name = str(value).strip().lower().rstrip('.')
        if not name:
            raise TlsError('dns_names must not contain empty names.', 'dns_names')
        if not is_dns_name(name):
            raise TlsError("dns_names: %r is not a DNS name (labels of letters, digits and '-', 1-63 characters each, "
                           "not starting or ending with '-', at most 253 characters; '*.' only as the first label)."
                           % str(value), 'dns_names')
        sans.add('DNS:%s' % name)
    return sorted(sans)


def check_server_material(ca_pem: str, cert_pem: str, key_pem: str, now: datetime.datetime | None = None) -> None:
    """Raise TlsError (naming the option) unless the server key matches the certificate, the CA issued it and it is valid now.

    What dockerd and its clients would otherwise find out on the VM: a key that does not match stops
    dockerd from starting, a certificate of another CA or an expired one makes every client refuse it.
    """
    c = _crypto()
    x509, serialization = c['x509'], c['serialization']
    loaded = {}
    for option, text in (('tls_ca_cert', ca_pem), ('tls_server_cert', cert_pem)):
        try:
            loaded[option] = x509.load_pem_x509_certificate(text.encode('utf-8'))
        except ValueError as exc:
            raise TlsError('%s: not a readable PEM certificate (%s).' % (option, exc), option) from exc
    try:
        key = serialization.load_pem_private_key(key_pem.encode('utf-8'), password=None)
    except (ValueError, TypeError) as exc:
        raise TlsError('tls_server_key: not a readable unencrypted PEM private key (%s).' % exc, 'tls_server_key') from exc
    cert = loaded['tls_server_cert']
    if _public_der(key) != _public_der(cert):
        raise TlsError('tls_server_key does not match tls_server_cert (a different key pair): dockerd would not start. '
                       'Give the key the server certificate was made for.', 'tls_server_key')
    if not _signed_by(cert, loaded['tls_ca_cert']):
        raise TlsError('tls_server_cert was not issued by tls_ca_cert: clients that trust tls_ca_cert would refuse the engine.',
                       'tls_server_cert')
    if _not_after(cert) <= (now or utcnow()):
        raise TlsError('tls_server_cert expired on %s.' % _iso(_not_after(cert)), 'tls_server_cert')


def cert_sans(cert):
    c = _crypto()
    x509 = c['x509']
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    sans = ['DNS:%s' % name.lower().rstrip('.') for name in ext.get_values_for_type(x509.DNSName)]
    sans += ['IP:%s' % address for address in ext.get_values_for_type(x509.IPAddress)]
    return sorted(set(sans))


def _eku(cert):
    c = _crypto()
    try:
        return set(cert.extensions.get_extension_for_class(c['x509'].ExtendedKeyUsage).value)
    except c['x509'].ExtensionNotFound:
        return set()


def _is_ca(cert):
    c = _crypto()
    try:
        return cert.extensions.get_extension_for_class(c['x509'].BasicConstraints).value.ca
    except c['x509'].ExtensionNotFound:
        return False


def _public_der(key_or_cert):
    s = _crypto()['serialization']
    return key_or_cert.public_key().public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)


def _signed_by(cert, issuer_cert):
    c = _crypto()
    if cert.issuer != issuer_cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer_cert)
        return True
    except AttributeError:  # cryptography < 40: check the signature by hand
        pass
    except (ValueError, TypeError, c['InvalidSignature']):
        return False
    public_key = issuer_cert.public_key()
    try:
        if isinstance(public_key, c['rsa'].RSAPublicKey):
            public_key.verify(cert.signature, cert.tbs_certificate_bytes, c['padding'].PKCS1v15(), cert.signature_hash_algorithm)
        else:
            public_key.verify(cert.signature, cert.tbs_certificate_bytes, c['ec'].ECDSA(cert.signature_hash_algorithm))
        return True
    except c['InvalidSignature']:
        return False


def _load(directory, kind):
    """(cert, key, problem) of the pair `kind`; problem is None when both load and match."""
    c = _crypto()
    cert_name, key_name = FILES[kind]
    cert_path, key_path = os.path.join(directory, cert_name), os.path.join(directory, key_name)
    if not os.path.exists(cert_path) or not os.path.exists(key_path):
        missing = [name for name, path in ((cert_name, cert_path), (key_name, key_path)) if not os.path.exists(path)]
        return None, None, 'missing %s' % ', '.join(missing)
    try:
        with open(cert_path, 'rb') as handle:
            cert = c['x509'].load_pem_x509_certificate(handle.read())
        with open(key_path, 'rb') as handle:
            key = c['serialization'].load_pem_private_key(handle.read(), password=None)
    except (ValueError, TypeError) as exc:
        return None, None, 'unreadable (%s)' % ' '.join(str(exc).split())
    if _public_der(key) != _public_der(cert):
        return cert, key, 'the key does not match the certificate'
    return cert, key, None


def check_pair(directory, kind, spec, now, ca_cert=None):
    """(cert or None, reason to regenerate or None)."""
    c = _crypto()
    cert, key, problem = _load(directory, kind)
    if problem:
        return cert, problem
    renew_at = _not_after(cert) - datetime.timedelta(days=spec['renew_before_days'])
    if _not_after(cert) <= now:
        return cert, 'expired on %s' % _iso(_not_after(cert))
    if renew_at <= now:
        return cert, 'expires on %s, within renew_before_days (%d)' % (_iso(_not_after(cert)), spec['renew_before_days'])
    eku = c['ExtendedKeyUsageOID']
    if kind == 'ca':
        if not _is_ca(cert):
            return cert, 'not a CA certificate'
        return cert, None
    if ca_cert is None or not _signed_by(cert, ca_cert):
        return cert, 'not issued by the current CA'
    if kind == 'server':
        if eku.SERVER_AUTH not in _eku(cert):
            return cert, 'lacks the serverAuth extended key usage'
        wanted = spec['sans']
        have = cert_sans(cert)
        if have != wanted:
            return cert, 'SANs differ (have %s, want %s)' % (', '.join(have) or 'none', ', '.join(wanted))
    if kind == 'client':
        if eku.CLIENT_AUTH not in _eku(cert):
            return cert, 'lacks the clientAuth extended key usage'
        names = cert.subject.get_attributes_for_oid(c['NameOID'].COMMON_NAME)
        if not names or names[0].value != spec['client_common_name']:
            return cert, 'common name differs (want %s)' % spec['client_common_name']
    return cert, None


def cert_info(directory, kind, cert):
    c = _crypto()
    cert_name, key_name = FILES[kind]
    info = dict(path=os.path.join(directory, cert_name), key_path=os.path.join(directory, key_name))
    if cert is None:
        info.update(not_after=None, serial=None, fingerprint_sha256=None, subject=None)
        if kind == 'server':
            info['sans'] = []
        return info
    info.update(
        not_after=_iso(_not_after(cert)),
        serial='%x' % cert.serial_number,
        fingerprint_sha256=cert.fingerprint(c['hashes'].SHA256()).hex(),
        subject=cert.subject.rfc4514_string(),
    )
    if kind == 'server':
        info['sans'] = cert_sans(cert)
    return info


def validate_spec(spec):
    if spec['key_type'] not in KEY_TYPES:
        raise TlsError('key_type must be one of %s.' % ', '.join(KEY_TYPES), 'key_type')
    if spec['key_type'] == 'rsa' and spec['rsa_key_size'] not in (2048, 3072, 4096):
        raise TlsError('rsa_key_size must be 2048, 3072 or 4096.', 'rsa_key_size')
    for option in ('ca_valid_days', 'cert_valid_days'):
        if spec[option] < 1:
            raise TlsError('%s must be at least 1.' % option, option)
        if spec['renew_before_days'] >= spec[option]:
            raise TlsError('renew_before_days (%d) must be less than %s (%d), or every run would renew.'
                           % (spec['renew_before_days'], option, spec[option]), 'renew_before_days')
    if spec['renew_before_days'] < 0:
        raise TlsError('renew_before_days must not be negative.', 'renew_before_days')
    for option in ('ca_common_name', 'server_common_name', 'client_common_name'):
        value = spec.get(option)
        if value is not None and not 1 <= len(value) <= 64:
            raise TlsError('%s must be 1-64 characters (an X.509 common name), got %d.' % (option, len(value)), option)
    if not spec['sans']:
        raise TlsError('Give the server certificate at least one name: ip_addresses and/or dns_names '
                       '(the VM public IP or FQDN the clients connect to).', 'ip_addresses')
    return spec


def make_spec(params: Mapping[str, Any]) -> dict[str, Any]:
    """The normalised specification from module options."""
    def number(option, default):
        return int(params[option]) if params.get(option) is not None else default  # 0 is a value, not 'unset'

    spec = dict(
        key_type=params.get('key_type') or 'ec',
        rsa_key_size=number('rsa_key_size', 3072),
        ca_valid_days=number('ca_valid_days', 3650),
        cert_valid_days=number('cert_valid_days', 825),
        renew_before_days=number('renew_before_days', 30),
        ca_common_name=params.get('ca_common_name') or 'dockyard Docker CA',
        client_common_name=params.get('client_common_name') or 'docker-client',
        sans=normalize_sans(params.get('ip_addresses'), params.get('dns_names')),
        force=bool(params.get('force')),
    )
    first_name = spec['sans'][0].split(':', 1)[1] if spec['sans'] else None
    if first_name and len(first_name) > 64:
        first_name = 'docker-server'  # a common name holds 64 characters; the SANs are what clients check
    spec['server_common_name'] = params.get('server_common_name') or first_name
    return validate_spec(spec)


def plan(directory, spec, now=None):
    """{kind: reason} of what must be (re)generated, and {kind: current cert or None}."""
    now = now or utcnow()
    reasons, certs = {}, {}
    ca_cert, reason = check_pair(directory, 'ca', spec, now)
    certs['ca'] = ca_cert
    if spec['force']:
        reason = 'force=true'
    if reason:
        reasons['ca'] = reason
    for kind in ('server', 'client'):
        cert, reason = check_pair(directory, kind, spec, now, ca_cert=ca_cert)
        certs[kind] = cert
        if 'ca' in reasons:
            reason = 'the CA is regenerated'
        if reason:
            reasons[kind] = reason
    return reasons, certs


# ---------------------------------------------------------------------------- generation


def _new_key(spec):
    c = _crypto()
    if spec['key_type'] == 'rsa':
        return c['rsa'].generate_private_key(public_exponent=65537, key_size=spec['rsa_key_size'])
    return c['ec'].generate_private_key(c['ec'].SECP256R1())


def _name(common_name):
    c = _crypto()
    return c['x509'].Name([c['x509'].NameAttribute(c['NameOID'].COMMON_NAME, common_name)])


def _builder(subject, issuer, public_key, now, days, cap=None):
    c = _crypto()
    x509 = c['x509']
    not_after = now + datetime.timedelta(days=days)
    if cap is not None and not_after > cap:
        not_after = cap
    return (x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(not_after)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def generate_ca(spec, now):
    c = _crypto()
    x509 = c['x509']
    key = _new_key(spec)
    name = _name(spec['ca_common_name'])
    cert = (_builder(name, name, key.public_key(), now, spec['ca_valid_days'])
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, c['hashes'].SHA256()))
    return cert, key


def generate_leaf(kind, spec, now, ca_cert, ca_key):
    c = _crypto()
    x509 = c['x509']
    key = _new_key(spec)
    eku = c['ExtendedKeyUsageOID']
    common_name = spec['server_common_name'] if kind == 'server' else spec['client_common_name']
    builder = (_builder(_name(common_name), ca_cert.subject, key.public_key(), now, spec['cert_valid_days'],
                        cap=_not_after(ca_cert))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                            key_encipherment=spec['key_type'] == 'rsa', data_encipherment=False,
                                            key_agreement=spec['key_type'] == 'ec', key_cert_sign=False, crl_sign=False,
                                            encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([eku.SERVER_AUTH if kind == 'server' else eku.CLIENT_AUTH]),
                              critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False))
    if kind == 'server':
        names = []
        for san in spec['sans']:
            san_kind, value = san.split(':', 1)
            names.append(x509.IPAddress(ipaddress.ip_address(value)) if san_kind == 'IP' else x509.DNSName(value))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(ca_key, c['hashes'].SHA256()), key


def _write(path, data, mode):
    directory = os.path.dirname(path)
    fd, temp = tempfile.mkstemp(prefix='.tmp-', dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def _pem_cert(cert):
    return cert.public_bytes(_crypto()['serialization'].Encoding.PEM)


def _pem_key(key):
    s = _crypto()['serialization']
    return key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption())


def _load_ca_key(directory):
    c = _crypto()
    with open(os.path.join(directory, FILES['ca'][1]), 'rb') as handle:
        return c['serialization'].load_pem_private_key(handle.read(), password=None)


def ensure_modes(directory, check_mode):
    """Key files must be 0600: returns the keys whose mode is (or would be) fixed."""
    fixed = []
    for kind in ORDER:
        path = os.path.join(directory, FILES[kind][1])
        if os.path.exists(path) and os.stat(path).st_mode & 0o077:
            fixed.append(path)
            if not check_mode:
                os.chmod(path, 0o600)
    return fixed


def converge(directory: str, spec: Mapping[str, Any], check_mode: bool = False,
             now: datetime.datetime | None = None) -> dict[str, Any]:
    """Plan and, unless check_mode, apply. Returns the result dict of the docker_tls module (no key material)."""
    now = now or utcnow()
    directory = os.path.abspath(os.path.expanduser(directory))
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise TlsError('path %s exists and is not a directory.' % directory, 'path')
    reasons, certs = plan(directory, spec, now) if os.path.isdir(directory) else (
        dict.fromkeys(ORDER, 'missing directory'), dict.fromkeys(ORDER))
    before = {kind: cert_info(directory, kind, certs[kind]) for kind in ORDER}
    modes_fixed = ensure_modes(directory, check_mode) if os.path.isdir(directory) else []
    after_certs = dict(certs)
    if reasons and not check_mode:
        if not os.path.isdir(directory):
            os.makedirs(directory, mode=0o700)
        if 'ca' in reasons:
            ca_cert, ca_key = generate_ca(spec, now)
            _write(os.path.join(directory, FILES['ca'][1]), _pem_key(ca_key), 0o600)
            _write(os.path.join(directory, FILES['ca'][0]), _pem_cert(ca_cert), 0o644)
        else:
            ca_cert, ca_key = certs['ca'], _load_ca_key(directory)
        after_certs['ca'] = ca_cert
        for kind in ('server', 'client'):
            if kind in reasons:
                cert, key = generate_leaf(kind, spec, now, ca_cert, ca_key)
                _write(os.path.join(directory, FILES[kind][1]), _pem_key(key), 0o600)
                _write(os.path.join(directory, FILES[kind][0]), _pem_cert(cert), 0o644)
                after_certs[kind] = cert
    after = {kind: cert_info(directory, kind, after_certs[kind]) for kind in ORDER}
    if check_mode:
        for kind in reasons:
            after[kind] = dict(after[kind], not_after='(regenerated)', serial=None, fingerprint_sha256=None)
            if kind == 'server':
                after[kind]['sans'] = list(spec['sans'])
    result = dict(
        changed=bool(reasons or modes_fixed),
        path=directory,
        regenerated=[dict(name=kind, reason=reasons[kind]) for kind in ORDER if kind in reasons],
        modes_fixed=modes_fixed,
        ca=after['ca'], server=after['server'], client=after['client'],
        docker_env=dict(DOCKER_CERT_PATH=directory, DOCKER_TLS_VERIFY='1'),
    )
    result['diff'] = dict(before=before, after=after)
    return result


class TlsManager:
    """The docker_tls module: the material in `params['path']` made to match the options."""

    def __init__(self, params: Mapping[str, Any], check_mode: bool = False, diff: bool = False) -> None:
        self.params = params
        self.check_mode = check_mode
        self.diff = diff

    def run(self) -> dict[str, Any]:
        spec = make_spec(self.params)
        path = self.params['path']
        try:
            result = converge(path, spec, check_mode=self.check_mode)
        except OSError as exc:
            raise TlsError('Could not write the TLS material in %s: %s' % (path, exc), 'path') from exc
        diff = result.pop('diff')
        if self.diff:
            result['diff'] = diff
        return result
