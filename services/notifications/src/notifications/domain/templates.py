"""Email templates as data: one YAML file of texts per language and two layouts (HTML, plain text).

The texts live in ``notifications/templates/email/<lang>.yaml``; every interpolated value is escaped in
the HTML part by Jinja2's autoescape (course titles, reasons and venues are typed by people), and the
plain-text part is rendered from the same texts without escaping. The recipient's language follows
``lms_shared.i18n``: the preference locale, else the token locale, else English; a localized value
(a course title) follows the same order, then the course's default language, then any language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
import yaml
from markupsafe import Markup

from lms_shared.i18n import SUPPORTED_LANGUAGES, normalize_lang, pick

FALLBACK_LANGUAGE = "en"

KINDS = (
    "CERTIFICATE_ISSUED",
    "CERTIFICATE_REVOKED",
    "ENROLLED",
    "REGISTRATION_APPROVED",
    "REGISTRATION_REJECTED",
    "WAITLIST_PROMOTED",
    "COURSE_UPDATED",
    "SESSION_REMINDER",
    "INACTIVITY_REMINDER",
    "BULK_JOB_FINISHED",
)
ALL_KINDS = "ALL"
"""The unsubscribe target of a digest: every email, not one kind."""

# What each kind's buttons link to, in order (a key of the kind's ``actions`` and of the links).
KIND_LINKS: dict[str, tuple[str, ...]] = {
    "CERTIFICATE_ISSUED": ("verify_url", "pdf_url"),
    "CERTIFICATE_REVOKED": ("verify_url",),
    "ENROLLED": ("course_url",),
    "REGISTRATION_APPROVED": ("course_url",),
    "REGISTRATION_REJECTED": ("course_url",),
    "WAITLIST_PROMOTED": ("course_url",),
    "COURSE_UPDATED": ("course_url",),
    "SESSION_REMINDER": ("join_url", "session_url"),
    "INACTIVITY_REMINDER": ("course_url",),
    "BULK_JOB_FINISHED": ("job_url",),
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


@dataclass(frozen=True)
class Recipient:
    """Who an email is for, as the service knows them (from tokens and events)."""

    id: str
    name: str | None = None
    locale: str | None = None
    """The locale of the person's notification preferences (wins), None when not set."""
    zoneinfo: str | None = None
    """IANA zone for times in the email; None = the session's own zone, else UTC."""
    token_locale: str | None = None
    """The token's ``locale`` claim (or an event's LearnerData.locale): the second choice, then English."""


@dataclass(frozen=True)
class EmailContent:
    """One notification as the email needs it: its kind and the facts the texts interpolate."""

    kind: str
    params: Mapping[str, Any]
    """Facts of the notification (course, code, reason, starts_at, venue, …; see the README)."""
    url: str | None = None
    """Where the notification leads in the web client (the main button when the kind has no own link)."""
    course_id: str | None = None
    course_titles: Mapping[str, str] = field(default_factory=dict)
    """The course's titles by language (the service's course projection)."""
    course_default_language: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class RenderedEmail:
    lang: str
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class DigestEntry:
    title: str
    body: str
    url: str | None


@dataclass
class _Language:
    code: str
    data: dict[str, Any]
    compiled: dict[tuple[str, bool], jinja2.Template] = field(default_factory=dict)


class TemplateError(ValueError):
    """A template file is malformed (caught by the unit tests, never at send time)."""


def _package_files() -> Any:
    return resources.files("notifications") / "templates" / "email"


