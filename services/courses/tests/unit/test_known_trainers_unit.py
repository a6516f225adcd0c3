"""Co-owners only among known trainers, and ownership changes announced at once (issue 13, 7 and 11a)."""

from __future__ import annotations

import pytest

from courses.service_layer import authoring, publishing
from courses.service_layer import commands as cmd
from lms_shared.auth import Principal, Role
from lms_shared.errors import Conflict
from lms_shared.events.catalogue import CourseOwnersChangedV1, CoursePublishedV1

from .fakes import FakeUnitOfWork
from .test_handlers import OWNER, publishable

pytestmark = pytest.mark.unit

TRAINER = Principal(sub="t-co", name="Elif", roles=frozenset({Role.TRAINER}))
ADMIN = Principal(sub="a-9", name="Admin", roles=frozenset({Role.ADMIN}))
LEARNER = Principal(sub="l-9", name="Bakyt", roles=frozenset({Role.LEARNER}))


async def test_a_learner_cannot_be_made_a_co_owner() -> None:
    uow = FakeUnitOfWork()
    course_id, _, _ = await publishable(uow)
    assert not await authoring.remember_trainer(uow, LEARNER)

    with pytest.raises(Conflict, match="has not signed in as a trainer yet"):
        await authoring.add_co_owner(uow, OWNER, course_id, cmd.AddCoOwner(trainer_id=LEARNER.sub))
    with pytest.raises(Conflict, match="ask them to sign in once"):
        await authoring.add_co_owner(uow, OWNER, course_id, cmd.AddCoOwner(trainer_id="never-seen"))
    assert uow.courses.rows[course_id].co_owner_ids == []


async def test_someone_seen_as_trainer_or_admin_can_be_made_a_co_owner() -> None:
    uow = FakeUnitOfWork()
    course_id, _, _ = await publishable(uow)
    assert await authoring.remember_trainer(uow, TRAINER)
    assert await authoring.remember_trainer(uow, ADMIN)

    await authoring.add_co_owner(uow, OWNER, course_id, cmd.AddCoOwner(trainer_id=TRAINER.sub))
    await authoring.add_co_owner(uow, OWNER, course_id, cmd.AddCoOwner(trainer_id=ADMIN.sub))
    assert uow.courses.rows[course_id].co_owner_ids == [TRAINER.sub, ADMIN.sub]


async def test_owners_changed_is_staged_with_a_growing_revision_once_published() -> None:
    uow = FakeUnitOfWork()
    course_id, _, _ = await publishable(uow)
    await authoring.remember_trainer(uow, TRAINER)

    await authoring.add_co_owner(uow, OWNER, course_id, cmd.AddCoOwner(trainer_id=TRAINER.sub))
    assert not [e for e in uow.events if isinstance(e, CourseOwnersChangedV1)], "a draft: course.published says it"
    await publishing.publish_course(uow, OWNER, course_id)
    published = [e for e in uow.events if isinstance(e, CoursePublishedV1)][-1]
    assert (published.co_owner_ids, published.owner_revision) == ([TRAINER.sub], 1)

    await authoring.remove_co_owner(uow, OWNER, course_id, TRAINER.sub)
    await authoring.add_co_owner(uow, OWNER, course_id, cmd.AddCoOwner(trainer_id=TRAINER.sub))
    changes = [e for e in uow.events if isinstance(e, CourseOwnersChangedV1)]
    assert [(e.co_owner_ids, e.revision) for e in changes] == [([], 2), ([TRAINER.sub], 3)]
    assert all(e.owner_id == OWNER.sub and e.course_id == course_id for e in changes)


async def test_a_refused_co_owner_stages_nothing() -> None:
    uow = FakeUnitOfWork()
    course_id, _, _ = await publishable(uow)
    await publishing.publish_course(uow, OWNER, course_id)
    with pytest.raises(Conflict):
        await authoring.add_co_owner(uow, OWNER, course_id, cmd.AddCoOwner(trainer_id=LEARNER.sub))
    assert uow.staged == [] and not [e for e in uow.events if isinstance(e, CourseOwnersChangedV1)]
    assert uow.courses.rows[course_id].owner_revision == 0
