"""Issuing, revoking and the consumed events, on a fake unit of work and fake ports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from certificates.service_layer import events, revocation
from certificates.service_layer.issuing import Actor, IssueCertificate, issue_certificate
from certificates.service_layer.revocation import RevokeCertificate
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, NotFound
from lms_shared.events.catalogue import (
    AutoIssueRequestedV1,
    CertificateIssuedV1,
    CertificatePolicy,
    CertificateRevokedV1,
    CourseCompletedV1,
    CoursePublishedV1,
    LearnerData,
)

from .fakes import FakeMetrics, FakeUnitOfWork, Tables, course, fake_ports, issue_auto_requests

pytestmark = pytest.mark.unit

ADMIN = Actor("admin-1", "Aida Admin")


def with_course(uow: FakeUnitOfWork, **changes: Any) -> str:
    c = course(**changes)
    uow.tables.courses[c.id] = c
    uow.work.courses[c.id] = c
    return c.id


async def test_issue_is_idempotent_commits_and_announces_the_learner() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = with_course(uow)
    recipient = {"name": "Әлия Қасымқызы", "learnerId": "l-1", "locale": "kk", "org": "kz", "email": "a@ex.kz"}
    cert, created = await issue_certificate(uow, ADMIN, IssueCertificate(course_id, recipient), ports)
    assert created and uow.commits == 1
    assert cert.course_title == "Қатысымдық бюджет" and cert.lang == "kk" and cert.org == "KZ"
    assert cert.id in uow.tables.certificates
    (event,) = [e for e in uow.tables.events if isinstance(e, CertificateIssuedV1)]
    assert event.person == LearnerData(
        id="l-1", name="Әлия Қасымқызы", email="a@ex.kz", org="KZ", municipality=None, locale="kk"
    )
    assert event.learner_name == "Әлия Қасымқызы" and event.learner_id == "l-1", "minor-0 fields stay filled"

    again, created_again = await issue_certificate(uow, ADMIN, IssueCertificate(course_id, recipient), ports)
    assert not created_again and again.id == cert.id and again.code == cert.code
    assert len(uow.tables.certificates) == 1
    assert isinstance(ports.metrics, FakeMetrics) and ports.metrics.issued == {"single": 1}
    assert [a.action for a in uow.tables.audit] == ["issue"]


async def test_nothing_is_counted_or_stored_without_a_commit() -> None:
    from certificates.service_layer.issuing import issue_to

    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = with_course(uow)
    from certificates.domain.recipients import parse_recipient

    template = await ports.templates.get(uow, None)
    await issue_to(uow, ports, course(course_id), template, parse_recipient({"name": "X"}), ADMIN, "single")
    await uow.rollback()
    assert not uow.tables.certificates and not uow.tables.events
    assert isinstance(ports.metrics, FakeMetrics) and ports.metrics.issued == {}


@pytest.mark.parametrize(
    ("recipient", "message"),
    [
        ({"name": ""}, "recipient: name is empty"),
        ({"name": "Ok", "org": "Kazakhstan"}, "recipient: org 'Kazakhstan' is not a member state's"),
        ({"name": "Ok", "email": "nope"}, "recipient: email 'nope' is not an e-mail address"),
    ],
)
async def test_bad_recipients_are_refused(recipient: dict[str, str], message: str) -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = with_course(uow)
    with pytest.raises(BadInput) as info:
        await issue_certificate(uow, ADMIN, IssueCertificate(course_id, recipient), ports)
    assert info.value.message.startswith(message)
    with pytest.raises(NotFound):
        await issue_certificate(uow, ADMIN, IssueCertificate("unknown", {"name": "A"}), ports)
    assert uow.commits == 0


async def test_revoke_updates_the_status_list_and_a_new_certificate_can_follow() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = with_course(uow)
    cert, _ = await issue_certificate(
        uow, ADMIN, IssueCertificate(course_id, {"name": "R", "email": "r@ex.org"}), ports
    )
    with pytest.raises(BadInput):
        await revocation.revoke_certificate(uow, ADMIN, RevokeCertificate(cert.id, "  "), ports)
    revoked = await revocation.revoke_certificate(uow, ADMIN, RevokeCertificate(cert.id, "issued in error"), ports)
    assert revoked.status == "REVOKED" and revoked.revocation_reason == "issued in error"
    assert uow.tables.status_lists[0] == f"list-0:[{cert.status_list_index}]"
    assert any(isinstance(e, CertificateRevokedV1) for e in uow.tables.events)
    with pytest.raises(Conflict):
        await revocation.revoke_certificate(uow, ADMIN, RevokeCertificate(cert.id, "again"), ports)
    with pytest.raises(NotFound):
        await revocation.revoke_certificate(uow, ADMIN, RevokeCertificate(uuid.uuid4(), "x"), ports)
    second, created = await issue_certificate(
        uow, ADMIN, IssueCertificate(course_id, {"name": "R", "email": "r@ex.org"}), ports
    )
    assert created and second.id != cert.id and second.generation == 1


def published(course_id: str, *, auto_issue: bool) -> CoursePublishedV1:
    return CoursePublishedV1(
        course_id=course_id,
        version=1,
        slug=course_id,
        owner_id="trainer-1",
        default_language="en",
        languages=["en", "ru"],
        titles={"en": "Housing", "ru": "Жильё"},
        modules=[],
        certificate_policy=CertificatePolicy(auto_issue=auto_issue),
        published_at=datetime.now(UTC),
    )


def completed(course_id: str, learner: LearnerData) -> CourseCompletedV1:
    return CourseCompletedV1(
        enrollment_id=f"enr-{learner.id}",
        course_id=course_id,
        course_version=1,
        course_titles={"en": "Housing v1", "ru": "Жильё v1"},
        course_default_language="en",
        learner=learner,
        completed_at=datetime.now(UTC),
    )


async def test_a_completion_auto_issues_with_the_learner_read_from_the_event() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    event = published("c-auto", auto_issue=True)
    await events.on_course_published(uow, event, event.envelope(), ports=ports)
    learner = LearnerData(id="l-7", name="Мария Иванова", org="KZ", municipality="Almaty", locale="ru")
    done = completed("c-auto", learner)
    await events.on_course_completed(uow, done, done.envelope(), ports=ports)
    await uow.commit()  # the consumer commits after the handler returns
    assert not uow.tables.certificates, "the consumer only records the request"
    (batch,) = await issue_auto_requests(uow.tables, ports)  # the certificate workers
    assert (batch.claimed, batch.issued) == (1, 1)
    (cert,) = uow.tables.certificates.values()
    assert (cert["learner_id"], cert["learner_name"], cert["lang"]) == ("l-7", "Мария Иванова", "ru")
    assert cert["course_title"] == "Жильё v1", "the title of the version the learner completed"
    assert cert["enrollment_id"] == "enr-l-7"
    assert ("c-auto", True) in uow.courses.locks


async def test_completions_before_the_course_wait_for_it() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    learner = LearnerData(id="l-8", name="Early Bird", locale="en")
    done = completed("c-late", learner)
    await events.on_course_completed(uow, done, done.envelope(), ports=ports)
    assert not uow.work.certificates
    event = published("c-late", auto_issue=True)
    await events.on_course_published(uow, event, event.envelope(), ports=ports)
    await uow.commit()
    assert not uow.tables.certificates, "the course's own transaction issues nothing (issue 12, item 8)"
    assert [r["request"].recipient.learner_id for r in uow.tables.auto_issue_requests.values()] == ["l-8"]
    await issue_auto_requests(uow.tables, ports)
    (cert,) = uow.tables.certificates.values()
    assert cert["learner_id"] == "l-8"
    assert not await uow.completions.awaiting_course("c-late")


async def test_a_request_staged_by_an_earlier_release_becomes_a_request_row() -> None:
    """``auto_issue.requested`` events still on the stream after the upgrade join the batched path."""
    tables, ports = Tables(), fake_ports()
    async with FakeUnitOfWork(tables) as uow:
        event = published("c-old", auto_issue=True)
        await events.on_course_published(uow, event, event.envelope(), ports=ports)
        await uow.commit()
    learner = LearnerData(id="l-9", name="Əli Həsənov", locale="az")
    request = AutoIssueRequestedV1(
        course_id="c-old", course_version=1, course_titles={"en": "Жильё v1"}, learner=learner, requested_at=utcnow()
    )
    for _ in range(2):  # delivered twice (a new event id each time): still one request, one certificate
        async with FakeUnitOfWork(tables) as uow:
            await events.on_auto_issue_requested(uow, request, request.envelope(id=str(uuid.uuid4())), ports=ports)
            await uow.commit()
        assert len(tables.auto_issue_requests) == 1
    await issue_auto_requests(tables, ports)
    (cert,) = tables.certificates.values()
    assert cert["learner_id"] == "l-9" and cert["issued_by"] == "system:auto-issue"
