"""The two deterministic name functions of ARM templates: uniqueString() and guid().

uniqueString() joins its arguments with '-', hashes the UTF-8 bytes with the 64-bit MurmurHash
variant of Microsoft's ResourceStack library (two interleaved 32-bit lanes, its own constants)
and writes the 64 bits as 13 characters of lowercase base32, most significant bits first.
guid() is a name-based (version 5, SHA-1) UUID over the '-'-joined arguments in ARM's fixed
namespace 11fb06fb-712d-4ddd-98c7-e71bbd588830.  Tests pin outputs produced by Azure.
"""

from __future__ import annotations

import uuid

_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
_C1 = 0x239B961B
_C2 = 0xAB0E9789
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
ARM_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")


def _rotl(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (32 - bits))) & _MASK32


def _fmix(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK32
    return h ^ (h >> 16)


def _mix_lane1(h1: int, k1: int) -> int:
    k1 = (k1 * _C1) & _MASK32
    k1 = _rotl(k1, 15)
    return h1 ^ ((k1 * _C2) & _MASK32)


def _mix_lane2(h2: int, k2: int) -> int:
    k2 = (k2 * _C2) & _MASK32
    k2 = _rotl(k2, 17)
    return h2 ^ ((k2 * _C1) & _MASK32)


def murmur_hash64(data: bytes, seed: int = 0) -> int:
    """ResourceStack's ComputeMurmurHash64 (not MurmurHash64A: different lanes and constants)."""
    h1 = h2 = seed & _MASK32
    length = len(data)
    index = 0
    while index + 7 < length:
        h1 = _mix_lane1(h1, int.from_bytes(data[index:index + 4], "little"))
        h1 = _rotl(h1, 19)
        h1 = (h1 + h2) & _MASK32
        h1 = (h1 * 5 + 0x561CCD1B) & _MASK32
        h2 = _mix_lane2(h2, int.from_bytes(data[index + 4:index + 8], "little"))
        h2 = _rotl(h2, 13)
        h2 = (h2 + h1) & _MASK32
        h2 = (h2 * 5 + 0x0BCAA747) & _MASK32
        index += 8
    tail = length - index
    if tail > 0:
        h1 = _mix_lane1(h1, int.from_bytes(data[index:index + min(tail, 4)], "little"))
        if tail > 4:
            h2 = _mix_lane2(h2, int.from_bytes(data[index + 4:index + tail], "little"))
    h1 ^= length & _MASK32
    h2 ^= length & _MASK32
    h1 = (h1 + h2) & _MASK32
    h2 = (h2 + h1) & _MASK32
    h1 = _fmix(h1)
    h2 = _fmix(h2)
    h1 = (h1 + h2) & _MASK32
    h2 = (h2 + h1) & _MASK32
    return (h2 << 32) | h1


def unique_string(*values: str) -> str:
    """ARM's uniqueString(): 13 base32 characters of the hash of the '-'-joined values."""
    digest = murmur_hash64("-".join(values).encode("utf-8"))
    chars = []
    for _ in range(13):
        chars.append(_BASE32[digest >> 59])
        digest = (digest << 5) & _MASK64
    return "".join(chars)


def arm_guid(*values: str) -> str:
    """ARM's guid(): UUID v5 of the '-'-joined values in ARM's namespace, lowercase."""
    return str(uuid.uuid5(ARM_GUID_NAMESPACE, "-".join(values)))
