"""A certificate issued by the running platform, checked end to end by verifiers that are not ours.

The suite's real stack (Postgres, NATS, S3, Valkey and every role): a course is published on
JetStream (as the courses service's relay does), an admin issues one certificate through the
certificates service's REST API, and everything else is fetched the way an outside verifier would,
from the public URL (the gateway): the DID document where did:web resolution of the issuer's DID
points, ``/.well-known/jwks.json``, the status list at exactly the ``statusListCredential`` URL in
both forms (``Accept: application/ld+json`` for the Data Integrity loader, ``application/vc+jwt``),
and the credential at ``/credentials/{code}``. Then the certificate is revoked through the API and
both verifiers must see it in the list they fetch again.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from lms_shared.db import asyncpg_dsn
from lms_shared.events.catalogue import CertificatePolicy, CourseCompletedV1, CoursePublishedV1, Payload
from lms_shared.jetstream import connect
from tests.interop.verifiers import (
    did_web_document_url,
    jwt_payload,
    jwt_with_learner_name,
    loader_job,
    node_checks,
    one_character_changed,
    schema_errors,
    with_learner_name,
)
from tests.support.graphql import eventually
from tests.support.tokens import make_token

pytestmark = pytest.mark.integration

NAME = "Gülnara Әбілқызы"


@pytest.fixture(scope="module")
async def certs(stack_env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack_env["LMS_CERTIFICATES_URL"], timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
async def public(stack_env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """The suite's public URL (the gateway), which a verifier on the internet would use."""
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def admin(stack_env: dict[str, str]) -> dict[str, str]:
    token = make_token(stack_env["LMS_JWT_SECRET"], f"admin-{uuid.uuid4().hex[:6]}", "Aida Admin", ["admin"])
    return {"Authorization": f"Bearer {token}"}


async def publish_events(env: dict[str, str], *events: Payload) -> None:
    """Publish on JetStream as the courses and progress services' relays do."""
    nc, js = await connect(env["LMS_NATS_URL"], "interop-tests")
    try:
        for event in events:
            envelope = event.envelope()
            await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": envelope.id})
    finally:
        await nc.drain()


async def publish_course(env: dict[str, str], *, auto_issue: bool = False) -> str:
    """A course published on JetStream; returns its id once the certificates service knows it."""
    course_id = f"course-{uuid.uuid4().hex[:10]}"
    event = CoursePublishedV1(
        course_id=course_id,
        version=1,
        slug=course_id,
        owner_id="trainer-interop",
        default_language="kk",
        languages=["kk", "en"],
        titles={"kk": "Қатысымдық бюджет", "en": "Participatory budgeting"},
        summaries={"kk": "Муниципалитет бюджетінің бір бөлігін тұрғындар шешеді.", "en": "Residents decide."},
        modules=[],
        certificate_policy=CertificatePolicy(auto_issue=auto_issue),
        published_at=datetime.now(UTC),
    )
    await publish_events(env, event)
    connection = await asyncpg.connect(asyncpg_dsn(env["LMS_CERTIFICATES_DATABASE_URL"]))
    try:

        async def known() -> bool:
            return bool(await connection.fetchval("SELECT 1 FROM course WHERE id = $1", course_id))

        await eventually(known, timeout=60, every=0.3)
    finally:
        await connection.close()
    return course_id


async def fetched(client: httpx.AsyncClient, url: str, accept: str | None = None) -> httpx.Response:
    """GET ``url`` as a browser-based verifier on another origin would: it must be allowed to read it."""
    headers = {"Origin": "https://verifier.example.net", **({"Accept": accept} if accept else {})}
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    assert response.headers.get("access-control-allow-origin") == "*", (url, dict(response.headers))
    return response


