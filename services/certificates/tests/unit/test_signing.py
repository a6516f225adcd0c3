"""Signed Open Badges credentials, checked by an independent Ed25519 implementation (libsodium)."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certificates.adapters.signing import (
    OB_CONTEXT_V3,
    VC_CONTEXT_V2,
    CredentialVerificationError,
    IssuerKey,
    IssuerPublicKey,
    build_did_document,
    build_jwks,
    build_open_badge_credential,
    decode_enveloped_credential,
    did_document_path,
    did_web_for,
    envelope_credential,
    token_from_envelope,
    verification_method_id,
    verify_credential_jwt,
)
from certificates.adapters.status_list import status_list_entry

pytestmark = pytest.mark.unit

BASE_URL = "http://127.0.0.1:8000"
DID = "did:web:127.0.0.1%3A8000"


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _credential(learner_name: str = "Әлия Қасымқызы") -> dict[str, Any]:
    return build_open_badge_credential(
        credential_id="https://kentbilim.example.org/verify/KB-7QX4-M9PA-K3TD",
        issuer_id=DID,
        issuer_name="Kentbilim Urban Governance Academy",
        learner_name=learner_name,
        achievement_id="https://kentbilim.example.org/courses/participatory-budgeting/v3",
        course_title="Participatory Budgeting",
        description="A course on participatory budgeting for municipal officials.",
        criteria="Completed every required lesson and passed the final quiz.",
        valid_from=datetime(2025, 3, 12, 9, 30, 15, 123456, tzinfo=UTC),
        credential_status=status_list_entry("https://kentbilim.example.org/status/1", 12345),
        language="kk",
    )


@pytest.fixture(scope="module")
def key() -> IssuerKey:
    return IssuerKey.generate()


def _nacl_verify(token: str, public_jwk: dict[str, str]) -> dict[str, Any]:
    """Verify a compact JWS with libsodium, knowing nothing of our code: the independent check."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    verify_key = nacl.signing.VerifyKey(_b64decode(public_jwk["x"]))
    verify_key.verify(f"{header_b64}.{payload_b64}".encode("ascii"), _b64decode(signature_b64))
    payload: dict[str, Any] = json.loads(_b64decode(payload_b64))
    return payload


def test_credential_verifies_with_libsodium(key: IssuerKey) -> None:
    credential = _credential()
    token = key.sign_credential(credential, verification_method=verification_method_id(DID, key))
    payload = _nacl_verify(token, key.public_jwk)
    assert payload["credentialSubject"]["name"] == "Әлия Қасымқызы"
    assert {name: value for name, value in payload.items() if name not in ("iss", "jti")} == credential


def test_tampered_credential_fails_libsodium_and_our_check(key: IssuerKey) -> None:
    token = key.sign_credential(_credential(), verification_method=verification_method_id(DID, key))
    header_b64, payload_b64, signature_b64 = token.split(".")
    payload = json.loads(_b64decode(payload_b64))
    payload["credentialSubject"]["name"] = "Someone Else"
    forged = f"{header_b64}.{_b64encode(json.dumps(payload).encode())}.{signature_b64}"
    with pytest.raises(nacl.exceptions.BadSignatureError):
        _nacl_verify(forged, key.public_jwk)
    with pytest.raises(CredentialVerificationError):
        verify_credential_jwt(forged, key.public_jwk)


def test_jose_header_follows_vc_jose_cose(key: IssuerKey) -> None:
    token = key.sign_credential(_credential(), verification_method=verification_method_id(DID, key))
    header = json.loads(_b64decode(token.split(".")[0]))
    assert header == {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": f"{DID}#{key.key_id}"}
    payload = verify_credential_jwt(token, key.public_jwk)
    assert "vc" not in payload  # VC-JOSE-COSE: the payload is the credential itself
    assert payload["iss"] == payload["issuer"]["id"] == DID
    # No jti: the claims set is the JSON-LD credential, and no context of ours defines jti (issue 17).
    assert "jti" not in payload


def test_open_badge_credential_shape() -> None:
    credential = _credential()
    assert credential["@context"] == [VC_CONTEXT_V2, OB_CONTEXT_V3]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {"id": DID, "type": ["Profile"], "name": "Kentbilim Urban Governance Academy"}
    assert credential["validFrom"] == "2025-03-12T09:30:15Z"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0]["identityHash"] == "Әлия Қасымқызы"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Participatory Budgeting"
    assert achievement["criteria"] == {"narrative": "Completed every required lesson and passed the final quiz."}
    assert credential["credentialStatus"] == {
        "id": "https://kentbilim.example.org/status/1#12345",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "12345",
        "statusListCredential": "https://kentbilim.example.org/status/1",
    }


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_open_badge_credential(
            credential_id="urn:x",
            issuer_id=DID,
            issuer_name="X",
            learner_name="Y",
            achievement_id="urn:y",
            course_title="Z",
            description="D",
            criteria="C",
            valid_from=datetime(2025, 3, 12),
        )


