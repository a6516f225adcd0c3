"""The in-app texts: every kind in the seven languages, with every placeholder filled."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lms_shared.i18n import SUPPORTED_LANGUAGES
from notifications.domain import texts
from notifications.domain.model import NotificationKind

pytestmark = pytest.mark.unit

PARAMS: dict[str, Any] = {
    "code": "KB-1",
    "verify_url": "https://x/verify/KB-1",
    "pdf_url": "https://x/certificates",
    "reason": "r",
    "version": 2,
    "lesson_titles": {"en": "Forum day"},
    "starts_at": "2026-12-04T09:00:00+00:00",
    "zone": "Asia/Baku",
    "venues": {"en": "Hall A"},
    "online_url": "https://meet",
    "days": 7,
    "status": "COMPLETED",
    "total": 10,
    "issued": 8,
    "skipped": 1,
    "refused": 0,
    "failed": 1,
}


def test_every_language_has_every_text() -> None:
    catalogue = texts.catalogue()
    assert set(catalogue) == set(SUPPORTED_LANGUAGES)
    keys = set(catalogue["en"])
    assert {str(k) for k in NotificationKind} <= keys
    for lang, words in catalogue.items():
        assert set(words) == keys, lang


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_kind_renders_in_every_language(lang: str, kind: NotificationKind) -> None:
    title, body = texts.render(kind, PARAMS, lang=lang, course_titles={"en": "Course"}, default_language="en")
    for text in (title, body):
        assert text and not re.search(r"[{}]", text)
    if lang != "en":
        assert (title, body) != texts.render(kind, PARAMS, lang="en", course_titles={"en": "Course"})


def test_session_time_in_the_zone_given() -> None:
    _, body = texts.render(NotificationKind.SESSION_REMINDER, PARAMS, lang="en")
    assert "2026-12-04 13:00 (Asia/Baku)" in body
    _, body = texts.render(NotificationKind.SESSION_REMINDER, {**PARAMS, "zone": "Not/AZone"}, lang="en")
    assert "2026-12-04 09:00 (UTC)" in body
