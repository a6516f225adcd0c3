"""Data Integrity proofs, cryptosuite eddsa-rdfc-2022, on certificates and status lists (issue 17)."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.adapters import rdfc
from certificates.adapters.credentials import VcJwtSigner, achievement_description
from certificates.adapters.data_integrity import (
    DataIntegrityError,
    base58btc_decode,
    base58btc_encode,
    check_proof,
    multibase_decode,
    public_key_from_multibase,
    public_key_multibase,
    verify_data_integrity,
)
from certificates.adapters.signing import IssuerKey, token_payload
from certificates.adapters.status_list import check_status
from certificates.entrypoints.api import JSON_LD_FORMS, JWT_FORMS, preferred_form
from certificates.service_layer import data_integrity
from certificates.service_layer.issuing import Actor, IssueCertificate, issue_certificate
from certificates.service_layer.ports import CredentialFacts
from lms_shared.errors import NotFound

from .fakes import FakeUnitOfWork, course, fake_ports

BASE_URL = "https://kentbilim.example.org"
ADMIN = Actor("admin-1", "Admin")


@pytest.fixture(scope="module")
def signer() -> VcJwtSigner:
    return VcJwtSigner(IssuerKey.generate(), BASE_URL)


def facts(name: str = "Aigerim Qasymqyzy", **changes: Any) -> CredentialFacts:
    base = CredentialFacts(
        certificate_id=uuid.uuid4(),
        code="ABCD-2345",
        learner_name=name,
        learner_id="learner-1",
        course_id="course-1",
        course_title="Participatory budgeting",
        course_version=2,
        lang="kk",
        issued_at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        issuer_name="Kentbilim",
        verify_url=f"{BASE_URL}/verify/ABCD-2345",
        status_list_index=7,
        course_summary="How a city lets its residents decide part of its budget.",
    )
    return dataclasses.replace(base, **changes)


def proved(signer: VcJwtSigner, name: str = "Aigerim Qasymqyzy") -> dict[str, Any]:
    document = signer.sign(facts(name)).data_integrity
    assert document is not None
    return document


# --- the proof --------------------------------------------------------------------------------------


def test_the_credential_carries_an_eddsa_rdfc_2022_proof_by_the_multikey(signer: VcJwtSigner) -> None:
    signed = signer.sign(facts())
    document = signed.data_integrity
    assert document is not None
    proof = document["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["created"] == "2026-03-01T10:00:00Z"
    assert proof["verificationMethod"] == f"{signer.did}#{public_key_multibase(signer.key.public_raw)}"
    assert proof["proofValue"].startswith("z")
    assert len(multibase_decode(proof["proofValue"])) == 64  # an Ed25519 signature
    # The same credential as the VC-JWT's, without the JWT-only claim iss.
    jwt_credential = {k: v for k, v in token_payload(signed.jws).items() if k != "iss"}
    assert {k: v for k, v in document.items() if k != "proof"} == jwt_credential
    assert check_proof(document, signer.published) == proof["verificationMethod"]
    assert verify_data_integrity(document, signer.published)
    assert signer.verify_data_integrity(document)


def test_the_signature_is_over_the_hash_of_the_canonical_config_then_the_document(signer: VcJwtSigner) -> None:
    """Recompute the spec's hashData by hand (section 3.2.4) and check the signature over it."""
    document = proved(signer)
    proof = document["proof"]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {"@context": document["@context"], **{k: v for k, v in proof.items() if k != "proofValue"}}
    hash_data = (
        hashlib.sha256(rdfc.pyld_canonical_nquads(config).encode()).digest()
        + hashlib.sha256(rdfc.pyld_canonical_nquads(unsecured).encode()).digest()
    )
    signer.key.public_key.verify(multibase_decode(proof["proofValue"]), hash_data)  # raises if not


def _one_character_changed(text: str) -> str:
    return text[:-1] + ("b" if text[-1] != "b" else "c")


def test_one_character_of_the_name_changed_is_rejected(signer: VcJwtSigner) -> None:
    document = proved(signer)
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["name"] = _one_character_changed(tampered["credentialSubject"]["name"])
    assert not verify_data_integrity(tampered, signer.published)
    with pytest.raises(DataIntegrityError, match="does not verify"):
        check_proof(tampered, signer.published)
    assert verify_data_integrity(document, signer.published)  # the original still does


