"""Print batches: a ceremony's certificates as one merged PDF or a ZIP of PDFs (issue 17, item 7).

* **Start** (:func:`start_print_batch`): the certificates are chosen, put in alphabetical order of
  the batch's language and given their file names *now*, and stored with the batch; a certificate
  issued or revoked later does not change a batch that is running, so every attempt writes the
  same bytes.
* **Work** (the certificates worker's print loop, ``entrypoints/worker.py``): a worker claims a
  due batch (:func:`claim_print_batch`, ``FOR UPDATE SKIP LOCKED``) with a lease it extends while
  it moves (:func:`record_print_progress`), and streams the output to the object store
  (:func:`write_print_batch`): one certificate and one upload part in memory, never the batch.
  A certificate whose PDF is not in the store is rendered again (the renderer is deterministic)
  and stored.
* **Killed mid-batch**: the lease runs out and the next worker claims the batch again; the output
  is written from the start to the same key, and nothing appears there until the whole upload
  completed, so there is only ever one file, and it is complete. A worker whose lease was taken
  over can no longer record anything (every write names its ``attempt``).
* **Outages wait, failures park** (:func:`release_print_batch`): a transient failure (the object
  store or database away) puts the batch back in the queue after a back-off, without limit and
  without counting; a deterministic one (a PDF that cannot be read, a name that cannot be printed)
  counts, and after :data:`MAX_PRINT_FAILURES` the batch is FAILED with the reason, for an admin
  to see and retry (:func:`retry_print_batch`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from certificates.domain.model import CertificateDocument
from certificates.domain.printing import (
    PrintBatch,
    PrintFilter,
    PrintFormat,
    PrintItem,
    PrintStatus,
    batch_language,
    plan_print_items,
)
from certificates.service_layer.issuing import Actor
from certificates.service_layer.ports import AuditEntry, Ports, PrintOutput
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.auth import Principal
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound

MAX_PRINT_FAILURES = 3
"""Deterministic failures before a batch is parked (FAILED); outages never count."""
DOWNLOAD_LINK_SECONDS = 300
"""How long a download link lives: fetched when the admin clicks, so it can be short."""


@dataclass(frozen=True, slots=True)
class StartPrintBatch:
    format: PrintFormat
    selection: PrintFilter
    lang: str | None = None
    """The alphabetical order to follow; by default the language most of the certificates are in."""


def authorize_print(principal: Principal, selection: PrintFilter) -> PrintFilter:
    """Who may print which certificates; answers the selection as this caller may print it.

    - an admin: every certificate, the selection as asked;
    - a country admin: their own state's certificates only. A selection without a state is narrowed
      to theirs (the query then never returns another state's certificate, whatever the course or
      bulk job); one naming another state is FORBIDDEN, never an empty batch;
    - anyone else: FORBIDDEN.

    Every route of print batches calls this (or :func:`authorize_print_read`) before anything else.
    """
    if principal.is_admin:
        return selection
    if principal.is_country_admin:
        return replace(selection, org=principal.country_scope(selection.org))
    raise Forbidden("Only admins and country admins can print certificates.")


def authorize_print_read(principal: Principal, batch: PrintBatch) -> None:
    """Who may see a batch and download it: admins, and the country admin of the state it was limited to.

    A batch started by an admin without a state may hold every state's certificates, so no country
    admin sees it.
    """
    if principal.is_admin:
        return
    if principal.is_country_admin and batch.filter.org is not None:
        principal.require_org(batch.filter.org)
        return
    raise Forbidden("Only admins, and the country admin of the batch's member state, can see this print batch.")


def check_selection(selection: PrintFilter) -> None:
    if selection.job_id is None and not selection.course_id:
        raise BadInput("Name a bulk job (jobId) or a course (courseId) to print the certificates of.")
    if selection.issued_from and selection.issued_to and selection.issued_from >= selection.issued_to:
        raise BadInput("issuedFrom must be before issuedTo.")
    for moment in (selection.issued_from, selection.issued_to):
        if moment is not None and moment.tzinfo is None:
            raise BadInput("Give issuedFrom and issuedTo with a time zone (e.g. 2026-05-01T00:00:00Z).")


async def start_print_batch(
    uow: CertificatesUnitOfWork, actor: Actor, command: StartPrintBatch, ports: Ports, *, limit: int
) -> PrintBatch:
    """Choose, order and name the certificates, store the batch QUEUED; a worker picks it up."""
    selection = command.selection
    check_selection(selection)
    if selection.job_id is not None:
        job = await uow.bulk_jobs.get(selection.job_id)
        if job is None:
            raise NotFound(f"There is no bulk issue job {selection.job_id}.")
        if job.status not in ("COMPLETED", "CANCELLED"):
            raise Conflict(f"The bulk job is {job.status}; print its certificates once it has finished.")
    found = await uow.print_batches.printable(selection, limit)
    if not found:
        raise BadInput("No valid certificate matches; there is nothing to print.")
    if len(found) > limit:
        raise BadInput(f"More than {limit} certificates match; narrow the selection (state, dates) or split it.")
    lang = command.lang or batch_language(p.lang for p in found)
    items = plan_print_items(found, lang)
    now = utcnow()
    batch = PrintBatch(
        id=uuid.uuid4(),
        format=command.format,
        status=PrintStatus.QUEUED,
        filter=selection,
        lang=lang,
        total=len(items),
        done=0,
        created_by=actor.sub,
        created_at=now,
    )
    await uow.print_batches.add(batch, items)
    await uow.audit.add(
        AuditEntry(
            actor_sub=actor.sub,
            actor_name=actor.name,
            action="print_batch_start",
            details={"batchId": str(batch.id), "format": batch.format.value, "total": batch.total}
            | {k: v for k, v in selection.to_json().items() if v is not None},
        )
    )
    await uow.commit()
    return batch


async def get_print_batch(uow: CertificatesUnitOfWork, principal: Principal, batch_id: uuid.UUID) -> PrintBatch:
    batch = await uow.print_batches.get(batch_id)
    if batch is None:
        raise NotFound(f"There is no print batch {batch_id}.")
    authorize_print_read(principal, batch)
    return batch


def download_name(batch: PrintBatch) -> str:
    day = batch.created_at.strftime("%Y-%m-%d")
    return f"certificates-{day}-{str(batch.id)[:8]}.{batch.format.value.lower()}"


def download_url(batch: PrintBatch, ports: Ports) -> str:
    """A fresh short-lived link to a COMPLETED batch's file."""
    if batch.status != PrintStatus.COMPLETED or batch.output_key is None:
        raise Conflict(f"The print batch is {batch.status.value}; its file can be downloaded once it is COMPLETED.")
    return _output(ports).presigned_url(batch.output_key, download_name(batch), DOWNLOAD_LINK_SECONDS)


