"""Our credentials, checked by implementations that are not ours (issue 17, item 2).

The credentials come from the certificates service's own signer (``VcJwtSigner``); the checks run
under Node in Digital Bazaar's ``@digitalbazaar/vc`` (``eddsa-rdfc-2022`` Data Integrity, the stack
of the Learner Credential Wallet and VerifierPlus), ``@digitalbazaar/vc-bitstring-status-list``
(revocation) and the npm ``jose`` (VC-JWT). Every context comes from our vendored copies through an
offline document loader; the DID document is the one the service publishes.

Each positive check has a negative twin that must fail the same verifier: one character of the
learner's name changed, one character of the proof value or signature changed, a revoked slot, a
key that the DID document does not list.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from certificates.adapters.credentials import VcJwtSigner, bit_position
from certificates.adapters.signing import IssuerKey
from certificates.adapters.status_list import build_status_list_credential
from certificates.service_layer.ports import SignedCredential
from tests.interop.conftest import NAME, make_facts, make_signer
from tests.interop.verifiers import (
    did_web_document_url,
    jwt_payload,
    jwt_with_broken_signature,
    jwt_with_learner_name,
    loader_job,
    node_checks,
    one_character_changed,
    with_broken_proof_value,
    with_learner_name,
)

Issue = Callable[..., SignedCredential]


def di_checks(
    signer: VcJwtSigner, credentials: list[dict[str, Any]], *, status_list: dict[str, Any]
) -> list[dict[str, Any]]:
    """``@digitalbazaar/vc`` on each credential, with our DID document and one status list served."""
    job = loader_job(did_documents=[signer.did_document()], credentials=[*credentials, status_list])
    return node_checks([{"kind": "di", "credential": c} for c in credentials], **job)


def _jwt_kinds(signer: VcJwtSigner, tokens: list[str]) -> list[dict[str, Any]]:
    checks = []
    for token in tokens:
        checks.append({"kind": "jwt-did", "token": token, "didDocument": signer.did_document()})
        checks.append({"kind": "jwt-jwks", "token": token, "jwks": signer.jwks()})
    return checks


def jwt_checks(signer: VcJwtSigner, tokens: list[str]) -> list[dict[str, Any]]:
    """``jose`` on each token, once with the key from our DID document, once from our JWKS."""
    return node_checks(_jwt_kinds(signer, tokens))


def both_checks(
    signer: VcJwtSigner, credentials: list[dict[str, Any]], tokens: list[str], *, status_list: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """:func:`di_checks` and :func:`jwt_checks` in one Node process (it starts in about a second)."""
    job = loader_job(did_documents=[signer.did_document()], credentials=[*credentials, status_list])
    di = [{"kind": "di", "credential": c} for c in credentials]
    results = node_checks([*di, *_jwt_kinds(signer, tokens)], **job)
    return results[: len(di)], results[len(di) :]


def test_a_certificate_verifies_in_digitalbazaar_vc_and_in_jose(signer: VcJwtSigner, issue: Issue) -> None:
    signed = issue()
    assert signed.data_integrity is not None
    (di,), (by_did, by_jwks) = both_checks(
        signer, [signed.data_integrity], [signed.jws], status_list=signer.sign_status_list_data_integrity(0, [])
    )
    assert di["ok"], di["error"]
    assert [p["verificationMethod"] for p in di["proofs"]] == [signer.data_integrity_method]
    assert di["status"] == {"verified": True, "revoked": False, "purposes": ["revocation"]}

    for result in (by_did, by_jwks):
        assert result["ok"], result["error"]
        assert result["header"]["kid"] == signer.verification_method
        assert result["payload"]["credentialSubject"]["name"] == NAME
    # Both forms state the same credential: the JWT's claims are the credential plus ``iss``.
    claims = {k: v for k, v in by_did["payload"].items() if k != "iss"}
    assert claims == {k: v for k, v in signed.data_integrity.items() if k != "proof"}


def test_one_changed_letter_of_the_name_is_refused_by_both_verifiers(signer: VcJwtSigner, issue: Issue) -> None:
    signed = issue()
    assert signed.data_integrity is not None
    forged = one_character_changed(NAME)
    assert len(forged) == len(NAME) and forged != NAME

    (di,), jwts = both_checks(
        signer,
        [with_learner_name(signed.data_integrity, forged)],
        [jwt_with_learner_name(signed.jws, forged)],
        status_list=signer.sign_status_list_data_integrity(0, []),
    )
    assert not di["ok"]
    assert "Invalid signature" in di["error"], di["error"]
    for result in jwts:
        assert not result["ok"]
        assert "JWSSignatureVerificationFailed" in result["error"], result["error"]


def test_a_broken_proof_value_or_signature_is_refused(signer: VcJwtSigner, issue: Issue) -> None:
    signed = issue()
    assert signed.data_integrity is not None
    (di,), jwts = both_checks(
        signer,
        [with_broken_proof_value(signed.data_integrity)],
        [jwt_with_broken_signature(signed.jws)],
        status_list=signer.sign_status_list_data_integrity(0, []),
    )
    assert not di["ok"]
    assert "Invalid signature" in di["error"], di["error"]
    for result in jwts:
        assert not result["ok"]
        assert "JWSSignatureVerificationFailed" in result["error"], result["error"]


def test_a_revoked_certificate_is_seen_through_either_form_of_the_status_list(signer: VcJwtSigner) -> None:
    revoked_slot, valid_slot = 70_001, 70_002
    revoked = signer.sign(make_facts(slot=revoked_slot))
    valid = signer.sign(make_facts(slot=valid_slot, name="Bakyt Asanov"))
    assert revoked.data_integrity is not None and valid.data_integrity is not None

    # Data Integrity: vc-bitstring-status-list loads the list named by the credential, verifies the
    # list's own eddsa-rdfc-2022 proof, checks the issuers match, and reads the bit.
    status_list = signer.sign_status_list_data_integrity(0, [revoked_slot])
    on_revoked, on_valid = di_checks(signer, [revoked.data_integrity, valid.data_integrity], status_list=status_list)
    assert on_revoked["ok"] and on_valid["ok"], (on_revoked["error"], on_valid["error"])
    assert on_revoked["status"]["revoked"] is True
    assert on_valid["status"]["revoked"] is False

    # VC-JWT: jose verifies the list's token, then the Bitstring Status List decoder reads the bit.
    # (One Node process: the bits are read from the list the same run verifies.)
    list_token = signer.sign_status_list(0, [revoked_slot])
    encoded = jwt_payload(list_token)["credentialSubject"]["encodedList"]
    list_check, *bits = node_checks(
        [
            {"kind": "jwt-did", "token": list_token, "didDocument": signer.did_document()},
            *(
                {
                    "kind": "bitstring",
                    "encodedList": encoded,
                    "index": int(jwt_payload(t)["credentialStatus"]["statusListIndex"]),
                }
                for t in (revoked.jws, valid.jws)
            ),
        ]
    )
    assert list_check["ok"], list_check["error"]
    assert list_check["payload"]["credentialSubject"]["encodedList"] == encoded
    assert [b["revoked"] for b in bits] == [True, False], bits
    assert bits[0]["length"] == 131_072
    assert int(jwt_payload(revoked.jws)["credentialStatus"]["statusListIndex"]) == bit_position(revoked_slot)


def test_a_status_list_whose_proof_does_not_verify_fails_the_status_check(signer: VcJwtSigner) -> None:
    signed = signer.sign(make_facts(slot=70_003))
    assert signed.data_integrity is not None
    broken_list = with_broken_proof_value(signer.sign_status_list_data_integrity(0, []))
    (result,) = di_checks(signer, [signed.data_integrity], status_list=broken_list)
    assert not result["ok"]
    assert "BitstringStatusListCredential" in result["error"] and "not verified" in result["error"], result["error"]


def test_a_status_list_of_another_issuer_is_refused(signer: VcJwtSigner) -> None:
    """The list's proof is valid, but by a key of a different DID: the issuers must match."""
    signed = signer.sign(make_facts(slot=70_004))
    assert signed.data_integrity is not None
    other = VcJwtSigner(IssuerKey.generate(), "https://elsewhere.example.net")
    our_url = signed.data_integrity["credentialStatus"]["statusListCredential"]
    unsigned = build_status_list_credential(
        list_url=our_url, issuer_id=other.did, revoked=[], valid_from=datetime.now(UTC)
    )
    foreign_list = other.key.add_data_integrity_proof(
        unsigned, verification_method=other.data_integrity_method, created=datetime.now(UTC)
    )
    job = loader_job(
        did_documents=[signer.did_document(), other.did_document()], credentials=[signed.data_integrity, foreign_list]
    )
    (result,) = node_checks([{"kind": "di", "credential": signed.data_integrity}], **job)
    assert not result["ok"]
    assert "Issuers of the status list credential and verifiable credential do not match" in result["error"], result[
        "error"
    ]