async def test_an_issued_certificate_verifies_and_its_revocation_is_seen_by_both_verifiers(
    stack_env: dict[str, str], certs: httpx.AsyncClient, public: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    course_id = await publish_course(stack_env)
    r = await certs.post(
        "/v1/certificates",
        json={
            "courseId": course_id,
            "recipient": {"name": NAME, "email": f"{uuid.uuid4().hex}@example.org", "locale": "kk"},
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    cert = r.json()
    di: dict[str, Any] = cert["credentialDataIntegrity"]
    token: str = cert["credentialJwt"]
    assert di["credentialSubject"]["name"] == NAME == jwt_payload(token)["credentialSubject"]["name"]

    base = stack_env["LMS_PUBLIC_URL"].rstrip("/")
    issuer_did = di["issuer"]["id"]
    list_url = di["credentialStatus"]["statusListCredential"]
    assert list_url.startswith(f"{base}/")
    published = (await fetched(public, f"{base}/credentials/{cert['code']}", "application/ld+json")).json()
    assert published == di, "the public credential is the one the certificate carries"
    did_url = did_web_document_url(issuer_did, scheme=urlsplit(base).scheme)
    did_document = (await fetched(public, did_url)).json()
    assert did_document["id"] == issuer_did
    jwks = (await fetched(public, f"{base}/.well-known/jwks.json")).json()
    list_di = (await fetched(public, list_url, "application/ld+json")).json()
    assert list_di["id"] == list_url

    # Valid, in @digitalbazaar/vc (status through vc-bitstring-status-list) and in jose.
    job = loader_job(did_documents=[did_document], credentials=[di, list_di])
    tampered = with_learner_name(di, one_character_changed(NAME))
    valid, forged = node_checks([{"kind": "di", "credential": di}, {"kind": "di", "credential": tampered}], **job)
    assert valid["ok"], valid["error"]
    assert valid["status"] == {"verified": True, "revoked": False, "purposes": ["revocation"]}
    assert not forged["ok"] and "Invalid signature" in forged["error"], forged["error"]

    forged_token = jwt_with_learner_name(token, one_character_changed(NAME))
    by_did, by_jwks, forged_jwt = node_checks(
        [
            {"kind": "jwt-did", "token": token, "didDocument": did_document},
            {"kind": "jwt-jwks", "token": token, "jwks": jwks},
            {"kind": "jwt-did", "token": forged_token, "didDocument": did_document},
        ]
    )
    assert by_did["ok"], by_did["error"]
    assert by_jwks["ok"], by_jwks["error"]
    assert not forged_jwt["ok"] and "JWSSignatureVerificationFailed" in forged_jwt["error"]

    # Open Badges 3.0 AchievementCredential, both forms.
    assert schema_errors(di) == []
    assert schema_errors(jwt_payload(token)) == []
    for result in node_checks([{"kind": "schema", "document": d} for d in (di, jwt_payload(token))]):
        assert result["ok"], result["error"]

    # Revoke through the API: both forms of the published list show it at once.
    r = await certs.post(f"/v1/certificates/{cert['id']}/revoke", json={"reason": "issued in error"}, headers=admin)
    assert r.status_code == 200, r.text
    list_di = (await fetched(public, list_url, "application/ld+json")).json()
    list_jwt = (await fetched(public, list_url, "application/vc+jwt")).text
    job = loader_job(did_documents=[did_document], credentials=[di, list_di])
    (after,) = node_checks([{"kind": "di", "credential": di}], **job)
    assert after["ok"], after["error"]  # the proof still verifies: revocation is the status, not the signature
    assert after["status"]["verified"] and after["status"]["revoked"] is True

    (list_check,) = node_checks([{"kind": "jwt-did", "token": list_jwt, "didDocument": did_document}])
    assert list_check["ok"], list_check["error"]
    index = int(jwt_payload(token)["credentialStatus"]["statusListIndex"])
    (bit,) = node_checks(
        [
            {
                "kind": "bitstring",
                "encodedList": list_check["payload"]["credentialSubject"]["encodedList"],
                "index": index,
            }
        ]
    )
    assert bit["revoked"] is True


async def test_certificates_issued_automatically_and_in_bulk_verify_too(
    stack_env: dict[str, str], certs: httpx.AsyncClient, public: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """The other two ways a certificate is made: on a completion event, and by a bulk job's worker."""
    course_id = await publish_course(stack_env, auto_issue=True)
    learner = f"learner-{uuid.uuid4().hex[:8]}"
    await publish_events(
        stack_env,
        CourseCompletedV1(
            enrollment_id=f"enr-{uuid.uuid4().hex[:10]}",
            course_id=course_id,
            course_version=1,
            course_titles={"kk": "Қатысымдық бюджет", "en": "Participatory budgeting"},
            course_default_language="kk",
            learner_id=learner,
            learner_name="Ərəstun Quliyev",
            locale="en",
            completed_at=datetime.now(UTC),
        ),
    )
    learner_token = make_token(stack_env["LMS_JWT_SECRET"], learner, "Ərəstun Quliyev", ["learner"])

    async def automatic() -> list[dict[str, Any]]:
        r = await certs.get("/v1/certificates/mine", headers={"Authorization": f"Bearer {learner_token}"})
        nodes: list[dict[str, Any]] = r.json()["nodes"] if r.status_code == 200 else []
        return nodes

    (auto_cert,) = await eventually(automatic, timeout=60, every=0.3)

    r = await certs.post(
        "/v1/bulk-jobs",
        json={
            "courseId": course_id,
            "recipients": [{"name": "Zhyldyz Bulk", "email": f"{uuid.uuid4().hex}@example.org"}],
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]

    async def finished() -> bool:
        job = (await certs.get(f"/v1/bulk-jobs/{job_id}", headers=admin)).json()
        return bool(job["status"] == "COMPLETED")

    await eventually(finished, timeout=90, every=0.3)
    listed = (await certs.get("/v1/certificates", params={"courseId": course_id}, headers=admin)).json()["nodes"]
    (bulk_cert,) = [c for c in listed if c["bulkJobId"] == job_id]

    base = stack_env["LMS_PUBLIC_URL"].rstrip("/")
    credentials = [auto_cert["credentialDataIntegrity"], bulk_cert["credentialDataIntegrity"]]
    did_document = (
        await fetched(public, did_web_document_url(credentials[0]["issuer"]["id"], urlsplit(base).scheme))
    ).json()
    lists = {}
    for credential in credentials:
        url = credential["credentialStatus"]["statusListCredential"]
        lists[url] = (await fetched(public, url, "application/ld+json")).json()
    job = loader_job(did_documents=[did_document], credentials=[*credentials, *lists.values()])
    results = node_checks(
        [
            *({"kind": "di", "credential": c} for c in credentials),
            *(
                {"kind": "jwt-did", "token": c["credentialJwt"], "didDocument": did_document}
                for c in (auto_cert, bulk_cert)
            ),
            *({"kind": "schema", "document": c} for c in credentials),
        ],
        **job,
    )
    for result in results:
        assert result["ok"], result["error"]
    for result in results[:2]:
        assert result["status"]["revoked"] is False
