"""Event consumers: the certificates service's local copy of courses, and completions to certify.

Each payload class maps to a handler of ``service_layer/events.py``; ``EventConsumer`` calls it as
``handler(uow, event, envelope)`` in a unit of work of its own and commits with the inbox row.
"""

from __future__ import annotations

import functools
from typing import Any

from certificates.bootstrap import BatchedEventConsumer, Container
from certificates.service_layer import erasure, events, ownership
from lms_shared.events.catalogue import (
    AutoIssueRequestedV1,
    CourseCompletedV1,
    CourseOwnersChangedV1,
    CoursePublishedV1,
    LearnerErasedV1,
)
from lms_shared.inbox import EventConsumer


def build_consumers(container: Container) -> list[EventConsumer]:
    """The three durable consumers; each applies an event and records it in the inbox in one transaction."""
    js = container.runtime.js
    assert js is not None, "start the runtime first"
    ports = container.ports
    max_deliveries = container.settings.max_deliveries
    # course.published goes through ownership.py, which keeps the owners of the newest ownership revision.
    courses: dict[Any, Any] = {
        CoursePublishedV1: functools.partial(ownership.on_course_published, ports=ports),
        CourseOwnersChangedV1: ownership.on_course_owners_changed,
    }
    # The erasure rides with the completions: one consumer, so a completion and the erasure of its
    # learner are applied one after the other, and the tombstone drops every later completion.
    completions: dict[Any, Any] = {
        CourseCompletedV1: functools.partial(events.on_course_completed, ports=ports),
        LearnerErasedV1: functools.partial(erasure.on_learner_erased, ports=ports),
    }
    requests: dict[Any, Any] = {AutoIssueRequestedV1: functools.partial(events.on_auto_issue_requested, ports=ports)}
    return [
        EventConsumer(
            js, container.uow, container.inbox, "certificates-courses", courses, max_deliveries=max_deliveries
        ),
        # A completion only records a request row (the workers render, in batches); a run of them is
        # recorded in one transaction (``events.on_courses_completed``), up to 200 at a time.
        BatchedEventConsumer(
            js,
            container.uow,
            container.inbox,
            "certificates-completions",
            completions,
            max_deliveries=max_deliveries,
            batch=200,
            batch_handlers={CourseCompletedV1: functools.partial(events.on_courses_completed, ports=ports)},
        ),
        # Request events staged by releases before the batched path: each becomes a request row too.
        EventConsumer(
            js, container.uow, container.inbox, "certificates-auto-issue", requests, max_deliveries=max_deliveries
        ),
    ]