def test_verify_rejects_other_keys_and_unsigned_tokens(key: IssuerKey) -> None:
    token = key.sign_credential(_credential(), verification_method=verification_method_id(DID, key))
    with pytest.raises(CredentialVerificationError):
        verify_credential_jwt(token, IssuerKey.generate().public_jwk)
    header = _b64encode(json.dumps({"alg": "none", "typ": "vc+jwt"}).encode())
    unsigned = f"{header}.{_b64encode(json.dumps(_credential()).encode())}."
    with pytest.raises(CredentialVerificationError):
        verify_credential_jwt(unsigned, key.public_jwk)
    with pytest.raises(CredentialVerificationError):
        verify_credential_jwt("not.a.token", key.public_jwk)


def test_enveloped_credential_round_trip(key: IssuerKey) -> None:
    token = key.sign_credential(_credential(), verification_method=verification_method_id(DID, key))
    envelope = envelope_credential(token)
    assert envelope == {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": f"data:application/vc+jwt,{token}",
        "type": "EnvelopedVerifiableCredential",
    }
    assert token_from_envelope(json.loads(json.dumps(envelope))) == token
    assert decode_enveloped_credential(envelope, key.public_jwk)["credentialSubject"]["name"] == "Әлия Қасымқызы"
    with pytest.raises(ValueError, match="EnvelopedVerifiableCredential"):
        token_from_envelope({"id": f"data:application/vc+jwt,{token}", "type": "VerifiableCredential"})
    with pytest.raises(ValueError, match="must start with"):
        token_from_envelope({"id": token, "type": "EnvelopedVerifiableCredential"})


def test_key_file_is_created_once_with_private_mode(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "issuer.pem"
    first = IssuerKey.load_or_generate(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = IssuerKey.load_or_generate(path)
    assert second.key_id == first.key_id
    assert [p.name for p in path.parent.iterdir()] == ["issuer.pem"]  # no temporary left behind


def test_key_from_pem_secret(key: IssuerKey) -> None:
    pem = key.private_pem().decode("ascii")
    assert IssuerKey.from_pem(pem).key_id == key.key_id
    assert IssuerKey.from_pem(pem.replace("\n", "\\n")).key_id == key.key_id  # escaped in an env var
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="Ed25519"):
        IssuerKey.from_pem(other)
    with pytest.raises(ValueError, match="PEM"):
        IssuerKey.from_pem("garbage")


def test_key_id_is_the_rfc7638_thumbprint(key: IssuerKey) -> None:
    jwk = key.public_jwk
    canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"))
    assert key.key_id == _b64encode(hashlib.sha256(canonical.encode()).digest())
    assert jwk["kid"] == key.key_id
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
    assert "d" not in jwk


@pytest.mark.parametrize(
    ("base_url", "did", "path"),
    [
        ("http://127.0.0.1:8000", "did:web:127.0.0.1%3A8000", "/.well-known/did.json"),
        ("https://certs.example.org", "did:web:certs.example.org", "/.well-known/did.json"),
        ("https://Certs.Example.org/kentbilim/", "did:web:certs.example.org:kentbilim", "/kentbilim/did.json"),
    ],
)
def test_did_web(base_url: str, did: str, path: str) -> None:
    assert did_web_for(base_url) == did
    assert did_document_path(base_url) == path


def test_did_document_and_jwks_publish_the_key(key: IssuerKey) -> None:
    retired = IssuerKey.generate()
    document = build_did_document(BASE_URL, [key, retired])
    assert document["id"] == DID
    methods = {method["id"]: method for method in document["verificationMethod"]}
    method = methods[f"{DID}#{key.key_id}"]
    assert method["type"] == "JsonWebKey2020"
    assert method["controller"] == DID
    assert method["publicKeyJwk"] == {"kty": "OKP", "crv": "Ed25519", "x": key.public_jwk["x"]}
    # The same keys as Multikey (Data Integrity), with the ed25519-pub multicodec prefix 0xed01.
    multikey = methods[key.multikey_id(DID)]
    assert multikey["type"] == "Multikey"
    assert multikey["publicKeyMultibase"].startswith("z6Mk")
    assert "https://w3id.org/security/multikey/v1" in document["@context"]
    assert document["assertionMethod"] == [
        f"{DID}#{key.key_id}",
        key.multikey_id(DID),
        f"{DID}#{retired.key_id}",
        retired.multikey_id(DID),
    ]
    jwks = build_jwks([key, retired], did=DID)
    # The JWKS kid is the header's kid (the DID URL), so a plain JWKS client matches it exactly.
    assert [entry["kid"] for entry in jwks["keys"]] == [f"{DID}#{key.key_id}", f"{DID}#{retired.key_id}"]
    assert IssuerPublicKey.from_jwk(jwks["keys"][1]).key_id == retired.key_id
    # A verifier holding only the DID document can check a credential.
    token = key.sign_credential(_credential(), verification_method=method["id"])
    header = json.loads(_b64decode(token.split(".")[0]))
    _nacl_verify(token, methods[header["kid"]]["publicKeyJwk"])
