"""Nobody certifies themselves (issue 13, finding 1): not a course's trainer automatically, not an admin by hand."""

from __future__ import annotations

import pytest

from certificates.domain.recipients import ReasonCode
from certificates.service_layer import events
from certificates.service_layer.issuing import (
    Actor,
    IssueCertificate,
    RetryAutoIssue,
    issue_certificate,
    retry_auto_issue,
)
from lms_shared.auth import Principal, Role
from lms_shared.errors import Forbidden

from .fakes import FakeUnitOfWork, Tables, fake_ports
from .test_auto_issue_isolation import certificates_of, completed, deliver, failures_of, published

pytestmark = pytest.mark.unit

ADMIN = Principal(sub="admin-1", name="Aida Admin", roles=frozenset({Role.ADMIN}))


async def test_a_trainer_completing_their_own_course_gets_no_automatic_certificate() -> None:
    tables, ports = Tables(), fake_ports()
    await deliver(tables, events.on_course_published, published("c-1"), ports)  # owner: trainer-1
    await deliver(tables, events.on_course_completed, completed("c-1", "trainer-1", "Dr. Jane Smith"), ports)
    await deliver(tables, events.on_course_completed, completed("c-1", "l-1", "Leyla Məmmədova"), ports)
    assert sorted(certificates_of(tables, "c-1")) == ["l-1"]
    (failure,) = failures_of(tables)
    assert failure.reason_code == ReasonCode.SELF_CERTIFICATION.value and failure.recipient.learner_id == "trainer-1"

    # An admin may issue it after looking (audited), but not to themselves.
    async with FakeUnitOfWork(tables) as uow:
        cert, created = await retry_auto_issue(uow, ADMIN, RetryAutoIssue(failure.id), ports)
    assert created and cert.learner_id == "trainer-1"


async def test_an_admin_cannot_issue_or_retry_their_own_certificate() -> None:
    tables, ports = Tables(), fake_ports()
    await deliver(tables, events.on_course_published, published("c-2"), ports)
    async with FakeUnitOfWork(tables) as uow:
        with pytest.raises(Forbidden, match="Nobody issues their own certificate"):
            await issue_certificate(
                uow,
                Actor("admin-1", "Aida Admin"),
                IssueCertificate("c-2", {"name": "Aida", "learnerId": "admin-1"}),
                ports,
            )
    assert not certificates_of(tables, "c-2")
