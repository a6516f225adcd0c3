"""Every SQL statement of the email part: claiming, recording and listing deliveries, and digests.

Deliveries live in two tables with the same columns for sending: ``email_delivery`` (one email per
notification, staged by the core) and ``email_digest`` (one email per person and period). A claim
takes due rows with ``SELECT … FOR UPDATE SKIP LOCKED`` (so senders never take the same row), marks
them SENDING with a lease in ``next_attempt_at``, and commits before any SMTP traffic.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, and_, bindparam, func, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lms_shared.errors import BadInput
from notifications.adapters.orm import (
    course,
    email_delivery,
    email_digest,
    email_digest_item,
    notification,
    person,
    preference,
)
from notifications.service_layer.email_ports import (
    ClaimedEmail,
    DeliveryPage,
    DeliveryRecord,
    DigestCandidate,
    DigestNotification,
)

_TABLES: dict[str, Table] = {"NOTIFICATION": email_delivery, "DIGEST": email_digest}


def _cursor(at: datetime, ident: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([at.isoformat(), ident]).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, ident = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(at), str(ident)
    except (ValueError, TypeError):
        raise BadInput("The cursor `after` is not one this list gave out.") from None


class SqlAlchemyEmailDeliveries:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    # -- sending ---------------------------------------------------------------------------------
    async def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[ClaimedEmail]:
        """Due notification emails (PENDING, or SENDING with an expired lease), locked, marked SENDING."""
        d = email_delivery
        due = and_(d.c.status.in_(("PENDING", "SENDING")), d.c.next_attempt_at <= now)
        stmt = (
            select(
                d.c.id,
                d.c.notification_id,
                d.c.recipient_id,
                d.c.to_address,
                d.c.attempts,
                notification.c.kind,
                notification.c.params,
                notification.c.url,
                notification.c.course_id,
                notification.c.created_at,
                person.c.name,
                person.c.locale.label("token_locale"),
                person.c.zoneinfo,
                person.c.erased,
                preference.c.email.label("pref_email"),
                preference.c.muted_email_kinds,
                preference.c.locale.label("pref_locale"),
                course.c.titles,
                course.c.default_language,
            )
            .select_from(
                d.join(notification, notification.c.id == d.c.notification_id)
                .outerjoin(person, person.c.id == d.c.recipient_id)
                .outerjoin(preference, preference.c.person_id == d.c.recipient_id)
                .outerjoin(course, course.c.course_id == notification.c.course_id)
            )
            .where(due)
            .order_by(d.c.next_attempt_at)
            .limit(limit)
            .with_for_update(of=d, skip_locked=True)
        )
        rows = (await self._s.execute(stmt)).all()
        if not rows:
            return []
        await self._s.execute(
            update(d)
            .where(d.c.id.in_([r.id for r in rows]))
            .values(status="SENDING", attempts=d.c.attempts + 1, next_attempt_at=lease_until)
        )
        return [
            ClaimedEmail(
                table="NOTIFICATION",
                id=r.id,
                notification_id=r.notification_id,
                recipient_id=r.recipient_id,
                to_address=r.to_address,
                attempts=r.attempts + 1,
                kind=r.kind,
                params=dict(r.params or {}),
                url=r.url,
                course_id=r.course_id,
                created_at=r.created_at,
                name=r.name,
                token_locale=r.token_locale,
                zoneinfo=r.zoneinfo,
                erased=bool(r.erased),
                email_on=True if r.pref_email is None else bool(r.pref_email),
                muted_kinds=tuple(r.muted_email_kinds or ()),
                pref_locale=r.pref_locale,
                course_titles=dict(r.titles or {}),
                course_default_language=r.default_language,
            )
            for r in rows
        ]

    async def claim_due_digests(self, now: datetime, limit: int, lease_until: datetime) -> list[ClaimedEmail]:
        g = email_digest
        stmt = (
            select(
                g.c.id,
                g.c.recipient_id,
                g.c.to_address,
                g.c.attempts,
                g.c.frequency,
                g.c.period_key,
                g.c.period_start,
                person.c.name,
                person.c.locale.label("token_locale"),
                person.c.zoneinfo,
                person.c.erased,
                preference.c.email.label("pref_email"),
                preference.c.locale.label("pref_locale"),
            )
            .select_from(
                g.outerjoin(person, person.c.id == g.c.recipient_id).outerjoin(
                    preference, preference.c.person_id == g.c.recipient_id
                )
            )
            .where(g.c.status.in_(("PENDING", "SENDING")), g.c.next_attempt_at <= now)
            .order_by(g.c.next_attempt_at)
            .limit(limit)
            .with_for_update(of=g, skip_locked=True)
        )
        rows = (await self._s.execute(stmt)).all()
        if not rows:
            return []
        await self._s.execute(
            update(g)
            .where(g.c.id.in_([r.id for r in rows]))
            .values(status="SENDING", attempts=g.c.attempts + 1, next_attempt_at=lease_until)
        )
        return [
            ClaimedEmail(
                table="DIGEST",
                id=r.id,
                notification_id=None,
                recipient_id=r.recipient_id,
                to_address=r.to_address,
                attempts=r.attempts + 1,
                kind="DIGEST",
                params={"frequency": r.frequency, "period_key": r.period_key},
                url=None,
                course_id=None,
                created_at=r.period_start,
                name=r.name,
                token_locale=r.token_locale,
                zoneinfo=r.zoneinfo,
                erased=bool(r.erased),
                email_on=True if r.pref_email is None else bool(r.pref_email),
                muted_kinds=(),
                pref_locale=r.pref_locale,
            )
            for r in rows
        ]

    async def set_message_ids(self, table: str, message_ids: Mapping[str, str]) -> None:
        if not message_ids:
            return
        t = _TABLES[table]
        await self._s.execute(
            update(t).where(t.c.id == bindparam("b_id")).values(message_id=bindparam("b_message_id")),
            [{"b_id": k, "b_message_id": v} for k, v in message_ids.items()],
        )

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
        """Record an attempt's outcome if the row is still ours: SENDING, and not claimed again since
        (``attempts`` is the fencing token); False when another sender took it over."""
        t = _TABLES[table]
        values: dict[str, Any] = {"status": status, "last_error": error}
        if status == "SENT":
            values["sent_at"] = at
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        result = await self._s.execute(
            update(t).where(t.c.id == delivery_id, t.c.status == "SENDING", t.c.attempts == attempt).values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- admin -----------------------------------------------------------------------------------
    async def page(self, status: str, first: int, after: str | None) -> DeliveryPage:
        """Deliveries in ``status`` of both tables, newest first (keyset on created_at, id)."""
        parts = []
        for kind, t in _TABLES.items():
            parts.append(
                select(
                    t.c.id,
                    (t.c.notification_id if kind == "NOTIFICATION" else literal(None, String(36))).label(
                        "notification_id"
                    ),
                    literal(kind, String(16)).label("source"),
                    t.c.recipient_id,
                    t.c.to_address,
                    t.c.status,
                    t.c.attempts,
                    t.c.last_error,
                    t.c.message_id,
                    t.c.created_at,
                    t.c.next_attempt_at,
                    t.c.sent_at,
                ).where(t.c.status == status)
            )
        union = parts[0].union_all(parts[1]).subquery()
        total = (await self._s.execute(select(func.count()).select_from(union))).scalar_one()
        q = select(union)
        if after:
            at, ident = _decode_cursor(after)
            q = q.where(tuple_(union.c.created_at, union.c.id) < tuple_(at, ident))
        rows = (await self._s.execute(q.order_by(union.c.created_at.desc(), union.c.id.desc()).limit(first + 1))).all()
        items = [_record(r) for r in rows[:first]]
        end = _cursor(items[-1].created_at, items[-1].id) if items else None
        return DeliveryPage(items=items, has_next_page=len(rows) > first, end_cursor=end, total_count=int(total))

    async def get(self, delivery_id: str) -> DeliveryRecord | None:
        for kind, t in _TABLES.items():
            row = (await self._s.execute(select(t).where(t.c.id == delivery_id).with_for_update())).first()
            if row is not None:
                m = row._mapping
                return DeliveryRecord(
                    id=m["id"],
                    source=kind,
                    notification_id=m.get("notification_id"),
                    recipient_id=m["recipient_id"],
                    to_address=m["to_address"],
                    status=m["status"],
                    attempts=m["attempts"],
                    last_error=m["last_error"],
                    message_id=m["message_id"],
                    created_at=m["created_at"],
                    next_attempt_at=m["next_attempt_at"],
                    sent_at=m["sent_at"],
                )
        return None

    async def requeue(self, source: str, delivery_id: str, at: datetime) -> None:
        t = _TABLES[source]
        await self._s.execute(update(t).where(t.c.id == delivery_id).values(status="PENDING", next_attempt_at=at))

    # -- digests -----------------------------------------------------------------------------------
    async def digest_candidates(self, limit: int, after_id: str | None) -> list[DigestCandidate]:
        """People with a DAILY or WEEKLY digest, email on and an address, in id order (paged)."""
        q = (
            select(
                preference.c.person_id,
                preference.c.digest,
                preference.c.muted_email_kinds,
                person.c.email,
                person.c.zoneinfo,
            )
            .join(person, person.c.id == preference.c.person_id)
            .where(
                preference.c.digest.in_(("DAILY", "WEEKLY")),
                preference.c.email.is_(True),
                person.c.erased.is_(False),
                person.c.email.is_not(None),
            )
            .order_by(preference.c.person_id)
            .limit(limit)
        )
        if after_id is not None:
            q = q.where(preference.c.person_id > after_id)
        return [
            DigestCandidate(
                person_id=r.person_id,
                frequency=r.digest,
                muted_kinds=tuple(r.muted_email_kinds or ()),
                email=r.email,
                zoneinfo=r.zoneinfo,
            )
            for r in (await self._s.execute(q)).all()
        ]

    async def digests_existing(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        if not keys:
            return set()
        g = email_digest
        rows = await self._s.execute(
            select(g.c.recipient_id, g.c.period_key).where(tuple_(g.c.recipient_id, g.c.period_key).in_(list(keys)))
        )
        return {(r.recipient_id, r.period_key) for r in rows}

    async def create_digest(
        self,
        *,
        recipient_id: str,
        frequency: str,
        period_key: str,
        period_start: datetime,
        period_end: datetime,
        to_address: str,
        muted_kinds: Sequence[str],
        at: datetime,
    ) -> int:
        """The period's digest with the person's notifications not emailed or digested before.

        Exactly once per (person, period): a second run finds the row and adds nothing. A period
        with nothing to list leaves a FAILED row ("nothing to send") so it is not looked at again.
        Returns how many notifications it lists.
        """
        g, item, n, d = email_digest, email_digest_item, notification, email_delivery
        digest_id = str(uuid.uuid4())
        inserted = (
            await self._s.execute(
                pg_insert(g)
                .values(
                    id=digest_id,
                    recipient_id=recipient_id,
                    frequency=frequency,
                    period_key=period_key,
                    period_start=period_start,
                    period_end=period_end,
                    to_address=to_address,
                    status="PENDING",
                    # Due now (the database's clock), whatever moment the period was judged at.
                    next_attempt_at=func.now(),
                    created_at=func.now(),
                )
                .on_conflict_do_nothing(index_elements=[g.c.recipient_id, g.c.period_key])
                .returning(g.c.id)
            )
        ).first()
        if inserted is None:
            return 0
        pick = (
            select(n.c.id, literal(digest_id, String(36)))
            .where(
                n.c.recipient_id == recipient_id,
                n.c.created_at >= period_start,
                n.c.created_at < period_end,
                ~select(d.c.id).where(d.c.notification_id == n.c.id).exists(),
                ~select(item.c.notification_id).where(item.c.notification_id == n.c.id).exists(),
            )
            .order_by(n.c.created_at, n.c.id)
        )
        if muted_kinds:
            pick = pick.where(n.c.kind.not_in(list(muted_kinds)))
        result = await self._s.execute(
            pg_insert(item)
            .from_select(["notification_id", "digest_id"], pick)
            .on_conflict_do_nothing(index_elements=[item.c.notification_id])
        )
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if count == 0:
            await self._s.execute(
                update(g).where(g.c.id == digest_id).values(status="FAILED", last_error="nothing to send")
            )
        return count

    async def digest_notifications(self, digest_id: str) -> list[DigestNotification]:
        item, n = email_digest_item, notification
        rows = await self._s.execute(
            select(
                n.c.id,
                n.c.kind,
                n.c.params,
                n.c.url,
                n.c.course_id,
                n.c.created_at,
                course.c.titles,
                course.c.default_language,
            )
            .join(item, item.c.notification_id == n.c.id)
            .outerjoin(course, course.c.course_id == n.c.course_id)
            .where(item.c.digest_id == digest_id)
            .order_by(n.c.created_at, n.c.id)
        )
        return [
            DigestNotification(
                id=r.id,
                kind=r.kind,
                params=dict(r.params or {}),
                url=r.url,
                course_id=r.course_id,
                created_at=r.created_at,
                course_titles=dict(r.titles or {}),
                course_default_language=r.default_language,
            )
            for r in rows
        ]


def _record(r: Any) -> DeliveryRecord:
    return DeliveryRecord(
        id=r.id,
        source=r.source,
        notification_id=r.notification_id,
        recipient_id=r.recipient_id,
        to_address=r.to_address,
        status=r.status,
        attempts=r.attempts,
        last_error=r.last_error,
        message_id=r.message_id,
        created_at=r.created_at,
        next_attempt_at=r.next_attempt_at,
        sent_at=r.sent_at,
    )
