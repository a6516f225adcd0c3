"""Certificates of participation on the real stack (issue 15, item 4).

An event is a course with ``LIVE`` sessions whose certificate policy is ``PARTICIPATION``. The
course and the completions (attending every required session completes the course, progress's
``course.completed``) travel through JetStream as the courses and progress relays send them. The
certificate is issued automatically, and by a bulk job to "all eligible", exactly as for
completions; its PDF (fetched from S3 through its presigned URL, text extracted with pypdf) says
"certificate of participation" in the learner's language, with the event's dates in the session's
zone and its venue; the gateway's ``Certificate.kind`` answers ``PARTICIPATION``; every
``bulk.progress`` names the admin who started the job.
"""

from __future__ import annotations

import io
import unicodedata
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from pypdf import PdfReader

from certificates.domain.templates import PARTICIPATION_WORDING
from lms_shared.events.catalogue import (
    CertificatePolicy,
    CoursePublishedV1,
    LessonSnapshot,
    LiveSessionSnapshot,
    ModuleSnapshot,
)
from tests.support.graphql import GraphQLClient

from .conftest import completion_event, events_on, publish, wait_for

pytestmark = pytest.mark.integration

FORUM = {
    "en": "Regional Urban Forum",
    "az": "Regional Şəhər Forumu",
    "kk": "Өңірлік қала форумы",
    "ru": "Региональный городской форум",
}
VENUES = {"en": "Baku Congress Centre", "az": "Bakı Konqres Mərkəzi", "ru": "Бакинский конгресс-центр"}
# The Baku forum: 12 May 09:00 to 13 May 18:00 local time (UTC+4); a third session online, in June.
DAYS = {
    "az": "12–13 may 2027",
    "kk": "2027 ж. 12–13 мамыр",
    "ru": "12–13 мая 2027 г.",
    "en": "12–13 May 2027",
}
KIND = "query { myCertificates { id courseId kind status } }"


def forum(*, auto_issue: bool, online_follow_up: bool = False) -> CoursePublishedV1:
    def live(lesson_id: str, position: int, starts: datetime, hours: int, venues: dict[str, str]) -> LessonSnapshot:
        return LessonSnapshot(
            id=lesson_id,
            position=position,
            kind="LIVE",
            titles={"en": lesson_id},
            live=LiveSessionSnapshot(
                starts_at=starts, ends_at=starts + timedelta(hours=hours), timezone="Asia/Baku", venues=venues
            ),
        )

    lessons = [
        live("opening", 0, datetime(2027, 5, 12, 5, tzinfo=UTC), 8, VENUES),
        live("workshops", 1, datetime(2027, 5, 13, 5, tzinfo=UTC), 9, {}),
    ]
    if online_follow_up:
        lessons.append(live("follow-up", 2, datetime(2027, 6, 2, 8, tzinfo=UTC), 2, {}))
    course_id = f"forum-{uuid.uuid4().hex[:10]}"
    return CoursePublishedV1(
        course_id=course_id,
        version=1,
        slug=course_id,
        owner_id="trainer-1",
        default_language="az",
        languages=list(FORUM),
        titles=FORUM,
        modules=[ModuleSnapshot(id="programme", position=0, titles={"en": "Programme"}, lessons=lessons)],
        certificate_policy=CertificatePolicy(auto_issue=auto_issue, kind="PARTICIPATION"),
        published_at=datetime.now(UTC),
    )


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


async def known(db: asyncpg.Pool, course_id: str) -> None:
    async def stored() -> bool:
        return bool(await db.fetchval("SELECT 1 FROM course WHERE id = $1", course_id))

    await wait_for(stored, timeout=60)


