"""The slice: a completion becomes a certificate, downloadable, listed, and publicly verifiable."""

from __future__ import annotations

import io
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from pypdf import PdfReader

from lms_shared.events.catalogue import CoursePublishedV1

from .conftest import completion_event, course_event, events_on, publish, wait_for

pytestmark = pytest.mark.integration


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() or "" for page in reader.pages))


async def my_certificates(certs: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    r = await certs.get("/v1/certificates/mine", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    nodes: list[dict[str, Any]] = r.json()["nodes"]
    return nodes


async def test_completion_is_certified_automatically_even_before_the_course_arrives(
    nats_js: tuple[NATS, JetStreamContext],
    certs: httpx.AsyncClient,
    db: asyncpg.Pool,
    token_for: Callable[..., str],
) -> None:
    js = nats_js[1]
    since = datetime.now(UTC) - timedelta(seconds=1)
    course = course_event(auto_issue=True, languages=["az", "kk"], default="az")
    learner = f"learner-{uuid.uuid4().hex[:8]}"
    name = "Rəşad Əliyev"
    completed = completion_event(course, learner, name, locale="kk")
    # Out of order on purpose: progress's event overtakes the course's.
    await publish(js, completed)
    await publish(js, course)
    token = token_for(learner, name, ["learner"])

    mine = await wait_for(lambda: my_certificates(certs, token), timeout=60)
    assert len(mine) == 1
    cert = mine[0]
    assert cert["learnerName"] == name
    assert cert["courseId"] == course.course_id
    assert cert["courseTitle"] == "Қатысымдық бюджет", "printed in the learner's locale, which the course has"
    assert cert["status"] == "VALID"
    assert cert["verifyUrl"].endswith(f"/verify/{cert['code']}")
    assert cert["credential"]["type"] == "EnvelopedVerifiableCredential"

    pdf = httpx.get(cert["pdfUrl"], timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    assert name in text and "Қатысымдық бюджет" in text
    assert cert["code"] in text.replace(" ", "")

    verification = (await certs.get(f"/v1/verify/{cert['code'].lower()}")).json()
    assert verification["valid"] is True and verification["status"] == "VALID"
    assert verification["learnerName"] == name and verification["courseTitle"] == "Қатысымдық бюджет"
    assert verification["issuer"] and verification["issuedAt"] == cert["issuedAt"]

    async def issued_event() -> list[Any]:
        events = await events_on(js, "lms.certificates.certificate.issued.v1", since)
        return [e for e in events if e.data["certificate_id"] == cert["id"]]

    (event,) = await wait_for(issued_event)
    assert event.data["learner_id"] == learner and event.data["code"] == cert["code"]
    assert event.data["enrollment_id"] == completed.enrollment_id

    # The same completion again (a redelivery), and a second completion event for the same learner:
    # still one certificate.
    await publish(js, completed.envelope(id=str(uuid.uuid4())))
    await publish(js, completion_event(course, learner, name, locale="kk"))

    async def processed() -> bool:
        n = await db.fetchval(
            "SELECT count(*) FROM processed_event WHERE consumer = 'certificates-completions'"
            " AND processed_at > now() - interval '1 minute'"
        )
        return int(n) >= 3

    await wait_for(processed)
    assert len(await my_certificates(certs, token)) == 1
    assert await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id) == 1
    audit = await db.fetchrow(
        "SELECT actor_sub, action FROM audit_log WHERE certificate_id = $1", uuid.UUID(cert["id"])
    )
    assert audit["action"] == "issue" and audit["actor_sub"] == "system:auto-issue"


async def test_no_automatic_certificate_when_the_policy_says_so(
    nats_js: tuple[NATS, JetStreamContext],
    db: asyncpg.Pool,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    learner = f"learner-{uuid.uuid4().hex[:8]}"
    await publish(nats_js[1], completion_event(course, learner, "Aigerim Sadykova"))

    async def eligible() -> bool:
        return bool(await db.fetchval("SELECT 1 FROM completion WHERE learner_id = $1", learner))

    await wait_for(eligible)
    assert await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id) == 0


async def test_verify_is_public_and_never_an_error(certs: httpx.AsyncClient) -> None:
    for code in ("KB-2222-2222-2222", "NOSUCHCODE99", "ı" * 20, "x" * 500, "KB-0000-OOOO-1111"):
        r = await certs.get(f"/v1/verify/{code}")
        assert r.status_code == 200, r.text
        assert r.json()["valid"] is False and r.json()["learnerName"] is None


async def test_mine_needs_a_token(certs: httpx.AsyncClient) -> None:
    r = await certs.get("/v1/certificates/mine")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "UNAUTHENTICATED"
