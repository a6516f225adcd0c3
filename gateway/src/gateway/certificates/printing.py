"""Print batches (addition, issue 17 item 7): a ceremony's certificates as one merged PDF or a ZIP of PDFs.

Backed by the certificates service's ``/v1/print-batches`` routes; the service authorizes every call
again. The file's link is never stored in a page: ``downloadUrl`` asks the service for a fresh,
short-lived link each time it is selected, so a client asks for it when the admin clicks.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from gateway.clients import seg
from gateway.context import Info, ctx_of
from gateway.types import DateTime, Json
from lms_shared.errors import DomainError, ErrorCode


@strawberry.enum(description="Addition: the file a print batch produces.")
class PrintFormat(Enum):
    PDF = "PDF"
    ZIP = "ZIP"


@strawberry.enum(description="Addition: where a print batch is.")
class PrintBatchStatus(Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@strawberry.input(
    description="Addition: which certificates to print (valid ones only): a finished bulk job's, or a course's,"
    " optionally of one member state and issued in a date range."
)
class PrintBatchInput:
    format: PrintFormat = strawberry.field(description="PDF: one merged file; ZIP: one PDF per learner.")
    jobId: strawberry.ID | None = strawberry.field(default=None, description="A finished bulk issue job.")
    courseId: strawberry.ID | None = strawberry.field(default=None, description="Or a course.")
    org: str | None = strawberry.field(default=None, description="Only this member state (ISO 3166 alpha-2).")
    issuedFrom: DateTime | None = strawberry.field(default=None, description="Issued at or after this moment.")
    issuedTo: DateTime | None = strawberry.field(default=None, description="Issued before this moment.")
    lang: str | None = strawberry.field(
        default=None,
        description="The alphabetical order to follow (e.g. tr, kk); by default the language most certificates are in.",
    )


async def print_batch_download_url(root: strawberry.Parent[Json], info: Info) -> str | None:
    """A fresh presigned link (a few minutes) once the batch is COMPLETED; null before."""
    if root.get("status") != "COMPLETED":
        return None
    ctx = ctx_of(info)
    body: Json = await ctx.state.clients.certificates.request(
        "GET", f"/v1/print-batches/{seg(root['id'])}/download", token=ctx.token
    )
    url: str = body["url"]
    return url


@strawberry.type(description="Addition: a ceremony's certificates being written into one file by the workers.")
class PrintBatch:
    id: strawberry.ID = strawberry.field(description="Print batch id.")
    status: PrintBatchStatus = strawberry.field(description="Where the batch is.")
    format: PrintFormat = strawberry.field(description="PDF or ZIP.")
    lang: str = strawberry.field(description="The language whose alphabetical order the batch follows.")
    total: int = strawberry.field(description="Certificates in the batch.")
    done: int = strawberry.field(description="Certificates written so far by the current attempt.")
    progress: float = strawberry.field(description="done / total, from 0 to 1.")
    error: str | None = strawberry.field(
        description="Why a FAILED batch stopped (a failure that repeated); retryPrintBatch queues it again."
    )
    waitingReason: str | None = strawberry.field(
        description="Why the batch waits (e.g. the object store is away); it carries on by itself."
    )
    size: int | None = strawberry.field(description="Bytes of the finished file.")
    createdAt: DateTime = strawberry.field(description="When the batch was started.")
    finishedAt: DateTime | None = strawberry.field(description="When it completed or was parked.")
    downloadUrl: str | None = strawberry.field(
        resolver=print_batch_download_url,
        description="A fresh short-lived link to the file (COMPLETED only); ask for it when the admin clicks.",
    )


def _body(input: PrintBatchInput) -> dict[str, Any]:
    body: dict[str, Any] = {"format": input.format.value}
    for name in ("jobId", "courseId", "org", "lang"):
        value = getattr(input, name)
        if value is not None and value is not strawberry.UNSET:
            body[name] = str(value)
    for name in ("issuedFrom", "issuedTo"):
        value = getattr(input, name)
        if isinstance(value, datetime):
            body[name] = value.isoformat()
        elif value is not None and value is not strawberry.UNSET:
            body[name] = str(value)
    return body


async def start_print_batch(info: Info, input: PrintBatchInput) -> PrintBatch:
    """Choose and order the certificates now; the workers write the file. Poll printBatch for progress."""
    ctx = ctx_of(info)
    result: PrintBatch = await ctx.state.clients.certificates.request(
        "POST", "/v1/print-batches", token=ctx.token, json=_body(input)
    )
    return result


async def retry_print_batch(info: Info, id: strawberry.ID) -> PrintBatch:
    """A FAILED print batch back in the queue."""
    ctx = ctx_of(info)
    result: PrintBatch = await ctx.state.clients.certificates.request(
        "POST", f"/v1/print-batches/{seg(id)}/retry", token=ctx.token
    )
    return result


async def print_batch(info: Info, id: strawberry.ID) -> PrintBatch | None:
    """One print batch, with its progress; null when there is none."""
    ctx = ctx_of(info)
    try:
        result: PrintBatch = await ctx.state.clients.certificates.request(
            "GET", f"/v1/print-batches/{seg(id)}", token=ctx.token
        )
    except DomainError as exc:
        if exc.code is ErrorCode.NOT_FOUND:
            return None
        raise
    return result