async def test_attending_an_event_auto_issues_a_certificate_of_participation(
    nats_js: tuple[NATS, JetStreamContext],
    certs: httpx.AsyncClient,
    db: asyncpg.Pool,
    token_for: Callable[..., str],
    stack_env: dict[str, str],
) -> None:
    js = nats_js[1]
    event = forum(auto_issue=True)
    await publish(js, event)
    await known(db, event.course_id)
    stored = await db.fetchrow(
        "SELECT kind, event FROM course_version_policy WHERE course_id = $1 AND version = 1", event.course_id
    )
    assert stored["kind"] == "PARTICIPATION"

    learner, name = f"learner-{uuid.uuid4().hex[:8]}", "Rəşad Əliyev"
    await publish(js, completion_event(event, learner, name, locale="az"))
    token = token_for(learner, name, ["learner"], locale="az")

    async def mine() -> list[dict[str, Any]]:
        r = await certs.get("/v1/certificates/mine", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        return [c for c in r.json()["nodes"] if c["courseId"] == event.course_id]

    (cert,) = await wait_for(mine, timeout=90)
    assert cert["kind"] == "PARTICIPATION" and cert["courseTitle"] == FORUM["az"]
    assert cert["event"] == {
        "firstDay": "2027-05-12",
        "lastDay": "2027-05-13",
        "timezone": "Asia/Baku",
        "venue": VENUES["az"],
    }
    text = pdf_text(httpx.get(cert["pdfUrl"], timeout=30).content)
    headline, sentence = PARTICIPATION_WORDING["az"]
    assert headline in text and sentence in text and name in text and FORUM["az"] in text
    assert f"{DAYS['az']} · {VENUES['az']}" in text
    assert "Kursu bitirmə sertifikatı" not in text

    # The gateway's Certificate.kind answers PARTICIPATION (the service's read shape, passed through).
    gateway = GraphQLClient(stack_env["LMS_PUBLIC_URL"], token)
    try:
        nodes = (await gateway.q(KIND))["myCertificates"]
    finally:
        await gateway.aclose()
    assert {"id": cert["id"], "courseId": event.course_id, "kind": "PARTICIPATION", "status": "VALID"} in nodes
    verification = (await certs.get(f"/v1/verify/{cert['code']}")).json()
    assert verification["valid"] is True and verification["kind"] == "PARTICIPATION"


async def test_a_bulk_run_to_all_eligible_issues_participation_certificates_and_names_who_started_it(
    nats_js: tuple[NATS, JetStreamContext],
    certs: httpx.AsyncClient,
    db: asyncpg.Pool,
    token_for: Callable[..., str],
) -> None:
    js = nats_js[1]
    since = datetime.now(UTC) - timedelta(seconds=1)
    event = forum(auto_issue=False, online_follow_up=True)  # those marked present by hand: no automatic issue
    await publish(js, event)
    await known(db, event.course_id)
    tag = uuid.uuid4().hex[:8]
    people = {
        f"ru-{tag}": ("Мария Иванова", "ru"),
        f"kk-{tag}": ("Әлия Қасымқызы", "kk"),
        f"en-{tag}": ("Jan Kowalski", "en"),
    }
    for learner, (name, locale) in people.items():
        await publish(js, completion_event(event, learner, name, locale=locale))

    async def eligible() -> bool:
        n = await db.fetchval("SELECT count(*) FROM completion WHERE course_id = $1", event.course_id)
        return int(n) == len(people)

    await wait_for(eligible, timeout=60)
    admin_sub = f"admin-{tag}"
    admin = {"Authorization": f"Bearer {token_for(admin_sub, 'Aida Admin', ['admin'])}"}
    r = await certs.post("/v1/bulk-jobs", json={"courseId": event.course_id, "allEligible": True}, headers=admin)
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]

    async def finished() -> dict[str, Any] | None:
        job: dict[str, Any] = (await certs.get(f"/v1/bulk-jobs/{job_id}", headers=admin)).json()
        return job if job["status"] == "COMPLETED" else None

    job = await wait_for(finished, timeout=120, interval=0.5)
    assert job["issued"] == len(people)

    r = await certs.get("/v1/certificates", params={"courseId": event.course_id}, headers=admin)
    assert r.status_code == 200, r.text
    issued = {c["learnerId"]: c for c in r.json()["nodes"]}
    assert set(issued) == set(people)
    # The follow-up in June stretches the event across months; the venue falls back to the course's
    # default language (az) for Kazakh, which has no venue of its own.
    expected = {
        "ru": ("12 мая – 2 июня 2027 г.", VENUES["ru"]),
        "kk": ("2027 ж. 12 мамыр – 2 маусым", VENUES["az"]),
        "en": ("12 May – 2 June 2027", VENUES["en"]),
    }
    for learner, (name, locale) in people.items():
        cert = issued[learner]
        assert cert["kind"] == "PARTICIPATION" and cert["bulkJobId"] == job_id
        text = pdf_text(httpx.get(cert["pdfUrl"], timeout=30).content)
        days, venue = expected[locale]
        assert PARTICIPATION_WORDING[locale][0] in text and name in text and FORUM[locale] in text, (locale, text)
        assert f"{days} · {venue}" in text, (locale, text)

    async def progress() -> list[Any] | None:
        envelopes = await events_on(js, "lms.certificates.bulk.progress.v1", since)
        mine = [e for e in envelopes if e.data["job_id"] == job_id]
        return mine if any(e.data["status"] == "COMPLETED" for e in mine) else None

    envelopes = await wait_for(progress, timeout=60)
    assert {e.data["requested_by"] for e in envelopes} == {admin_sub}
    assert {e.minor_version for e in envelopes} == {1}
