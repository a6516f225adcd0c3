"""A country admin's scope in the certificates service layer (issue 14), on fakes.

The same rules run through the real service in tests/integration/test_country_admin.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from certificates.domain.bulk import ItemStatus
from certificates.domain.recipients import ReasonCode, Recipient, RecipientError
from certificates.domain.scope import UNKNOWN, may_revoke, scoped_recipient
from certificates.service_layer import bulk
from certificates.service_layer.bulk import StartBulkIssue
from certificates.service_layer.issuing import Actor, IssueCertificate, issue_certificate
from certificates.service_layer.revocation import RevokeCertificate, revoke_certificate
from certificates.service_layer.verification import find_certificates, get_certificate
from lms_shared.auth import Principal, Role
from lms_shared.errors import Forbidden

from .fakes import FakeUnitOfWork, course, fake_ports

pytestmark = pytest.mark.unit

ADMIN = Actor("admin-1", "Aida Admin")
CA_AZ = Actor("ca-az", "Nigar Babayeva", country="AZ")
CA_KZ = Actor("ca-kz", "Dana Omarova", country="KZ")
P_CA_AZ = Principal(sub="ca-az", name="Nigar Babayeva", roles=frozenset({Role.COUNTRY_ADMIN}), org="AZ")
P_CA_KZ = Principal(sub="ca-kz", name="Dana Omarova", roles=frozenset({Role.COUNTRY_ADMIN}), org="KZ")


# --- the rule itself -------------------------------------------------------------------------------


def test_no_country_means_no_limit() -> None:
    r = Recipient(name="Aruzhan", org="KZ")
    assert scoped_recipient(r, None) is r
    assert may_revoke("KZ", None) and may_revoke(None, None)


def test_a_row_of_the_own_state_passes_and_one_without_org_takes_the_state() -> None:
    assert scoped_recipient(Recipient(name="Leyla", org="AZ"), "AZ").org == "AZ"
    assert scoped_recipient(Recipient(name="Leyla"), "AZ").org == "AZ"


def test_a_row_of_another_state_is_refused_with_a_reason_code() -> None:
    with pytest.raises(RecipientError) as refused:
        scoped_recipient(Recipient(name="Aruzhan", org="KZ"), "AZ")
    assert refused.value.code == ReasonCode.OTHER_STATE and "KZ" in refused.value.detail


def test_the_learners_own_sign_in_decides_not_the_row() -> None:
    row = Recipient(name="Aruzhan", learner_id="l-kz", org="AZ")  # the row claims AZ …
    with pytest.raises(RecipientError, match="of KZ"):
        scoped_recipient(row, "AZ", "KZ")  # … but the learner signed in as KZ
    with pytest.raises(RecipientError, match="without a member state"):
        scoped_recipient(Recipient(name="Nobody", learner_id="l-none"), "AZ", None)
    assert scoped_recipient(Recipient(name="Leyla", learner_id="l-az"), "AZ", "AZ").org == "AZ"
    assert scoped_recipient(Recipient(name="Leyla", learner_id="l-new"), "AZ", UNKNOWN).org == "AZ"


def test_revoking_needs_the_certificates_state() -> None:
    assert may_revoke("AZ", "AZ")
    assert not may_revoke("KZ", "AZ")
    assert not may_revoke(None, "AZ")


# --- through the service layer ----------------------------------------------------------------------


def given_course(uow: FakeUnitOfWork, **changes: Any) -> str:
    c = course(**changes)
    uow.tables.courses[c.id] = c
    uow.work.courses[c.id] = c
    return c.id


async def completed(uow: FakeUnitOfWork, course_id: str, learner_id: str, org: str | None) -> None:
    person = Recipient(
        name=f"Learner {learner_id}", learner_id=learner_id, org=org, enrollment_id=f"e-{learner_id}", course_version=1
    )
    await uow.completions.record(
        course_id, person, course_titles={}, score=None, completed_at=datetime.now(UTC), awaiting_course=False
    )
    await uow.commit()


async def test_a_country_admin_issues_to_their_state_and_is_refused_another() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = given_course(uow)
    await completed(uow, course_id, "l-kz", "KZ")

    cert, created = await issue_certificate(uow, CA_AZ, IssueCertificate(course_id, {"name": "Leyla Əliyeva"}), ports)
    assert created and cert.org == "AZ"  # no org given: the country admin's state is recorded
    with pytest.raises(Forbidden, match="another member state"):
        await issue_certificate(uow, CA_AZ, IssueCertificate(course_id, {"name": "Aruzhan", "org": "KZ"}), ports)
    # A learner who signed in as KZ cannot be moved to AZ by the row.
    with pytest.raises(Forbidden, match="of KZ"):
        await issue_certificate(
            uow, CA_AZ, IssueCertificate(course_id, {"name": "Aruzhan", "learnerId": "l-kz", "org": "AZ"}), ports
        )
    assert len(uow.tables.certificates) == 1


async def test_a_country_admin_revokes_only_their_states_certificates() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = given_course(uow)
    kz, _ = await issue_certificate(uow, ADMIN, IssueCertificate(course_id, {"name": "Aruzhan", "org": "KZ"}), ports)
    none, _ = await issue_certificate(uow, ADMIN, IssueCertificate(course_id, {"name": "Stateless"}), ports)
    az, _ = await issue_certificate(uow, ADMIN, IssueCertificate(course_id, {"name": "Leyla", "org": "AZ"}), ports)

    for foreign in (kz, none):
        with pytest.raises(Forbidden, match="revokes only AZ's"):
            await revoke_certificate(uow, CA_AZ, RevokeCertificate(foreign.id, "wrong state"), ports)
    revoked = await revoke_certificate(uow, CA_AZ, RevokeCertificate(az.id, "issued in error"), ports)
    assert revoked.status == "REVOKED"
    assert (await revoke_certificate(uow, ADMIN, RevokeCertificate(kz.id, "admins keep everything"), ports)).status


async def test_a_bulk_row_of_another_state_is_refused_per_row() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = given_course(uow)
    await completed(uow, course_id, "l-kz", "KZ")
    rows = [
        {"name": "Leyla Əliyeva", "org": "AZ"},
        {"name": "Aruzhan Seitkali", "org": "KZ"},
        {"name": "Rauf Hüseynov"},
        {"name": "Moved Learner", "learnerId": "l-kz", "org": "AZ"},
    ]
    plan = await bulk.dry_run_bulk_issue(uow, CA_AZ, StartBulkIssue(course_id, recipients=rows), ports)
    assert [(r.row, r.outcome, r.reason_code) for r in plan.rows()] == [
        (1, ItemStatus.ISSUED, None),
        (2, ItemStatus.REFUSED, "OTHER_STATE"),
        (3, ItemStatus.ISSUED, None),
        (4, ItemStatus.REFUSED, "OTHER_STATE"),
    ]
    # The admin's plan of the same rows refuses none of them.
    admin_plan = await bulk.dry_run_bulk_issue(uow, ADMIN, StartBulkIssue(course_id, recipients=rows), ports)
    assert all(r.outcome == ItemStatus.ISSUED for r in admin_plan.rows())


async def test_all_eligible_of_a_country_admin_covers_their_state_only() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = given_course(uow)
    for learner, org in (("l-az-1", "AZ"), ("l-kz", "KZ"), ("l-none", None), ("l-az-2", "AZ")):
        await completed(uow, course_id, learner, org)
    plan = await bulk.dry_run_bulk_issue(uow, CA_AZ, StartBulkIssue(course_id, all_eligible=True), ports)
    assert [r.learner_id for r in plan.rows()] == ["l-az-1", "l-az-2"]
    everyone = await bulk.dry_run_bulk_issue(uow, ADMIN, StartBulkIssue(course_id, all_eligible=True), ports)
    assert len(everyone.rows()) == 4


async def test_a_country_admin_sees_only_the_bulk_jobs_they_started() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = given_course(uow)
    admins = await bulk.start_bulk_issue(uow, ADMIN, StartBulkIssue(course_id, recipients=[{"name": "A"}]), ports)
    mine = await bulk.start_bulk_issue(uow, CA_AZ, StartBulkIssue(course_id, recipients=[{"name": "B"}]), ports)
    assert [j.id for j in await bulk.list_jobs(uow, course_id, CA_AZ)] == [mine.id]
    assert {j.id for j in await bulk.list_jobs(uow, course_id, ADMIN)} == {admins.id, mine.id}
    assert (await bulk.get_job(uow, mine.id, CA_AZ))[0].id == mine.id
    for call in (
        bulk.get_job(uow, admins.id, CA_AZ),
        bulk.job_rows(uow, admins.id, None, 10, None, CA_AZ),
        bulk.cancel_bulk_job(uow, CA_KZ, mine.id, ports),
    ):
        with pytest.raises(Forbidden, match="they started"):
            await call


async def test_a_country_admin_sees_their_states_certificates_of_any_course() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = given_course(uow)
    az, _ = await issue_certificate(uow, ADMIN, IssueCertificate(course_id, {"name": "Leyla", "org": "AZ"}), ports)
    kz, _ = await issue_certificate(uow, ADMIN, IssueCertificate(course_id, {"name": "Aruzhan", "org": "KZ"}), ports)
    assert [c.id for c in await find_certificates(uow, P_CA_AZ, None, course_id, 100)] == [az.id]
    assert [c.id for c in await find_certificates(uow, P_CA_KZ, [az.id, kz.id], None, 100)] == [kz.id]
    assert (await get_certificate(uow, P_CA_AZ, az.id)).id == az.id
    with pytest.raises(Forbidden):
        await get_certificate(uow, P_CA_AZ, kz.id)


# --- print batches (issue 14 with issue 17's printing) ----------------------------------------------


def test_a_country_admins_print_selection_is_narrowed_to_their_state() -> None:
    from certificates.domain.printing import PrintFilter
    from certificates.service_layer.printing import authorize_print

    assert authorize_print(P_CA_AZ, PrintFilter(course_id="c1")).org == "AZ"
    assert authorize_print(P_CA_AZ, PrintFilter(course_id="c1", org="AZ")).org == "AZ"
    with pytest.raises(Forbidden):
        authorize_print(P_CA_AZ, PrintFilter(course_id="c1", org="KZ"))
    admin = Principal(sub="admin-1", name="Aida Admin", roles=frozenset({Role.ADMIN}))
    assert authorize_print(admin, PrintFilter(course_id="c1")).org is None
    trainer = Principal(sub="t1", name="T", roles=frozenset({Role.TRAINER}), org="AZ")
    with pytest.raises(Forbidden):
        authorize_print(trainer, PrintFilter(course_id="c1", org="AZ"))


def test_a_country_admin_sees_only_the_print_batches_limited_to_their_state() -> None:
    from certificates.domain.printing import PrintBatch, PrintFilter, PrintFormat, PrintStatus
    from certificates.service_layer.printing import authorize_print_read

    def batch(org: str | None) -> PrintBatch:
        return PrintBatch(
            id=uuid.uuid4(),
            format=PrintFormat.PDF,
            status=PrintStatus.QUEUED,
            filter=PrintFilter(course_id="c1", org=org),
            lang="az",
            total=1,
            done=0,
            created_by="admin-1",
            created_at=datetime(2026, 5, 1, tzinfo=UTC),
        )

    authorize_print_read(P_CA_AZ, batch("AZ"))
    for other in ("KZ", None):  # another state's, or an admin's batch of every state
        with pytest.raises(Forbidden):
            authorize_print_read(P_CA_AZ, batch(other))
