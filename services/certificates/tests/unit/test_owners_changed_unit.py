"""course.owners_changed reaches certificates at once; no late event restores a removed co-owner (issue 13, 7)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest

from certificates.bootstrap import Container
from certificates.entrypoints.consumers import build_consumers
from certificates.service_layer import issuing, ownership
from lms_shared.auth import Principal, Role
from lms_shared.errors import Forbidden
from lms_shared.events.catalogue import CourseOwnersChangedV1, CoursePublishedV1
from lms_shared.faults import is_transient

from .fakes import FakeUnitOfWork, Tables, fake_ports

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
OWNER = "trainer-owner"
CO = Principal(sub="trainer-co", name="Elif", roles=frozenset({Role.TRAINER}))


def published(version: int, co_owners: list[str], owner_revision: int) -> CoursePublishedV1:
    return CoursePublishedV1.model_validate(
        {
            "course_id": "budget",
            "version": version,
            "slug": "budget",
            "owner_id": OWNER,
            "co_owner_ids": co_owners,
            "default_language": "az",
            "languages": ["az"],
            "titles": {"az": "Büdcə"},
            "modules": [],
            "published_at": T0 + timedelta(minutes=version),
            "owner_revision": owner_revision,
        }
    )


def owners_changed(co_owners: list[str], revision: int) -> CourseOwnersChangedV1:
    return CourseOwnersChangedV1(
        course_id="budget", owner_id=OWNER, co_owner_ids=co_owners, revision=revision, changed_at=T0
    )


async def deliver(tables: Tables, event: CoursePublishedV1 | CourseOwnersChangedV1) -> None:
    """One delivery through the handler the certificates-courses consumer wires, committed."""
    async with FakeUnitOfWork(tables) as uow:
        if isinstance(event, CoursePublishedV1):
            await ownership.on_course_published(uow, event, event.envelope(), ports=fake_ports())  # type: ignore[arg-type]
        else:
            await ownership.on_course_owners_changed(uow, event, event.envelope())  # type: ignore[arg-type]
        await uow.commit()


async def co_owner_may_list_failures(tables: Tables) -> bool:
    async with FakeUnitOfWork(tables) as uow:
        try:
            await issuing.list_auto_issue_failures(uow, CO, "budget", include_resolved=False, limit=10)  # type: ignore[arg-type]
        except Forbidden:
            return False
    return True


def test_the_courses_consumer_routes_both_events_through_ownership() -> None:
    container = SimpleNamespace(
        runtime=SimpleNamespace(js=object()),
        uow=FakeUnitOfWork,
        inbox=None,
        ports=fake_ports(),
        settings=SimpleNamespace(max_deliveries=5),
    )
    wired: dict[str, Any] = {
        t: h for c in build_consumers(cast(Container, container)) for t, (_, h) in c._handlers.items()
    }
    assert wired[CourseOwnersChangedV1.TYPE] is ownership.on_course_owners_changed
    published_handler = wired[CoursePublishedV1.TYPE]
    assert isinstance(published_handler, functools.partial) and published_handler.func is ownership.on_course_published


async def test_a_removed_co_owner_loses_the_course_at_once() -> None:
    tables = Tables()
    await deliver(tables, published(1, [CO.sub], owner_revision=1))
    assert await co_owner_may_list_failures(tables)
    await deliver(tables, owners_changed([], revision=2))
    assert not await co_owner_may_list_failures(tables)
    assert tables.owner_revisions["budget"] == 2


async def test_an_older_owners_changed_does_not_restore_a_removed_co_owner() -> None:
    tables = Tables()
    await deliver(tables, published(1, [], owner_revision=0))
    await deliver(tables, owners_changed([], revision=3))
    await deliver(tables, owners_changed([CO.sub], revision=2))
    assert not await co_owner_may_list_failures(tables)


async def test_a_newer_version_with_an_older_ownership_revision_keeps_the_newer_owners() -> None:
    tables = Tables()
    await deliver(tables, published(1, [CO.sub], owner_revision=1))
    await deliver(tables, owners_changed([], revision=2))
    await deliver(tables, published(2, [CO.sub], owner_revision=1))  # published before the removal, late
    assert not await co_owner_may_list_failures(tables)
    assert tables.courses["budget"].version == 2, "the version itself is still stored"
    await deliver(tables, published(3, [CO.sub], owner_revision=3))  # added again, then published
    assert await co_owner_may_list_failures(tables)


async def test_owners_changed_before_its_course_is_retried_not_dropped() -> None:
    tables = Tables()
    with pytest.raises(ownership.CourseNotKnownYet) as raised:
        await deliver(tables, owners_changed([], revision=2))
    assert is_transient(raised.value), "the consumer retries it instead of parking it"
    await deliver(tables, published(1, [CO.sub], owner_revision=1))
    await deliver(tables, owners_changed([], revision=2))  # the retry, after course.published
    assert not await co_owner_may_list_failures(tables)
