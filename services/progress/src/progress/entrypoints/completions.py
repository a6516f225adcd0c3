"""Group commit of ``completeLesson``: completions arriving together share one transaction.

``completeLesson`` is the platform's hottest write, and most of its cost was per transaction, not per
lesson: BEGIN, the lock, the read, the write and COMMIT are five round trips, each with its share of
SQLAlchemy, asyncpg and Postgres CPU. Here a request joins the queue; while fewer than
``max_groups`` groups are running, the next group takes up to ``max_group`` waiting requests (each
enrolment at most once: a second request for the same enrolment waits for a later group, and the
row lock orders them as before) and runs ``learning.complete_lessons``: one statement locks every
enrolment of the group in id order, one reads them, one writes every lesson, completion and outbox
row with one NOTIFY, one COMMIT. Nothing waits for a timer: a request alone, or one arriving while
a group slot is free, runs at once, so a quiet service answers as fast as before and groups only
form under load, from the requests that queued while the others ran.

Nothing is answered before it is committed: a request's answer is set after its group's COMMIT.
A process dying mid-group has answered nobody in it, and every client retries (completion is
idempotent). One member cannot fail the others:

* a member the group does not handle (not the caller's own enrolment, a course version not cached,
  an unknown enrolment) runs alone through ``learning.complete_lesson``, which decides it exactly as
  the route always did (NOT_FOUND, FORBIDDEN …);
* a member whose request is refused (a quiz lesson, a withdrawn enrolment …) gets its error and
  writes nothing; the others commit;
* a group whose transaction fails (a deadlock with another route, a constraint, a lost connection)
  is rolled back whole and each member then runs alone, in a transaction of its own.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from lms_shared.auth import Principal
from lms_shared.errors import DomainError
from lms_shared.logging import get_logger
from progress.service_layer import learning
from progress.service_layer.access import EnrollmentDetails
from progress.service_layer.ports import CourseVersionCache
from progress.service_layer.unit_of_work import ProgressUnitOfWork

log = get_logger(__name__)

MAX_GROUP = 64
"""Requests in one transaction at most (the benchmark keeps 64 in flight)."""
MAX_GROUPS = 2
"""Groups in flight at once: one commits while the next one forms."""


@dataclass
class _Member:
    request: learning.LessonRequest
    answer: asyncio.Future[EnrollmentDetails]


class CompletionGroups:
    """The queue of one process's lesson completions and the groups that commit them."""

    def __init__(
        self,
        uow: Callable[[], AbstractAsyncContextManager[ProgressUnitOfWork]],
        versions: CourseVersionCache,
        *,
        max_group: int = MAX_GROUP,
        max_groups: int = MAX_GROUPS,
    ) -> None:
        self._uow = uow
        self._versions = versions
        self._max_group = max_group
        self._max_groups = max_groups
        self._waiting: deque[_Member] = deque()
        self._running: set[asyncio.Task[None]] = set()
        self.groups = 0
        """Groups of two or more committed together (for tests and the benchmark)."""

    async def complete(self, principal: Principal, enrollment_id: str, lesson_id: str) -> EnrollmentDetails:
        """``learning.complete_lesson`` for this request, committed with whichever others are waiting."""
        answer: asyncio.Future[EnrollmentDetails] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Member(learning.LessonRequest(principal, enrollment_id, lesson_id), answer))
        self._start()
        return await answer

    def _start(self) -> None:
        while self._waiting and len(self._running) < self._max_groups:
            task = asyncio.create_task(self._run(self._take()))
            self._running.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._start()

    def _take(self) -> list[_Member]:
        group: list[_Member] = []
        seen: set[str] = set()
        later: list[_Member] = []
        while self._waiting and len(group) < self._max_group:
            member = self._waiting.popleft()
            if member.answer.done():  # its caller went away before it ran
                continue
            if member.request.enrollment_id in seen:
                later.append(member)
            else:
                seen.add(member.request.enrollment_id)
                group.append(member)
        self._waiting.extendleft(reversed(later))
        return group

    async def _run(self, group: list[_Member]) -> None:
        try:
            answers: list[EnrollmentDetails | DomainError | learning.Alone]
            if len(group) == 1:
                answers = [learning.ALONE]  # alone: the statements of the route before group commit
            else:
                try:
                    async with self._uow() as uow:
                        answers = await learning.complete_lessons(uow, [m.request for m in group], self._versions)
                    self.groups += 1
                except Exception as exc:  # noqa: BLE001 - rolled back whole; each member runs alone
                    log.warning("completions.group_failed", members=len(group), error=repr(exc))
                    answers = [learning.ALONE] * len(group)
            await asyncio.gather(*(self._answer(m, a) for m, a in zip(group, answers, strict=True)))
        finally:
            for member in group:  # cancelled (shutdown): nobody waits for an answer that will not come
                if not member.answer.done():
                    member.answer.set_exception(RuntimeError("the progress service is stopping"))

    async def _answer(self, member: _Member, answer: EnrollmentDetails | DomainError | learning.Alone) -> None:
        if isinstance(answer, learning.Alone):
            request = member.request
            try:
                async with self._uow() as uow:
                    answer = await learning.complete_lesson(
                        uow, request.principal, request.enrollment_id, request.lesson_id, self._versions
                    )
            except Exception as exc:  # noqa: BLE001 - the caller's route raises it, as before
                if not member.answer.done():
                    member.answer.set_exception(exc)
                return
        if member.answer.done():
            return
        if isinstance(answer, DomainError):
            member.answer.set_exception(answer)
        else:
            member.answer.set_result(answer)
