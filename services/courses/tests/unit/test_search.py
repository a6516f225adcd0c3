"""The search normalizer: what readers of each of our languages expect to match."""

from __future__ import annotations

import pytest

from courses.domain.search import normalize_search, search_document, search_terms, topic_key

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("İstanbul", "istanbul"),  # Turkish dotted capital İ
        ("ISTANBUL", "ıstanbul"),  # dotless ı typed for I
        ("Iğdır", "igdir"),
        ("Kentsel dönüşüm", "KENTSEL DONUSUM"),
        ("Şəhər", "şəhər"),  # Azerbaijani ə, both cases
        ("Şəhər büdcəsi", "seher budcesi"),  # typed on a keyboard without ə
        ("Қала басқаруы", "қала БАСҚАРУЫ"),  # Kazakh Cyrillic letters keep their identity
        ("Шаар өнүгүүсү", "шаар ӨНҮГҮҮСҮ"),  # Kyrgyz
        ("Oʻzbekiston shaharlari", "o'zbekiston"),  # Uzbek oʻ typed with an ASCII apostrophe
        ("Gʻarbiy hudud", "garbiy"),
        ("Городское управление", "ГОРОДСКОЕ"),  # Russian
        ("Ёлка", "елка"),
    ],
)
def test_a_reader_finds_the_text_however_they_type_it(stored: str, typed: str) -> None:
    assert normalize_search(typed) in normalize_search(stored)


def test_kazakh_letters_are_not_folded_into_russian_ones() -> None:
    # қ is a different letter from к: folding them would match unrelated words.
    assert normalize_search("қала") != normalize_search("кала")


def test_whitespace_is_collapsed_and_the_result_does_not_depend_on_the_locale() -> None:
    assert normalize_search("  İyi\t\n  günler  ") == "iyi gunler"


def test_every_word_of_a_query_is_a_separate_term() -> None:
    assert search_terms("  İklim  UYUM ") == ["iklim", "uyum"]
    assert search_terms("   ") == []


def test_search_document_joins_every_language() -> None:
    doc = search_document(["Akıllı şehirler", "Ақылды қалалар", ""])
    assert "akilli sehirler" in doc and "ақылды қалалар" in doc


def test_topics_compare_as_identifiers() -> None:
    assert topic_key("Smart Cities") == topic_key("smart-cities") == "smart-cities"
