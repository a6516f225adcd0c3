"""Event consumers: the certificates service's local copy of courses, and completions to certify."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from certificates.adapters import orm
from certificates.service_layer.handlers import record_completion, record_course_published
from certificates.service_layer.issuing import Issuer
from certificates.service_layer.templates import TemplateProvider
from lms_shared.events.catalogue import CourseCompletedV1, CoursePublishedV1
from lms_shared.events.envelope import Envelope
from lms_shared.inbox import EventConsumer


def build_consumers(
    js: JetStreamContext,
    sessions: async_sessionmaker[AsyncSession],
    issuer: Issuer,
    templates: TemplateProvider,
    max_deliveries: int,
) -> list[EventConsumer]:
    """The two durable consumers; each applies an event and records it in the inbox in one transaction."""

    async def on_course_published(session: AsyncSession, event: CoursePublishedV1, _: Envelope) -> None:
        """A course version was published: keep its titles, languages, policy and trainers."""
        await record_course_published(session, event, issuer, templates)

    async def on_course_completed(session: AsyncSession, event: CourseCompletedV1, _: Envelope) -> None:
        """A learner met every completion rule: record eligibility, auto-issue if the policy says so."""
        await record_completion(session, event, issuer, templates)

    handlers_courses: dict[Any, Any] = {CoursePublishedV1: on_course_published}
    handlers_completions: dict[Any, Any] = {CourseCompletedV1: on_course_completed}
    return [
        EventConsumer(js, sessions, orm.inbox, "certificates-courses", handlers_courses, max_deliveries=max_deliveries),
        # Auto issue renders a PDF per event: a smaller batch and concurrency keep the API responsive.
        EventConsumer(
            js,
            sessions,
            orm.inbox,
            "certificates-completions",
            handlers_completions,
            max_deliveries=max_deliveries,
            batch=20,
            concurrency=4,
            ack_wait=60.0,
        ),
    ]