@pytest.mark.parametrize(
    ("where", "change"),
    [
        ("description", lambda d: d["credentialSubject"]["achievement"].__setitem__("description", "Other")),
        ("identity hash", lambda d: d["credentialSubject"]["identifier"][0].__setitem__("identityHash", "X")),
        ("status index", lambda d: d["credentialStatus"].__setitem__("statusListIndex", "8")),
        ("validFrom", lambda d: d.__setitem__("validFrom", "2026-03-02T10:00:00Z")),
        ("proof created", lambda d: d["proof"].__setitem__("created", "2026-03-02T10:00:00Z")),
        ("extra property", lambda d: d["credentialSubject"].__setitem__("description", "added")),
    ],
)
def test_any_change_to_what_is_signed_is_rejected(signer: VcJwtSigner, where: str, change: Any) -> None:
    tampered = copy.deepcopy(proved(signer))
    change(tampered)
    assert not verify_data_integrity(tampered, signer.published), where


def test_a_proof_by_a_key_we_do_not_publish_is_rejected(signer: VcJwtSigner) -> None:
    stranger = VcJwtSigner(IssuerKey.generate(), BASE_URL)
    foreign = proved(stranger)
    with pytest.raises(DataIntegrityError, match="not one of the issuer's keys"):
        check_proof(foreign, signer.published)
    # Claiming our key while signing with another one fails the signature instead.
    forged = copy.deepcopy(foreign)
    forged["proof"]["verificationMethod"] = proved(signer)["proof"]["verificationMethod"]
    with pytest.raises(DataIntegrityError, match="does not verify"):
        check_proof(forged, signer.published)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("proof"), "no proof"),
        (lambda d: d["proof"].__setitem__("cryptosuite", "ecdsa-rdfc-2019"), "cryptosuite"),
        (lambda d: d["proof"].__setitem__("proofPurpose", "authentication"), "proofPurpose"),
        (lambda d: d["proof"].__setitem__("proofValue", "uAAAA"), "base58btc"),
        (lambda d: d["proof"].pop("proofValue"), "no proofValue"),
        (lambda d: d["proof"].__setitem__("verificationMethod", "did:web:x#zNotAKey0"), "malformed"),
    ],
)
def test_malformed_proofs_are_clear_errors(signer: VcJwtSigner, change: Any, message: str) -> None:
    broken = copy.deepcopy(proved(signer))
    change(broken)
    with pytest.raises(DataIntegrityError, match=message):
        check_proof(broken, signer.published)


def test_names_in_any_script_sign_and_verify(signer: VcJwtSigner) -> None:
    for name in ['Nino "Ნინო" Beridze', "Արամ \\ Սարգսյան", "محمد علي", "张伟 \u202e", "Zoë O'Brien", "Ṩ\U0001f600"]:
        document = proved(signer, name)
        assert document["credentialSubject"]["name"] == name
        assert verify_data_integrity(document, signer.published), name


def test_proofs_are_deterministic_for_the_same_credential_and_time(signer: VcJwtSigner) -> None:
    one, two = signer.sign(facts()), signer.sign(facts())
    assert one.data_integrity == two.data_integrity  # Ed25519 is deterministic; created is the issue time


# --- the Multikey and multibase --------------------------------------------------------------------


def test_multikey_encoding_matches_the_specifications_test_vector() -> None:
    # Data Integrity EdDSA Cryptosuites v1.0, test vectors: this secret key has this public key.
    secret = multibase_decode("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")
    assert secret[:2] == b"\x80\x26"  # the ed25519-priv multicodec
    public = Ed25519PrivateKey.from_private_bytes(secret[2:]).public_key().public_bytes_raw()
    assert public_key_multibase(public) == "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    assert public_key_from_multibase("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2") == public


@pytest.mark.parametrize("data", [b"", b"\0", b"\0\0\x01", b"hello", bytes(range(256))])
def test_base58btc_round_trips(data: bytes) -> None:
    assert base58btc_decode(base58btc_encode(data)) == data
    assert base58btc_encode(b"\0\0\x01") == "112"


