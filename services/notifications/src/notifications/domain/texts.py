"""In-app titles and bodies per kind, in the seven languages (the words are data: ``inapp_texts.json``).

A notification stores its facts (``params``), never rendered text, so that each reader gets it in
their language: the one asked for, else their preference or token locale, else English (the
fallback of ``lms_shared.i18n``). Course and session titles are picked with the same order, then
the course's default language, then any language they have.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lms_shared.i18n import SUPPORTED_LANGUAGES, fallback_order, pick
from notifications.domain.model import NotificationKind

FALLBACK_LANGUAGE = "en"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, Any]]:
    raw = resources.files("notifications.domain").joinpath("inapp_texts.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, Any]] = json.loads(raw)
    return data


def language(lang: str | None, locale: str | None) -> str:
    """The language of the texts: the first of ``lang``, ``locale`` the platform speaks, else English."""
    for code in fallback_order(lang, locale, FALLBACK_LANGUAGE):
        if code in SUPPORTED_LANGUAGES:
            return code
    return FALLBACK_LANGUAGE


class _Facts(dict[str, Any]):
    """Missing placeholders render as nothing rather than failing a whole page of notifications."""

    def __missing__(self, key: str) -> str:
        return ""


def local_time(starts_at: str | datetime, zone: str | None) -> tuple[str, str]:
    """``("2026-12-03 10:00", "Asia/Baku")``: a session's start in the reader's zone (UTC if unknown)."""
    when = datetime.fromisoformat(starts_at) if isinstance(starts_at, str) else starts_at
    try:
        tz = ZoneInfo(zone) if zone else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz, zone = ZoneInfo("UTC"), "UTC"
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M"), zone or "UTC"


def render(
    kind: NotificationKind | str,
    params: Mapping[str, Any],
    *,
    lang: str | None,
    locale: str | None = None,
    course_titles: Mapping[str, str] | None = None,
    default_language: str | None = None,
) -> tuple[str, str]:
    """The title and body of a notification in the reader's language."""
    code = language(lang, locale)
    words = catalogue()[code]
    english = catalogue()[FALLBACK_LANGUAGE]

    def word(key: str) -> str:
        return str(words.get(key) or english[key])

    titles = course_titles or params.get("course_titles") or {}
    default = default_language or params.get("default_language")
    facts = _Facts({k: v for k, v in params.items() if not isinstance(v, (dict, list))})
    facts["course"] = pick(titles, code, locale, default) or word("_course")
    if kind == NotificationKind.SESSION_REMINDER:
        facts["session"] = pick(params.get("lesson_titles") or {}, code, locale, default) or word("_session")
        facts["when"], facts["zone"] = local_time(params["starts_at"], params.get("zone"))
        venue = pick(params.get("venues") or {}, code, locale, default)
        where = [word("_venue").format(venue=venue)] if venue else []
        if params.get("online_url"):
            where.append(word("_join").format(link=params["online_url"]))
        facts["where"] = " ".join(where)
    if kind in (NotificationKind.CERTIFICATE_REVOKED, NotificationKind.REGISTRATION_REJECTED):
        facts["reason"] = params.get("reason") or word("_no_reason")
    if kind == NotificationKind.BULK_JOB_FINISHED:
        facts["status"] = word(f"_status_{params.get('status', 'COMPLETED')}")
    title, body = words.get(str(kind)) or english[str(kind)]
    return title.format_map(facts).strip(), body.format_map(facts).strip()
