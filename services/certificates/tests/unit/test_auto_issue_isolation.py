"""One recipient who cannot be printed never costs the course or the others (issue 12, item 8).

The consumer is played by :func:`deliver`: a fresh unit of work per event, the handler, then the
commit, as ``lms_shared.inbox.EventConsumer`` does; an exception rolls the event back. The consumer
only records requests; the certificate workers (:func:`fakes.issue_auto_requests`) issue them in
batches right after, or later (:func:`drain`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from certificates.domain.recipients import ReasonCode
from certificates.service_layer import events
from certificates.service_layer.auto_issue import AutoIssueBatch
from certificates.service_layer.issuing import (
    Actor,
    IssueCertificate,
    RetryAutoIssue,
    issue_certificate,
    list_auto_issue_failures,
    retry_auto_issue,
)
from certificates.service_layer.ports import AutoIssueFailure, Ports
from lms_shared.auth import Principal, Role
from lms_shared.errors import BadInput, Forbidden
from lms_shared.events.catalogue import (
    CertificateIssuedV1,
    CertificatePolicy,
    CourseCompletedV1,
    CoursePublishedV1,
    LearnerData,
    Payload,
)

from .fakes import (
    FakeObjects,
    FakeRenderer,
    FakeUnitOfWork,
    Tables,
    fake_ports,
    issue_auto_requests,
    make_requests_due,
)

pytestmark = pytest.mark.unit

UNPRINTABLE = "Aigerim \U0001f600 Sadykova"
ADMIN = Principal(sub="admin-1", name="Aida Admin", roles=frozenset({Role.ADMIN}))
OWNER = Principal(sub="trainer-1", name="Timur Trainer", roles=frozenset({Role.TRAINER}))
STRANGER = Principal(sub="trainer-9", name="Other Trainer", roles=frozenset({Role.TRAINER}))


def published(course_id: str, *, auto_issue: bool = True) -> CoursePublishedV1:
    return CoursePublishedV1(
        course_id=course_id,
        version=1,
        slug=course_id,
        owner_id="trainer-1",
        default_language="en",
        languages=["en"],
        titles={"en": "Housing"},
        modules=[],
        certificate_policy=CertificatePolicy(auto_issue=auto_issue),
        published_at=datetime.now(UTC),
    )


def completed(course_id: str, learner_id: str, name: str) -> CourseCompletedV1:
    return CourseCompletedV1(
        enrollment_id=f"enr-{learner_id}",
        course_id=course_id,
        course_version=1,
        course_titles={"en": "Housing v1"},
        course_default_language="en",
        learner=LearnerData(id=learner_id, name=name, locale="en"),
        completed_at=datetime.now(UTC),
    )


async def deliver(
    tables: Tables, handler: Callable[..., Awaitable[None]], event: Payload, ports: Ports, *, worker: bool = True
) -> list[Payload]:
    """Apply one event in a unit of work of its own and commit; returns the events it staged.

    ``worker``: then let the certificate workers issue what the event requested (batches, at once).
    """
    before = len(tables.events)
    async with FakeUnitOfWork(tables) as uow:
        await handler(uow, event, event.envelope(), ports=ports)
        await uow.commit()
    if worker:
        await issue_auto_requests(tables, ports)
    return [e for e in tables.events[before:] if isinstance(e, Payload)]


async def drain(tables: Tables, ports: Ports) -> list[AutoIssueBatch]:
    """The workers, a while later: every waiting request is due and issued in batches."""
    make_requests_due(tables)
    return await issue_auto_requests(tables, ports)


def waiting_requests(tables: Tables) -> list[str]:
    return sorted(r["request"].recipient.learner_id or "" for r in tables.auto_issue_requests.values())


def certificates_of(tables: Tables, course_id: str) -> dict[str, dict[str, Any]]:
    return {r["learner_id"]: r for r in tables.certificates.values() if r["course_id"] == course_id}


def failures_of(tables: Tables) -> list[AutoIssueFailure]:
    return list(tables.auto_issue_failures.values())


async def test_an_unprintable_waiting_completion_is_recorded_and_the_course_and_the_others_go_on() -> None:
    tables, ports = Tables(), fake_ports(renderer=FakeRenderer(fail_for={UNPRINTABLE}))
    learners = {"l-1": "Rəşad Əliyev", "l-2": UNPRINTABLE, "l-3": "Мария Иванова"}
    for learner_id, name in learners.items():  # progress's events overtake the course's
        await deliver(tables, events.on_course_completed, completed("c-1", learner_id, name), ports)
    assert not tables.certificates and not tables.auto_issue_requests

    await deliver(tables, events.on_course_published, published("c-1"), ports, worker=False)

    assert tables.courses["c-1"].version == 1, "the course is stored whatever its recipients hold"
    assert waiting_requests(tables) == ["l-1", "l-2", "l-3"] and not tables.certificates
    (batch,) = await drain(tables, ports)
    assert (batch.claimed, batch.issued, batch.failed) == (3, 2, 1), "one batch for the three"
    assert not tables.auto_issue_requests, "each request is settled with its certificate or failure"
    issued = certificates_of(tables, "c-1")
    assert sorted(issued) == ["l-1", "l-3"]
    assert issued["l-1"]["course_title"] == "Housing v1", "the title of the version the learner completed"
    (failure,) = failures_of(tables)
    assert (failure.course_id, failure.recipient.learner_id, failure.recipient.name) == ("c-1", "l-2", UNPRINTABLE)
    assert failure.reason_code == ReasonCode.RENDER_FAILED.value
    assert "could not be printed" in failure.reason and "glyph" in failure.reason
    assert not failure.resolved

    # Where an admin (and the course's trainer) sees it.
    async with FakeUnitOfWork(tables) as uow:
        assert [f.id for f in await list_auto_issue_failures(uow, ADMIN, "c-1", include_resolved=False, limit=50)] == [
            failure.id
        ]
        assert len(await list_auto_issue_failures(uow, OWNER, "c-1", include_resolved=False, limit=50)) == 1
        with pytest.raises(Forbidden):
            await list_auto_issue_failures(uow, STRANGER, "c-1", include_resolved=False, limit=50)
        with pytest.raises(Forbidden):
            await list_auto_issue_failures(uow, OWNER, None, include_resolved=False, limit=50)

    # The fix: a corrected name issues exactly one certificate.
    async with FakeUnitOfWork(tables) as uow:
        cert, created = await retry_auto_issue(uow, ADMIN, RetryAutoIssue(failure.id, "  Aigerim   Sadykova "), ports)
    assert created and cert.learner_name == "Aigerim Sadykova" and cert.learner_id == "l-2"
    assert cert.course_title == "Housing v1"
    assert sorted(certificates_of(tables, "c-1")) == ["l-1", "l-2", "l-3"]
    (resolved,) = failures_of(tables)
    assert resolved.certificate_id == cert.id and resolved.resolved_by == ADMIN.sub
    issued_events = [e for e in tables.events if isinstance(e, CertificateIssuedV1)]
    assert sorted(e.person.id or "" for e in issued_events) == ["l-1", "l-2", "l-3"]

    # A second retry (a double click, a client retry) returns the same certificate, never a second one.
    async with FakeUnitOfWork(tables) as uow:
        again, created_again = await retry_auto_issue(uow, ADMIN, RetryAutoIssue(failure.id, "Aigerim S."), ports)
    assert not created_again and again.id == cert.id and again.learner_name == "Aigerim Sadykova"
    assert len(certificates_of(tables, "c-1")) == 3
    async with FakeUnitOfWork(tables) as uow:
        assert await list_auto_issue_failures(uow, ADMIN, "c-1", include_resolved=False, limit=50) == []
        assert len(await list_auto_issue_failures(uow, ADMIN, "c-1", include_resolved=True, limit=50)) == 1


async def test_an_unprintable_completion_of_a_known_course_is_recorded_not_raised() -> None:
    tables, ports = Tables(), fake_ports(renderer=FakeRenderer(fail_for={UNPRINTABLE}))
    await deliver(tables, events.on_course_published, published("c-2"), ports)

    await deliver(tables, events.on_course_completed, completed("c-2", "l-2", UNPRINTABLE), ports)
    await deliver(tables, events.on_course_completed, completed("c-2", "l-3", "Мария Иванова"), ports)

    assert ("c-2", "l-2") in tables.completions, "the completion is kept: the learner is eligible"
    assert sorted(certificates_of(tables, "c-2")) == ["l-3"]
    (failure,) = failures_of(tables)
    assert failure.reason_code == ReasonCode.RENDER_FAILED.value and failure.attempts == 1

    # Retried with the same name: still unprintable, so the caller is told and the failure counts it.
    async with FakeUnitOfWork(tables) as uow:
        with pytest.raises(BadInput, match="could not be printed"):
            await retry_auto_issue(uow, ADMIN, RetryAutoIssue(failure.id), ports)
    (failure,) = failures_of(tables)
    assert failure.attempts == 2 and not failure.resolved
    assert sorted(certificates_of(tables, "c-2")) == ["l-3"]

    # A redelivered completion changes nothing but the count; a corrected name resolves it.
    await deliver(tables, events.on_course_completed, completed("c-2", "l-2", UNPRINTABLE), ports)
    async with FakeUnitOfWork(tables) as uow:
        cert, created = await retry_auto_issue(uow, ADMIN, RetryAutoIssue(failure.id, "Aigerim Sadykova"), ports)
    assert created and sorted(certificates_of(tables, "c-2")) == ["l-2", "l-3"]
    # Delivered once more after the fix: the learner holds a certificate, nothing new is recorded.
    await deliver(tables, events.on_course_completed, completed("c-2", "l-2", UNPRINTABLE), ports)
    assert len(certificates_of(tables, "c-2")) == 2
    (failure,) = failures_of(tables)
    assert failure.certificate_id == cert.id


async def test_a_name_against_the_printing_rules_is_recorded_and_a_correction_follows_the_rules() -> None:
    tables, ports = Tables(), fake_ports()
    await deliver(tables, events.on_course_published, published("c-3"), ports)
    await deliver(tables, events.on_course_completed, completed("c-3", "l-4", "x" * 230), ports)
    (failure,) = failures_of(tables)
    assert failure.reason_code == ReasonCode.NAME_TOO_LONG.value and not tables.certificates

    async with FakeUnitOfWork(tables) as uow:
        with pytest.raises(BadInput, match="give a corrected name"):
            await retry_auto_issue(uow, ADMIN, RetryAutoIssue(failure.id), ports)
        with pytest.raises(BadInput, match="control characters"):
            await retry_auto_issue(uow, ADMIN, RetryAutoIssue(failure.id, "Aida\x00 Admin"), ports)
        with pytest.raises(BadInput, match="name is empty"):
            await retry_auto_issue(uow, ADMIN, RetryAutoIssue(failure.id, "   "), ports)
        with pytest.raises(Forbidden):
            await retry_auto_issue(uow, OWNER, RetryAutoIssue(failure.id, "Aida Admin"), ports)
    assert not tables.certificates


async def test_an_object_store_outage_is_retried_not_recorded_and_never_touches_the_course() -> None:
    class DownObjects(FakeObjects):
        def put_pdf(self, key: str, data: bytes) -> None:
            raise ConnectionRefusedError("S3 is away")

    tables, healthy = Tables(), fake_ports()
    down = dataclasses.replace(healthy, pdfs=DownObjects())
    await deliver(tables, events.on_course_completed, completed("c-4", "l-5", "Rəşad Əliyev"), down)
    await deliver(tables, events.on_course_published, published("c-4"), down)
    assert "c-4" in tables.courses, "publishing a course renders nothing and uploads nothing"

    # The workers met the outage: the request waits (held back a little), nobody is failed.
    (batch,) = await drain(tables, down)
    assert isinstance(batch.transient, ConnectionRefusedError) and batch.postponed == 1
    assert not tables.certificates and not tables.auto_issue_failures
    assert waiting_requests(tables) == ["l-5"]
    assert await issue_auto_requests(tables, healthy) == [], "held back: not due again at once"
    (row,) = tables.auto_issue_requests.values()
    assert row["request"].attempts == 0 and "S3 is away" in row["last_error"], "an outage is not an attempt"

    await drain(tables, healthy)
    assert sorted(certificates_of(tables, "c-4")) == ["l-5"] and not tables.auto_issue_requests


async def test_an_admin_issuing_by_hand_resolves_the_failure() -> None:
    tables, ports = Tables(), fake_ports(renderer=FakeRenderer(fail_for={UNPRINTABLE}))
    await deliver(tables, events.on_course_published, published("c-5"), ports)
    await deliver(tables, events.on_course_completed, completed("c-5", "l-6", UNPRINTABLE), ports)
    async with FakeUnitOfWork(tables) as uow:
        cert, _ = await issue_certificate(
            uow, Actor(ADMIN.sub, ADMIN.name), IssueCertificate("c-5", {"name": "Aigerim", "learnerId": "l-6"}), ports
        )
    (failure,) = failures_of(tables)
    assert failure.certificate_id == cert.id
    async with FakeUnitOfWork(tables) as uow:
        again, created = await retry_auto_issue(uow, ADMIN, RetryAutoIssue(failure.id), ports)
    assert again.id == cert.id and not created


async def test_a_request_is_decided_by_the_version_completed_even_if_a_newer_one_stops_auto_issue() -> None:
    tables, ports = Tables(), fake_ports()
    await deliver(tables, events.on_course_completed, completed("c-6", "l-7", "Rəşad Əliyev"), ports)
    await deliver(tables, events.on_course_published, published("c-6"), ports, worker=False)
    later = published("c-6", auto_issue=False).model_copy(update={"version": 2})
    await deliver(tables, events.on_course_published, later, ports, worker=False)
    await drain(tables, ports)
    # l-7 completed the automatic version 1: any other answer would depend on the order of events.
    assert sorted(certificates_of(tables, "c-6")) == ["l-7"] and not tables.auto_issue_failures
