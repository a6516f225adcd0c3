"""The SQL of the states' template variants (co-branding, service_layer/cobranding.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, null, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.adapters import orm
from certificates.service_layer.ports import StoredVariant

_t = orm.template_variant


def _variant(row: Any) -> StoredVariant:
    data = dict(row.data) if row.data is not None else None
    return StoredVariant(row.template_id, row.org, row.version, data, row.digest, row.created_at, row.created_by)


class SqlAlchemyTemplateVariantRepository:
    """Implements ``service_layer.ports.TemplateVariantRepository``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def current(self, template_id: str) -> list[StoredVariant]:
        newest = (
            select(_t)
            .where(_t.c.template_id == template_id)
            .distinct(_t.c.org)
            .order_by(_t.c.org, _t.c.version.desc())
            .subquery()
        )
        # A removal is SQL NULL; rows written before that fix hold JSON null: neither is a current variant.
        removed = func.coalesce(func.jsonb_typeof(newest.c.data), "null") == "null"
        rows = await self._session.execute(select(newest).where(~removed).order_by(newest.c.org))
        return [_variant(r) for r in rows]

    async def latest(self, template_id: str, org: str) -> StoredVariant | None:
        query = (
            select(_t).where(_t.c.template_id == template_id, _t.c.org == org).order_by(_t.c.version.desc()).limit(1)
        )
        row = (await self._session.execute(query)).first()
        return _variant(row) if row is not None else None

    async def version(self, template_id: str, org: str, version: int) -> StoredVariant | None:
        query = select(_t).where(_t.c.template_id == template_id, _t.c.org == org, _t.c.version == version)
        row = (await self._session.execute(query)).first()
        return _variant(row) if row is not None else None

    async def add(self, variant: StoredVariant) -> bool:
        statement = (
            pg_insert(_t)
            .values(
                template_id=variant.template_id,
                org=variant.org,
                version=variant.version,
                # SQL NULL for a removal (None alone would be stored as the JSON value null).
                data=variant.data if variant.data is not None else null(),
                digest=variant.digest,
                created_at=variant.created_at,
                created_by=variant.created_by,
            )
            .on_conflict_do_nothing()
            .returning(_t.c.version)
        )
        return (await self._session.execute(statement)).first() is not None
