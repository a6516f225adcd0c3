"""Finding certificates (issue 18, item 4) in the service layer, on fakes: filters, scope, refusals.

The SQL side (keyset paging, the stored key, the migration's backfill) is in
tests/integration/test_search.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from certificates.domain.codes import code_search_prefixes, generate_code
from certificates.domain.search import holder_name_key
from certificates.service_layer.issuing import Actor, IssueCertificate, issue_certificate
from certificates.service_layer.verification import search_certificates
from lms_shared.auth import Principal, Role
from lms_shared.errors import BadInput, Forbidden

from .fakes import FakeUnitOfWork, course, fake_ports

pytestmark = pytest.mark.unit

ADMIN = Actor("admin-1", "Aida Admin")
P_ADMIN = Principal(sub="admin-1", name="Aida Admin", roles=frozenset({Role.ADMIN}))
P_CA_AZ = Principal(sub="ca-az", name="Nigar", roles=frozenset({Role.COUNTRY_ADMIN}), org="AZ")
P_TRAINER = Principal(sub="trainer-1", name="Timur", roles=frozenset({Role.TRAINER}))
P_LEARNER = Principal(sub="l-1", name="Leyla", roles=frozenset({Role.LEARNER}))


def test_the_key_reads_schwa_both_ways_and_folds_turkic_letters() -> None:
    key = holder_name_key("Əliyev İsmayıl")
    assert "eliyev" in key and "aliyev" in key and "ismayil" in key


def test_code_prefixes_fold_case_spaces_and_cyrillic() -> None:
    code = generate_code()
    assert code_search_prefixes(code.lower().replace("-", " ")) == [code]
    assert code_search_prefixes(f"  {code[3:7].lower()} ") == [f"KB-{code[3:7]}-"]
    assert "KB-7QX4-M" in (code_search_prefixes("кв 7qx4 м") or [])  # Cyrillic К, В, М
    assert code_search_prefixes("KB-0O1I") is None
    assert code_search_prefixes("   ") == []


async def given(uow: FakeUnitOfWork, people: list[dict[str, Any]], course_id: str = "course-1") -> list[str]:
    c = course(course_id)
    uow.tables.courses[c.id] = c
    uow.work.courses[c.id] = c
    codes = []
    for person in people:
        cert, _ = await issue_certificate(uow, ADMIN, IssueCertificate(course_id, person), fake_ports())
        codes.append(cert.code)
    return codes


async def test_a_name_typed_eliyev_or_aliyev_finds_the_schwa_spelling() -> None:
    uow = FakeUnitOfWork()
    await given(uow, [{"name": "Leyla Əliyeva"}, {"name": "Aruzhan Omarova"}])
    for typed in ("eliyeva", "Aliyeva", "ƏLİYEVA leyla"):
        page = await search_certificates(uow, P_ADMIN, name=typed)
        assert [c.learner_name for c in page.nodes] == ["Leyla Əliyeva"], typed
    assert (await search_certificates(uow, P_ADMIN, name="leyla omarova")).total_count == 0  # every word


async def test_an_existing_code_typed_in_lower_case_with_spaces_is_found_across_courses() -> None:
    uow = FakeUnitOfWork()
    await given(uow, [{"name": "A One"}], "course-1")
    codes = await given(uow, [{"name": "B Two"}], "course-2")
    page = await search_certificates(uow, P_ADMIN, code=codes[0].lower().replace("-", " "))
    assert [c.code for c in page.nodes] == codes and page.nodes[0].course_id == "course-2"


async def test_filters_combine_and_pages_follow_the_cursor() -> None:
    uow = FakeUnitOfWork()
    await given(uow, [{"name": f"Person {i}"} for i in range(5)])
    await given(uow, [{"name": "Person 9"}], "course-2")
    seen: list[str] = []
    after = None
    while True:
        page = await search_certificates(uow, P_ADMIN, course_id="course-1", first=2, after=after)
        assert page.total_count == 5
        seen += [c.code for c in page.nodes]
        if not page.has_next_page:
            break
        after = page.end_cursor
    assert len(seen) == len(set(seen)) == 5
    assert (await search_certificates(uow, P_ADMIN, status="REVOKED")).total_count == 0


async def test_a_country_admin_sees_only_their_state() -> None:
    uow = FakeUnitOfWork()
    await given(uow, [{"name": "Leyla", "org": "AZ"}, {"name": "Aruzhan", "org": "KZ"}])
    page = await search_certificates(uow, P_CA_AZ)
    assert [c.learner_name for c in page.nodes] == ["Leyla"] and page.total_count == 1


@pytest.mark.parametrize("who", [P_TRAINER, P_LEARNER])
async def test_trainers_and_learners_are_refused(who: Principal) -> None:
    with pytest.raises(Forbidden):
        await search_certificates(FakeUnitOfWork(), who, name="x")


@pytest.mark.parametrize(
    "args",
    [{"first": 0}, {"first": 201}, {"status": "LOST"}, {"code": "KB-0000"}, {"name": "x" * 201}],
)
async def test_bad_input_is_a_clear_error(args: dict[str, Any]) -> None:
    with pytest.raises(BadInput):
        await search_certificates(FakeUnitOfWork(), P_ADMIN, **args)