class EmailTemplates:
    """Loads every language once; renders one notification, a digest, or the unsubscribe page."""

    def __init__(self, public_url: str, texts: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.public_url = public_url.rstrip("/")
        folder = _package_files()
        loaded = texts or {
            lang: yaml.safe_load((folder / f"{lang}.yaml").read_text(encoding="utf-8")) for lang in SUPPORTED_LANGUAGES
        }
        self._langs = {code: _Language(code, dict(data)) for code, data in loaded.items()}
        if FALLBACK_LANGUAGE not in self._langs:
            raise TemplateError("the English texts are the fallback and must exist")
        # Two environments: HTML escapes every value, plain text leaves it as typed.
        undefined = jinja2.ChainableUndefined
        self._html = jinja2.Environment(autoescape=True, undefined=undefined, keep_trailing_newline=True)
        # The plain-text part is never parsed as HTML: escaping it would show &amp; to the reader.
        self._text = jinja2.Environment(autoescape=False, undefined=undefined, keep_trailing_newline=True)  # noqa: S701
        self._layouts = {
            "html": self._html.from_string((folder / "layout.html.j2").read_text(encoding="utf-8")),
            "text": self._text.from_string((folder / "layout.txt.j2").read_text(encoding="utf-8")),
            "unsubscribe": self._html.from_string((folder / "unsubscribe.html.j2").read_text(encoding="utf-8")),
        }

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._langs)

    # -- language ------------------------------------------------------------------------------
    def language_for(self, *candidates: str | None) -> str:
        """The first candidate we have texts in (the order of ``lms_shared.i18n``), else English."""
        for code in candidates:
            normalized = normalize_lang(code)
            if normalized in self._langs:
                return normalized
        return FALLBACK_LANGUAGE

    def _text_of(self, lang: str, *path: str) -> Any:
        """A text by its path in the language's file, falling back to English for a missing key."""
        for code in (lang, FALLBACK_LANGUAGE):
            node: Any = self._langs[code].data
            for part in path:
                node = node.get(part) if isinstance(node, Mapping) else None
                if node is None:
                    break
            if node is not None:
                return node
        raise TemplateError(f"no text for {'.'.join(path)}")

    def _render_str(self, lang: str, source: str, values: Mapping[str, Any], *, html: bool) -> str:
        cache = self._langs[lang].compiled
        key = (source, html)
        template = cache.get(key)
        if template is None:
            template = (self._html if html else self._text).from_string(source)
            cache[key] = template
        rendered = template.render(**values)
        return Markup(rendered) if html else rendered  # noqa: S704 - rendered with autoescape on

    # -- values ----------------------------------------------------------------------------------
    def _values(self, lang: str, content: EmailContent, recipient: Recipient) -> dict[str, Any]:
        """The facts as strings in the recipient's language (localized values picked, times formatted)."""

        def localized(value: Any) -> Any:
            if isinstance(value, Mapping):
                texts = {str(k): str(v) for k, v in value.items() if v}
                return pick(texts, lang, recipient.token_locale, content.course_default_language) or ""
            return "" if value is None else value

        p = content.params
        out: dict[str, Any] = {key: localized(value) for key, value in p.items()}
        if content.course_titles:
            out["course"] = localized(content.course_titles)
        # Aliases the core may use for the same facts (its in-app texts read the same params).
        for name, aliases in (("course", ("course_titles", "course_title")), ("session", ("lesson_titles", "lesson"))):
            if not out.get(name):
                out[name] = next((localized(p[a]) for a in aliases if p.get(a)), "") or self._text_of(
                    lang, "common", f"{name}_fallback"
                )
        if content.kind == "SESSION_REMINDER":
            zone = recipient.zoneinfo or str(p.get("zone") or p.get("session_zone") or "") or "UTC"
            starts = _parse_time(p.get("starts_at"))
            out["starts"] = self.format_datetime(starts, zone, lang) if starts else ""
            when_key = {1440: "when_24h", 60: "when_1h"}.get(_int(p.get("offset_minutes")) or 0, "when_other")
            out["when"] = self._text_of(lang, "kinds", "SESSION_REMINDER", when_key)
            out["venue"] = localized(p.get("venue") or p.get("venues"))
            out["join_url"] = safe_url(p.get("join_url") or p.get("online_url"))
        return out

    def format_datetime(self, moment: datetime, zone: str, lang: str) -> str:
        """``1 December 2026, 09:30 (Asia/Baku)`` in the language's own pattern and month names."""
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            tz, zone = ZoneInfo("UTC"), "UTC"
        local = moment.astimezone(tz)
        months = self._text_of(lang, "common", "months")
        return self._render_str(
            lang,
            self._text_of(lang, "common", "datetime"),
            {
                "day": local.day,
                "month": months[local.month - 1],
                "year": local.year,
                "time": f"{local.hour:02d}:{local.minute:02d}",
                "zone": zone,
            },
            html=False,
        )

    def format_date(self, moment: datetime, lang: str) -> str:
        months = self._text_of(lang, "common", "months")
        return self._render_str(
            lang,
            self._text_of(lang, "common", "date"),
            {"day": moment.day, "month": months[moment.month - 1], "year": moment.year},
            html=False,
        )

    def links(self, content: EmailContent) -> dict[str, str]:
        """The kind's links: web-client pages under the public URL, or a join link typed by a trainer."""
        p = content.params
        base = self.public_url
        links: dict[str, str] = {}
        course_id = content.course_id or p.get("course_id")
        if course_id:
            links["course_url"] = f"{base}/courses/{course_id}"
        if p.get("code"):
            links["verify_url"] = f"{base}/verify/{p['code']}"
        if content.kind == "CERTIFICATE_ISSUED":
            # The PDF is a short-lived presigned link for its holder only: the certificates page
            # (after sign-in) makes a fresh one at click time.
            links["pdf_url"] = f"{base}/certificates"
        if content.kind == "SESSION_REMINDER":
            join = safe_url(p.get("join_url") or p.get("online_url"))
            if join:
                links["join_url"] = join
            if course_id and p.get("lesson_id"):
                links["session_url"] = f"{base}/courses/{course_id}/lessons/{p['lesson_id']}"
        if content.kind == "BULK_JOB_FINISHED":
            links["job_url"] = f"{base}/admin/bulk"
        if content.url:
            url = (
                content.url if content.url.startswith(("http://", "https://")) else f"{base}/{content.url.lstrip('/')}"
            )
            for key in KIND_LINKS.get(content.kind, ()):
                if key not in links and key not in ("join_url", "pdf_url"):
                    links[key] = url
        return links

    # -- rendering ---------------------------------------------------------------------------------
    def render(self, content: EmailContent, recipient: Recipient, *, unsubscribe_url: str) -> RenderedEmail:
        """One notification's email in the recipient's language: subject, HTML and plain text."""
        if content.kind not in KIND_LINKS:
            raise TemplateError(f"unknown notification kind {content.kind!r}")
        lang = self.language_for(recipient.locale, recipient.token_locale)
        values = self._values(lang, content, recipient)
        subject = clean_header(
            self._render_str(lang, self._text_of(lang, "kinds", content.kind, "subject"), values, html=False)
        )
        bodies: Sequence[str] = self._text_of(lang, "kinds", content.kind, "body")
        labels: Mapping[str, str] = self._text_of(lang, "kinds", content.kind, "actions")
        links = self.links(content)
        actions = [{"label": labels[key], "url": links[key]} for key in KIND_LINKS[content.kind] if links.get(key)]
        return self._compose(lang, recipient, subject, bodies, values, actions, [], unsubscribe_url)

    def render_digest(
        self,
        entries: Sequence[DigestEntry],
        recipient: Recipient,
        *,
        frequency: str,
        period_start: datetime,
        unsubscribe_url: str,
    ) -> RenderedEmail:
        """One email listing a period's notifications (titles and bodies already in the language)."""
        lang = self.language_for(recipient.locale, recipient.token_locale)
        key = "subject_weekly" if frequency == "WEEKLY" else "subject_daily"
        period = self.format_date(period_start, lang)
        subject = clean_header(
            self._render_str(lang, self._text_of(lang, "digest", key), {"period": period}, html=False)
        )
        intro = [self._text_of(lang, "digest", "intro")]
        open_label = self._text_of(lang, "digest", "open")
        items = [{"title": e.title, "body": e.body, "url": safe_url(e.url), "open": open_label} for e in entries]
        return self._compose(
            lang,
            recipient,
            subject,
            intro,
            {"count": len(entries)},
            [],
            items,
            unsubscribe_url,
            unsubscribe_key="unsubscribe_all",
        )

    def _compose(
        self,
        lang: str,
        recipient: Recipient,
        subject: str,
        bodies: Sequence[str],
        values: Mapping[str, Any],
        actions: list[dict[str, str]],
        items: list[dict[str, Any]],
        unsubscribe_url: str,
        *,
        unsubscribe_key: str = "unsubscribe",
    ) -> RenderedEmail:
        parts: dict[str, str] = {}
        for kind, html in (("html", True), ("text", False)):
            name = recipient.name or ""
            greeting = (
                self._render_str(lang, self._text_of(lang, "common", "greeting"), {"name": name}, html=html)
                if name.strip()
                else self._text_of(lang, "common", "greeting_anonymous")
            )
            paragraphs = [p for p in (self._render_str(lang, b, values, html=html).strip() for b in bodies) if p]
            parts[kind] = self._layouts[kind].render(
                lang=lang,
                subject=subject,
                greeting=greeting,
                paragraphs=paragraphs,
                actions=actions,
                items=items,
                signature=self._text_of(lang, "common", "signature"),
                why=self._text_of(lang, "common", "why"),
                unsubscribe=self._text_of(lang, "common", unsubscribe_key),
                unsubscribe_url=unsubscribe_url,
                preferences=self._text_of(lang, "common", "preferences"),
                preferences_url=f"{self.public_url}/notifications",
            )
        return RenderedEmail(lang=lang, subject=subject, html=parts["html"], text=parts["text"])

    def kind_name(self, kind: str, lang: str) -> str:
        return str(self._text_of(lang, "kind_names", kind)) if kind != ALL_KINDS else ""

    def unsubscribe_page(self, *, lang: str | None, kind: str | None, state: str, action: str = "") -> str:
        """The small page of ``/v1/unsubscribe/{token}``: ``ask`` (GET), ``done`` (POST) or ``invalid``."""
        code = self.language_for(lang)
        kind_name = self.kind_name(kind, code) if kind else ""
        every = kind == ALL_KINDS
        message_key = {
            "ask": "question_all" if every else "question",
            "done": "done_all" if every else "done",
        }.get(state, "invalid")
        message = self._render_str(
            code, self._text_of(code, "unsubscribe_page", message_key), {"kind": kind_name}, html=True
        )
        return self._layouts["unsubscribe"].render(
            lang=code,
            title=self._text_of(code, "unsubscribe_page", "title"),
            message=message,
            form=state == "ask",
            action=action,
            confirm=self._text_of(code, "unsubscribe_page", "confirm"),
            settings=self._text_of(code, "unsubscribe_page", "settings"),
        )


def safe_url(value: Any) -> str:
    """An http(s) URL without whitespace or control characters, else "" (a join link is typed by a trainer)."""
    if not isinstance(value, str):
        return ""
    url = value.strip()
    if not url.lower().startswith(("https://", "http://")) or any(c.isspace() or ord(c) < 32 for c in url):
        return ""
    return url


def clean_header(value: str) -> str:
    """One line: control characters and line breaks of a typed title become spaces (no header injection)."""
    return " ".join(_CONTROL.sub(" ", value).split())


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


@lru_cache(maxsize=4)
def default_templates(public_url: str) -> EmailTemplates:
    """One loaded set per public URL and process (the YAML files are read once)."""
    return EmailTemplates(public_url)