async def retry_print_batch(uow: CertificatesUnitOfWork, principal: Principal, batch_id: uuid.UUID) -> PrintBatch:
    """A parked (FAILED) batch back in the queue, its failures forgotten."""
    batch = await get_print_batch(uow, principal, batch_id)
    if batch.status != PrintStatus.FAILED:
        raise Conflict(f"The print batch is {batch.status.value}; only a FAILED batch can be retried.")
    again = await uow.print_batches.requeue(batch_id)
    if again is None:
        raise Conflict("The print batch changed meanwhile; look at it again.")
    await uow.audit.add(
        AuditEntry(
            actor_sub=principal.sub,
            actor_name=principal.name,
            action="print_batch_retry",
            details={"batchId": str(batch_id), "error": batch.error},
        )
    )
    await uow.commit()
    return again


# --- the worker's steps ---------------------------------------------------------------------------


def output_key(batch: PrintBatch) -> str:
    """One key per batch: every attempt writes the same file to the same place."""
    return f"print-batches/{batch.id}.{batch.format.value.lower()}"


async def claim_print_batch(uow: CertificatesUnitOfWork, lease_seconds: float) -> PrintBatch | None:
    now = utcnow()
    batch = await uow.print_batches.claim(now, now + timedelta(seconds=lease_seconds))
    await uow.commit()
    return batch


async def print_items(uow: CertificatesUnitOfWork, batch_id: uuid.UUID) -> list[PrintItem]:
    return await uow.print_batches.items(batch_id)


