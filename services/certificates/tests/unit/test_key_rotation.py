"""Issuer key rotation: retired public keys are parsed strictly, published once each, and never sign."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import nacl.signing
import pytest
from cryptography.hazmat.primitives import serialization

from certificates.adapters.credentials import (
    VcJwtSigner,
    jws_key_id,
    parse_retired_keys,
    published_keys,
    read_retired_key_files,
)
from certificates.adapters.signing import IssuerKey, IssuerPublicKey
from certificates.service_layer.ports import CredentialFacts

pytestmark = pytest.mark.unit

BASE_URL = "https://kentbilim.example.org"


def public_pem(key: IssuerKey) -> str:
    return key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def public_jwk(key: IssuerKey) -> dict[str, str]:
    return {name: value for name, value in key.public_jwk.items() if name in ("kty", "crv", "x")}


def facts() -> CredentialFacts:
    import uuid

    return CredentialFacts(
        certificate_id=uuid.uuid4(),
        code="KB-TEST",
        learner_name="Aigerim Nurlanovna",
        learner_id=None,
        course_id="course-1",
        course_title="Participatory budgeting",
        course_version=1,
        lang="en",
        issued_at=datetime(2026, 11, 27, tzinfo=UTC),
        issuer_name="UN-Habitat",
        verify_url=f"{BASE_URL}/verify/KB-TEST",
        status_list_index=7,
    )


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_every_accepted_form_gives_the_same_key_ids() -> None:
    first, second = IssuerKey.generate(), IssuerKey.generate()
    expected = [first.key_id, second.key_id]
    forms = [
        json.dumps([public_jwk(first), public_jwk(second)]),
        json.dumps([first.public_jwk, second.public_jwk]),  # with kid, alg, use, as our JWKS has them
        json.dumps({"keys": [first.public_jwk, second.public_jwk]}),  # a saved copy of our JWKS
        json.dumps([public_pem(first), public_jwk(second)]),
        public_pem(first) + "\n" + public_pem(second),
    ]
    for text in forms:
        assert [key.key_id for key in parse_retired_keys(text)] == expected, text


def test_empty_setting_means_no_retired_keys() -> None:
    assert parse_retired_keys("") == []
    assert parse_retired_keys("  \n") == []
    assert parse_retired_keys("[]") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"kty": "OKP"}', "JWK Set with a 'keys' list"),
        ('"a string"', "must be a JSON list"),
        ("[42]", "key 1: expected a JWK object or a PEM string, got int"),
        ('[{"kty": "RSA", "n": "x", "e": "AQAB"}]', "key 1: expected kty OKP and crv Ed25519"),
        ('[{"kty": "OKP", "crv": "Ed25519"}]', "key 1: 'x' (the base64url public key) is missing"),
        ('[{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}]', "key 1: an Ed25519 public key is 32 bytes, got 3"),
        ("just some text", "must be a JSON list of public JWKs or PEM strings"),
    ],
)
def test_malformed_settings_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="LMS_ISSUER_RETIRED_KEYS") as raised:
        parse_retired_keys(text)
    assert message in str(raised.value)


def test_private_material_is_refused_in_the_setting() -> None:
    key = IssuerKey.generate()
    private_jwk = public_jwk(key) | {"d": "c2VjcmV0"}
    with pytest.raises(ValueError, match="key 2: it contains the private part 'd'"):
        parse_retired_keys(json.dumps([public_jwk(IssuerKey.generate()), private_jwk]))
    with pytest.raises(ValueError, match="key 1: it is a private key"):
        parse_retired_keys(json.dumps([key.private_pem().decode("ascii")]))


def test_a_kid_that_is_not_the_thumbprint_is_refused() -> None:
    key = IssuerKey.generate()
    with pytest.raises(ValueError, match="is not the key's thumbprint"):
        parse_retired_keys(json.dumps([public_jwk(key) | {"kid": "my-old-key"}]))


def test_non_ed25519_pem_is_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    with pytest.raises(ValueError, match="key 1: issuer keys are Ed25519"):
        parse_retired_keys(json.dumps([pem]))


def test_retired_folder_takes_private_and_public_pems(tmp_path: Path) -> None:
    old, older = IssuerKey.generate(), IssuerKey.generate()
    (tmp_path / "2025-issuer-ed25519.pem").write_bytes(older.private_pem())  # moved there as it was
    (tmp_path / "2026-issuer-ed25519.pem").write_text(public_pem(old))
    (tmp_path / "README.txt").write_text("not a key")
    assert [k.key_id for k in read_retired_key_files(tmp_path)] == [older.key_id, old.key_id]
    assert read_retired_key_files(tmp_path / "missing") == []
    (tmp_path / "broken.pem").write_text("garbage")
    with pytest.raises(ValueError, match=r"broken\.pem"):
        read_retired_key_files(tmp_path)


def test_current_key_first_and_every_retired_key_once() -> None:
    current, retired = IssuerKey.generate(), IssuerKey.generate()
    keys = published_keys(current, [retired.public, current.public, retired.public])
    assert [k.key_id for k in keys] == [current.key_id, retired.key_id]


def test_only_the_current_key_signs_and_every_key_is_published() -> None:
    old, current = IssuerKey.generate(), IssuerKey.generate()
    before = VcJwtSigner(old, BASE_URL)
    old_token = before.sign(facts()).jws
    signer = VcJwtSigner(current, BASE_URL, [old.public])

    new_token = signer.sign(facts()).jws
    status_token = signer.sign_status_list(0, [7])
    assert jws_key_id(new_token) == jws_key_id(status_token) == f"{signer.did}#{current.key_id}"
    assert signer.signed_with_current_key(new_token)
    assert not signer.signed_with_current_key(old_token)
    assert not signer.signed_with_current_key("not a token")

    jwks = {jwk["kid"]: jwk for jwk in signer.jwks()["keys"]}
    assert list(jwks) == [f"{signer.did}#{current.key_id}", f"{signer.did}#{old.key_id}"]
    document = signer.did_document()
    methods = {m["id"]: m for m in document["verificationMethod"] if m["type"] == "JsonWebKey2020"}
    assert list(methods) == [f"{signer.did}#{current.key_id}", f"{signer.did}#{old.key_id}"]
    multikeys = [m["id"] for m in document["verificationMethod"] if m["type"] == "Multikey"]
    assert multikeys == [current.multikey_id(signer.did), old.multikey_id(signer.did)]
    assert document["assertionMethod"] == [m["id"] for m in document["verificationMethod"]]
    # A Data Integrity proof by the retired key still verifies; the new one names the current key.
    old_proved = before.sign(facts()).data_integrity
    assert old_proved is not None
    assert signer.verify_data_integrity(old_proved)
    assert not signer.proved_with_current_key(old_proved)
    assert not VcJwtSigner(current, BASE_URL).verify_data_integrity(old_proved)  # unpublished key: refused
    # Both tokens verify with libsodium, each with the published key its header names.
    for token in (old_token, new_token):
        header_b64, payload_b64, signature_b64 = token.split(".")
        kid = json.loads(b64url_decode(header_b64))["kid"]
        jwk = jwks[kid]  # the JWKS kid is the header's kid, as a plain JOSE client looks it up
        assert methods[kid]["publicKeyJwk"]["x"] == jwk["x"]
        nacl.signing.VerifyKey(b64url_decode(jwk["x"])).verify(
            f"{header_b64}.{payload_b64}".encode("ascii"), b64url_decode(signature_b64)
        )


def test_public_key_round_trips() -> None:
    key = IssuerKey.generate()
    assert IssuerPublicKey.from_jwk(key.public_jwk).public_jwk == key.public_jwk
    assert IssuerPublicKey.from_pem(public_pem(key)).key_id == key.key_id
    assert IssuerPublicKey.from_pem(key.private_pem(), allow_private=True).key_id == key.key_id
