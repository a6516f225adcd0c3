"""National reports and the learner directory (issue 14): who may ask what, and the answers.

- ``report``: admins for any state, country admins for their own (another ``org`` is FORBIDDEN, never
  an empty answer, ``Principal.country_scope``). Nobody else: trainers read ``Course.stats``.
- ``learners``: admins everyone, country admins their state, trainers the learners of the courses they
  own or co-own (and of those learners only those courses' enrolments and certificates).
- CSV links: made by whoever may read the report, bound to the scope the report was read in, valid
  for :data:`EXPORT_SECONDS`; the link itself is the permission (a random token, stored hashed).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from lms_shared.auth import Principal, Role
from lms_shared.db import utcnow
from lms_shared.errors import Forbidden, NotFound
from lms_shared.i18n import pick
from lms_shared.text import search_words
from progress.domain.national import LearnerCursor, LearnerEntry, Report, ReportQuery, page_size
from progress.service_layer.access import EnrollmentDetails, details
from progress.service_layer.ports import CourseVersionCache
from progress.service_layer.unit_of_work import ProgressUnitOfWork

EXPORT_SECONDS = 600
"""How long a CSV link works: long enough to click, short enough that a forwarded link soon dies."""


FOLD_EVERY_SECONDS = 1.0
FOLD_BATCH = 50_000


async def fold_rollups(uow: ProgressUnitOfWork) -> int:
    """Move the rollup changes the triggers appended into the rollups (one transaction)."""
    written = await uow.national.fold(FOLD_BATCH)
    await uow.commit()
    return written


async def fold_forever(
    uow_factory: Callable[[], contextlib.AbstractAsyncContextManager[ProgressUnitOfWork]], stop: asyncio.Event
) -> None:
    """The background loop of every progress process: fold, then wait a second (at once again while a
    backlog remains). Reports are exact without it (they add what is not folded yet); it keeps them
    fast. A failure (Postgres down) is logged by the runtime and the loop restarted: nothing is lost,
    the changes wait in their table."""
    while not stop.is_set():
        async with uow_factory() as uow:
            written = await fold_rollups(uow)
        if written:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), FOLD_EVERY_SECONDS)


async def national_report(
    uow: ProgressUnitOfWork, principal: Principal, query: ReportQuery, lang: str | None = None
) -> Report:
    scoped = query.with_org(principal.country_scope(query.org))
    return await _report(uow, scoped, lang or principal.locale)


async def _report(uow: ProgressUnitOfWork, query: ReportQuery, lang: str | None) -> Report:
    rows, totals = await uow.national.report(query)
    ids = sorted({r.course_id for r in rows if r.course_id} | ({query.course_id} if query.course_id else set()))
    titles = await uow.national.course_titles(ids)

    def title(course_id: str | None) -> str | None:
        if course_id is None or course_id not in titles:
            return None
        texts, default = titles[course_id]
        return pick(texts, lang, None, default)

    rows = [replace(r, course_title=title(r.course_id)) for r in rows]
    rows.sort(key=lambda r: tuple(_sort_key(r, d.value) for d in query.group_by))
    return Report(query, rows, replace(totals, course_title=title(totals.course_id)))


def _sort_key(row: object, dim: str) -> str:
    value = {
        "ORG": getattr(row, "org", None),
        "MUNICIPALITY": getattr(row, "municipality", None),
        "COURSE": getattr(row, "course_title", None) or getattr(row, "course_id", None),
        "MONTH": getattr(row, "month", None),
    }[dim]
    return "\uffff" if value is None else str(value)


@dataclass(frozen=True)
class Export:
    token: str
    expires_at: datetime


async def create_export(
    uow: ProgressUnitOfWork, principal: Principal, query: ReportQuery, lang: str | None = None
) -> Export:
    """A short-lived link to the report as CSV, bound to the scope the caller may read."""
    scoped = query.with_org(principal.country_scope(query.org))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(seconds=EXPORT_SECONDS)
    params = {**scoped.as_json(), "lang": lang or principal.locale}
    await uow.national.add_export(_digest(token), params, principal.sub, expires, now)
    await uow.commit()
    return Export(token, expires)


async def export_report(uow: ProgressUnitOfWork, token: str) -> Report:
    """The report a CSV link was made for (404 once expired, or for a token never issued)."""
    params = await uow.national.get_export(_digest(token), utcnow()) if 20 <= len(token) <= 100 else None
    if params is None:
        raise NotFound("This report link has expired or does not exist; export the report again.")
    lang = params.get("lang")
    return await _report(uow, ReportQuery.from_json(params), str(lang) if lang else None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- the learner directory -----------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerCard:
    entry: LearnerEntry
    enrollments: list[EnrollmentDetails]
    certificate_ids: list[str]


@dataclass(frozen=True)
class LearnerPage:
    nodes: list[LearnerCard]
    end_cursor: str | None
    has_next_page: bool
    total_count: int


async def learners(
    uow: ProgressUnitOfWork,
    principal: Principal,
    versions: CourseVersionCache,
    *,
    org: str | None = None,
    municipality: str | None = None,
    search: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> LearnerPage:
    limit = page_size(first)
    cursor = LearnerCursor.decode(after) if after else None
    trainer: str | None = None
    if principal.is_admin or principal.is_country_admin:
        scope = principal.country_scope(org)
    elif Role.TRAINER in principal.roles:
        scope, trainer = org, principal.sub
    else:
        raise Forbidden("The learner directory is for admins, country admins and trainers.")
    entries, total = await uow.national.learners(
        org=scope,
        municipality=municipality or None,
        words=search_words(search or ""),
        trainer=trainer,
        after=cursor,
        limit=limit + 1,
    )
    more = len(entries) > limit
    entries = entries[:limit]
    ids = [e.learner_id for e in entries]
    by_learner: dict[str, list[EnrollmentDetails]] = {}
    for row in await uow.national.enrollments_of(ids, trainer):
        by_learner.setdefault(row.learner_id, []).append(await details(uow, versions, row))
    certificates = await uow.national.certificate_ids_of(ids, trainer)
    cards = [LearnerCard(e, by_learner.get(e.learner_id, []), certificates.get(e.learner_id, [])) for e in entries]
    end = LearnerCursor(entries[-1].name_key, entries[-1].learner_id).encode() if entries else None
    return LearnerPage(cards, end, more, total)
