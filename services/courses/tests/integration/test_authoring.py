"""Authoring through the REST API: courses, modules, lessons, quizzes, co-owners, reordering."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from .conftest import new_course, publishable_course, slug, texts

pytestmark = pytest.mark.integration


async def test_create_course_keeps_every_translation_and_its_topics(people: Any) -> None:
    trainer = people("trainer")
    body = {
        "slug": slug("smart-cities"),
        "titles": texts(en="Smart cities", tr="Akıllı şehirler", kk="Ақылды қалалар", uz="Aqlli shaharlar"),
        "summaries": texts(en="Data for city services.", ru="Данные для городских служб."),
        "defaultLanguage": "en",
        "topics": ["smart-cities", "data"],
        "autoIssueCertificate": False,
    }
    course = await trainer.ok("POST", "/v1/courses", json=body)
    assert course["languages"] == ["en", "tr", "kk", "uz"]
    assert course["titles"] == body["titles"]  # en, tr, kk, uz: the suite's language order
    assert course["summaries"] == body["summaries"]
    assert course["topics"] == ["smart-cities", "data"]
    assert course["certificatePolicy"] == {"autoIssue": False, "templateId": None, "kind": "COMPLETION"}
    assert course["isDraft"] is True and course["hasUnpublishedChanges"] is True

    again = await trainer.call("POST", "/v1/courses", json=body)
    assert again.status_code == 409 and "slug" in again.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"slug": "Bad Slug", "titles": texts(az="x"), "defaultLanguage": "az"}, "slug"),
        ({"slug": "ok-slug", "titles": [], "defaultLanguage": "az"}, "titles"),
        ({"slug": "ok-slug", "titles": texts(az="x"), "defaultLanguage": "kk"}, "default language (kk)"),
        (
            {"slug": "ok-slug", "titles": [{"lang": "azerbaijani", "text": "x"}], "defaultLanguage": "az"},
            "language code",
        ),
        (
            {
                "slug": "ok-slug",
                "titles": [{"lang": "az", "text": "a"}, {"lang": "AZ", "text": "b"}],
                "defaultLanguage": "az",
            },
            "twice",
        ),
        ({"slug": "ok-slug", "titles": texts(az="   "), "defaultLanguage": "az"}, "titles"),
        ({"slug": "ok-slug", "titles": texts(az="x"), "defaultLanguage": "az", "colour": "red"}, "colour"),
    ],
)
async def test_bad_course_input_is_refused_with_a_reason(people: Any, body: dict[str, Any], fragment: str) -> None:
    r = await people("trainer").call("POST", "/v1/courses", json=body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "BAD_USER_INPUT" and fragment in error["message"]


async def test_update_course_changes_the_draft_only_for_its_trainers(people: Any) -> None:
    owner, stranger, admin = people("trainer"), people("trainer"), people("admin")
    course = await new_course(owner)
    patch = {"titles": texts(az="Yeni ad", ky="Жаңы аталыш"), "topics": ["housing"]}
    r = await stranger.call("PATCH", f"/v1/courses/{course['id']}", json=patch)
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"

    updated = await owner.ok("PATCH", f"/v1/courses/{course['id']}", json=patch)
    assert updated["titles"] == patch["titles"] and updated["topics"] == ["housing"]
    by_admin = await admin.ok("PATCH", f"/v1/courses/{course['id']}", json={"autoIssueCertificate": False})
    assert by_admin["certificatePolicy"]["autoIssue"] is False and by_admin["titles"] == patch["titles"]

    r = await owner.call("PATCH", f"/v1/courses/{course['id']}", json={"titles": texts(kk="Тек қазақша")})
    assert r.status_code == 422 and "default language (az)" in r.json()["error"]["message"]


async def test_modules_and_lessons_are_added_moved_and_deleted(people: Any) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    cid = course["id"]
    a = await trainer.ok("POST", f"/v1/courses/{cid}/modules", json={"titles": texts(az="A")})
    b = await trainer.ok("POST", f"/v1/courses/{cid}/modules", json={"titles": texts(az="B")})
    first = await trainer.ok("POST", f"/v1/courses/{cid}/modules", json={"titles": texts(az="0"), "position": 1})
    assert first["position"] == 1

    async def order() -> list[str]:
        c = await trainer.ok("GET", f"/v1/courses/{cid}")
        return [m["titles"][0]["text"] for m in c["modules"]]

    assert await order() == ["0", "A", "B"]
    moved = await trainer.ok("PATCH", f"/v1/modules/{b['id']}", json={"position": 1, "titles": texts(az="B2")})
    assert moved["position"] == 1
    assert await order() == ["B2", "0", "A"]
    await trainer.ok("DELETE", f"/v1/modules/{first['id']}")
    c = await trainer.ok("GET", f"/v1/courses/{cid}")
    assert [(m["titles"][0]["text"], m["position"]) for m in c["modules"]] == [("B2", 1), ("A", 2)]

    lessons = [
        await trainer.ok("POST", f"/v1/modules/{a['id']}/lessons", json={"kind": "TEXT", "titles": texts(az=t)})
        for t in ("x", "y", "z")
    ]
    await trainer.ok("PATCH", f"/v1/lessons/{lessons[2]['id']}", json={"position": 1, "bodies": texts(az="**z**")})
    await trainer.ok("DELETE", f"/v1/lessons/{lessons[0]['id']}")
    c = await trainer.ok("GET", f"/v1/courses/{cid}")
    module_a = next(m for m in c["modules"] if m["id"] == a["id"])
    assert [(x["titles"][0]["text"], x["position"]) for x in module_a["lessons"]] == [("z", 1), ("y", 2)]
    assert module_a["lessons"][0]["bodies"] == texts(az="**z**")

    r = await trainer.call("DELETE", f"/v1/lessons/{lessons[0]['id']}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"


async def test_quiz_answer_keys_are_stored_but_never_returned(people: Any) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    module = await trainer.ok("POST", f"/v1/courses/{course['id']}/modules", json={"titles": texts(az="M")})
    quiz = {
        "passScore": 60,
        "questions": [
            {
                "prompts": texts(az="Büdcəni kim təsdiqləyir?", ru="Кто утверждает бюджет?"),
                "options": [
                    {"labels": texts(az="Şəhər şurası"), "correct": True},
                    {"labels": texts(az="Bank"), "correct": False},
                ],
            },
            {
                "prompts": texts(az="Hansılar iştirak formasıdır?"),
                "options": [
                    {"labels": texts(az="İctimai dinləmə"), "correct": True},
                    {"labels": texts(az="Onlayn səsvermə"), "correct": True},
                    {"labels": texts(az="Gizli qərar"), "correct": False},
                ],
            },
        ],
    }
    lesson = await trainer.ok(
        "POST", f"/v1/modules/{module['id']}/lessons", json={"kind": "QUIZ", "titles": texts(az="Test"), "quiz": quiz}
    )
    assert [q["multiple"] for q in lesson["quiz"]["questions"]] == [False, True]
    assert "correct" not in json.dumps(lesson)
    full = await trainer.ok("GET", f"/v1/courses/{course['id']}")
    assert "correct" not in json.dumps(full)

    # Editing the quiz while naming the existing ids keeps them (progress keys answers by id).
    q0 = lesson["quiz"]["questions"][0]
    keep = {
        "passScore": 80,
        "questions": [
            {
                "id": q0["id"],
                "prompts": texts(az="Büdcəni kim təsdiqləyir?"),
                "options": [
                    {"id": q0["options"][0]["id"], "labels": texts(az="Şura"), "correct": True},
                    {"id": q0["options"][1]["id"], "labels": texts(az="Bank"), "correct": False},
                ],
            }
        ],
    }
    edited = await trainer.ok("PATCH", f"/v1/lessons/{lesson['id']}", json={"quiz": keep})
    assert edited["quiz"]["questions"][0]["id"] == q0["id"]
    assert [o["id"] for o in edited["quiz"]["questions"][0]["options"]] == [o["id"] for o in q0["options"]]

    unknown = {"passScore": 80, "questions": [{"id": "nope", "prompts": texts(az="?"), "options": []}]}
    r = await trainer.call("PATCH", f"/v1/lessons/{lesson['id']}", json={"quiz": unknown})
    assert r.status_code == 422 and "not a question of this quiz" in r.json()["error"]["message"]
    r = await trainer.call(
        "POST", f"/v1/modules/{module['id']}/lessons", json={"kind": "TEXT", "titles": texts(az="x"), "quiz": quiz}
    )
    assert r.status_code == 422 and "Only QUIZ lessons" in r.json()["error"]["message"]


async def test_co_owners_edit_and_strangers_do_not(people: Any) -> None:
    owner, co, stranger = people("trainer"), people("trainer"), people("trainer")
    course, module, lesson = await publishable_course(owner)
    r = await stranger.call("POST", f"/v1/courses/{course['id']}/co-owners", json={"trainerId": stranger.id})
    assert r.status_code == 403

    await co.ok("GET", "/v1/courses")  # signed in once as a trainer: courses knows them
    updated = await owner.ok("POST", f"/v1/courses/{course['id']}/co-owners", json={"trainerId": co.id})
    assert updated["coOwnerIds"] == [co.id]
    await co.ok("PATCH", f"/v1/lessons/{lesson['id']}", json={"titles": texts(az="Birgə redaktə")})
    published = await co.ok("POST", f"/v1/courses/{course['id']}/publish")
    assert published["version"] == 1

    for method, path, body in [
        ("PATCH", f"/v1/courses/{course['id']}", {"topics": ["x"]}),
        ("POST", f"/v1/courses/{course['id']}/modules", {"titles": texts(az="x")}),
        ("PATCH", f"/v1/modules/{module['id']}", {"position": 1}),
        ("DELETE", f"/v1/modules/{module['id']}", None),
        ("POST", f"/v1/modules/{module['id']}/lessons", {"kind": "TEXT", "titles": texts(az="x")}),
        ("PATCH", f"/v1/lessons/{lesson['id']}", {"required": False}),
        ("DELETE", f"/v1/lessons/{lesson['id']}", None),
        ("POST", f"/v1/courses/{course['id']}/publish", None),
        ("POST", f"/v1/courses/{course['id']}/archive", None),
        (
            "POST",
            f"/v1/courses/{course['id']}/materials",
            {"filename": "a.pdf", "contentType": "application/pdf", "size": 10},
        ),
    ]:
        r = await stranger.call(method, path, json=body)
        assert r.status_code == 403, f"{method} {path}: {r.status_code} {r.text}"

    await owner.ok("DELETE", f"/v1/courses/{course['id']}/co-owners/{co.id}")
    r = await co.call("PATCH", f"/v1/lessons/{lesson['id']}", json={"required": False})
    assert r.status_code == 403


async def test_concurrent_edits_by_two_trainers_are_all_kept(people: Any) -> None:
    owner, co = people("trainer"), people("trainer")
    course = await new_course(owner)
    await co.ok("GET", "/v1/courses")  # signed in once as a trainer: courses knows them
    await owner.ok("POST", f"/v1/courses/{course['id']}/co-owners", json={"trainerId": co.id})
    results = await asyncio.gather(
        *(
            (owner if n % 2 else co).call(
                "POST", f"/v1/courses/{course['id']}/modules", json={"titles": texts(az=f"M{n}")}
            )
            for n in range(12)
        ),
        owner.call("PATCH", f"/v1/courses/{course['id']}", json={"summaries": texts(az="Xülasə")}),
        co.call("PATCH", f"/v1/courses/{course['id']}", json={"topics": ["governance"]}),
    )
    assert all(r.status_code < 300 for r in results), [r.text for r in results if r.status_code >= 300]
    final = await owner.ok("GET", f"/v1/courses/{course['id']}")
    assert sorted(m["titles"][0]["text"] for m in final["modules"]) == sorted(f"M{n}" for n in range(12))
    assert [m["position"] for m in final["modules"]] == list(range(1, 13))
    assert final["summaries"] == texts(az="Xülasə") and final["topics"] == ["governance"]


async def test_unknown_ids_answer_not_found(people: Any) -> None:
    trainer = people("trainer")
    for method, path in [
        ("GET", "/v1/courses/00000000-0000-0000-0000-000000000000"),
        ("PATCH", "/v1/modules/nope"),
        ("POST", "/v1/modules/nope/lessons"),
        ("POST", "/v1/materials/nope/confirm"),
    ]:
        body = {"titles": texts(az="x")} if method == "PATCH" else {"kind": "TEXT", "titles": texts(az="x")}
        r = await trainer.call(method, path, json=body if method != "GET" else None)
        assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND", f"{path}: {r.text}"


async def test_a_create_retried_with_its_key_answers_the_first_draft(people: Any) -> None:
    """A retry after a lost answer gets the course it created, not a slug conflict (issue 12)."""
    trainer = people("trainer")
    body = {"slug": slug("retried"), "titles": texts(en="Retried"), "defaultLanguage": "en"}
    keyed = {**trainer.headers, "Idempotency-Key": f"create-{slug('k')}"}
    answers = [await trainer.http.post("/v1/courses", json=body, headers=keyed) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    unkeyed = await trainer.call("POST", "/v1/courses", json=body)
    assert unkeyed.status_code == 409, "without the key a second create is a second request"


async def test_adding_a_module_or_lesson_retried_with_its_key_adds_it_once(people: Any) -> None:
    """A gateway timeout after the commit must not leave two modules or two lessons (issue 12, item 7)."""
    trainer = people("trainer")
    course = await new_course(trainer)
    keyed = {**trainer.headers, "Idempotency-Key": f"module-{slug('k')}"}
    path = f"/v1/courses/{course['id']}/modules"
    body = {"titles": texts(en="Basics")}
    modules = [await trainer.http.post(path, json=body, headers=keyed) for _ in range(3)]
    assert [m.status_code for m in modules] == [201, 201, 201]
    assert len({m.json()["id"] for m in modules}) == 1
    lesson_path = f"/v1/modules/{modules[0].json()['id']}/lessons"
    lesson_key = {**trainer.headers, "Idempotency-Key": f"lesson-{slug('k')}"}
    lesson = {"kind": "TEXT", "titles": texts(en="Why")}
    lessons = [await trainer.http.post(lesson_path, json=lesson, headers=lesson_key) for _ in range(2)]
    assert lessons[0].json() == lessons[1].json()
    draft = await trainer.ok("GET", f"/v1/courses/{course['id']}")
    assert len(draft["modules"]) == 1 and len(draft["modules"][0]["lessons"]) == 1
    # The same key for a different request is a mistake the caller hears about.
    reused = await trainer.http.post(path, json={"titles": texts(en="Other")}, headers=keyed)
    assert reused.status_code == 409, reused.text