async def record_print_progress(
    uow: CertificatesUnitOfWork, batch: PrintBatch, done: int, lease_seconds: float
) -> bool:
    """Progress and a longer lease; False once another worker took the batch over."""
    ours = await uow.print_batches.heartbeat(batch.id, batch.attempt, done, utcnow() + timedelta(seconds=lease_seconds))
    await uow.commit()
    return ours


async def complete_print_batch(uow: CertificatesUnitOfWork, batch: PrintBatch, key: str, size: int) -> bool:
    ours = await uow.print_batches.complete(batch.id, batch.attempt, key, size, utcnow())
    await uow.commit()
    return ours


async def release_print_batch(
    uow: CertificatesUnitOfWork, batch: PrintBatch, *, transient: bool, reason: str, delay: float
) -> PrintStatus | None:
    """After a failed attempt: QUEUED again (an outage, or a failure not repeated enough), or FAILED."""
    retry_at = utcnow() + timedelta(seconds=delay)
    if transient:
        again = await uow.print_batches.release(batch.id, batch.attempt, retry_at=retry_at, waiting=reason, error=None)
        await uow.commit()
        return again.status if again else None
    if batch.failures + 1 >= MAX_PRINT_FAILURES:
        parked = await uow.print_batches.park(batch.id, batch.attempt, reason, utcnow())
        await uow.commit()
        return PrintStatus.FAILED if parked else None
    again = await uow.print_batches.release(batch.id, batch.attempt, retry_at=retry_at, waiting=None, error=reason)
    await uow.commit()
    return again.status if again else None


class CertificateUnprintable(ValueError):
    """A certificate of the batch whose PDF is missing and cannot be rendered again (deterministic)."""


async def rerender_certificate(uow: CertificatesUnitOfWork, ports: Ports, certificate_id: uuid.UUID) -> bytes:
    """A certificate's PDF rendered again from what it printed (same renderer, same bytes), and stored."""
    cert = await uow.certificates.get(certificate_id)
    if cert is None:
        raise CertificateUnprintable(f"certificate {certificate_id} no longer exists")
    try:
        template = (await ports.templates.as_printed(uow, cert.template_id, cert.printed)).for_kind(cert.kind)
        event = cert.event  # a participation certificate's days and venue, exactly as they were printed
    except ValueError as exc:  # TemplateError: the variant version it names cannot be rebuilt
        raise CertificateUnprintable(f"the certificate {cert.code} could not be printed again: {exc}") from exc
    document = CertificateDocument(
        code=cert.code,
        learner_name=cert.learner_name,
        course_title=cert.course_title,
        issued_at=cert.issued_at,
        verify_url=ports.verify_url(cert.code),
        course_version=cert.course_version,
        issuer_name=cert.issuer_name,
        event=event,
    )

    def render_and_store() -> bytes:
        try:
            pdf = ports.renderer.render(document, template, cert.lang)
        except ValueError as exc:
            raise CertificateUnprintable(f"the certificate {cert.code} could not be printed again: {exc}") from exc
        ports.pdfs.put_pdf(cert.pdf_key, pdf)
        return pdf

    return await asyncio.get_running_loop().run_in_executor(ports.executor, render_and_store)


def write_print_batch(
    batch: PrintBatch,
    items: list[PrintItem],
    ports: Ports,
    missing: Callable[[PrintItem], bytes],
    progress: Callable[[int], None],
) -> tuple[str, int]:
    """Stream the batch to the object store (blocking: run it on a thread); returns its key and size.

    ``missing`` makes a certificate whose PDF is not stored (:func:`rerender_certificate`, handed
    over to the event loop by the caller).
    """
    output = _output(ports)
    key = output_key(batch)

    def fetch(item: PrintItem) -> bytes:
        pdf = output.get_pdf(item.pdf_key)
        return pdf if pdf is not None else missing(item)

    size = output.write_batch(
        key,
        batch.format,
        items,
        fetch,
        progress,
        identity=batch.id.bytes,
        title=f"Certificates ({batch.total})",
        lang=batch.lang,
        stamp=batch.created_at,
    )
    return key, size


def _output(ports: Ports) -> PrintOutput:
    if ports.prints is None:
        raise RuntimeError("this process has no print-batch output configured")
    return ports.prints
