"""The SQL of a learner's erasure and export in certificates (service_layer/erasure.py)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.adapters import orm
from certificates.domain.erasure import ERASED_MARK
from certificates.domain.search import holder_name_key


def _plain(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row._mapping.items():
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, uuid.UUID):
            value = str(value)
        out[key] = value
    return out


class SqlAlchemyErasureRepository:
    """Implements ``service_layer.ports.ErasureRepository``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def pseudonym_of(self, learner_id: str) -> str | None:
        t = orm.erased_learner
        return (await self._session.execute(select(t.c.pseudonym).where(t.c.learner_id == learner_id))).scalar()

    async def erased_among(self, learner_ids: Collection[str]) -> set[str]:
        if not learner_ids:
            return set()
        t = orm.erased_learner
        rows = await self._session.execute(select(t.c.learner_id).where(t.c.learner_id.in_(list(learner_ids))))
        return set(rows.scalars())

    async def record(self, learner_id: str, pseudonym: str, erased_at: datetime) -> bool:
        t = orm.erased_learner
        stmt = (
            pg_insert(t)
            .values(learner_id=learner_id, pseudonym=pseudonym, erased_at=erased_at)
            .on_conflict_do_nothing(index_elements=[t.c.learner_id])
            .returning(t.c.learner_id)
        )
        return (await self._session.execute(stmt)).first() is not None

    async def revoke_valid(self, learner_id: str, at: datetime, reason: str, by: str) -> list[uuid.UUID]:
        c = orm.certificate.c
        rows = await self._session.execute(
            update(orm.certificate)
            .where(c.learner_id == learner_id, c.status == "VALID")
            .values(status="REVOKED", revoked_at=at, revocation_reason=reason, revoked_by=by)
            .returning(c.id)
        )
        return [r.id for r in rows]

    async def pseudonymise(self, learner_id: str, pseudonym: str, credentials: dict[uuid.UUID, dict[str, Any]]) -> None:
        """The name replaced, contact data and signed documents dropped, in every row that has them."""
        s = self._session
        c = orm.certificate.c
        mark = func.jsonb_build_object(ERASED_MARK, True)
        for cert_id, redacted in credentials.items():
            await s.execute(
                update(orm.certificate)
                .where(c.id == cert_id)
                .values(
                    learner_name=pseudonym,
                    name_key=holder_name_key(pseudonym),
                    email=None,
                    printed=orm.certificate.c.printed.op("||")(mark),
                    credential=redacted,
                    credential_jws="",
                    # The redacted document, without proof: served as it is, never re-derived from the JWS.
                    credential_di=redacted,
                )
            )
        await s.execute(
            update(orm.completion).where(orm.completion.c.learner_id == learner_id).values(learner_name=pseudonym)
        )
        patch = func.jsonb_build_object("name", pseudonym, "email", None)
        b = orm.bulk_item.c
        await s.execute(
            update(orm.bulk_item)
            .where(b.recipient["learnerId"].astext == learner_id)
            .values(recipient=b.recipient.op("||")(patch), label=pseudonym)
        )
        f = orm.auto_issue_failure.c
        await s.execute(
            update(orm.auto_issue_failure)
            .where(f.learner_id == learner_id)
            .values(recipient=f.recipient.op("||")(patch))
        )
        if credentials:
            a = orm.audit_log.c
            await s.execute(
                update(orm.audit_log)
                .where(a.certificate_id.in_(list(credentials)), a.details.has_key("learnerName"))
                .values(details=a.details.op("||")(func.jsonb_build_object("learnerName", pseudonym)))
            )

    async def export(self, learner_id: str) -> dict[str, Any]:
        s = self._session
        completions = (await s.execute(select(orm.completion).where(orm.completion.c.learner_id == learner_id))).all()
        failures = (
            await s.execute(select(orm.auto_issue_failure).where(orm.auto_issue_failure.c.learner_id == learner_id))
        ).all()
        bulk = (
            await s.execute(
                select(
                    orm.bulk_item.c.job_id,
                    orm.bulk_item.c.idx,
                    orm.bulk_item.c.recipient,
                    orm.bulk_item.c.status,
                    orm.bulk_item.c.certificate_id,
                ).where(orm.bulk_item.c.recipient["learnerId"].astext == learner_id)
            )
        ).all()
        return {
            "completions": [_plain(r) for r in completions],
            "autoIssueFailures": [_plain(r) for r in failures],
            "bulkRows": [_plain(r) for r in bulk],
        }
