"""Automatic issue on the batched path (issue 19, item 4), on the unit fakes.

Completions only record requests; the certificate workers issue them in batches. What must hold:
many completions share one batch; a duplicated or redelivered completion never yields a second
certificate; a batch that dies before its commit loses nothing; an outage waits, a repeated error
is recorded for an admin; an erasure drops what waits.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from certificates.domain.recipients import ReasonCode, Recipient
from certificates.service_layer import auto_issue, erasure, events
from certificates.service_layer.issuing import RetryAutoIssue, retry_auto_issue
from lms_shared.auth import Principal, Role
from lms_shared.events.catalogue import CertificateIssuedV1, LearnerErasedV1

from .fakes import (
    FakeCertificates,
    FakeRenderer,
    FakeUnitOfWork,
    Tables,
    fake_ports,
    issue_auto_requests,
    make_requests_due,
)
from .test_auto_issue_isolation import UNPRINTABLE, certificates_of, completed, deliver, published

pytestmark = pytest.mark.unit

ADMIN = Principal(sub="admin-1", name="Aida Admin", roles=frozenset({Role.ADMIN}))


async def record_completions(tables: Tables, course_id: str, n: int, ports: Any) -> None:
    for i in range(n):
        await deliver(
            tables, events.on_course_completed, completed(course_id, f"l-{i}", f"Learner {i}"), ports, worker=False
        )


async def test_completions_arriving_together_are_issued_in_batches_of_the_chunk_size() -> None:
    tables, ports = Tables(), fake_ports()
    await deliver(tables, events.on_course_published, published("c-1"), ports)
    await record_completions(tables, "c-1", 25, ports)
    assert len(tables.auto_issue_requests) == 25 and not tables.certificates, "the consumer renders nothing"

    batches = await issue_auto_requests(tables, ports, limit=10)

    assert [b.claimed for b in batches] == [10, 10, 5] and sum(b.issued for b in batches) == 25
    assert sorted(certificates_of(tables, "c-1")) == sorted(f"l-{i}" for i in range(25))
    assert not tables.auto_issue_requests
    issued = [e for e in tables.events if isinstance(e, CertificateIssuedV1)]
    assert len(issued) == 25 and len({e.certificate_id for e in issued}) == 25
    assert {a.actor_sub for a in tables.audit if a.action == "issue"} == {"system:auto-issue"}


async def test_a_duplicated_or_redelivered_completion_never_yields_a_second_certificate() -> None:
    tables, ports = Tables(), fake_ports()
    await deliver(tables, events.on_course_published, published("c-2"), ports)
    event = completed("c-2", "l-1", "Rəşad Əliyev")
    for _ in range(3):  # the same completion three times while it waits (new event ids: past the inbox)
        await deliver(tables, events.on_course_completed, event, ports, worker=False)
    assert len(tables.auto_issue_requests) == 1
    await issue_auto_requests(tables, ports)
    await deliver(tables, events.on_course_completed, event, ports, worker=False)  # again once certified
    (batch,) = await issue_auto_requests(tables, ports)
    assert (batch.claimed, batch.issued, batch.already_certified) == (1, 0, 1)
    assert len(certificates_of(tables, "c-2")) == 1 and not tables.auto_issue_requests
    assert len([e for e in tables.events if isinstance(e, CertificateIssuedV1)]) == 1


async def test_a_batch_that_dies_before_its_commit_loses_nothing_and_the_retry_issues_each_once() -> None:
    tables, ports = Tables(), fake_ports()
    await deliver(tables, events.on_course_published, published("c-3"), ports)
    await record_completions(tables, "c-3", 7, ports)

    class Killed(BaseException):
        """The process dies after the rows were written, before COMMIT."""

    real_add_many = FakeCertificates.add_many

    async def add_then_die(self: FakeCertificates, rows: Any) -> set[uuid.UUID]:
        await real_add_many(self, rows)
        raise Killed

    FakeCertificates.add_many = add_then_die  # type: ignore[method-assign]
    try:
        with pytest.raises(Killed):
            await issue_auto_requests(tables, ports)
    finally:
        FakeCertificates.add_many = real_add_many  # type: ignore[method-assign]
    assert not tables.certificates and len(tables.auto_issue_requests) == 7, "rolled back: everything still waits"

    await issue_auto_requests(tables, ports)
    assert len(certificates_of(tables, "c-3")) == 7 and not tables.auto_issue_requests
    assert len([e for e in tables.events if isinstance(e, CertificateIssuedV1)]) == 7


async def test_a_repeated_error_is_retried_then_recorded_for_an_admin_while_the_others_are_issued() -> None:
    class BrokenSigner:
        """Signing one learner's credential fails the same way every time (a bug, not an outage)."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def sign(self, facts: Any) -> Any:
            if facts.learner_id == "l-bad":
                raise KeyError("a bug")
            return self.inner.sign(facts)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    healthy = fake_ports()
    ports = dataclasses.replace(healthy, signer=BrokenSigner(healthy.signer))
    tables = Tables()
    await deliver(tables, events.on_course_published, published("c-4"), ports)
    await deliver(tables, events.on_course_completed, completed("c-4", "l-bad", "Əli Həsənov"), ports, worker=False)
    await deliver(tables, events.on_course_completed, completed("c-4", "l-ok", "Мария Иванова"), ports, worker=False)

    (first,) = await issue_auto_requests(tables, ports)
    assert (first.issued, first.postponed, first.transient) == (1, 1, None)
    assert sorted(certificates_of(tables, "c-4")) == ["l-ok"] and not tables.auto_issue_failures
    for _ in range(auto_issue.MAX_ATTEMPTS - 1):
        make_requests_due(tables)
        await issue_auto_requests(tables, ports)
    (failure,) = tables.auto_issue_failures.values()
    assert failure.reason_code == ReasonCode.ISSUE_FAILED.value and failure.recipient.learner_id == "l-bad"
    assert f"after {auto_issue.MAX_ATTEMPTS} attempts (KeyError)" in failure.reason
    assert not tables.auto_issue_requests, "recorded, no longer retried"

    # An admin retries it once the bug is fixed: one certificate, the failure resolved.
    async with FakeUnitOfWork(tables) as uow:
        _, created = await retry_auto_issue(uow, ADMIN, RetryAutoIssue(failure.id), healthy)
    assert created and sorted(certificates_of(tables, "c-4")) == ["l-bad", "l-ok"]