def test_after_a_key_rotation_old_credentials_still_verify() -> None:
    """Key A signed first; then B became current with A retired (as LMS_ISSUER_RETIRED_KEYS does)."""
    key_a, key_b = IssuerKey.generate(), IssuerKey.generate()
    before = make_signer(key_a).sign(make_facts(name="Cholpon Key-A", slot=80_001))
    after = make_signer(key_b, retired=(key_a.public,))
    now = after.sign(make_facts(name="Dilnoza Key-B", slot=80_002))
    assert before.data_integrity is not None and now.data_integrity is not None
    status_list = after.sign_status_list_data_integrity(0, [])  # re-signed by B, as the service does

    (old_di, new_di), jwts = both_checks(
        after, [before.data_integrity, now.data_integrity], [before.jws, now.jws], status_list=status_list
    )
    assert old_di["ok"], old_di["error"]
    assert new_di["ok"], new_di["error"]
    assert old_di["proofs"][0]["verificationMethod"] == key_a.multikey_id(after.did)
    assert new_di["proofs"][0]["verificationMethod"] == after.data_integrity_method
    for result in jwts:
        assert result["ok"], result["error"]

    # The same old credentials against a DID document that forgot key A: refused by both.
    forgot = make_signer(key_b)
    (old_without_a,), jwts = both_checks(
        forgot, [before.data_integrity], [before.jws], status_list=forgot.sign_status_list_data_integrity(0, [])
    )
    assert not old_without_a["ok"]
    assert "no verification method" in old_without_a["error"], old_without_a["error"]
    for result in jwts:
        assert not result["ok"]


