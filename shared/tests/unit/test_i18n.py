from __future__ import annotations

import pytest

from lms_shared.i18n import ascii_lower, ascii_upper, fallback_order, normalize_lang, pick

pytestmark = pytest.mark.unit

TITLES = {"az": "İştirakçı büdcə", "kk": "Қатысымдық бюджет", "en": "Participatory budgeting"}


def test_requested_language_wins() -> None:
    assert pick(TITLES, "kk", "az", "en") == "Қатысымдық бюджет"


def test_then_the_viewers_locale_then_the_course_default() -> None:
    assert pick(TITLES, "ru", "az", "en") == "İştirakçı büdcə"
    assert pick(TITLES, "ru", "uz", "en") == "Participatory budgeting"


def test_something_rather_than_nothing() -> None:
    assert pick({"ky": "Бюджет"}, "ru", None, "en") == "Бюджет"
    assert pick({}, "ru", None, "en") is None


def test_region_subtags_and_case_are_ignored() -> None:
    assert normalize_lang("KK-kz") == "kk"
    assert normalize_lang("az_Latn") == "az"
    assert fallback_order("TR", "tr-TR", "en") == ["tr", "en"]


def test_ascii_case_folding_leaves_turkic_letters_alone() -> None:
    assert ascii_lower("İSTANBUL") == "İstanbul"
    assert ascii_upper("kb-ıi") == "KB-ıI"
