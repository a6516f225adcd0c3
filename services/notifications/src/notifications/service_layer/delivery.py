"""Sending the staged emails: exactly one per notification, retried until it goes, parked when refused.

One round (:func:`send_due`):

1. **claim** (one transaction): due rows — PENDING whose ``next_attempt_at`` has come, or SENDING
   whose lease ran out (a sender that crashed) — are locked with ``FOR UPDATE SKIP LOCKED``, marked
   SENDING with a lease of ``lease`` and ``attempts + 1``, and given their Message-ID, derived from the
   notification id, so every attempt carries the same one. Rows the person no longer wants (email
   off, kind muted, erased) are closed as FAILED with the reason. COMMIT — before any SMTP traffic.
2. **send**, up to the mailer's pool size at once, outside any transaction.
3. **record** each outcome in its own short transaction right after the server's answer: SENT;
   PENDING again with exponential back-off and jitter after a transient failure (connection refused,
   timeout, 4xx); PARKED with the server's answer after a 5xx. The window between the server's
   ``250`` to DATA and this commit is the one place a crash can send an email twice (with the same
   Message-ID); see the README, "Delivery guarantees".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message

from lms_shared.db import utcnow
from lms_shared.errors import Conflict, Forbidden, NotFound
from lms_shared.logging import get_logger
from notifications.domain.email import (
    Backoff,
    DeliveryStatus,
    PermanentSendError,
    TransientSendError,
    compose,
    digest_message_id,
    message_domain,
    notification_message_id,
    sign_unsubscribe,
    unsubscribe_url,
)
from notifications.domain.templates import (
    ALL_KINDS,
    DigestEntry,
    EmailContent,
    EmailTemplates,
    Recipient,
    RenderedEmail,
)
from notifications.service_layer.email_ports import (
    ClaimedEmail,
    DeliveryPage,
    DeliveryRecord,
    DigestNotification,
    EmailUnitOfWork,
    Mailer,
)

log = get_logger(__name__)

UowFactory = Callable[[], AbstractAsyncContextManager[EmailUnitOfWork]]
DigestTexts = Callable[[DigestNotification, str], tuple[str, str]]
"""The in-app title and body of a notification in a language (the core's ``domain.texts``)."""


@dataclass(frozen=True)
class EmailOptions:
    from_address: str
    from_name: str
    public_url: str
    unsubscribe_secret: bytes
    unsubscribe_mailto: str | None = None
    batch: int = 100
    lease: timedelta = timedelta(seconds=60)
    backoff: Backoff = field(default_factory=Backoff)

    @property
    def domain(self) -> str:
        return message_domain(self.from_address)


@dataclass
class EmailPorts:
    mailer: Mailer
    templates: EmailTemplates
    options: EmailOptions
    digest_texts: DigestTexts
    clock: Callable[[], datetime] = utcnow


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    parked: int = 0
    dropped: int = 0
    """Left unsent because the lease ran short (another sender takes them)."""


@dataclass(frozen=True)
class _Job:
    row: ClaimedEmail
    message_id: str
    lease_until: datetime
    digest: list[DigestNotification] = field(default_factory=list)


def _unwanted(row: ClaimedEmail) -> str | None:
    """Why the person no longer wants this email (preferences may have changed since staging)."""
    if row.erased or not row.to_address:
        return "the person's data was erased"
    if not row.email_on:
        return "email turned off by the recipient"
    if row.kind in row.muted_kinds:
        return f"{row.kind} muted by the recipient"
    return None


def message_id_for(row: ClaimedEmail, domain: str) -> str:
    if row.table == "DIGEST":
        return digest_message_id(row.recipient_id, str(row.params.get("period_key")), domain)
    assert row.notification_id is not None
    return notification_message_id(row.notification_id, domain)


async def claim(uows: UowFactory, ports: EmailPorts, *, digests: bool = False) -> list[_Job]:
    """Take due rows for this sender (one transaction, committed before anything is sent)."""
    now = ports.clock()
    opts = ports.options
    async with uows() as uow:
        claim_fn = uow.deliveries.claim_due_digests if digests else uow.deliveries.claim_due
        rows = await claim_fn(now, opts.batch, now + opts.lease)
        jobs: list[_Job] = []
        ids: dict[str, str] = {}
        for row in rows:
            reason = _unwanted(row)
            if reason is not None:
                await uow.deliveries.record(
                    row.table, row.id, DeliveryStatus.FAILED, attempt=row.attempts, at=now, error=reason
                )
                continue
            mid = message_id_for(row, opts.domain)
            ids[row.id] = mid
            items = await uow.deliveries.digest_notifications(row.id) if digests else []
            jobs.append(_Job(row, mid, now + opts.lease, items))
        if ids:
            await uow.deliveries.set_message_ids("DIGEST" if digests else "NOTIFICATION", ids)
        await uow.commit()
    return jobs


def render(job: _Job, ports: EmailPorts) -> tuple[RenderedEmail, str]:
    """The email of a claimed row in the recipient's language, and its unsubscribe link."""
    row, opts, templates = job.row, ports.options, ports.templates
    recipient = Recipient(
        id=row.recipient_id,
        name=row.name,
        locale=row.pref_locale,
        token_locale=row.token_locale,
        zoneinfo=row.zoneinfo,
    )
    if row.table == "DIGEST":
        link = unsubscribe_url(opts.public_url, sign_unsubscribe(opts.unsubscribe_secret, row.recipient_id, ALL_KINDS))
        lang = templates.language_for(recipient.locale, recipient.token_locale)
        entries = []
        for n in job.digest:
            title, body = ports.digest_texts(n, lang)
            url = n.url
            if url and not url.startswith(("http://", "https://")):
                url = f"{opts.public_url.rstrip('/')}/{url.lstrip('/')}"
            entries.append(DigestEntry(title=title, body=body, url=url))
        rendered = templates.render_digest(
            entries,
            recipient,
            frequency=str(row.params.get("frequency")),
            period_start=row.created_at,
            unsubscribe_url=link,
        )
        return rendered, link
    link = unsubscribe_url(opts.public_url, sign_unsubscribe(opts.unsubscribe_secret, row.recipient_id, row.kind))
    content = EmailContent(
        kind=row.kind,
        params=row.params,
        url=row.url,
        course_id=row.course_id,
        course_titles=row.course_titles,
        course_default_language=row.course_default_language,
        created_at=row.created_at,
    )
    return templates.render(content, recipient, unsubscribe_url=link), link


def build_message(job: _Job, ports: EmailPorts) -> Message:
    rendered, link = render(job, ports)
    opts = ports.options
    return compose(
        rendered,
        from_address=opts.from_address,
        from_name=opts.from_name,
        to_address=job.row.to_address,
        message_id=job.message_id,
        unsubscribe_link=link,
        unsubscribe_mailto=opts.unsubscribe_mailto,
        date=ports.clock(),
    )


async def _deliver(uows: UowFactory, ports: EmailPorts, job: _Job, report: SendReport) -> None:
    row = job.row
    try:
        message = build_message(job, ports)
    except Exception as exc:
        log.exception("email.render_failed", delivery=row.id)
        await _record(uows, ports, row, DeliveryStatus.PARKED, f"could not render the email: {exc!r}")
        report.parked += 1
        return
    if ports.clock() >= job.lease_until - ports.options.lease / 4:
        # A slow or hung relay kept this job waiting for a connection until its lease is nearly over:
        # another sender may take the row any moment, so this one leaves it (sending now could double it).
        log.info("email.lease_left", delivery=row.id)
        report.dropped += 1
        return
    try:
        await ports.mailer.send(message, sender=ports.options.from_address, recipients=[row.to_address])
    except PermanentSendError as exc:
        log.warning("email.parked", delivery=row.id, code=exc.code, answer=exc.answer)
        await _record(uows, ports, row, DeliveryStatus.PARKED, f"{exc.code} {exc.answer}")
        report.parked += 1
        return
    except (TransientSendError, Exception) as exc:  # noqa: BLE001 - anything else: the relay's fault, try again
        delay = ports.options.backoff.delay(row.attempts)
        log.info(
            "email.retry", delivery=row.id, attempts=row.attempts, in_seconds=delay.total_seconds(), error=str(exc)
        )
        await _record(uows, ports, row, DeliveryStatus.PENDING, str(exc)[:2000], retry_in=delay)
        report.retried += 1
        return
    await _record(uows, ports, row, DeliveryStatus.SENT, None)
    report.sent += 1


async def _record(
    uows: UowFactory,
    ports: EmailPorts,
    row: ClaimedEmail,
    status: DeliveryStatus,
    error: str | None,
    *,
    retry_in: timedelta | None = None,
) -> None:
    now = ports.clock()
    async with uows() as uow:
        await uow.deliveries.record(
            row.table,
            row.id,
            status,
            attempt=row.attempts,
            at=now,
            error=error,
            next_attempt_at=now + retry_in if retry_in is not None else None,
        )
        await uow.commit()


async def send_due(uows: UowFactory, ports: EmailPorts, *, digests: bool = False) -> SendReport:
    """One round: claim a batch, send it through the pool, record every outcome."""
    jobs = await claim(uows, ports, digests=digests)
    report = SendReport(claimed=len(jobs))
    if not jobs:
        return report
    gate = asyncio.Semaphore(max(1, ports.mailer.concurrency))

    async def one(job: _Job) -> None:
        async with gate:
            await _deliver(uows, ports, job, report)

    await asyncio.gather(*(one(j) for j in jobs))
    return report


async def run_sender(uows: UowFactory, ports: EmailPorts, stop: asyncio.Event, *, poll_seconds: float) -> None:
    """The sender loop: rounds back to back while there is work, a short sleep when there is none."""
    while not stop.is_set():
        report = await send_due(uows, ports)
        digest_report = await send_due(uows, ports, digests=True)
        if report.claimed or digest_report.claimed:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)


# -- admin: parked deliveries ------------------------------------------------------------------------

REPLAYABLE = (DeliveryStatus.PARKED,)


def _require_admin(is_admin: bool) -> None:
    if not is_admin:
        raise Forbidden("Only admins see and replay email deliveries.")


async def list_deliveries(
    uow: EmailUnitOfWork, *, is_admin: bool, status: str, first: int, after: str | None
) -> DeliveryPage:
    _require_admin(is_admin)
    return await uow.deliveries.page(status, first, after)


async def replay_delivery(uow: EmailUnitOfWork, *, is_admin: bool, delivery_id: str, now: datetime) -> DeliveryRecord:
    """A parked email back in the queue (after the address or the relay was fixed); same Message-ID."""
    _require_admin(is_admin)
    record = await uow.deliveries.get(delivery_id)
    if record is None:
        raise NotFound(f"There is no email delivery with id {delivery_id}.")
    if record.status not in REPLAYABLE:
        raise Conflict(f"Only parked deliveries can be replayed; this one is {record.status}.")
    await uow.deliveries.requeue(record.source, record.id, now)
    await uow.commit()
    return DeliveryRecord(**{**record.__dict__, "status": "PENDING", "next_attempt_at": now})
