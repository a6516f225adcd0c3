"""What the progress service knows of a live session: who attended, and the join link for the viewer.

The LiveSession type (gateway/courses/types.py) resolves ``attended`` and ``onlineUrl`` through these
two functions; the progress service decides both (attendance records, the viewer's enrolment status).
"""

from __future__ import annotations

from gateway.context import Info


async def attended_count(info: Info, course_id: str, lesson_id: str) -> int:
    """Learners present at the session (checked in, or marked present by a trainer)."""
    raise NotImplementedError("issue 15: attendance is being built")


async def join_link(info: Info, course_id: str, lesson_id: str) -> str | None:
    """The session's online link, for ACTIVE enrolled learners, trainers of the course and admins only."""
    raise NotImplementedError("issue 15: attendance is being built")
