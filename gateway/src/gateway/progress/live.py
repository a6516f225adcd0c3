"""What the progress service knows of a live session: who attended, and the join link for the viewer.

The LiveSession type (gateway/courses/live_types.py) resolves ``attended`` and ``onlineUrl`` through
these two functions; the progress service decides both (attendance records, the viewer's enrolment
status), answering every LIVE lesson of a course in one call, made once per course and request.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from strawberry.dataloader import DataLoader

from gateway.clients import seg
from gateway.context import Context, Info, ctx_of

Json = dict[str, Any]
_LOADERS: WeakKeyDictionary[Context, DataLoader[str, dict[str, Json]]] = WeakKeyDictionary()


def _loader(ctx: Context) -> DataLoader[str, dict[str, Json]]:
    loader = _LOADERS.get(ctx)
    if loader is None:

        async def load(course_ids: list[str]) -> list[dict[str, Json]]:
            out: list[dict[str, Json]] = []
            for course_id in course_ids:
                body = await ctx.state.clients.progress.request(
                    "GET", f"/v1/courses/{seg(course_id)}/live", token=ctx.token
                )
                out.append({str(n["lessonId"]): n for n in body.get("nodes") or []})
            return out

        loader = _LOADERS[ctx] = DataLoader(load_fn=load)
    return loader


async def _session(info: Info, course_id: str, lesson_id: str) -> Json:
    sessions = await _loader(ctx_of(info)).load(course_id)
    return sessions.get(lesson_id) or {}


async def attended_count(info: Info, course_id: str, lesson_id: str) -> int:
    """Learners present at the session (checked in, or marked present by a trainer)."""
    return int((await _session(info, course_id, lesson_id)).get("attended") or 0)


async def join_link(info: Info, course_id: str, lesson_id: str) -> str | None:
    """The session's online link, for ACTIVE enrolled learners, trainers of the course and admins only."""
    url = (await _session(info, course_id, lesson_id)).get("onlineUrl")
    return str(url) if url else None
