"""Certificates for the HTTPS listener and JSON Web Tokens (RS256) for the token endpoint."""

import base64
import datetime
import hashlib
import ipaddress
import json
import os
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from .errors import TokenError

SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _write(path, data, private=False):
    path.write_bytes(data)
    if private:
        os.chmod(path, 0o600)


def _certificate(subject, issuer, public_key, signing_key, days, ca=False, san=None):
    name = lambda cn: x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])  # noqa: E731
    now = _utcnow()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(subject)).issuer_name(name(issuer)).public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def ensure_pki(state_dir: Path):
    """Create the CA, the server certificate, a service principal client certificate and the CA bundle."""
    ca_pem, ca_key_pem = state_dir / "ca.pem", state_dir / "ca-key.pem"
    if not ca_pem.exists():
        new_ca_key = ec.generate_private_key(ec.SECP256R1())
        _write(ca_key_pem, _pem_key(new_ca_key), private=True)
        new_ca_cert = _certificate("Dockyard Azure Emulator CA", "Dockyard Azure Emulator CA",
                                   new_ca_key.public_key(), new_ca_key, 3650, ca=True)
        _write(ca_pem, new_ca_cert.public_bytes(serialization.Encoding.PEM))
    ca_key = serialization.load_pem_private_key(ca_key_pem.read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(ca_pem.read_bytes())
    if not (state_dir / "server.pem").exists():
        server_key = ec.generate_private_key(ec.SECP256R1())
        san = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("::1")),
               x509.DNSName("localhost")]
        cert = _certificate("localhost", "Dockyard Azure Emulator CA", server_key.public_key(), ca_key, 825, san=san)
        _write(state_dir / "server-key.pem", _pem_key(server_key), private=True)
        _write(state_dir / "server.pem", cert.public_bytes(serialization.Encoding.PEM)
               + ca_cert.public_bytes(serialization.Encoding.PEM))
    if not (state_dir / "client.pem").exists():
        # Certificate credential of the emulator's service principal (PEM with key, as azure-identity wants it).
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = _certificate("dockyard-emulator-sp", "dockyard-emulator-sp", key.public_key(), key, 3650)
        _write(state_dir / "client.pem", _pem_key(key) + cert.public_bytes(serialization.Encoding.PEM), private=True)
    bundle = state_dir / "ca-bundle.pem"
    if not bundle.exists():
        system = SYSTEM_BUNDLE if SYSTEM_BUNDLE.exists() else Path(__import__("certifi").where())
        _write(bundle, system.read_bytes().rstrip(b"\n") + b"\n" + ca_pem.read_bytes())


def client_certificate_thumbprints(state_dir: Path):
    """SHA-1 and SHA-256 thumbprints (x5t / x5t#S256) and the public key of the client certificate."""
    cert = x509.load_pem_x509_certificate((state_dir / "client.pem").read_bytes())
    der = cert.public_bytes(serialization.Encoding.DER)
    return {b64url(hashlib.sha1(der).digest()), b64url(hashlib.sha256(der).digest())}, cert.public_key()


# JSON Web Tokens ------------------------------------------------------------------------------
def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_signing_key_pem() -> str:
    return _pem_key(rsa.generate_private_key(public_exponent=65537, key_size=2048)).decode()


def load_key(pem: str):
    return serialization.load_pem_private_key(pem.encode(), None)


def jwk(public_key, kid):
    numbers = public_key.public_numbers()
    as_b64 = lambda n: b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))  # noqa: E731
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": as_b64(numbers.n), "e": as_b64(numbers.e)}


def encode_jwt(claims, key, kid):
    header = {"typ": "JWT", "alg": "RS256", "kid": kid}
    signing_input = ".".join(b64url(json.dumps(p, separators=(",", ":")).encode()) for p in (header, claims))
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url(signature)


def decode_jwt(token):
    """(header, claims, signing_input, signature) of a compact JWS; TokenError when malformed."""
    try:
        head, body, sig = token.split(".")
        header, claims = json.loads(b64url_decode(head)), json.loads(b64url_decode(body))
        signature = b64url_decode(sig)
    except (ValueError, AttributeError) as exc:
        raise TokenError("malformed JWT") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict) or "alg" not in header:
        raise TokenError("malformed JWT")
    return header, claims, f"{head}.{body}".encode(), signature


def verify_jwt(token, public_key):
    """Claims of a JWT signed with RS256 or PS256 by ``public_key``; TokenError otherwise."""
    header, claims, signing_input, signature = decode_jwt(token)
    pad = {"RS256": padding.PKCS1v15(),
           "PS256": padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)}
    if header["alg"] not in pad:
        raise TokenError("unsupported signing algorithm %r" % header["alg"])
    try:
        public_key.verify(signature, signing_input, pad[header["alg"]], hashes.SHA256())
    except InvalidSignature as exc:
        raise TokenError("invalid signature") from exc
    return header, claims


# Certificates for services next to the emulator (e.g. container registries) --------------------
def issue_server_certificate(state_dir: Path, common_name: str, addresses: list[str], names: list[str],
                             certificate: Path, key: Path, days: int = 825) -> None:
    """Write a TLS server certificate signed by the state dir's CA (with the CA appended) and its key."""
    ca_key = serialization.load_pem_private_key((state_dir / "ca-key.pem").read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate((state_dir / "ca.pem").read_bytes())
    server_key = ec.generate_private_key(ec.SECP256R1())
    san: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    san += [x509.DNSName(n) for n in names]
    cert = _certificate(common_name, "Dockyard Azure Emulator CA", server_key.public_key(), ca_key, days, san=san)
    _write(key, _pem_key(server_key), private=True)
    _write(certificate, cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM))


def ensure_signing_certificate(certificate: Path, key: Path, common_name: str) -> None:
    """A self-signed RSA certificate and key for signing tokens (kept once made)."""
    if certificate.exists() and key.exists():
        return
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate(common_name, common_name, private.public_key(), private, 3650)
    _write(key, _pem_key(private), private=True)
    _write(certificate, cert.public_bytes(serialization.Encoding.PEM))


def libtrust_key_id(public_key) -> str:
    """The key id Docker's libtrust derives from a public key (the ``kid`` Distribution's token auth matches):
    SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32, in 12 groups of 4 joined by ':'."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    text = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(text[i:i + 4] for i in range(0, len(text), 4))
