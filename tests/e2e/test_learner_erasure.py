"""A learner's export and erasure, end to end on the real stack (issue 14, item 6; docs/privacy.md).

A learner of AZ completes a course and is certified automatically. Their country admin exports what
the platform holds (the name and a working PDF link in it), then erases them while progress's relay
is stopped (the erasure event waits in the outbox: certificates still shows the name), and the
relay comes back. Then: every service shows the pseudonym; the verify page shows REVOKED with the
reason "erased on request" and no name; the PDF is gone; the export holds neither the name nor the
e-mail; erasing again answers the same erasure; and events naming the learner that arrive later
(a course.completed and an enrollment.created published again) bring the name back nowhere.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from lms_shared.db import asyncpg_dsn
from lms_shared.events.catalogue import CourseCompletedV1, EnrollmentCreatedV1, LearnerData, LearnerErasedV1, Payload
from lms_shared.jetstream import connect
from tests.support.graphql import GraphQLClient, eventually

pytestmark = pytest.mark.e2e

CREATE = """mutation($input: CreateCourseInput!){ createCourse(input:$input){ id } }"""
ADD_MODULE = """mutation($c:ID!,$i:ModuleInput!){ addModule(courseId:$c, input:$i){ id } }"""
ADD_LESSON = """mutation($m:ID!,$i:LessonInput!){ addLesson(moduleId:$m, input:$i){ id } }"""
PUBLISH = """mutation($id:ID!){ publishCourse(id:$id){ version } }"""
ENROLL = """mutation($c:ID!){ enroll(courseId:$c){ id } }"""
COMPLETE = """mutation($e:ID!,$l:ID!){ completeLesson(enrollmentId:$e, lessonId:$l){ status } }"""
MINE = """{ myCertificates { id code learnerName status revocationReason pdfUrl } }"""
VERIFY = """query($c:String!){ verifyCertificate(code:$c){ valid status learnerName revocationReason credential } }"""
EXPORT = """query($id:ID!){ learnerExport(learnerId:$id) }"""
ERASE = """mutation($id:ID!,$r:String){ eraseLearner(learnerId:$id, reason:$r){ learnerId pseudonym org reason } }"""

NAME = "Aysel Quliyeva"
EMAIL = "aysel.quliyeva@example.az"


@pytest.fixture
async def progress_db(stack_env: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(asyncpg_dsn(stack_env["LMS_PROGRESS_DATABASE_URL"]), min_size=1, max_size=2)
    yield pool
    await pool.close()


@pytest.fixture
async def certificates_db(stack_env: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(asyncpg_dsn(stack_env["LMS_CERTIFICATES_DATABASE_URL"]), min_size=1, max_size=2)
    yield pool
    await pool.close()


async def _published_course(trainer: GraphQLClient, tag: str) -> tuple[str, str]:
    course = (
        await trainer.q(
            CREATE,
            input={
                "slug": f"erasure-{tag}",
                "titles": [{"lang": "az", "text": f"Şəhər büdcəsi {tag}"}],
                "defaultLanguage": "az",
                "autoIssueCertificate": True,
            },
        )
    )["createCourse"]
    module = (await trainer.q(ADD_MODULE, c=course["id"], i={"titles": [{"lang": "az", "text": "Giriş"}]}))["addModule"]
    lesson = (
        await trainer.q(
            ADD_LESSON,
            m=module["id"],
            i={"kind": "TEXT", "titles": [{"lang": "az", "text": "Dərs"}], "bodies": [{"lang": "az", "text": "Mətn"}]},
        )
    )["addLesson"]
    await trainer.q(PUBLISH, id=course["id"])
    return course["id"], lesson["id"]


async def _publish(stack_env: dict[str, str], *events: Payload) -> list[str]:
    nc, js = await connect(stack_env["LMS_NATS_URL"], "erasure-tests")
    ids = []
    try:
        for event in events:
            envelope = event.envelope()
            await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": envelope.id})
            ids.append(envelope.id)
    finally:
        await nc.drain()
    return ids


def _can_stop_roles(stack: Any) -> bool:
    return type(stack).__name__ != "ExternalStack"


async def test_erasure_pseudonymises_everywhere_revokes_and_stays_erased(
    stack: Any,
    stack_env: dict[str, str],
    token_for: Any,
    progress_db: asyncpg.Pool,
    certificates_db: asyncpg.Pool,
) -> None:
    gw = stack_env["LMS_PUBLIC_URL"]
    tag = uuid.uuid4().hex[:8]
    learner_id = f"erase-me-{tag}"
    trainer = GraphQLClient(gw, token_for(f"t-{tag}", "Trainer", ["trainer"]))
    learner = GraphQLClient(
        gw, token_for(learner_id, NAME, ["learner"], org="AZ", municipality="Gəncə", email=EMAIL, locale="az")
    )
    ca_az = GraphQLClient(gw, token_for(f"ca-az-{tag}", "AZ admin", ["country_admin"], org="AZ"))
    ca_kz = GraphQLClient(gw, token_for(f"ca-kz-{tag}", "KZ admin", ["country_admin"], org="KZ"))
    other = GraphQLClient(gw, token_for(f"other-{tag}", "Someone", ["learner", "trainer"], org="AZ"))
    anon = GraphQLClient(gw)
    http = httpx.AsyncClient(timeout=20)
    try:
        course_id, lesson_id = await _published_course(trainer, tag)
        enrollment = await eventually(lambda: _enrol(learner, course_id), timeout=60)
        await learner.q(COMPLETE, e=enrollment, l=lesson_id)

        async def certified() -> dict[str, Any] | None:
            mine = (await learner.q(MINE))["myCertificates"]
            return mine[0] if mine else None

        cert = await eventually(certified, timeout=60)
        assert cert["learnerName"] == NAME and cert["status"] == "VALID"
        pdf = await http.get(cert["pdfUrl"])
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

        # Who may: the learner's country admin and admins; another state's country admin and
        # everyone else are refused, for the export and for the erasure alike.
        for client, code in (
            (ca_kz, "FORBIDDEN"),
            (other, "FORBIDDEN"),
            (learner, "FORBIDDEN"),
            (anon, "UNAUTHENTICATED"),
        ):
            assert await client.codes(EXPORT, id=learner_id) == {code}
            assert await client.codes(ERASE, id=learner_id, r="no") == {code}

        async def exported_with_certificate() -> dict[str, Any] | None:
            out: dict[str, Any] = (await ca_az.q(EXPORT, id=learner_id))["learnerExport"]
            # The directory row comes from progress's own events, read back: wait for it too.
            if out["services"]["certificates"]["certificates"] and out["services"]["progress"]["directory"]:
                return out
            return None

        before = await eventually(exported_with_certificate, timeout=60)
        assert before["org"] == "AZ"
        assert before["services"]["progress"]["enrollments"][0]["learner_name"] == NAME
        exported_cert = before["services"]["certificates"]["certificates"][0]
        assert exported_cert["code"] == cert["code"] and exported_cert["email"] == EMAIL
        assert (await http.get(exported_cert["pdfUrl"])).content.startswith(b"%PDF")

        # NATS unreachable for progress (its relay stopped): the erasure is recorded and progress's
        # rows change at once; the event waits in the outbox and certificates still knows the name.
        outage = _can_stop_roles(stack)
        if outage:
            await asyncio.to_thread(stack.stop_role, "progress-relay")
        try:
            erased = (await ca_az.q(ERASE, id=learner_id, r="GDPR request 17"))["eraseLearner"]
            pseudonym = erased["pseudonym"]
            assert erased == {"learnerId": learner_id, "pseudonym": pseudonym, "org": "AZ", "reason": "GDPR request 17"}
            assert pseudonym.startswith("Erased learner ") and NAME not in pseudonym
            names = await progress_db.fetch("SELECT learner_name FROM enrollment WHERE learner_id = $1", learner_id)
            assert [r["learner_name"] for r in names] == [pseudonym]
            if outage:
                waiting = await progress_db.fetchval(
                    "SELECT count(*) FROM outbox_message WHERE subject = 'lms.progress.learner.erased.v1'"
                    " AND sent_at IS NULL AND convert_from(payload, 'UTF8') LIKE '%' || $1 || '%'",
                    learner_id,
                )
                assert waiting == 1
                await asyncio.sleep(2)
                still = (await anon.q(VERIFY, c=cert["code"]))["verifyCertificate"]
                assert still["learnerName"] == NAME and still["status"] == "VALID"
        finally:
            if outage:
                await asyncio.to_thread(stack.start_role, "progress-relay")
                await asyncio.to_thread(stack.wait_healthy, 60, ["progress-relay"])

        async def revoked() -> dict[str, Any] | None:
            v: dict[str, Any] = (await anon.q(VERIFY, c=cert["code"]))["verifyCertificate"]
            return v if v["status"] == "REVOKED" else None

        verified = await eventually(revoked, timeout=60)
        assert verified["valid"] is False
        assert verified["revocationReason"] == "erased on request"
        assert verified["learnerName"] is None
        assert NAME not in json.dumps(verified, ensure_ascii=False)

        mine = (await learner.q(MINE))["myCertificates"]
        assert [(c["learnerName"], c["status"], c["pdfUrl"]) for c in mine] == [(pseudonym, "REVOKED", None)]
        assert (await http.get(cert["pdfUrl"])).status_code == 404  # the PDF itself is deleted

        after = (await ca_az.q(EXPORT, id=learner_id))["learnerExport"]
        dumped = json.dumps(after, ensure_ascii=False)
        assert NAME not in dumped and EMAIL not in dumped
        assert after["erasure"]["pseudonym"] == pseudonym
        assert after["services"]["certificates"]["certificates"][0]["pdfUrl"] is None
        assert after["services"]["progress"]["directory"]["name"] == pseudonym

        # Erasing again is the same erasure: same pseudonym, nothing published again.
        again = (await ca_az.q(ERASE, id=learner_id, r="twice"))["eraseLearner"]
        assert again["pseudonym"] == pseudonym and again["reason"] == "GDPR request 17"
        count = await progress_db.fetchval(
            "SELECT count(*) FROM outbox_message WHERE subject = 'lms.progress.learner.erased.v1'"
            " AND convert_from(payload, 'UTF8') LIKE '%' || $1 || '%'",
            learner_id,
        )
        assert count == 1

        # Late events naming the learner (as a redelivery after a consumer's crash would bring them):
        # applied, and the name stays erased in every service; no new certificate is issued.
        person = LearnerData(id=learner_id, name=NAME, email=EMAIL, org="AZ", municipality="Gəncə", locale="az")
        now = datetime.now(UTC)
        late = await _publish(
            stack_env,
            EnrollmentCreatedV1(
                enrollment_id=enrollment,
                course_id=course_id,
                course_version=1,
                learner=person,
                via="self",
                enrolled_at=now,
            ),
            CourseCompletedV1(
                enrollment_id=enrollment,
                course_id=course_id,
                course_version=1,
                course_titles={"az": "x"},
                course_default_language="az",
                learner=person,
                completed_at=now,
            ),
            # The erasure itself once more, as after a crash between applying and acking it: a re-run
            # changes nothing (the first pseudonym stays, no second revocation).
            LearnerErasedV1(
                learner_id=learner_id, pseudonym="Erased learner again", org="AZ", requested_by="test", erased_at=now
            ),
        )

        async def applied() -> bool:
            p = await progress_db.fetchval("SELECT count(*) FROM processed_event WHERE event_id = ANY($1)", late)
            c = await certificates_db.fetchval("SELECT count(*) FROM processed_event WHERE event_id = ANY($1)", late)
            return bool(p == 2 and c == 2)

        await eventually(applied, timeout=60)
        directory = await progress_db.fetchval("SELECT name FROM learner WHERE learner_id = $1", learner_id)
        assert directory == pseudonym
        rows = await certificates_db.fetch(
            "SELECT learner_name, email, status FROM certificate WHERE learner_id = $1", learner_id
        )
        assert [tuple(r) for r in rows] == [(pseudonym, None, "REVOKED")]
        revocations = await certificates_db.fetchval(
            "SELECT count(*) FROM outbox_message WHERE subject = 'lms.certificates.certificate.revoked.v1'"
            " AND convert_from(payload, 'UTF8') LIKE '%' || $1 || '%'",
            cert["code"],
        )
        assert revocations == 1
        completion = await certificates_db.fetchval(
            "SELECT learner_name FROM completion WHERE learner_id = $1", learner_id
        )
        assert completion == pseudonym
        final = json.dumps((await ca_az.q(EXPORT, id=learner_id))["learnerExport"], ensure_ascii=False)
        assert NAME not in final and EMAIL not in final
    finally:
        await http.aclose()
        for client in (trainer, learner, ca_az, ca_kz, other, anon):
            await client.aclose()


async def _enrol(learner: GraphQLClient, course_id: str) -> str:
    enrolled: str = (await learner.q(ENROLL, c=course_id))["enroll"]["id"]
    return enrolled
