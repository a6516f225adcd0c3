"""course.owners_changed reaches progress at once, and no late event restores a removed co-owner (issue 13, 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest

from lms_shared.auth import Principal, Role
from lms_shared.errors import Forbidden
from lms_shared.events.catalogue import CourseOwnersChangedV1, CoursePublishedV1
from progress.bootstrap import Container
from progress.entrypoints.consumers import build_consumers
from progress.service_layer import events, reports

from .fakes import FakeUnitOfWork

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CO = Principal(sub="trainer-co", name="Elif", roles=frozenset({Role.TRAINER}))
OWNER = Principal(sub="trainer-owner", name="Aygün", roles=frozenset({Role.TRAINER}))


def published(version: int, co_owners: list[str], owner_revision: int | None) -> CoursePublishedV1:
    data: dict[str, Any] = {
        "course_id": "budget",
        "version": version,
        "slug": "budget",
        "owner_id": OWNER.sub,
        "co_owner_ids": co_owners,
        "default_language": "az",
        "languages": ["az"],
        "titles": {"az": "Büdcə"},
        "modules": [{"id": "m1", "position": 1, "titles": {"az": "Giriş"}, "lessons": []}],
        "published_at": T0 + timedelta(minutes=version),
    }
    if owner_revision is not None:  # None: an event of minor 0, from before owner revisions
        data["owner_revision"] = owner_revision
    return CoursePublishedV1.model_validate(data)


def owners_changed(co_owners: list[str], revision: int) -> CourseOwnersChangedV1:
    return CourseOwnersChangedV1(
        course_id="budget",
        owner_id=OWNER.sub,
        co_owner_ids=co_owners,
        revision=revision,
        changed_at=T0 + timedelta(hours=revision),
    )


async def apply(uow: FakeUnitOfWork, event: CoursePublishedV1 | CourseOwnersChangedV1) -> None:
    if isinstance(event, CoursePublishedV1):
        await events.on_course_published(uow, event, event.envelope())  # type: ignore[arg-type]
    else:
        await events.on_course_owners_changed(uow, event, event.envelope())  # type: ignore[arg-type]


async def co_owner_may_read_stats(uow: FakeUnitOfWork) -> bool:
    try:
        await reports.course_stats(uow, CO, "budget")  # type: ignore[arg-type]
    except Forbidden:
        return False
    return True


def test_the_courses_consumer_applies_owners_changed() -> None:
    container = SimpleNamespace(
        runtime=SimpleNamespace(js=object()), uow=FakeUnitOfWork, inbox=None, settings=SimpleNamespace(max_deliveries=5)
    )
    wired = {t: h for c in build_consumers(cast(Container, container)) for t, (_, h) in c._handlers.items()}
    assert wired[CourseOwnersChangedV1.TYPE] is events.on_course_owners_changed


async def test_a_removed_co_owner_loses_the_reports_at_once() -> None:
    uow = FakeUnitOfWork()
    await apply(uow, published(1, [CO.sub], owner_revision=1))
    assert await co_owner_may_read_stats(uow)
    await apply(uow, owners_changed([], revision=2))
    assert not await co_owner_may_read_stats(uow)


async def test_an_older_owners_changed_does_not_restore_a_removed_co_owner() -> None:
    uow = FakeUnitOfWork()
    await apply(uow, published(1, [], owner_revision=0))
    await apply(uow, owners_changed([], revision=3))  # removed
    await apply(uow, owners_changed([CO.sub], revision=2))  # added before, delivered late
    assert not await co_owner_may_read_stats(uow)


@pytest.mark.parametrize("late_revision", [1, None])
async def test_an_older_course_published_does_not_restore_a_removed_co_owner(late_revision: int | None) -> None:
    uow = FakeUnitOfWork()
    await apply(uow, published(1, [CO.sub], owner_revision=1))
    await apply(uow, owners_changed([], revision=2))
    # Published again with the co-owner still there, delivered after the removal: a newer version,
    # but an older ownership revision (or none at all, from a producer of minor 0 replayed).
    await apply(uow, published(2, [CO.sub], owner_revision=late_revision if late_revision is not None else 0))
    assert not await co_owner_may_read_stats(uow)
    assert (await uow.courses.get("budget")).current_version == 2  # type: ignore[union-attr]


async def test_owners_changed_before_the_course_is_known_is_kept_for_its_course_published() -> None:
    uow = FakeUnitOfWork()
    await apply(uow, owners_changed([], revision=2))
    await apply(uow, published(1, [CO.sub], owner_revision=1))
    assert not await co_owner_may_read_stats(uow)
    await apply(uow, owners_changed([CO.sub], revision=3))
    assert await co_owner_may_read_stats(uow)
