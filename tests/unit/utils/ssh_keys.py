# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenSSH public keys for the VM tests: well-formed key blobs, no key material anyone could use."""

from __future__ import annotations

import base64
import struct


def _ssh_string(data: bytes) -> bytes:
    return struct.pack('>I', len(data)) + data


def ed25519_key(seed: int = 1, comment: str = 'user@host') -> str:
    blob = _ssh_string(b'ssh-ed25519') + _ssh_string(bytes([seed]) * 32)
    return 'ssh-ed25519 %s %s' % (base64.b64encode(blob).decode(), comment)


def rsa_key(bits: int = 2048) -> str:
    modulus = (1 << (bits - 1)) | 1
    blob = _ssh_string(b'ssh-rsa') + _ssh_string(b'\x01\x00\x01') + _ssh_string(b'\x00' + modulus.to_bytes(bits // 8, 'big'))
    return 'ssh-rsa %s' % base64.b64encode(blob).decode()


ED25519 = ed25519_key()
