"""Erasing a learner in progress (service_layer/erasure.py), on the fake unit of work."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms_shared.auth import Principal, Role
from lms_shared.errors import BadInput, Forbidden, NotFound
from lms_shared.events.catalogue import LearnerErasedV1
from progress.domain.model import EnrollmentStatus
from progress.domain.records import Enrollment
from progress.service_layer import erasure

from .fakes import FakeUnitOfWork

pytestmark = pytest.mark.unit

ADMIN = Principal("admin-1", "Admin", frozenset({Role.ADMIN}))
CA_AZ = Principal("ca-az", "AZ", frozenset({Role.COUNTRY_ADMIN}), org="AZ")
CA_KZ = Principal("ca-kz", "KZ", frozenset({Role.COUNTRY_ADMIN}), org="KZ")
TRAINER = Principal("t-1", "Trainer", frozenset({Role.TRAINER}))


def enrolled(uow: FakeUnitOfWork, enrollment_id: str, org: str | None, learner: str = "l-1") -> None:
    uow.enrollments.rows[enrollment_id] = Enrollment(
        enrollment_id, f"c-{enrollment_id}", learner, "Aysel Quliyeva", org, "Gəncə", "az", 1,
        EnrollmentStatus.ACTIVE, "self", None, datetime.now(UTC), None, None, None,
    )  # fmt: skip


async def test_an_erasure_pseudonymises_publishes_once_and_answers_the_same_after() -> None:
    uow = FakeUnitOfWork()
    enrolled(uow, "e-1", "AZ")
    enrolled(uow, "e-2", "az")  # the case of a cohort row's org is not significant
    done, created = await erasure.erase_learner(uow, CA_AZ, "l-1", "  request 17 ")
    assert created and done.org == "AZ" and done.reason == "request 17"
    assert {e.learner_name for e in uow.enrollments.rows.values()} == {done.pseudonym}
    (event,) = uow.committed_of(LearnerErasedV1)
    assert event.pseudonym == done.pseudonym and event.learner_id == "l-1" and event.requested_by == "ca-az"

    again, created_again = await erasure.erase_learner(uow, ADMIN, "l-1", "other")
    assert not created_again and again == done
    assert len(uow.committed_of(LearnerErasedV1)) == 1
    assert await erasure.recorded_name(uow, "l-1", "Aysel Quliyeva") == done.pseudonym
    assert await erasure.recorded_name(uow, "l-2", "Someone") == "Someone"


async def test_who_may_erase() -> None:
    uow = FakeUnitOfWork()
    enrolled(uow, "e-1", "AZ")
    enrolled(uow, "e-2", "KZ", learner="l-2")  # l-2 enrolled under two states
    enrolled(uow, "e-3", "AZ", learner="l-2")
    enrolled(uow, "e-4", None, learner="l-3")  # l-3: an AZ enrolment and one without a state
    enrolled(uow, "e-5", "AZ", learner="l-3")
    for who, learner in ((CA_KZ, "l-1"), (TRAINER, "l-1"), (CA_AZ, "l-2"), (CA_AZ, "l-3")):
        with pytest.raises(Forbidden):
            await erasure.erase_learner(uow, who, learner, None)
        with pytest.raises(Forbidden):
            await erasure.export_learner(uow, who, learner)
    assert not uow.committed_of(LearnerErasedV1)
    with pytest.raises(NotFound):
        await erasure.erase_learner(uow, ADMIN, "nobody", None)
    with pytest.raises(BadInput):
        await erasure.erase_learner(uow, ADMIN, "l-1", "x" * 501)
    with pytest.raises(BadInput):
        await erasure.erase_learner(uow, ADMIN, "l-1", "bell\x07")
    done, _ = await erasure.erase_learner(uow, ADMIN, "l-2", None)
    assert done.org == "AZ,KZ"
    out = await erasure.export_learner(uow, ADMIN, "l-2")
    assert out["erasure"]["pseudonym"] == done.pseudonym
    assert "Aysel" not in str(out)
