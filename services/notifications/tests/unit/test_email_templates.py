"""Email templates as data: every kind in every language, escaped HTML, the language fallback."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from importlib import resources
from typing import Any

import pytest
import yaml

from lms_shared.i18n import SUPPORTED_LANGUAGES
from notifications.domain.model import NotificationKind
from notifications.domain.templates import KIND_LINKS, KINDS, EmailContent, EmailTemplates, Recipient

pytestmark = pytest.mark.unit

PUBLIC = "https://kentbilim.example.org"
TEMPLATES = EmailTemplates(PUBLIC)
TITLES = {
    "en": "Participatory budgeting",
    "az": "İştirakçı büdcə",
    "kk": "Қатысымдық бюджет",
    "ky": "Катышуучулук бюджет",
    "tr": "Katılımcı bütçe",
    "uz": "Ishtirokchi byudjet",
    "ru": "Партисипаторное бюджетирование",
}
PARAMS: dict[str, dict[str, Any]] = {
    "CERTIFICATE_ISSUED": {"code": "KB-7Q2M-XY", "certificate_id": "cert-1"},
    "CERTIFICATE_REVOKED": {"code": "KB-7Q2M-XY", "certificate_id": "cert-1", "reason": "Issued by mistake"},
    "ENROLLED": {},
    "REGISTRATION_APPROVED": {},
    "REGISTRATION_REJECTED": {"reason": "The cohort is for municipal staff"},
    "WAITLIST_PROMOTED": {},
    "COURSE_UPDATED": {"version": 3},
    "SESSION_REMINDER": {
        "lesson_id": "lesson-9",
        "lesson_titles": {"en": "Forum day", "ru": "День форума"},
        "starts_at": "2026-12-04T06:00:00+00:00",
        "session_zone": "Asia/Baku",
        "venues": {"en": "City hall, room 2"},
        "online_url": "https://meet.example.org/forum",
        "offset_minutes": 1440,
    },
    "INACTIVITY_REMINDER": {"days": 14},
    "BULK_JOB_FINISHED": {
        "job_id": "job-1",
        "status": "COMPLETED",
        "total": 10,
        "issued": 8,
        "skipped": 1,
        "refused": 1,
        "failed": 0,
    },
}


def content(kind: str, **params: Any) -> EmailContent:
    return EmailContent(
        kind=kind,
        params={**PARAMS[kind], **params},
        course_id="course-1",
        course_titles=TITLES,
        course_default_language="en",
    )


def _placeholders(node: Any) -> set[str]:
    if isinstance(node, str):
        return set(re.findall(r"\{\{\s*(\w+)", node)) | set(re.findall(r"\{%\s*if\s+(\w+)", node))
    if isinstance(node, list):
        return set().union(*(_placeholders(n) for n in node)) if node else set()
    if isinstance(node, dict):
        return set().union(*(_placeholders(v) for v in node.values())) if node else set()
    return set()


def _keys(node: Any, prefix: str = "") -> set[str]:
    if isinstance(node, dict):
        out = set()
        for k, v in node.items():
            out |= {f"{prefix}{k}"} | _keys(v, f"{prefix}{k}.")
        return out
    return set()


def _load(lang: str) -> dict[str, Any]:
    folder = resources.files("notifications") / "templates" / "email"
    data: dict[str, Any] = yaml.safe_load((folder / f"{lang}.yaml").read_text(encoding="utf-8"))
    return data


def test_the_kinds_are_the_contract_kinds() -> None:
    assert set(KINDS) == {k.value for k in NotificationKind} == set(KIND_LINKS)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_language_has_every_text_with_the_same_placeholders(lang: str) -> None:
    english, other = _load("en"), _load(lang)
    assert _keys(other) == _keys(english), f"{lang}.yaml: keys differ from en.yaml"
    for kind in KINDS:
        assert _placeholders(other["kinds"][kind]) == _placeholders(english["kinds"][kind]), f"{lang} {kind}"
    assert len(other["common"]["months"]) == 12


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_in_every_language(kind: str, lang: str) -> None:
    rendered = TEMPLATES.render(
        content(kind), Recipient("l1", "Aygün", lang), unsubscribe_url=f"{PUBLIC}/unsubscribe/t"
    )
    assert rendered.lang == lang
    assert rendered.subject and "{" not in rendered.subject and "\n" not in rendered.subject
    for part in (rendered.text, rendered.html):
        assert "{{" not in part and "{%" not in part
        assert f"{PUBLIC}/unsubscribe/t" in part
    assert TITLES[lang] in rendered.text, "the course title in the recipient's language"
    if kind == "SESSION_REMINDER" and lang != "en":
        pass  # the session title falls back to English where it has no translation
    english = TEMPLATES.render(content(kind), Recipient("l1", "Aygün", "en"), unsubscribe_url="u")
    if lang != "en":
        assert rendered.subject != english.subject, f"{kind} is not translated into {lang}"


def test_the_certificate_email_has_the_verify_link_and_the_pdf_link() -> None:
    r = TEMPLATES.render(content("CERTIFICATE_ISSUED"), Recipient("l1", "Aygün", "az"), unsubscribe_url="u")
    assert f"{PUBLIC}/verify/KB-7Q2M-XY" in r.text
    assert f'href="{PUBLIC}/verify/KB-7Q2M-XY"' in r.html
    assert f'href="{PUBLIC}/certificates"' in r.html
    assert "KB-7Q2M-XY" in r.subject or "KB-7Q2M-XY" in r.text


def test_reasons_are_in_the_email() -> None:
    revoked = TEMPLATES.render(content("CERTIFICATE_REVOKED"), Recipient("l1", None, "en"), unsubscribe_url="u")
    assert "Issued by mistake" in revoked.text and "Issued by mistake" in revoked.html
    rejected = TEMPLATES.render(content("REGISTRATION_REJECTED"), Recipient("l1", None, "ru"), unsubscribe_url="u")
    assert "The cohort is for municipal staff" in rejected.text


def test_typed_values_are_escaped_in_html_and_verbatim_in_text() -> None:
    evil = '<script>alert("x")</script> & <b>bold</b>'
    c = EmailContent(
        kind="REGISTRATION_REJECTED",
        params={"reason": evil},
        course_id="c",
        course_titles={"en": '<img src=x onerror="alert(1)">'},
    )
    r = TEMPLATES.render(c, Recipient("l1", '<a href="https://evil">Eve</a>', "en"), unsubscribe_url="u")
    assert "<script>" not in r.html and "<img" not in r.html and '<a href="https://evil">' not in r.html
    assert "&lt;script&gt;" in r.html and "&amp; &lt;b&gt;" in r.html
    assert evil in r.text, "the plain-text part shows what was typed"


def test_a_join_link_that_is_not_http_is_dropped() -> None:
    c = content("SESSION_REMINDER", online_url="javascript:alert(1)")
    r = TEMPLATES.render(c, Recipient("l1", None, "en"), unsubscribe_url="u")
    assert "javascript:" not in r.html and "javascript:" not in r.text
    assert f"{PUBLIC}/courses/course-1/lessons/lesson-9" in r.text


def test_a_session_reminder_names_the_time_in_the_learners_zone_and_the_venue_and_join_link() -> None:
    almaty = TEMPLATES.render(
        content("SESSION_REMINDER"), Recipient("l1", None, "ru", zoneinfo="Asia/Almaty"), unsubscribe_url="u"
    )
    assert "4 декабря 2026 г., 11:00 (Asia/Almaty)" in almaty.text
    assert "завтра" in almaty.subject and "День форума" in almaty.subject
    assert "City hall, room 2" in almaty.text
    assert "https://meet.example.org/forum" in almaty.text
    # No zone known for the learner: the session's own zone.
    baku = TEMPLATES.render(
        content("SESSION_REMINDER", offset_minutes=60), Recipient("l1", None, "en"), unsubscribe_url="u"
    )
    assert "4 December 2026, 10:00 (Asia/Baku)" in baku.text and "in an hour" in baku.subject


@pytest.mark.parametrize(
    ("pref", "token", "expected"),
    [
        ("kk", "ru", "kk"),  # the preference wins
        (None, "ru-RU", "ru"),  # then the token's locale, normalized
        (None, "de", "en"),  # a language the platform does not speak: English
        ("KY", None, "ky"),
        (None, None, "en"),
    ],
)
def test_the_recipients_language_with_the_documented_fallback(
    pref: str | None, token: str | None, expected: str
) -> None:
    r = TEMPLATES.render(content("ENROLLED"), Recipient("l1", None, pref, token_locale=token), unsubscribe_url="u")
    assert r.lang == expected


def test_a_course_title_missing_in_the_language_falls_back_to_the_course_default() -> None:
    c = EmailContent(
        kind="ENROLLED",
        params={},
        course_id="c",
        course_titles={"ru": "Бюджет", "en": "Budget"},
        course_default_language="ru",
    )
    r = TEMPLATES.render(c, Recipient("l1", None, "tr"), unsubscribe_url="u")
    assert "Бюджет" in r.subject


def test_the_unsubscribe_page_in_every_language() -> None:
    for lang in SUPPORTED_LANGUAGES:
        ask = TEMPLATES.unsubscribe_page(lang=lang, kind="CERTIFICATE_ISSUED", state="ask")
        done = TEMPLATES.unsubscribe_page(lang=lang, kind="CERTIFICATE_ISSUED", state="done")
        assert f'lang="{lang}"' in ask and '<form method="post"' in ask and "<form" not in done
        assert ask != done
    invalid = TEMPLATES.unsubscribe_page(lang=None, kind=None, state="invalid")
    assert "not valid" in invalid


def test_a_digest_lists_its_entries() -> None:
    from notifications.domain.templates import DigestEntry

    r = TEMPLATES.render_digest(
        [DigestEntry("First <b>", "Body one", f"{PUBLIC}/a"), DigestEntry("Second", "Body two", None)],
        Recipient("l1", "Ann", "en"),
        frequency="DAILY",
        period_start=datetime(2026, 12, 1, tzinfo=UTC),
        unsubscribe_url="u",
    )
    assert "1 December 2026" in r.subject
    assert "First <b>" in r.text and "First &lt;b&gt;" in r.html and "Body two" in r.text
    assert "(2 notifications)" in r.text


def test_rendered_email_parses_as_multipart_alternative() -> None:
    from notifications.domain.email import compose

    r = TEMPLATES.render(content("CERTIFICATE_ISSUED"), Recipient("l1", "Анна", "ru"), unsubscribe_url="u")
    msg = compose(
        r,
        from_address="no-reply@k.example",
        from_name="Kentbilim",
        to_address="a@example.org",
        message_id="<n@k.example>",
        unsubscribe_link="https://k/u/t",
        date=datetime(2026, 12, 1, tzinfo=UTC),
    )
    parsed = message_from_bytes(msg.as_bytes(), policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert str(parsed["Subject"]) == r.subject
    body = parsed.get_body(("plain",))
    assert body is not None and "Здравствуйте, Анна!" in body.get_content()
