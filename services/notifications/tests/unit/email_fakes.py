"""In-memory stand-ins for the email part: a delivery table with the claim rules, and a mailer."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.message import Message
from typing import Any

from notifications.domain.email import PermanentSendError, TransientSendError
from notifications.service_layer.email_ports import (
    ClaimedEmail,
    DeliveryPage,
    DeliveryRecord,
    DigestCandidate,
    DigestNotification,
)
from services.notifications.tests.unit.fakes import FakePersonRepository, FakePreferenceRepository


@dataclasses.dataclass
class Row:
    claimed: ClaimedEmail
    status: str = "PENDING"
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    message_id: str | None = None
    sent_at: datetime | None = None


class FakeDeliveries:
    def __init__(self, rows: dict[str, Row]) -> None:
        self.rows = rows

    async def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[ClaimedEmail]:
        out = []
        for row in self.rows.values():
            if row.claimed.table != "NOTIFICATION" or row.status not in ("PENDING", "SENDING"):
                continue
            if row.next_attempt_at is not None and row.next_attempt_at > now:
                continue
            row.status, row.attempts, row.next_attempt_at = "SENDING", row.attempts + 1, lease_until
            out.append(dataclasses.replace(row.claimed, attempts=row.attempts))
            if len(out) == limit:
                break
        return out

    async def claim_due_digests(self, now: datetime, limit: int, lease_until: datetime) -> list[ClaimedEmail]:
        return []

    async def set_message_ids(self, table: str, message_ids: Mapping[str, str]) -> None:
        for k, v in message_ids.items():
            self.rows[k].message_id = v

    async def record(
        self,
        table: str,
        delivery_id: str,
        status: str,
        *,
        attempt: int,
        at: datetime,
        error: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> bool:
        row = self.rows[delivery_id]
        if row.status != "SENDING" or row.attempts != attempt:
            return False
        row.status, row.last_error = status, error
        if status == "SENT":
            row.sent_at = at
        if next_attempt_at is not None:
            row.next_attempt_at = next_attempt_at
        return True

    def _record(self, row: Row) -> DeliveryRecord:
        c = row.claimed
        return DeliveryRecord(
            id=c.id,
            source=c.table,
            notification_id=c.notification_id,
            recipient_id=c.recipient_id,
            to_address=c.to_address,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            message_id=row.message_id,
            created_at=c.created_at,
            next_attempt_at=row.next_attempt_at or c.created_at,
            sent_at=row.sent_at,
        )

    async def page(self, status: str, first: int, after: str | None) -> DeliveryPage:
        items = [self._record(r) for r in self.rows.values() if r.status == status][:first]
        return DeliveryPage(items=items, has_next_page=False, end_cursor=None, total_count=len(items))

    async def get(self, delivery_id: str) -> DeliveryRecord | None:
        row = self.rows.get(delivery_id)
        return self._record(row) if row else None

    async def requeue(self, source: str, delivery_id: str, at: datetime) -> None:
        self.rows[delivery_id].status, self.rows[delivery_id].next_attempt_at = "PENDING", at

    async def digest_candidates(self, limit: int, after_id: str | None) -> list[DigestCandidate]:
        return []

    async def digests_existing(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        return set()

    async def create_digest(self, **kw: Any) -> int:
        return 0

    async def digest_notifications(self, digest_id: str) -> list[DigestNotification]:
        return []


class FakeEmailUow:
    """One shared store; each ``with`` is a transaction that always commits what it wrote (enough here)."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.deliveries = FakeDeliveries(self.rows)
        self.preferences = FakePreferenceRepository()
        self.people = FakePersonRepository()
        self.commits = 0

    def __call__(self) -> FakeEmailUow:
        return self

    async def __aenter__(self) -> FakeEmailUow:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def publish(self, *events: object) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1

    async def rollback(self) -> None:
        return None


class FakeMailer:
    """Records what it sent; ``fail`` maps an address to the error it raises (until removed)."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.fail: dict[str, Exception] = {}

    @property
    def concurrency(self) -> int:
        return 2

    async def send(self, message: Message, *, sender: str, recipients: Sequence[str]) -> str:
        for r in recipients:
            if r in self.fail:
                raise self.fail[r]
        self.sent.append(message)
        return "250 OK"

    async def close(self) -> None:
        return None


__all__ = ["FakeEmailUow", "FakeMailer", "PermanentSendError", "Row", "TransientSendError"]
