"""Single issue, the glyph test, independent signature checks, tampering, revocation and status lists."""

from __future__ import annotations

import base64
import gzip
import io
import json
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from pypdf import PdfReader

from lms_shared.events.catalogue import CoursePublishedV1

from .conftest import TITLES

pytestmark = pytest.mark.integration


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() or "" for page in reader.pages))


async def issue(certs: httpx.AsyncClient, headers: dict[str, str], course_id: str, **recipient: Any) -> httpx.Response:
    return await certs.post("/v1/certificates", json={"courseId": course_id, "recipient": recipient}, headers=headers)


async def issuer_key(certs: httpx.AsyncClient) -> VerifyKey:
    """The issuer's public key as an outside verifier gets it: from the published JWKS."""
    jwks = (await certs.get("/.well-known/jwks.json")).json()
    (jwk,) = jwks["keys"]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    return VerifyKey(b64url_decode(jwk["x"]))


def verify_jws(key: VerifyKey, token: str) -> dict[str, Any]:
    """Check a compact JWS with PyNaCl only (no JOSE library of ours): header, signature, payload."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    assert header["alg"] == "EdDSA"
    key.verify(f"{header_b64}.{payload_b64}".encode("ascii"), b64url_decode(signature_b64))
    payload: dict[str, Any] = json.loads(b64url_decode(payload_b64))
    return payload


GLYPH_NAMES = [
    ("Rəşad Əliyev", "az"),
    ("Әлия Қасымқызы", "kk"),
    ("Gʻulom Oʻrinboyev", "uz"),
    ("Ілья Ғалиев", "ky"),
    ("Çağrı Işıkgöz", "tr"),
]


async def test_every_letter_of_every_language_is_in_the_stored_pdf(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    for name, locale in GLYPH_NAMES:
        r = await issue(certs, admin, course.course_id, name=name, locale=locale, email=f"{uuid.uuid4().hex}@ex.org")
        assert r.status_code == 201, r.text
        cert = r.json()
        stored = httpx.get(cert["pdfUrl"], timeout=30)
        assert stored.status_code == 200
        text = pdf_text(stored.content)
        assert unicodedata.normalize("NFC", name) in text, f"{name!r} not in {text[:300]!r}"
        assert TITLES[locale] in text, f"course title in {locale} missing"
        assert cert["courseTitle"] == TITLES[locale]
        assert "?" not in text.replace(cert["verifyUrl"], "")
        shared = parse_qs(urlsplit(cert["linkedInUrl"]).query)
        assert shared["name"] == [TITLES[locale]] and shared["certId"] == [cert["code"]]
        assert shared["certUrl"] == [cert["verifyUrl"]]


async def test_admin_issue_is_idempotent_and_admin_only(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    token_for: Callable[..., str],
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False, owner="trainer-owner")
    learner = {"Authorization": f"Bearer {token_for('learner-x', 'Learner', ['learner'])}"}
    trainer = {"Authorization": f"Bearer {token_for('trainer-owner', 'Owner', ['trainer'])}"}

    assert (await issue(certs, learner, course.course_id, name="Me Myself")).status_code == 403
    assert (await issue(certs, trainer, course.course_id, name="Me Myself")).status_code == 403
    empty = await issue(certs, admin, course.course_id, name="   ")
    assert empty.status_code == 422 and "name is empty" in empty.json()["error"]["message"]
    bad_mail = await issue(certs, admin, course.course_id, name="Ok Name", email="not-an-address")
    assert bad_mail.status_code == 422
    unknown = await issue(certs, admin, "course-that-does-not-exist", name="Ok Name")
    assert unknown.status_code == 404 and "publish it first" in unknown.json()["error"]["message"]

    first = await issue(certs, admin, course.course_id, name="Dilnoza Karimova", email="Dilnoza@Example.UZ")
    assert first.status_code == 201
    # Same person, e-mail typed in another case: the same certificate comes back, nothing new.
    again = await issue(certs, admin, course.course_id, name="Dilnoza Karimova", email="dilnoza@example.uz")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]

    cert_id = first.json()["id"]
    assert (await certs.get(f"/v1/certificates/{cert_id}", headers=trainer)).status_code == 200
    assert (await certs.get(f"/v1/certificates/{cert_id}", headers=learner)).status_code == 403
    assert (await certs.get(f"/v1/certificates/{uuid.uuid4()}", headers=admin)).status_code == 404


async def test_credential_verifies_independently_and_tampering_is_detected(
    certs: httpx.AsyncClient, admin: dict[str, str], published_course: Callable[..., Awaitable[CoursePublishedV1]]
) -> None:
    course = await published_course(auto_issue=False)
    cert = (await issue(certs, admin, course.course_id, name="Әлия Қасымқызы", locale="kk", learnerId="l-1")).json()
    envelope = cert["credential"]
    token = envelope["id"].removeprefix("data:application/vc+jwt,")
    assert token == cert["credentialJwt"]
    key = await issuer_key(certs)

    credential = verify_jws(key, token)
    assert "VerifiableCredential" in credential["type"] and "OpenBadgeCredential" in credential["type"]
    assert credential["credentialSubject"]["name"] == "Әлия Қасымқызы"
    assert credential["credentialSubject"]["achievement"]["name"] == TITLES["kk"]
    did = (await certs.get("/.well-known/did.json")).json()
    assert credential["issuer"]["id"] == did["id"]
    # did:web resolution: the DID names the public host, which serves the same document.
    host = did["id"].removeprefix("did:web:").replace("%3A", ":")
    resolved = httpx.get(f"http://{host}/.well-known/did.json", timeout=30).json()
    assert resolved["verificationMethod"] == did["verificationMethod"]
    kid = token.split(".")[0]
    assert json.loads(b64url_decode(kid))["kid"] in did["assertionMethod"]
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"

    header_b64, payload_b64, signature_b64 = token.split(".")
    forged = dict(credential)
    forged["credentialSubject"] = dict(credential["credentialSubject"], name="Somebody Else")
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        verify_jws(key, f"{header_b64}.{forged_payload}.{signature_b64}")
    signature = bytearray(b64url_decode(signature_b64))
    signature[0] ^= 0x01
    flipped = base64.urlsafe_b64encode(bytes(signature)).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        verify_jws(key, f"{header_b64}.{payload_b64}.{flipped}")


def revoked_in_list(key: VerifyKey, list_jwt: str, entry: dict[str, str]) -> bool:
    status_list = verify_jws(key, list_jwt)
    assert status_list["id"] == entry["statusListCredential"]
    encoded = status_list["credentialSubject"]["encodedList"]
    bits = gzip.decompress(b64url_decode(encoded.removeprefix("u")))
    index = int(entry["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


async def test_revocation_shows_at_once_in_verify_and_status_list(
    stack_env: dict[str, str],
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    token_for: Callable[..., str],
    db: asyncpg.Pool,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    cert = (await issue(certs, admin, course.course_id, name="Gʻulom Oʻrinboyev", email="g@ex.uz")).json()
    key = await issuer_key(certs)
    entry = verify_jws(key, cert["credentialJwt"])["credentialStatus"]
    assert entry["statusListCredential"].startswith(stack_env["LMS_PUBLIC_URL"] + "/status-lists/")
    list_path = "status-lists/" + entry["statusListCredential"].rsplit("/", 1)[1]
    before = await certs.get(f"/v1/{list_path}")
    assert before.status_code == 200 and before.headers["content-type"].startswith("application/vc+jwt")
    assert revoked_in_list(key, before.text, entry) is False

    learner = {"Authorization": f"Bearer {token_for('l', 'L', ['learner'])}"}
    url = f"/v1/certificates/{cert['id']}/revoke"
    assert (await certs.post(url, json={"reason": "fraud"}, headers=learner)).status_code == 403
    assert (await certs.post(url, json={"reason": "  "}, headers=admin)).status_code == 422
    assert (await certs.post(url, json={"reason": "x" * 501}, headers=admin)).status_code == 422

    revoked = await certs.post(url, json={"reason": "Issued to the wrong person"}, headers=admin)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "REVOKED"
    verification = (await certs.get(f"/v1/verify/{cert['code']}")).json()
    assert verification["valid"] is False and verification["status"] == "REVOKED"
    assert verification["revocationReason"] == "Issued to the wrong person" and verification["revokedAt"]
    assert revoked_in_list(key, (await certs.get(f"/v1/{list_path}")).text, entry) is True
    # Outside verifiers fetch the list where the credential says, through the gateway.
    public = httpx.get(entry["statusListCredential"], timeout=30)
    assert public.status_code == 200, public.text
    assert revoked_in_list(key, public.text, entry) is True

    again = await certs.post(url, json={"reason": "twice"}, headers=admin)
    assert again.status_code == 409

    rows = await db.fetch(
        "SELECT action, actor_name, reason FROM audit_log WHERE certificate_id = $1 ORDER BY id",
        uuid.UUID(cert["id"]),
    )
    assert [r["action"] for r in rows] == ["issue", "revoke"]
    assert rows[1]["actor_name"] == "Aida Admin" and rows[1]["reason"] == "Issued to the wrong person"

    # Re-issuing after a revocation makes a new certificate (new id and code); the old stays revoked.
    reissued = await issue(certs, admin, course.course_id, name="Gʻulom Oʻrinboyev", email="g@ex.uz")
    assert reissued.status_code == 201
    assert reissued.json()["id"] != cert["id"] and reissued.json()["code"] != cert["code"]
    assert (await certs.get(f"/v1/verify/{cert['code']}")).json()["status"] == "REVOKED"


async def test_admin_template_is_printed_on_the_certificate(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    token_for: Callable[..., str],
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    template_id = f"ministry-{uuid.uuid4().hex[:6]}"
    body = {
        "issuerNames": {"en": "Ministry of Urban Development", "kk": "Қала құрылысы министрлігі"},
        "signatories": [
            {"name": "Leyla Həsənova", "titles": {"en": "Director", "kk": "Директор"}},
            {"name": "Ерлан Нұрланов", "titles": {"en": "Head of Training"}},
        ],
        "colours": {"primary": "#003366"},
    }
    trainer = {"Authorization": f"Bearer {token_for('t-1', 'Trainer', ['trainer'])}"}
    assert (await certs.put(f"/v1/templates/{template_id}", json=body, headers=trainer)).status_code == 403
    bad = await certs.put(f"/v1/templates/{template_id}", json={"colours": {"primary": "blue"}}, headers=admin)
    assert bad.status_code == 422 and "#RRGGBB" in bad.json()["error"]["message"]
    saved = await certs.put(f"/v1/templates/{template_id}", json=body, headers=admin)
    assert saved.status_code == 200, saved.text
    assert (await certs.get(f"/v1/templates/{template_id}", headers=admin)).json()["issuerNames"]["kk"]

    course = await published_course(auto_issue=False, template_id=template_id)
    cert = (await issue(certs, admin, course.course_id, name="Ұлжан Һәмитқызы", locale="kk", email="u@ex.kz")).json()
    text = pdf_text(httpx.get(cert["pdfUrl"], timeout=30).content)
    assert "Қала құрылысы министрлігі" in text and "Leyla Həsənova" in text and "Директор" in text
    verification = (await certs.get(f"/v1/verify/{cert['code']}")).json()
    assert verification["issuer"] == "Қала құрылысы министрлігі"
    # Every translation of the issuer's name, for a verify page in the reader's language.
    assert verification["issuerNames"] == {"en": "Ministry of Urban Development", "kk": "Қала құрылысы министрлігі"}
    assert {"name": "Ерлан Нұрланов", "title": "Head of Training"} in verification["signatories"]
