"""The national report's inputs and the learner directory's cursor (domain/national.py), no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from lms_shared.auth import Principal, Role
from lms_shared.errors import BadInput, Forbidden
from lms_shared.text import fold_search, search_words
from progress.domain.national import Dimension, LearnerCursor, ReportQuery, month_of, page_size
from progress.service_layer import national
from services.progress.tests.unit.fakes import FakeUnitOfWork, FakeVersionCache

pytestmark = pytest.mark.unit


def test_months_are_utc_calendar_months() -> None:
    # 00:30 on 1 May in Baku (UTC+4) is still April in UTC.
    baku = timezone(timedelta(hours=4))
    assert month_of(datetime(2026, 5, 1, 0, 30, tzinfo=baku)) == date(2026, 4, 1)
    assert month_of(datetime(2026, 5, 31, 23, 59, tzinfo=UTC)) == date(2026, 5, 1)
    assert month_of(datetime(2026, 5, 31, 23, 59)) == date(2026, 5, 1)  # naive = UTC


def test_query_parses_dimensions_once_and_refuses_bad_ones() -> None:
    q = ReportQuery.parse(["org", "MONTH", "ORG"], "AZ", None, datetime(2026, 1, 15, tzinfo=UTC), None)
    assert q.group_by == (Dimension.ORG, Dimension.MONTH)
    assert q.from_month == date(2026, 1, 1) and q.to_month is None
    assert not q.course_fixed_per_row
    assert ReportQuery.parse(["COURSE"], None, None, None, None).course_fixed_per_row
    assert ReportQuery.parse([], None, "c1", None, None).course_fixed_per_row
    with pytest.raises(BadInput, match="CITY"):
        ReportQuery.parse(["CITY"], None, None, None, None)
    with pytest.raises(BadInput, match="before"):
        ReportQuery.parse([], None, None, datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    with pytest.raises(BadInput, match="240"):
        ReportQuery.parse([], None, None, datetime(2000, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert ReportQuery.from_json(q.as_json()) == q


def test_cursor_round_trip_and_garbage() -> None:
    c = LearnerCursor("ilkin memmedov", "u-1")
    assert LearnerCursor.decode(c.encode()) == c
    for bad in ("not-a-cursor", "", "W10", "e30"):
        with pytest.raises(BadInput, match="cursor"):
            LearnerCursor.decode(bad)
    assert page_size(None) == 50
    for bad_size in (0, 201, -1):
        with pytest.raises(BadInput):
            page_size(bad_size)


def test_turkic_folding_meets_every_spelling() -> None:
    spellings = ["İlkin Məmmədov", "ILKIN MEMMEDOV", "ılkın məmmədov", "Ilkin Mammadov"]
    assert {fold_search(s) for s in spellings[:3]} == {"ilkin memmedov"}
    assert search_words("  ILKIN   Məmm ") == ["ilkin", "memm"]
    assert fold_search("Oʻktam Gʻulomov") == "oktam gulomov"


async def test_report_scope_is_refused_before_any_read() -> None:
    uow = FakeUnitOfWork()
    q = ReportQuery.parse(["ORG"], "KZ", None, None, None)
    ca = Principal("ca", "CA", frozenset({Role.COUNTRY_ADMIN}), org="AZ")
    for who in (ca, Principal("t", "T", frozenset({Role.TRAINER})), Principal("l", "L", frozenset({Role.LEARNER}))):
        with pytest.raises(Forbidden):
            await national.national_report(uow, who, q)
        with pytest.raises(Forbidden):
            await national.create_export(uow, who, q)
    with pytest.raises(Forbidden):
        await national.learners(uow, Principal("l", "L", frozenset({Role.LEARNER})), FakeVersionCache())
    with pytest.raises(Forbidden):
        await national.learners(uow, ca, FakeVersionCache(), org="KZ")
    assert not uow.committed
