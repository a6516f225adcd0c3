"""Helpers for the progress integration tests: publish courses onto NATS, call the API, read the stream.

Courses are published the way the courses service does it: a ``course.published`` envelope on
``LMS_EVENTS`` with ``Nats-Msg-Id`` = event id, so these tests do not depend on the courses service.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from lms_shared.events.catalogue import CoursePublishedV1, Payload
from lms_shared.events.envelope import Envelope
from lms_shared.jetstream import EVENTS_STREAM
from tests.support.graphql import eventually as poll

T = TypeVar("T")


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def text_lesson(lesson_id: str, position: int, *, required: bool = True, kind: str = "TEXT") -> dict[str, Any]:
    return {
        "id": lesson_id,
        "position": position,
        "kind": kind,
        "titles": {"az": f"Dərs {position}"},
        "required": required,
    }


def quiz_lesson(lesson_id: str, position: int, *, pass_score: int = 60, required: bool = True) -> dict[str, Any]:
    """A two-question quiz: ``<id>-q1`` single choice (a right), ``<id>-q2`` multiple (a and b right)."""
    return {
        "id": lesson_id,
        "position": position,
        "kind": "QUIZ",
        "titles": {"kk": "Тест"},
        "required": required,
        "quiz": {
            "pass_score": pass_score,
            "questions": [
                {
                    "id": f"{lesson_id}-q1",
                    "multiple": False,
                    "prompts": {"az": "Büdcə nədir?"},
                    "options": [
                        {"id": f"{lesson_id}-q1a", "correct": True},
                        {"id": f"{lesson_id}-q1b", "correct": False},
                    ],
                },
                {
                    "id": f"{lesson_id}-q2",
                    "multiple": True,
                    "prompts": {"az": "Hansılar?"},
                    "options": [
                        {"id": f"{lesson_id}-q2a", "correct": True},
                        {"id": f"{lesson_id}-q2b", "correct": True},
                        {"id": f"{lesson_id}-q2c", "correct": False},
                    ],
                },
            ],
        },
    }


def course_published(
    course_id: str,
    lessons: list[dict[str, Any]],
    *,
    version: int = 1,
    owner_id: str = "trainer-owner",
    co_owner_ids: list[str] | None = None,
    auto_issue: bool = False,
) -> CoursePublishedV1:
    """A course.published event. Auto-issue is off by default: on the full stack the certificates
    service would otherwise issue real certificates that race with the ones these tests announce."""
    return CoursePublishedV1.model_validate(
        {
            "course_id": course_id,
            "version": version,
            "slug": f"slug-{course_id}",
            "owner_id": owner_id,
            "co_owner_ids": co_owner_ids or [],
            "default_language": "az",
            "languages": ["az", "kk"],
            "titles": {"az": f"İştirakçı büdcə v{version}", "kk": "Қатысымдық бюджет"},
            "modules": [{"id": f"{course_id}-m1", "position": 1, "titles": {"az": "Giriş"}, "lessons": lessons}],
            "certificate_policy": {"auto_issue": auto_issue},
            "published_at": datetime.now(UTC),
        }
    )


async def publish(js: JetStreamContext, event: Payload | Envelope) -> Envelope:
    """Publish an event as a relay does (the envelope id is the de-duplication id)."""
    envelope = event if isinstance(event, Envelope) else event.envelope()
    await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": envelope.id})
    return envelope


async def stream_events(js: JetStreamContext, subject: str, *, settle: float = 0.5) -> list[Envelope]:
    """Every event on ``subject`` now in the stream, read with an ephemeral consumer."""
    sub = await js.pull_subscribe(
        subject,
        stream=EVENTS_STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30),
    )
    out: list[Envelope] = []
    try:
        while True:
            try:
                msgs = await sub.fetch(500, timeout=settle)
            except TimeoutError:
                break
            out += [Envelope.from_bytes(m.data) for m in msgs]
    finally:
        await sub.unsubscribe()
    return out


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 60.0, every: float = 0.2) -> T:
    """Poll until ``probe`` returns something truthy (events are asynchronous); the suite's one poller."""
    return await poll(probe, timeout=timeout, every=every)


class Api:
    """The progress REST API as one user sees it."""

    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60, trust_env=False
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def enroll(self, course_id: str) -> httpx.Response:
        return await self.http.post("/v1/enrollments", json={"courseId": course_id})

    async def enroll_when_published(self, course_id: str) -> dict[str, Any]:
        """Enrol, retrying while the course.published event is still on its way."""

        async def attempt() -> dict[str, Any] | None:
            r = await self.enroll(course_id)
            if r.status_code == 404:
                return None
            assert r.status_code in (200, 201), r.text
            body: dict[str, Any] = r.json()
            return body

        return await eventually(attempt)

    async def complete(self, enrollment_id: str, lesson_id: str) -> httpx.Response:
        return await self.http.post(f"/v1/enrollments/{enrollment_id}/lessons/{lesson_id}/complete")

    async def quiz(self, enrollment_id: str, lesson_id: str, answers: list[dict[str, Any]]) -> httpx.Response:
        return await self.http.post(
            f"/v1/enrollments/{enrollment_id}/quizzes/{lesson_id}/attempts", json={"answers": answers}
        )

    async def get(self, enrollment_id: str) -> httpx.Response:
        return await self.http.get(f"/v1/enrollments/{enrollment_id}")
