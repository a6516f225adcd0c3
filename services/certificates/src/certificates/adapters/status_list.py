"""Revocation through a W3C Bitstring Status List (v1.0).

Each certificate's credential names one bit (``statusListIndex``) in a published list
credential; the bit is 1 when the certificate is revoked. A verifier fetches the list once and
checks any number of credentials offline, and learns nothing about which certificate is being
checked from our logs: that is why the list is a large shared bitstring rather than a
per-certificate status endpoint.

Encoding, per the specification: the bitstring is at least 16 KB (131,072 entries, so a
single revocation does not stand out), bit 0 is the most significant (leftmost) bit of the
first byte, the bytes are GZIP-compressed, then base64url-encoded without padding and given
the multibase prefix ``u``. An all-zero list compresses to about 150 bytes.

Indexes must be allocated at random within a list (not in issue order) for the same herd
privacy; that is the service's job, this module only encodes and decodes.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from certificates.adapters.signing import VC_CONTEXT_V2, IssuerKey, vc_timestamp

MIN_LIST_BITS: Final = 131_072
MULTIBASE_BASE64URL: Final = "u"
STATUS_PURPOSE_REVOCATION: Final = "revocation"
# Decompression limit, so a hostile list cannot exhaust memory (16 MB = 134 million entries).
MAX_LIST_BYTES: Final = 16 * 1024 * 1024
_BASE64URL_RE: Final = re.compile(r"[A-Za-z0-9_-]*")


class StatusListError(ValueError):
    """An encoded status list, or an index into one, is invalid."""


def encode_status_list(revoked: Iterable[int], size_bits: int = MIN_LIST_BITS) -> str:
    """The ``encodedList`` value with the bits at ``revoked`` set."""
    if size_bits < MIN_LIST_BITS or size_bits % 8:
        raise StatusListError(f"a status list has at least {MIN_LIST_BITS} bits, in whole bytes")
    bits = bytearray(size_bits // 8)
    for index in revoked:
        _check_index(index, size_bits)
        bits[index >> 3] |= 0x80 >> (index & 7)
    # mtime=0 keeps the output a pure function of the bits, so unchanged lists re-sign identically.
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_status_list(encoded: str) -> bytes:
    """The raw bitstring of an ``encodedList`` value."""
    if not isinstance(encoded, str) or not encoded.startswith(MULTIBASE_BASE64URL):
        raise StatusListError("encodedList must be multibase base64url (start with 'u')")
    body = encoded[len(MULTIBASE_BASE64URL) :]
    # The decoder below silently skips characters outside the alphabet, so check first.
    if not _BASE64URL_RE.fullmatch(body):
        raise StatusListError("encodedList is not base64url without padding")
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise StatusListError(f"encodedList is not base64url: {exc}") from None
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)  # 16+: expect a gzip header
    try:
        bits = decompressor.decompress(compressed, MAX_LIST_BYTES + 1)
    except zlib.error as exc:
        raise StatusListError(f"encodedList is not GZIP data: {exc}") from None
    if len(bits) > MAX_LIST_BYTES:
        raise StatusListError(f"status list is larger than {MAX_LIST_BYTES} bytes")
    if not decompressor.eof:
        raise StatusListError("encodedList GZIP data is truncated")
    if len(bits) * 8 < MIN_LIST_BITS:
        raise StatusListError(f"status list has {len(bits) * 8} bits; the minimum is {MIN_LIST_BITS}")
    return bits


def bit_at(bits: bytes, index: int) -> bool:
    """Whether bit ``index`` of a decoded bitstring is set."""
    _check_index(index, len(bits) * 8)
    return bool(bits[index >> 3] & (0x80 >> (index & 7)))


def is_revoked(encoded: str, index: int) -> bool:
    """Whether the certificate at ``index`` is revoked in the list ``encoded``."""
    return bit_at(decode_status_list(encoded), index)


def _check_index(index: int, size_bits: int) -> None:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < size_bits:
        raise StatusListError(f"status list index must be an integer in [0, {size_bits}), got {index!r}")


def status_list_entry(list_url: str, index: int, purpose: str = STATUS_PURPOSE_REVOCATION) -> dict[str, str]:
    """The ``credentialStatus`` entry pointing a credential at bit ``index`` of ``list_url``."""
    _check_index(index, MAX_LIST_BYTES * 8)
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),  # a string, as the specification requires
        "statusListCredential": list_url,
    }


def build_status_list_credential(
    *,
    list_url: str,
    issuer_id: str,
    revoked: Iterable[int],
    valid_from: datetime,
    valid_until: datetime | None = None,
    size_bits: int = MIN_LIST_BITS,
    purpose: str = STATUS_PURPOSE_REVOCATION,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """A ``BitstringStatusListCredential`` (unsigned) whose list has the ``revoked`` bits set.

    ``ttl_ms`` tells verifiers how long they may cache the list.
    """
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encode_status_list(revoked, size_bits),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": vc_timestamp(valid_from),
        "credentialSubject": subject,
    }
    if valid_until is not None:
        credential["validUntil"] = vc_timestamp(valid_until)
    return credential


def sign_status_list_credential(key: IssuerKey, credential: Mapping[str, Any], *, verification_method: str) -> str:
    """Secure a status list credential exactly like the certificates: a ``vc+jwt``."""
    return key.sign_credential(credential, verification_method=verification_method)


def check_status(credential: Mapping[str, Any], status_list_credential: Mapping[str, Any]) -> bool:
    """Whether ``credential`` is revoked according to a (verified) status list credential.

    Raises :class:`StatusListError` when the credential does not point at this list.
    """
    entry = credential.get("credentialStatus")
    subject = status_list_credential.get("credentialSubject")
    if not isinstance(entry, Mapping) or not isinstance(subject, Mapping):
        raise StatusListError("credential or status list has no status information")
    if entry.get("statusListCredential") != status_list_credential.get("id"):
        raise StatusListError("the credential refers to a different status list")
    if entry.get("statusPurpose") != subject.get("statusPurpose"):
        raise StatusListError("status purposes differ")
    raw_index = entry.get("statusListIndex")
    if not isinstance(raw_index, str) or not raw_index.isdecimal():
        raise StatusListError(f"statusListIndex must be a decimal string, got {raw_index!r}")
    return is_revoked(str(subject.get("encodedList")), int(raw_index))