def test_the_did_document_lists_every_key_as_a_multikey(signer: VcJwtSigner) -> None:
    retired = IssuerKey.generate()
    rotated = VcJwtSigner(IssuerKey.generate(), BASE_URL, [retired.public])
    methods = [m for m in rotated.did_document()["verificationMethod"] if m["type"] == "Multikey"]
    assert [public_key_from_multibase(m["publicKeyMultibase"]) for m in methods] == [
        rotated.key.public_raw,
        retired.public_raw,
    ]
    assert all(m["id"] == f"{rotated.did}#{m['publicKeyMultibase']}" for m in methods)
    assert all(m["id"] in rotated.did_document()["assertionMethod"] for m in methods)


# --- JSON-LD: nothing we sign is dropped (what safe-mode processors refuse) --------------------------


def _leaf_paths(document: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("@context", "proof"):
                continue
            yield (*path, key)
            yield from _leaf_paths(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _leaf_paths(value, (*path, index))


def _without(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    target: Any = copied
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return copied


def dropped_properties(document: dict[str, Any]) -> list[str]:
    """Properties whose removal leaves the RDF unchanged: terms no context defines, which a JSON-LD
    processor in safe mode refuses ("Dropping property ...")."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    reference = rdfc.pyld_canonical_nquads(unsecured)
    return [
        ".".join(map(str, path))
        for path in _leaf_paths(unsecured)
        if not isinstance(path[-1], int) and rdfc.pyld_canonical_nquads(_without(unsecured, path)) == reference
    ]


def test_every_property_of_the_credential_is_defined_by_its_contexts(signer: VcJwtSigner) -> None:
    assert dropped_properties(proved(signer)) == []


def test_the_jwt_claims_set_is_json_ld_too_and_has_no_jti(signer: VcJwtSigner) -> None:
    payload = token_payload(signer.sign(facts()).jws)
    assert "jti" not in payload
    assert dropped_properties(payload) == []  # iss is jose#iss in the VC 2.0 context
    # The check fails for the claims set as it was before issue 17: jti is defined by no context.
    assert dropped_properties({**payload, "jti": payload["id"]}) == ["jti"]


def test_the_status_list_defines_every_property_too(signer: VcJwtSigner) -> None:
    assert dropped_properties(signer.sign_status_list_data_integrity(0, [7])) == []


# --- the status list ----------------------------------------------------------------------------


def test_the_status_list_carries_the_same_proof_and_reports_revocation(signer: VcJwtSigner) -> None:
    revoked_cert = proved(signer)  # status_list_index 7
    other = signer.sign(facts(status_list_index=8)).data_integrity
    assert other is not None
    status_list = signer.sign_status_list_data_integrity(0, [7])
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status_list["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert verify_data_integrity(status_list, signer.published)
    assert signer.proved_with_current_key(status_list)
    assert check_status(revoked_cert, status_list) is True
    assert check_status(other, status_list) is False
    # A status list with the revoked bit cleared by someone else does not verify.
    forged = copy.deepcopy(status_list)
    forged["credentialSubject"]["encodedList"] = signer.sign_status_list_data_integrity(0, [])["credentialSubject"][
        "encodedList"
    ]
    assert not verify_data_integrity(forged, signer.published)


# --- the description, issuing and the backfill ---------------------------------------------------


def test_achievement_description_is_the_course_summary(signer: VcJwtSigner) -> None:
    achievement = proved(signer)["credentialSubject"]["achievement"]
    assert achievement["description"] == "How a city lets its residents decide part of its budget."
    assert achievement["name"] == "Participatory budgeting"
    assert achievement_description("  A summary.  ", "Title") == "A summary."
    assert achievement_description(None, "Title") == "Completion of the course Title."
    assert achievement_description(" ", "Title") == "Completion of the course Title."


def test_a_summary_with_control_characters_still_signs_and_verifies(signer: VcJwtSigner) -> None:
    """Authors' summaries arrive as written; a bell or form feed must not stop a course's certificates."""
    summary = "Line one\u0007\u000b\u000c\u007f\nline two\r\n\t**bold**"
    document = signer.sign(facts(course_summary=summary)).data_integrity
    assert document is not None
    assert document["credentialSubject"]["achievement"]["description"] == "Line one\nline two\r\n\t**bold**"
    assert verify_data_integrity(document, signer.published)


def test_the_summary_follows_the_certificate_language() -> None:
    c = course(summaries={"en": "In English", "kk": "Қазақша"})
    assert c.summary_for("kk") == "Қазақша"
    assert c.summary_for("ru") == "In English"  # the course's default language
    assert course(summaries={"kk": "Қазақша"}).summary_for("ru") == "Қазақша"  # any
    assert course(summaries={"en": "  "}).summary_for("en") is None
    assert course().summary_for("en") is None


async def test_an_issued_certificate_stores_a_verifying_data_integrity_credential(signer: VcJwtSigner) -> None:
    uow = FakeUnitOfWork()
    ports = dataclasses.replace(fake_ports(), signer=signer)
    c = course(summaries={"en": "Budgets, with residents."})
    uow.tables.courses[c.id] = uow.work.courses[c.id] = c
    cert, created = await issue_certificate(uow, ADMIN, IssueCertificate(c.id, {"name": "Aigerim"}), ports)
    assert created
    assert cert.credential_di is not None
    assert verify_data_integrity(cert.credential_di, signer.published)
    assert cert.credential_di["credentialSubject"]["name"] == "Aigerim"
    assert cert.credential_di["credentialSubject"]["achievement"]["description"] == "Budgets, with residents."
    assert data_integrity.credential_with_proof(ports, cert) is cert.credential_di


async def test_older_certificates_are_proved_on_read_and_by_the_backfill(signer: VcJwtSigner) -> None:
    uow = FakeUnitOfWork()
    ports = dataclasses.replace(fake_ports(), signer=signer)
    c = course()
    uow.tables.courses[c.id] = uow.work.courses[c.id] = c
    cert, _ = await issue_certificate(uow, ADMIN, IssueCertificate(c.id, {"name": "Aigerim"}), ports)
    # As if issued before migration 0008: no stored proof, and a token that still carries jti.
    payload = token_payload(cert.credential_jws)
    old_token = signer.key.sign_jws({**payload, "jti": payload["id"]}, {"kid": signer.verification_method})
    uow.tables.certificates[cert.id].update(credential_di=None, credential_jws=old_token)
    async with uow:  # a new transaction sees the row as stored
        old = await uow.certificates.get(cert.id)
    assert old is not None
    on_read = data_integrity.credential_with_proof(ports, old)
    assert "jti" not in on_read
    assert "iss" not in on_read
    assert verify_data_integrity(on_read, signer.published)
    assert data_integrity.credential_with_proof(ports, old) == on_read  # stable across reads
    assert await data_integrity.public_credential(uow, ports, cert.code.lower()) == on_read

    async with uow:
        result = await data_integrity.backfill_batch(uow, ports, batch_size=10)
    assert (result.proved, result.remaining) == (1, False)
    assert uow.tables.certificates[cert.id]["credential_di"] == on_read
    async with uow:
        again = await data_integrity.backfill_batch(uow, ports, batch_size=10)
    assert again.proved == 0  # idempotent


async def test_an_unknown_code_has_no_public_credential(signer: VcJwtSigner) -> None:
    with pytest.raises(NotFound):
        await data_integrity.public_credential(FakeUnitOfWork(), fake_ports(), "NOPE-0000")


# --- content negotiation of the public documents ------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "form"),
    [
        (None, None),
        ("*/*", None),
        ("application/vc+jwt", "application/vc+jwt"),
        ("application/ld+json, application/json", "application/ld+json"),  # jsonld.js document loaders
        ("application/json", "application/json"),
        ("application/vc", "application/vc"),
        ("application/vc+jwt;q=0.5, application/ld+json", "application/ld+json"),
        ("application/ld+json;q=0.2, application/vc+jwt;q=0.9", "application/vc+jwt"),
        ("application/ld+json;q=0", None),
        ("text/html", None),
    ],
)
def test_status_lists_follow_the_accept_header(accept: str | None, form: str | None) -> None:
    assert preferred_form(accept, JWT_FORMS + JSON_LD_FORMS) == form


def test_the_example_credential_shape_is_json(signer: VcJwtSigner) -> None:
    json.dumps(proved(signer))  # what the API and the gateway send as it is
