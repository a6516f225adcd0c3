"""In-process admission of enrolments per course, so that a rush on one course never drains the pool.

Seats are decided under the course's row lock in PostgreSQL (service_layer/registration.py): that
lock is what makes 500 simultaneous registrations for 100 seats give exactly 100. Requests waiting
for it hold a database connection each, though, and a few hundred of them at once would take every
connection of the pool (and time out waiting for one), for every other route too. So each process
lets at most ``PER_COURSE`` enrolment requests of one course reach the database at a time; the
others wait here, in memory, holding nothing. Courses without a seat limit pass as freely as before
up to that number, and other courses are not affected at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

PER_COURSE = 4


class CourseGates:
    def __init__(self, per_course: int = PER_COURSE) -> None:
        self.per_course = per_course
        self._gates: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def admit(self, course_id: str) -> AsyncIterator[None]:
        gate, users = self._gates.get(course_id, (asyncio.Semaphore(self.per_course), 0))
        self._gates[course_id] = (gate, users + 1)
        try:
            async with gate:
                yield
        finally:
            gate, users = self._gates[course_id]
            if users <= 1:
                del self._gates[course_id]
            else:
                self._gates[course_id] = (gate, users - 1)


GATES = CourseGates()
