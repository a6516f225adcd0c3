"""Versions: publish freezes a snapshot, republish makes N+1, old versions stay exact; archive."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from lms_shared.events.catalogue import CourseArchivedV1, CoursePublishedV1

from .conftest import new_course, publishable_course, texts
from .events import events_for

pytestmark = pytest.mark.integration


async def test_republishing_makes_a_new_version_and_keeps_the_old_one_exact(people: Any, env: dict[str, str]) -> None:
    trainer, learner = people("trainer"), people("learner", locale="kk")
    course, module, lesson = await publishable_course(trainer)
    cid = course["id"]
    v1 = await trainer.ok("POST", f"/v1/courses/{cid}/publish")
    assert v1["version"] == 1

    await trainer.ok("PATCH", f"/v1/lessons/{lesson['id']}", json={"titles": texts(az="Dərs 1 (yenilənib)")})
    added = await trainer.ok(
        "POST", f"/v1/modules/{module['id']}/lessons", json={"kind": "TEXT", "titles": texts(az="Dərs 2")}
    )
    draft = await trainer.ok("GET", f"/v1/courses/{cid}")
    assert draft["isDraft"] is True and draft["hasUnpublishedChanges"] is True and draft["version"] == 1

    # Learners keep seeing version 1 until the trainer publishes again.
    seen = await learner.ok("GET", f"/v1/courses/{cid}")
    assert seen["isDraft"] is False and seen["version"] == 1
    assert [x["titles"][0]["text"] for x in seen["modules"][0]["lessons"]] == ["Dərs 1"]

    v2 = await trainer.ok("POST", f"/v1/courses/{cid}/publish")
    assert v2["version"] == 2 and v2["hasUnpublishedChanges"] is False
    latest = await learner.ok("GET", f"/v1/courses/{cid}")
    assert latest["version"] == 2 and len(latest["modules"][0]["lessons"]) == 2

    old = await learner.ok("GET", f"/v1/courses/{cid}", params={"version": 1})
    assert old["version"] == 1 and old["latestVersion"] == 2
    assert [x["titles"][0]["text"] for x in old["modules"][0]["lessons"]] == ["Dərs 1"]
    # The lesson kept its id across versions: progress made on version 1 still points at it.
    assert old["modules"][0]["lessons"][0]["id"] == latest["modules"][0]["lessons"][0]["id"] == lesson["id"]

    r = await learner.call("GET", f"/v1/courses/{cid}", params={"version": 3})
    assert r.status_code == 404 and "no published version 3" in r.json()["error"]["message"]

    events = await events_for(env["LMS_NATS_URL"], CoursePublishedV1.TYPE, cid, count=2)
    payloads = sorted((CoursePublishedV1.model_validate(e.data) for e in events), key=lambda p: p.version)
    assert [p.version for p in payloads] == [1, 2]
    assert [x.id for x in payloads[1].modules[0].lessons] == [lesson["id"], added["id"]]


async def test_publishing_twice_without_changes_is_a_conflict(people: Any) -> None:
    trainer = people("trainer")
    course, _, _ = await publishable_course(trainer)
    await trainer.ok("POST", f"/v1/courses/{course['id']}/publish")
    r = await trainer.call("POST", f"/v1/courses/{course['id']}/publish")
    assert r.status_code == 409
    assert r.json()["error"] == {
        "code": "CONFLICT",
        "message": "Nothing new to publish: version 1 already contains every change. "
        "Edit the course first, then publish again.",
    }


async def test_two_trainers_publishing_at_once_make_one_version_with_both_edits(
    people: Any, env: dict[str, str]
) -> None:
    owner, co = people("trainer"), people("trainer")
    course, module, _ = await publishable_course(owner)
    cid = course["id"]
    await co.ok("GET", "/v1/courses")  # signed in once as a trainer: courses knows them
    await owner.ok("POST", f"/v1/courses/{cid}/co-owners", json={"trainerId": co.id})
    await owner.ok("POST", f"/v1/courses/{cid}/publish")
    # Each trainer makes an edit, then both press "publish" at the same moment.
    await owner.ok("PATCH", f"/v1/courses/{cid}", json={"summaries": texts(az="Sahibin xülasəsi")})
    await co.ok("POST", f"/v1/modules/{module['id']}/lessons", json={"kind": "TEXT", "titles": texts(az="Həmmüəllif")})
    results = await asyncio.gather(
        owner.call("POST", f"/v1/courses/{cid}/publish"), co.call("POST", f"/v1/courses/{cid}/publish")
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.text for r in results]
    winner = next(r for r in results if r.status_code == 200).json()
    assert winner["version"] == 2
    v2 = await owner.ok("GET", f"/v1/courses/{cid}", params={"version": 2})
    assert v2["summaries"] == texts(az="Sahibin xülasəsi") and len(v2["modules"][0]["lessons"]) == 2
    r = await owner.call("GET", f"/v1/courses/{cid}", params={"version": 3})
    assert r.status_code == 404
    events = await events_for(env["LMS_NATS_URL"], CoursePublishedV1.TYPE, cid, count=3, timeout=8)
    assert sorted(e.data["version"] for e in events) == [1, 2]


async def test_an_empty_course_is_refused_with_what_to_fix(people: Any) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    r = await trainer.call("POST", f"/v1/courses/{course['id']}/publish")
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "BAD_USER_INPUT" and "empty course cannot be published" in error["message"]
    await trainer.ok("POST", f"/v1/courses/{course['id']}/modules", json={"titles": texts(az="Boş modul")})
    r = await trainer.call("POST", f"/v1/courses/{course['id']}/publish")
    assert "Add a lesson to module 1 “Boş modul”" in r.json()["error"]["message"]


async def test_a_quiz_without_a_correct_option_is_refused(people: Any) -> None:
    trainer = people("trainer")
    course, module, _ = await publishable_course(trainer)
    quiz = {
        "passScore": 50,
        "questions": [
            {
                "prompts": texts(az="Sual?"),
                "options": [{"labels": texts(az="A"), "correct": False}, {"labels": texts(az="B"), "correct": False}],
            },
            {
                "prompts": texts(az="Tək seçim?"),
                "multiple": False,
                "options": [{"labels": texts(az="A"), "correct": True}, {"labels": texts(az="B"), "correct": True}],
            },
        ],
    }
    await trainer.ok(
        "POST",
        f"/v1/modules/{module['id']}/lessons",
        json={"kind": "QUIZ", "titles": texts(az="Yoxlama"), "quiz": quiz},
    )
    await trainer.ok(
        "POST", f"/v1/modules/{module['id']}/lessons", json={"kind": "QUIZ", "titles": texts(az="Boş test")}
    )
    r = await trainer.call("POST", f"/v1/courses/{course['id']}/publish")
    assert r.status_code == 422
    problems = r.json()["error"]["details"]["problems"]
    assert problems == [
        "Mark at least one option of question 1 of lesson 2 “Yoxlama” in module 1 “Giriş” as correct.",
        "Question 2 of lesson 2 “Yoxlama” in module 1 “Giriş” is single choice but has 2 correct options: "
        "keep one, or make it multiple choice.",
        "Add questions to the quiz of lesson 3 “Boş test” in module 1 “Giriş”.",
    ]


async def test_a_lesson_whose_material_is_not_ready_is_refused(people: Any) -> None:
    trainer = people("trainer")
    course, module, _ = await publishable_course(trainer)
    upload = await trainer.ok(
        "POST",
        f"/v1/courses/{course['id']}/materials",
        json={"filename": "plan.pdf", "contentType": "application/pdf", "size": 1000},
    )
    await trainer.ok(
        "POST",
        f"/v1/modules/{module['id']}/lessons",
        json={"kind": "DOCUMENT", "titles": texts(az="Sənəd"), "materialId": upload["material"]["id"]},
    )
    r = await trainer.call("POST", f"/v1/courses/{course['id']}/publish")
    assert r.status_code == 422
    assert "The material of lesson 2 “Sənəd” in module 1 “Giriş” is PENDING, not READY" in r.json()["error"]["message"]


async def test_the_published_event_carries_the_answer_key_the_api_never_shows(people: Any, env: dict[str, str]) -> None:
    trainer, learner = people("trainer"), people("learner")
    course, module, _ = await publishable_course(trainer)
    quiz = {
        "passScore": 70,
        "questions": [
            {
                "prompts": texts(az="?"),
                "options": [
                    {"labels": texts(az="Bəli"), "correct": True},
                    {"labels": texts(az="Xeyr"), "correct": False},
                ],
            }
        ],
    }
    await trainer.ok(
        "POST", f"/v1/modules/{module['id']}/lessons", json={"kind": "QUIZ", "titles": texts(az="Test"), "quiz": quiz}
    )
    await trainer.ok("POST", f"/v1/courses/{course['id']}/publish")
    seen = await learner.call("GET", f"/v1/courses/{course['id']}")
    assert seen.status_code == 200 and "correct" not in seen.text
    [event] = await events_for(env["LMS_NATS_URL"], CoursePublishedV1.TYPE, course["id"])
    key = CoursePublishedV1.model_validate(event.data).modules[0].lessons[1].quiz
    assert key is not None and key.pass_score == 70
    assert [o.correct for o in key.questions[0].options] == [True, False]
    assert json.dumps(event.data).count('"correct"') == 2


async def test_drafts_are_private_until_published(people: Any) -> None:
    trainer, learner, admin = people("trainer"), people("learner"), people("admin")
    course = await new_course(trainer)
    r = await learner.call("GET", f"/v1/courses/{course['id']}")
    assert r.status_code == 404
    r = await learner.http.get(f"/v1/courses/{course['id']}")
    assert r.status_code == 404
    seen = await admin.ok("GET", f"/v1/courses/{course['id']}")
    assert seen["isDraft"] is True


async def test_archiving_stops_listing_and_editing_and_is_announced(people: Any, env: dict[str, str]) -> None:
    trainer, learner = people("trainer"), people("learner")
    never = await new_course(trainer)
    r = await trainer.call("POST", f"/v1/courses/{never['id']}/archive")
    assert r.status_code == 409 and "never published" in r.json()["error"]["message"]

    course, _, lesson = await publishable_course(trainer, topics=[f"archive-{course_marker()}"])
    await trainer.ok("POST", f"/v1/courses/{course['id']}/publish")
    archived = await trainer.ok("POST", f"/v1/courses/{course['id']}/archive")
    assert archived["status"] == "ARCHIVED" and archived["version"] == 1

    listed = await learner.ok("GET", "/v1/courses", params={"topic": course["topics"][0]})
    assert listed["totalCount"] == 0
    seen = await learner.ok("GET", f"/v1/courses/{course['id']}")  # enrolled learners keep studying it
    assert seen["status"] == "ARCHIVED"
    by_id = await learner.ok("GET", "/v1/courses", params={"ids": course["id"]})  # the gateway's DataLoader
    assert [n["status"] for n in by_id["nodes"]] == ["ARCHIVED"]
    r = await trainer.call("PATCH", f"/v1/lessons/{lesson['id']}", json={"required": False})
    assert r.status_code == 409 and "archived" in r.json()["error"]["message"]
    r = await trainer.call("POST", f"/v1/courses/{course['id']}/archive")
    assert r.status_code == 409

    [event] = await events_for(env["LMS_NATS_URL"], CourseArchivedV1.TYPE, course["id"])
    assert event.data["version"] == 1


def course_marker() -> str:
    import uuid

    return uuid.uuid4().hex[:8]
