"""Check-in, attendance and surveys through the progress API on the real stack (issue 15)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from nats.js import JetStreamContext

from services.progress.tests.integration.support import Api, course_published, eventually, publish, uid

pytestmark = pytest.mark.integration
Outbox = Callable[[str, str], Awaitable[list[str]]]
RECORDED = "lms.progress.attendance.recorded.v1"
LESSON_DONE = "lms.progress.lesson.completed.v1"
COURSE_DONE = "lms.progress.course.completed.v1"


def live_lesson(lesson_id: str, position: int, *, starts: datetime | None = None) -> dict[str, Any]:
    starts = starts or datetime.now(UTC) - timedelta(minutes=10)
    return {
        "id": lesson_id,
        "position": position,
        "kind": "LIVE",
        "titles": {"az": "Açılış sessiyası"},
        "required": True,
        "live": {
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "timezone": "Asia/Baku",
            "venues": {"az": "Bakı Konqres Mərkəzi"},
            "online_url": "https://meet.example.org/forum-day-1",
        },
    }


def survey_lesson(lesson_id: str, position: int, *, anonymous: bool = True) -> dict[str, Any]:
    return {
        "id": lesson_id,
        "position": position,
        "kind": "SURVEY",
        "titles": {"az": "Rəy"},
        "required": True,
        "survey": {
            "anonymous": anonymous,
            "questions": [
                {"id": f"{lesson_id}-r", "kind": "RATING", "scale": 5},
                {"id": f"{lesson_id}-c", "kind": "SINGLE_CHOICE", "options": [{"id": "yes"}, {"id": "no"}]},
                {"id": f"{lesson_id}-t", "kind": "TEXT"},
            ],
        },
    }


async def forum(
    js: JetStreamContext, api: Callable[..., Api], *, anonymous: bool = True
) -> tuple[str, Api, dict[str, str]]:
    course_id, owner = uid("forum"), uid("trainer")
    lessons = [live_lesson(f"{course_id}-day1", 1), survey_lesson(f"{course_id}-fb", 2, anonymous=anonymous)]
    await publish(js, course_published(course_id, lessons, owner_id=owner))
    trainer = api(owner, "Aynur Trainer", ["trainer"])
    return course_id, trainer, {"live": f"{course_id}-day1", "survey": f"{course_id}-fb"}


async def open_code(trainer: Api, lesson_id: str, **body: Any) -> dict[str, Any]:
    r = await trainer.http.post("/v1/check-in-codes", json={"lessonId": lesson_id, **body})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def check_in(learner: Api, enrollment_id: str, lesson_id: str, code: str) -> Any:
    return await learner.http.post(f"/v1/enrollments/{enrollment_id}/lessons/{lesson_id}/check-in", json={"code": code})


async def test_checking_in_completes_the_live_lesson_once(
    nats_js: JetStreamContext, api: Callable[..., Api], outbox_events: Outbox
) -> None:
    course_id, trainer, ids = await forum(nats_js, api)
    learner = api(uid("learner"), "Leyla Məmmədova", org="AZ", municipality="Gəncə")
    e = await learner.enroll_when_published(course_id)
    first = await open_code(trainer, ids["live"])
    second = await open_code(trainer, ids["live"])  # rotated: the first stays accepted for the grace period
    assert first["code"] != second["code"] and first["courseId"] == course_id

    r = await check_in(learner, e["id"], ids["live"], first["code"].lower())
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "COMPLETED"
    again = await check_in(learner, e["id"], ids["live"], "WRONG1")  # already present: same answer
    assert again.status_code == 200 and again.json() == r.json()

    assert len(await outbox_events(RECORDED, f"{e['id']}:{ids['live']}")) == 1
    assert len(await outbox_events(LESSON_DONE, e["id"])) == 1
    r = await learner.complete(e["id"], ids["live"])
    assert r.status_code == 422 and "check in" in r.json()["error"]["message"]

    listing = (await trainer.http.get(f"/v1/courses/{course_id}/lessons/{ids['live']}/attendance")).json()
    [row] = listing["nodes"]
    assert (row["learnerName"], row["present"], row["method"], row["org"]) == ("Leyla Məmmədova", True, "CODE", "AZ")
    live = (await learner.http.get(f"/v1/courses/{course_id}/live")).json()["nodes"]
    assert live == [{"lessonId": ids["live"], "attended": 1, "onlineUrl": "https://meet.example.org/forum-day-1"}]
    stranger = (await api(uid("learner")).http.get(f"/v1/courses/{course_id}/live")).json()["nodes"]
    assert stranger[0]["onlineUrl"] is None and stranger[0]["attended"] == 1


async def test_wrong_codes_are_refused_then_rate_limited(nats_js: JetStreamContext, api: Callable[..., Api]) -> None:
    course_id, trainer, ids = await forum(nats_js, api)
    learner = api(uid("learner"), "Nurlan Əliyev", org="KZ")
    e = await learner.enroll_when_published(course_id)
    issued = await open_code(trainer, ids["live"])
    for _ in range(10):  # LMS_CHECKIN_MAX_FAILURES
        r = await check_in(learner, e["id"], ids["live"], "AAAAAA")
        assert r.status_code == 422 and "not valid" in r.json()["error"]["message"]
    r = await check_in(learner, e["id"], ids["live"], issued["code"])
    assert r.status_code == 429 and "Too many wrong codes" in r.json()["error"]["message"]


async def test_check_in_outside_the_session_window_is_refused(
    nats_js: JetStreamContext, api: Callable[..., Api]
) -> None:
    course_id, owner = uid("forum"), uid("trainer")
    later = datetime.now(UTC) + timedelta(days=3)
    await publish(
        nats_js, course_published(course_id, [live_lesson(f"{course_id}-d", 1, starts=later)], owner_id=owner)
    )
    learner = api(uid("learner"), org="AZ")
    await learner.enroll_when_published(course_id)
    r = await api(owner, roles=["trainer"]).http.post("/v1/check-in-codes", json={"lessonId": f"{course_id}-d"})
    assert r.status_code == 409 and "opens at" in r.json()["error"]["message"]


async def test_marking_by_hand_and_the_csv_and_the_country_admins_view(
    nats_js: JetStreamContext, api: Callable[..., Api], outbox_events: Outbox
) -> None:
    course_id, trainer, ids = await forum(nats_js, api)
    az = api(uid("learner"), '=HYPERLINK("http://x","y")', org="AZ", municipality="-2+3")
    kz = api(uid("learner"), "Асель Нурланова", org="KZ", municipality="Алматы")
    e_az, e_kz = await az.enroll_when_published(course_id), await kz.enroll_when_published(course_id)
    body = {"lessonId": ids["live"], "learnerIds": [e_az["learnerId"], e_kz["learnerId"]], "present": True}
    r = await trainer.http.post("/v1/attendance", json=body)
    assert r.status_code == 200, r.text
    assert {(n["learnerId"], n["method"], n["present"]) for n in r.json()["nodes"]} == {
        (e_az["learnerId"], "TRAINER", True),
        (e_kz["learnerId"], "TRAINER", True),
    }
    r = await trainer.http.post("/v1/attendance", json={**body, "learnerIds": [e_kz["learnerId"]], "present": False})
    assert [n["present"] for n in r.json()["nodes"]] == [False]
    after = (await kz.get(e_kz["id"])).json()
    assert next(x for x in after["lessons"] if x["lessonId"] == ids["live"])["status"] != "COMPLETED"
    assert len(await outbox_events(RECORDED, f"{e_kz['id']}:{ids['live']}")) == 2

    ca = api(uid("ca"), "AZ Admin", ["country_admin"], org="AZ")
    mine = (await ca.http.get(f"/v1/courses/{course_id}/lessons/{ids['live']}/attendance")).json()["nodes"]
    assert [n["learnerId"] for n in mine] == [e_az["learnerId"]], "another state's learners are hidden"

    export = await ca.http.post(f"/v1/courses/{course_id}/lessons/{ids['live']}/attendance/exports")
    assert export.status_code == 201, export.text
    csv_r = await api(uid("anyone")).http.get(export.json()["path"])
    assert csv_r.status_code == 200 and csv_r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_r.content.decode("utf-8-sig"))))
    assert [(r["learnerName"], r["municipality"], r["present"], r["method"]) for r in rows] == [
        ("'" + '=HYPERLINK("http://x","y")', "'-2+3", "yes", "TRAINER")
    ]
    other = api(uid("trainer"), roles=["trainer"])
    r = await other.http.get(f"/v1/courses/{course_id}/lessons/{ids['live']}/attendance")
    assert r.status_code == 403


async def test_an_anonymous_survey_keeps_answers_apart_from_who_answered(
    nats_js: JetStreamContext, api: Callable[..., Api], db: asyncpg.Pool
) -> None:
    course_id, trainer, ids = await forum(nats_js, api)
    q = ids["survey"]
    people = [api(uid("learner"), f"Learner {i}", org="AZ" if i < 4 else "KZ") for i in range(6)]
    enrolments = [await p.enroll_when_published(course_id) for p in people]
    path = "/v1/enrollments/{}/surveys/" + q + "/submissions"
    bad = await people[0].http.post(
        path.format(enrolments[0]["id"]), json={"answers": [{"questionId": "nope", "rating": 1}]}
    )
    assert bad.status_code == 422 and "not part of this survey" in bad.json()["error"]["message"]
    for i, (p, e) in enumerate(zip(people, enrolments, strict=True)):
        answers = [
            {"questionId": f"{q}-r", "rating": 1 + i % 5},
            {"questionId": f"{q}-c", "optionIds": ["yes" if i % 2 else "no"]},
            {"questionId": f"{q}-t", "text": f"comment {i}"},
        ]
        r = await p.http.post(path.format(e["id"]), json={"answers": answers})
        assert r.status_code == 200 and r.json()["status"] == "COMPLETED", r.text
    again = await people[0].http.post(
        path.format(enrolments[0]["id"]), json={"answers": [{"questionId": f"{q}-r", "rating": 5}]}
    )
    assert again.status_code == 200

    results = (await trainer.http.get(f"/v1/courses/{course_id}/lessons/{q}/survey-results")).json()["nodes"]
    rating, choice, text = results
    assert rating["responses"] == 6 and rating["distribution"] == [2, 1, 1, 1, 1]
    assert choice["optionCounts"] == [3, 3]
    assert sorted(text["texts"]) == sorted(f"comment {i}" for i in range(6))

    ca_kz = api(uid("ca"), "KZ Admin", ["country_admin"], org="KZ")
    kz = (await ca_kz.http.get(f"/v1/courses/{course_id}/lessons/{q}/survey-results")).json()["nodes"]
    assert kz[0]["responses"] == 2 and kz[0]["mean"] is None and kz[2]["texts"] is None, (
        "2 < 3 respondents: counts only"
    )
    ca_az = api(uid("ca"), "AZ Admin", ["country_admin"], org="AZ")
    az = (await ca_az.http.get(f"/v1/courses/{course_id}/lessons/{q}/survey-results")).json()["nodes"]
    assert az[0]["responses"] == 4 and az[0]["distribution"] == [1, 1, 1, 1, 0]

    async def mixed() -> bool:
        left = await db.fetchval("SELECT count(*) FROM survey_ballot WHERE course_id = $1", course_id)
        return left == 0

    await eventually(mixed, timeout=30)
    rows = await db.fetch("SELECT * FROM survey_answer WHERE course_id = $1", course_id)
    assert len(rows) == 18 and all(r["enrollment_id"] is None for r in rows)
    columns = set(rows[0].keys())
    assert not columns & {"learner_id", "created_at", "submitted_at"}, columns


async def test_a_named_survey_links_answers_to_the_enrolment(
    nats_js: JetStreamContext, api: Callable[..., Api], db: asyncpg.Pool
) -> None:
    course_id, _, ids = await forum(nats_js, api, anonymous=False)
    learner = api(uid("learner"), org="UZ")
    e = await learner.enroll_when_published(course_id)
    r = await learner.http.post(
        f"/v1/enrollments/{e['id']}/surveys/{ids['survey']}/submissions",
        json={"answers": [{"questionId": f"{ids['survey']}-r", "rating": 5}]},
    )
    assert r.status_code == 200, r.text
    owners = await db.fetch("SELECT enrollment_id FROM survey_answer WHERE course_id = $1", course_id)
    assert [o["enrollment_id"] for o in owners] == [e["id"]]


async def test_two_thousand_codes_later_check_in_still_answers_quickly(
    nats_js: JetStreamContext, api: Callable[..., Api]
) -> None:
    """Many learners checking in at once each get their lesson completed exactly once."""
    course_id, trainer, ids = await forum(nats_js, api)
    people = [api(uid("learner"), f"P {i}", org="TR") for i in range(20)]
    enrolments = [await p.enroll_when_published(course_id) for p in people]
    issued = await open_code(trainer, ids["live"])
    answers = await asyncio.gather(
        *(check_in(p, e["id"], ids["live"], issued["code"]) for p, e in zip(people, enrolments, strict=True)),
        *(check_in(p, e["id"], ids["live"], issued["code"]) for p, e in zip(people, enrolments, strict=True)),
    )
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200]
    live = (await trainer.http.get(f"/v1/courses/{course_id}/live")).json()["nodes"]
    assert live[0]["attended"] == 20