async def test_a_batch_resolves_the_open_failure_of_a_learner_it_certifies() -> None:
    tables, ports = Tables(), fake_ports(renderer=FakeRenderer(fail_for={UNPRINTABLE}))
    await deliver(tables, events.on_course_published, published("c-5"), ports)
    await deliver(tables, events.on_course_completed, completed("c-5", "l-1", UNPRINTABLE), ports)
    (failure,) = tables.auto_issue_failures.values()
    assert not failure.resolved
    # progress sends the completion again with the name the learner corrected in their profile
    await deliver(tables, events.on_course_completed, completed("c-5", "l-1", "Aigerim Sadykova"), ports)
    (cert,) = certificates_of(tables, "c-5").values()
    (failure,) = tables.auto_issue_failures.values()
    assert failure.resolved and failure.certificate_id == cert["id"] and failure.resolved_by == "system:auto-issue"


async def test_an_erasure_drops_the_requests_still_waiting_and_a_late_batch_prints_nothing() -> None:
    tables, ports = Tables(), fake_ports()
    await deliver(tables, events.on_course_published, published("c-6"), ports)
    await deliver(tables, events.on_course_completed, completed("c-6", "l-1", "Rəşad Əliyev"), ports, worker=False)
    await deliver(tables, events.on_course_completed, completed("c-6", "l-2", "Мария Иванова"), ports, worker=False)
    erased = LearnerErasedV1(
        learner_id="l-1", pseudonym="erased-1", requested_by="admin-1", erased_at=datetime.now(UTC)
    )
    async with FakeUnitOfWork(tables) as uow:
        await erasure.on_learner_erased(uow, erased, erased.envelope(), ports=ports)
        await uow.commit()
    assert [r["request"].recipient.learner_id for r in tables.auto_issue_requests.values()] == ["l-2"]

    # A request for the erased learner that got in anyway (an older release's event) prints nothing.
    late = Recipient(name="Rəşad Əliyev", learner_id="l-1", enrollment_id="enr-l-1", course_version=1)
    async with FakeUnitOfWork(tables) as uow:
        await auto_issue.request_auto_issue(uow, "c-6", [(late, {"en": "Housing v1"})])
        await uow.commit()
    (batch,) = await issue_auto_requests(tables, ports)
    assert (batch.issued, batch.dropped) == (1, 1)
    assert sorted(certificates_of(tables, "c-6")) == ["l-2"] and not tables.auto_issue_requests


