"""Subscriptions over WebSocket (graphql-transport-ws)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Iterator
from typing import Any

import strawberry

from gateway.certificates.types import BulkIssueJob
from gateway.clients import seg
from gateway.context import Info, ctx_of
from lms_shared.auth import Role
from lms_shared.errors import NotFound

TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
# The schema promises a push at least every second while the job runs.
PUSH_INTERVAL_SECONDS = 1.0

# Fields of the bulk.progress event that are also BulkIssueJob fields (same names).
_EVENT_FIELDS = ("status", "total", "issued", "skipped", "failed")


@contextlib.contextmanager
def _no_watch() -> Iterator[asyncio.Queue[dict[str, object]]]:
    yield asyncio.Queue()


async def bulk_issue_progress(info: Info, jobId: strawberry.ID) -> AsyncGenerator[BulkIssueJob, None]:
    """Pushes the job at least every second while it runs, and once when it ends."""
    ctx = ctx_of(info)
    await ctx.require_role(Role.ADMIN)
    path = f"/v1/bulk-jobs/{seg(jobId)}"

    async def read() -> dict[str, Any]:
        job: dict[str, Any] | None = await ctx.state.clients.certificates.request("GET", path, token=ctx.token)
        if not job:
            raise NotFound("No bulk issuance job has this id.")
        return job

    hub = ctx.state.hub
    # Watch before the first read, so an event published in between is not lost.
    with hub.watch(str(jobId)) if hub is not None else _no_watch() as events:
        job = await read()
        yield job  # type: ignore[misc]
        while job.get("status") not in TERMINAL:
            try:
                event = await asyncio.wait_for(events.get(), timeout=PUSH_INTERVAL_SECONDS)
            except TimeoutError:
                job = await read()
            else:
                job = {**job, **{k: event[k] for k in _EVENT_FIELDS if k in event}}
                if job.get("status") in TERMINAL:
                    # The final push carries everything: finishedAt and the failures list.
                    job = await read()
            yield job  # type: ignore[misc]
