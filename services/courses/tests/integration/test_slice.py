"""The walking skeleton through the courses API: author a bilingual course, publish, see the event."""

from __future__ import annotations

from typing import Any

import pytest

from lms_shared.events.catalogue import CoursePublishedV1

from .conftest import slug
from .events import events_for

pytestmark = pytest.mark.integration


def titles(**by_lang: str) -> list[dict[str, str]]:
    return [{"lang": k, "text": v} for k, v in by_lang.items()]


async def test_trainer_authors_and_publishes_a_course(people: Any, env: dict[str, str]) -> None:
    trainer = people("trainer", name="Aygün Məmmədova", locale="az")
    course = await trainer.ok(
        "POST",
        "/v1/courses",
        json={
            "slug": slug("participatory-budgeting"),
            "titles": titles(az="İştirakçı büdcə", kk="Қатысымдық бюджет"),
            "defaultLanguage": "az",
            "autoIssueCertificate": True,
        },
    )
    assert course["status"] == "DRAFT" and course["version"] == 0
    assert course["languages"] == ["az", "kk"]
    assert {"lang": "kk", "text": "Қатысымдық бюджет"} in course["titles"]
    assert course["ownerId"] == trainer.id

    module = await trainer.ok("POST", f"/v1/courses/{course['id']}/modules", json={"titles": titles(az="Giriş")})
    lesson = await trainer.ok(
        "POST",
        f"/v1/modules/{module['id']}/lessons",
        json={"kind": "TEXT", "titles": titles(az="Büdcə nədir?"), "bodies": titles(az="# Büdcə\nŞəhər büdcəsi.")},
    )
    assert lesson["kind"] == "TEXT" and lesson["required"] is True and lesson["position"] == 1

    published = await trainer.ok("POST", f"/v1/courses/{course['id']}/publish")
    assert published["status"] == "PUBLISHED" and published["version"] == 1
    assert published["hasUnpublishedChanges"] is False

    [event] = await events_for(env["LMS_NATS_URL"], CoursePublishedV1.TYPE, course["id"])
    payload = CoursePublishedV1.model_validate(event.data)
    assert payload.version == 1 and payload.owner_id == trainer.id
    assert payload.titles == {"az": "İştirakçı büdcə", "kk": "Қатысымдық бюджет"}
    assert payload.modules[0].lessons[0].id == lesson["id"]


async def test_only_owners_edit_and_only_trainers_create(people: Any) -> None:
    owner, other, learner = people("trainer"), people("trainer"), people("learner")
    course = await owner.ok(
        "POST", "/v1/courses", json={"slug": slug(), "titles": titles(az="Kurs"), "defaultLanguage": "az"}
    )

    r = await other.call("POST", f"/v1/courses/{course['id']}/modules", json={"titles": titles(az="Oğurluq")})
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"

    r = await learner.call(
        "POST", "/v1/courses", json={"slug": slug(), "titles": titles(az="x"), "defaultLanguage": "az"}
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"

    r = await owner.http.post("/v1/courses", json={"slug": slug(), "titles": titles(az="x"), "defaultLanguage": "az"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHENTICATED"
