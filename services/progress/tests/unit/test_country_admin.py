"""A country admin's scope in the progress service layer (issue 14), on fakes.

The same rules run through the real service in tests/integration/test_country_admin.py.
"""

from __future__ import annotations

import pytest

from lms_shared.auth import Principal, Role
from lms_shared.errors import Forbidden, NotFound
from lms_shared.events.catalogue import EnrollmentCreatedV1
from progress.domain.model import CohortMember
from progress.domain.scope import cohort_in_country
from progress.service_layer import enrolling, reports
from services.progress.tests.unit.fakes import FakeVersionCache
from services.progress.tests.unit.test_handlers import ADMIN, TRAINER, published

pytestmark = pytest.mark.unit

CA_AZ = Principal(sub="ca-az", name="Nigar Babayeva", roles=frozenset({Role.COUNTRY_ADMIN}), org="AZ")
CA_KZ = Principal(sub="ca-kz", name="Dana Omarova", roles=frozenset({Role.COUNTRY_ADMIN}), org="KZ")
# A country admin whose token had no org: from_claims drops the role; built by hand, it is still no country admin.
CA_NONE = Principal(sub="ca-x", name="Nobody", roles=frozenset({Role.COUNTRY_ADMIN}))


def learner(sub: str, org: str | None) -> Principal:
    return Principal(sub=sub, name=f"Learner {sub}", roles=frozenset({Role.LEARNER}), org=org)


# --- the rule itself -------------------------------------------------------------------------------


def test_the_cohort_rule_own_state_other_state_no_org_and_signed_in_state() -> None:
    members = [
        CohortMember("m-az", "Leyla", org="AZ"),
        CohortMember("m-az-lower", "Rauf", org="az"),
        CohortMember("m-kz", "Aruzhan", org="KZ"),
        CohortMember("m-none", "Samir"),
        CohortMember("m-signed-kz", "Erlan", org="AZ"),
        CohortMember("m-signed-none", "Dana"),
    ]
    accepted, failures = cohort_in_country(members, "AZ", {"m-signed-kz": "KZ", "m-signed-none": None})
    assert [(m.learner_id, m.org) for m in accepted] == [("m-az", "AZ"), ("m-az-lower", "AZ"), ("m-none", "AZ")]
    assert [f.recipient for f in failures] == ["m-kz", "m-signed-kz", "m-signed-none"]
    assert "another member state" in failures[0].reason
    assert "signed in as a learner of KZ" in failures[1].reason
    assert "without a member state" in failures[2].reason


# --- cohorts through the service layer --------------------------------------------------------------


async def test_a_country_admin_enrols_their_states_members_in_any_published_course() -> None:
    uow, versions = published(), FakeVersionCache()
    # m-kz enrolled themselves elsewhere with a KZ token: the cohort row cannot make them AZ's.
    await enrolling.enroll(uow, learner("m-kz-self", "KZ"), "c1", versions)
    members = [
        {"learnerId": "m1", "name": "Leyla Əliyeva", "org": "AZ"},
        {"learnerId": "m2", "name": "Aruzhan Seitkali", "org": "KZ"},
        {"learnerId": "m3", "name": "Rauf Hüseynov"},
        {"learnerId": "m-kz-self", "name": "Erlan Nurlanov", "org": "AZ"},
    ]
    result = await enrolling.enroll_cohort(uow, CA_AZ, "c1", members)
    assert result.enrolled == 2
    assert sorted(f.recipient for f in result.failures) == ["m-kz-self", "m2"]
    created = {e.learner.id: e.learner.org for e in uow.committed_of(EnrollmentCreatedV1) if e.via == "cohort"}
    assert created == {"m1": "AZ", "m3": "AZ"}


async def test_a_country_admin_never_enrols_themselves_and_an_unknown_course_is_not_found() -> None:
    uow = published()
    result = await enrolling.enroll_cohort(uow, CA_AZ, "c1", [{"learnerId": "ca-az", "name": "Nigar", "org": "AZ"}])
    assert result.enrolled == 0 and result.failures[0].recipient == "ca-az"
    with pytest.raises(NotFound):
        await enrolling.enroll_cohort(uow, CA_AZ, "unknown", [{"learnerId": "m1", "name": "A"}])


async def test_a_country_admin_token_without_org_has_no_cohort_rights() -> None:
    uow = published()
    with pytest.raises(Forbidden):
        await enrolling.enroll_cohort(uow, CA_NONE, "c1", [{"learnerId": "m1", "name": "A"}])


async def test_the_trainer_and_the_admin_keep_enrolling_every_state() -> None:
    uow = published()
    members = [{"learnerId": "m1", "name": "A", "org": "KZ"}, {"learnerId": "m2", "name": "B"}]
    assert (await enrolling.enroll_cohort(uow, TRAINER, "c1", members)).enrolled == 2
    assert (await enrolling.enroll_cohort(uow, ADMIN, "c1", [{"learnerId": "m3", "name": "C", "org": "UZ"}])).enrolled


# --- stats and reports ----------------------------------------------------------------------------------


async def test_stats_and_report_of_a_country_admin_are_their_states_only() -> None:
    uow, versions = published(), FakeVersionCache()
    for sub, org in (("l-az-1", "AZ"), ("l-az-2", "AZ"), ("l-kz", "KZ"), ("l-none", None)):
        await enrolling.enroll(uow, learner(sub, org), "c1", versions)

    az = await reports.course_stats(uow, CA_AZ, "c1")
    assert az.enrolled == 2 and [g.key for g in az.by_org] == ["AZ"]
    assert (await reports.course_stats(uow, CA_AZ, "c1", "AZ")).enrolled == 2
    kz = await reports.course_stats(uow, CA_KZ, "c1")
    assert kz.enrolled == 1 and [g.key for g in kz.by_org] == ["KZ"]
    # Another state is FORBIDDEN, never an empty answer.
    with pytest.raises(Forbidden, match="may not read KZ"):
        await reports.course_stats(uow, CA_AZ, "c1", "KZ")
    with pytest.raises(Forbidden):
        await reports.course_report(uow, CA_AZ, "c1", versions, "KZ")
    assert [d.row.learner_id for d in await reports.course_report(uow, CA_AZ, "c1", versions)] == ["l-az-1", "l-az-2"]
    # Admins and the course's trainers keep every state, or one when asked.
    assert (await reports.course_stats(uow, ADMIN, "c1")).enrolled == 4
    assert (await reports.course_stats(uow, ADMIN, "c1", "KZ")).enrolled == 1
    assert (await reports.course_stats(uow, TRAINER, "c1")).enrolled == 4
    with pytest.raises(Forbidden):
        await reports.course_stats(uow, CA_NONE, "c1")


async def test_a_country_admin_sees_their_states_enrolments_only() -> None:
    uow, versions = published(), FakeVersionCache()
    az, _ = await enrolling.enroll(uow, learner("l-az", "AZ"), "c1", versions)
    kz, _ = await enrolling.enroll(uow, learner("l-kz", "KZ"), "c1", versions)
    assert (await enrolling.get_enrollment(uow, CA_AZ, az.row.id, versions)).row.learner_id == "l-az"
    with pytest.raises(NotFound):
        await enrolling.get_enrollment(uow, CA_AZ, kz.row.id, versions)
