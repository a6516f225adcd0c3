"""Enrolment: self and cohort, version pinning, out-of-order course events, archiving, authorization."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
import pytest
from nats.js import JetStreamContext

from lms_shared.events.catalogue import CourseArchivedV1, EnrollmentCreatedV1
from services.progress.tests.integration.support import (
    Api,
    course_published,
    eventually,
    publish,
    text_lesson,
    uid,
)

pytestmark = pytest.mark.integration
CREATED = EnrollmentCreatedV1.TYPE


async def published_course(js: JetStreamContext, db: asyncpg.Pool, **kwargs: object) -> str:
    """Publish a one-lesson course and wait until progress has stored it."""
    course_id = uid("course")
    await publish(js, course_published(course_id, [text_lesson(f"{course_id}-l1", 1)], **kwargs))  # type: ignore[arg-type]

    async def stored() -> bool:
        return bool(await db.fetchval("SELECT current_version FROM course WHERE course_id = $1", course_id))

    await eventually(stored)
    return course_id


async def test_enrol_is_refused_until_progress_has_seen_the_course(api: Callable[..., Api]) -> None:
    r = await api(uid("learner")).enroll(uid("never-published"))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NOT_FOUND"
    assert "not published" in r.json()["error"]["message"]


async def test_enrolling_twice_returns_the_same_enrolment_and_one_event(
    nats_js: JetStreamContext,
    db: asyncpg.Pool,
    api: Callable[..., Api],
    outbox_events: Callable[[str, str], Awaitable[list[str]]],
) -> None:
    course_id = await published_course(nats_js, db)
    learner = api(uid("learner"), "Айгерім Сейітова", org="KZ", municipality="Алматы")
    first = await learner.enroll(course_id)
    second = await learner.enroll(course_id)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["learnerName"] == "Айгерім Сейітова"
    assert len(await outbox_events(CREATED, first.json()["id"])) == 1


async def test_enrolment_pins_the_version_current_at_that_moment(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    course_id = await published_course(nats_js, db)
    early = await api(uid("learner")).enroll_when_published(course_id)
    await publish(nats_js, course_published(course_id, [text_lesson(f"{course_id}-v2", 1)], version=2))

    async def v2_current() -> bool:
        return await db.fetchval("SELECT current_version FROM course WHERE course_id = $1", course_id) == 2

    await eventually(v2_current)
    late = (await api(uid("learner")).enroll(course_id)).json()
    assert early["courseVersion"] == 1
    assert late["courseVersion"] == 2
    assert [x["lessonId"] for x in late["lessons"]] == [f"{course_id}-v2"]
    # The early learner keeps studying version 1: its lesson still counts, version 2's does not exist for them.
    learner_early = api(early["learnerId"])
    assert (await learner_early.complete(early["id"], f"{course_id}-v2")).status_code == 404
    assert (await learner_early.complete(early["id"], f"{course_id}-l1")).json()["status"] == "COMPLETED"


async def test_version_2_arriving_before_version_1_stays_current(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    course_id = uid("course")
    await publish(nats_js, course_published(course_id, [text_lesson(f"{course_id}-b", 1)], version=2))
    await publish(nats_js, course_published(course_id, [text_lesson(f"{course_id}-a", 1)], version=1))

    async def both_stored() -> bool:
        n = await db.fetchval("SELECT count(*) FROM course_version WHERE course_id = $1", course_id)
        return bool(n == 2)

    await eventually(both_stored)
    assert await db.fetchval("SELECT current_version FROM course WHERE course_id = $1", course_id) == 2
    enrollment = (await api(uid("learner")).enroll(course_id)).json()
    assert enrollment["courseVersion"] == 2


async def test_archived_course_takes_no_new_enrolments_and_a_late_old_version_does_not_reopen_it(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    course_id = uid("course")
    already = api(uid("learner"))
    await publish(nats_js, course_published(course_id, [text_lesson(f"{course_id}-l", 1)], version=2))
    enrolled = await already.enroll_when_published(course_id)
    await publish(nats_js, CourseArchivedV1(course_id=course_id, version=2, archived_at=datetime.now(UTC)))

    async def archived() -> bool:
        return await db.fetchval("SELECT archived_version FROM course WHERE course_id = $1", course_id) == 2

    await eventually(archived)
    r = await api(uid("learner")).enroll(course_id)
    assert r.status_code == 409
    assert "archived" in r.json()["error"]["message"]
    # An older version's publication arriving late must not re-open the course.
    await publish(nats_js, course_published(course_id, [text_lesson(f"{course_id}-old", 1)], version=1))

    async def v1_stored() -> bool:
        return bool(await db.fetchval("SELECT 1 FROM course_version WHERE course_id = $1 AND version = 1", course_id))

    await eventually(v1_stored)
    assert (await api(uid("learner")).enroll(course_id)).status_code == 409
    # Someone already enrolled carries on and asking again answers their enrolment.
    again = await already.enroll(course_id)
    assert again.status_code == 200
    assert again.json()["id"] == enrolled["id"]


async def test_withdrawn_learner_can_come_back_with_progress_kept(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    course_id = uid("course")
    await publish(
        nats_js, course_published(course_id, [text_lesson(f"{course_id}-1", 1), text_lesson(f"{course_id}-2", 2)])
    )
    learner = api(uid("learner"))
    e = await learner.enroll_when_published(course_id)
    await learner.complete(e["id"], f"{course_id}-1")
    w = await learner.http.post(f"/v1/enrollments/{e['id']}/withdraw")
    assert w.json()["status"] == "WITHDRAWN"
    blocked = await learner.complete(e["id"], f"{course_id}-2")
    assert blocked.status_code == 409
    back = await learner.enroll(course_id)
    assert back.json()["id"] == e["id"]
    assert back.json()["status"] == "ACTIVE"
    assert back.json()["progressPercent"] == 50


async def test_only_the_learner_trainers_and_admins_see_an_enrolment(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    owner = uid("trainer")
    course_id = await published_course(nats_js, db, owner_id=owner)
    e = await api(uid("learner")).enroll_when_published(course_id)
    assert (await api(uid("learner")).get(e["id"])).status_code == 404
    assert (await api(uid("trainer"), roles=["trainer"]).get(e["id"])).status_code == 404
    assert (await api(owner, roles=["trainer"]).get(e["id"])).status_code == 200
    assert (await api(uid("admin"), roles=["admin"]).get(e["id"])).status_code == 200
    # Trainers may look but not study in the learner's place.
    r = await api(owner, roles=["trainer"]).complete(e["id"], f"{course_id}-l1")
    assert r.status_code == 403


async def test_no_token_is_unauthenticated(progress_url: str) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=progress_url, trust_env=False) as http:
        r = await http.post("/v1/enrollments", json={"courseId": "x"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "UNAUTHENTICATED"


# --- cohorts -------------------------------------------------------------------------------------


async def test_cohort_is_for_the_course_trainers_and_admins(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    owner, co_owner = uid("trainer"), uid("trainer")
    course_id = await published_course(nats_js, db, owner_id=owner, co_owner_ids=[co_owner])
    members = {"members": [{"learnerId": uid("l"), "name": "Ali"}]}
    path = f"/v1/courses/{course_id}/cohort"
    assert (await api(uid("trainer"), roles=["trainer"]).http.post(path, json=members)).status_code == 403
    assert (await api(uid("learner")).http.post(path, json=members)).status_code == 403
    assert (await api(co_owner, roles=["trainer"]).http.post(path, json=members)).json()["enrolled"] == 1
    assert (await api(uid("admin"), roles=["admin"]).http.post(path, json=members)).json()["alreadyEnrolled"] == 1


async def test_no_trainer_enrols_in_their_own_course_so_nobody_certifies_themselves(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    owner, co_owner = uid("trainer"), uid("trainer")
    course_id = await published_course(nats_js, db, owner_id=owner, co_owner_ids=[co_owner])
    for trainer in (owner, co_owner):
        r = await api(trainer, roles=["trainer"]).http.post("/v1/enrollments", json={"courseId": course_id})
        assert r.status_code == 403 and "own course" in r.json()["error"]["message"], r.text
    members = {"members": [{"learnerId": owner, "name": "Dr. Jane Smith"}, {"learnerId": co_owner, "name": "X"}]}
    r = await api(owner, roles=["trainer"]).http.post(f"/v1/courses/{course_id}/cohort", json=members)
    assert r.json()["enrolled"] == 0 and {f["recipient"] for f in r.json()["failures"]} == {owner, co_owner}
    assert await db.fetchval("SELECT count(*) FROM enrollment WHERE course_id = $1", course_id) == 0


async def test_cohort_of_ten_thousand_is_enrolled_once_and_rerunning_changes_nothing(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    owner = uid("trainer")
    course_id = await published_course(nats_js, db, owner_id=owner)
    trainer = api(owner, roles=["trainer"])
    prefix = uid("m")
    members = [
        {"learnerId": f"{prefix}-{i}", "name": f"Qatnaşan {i}", "org": "UZ", "municipality": "Toshkent"}
        for i in range(10_000)
    ]
    path = f"/v1/courses/{course_id}/cohort"
    started = time.monotonic()
    first = await trainer.http.post(path, json={"members": members})
    elapsed = time.monotonic() - started
    assert first.status_code == 200, first.text
    counts = ("enrolled", "alreadyEnrolled", "failures", "active", "waitlisted")
    assert {k: first.json()[k] for k in counts} == {
        "enrolled": 10_000,
        "alreadyEnrolled": 0,
        "failures": [],
        "active": 10_000,  # registration (issue 15): a course without limits seats everyone
        "waitlisted": 0,
    }
    assert len(first.json()["registrations"]) == 10_000
    assert elapsed < 30, f"10,000 enrolments took {elapsed:.1f} s"
    assert (
        await db.fetchval(
            "SELECT count(*) FROM outbox_message WHERE subject = $1 AND convert_from(payload, 'UTF8')::jsonb "
            "-> 'data' ->> 'course_id' = $2",
            CREATED,
            course_id,
        )
        == 10_000
    )
    again = await trainer.http.post(path, json={"members": members[:5000]})
    assert {k: again.json()[k] for k in counts[:3]} == {"enrolled": 0, "alreadyEnrolled": 5000, "failures": []}
    assert await db.fetchval("SELECT count(*) FROM enrollment WHERE course_id = $1", course_id) == 10_000
    # A cohort member studies with the enrolment the trainer made.
    learner = api(f"{prefix}-7")
    mine = (await learner.http.get("/v1/enrollments/mine", params={"courseIds": course_id})).json()["nodes"]
    assert [m["learnerName"] for m in mine] == ["Qatnaşan 7"]


async def test_cohort_reports_bad_members_and_duplicates_once(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    owner = uid("trainer")
    course_id = await published_course(nats_js, db, owner_id=owner)
    dup = uid("l")
    members = [
        {"learnerId": dup, "name": "Gülnara"},
        {"learnerId": dup, "name": "Gülnara"},
        {"learnerId": dup, "name": "Gülnara"},
        {"learnerId": uid("l"), "name": "  "},
        {"name": "Без идентификатора"},
        {"learnerId": uid("l"), "name": "Erlan"},
    ]
    r = await api(owner, roles=["trainer"]).http.post(f"/v1/courses/{course_id}/cohort", json={"members": members})
    body = r.json()
    assert (body["enrolled"], body["alreadyEnrolled"]) == (2, 0)
    reasons = [f["reason"] for f in body["failures"]]
    assert len(reasons) == 3
    assert sum("more than once" in x for x in reasons) == 1
    assert [f["recipient"] for f in body["failures"]][-1] == "Без идентификатора"


async def test_cohort_over_ten_thousand_is_refused(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    owner = uid("trainer")
    course_id = await published_course(nats_js, db, owner_id=owner)
    members = [{"learnerId": f"x{i}", "name": "x"} for i in range(10_001)]
    r = await api(owner, roles=["trainer"]).http.post(f"/v1/courses/{course_id}/cohort", json={"members": members})
    assert r.status_code == 422
    assert "at most 10,000" in r.json()["error"]["message"]
    assert await db.fetchval("SELECT count(*) FROM enrollment WHERE course_id = $1", course_id) == 0


async def test_enrol_with_an_overlong_name_in_the_token_is_refused_clearly(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    course_id = await published_course(nats_js, db)
    r = await api(uid("learner"), "Ə" * 301).enroll(course_id)
    assert r.status_code == 422
    assert "name is longer than 300 characters" in r.json()["error"]["message"]
