"""A completion is certified by the policy of the version the learner completed (issue 12, item 10).

``course`` keeps only the newest version; the certificate policy (``autoIssue``, ``templateId``) of
every published version is kept beside it. Each event runs in a unit of work of its own and is
committed, as ``lms_shared.inbox.EventConsumer`` does; the automatic-issue requests the consumers
record are issued by the certificate workers (:func:`drain`), at the moment a test chooses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from certificates.service_layer import events
from certificates.service_layer.ports import AutoIssueRequest, Ports, StoredTemplate
from lms_shared.events.catalogue import (
    CertificatePolicy,
    CourseCompletedV1,
    CoursePublishedV1,
    LearnerData,
    Payload,
)

from .fakes import FakeUnitOfWork, Tables, fake_ports, issue_auto_requests

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def published(version: int, *, auto_issue: bool, template_id: str | None = None) -> CoursePublishedV1:
    return CoursePublishedV1(
        course_id="civics",
        version=version,
        slug="civics",
        owner_id="trainer-1",
        default_language="en",
        languages=["en"],
        titles={"en": f"Civics v{version}"},
        modules=[],
        certificate_policy=CertificatePolicy(auto_issue=auto_issue, template_id=template_id),
        published_at=NOW,
    )


def completed(version: int, learner_id: str) -> CourseCompletedV1:
    return CourseCompletedV1(
        enrollment_id=f"enr-{learner_id}",
        course_id="civics",
        course_version=version,
        course_titles={"en": f"Civics v{version}"},
        course_default_language="en",
        learner=LearnerData(id=learner_id, name=f"Learner {learner_id}", locale="en"),
        completed_at=NOW,
    )


async def deliver(
    tables: Tables, handler: Callable[..., Awaitable[None]], event: Payload, ports: Ports
) -> list[AutoIssueRequest]:
    """Apply one event in a unit of work of its own and commit; returns the requests it recorded."""
    before = set(tables.auto_issue_requests)
    async with FakeUnitOfWork(tables) as uow:
        await handler(uow, event, event.envelope(), ports=ports)
        await uow.commit()
    return [v["request"] for k, v in tables.auto_issue_requests.items() if k not in before]


async def drain(tables: Tables, ports: Ports) -> None:
    """The certificate workers: every waiting request issued in batches."""
    await issue_auto_requests(tables, ports)


def certified(tables: Tables) -> dict[str, tuple[int | None, str, str]]:
    """learner -> (course version, title, template) of their valid certificate."""
    return {
        r["learner_id"]: (r["course_version"], r["course_title"], r["template_id"])
        for r in tables.certificates.values()
        if r["status"] == "VALID"
    }


def waiting(tables: Tables) -> set[str]:
    return {learner for (_, learner), c in tables.completions.items() if c["awaiting"]}


async def test_a_completion_of_a_version_not_known_yet_waits_for_it_even_when_an_older_one_is_known() -> None:
    tables, ports = Tables(), fake_ports()
    await deliver(tables, events.on_course_published, published(1, auto_issue=False), ports)
    # Version 2's course.published was nak'd and is retried behind its first learner's completion.
    assert await deliver(tables, events.on_course_completed, completed(2, "l2"), ports) == []
    assert waiting(tables) == {"l2"} and not tables.certificates, "not decided by version 1's manual policy"

    requests = await deliver(tables, events.on_course_published, published(2, auto_issue=True), ports)
    assert [r.recipient.learner_id for r in requests] == ["l2"] and [r.recipient.course_version for r in requests] == [
        2
    ]
    assert waiting(tables) == set()
    await drain(tables, ports)
    assert certified(tables) == {"l2": (2, "Civics v2", "default")}


async def test_a_newer_version_releases_nobody_whose_own_version_is_still_on_its_way() -> None:
    tables, ports = Tables(), fake_ports()
    await deliver(tables, events.on_course_published, published(2, auto_issue=True), ports)
    await deliver(tables, events.on_course_completed, completed(1, "l1"), ports)  # version 1 not known yet
    assert waiting(tables) == {"l1"} and not tables.certificates, "not decided by version 2's automatic policy"

    assert await deliver(tables, events.on_course_published, published(3, auto_issue=True), ports) == []
    assert waiting(tables) == {"l1"}

    assert await deliver(tables, events.on_course_published, published(1, auto_issue=False), ports) == []
    assert waiting(tables) == set() and not tables.certificates, "version 1 is issued by hand"
    assert tables.courses["civics"].version == 3, "the late version 1 did not replace the newest"


async def test_a_request_is_decided_by_its_version_not_by_a_newer_one() -> None:
    tables, ports = Tables(), fake_ports()
    await deliver(tables, events.on_course_completed, completed(1, "l1"), ports)
    assert len(await deliver(tables, events.on_course_published, published(1, auto_issue=True), ports)) == 1
    # Version 2 turns automatic issue off before the request for version 1's learner is handled.
    assert await deliver(tables, events.on_course_published, published(2, auto_issue=False), ports) == []
    await drain(tables, ports)
    assert certified(tables) == {"l1": (1, "Civics v1", "default")}, "l1 completed an automatic version"

    assert await deliver(tables, events.on_course_completed, completed(2, "l2"), ports) == []
    await drain(tables, ports)
    assert "l2" not in certified(tables) and waiting(tables) == set(), "version 2 is issued by hand"


async def test_each_learner_gets_the_template_of_the_version_they_completed() -> None:
    tables, ports = Tables(), fake_ports()
    tables.templates["ministry"] = StoredTemplate("ministry", {}, NOW, "admin-1")
    await deliver(tables, events.on_course_published, published(2, auto_issue=True), ports)
    await deliver(tables, events.on_course_published, published(1, auto_issue=True, template_id="ministry"), ports)
    await deliver(tables, events.on_course_completed, completed(1, "l1"), ports)
    await deliver(tables, events.on_course_completed, completed(2, "l2"), ports)
    (batch,) = await issue_auto_requests(tables, ports)
    assert batch.issued == 2, "two versions, two templates, one batch"
    assert certified(tables) == {"l1": (1, "Civics v1", "ministry"), "l2": (2, "Civics v2", "default")}


async def test_a_version_redelivered_changes_nothing_and_issues_nothing_twice() -> None:
    tables, ports = Tables(), fake_ports()
    await deliver(tables, events.on_course_completed, completed(1, "l1"), ports)
    first = await deliver(tables, events.on_course_published, published(1, auto_issue=True), ports)
    again = await deliver(tables, events.on_course_published, published(1, auto_issue=False), ports)
    assert [r.recipient.learner_id for r in first] == ["l1"] and again == [], "nobody is waiting any more"
    await deliver(tables, events.on_course_completed, completed(1, "l1"), ports)  # the completion again
    assert len(tables.auto_issue_requests) == 1, "a duplicate of a waiting request adds nothing"
    await drain(tables, ports)
    await deliver(tables, events.on_course_completed, completed(1, "l1"), ports)  # and once more, after
    await drain(tables, ports)
    assert certified(tables) == {"l1": (1, "Civics v1", "default")}
    assert tables.version_policies[("civics", 1)].auto_issue, "a version's policy is the first one stored"
