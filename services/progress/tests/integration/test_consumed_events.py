"""Consumed events: certificates on the enrolment, out-of-order delivery, and redelivery of every event.

A redelivery is simulated the way it really happens after a consumer crash or a relay re-send that
slipped past JetStream's de-duplication window: the same envelope (same event id) arrives again under
another ``Nats-Msg-Id``. The inbox must make it a no-op.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from nats.js import JetStreamContext

from lms_shared.dlq import list_dead_letters
from lms_shared.events.catalogue import CertificateIssuedV1, CertificateRevokedV1, CourseArchivedV1
from lms_shared.events.envelope import Envelope
from services.progress.tests.integration.support import (
    Api,
    course_published,
    eventually,
    publish,
    text_lesson,
    uid,
)

pytestmark = pytest.mark.integration


async def redeliver(js: JetStreamContext, envelope: Envelope) -> None:
    """The same event again, under a new Nats-Msg-Id so JetStream does not drop it."""
    await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": f"again-{uuid.uuid4()}"})


async def inbox_has(db: asyncpg.Pool, envelope: Envelope, consumer: str) -> bool:
    return bool(
        await db.fetchval("SELECT 1 FROM processed_event WHERE consumer = $1 AND event_id = $2", consumer, envelope.id)
    )


async def completed_enrollment(js: JetStreamContext, api: Callable[..., Api]) -> tuple[Api, dict[str, Any]]:
    course_id = uid("course")
    await publish(js, course_published(course_id, [text_lesson(f"{course_id}-l", 1)]))
    learner = api(uid("learner"), "Gulnoza Karimova", org="UZ")
    e = await learner.enroll_when_published(course_id)
    done = (await learner.complete(e["id"], f"{course_id}-l")).json()
    assert done["status"] == "COMPLETED"
    return learner, done


def issued(e: dict[str, Any], certificate_id: str, *, by_enrollment: bool = True) -> CertificateIssuedV1:
    return CertificateIssuedV1(
        certificate_id=certificate_id,
        code=f"KB-{certificate_id[-6:].upper()}",
        course_id=e["courseId"],
        course_version=e["courseVersion"],
        learner_id=e["learnerId"],
        learner_name=e["learnerName"],
        enrollment_id=e["id"] if by_enrollment else None,
        issued_at=datetime.now(UTC),
    )


def revoked(e: dict[str, Any], certificate_id: str) -> CertificateRevokedV1:
    return CertificateRevokedV1(
        certificate_id=certificate_id,
        code=f"KB-{certificate_id[-6:].upper()}",
        course_id=e["courseId"],
        learner_id=e["learnerId"],
        reason="Issued by mistake",
        revoked_at=datetime.now(UTC),
    )


async def certificate_of(learner: Api, e: dict[str, Any], status: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        cert = (await learner.get(e["id"])).json()["certificate"]
        return cert if cert and cert["status"] == status else None

    return await eventually(probe)


async def test_issued_then_revoked_certificate_shows_on_the_enrolment(
    nats_js: JetStreamContext, api: Callable[..., Api]
) -> None:
    learner, e = await completed_enrollment(nats_js, api)
    cert_id = uid("cert")
    await publish(nats_js, issued(e, cert_id))
    cert = await certificate_of(learner, e, "VALID")
    assert cert["id"] == cert_id
    assert cert["code"].startswith("KB-")
    assert cert["issuedAt"] is not None
    await publish(nats_js, revoked(e, cert_id))
    await certificate_of(learner, e, "REVOKED")


async def test_certificate_without_enrollment_id_is_matched_by_course_and_learner(
    nats_js: JetStreamContext, api: Callable[..., Api]
) -> None:
    learner, e = await completed_enrollment(nats_js, api)
    await publish(nats_js, issued(e, uid("cert"), by_enrollment=False))
    await certificate_of(learner, e, "VALID")


async def test_revocation_overtaking_issuance_ends_revoked(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    learner, e = await completed_enrollment(nats_js, api)
    cert_id = uid("cert")
    await publish(nats_js, revoked(e, cert_id))
    late_issue = await publish(nats_js, issued(e, cert_id))

    async def applied() -> bool:
        return await inbox_has(db, late_issue, "progress-certificates")

    await eventually(applied)
    cert = await certificate_of(learner, e, "REVOKED")
    assert cert["issuedAt"] is not None


async def test_redelivered_certificate_events_have_no_second_effect(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    learner, e = await completed_enrollment(nats_js, api)
    cert_id = uid("cert")
    issue = await publish(nats_js, issued(e, cert_id))
    revoke = await publish(nats_js, revoked(e, cert_id))
    await certificate_of(learner, e, "REVOKED")
    # The issuance comes again: without the inbox it would be applied again; the certificate must stay revoked.
    await redeliver(nats_js, issue)
    await redeliver(nats_js, revoke)
    marker = await publish(nats_js, issued(e, uid("cert-marker"), by_enrollment=False))

    async def marker_applied() -> bool:
        return await inbox_has(db, marker, "progress-certificates")

    await eventually(marker_applied)
    assert await db.fetchval("SELECT count(*) FROM processed_event WHERE event_id = $1", issue.id) == 1
    rows = await db.fetch("SELECT revoked FROM certificate WHERE id = $1", cert_id)
    assert [r["revoked"] for r in rows] == [True]


async def test_redelivered_course_events_have_no_second_effect(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    course_id = uid("course")
    v1 = await publish(nats_js, course_published(course_id, [text_lesson(f"{course_id}-l", 1)]))
    archived = await publish(
        nats_js, CourseArchivedV1(course_id=course_id, version=1, archived_at=datetime.now(UTC) - timedelta(days=1))
    )

    async def applied() -> bool:
        return await inbox_has(db, archived, "progress-courses")

    await eventually(applied)
    before = await db.fetchrow("SELECT * FROM course WHERE course_id = $1", course_id)
    await redeliver(nats_js, v1)
    await redeliver(nats_js, archived)
    marker = await publish(nats_js, course_published(uid("course"), [text_lesson(uid("l"), 1)]))

    async def marker_applied() -> bool:
        return await inbox_has(db, marker, "progress-courses")

    await eventually(marker_applied)
    assert await db.fetchrow("SELECT * FROM course WHERE course_id = $1", course_id) == before
    assert await db.fetchval("SELECT count(*) FROM course_version WHERE course_id = $1", course_id) == 1
    assert (await api(uid("learner")).enroll(course_id)).status_code == 409


async def test_malformed_event_is_dead_lettered_and_does_not_block_the_next(
    nats_js: JetStreamContext, db: asyncpg.Pool
) -> None:
    bad = Envelope(type=CertificateIssuedV1.TYPE, source="certificates", subject_key="x", data={"code": 42})
    await publish(nats_js, bad)
    someone = {"id": uid("e"), "courseId": uid("course"), "courseVersion": 1, "learnerId": uid("l"), "learnerName": "X"}
    good = await publish(nats_js, issued(someone, uid("cert")))

    async def good_applied() -> bool:
        return await inbox_has(db, good, "progress-certificates")

    await eventually(good_applied)
    assert not await inbox_has(db, bad, "progress-certificates")
    letters = await list_dead_letters(nats_js, "progress-certificates")
    assert any(Envelope.from_bytes(d.data).id == bad.id for d in letters)


async def test_real_certificate_issued_after_completion_shows_on_the_enrolment(
    stack: Any, nats_js: JetStreamContext, api: Callable[..., Api]
) -> None:
    """Across services: course.completed → certificates issues → progress shows it, no call between them."""
    if not stack.role_procs("certificates"):
        pytest.skip("the certificates service is not part of this stack")
    course_id = uid("course")
    await publish(nats_js, course_published(course_id, [text_lesson(f"{course_id}-l", 1)], auto_issue=True))
    learner = api(uid("learner"), "Aizhan Bekova", org="KG", municipality="Bishkek", locale="ky")
    e = await learner.enroll_when_published(course_id)
    assert (await learner.complete(e["id"], f"{course_id}-l")).json()["status"] == "COMPLETED"

    async def issued_certificate() -> dict[str, Any] | None:
        cert: dict[str, Any] | None = (await learner.get(e["id"])).json()["certificate"]
        return cert

    cert = await eventually(issued_certificate, timeout=60)
    assert cert["status"] == "VALID"
    assert cert["code"]
