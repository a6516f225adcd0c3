"""Bitstring Status List: revocation bits encoded exactly as the W3C specification says."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime

import nacl.signing
import pytest

from certificates.adapters.signing import IssuerKey, verification_method_id, verify_credential_jwt
from certificates.adapters.status_list import (
    MAX_LIST_BYTES,
    MIN_LIST_BITS,
    StatusListError,
    bit_at,
    build_status_list_credential,
    check_status,
    decode_status_list,
    encode_status_list,
    is_revoked,
    sign_status_list_credential,
    status_list_entry,
)

pytestmark = pytest.mark.unit

LIST_URL = "https://kentbilim.example.org/status/1"
DID = "did:web:kentbilim.example.org"


def _spec_decode(encoded: str) -> bytes:
    """Decode an encodedList following the specification's algorithm, step by step."""
    assert encoded[0] == "u"  # multibase prefix for base64url without padding
    body = encoded[1:]
    assert "=" not in body and "+" not in body and "/" not in body
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_revoking_index_12345_sets_that_bit() -> None:
    encoded = encode_status_list([12345])
    raw = _spec_decode(encoded)
    assert len(raw) == MIN_LIST_BITS // 8 == 16 * 1024
    # Bit 12345 lives in byte 1543, at position 1 counting from the most significant bit.
    assert raw[12345 // 8] == 0x80 >> (12345 % 8) == 0b0100_0000
    assert sum(bin(byte).count("1") for byte in raw) == 1
    assert is_revoked(encoded, 12345)
    assert not is_revoked(encoded, 12344)
    assert not is_revoked(encoded, 12346)


def test_bit_zero_is_the_leftmost_bit_of_the_first_byte() -> None:
    raw = _spec_decode(encode_status_list([0, 15]))
    assert raw[0] == 0b1000_0000
    assert raw[1] == 0b0000_0001
    assert bit_at(raw, 0) and bit_at(raw, 15) and not bit_at(raw, 1)


def test_round_trip_of_many_indexes() -> None:
    revoked = {0, 7, 8, 1000, 65_535, MIN_LIST_BITS - 1}
    bits = decode_status_list(encode_status_list(revoked))
    assert {index for index in range(MIN_LIST_BITS) if bit_at(bits, index)} == revoked


def test_empty_list_is_small_and_deterministic() -> None:
    assert encode_status_list([]) == encode_status_list([])
    assert len(encode_status_list([])) < 200


def test_bigger_lists_and_bad_sizes() -> None:
    bits = decode_status_list(encode_status_list([200_000], size_bits=2 * MIN_LIST_BITS))
    assert len(bits) * 8 == 2 * MIN_LIST_BITS and bit_at(bits, 200_000)
    with pytest.raises(StatusListError, match="at least 131072 bits"):
        encode_status_list([], size_bits=1024)


@pytest.mark.parametrize("index", [-1, MIN_LIST_BITS, True, 1.5, "3"])
def test_out_of_range_indexes_are_refused(index: object) -> None:
    with pytest.raises(StatusListError, match="index"):
        encode_status_list([index])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("H4sIAAAA", "start with 'u'"),
        ("u!!!", "base64url"),
        ("u" + base64.urlsafe_b64encode(b"not gzip").decode().rstrip("="), "GZIP"),
        ("u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * 100, mtime=0)).decode().rstrip("="), "minimum"),
    ],
)
def test_malformed_lists_are_refused(encoded: str, message: str) -> None:
    with pytest.raises(StatusListError, match=message):
        decode_status_list(encoded)


def test_decompression_bombs_are_refused() -> None:
    bomb = gzip.compress(b"\0" * (MAX_LIST_BYTES + 1024))
    with pytest.raises(StatusListError, match="larger than"):
        decode_status_list("u" + base64.urlsafe_b64encode(bomb).decode().rstrip("="))


def test_status_list_credential_is_signed_and_checkable() -> None:
    key = IssuerKey.generate()
    method = verification_method_id(DID, key)
    credential = build_status_list_credential(
        list_url=LIST_URL,
        issuer_id=DID,
        revoked=[12345],
        valid_from=datetime(2025, 3, 12, tzinfo=UTC),
        ttl_ms=300_000,
    )
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = credential["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["id"] == f"{LIST_URL}#list"

    token = sign_status_list_credential(key, credential, verification_method=method)
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    nacl.signing.VerifyKey(base64.urlsafe_b64decode(pad(key.public_jwk["x"]))).verify(
        f"{header}.{payload}".encode(), base64.urlsafe_b64decode(pad(signature))
    )
    assert json.loads(base64.urlsafe_b64decode(pad(header)))["typ"] == "vc+jwt"

    published = verify_credential_jwt(token, key.public_jwk)
    revoked_one = {"credentialStatus": status_list_entry(LIST_URL, 12345)}
    valid_one = {"credentialStatus": status_list_entry(LIST_URL, 54321)}
    assert check_status(revoked_one, published) is True
    assert check_status(valid_one, published) is False
    with pytest.raises(StatusListError, match="different status list"):
        check_status({"credentialStatus": status_list_entry(LIST_URL + "0", 1)}, published)