def _burst() -> list[Any]:
    """Completions as a fetch brings them: several courses, versions, duplicates, an erased learner."""
    return [
        completed("c-7", "l-1", "Rəşad Əliyev"),
        completed("c-7", "l-2", "Мария Иванова"),
        completed("c-8", "l-1", "Rəşad Əliyev"),  # the same learner, another course
        completed("c-7", "l-1", "Rəşad Əliyev (again)"),  # progress sent it twice: the later one counts
        completed("c-9", "l-3", "Aigerim Sadykova"),  # a course not known yet: waits for it
        completed("c-7", "l-erased", "Gone Person"),
        completed("c-8", "l-4", UNPRINTABLE),
        completed("c-10", "l-5", "Timur Trainer"),  # a course whose policy is manual
    ]


async def _world() -> tuple[Tables, Any]:
    tables, ports = Tables(), fake_ports(renderer=FakeRenderer(fail_for={UNPRINTABLE}))
    for course_id in ("c-7", "c-8"):
        await deliver(tables, events.on_course_published, published(course_id), ports)
    await deliver(tables, events.on_course_published, published("c-10", auto_issue=False), ports)
    tables.erased["l-erased"] = "erased-x"
    return tables, ports


def _state(tables: Tables) -> dict[str, Any]:
    return {
        "completions": {k: (c["recipient"], c["titles"], c["awaiting"]) for k, c in tables.completions.items()},
        "requests": {
            k: (v["request"].recipient, v["request"].course_titles) for k, v in tables.auto_issue_requests.items()
        },
    }


async def test_a_run_of_completions_in_one_transaction_has_the_effect_of_one_at_a_time() -> None:
    one_by_one, ports = await _world()
    for event in _burst():
        await deliver(one_by_one, events.on_course_completed, event, ports, worker=False)
    together, _ = await _world()
    async with FakeUnitOfWork(together) as uow:
        await events.on_courses_completed(uow, [(e, e.envelope()) for e in _burst()], ports=ports)
        await uow.commit()
        locks = list(uow.courses.locks)
    assert locks == sorted(locks) and all(shared for _, shared in locks), "one order: no circular waits"
    assert _state(together) == _state(one_by_one)
    waiting = {
        (v["request"].course_id, v["request"].recipient.learner_id) for v in together.auto_issue_requests.values()
    }
    assert waiting == {("c-7", "l-1"), ("c-7", "l-2"), ("c-8", "l-1"), ("c-8", "l-4")}
    await issue_auto_requests(one_by_one, ports)
    await issue_auto_requests(together, ports)
    assert sorted(certificates_of(together, "c-7")) == ["l-1", "l-2"] == sorted(certificates_of(one_by_one, "c-7"))
    assert sorted(certificates_of(together, "c-8")) == ["l-1"]
    assert [f.recipient.learner_id for f in together.auto_issue_failures.values()] == ["l-4"]
    assert ("c-9", "l-3") in together.completions and together.completions[("c-9", "l-3")]["awaiting"]