def test_a_plain_jwks_client_finds_our_key_by_kid(signer: VcJwtSigner, issue: Issue) -> None:
    """Our JWKS names each key by the DID URL the VC-JWT header's kid carries, so a JWKS client that
    matches kid exactly (jose's createLocalJWKSet) finds it."""
    (result,) = node_checks([{"kind": "jwt-jwks", "token": issue().jws, "jwks": signer.jwks()}])
    assert result["ok"], result["error"]


def test_the_verifiers_are_offline_and_refuse_a_context_we_do_not_vendor(signer: VcJwtSigner, issue: Issue) -> None:
    """A credential naming a context we do not hold is refused by the loader, never fetched."""
    signed = issue()
    assert signed.data_integrity is not None
    job = loader_job(did_documents=[signer.did_document()], credentials=[signed.data_integrity])
    extra = dict(signed.data_integrity)
    extra["@context"] = [*extra["@context"], "https://w3id.org/security/suites/ed25519-2020/v1"]
    (result,) = node_checks([{"kind": "di", "credential": extra}], **job)
    assert not result["ok"]
    assert "is not served" in result["error"], result["error"]


def test_a_term_no_context_defines_is_refused_in_safe_mode(signer: VcJwtSigner, issue: Issue) -> None:
    """``jti`` (our VC-JWT claims carried it before issue 17) is defined by no context we use:
    ``@digitalbazaar/vc`` canonicalises in JSON-LD safe mode and refuses the credential, so every
    credential that passes the checks above has no such term."""
    signed = issue()
    assert signed.data_integrity is not None
    with_jti = {**signed.data_integrity, "jti": signed.data_integrity["id"]}
    job = loader_job(did_documents=[signer.did_document()], credentials=[with_jti])
    (result,) = node_checks([{"kind": "di", "credential": with_jti}], **job)
    assert not result["ok"]
    assert "jti" in result["error"] and "safe mode" in result["error"].lower(), result["error"]


def test_did_web_resolution_urls() -> None:
    """The helper the live test resolves our DID with, against the did:web specification's examples."""
    assert did_web_document_url("did:web:w3c-ccg.github.io") == "https://w3c-ccg.github.io/.well-known/did.json"
    assert (
        did_web_document_url("did:web:w3c-ccg.github.io:user:alice") == "https://w3c-ccg.github.io/user/alice/did.json"
    )
    assert did_web_document_url("did:web:example.com%3A3000", "http") == "http://example.com:3000/.well-known/did.json"
    with pytest.raises(ValueError):
        did_web_document_url("did:key:z6Mk")


def test_a_certificate_issued_before_data_integrity_gets_a_form_that_verifies(signer: VcJwtSigner) -> None:
    """Certificates issued before issue 17 hold only a VC-JWT whose claims carried ``jti``; the
    service derives their Data Integrity form from the token (``data_integrity_of``). That form must
    verify in ``@digitalbazaar/vc`` too, and the old token must still verify in ``jose``."""
    signed = signer.sign(make_facts(slot=90_001))
    claims = jwt_payload(signed.jws)
    old_style = signer.key.sign_jws(
        {**claims, "jti": claims["id"]}, {"kid": signer.verification_method, "typ": "vc+jwt", "cty": "vc"}
    )
    derived = signer.data_integrity_of(old_style, created=datetime(2025, 9, 1, tzinfo=UTC))
    assert "jti" not in derived and "iss" not in derived
    (di,) = di_checks(signer, [derived], status_list=signer.sign_status_list_data_integrity(0, []))
    assert di["ok"], di["error"]
    (jwt,) = node_checks([{"kind": "jwt-did", "token": old_style, "didDocument": signer.did_document()}])
    assert jwt["ok"], jwt["error"]
    assert jwt["payload"]["jti"] == claims["id"]
