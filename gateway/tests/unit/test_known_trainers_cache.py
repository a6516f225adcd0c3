"""The shared catalogue cache never hands one viewer's drafts to another (issue 13, finding 11a).

The courses service shows drafts to whoever it counts as an editor of a course (owner, co-owner,
admin), whatever role their token carries; the gateway used to decide what to share by role alone,
so a learner made co-owner put drafts into the cache every learner reads. Answers containing a draft
or an editor's view are now never cached in the shared cache; ownership changes drop it too.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import orjson

from gateway.events import EventHub
from lms_shared.events.catalogue import CourseOwnersChangedV1

from .fakes import Harness
from .samples import sample_course

LIST = "{ courses { nodes { id title status } } }"
ONE = '{ course(id: "c1") { id title status } }'
CO_OWNER = "learner-made-co-owner"


class _SubjectRecorder:
    """Core NATS as the EventHub uses it: ``subscribe(subject, cb)``."""

    def __init__(self) -> None:
        self.subscribers: dict[str, list[Any]] = {}

    async def subscribe(self, subject: str, cb: Any) -> None:
        self.subscribers.setdefault(subject, []).append(cb)


def _draft() -> dict[str, Any]:
    course = sample_course("c1")
    course.update(isDraft=True, viewerCanEdit=True, hasUnpublishedChanges=True, coOwnerIds=[CO_OWNER])
    course["titles"] = [{"lang": "az", "text": "DRAFT: not for learners"}]
    return course


def _public() -> dict[str, Any]:
    return {**sample_course("c1"), "viewerCanEdit": False}


def _as_courses_would_answer(gw: Harness, tok: Any) -> None:
    """The co-owner's token gets the draft (they are an editor there); everyone else the published version."""
    co_owner_auth = f"Bearer {tok(CO_OWNER, ['learner'])}"

    def page(request: httpx.Request) -> httpx.Response:
        node = _draft() if request.headers.get("authorization") == co_owner_auth else _public()
        return httpx.Response(200, json={"nodes": [node], "pageInfo": {"endCursor": None, "hasNextPage": False}})

    def one(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json=_draft() if request.headers.get("authorization") == co_owner_auth else _public()
        )

    gw.courses.get("/v1/courses").mock(side_effect=page)
    gw.courses.get("/v1/courses/c1").mock(side_effect=one)


async def test_a_learner_never_gets_a_draft_from_the_catalogue_list_cache(gw: Harness, tok: Any) -> None:
    _as_courses_would_answer(gw, tok)
    seen = await gw.gql(LIST, tok(CO_OWNER, ["learner"]))
    assert seen["data"]["courses"]["nodes"][0]["title"] == "DRAFT: not for learners"

    other = await gw.gql(LIST, tok("another-learner", ["learner"]))
    assert other["data"]["courses"]["nodes"][0]["title"] != "DRAFT: not for learners"
    anonymous = await gw.gql(LIST)
    assert anonymous["data"]["courses"]["nodes"][0]["title"] != "DRAFT: not for learners"


async def test_a_learner_never_gets_a_draft_from_the_course_cache(gw: Harness, tok: Any) -> None:
    _as_courses_would_answer(gw, tok)
    seen = await gw.gql(ONE, tok(CO_OWNER, ["learner"]))
    assert seen["data"]["course"]["title"] == "DRAFT: not for learners"

    other = await gw.gql(ONE, tok("another-learner", ["learner"]))
    assert other["data"]["course"]["title"] == "Kurs c1"


async def test_published_answers_are_still_shared(gw: Harness, tok: Any) -> None:
    _as_courses_would_answer(gw, tok)
    await gw.gql(ONE, tok("learner-a", ["learner"]))
    await gw.gql(ONE, tok("learner-b", ["learner"]))
    await gw.gql(ONE)
    assert len(gw.courses.calls) == 1


async def test_an_ownership_change_drops_the_shared_catalogue(gw: Harness, tok: Any) -> None:
    _as_courses_would_answer(gw, tok)
    await gw.gql(ONE)
    await gw.gql(ONE)
    assert len(gw.courses.calls) == 1  # cached

    nats = _SubjectRecorder()
    hub = EventHub(nc=nats, catalogue=gw.state.catalogue, responses=gw.state.responses)  # type: ignore[arg-type]
    await hub.start()
    event = CourseOwnersChangedV1(
        course_id="c1", owner_id="trainer-1", co_owner_ids=[], revision=2, changed_at="2026-12-01T10:00:00Z"
    )
    msg = SimpleNamespace(subject=event.TYPE, headers=None, data=orjson.dumps(event.envelope().model_dump(mode="json")))
    for callback in nats.subscribers.get(event.TYPE, []):  # what NATS would do with the published event
        await callback(msg)

    await gw.gql(ONE)
    assert len(gw.courses.calls) == 2, "the cached answer showed the old owners"
