"""Control characters are refused at the edge; ordinary text in every script passes."""

from __future__ import annotations

import pytest

from lms_shared.errors import BadInput
from lms_shared.text import check_text, has_control_character, request_has_control_character

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text", ["Aygün Məmmədova", "Әлия Қасымқызы", "Oʻgʻil", "line one\nline two\ttabbed\r\n", "", "100% = ok"]
)
def test_ordinary_text_passes(text: str) -> None:
    assert not has_control_character(text)
    assert check_text(text) == text


@pytest.mark.parametrize("text", ["a\x00b", "bell\x07", "esc\x1b[31m", "del\x7f", "\x0b"])
def test_control_characters_are_refused(text: str) -> None:
    with pytest.raises(BadInput, match="control characters"):
        check_text(text, "title")


@pytest.mark.parametrize(
    ("path", "query", "body"),
    [
        ("/v1/courses", b"search=a%00b", b""),
        ("/v1/courses", b"search=a%1fb", b""),
        ("/v1/courses", b"", b'{"title": "a\\u0000b"}'),
        ("/v1/courses", b"", b'{"title": "a\\u001Bb"}'),
        ("/v1/courses", b"", b'{"title": "x\\\\\\u0000"}'),  # an escaped backslash, then a real escape
        ("/verify/\x00", b"", b""),
    ],
)
def test_requests_carrying_a_control_character_are_spotted(path: str, query: bytes, body: bytes) -> None:
    assert request_has_control_character(path, query, body)


@pytest.mark.parametrize(
    ("query", "body"),
    [
        (b"search=%C5%9F%C9%99h%C9%99r", b'{"title": "\\u015e\\u0259h\\u0259r"}'),
        (b"search=line%0Abreak%09tab", b'{"body": "a\\nb\\tc\\r\\n\\u000a"}'),
        (b"", b'{"literal": "a backslash then u0000: \\\\u0000"}'),
    ],
)
def test_lookalikes_and_allowed_whitespace_pass(query: bytes, body: bytes) -> None:
    assert not request_has_control_character("/v1/courses", query, body)


def test_a_name_with_schwa_is_found_by_both_common_spellings() -> None:
    from lms_shared.text import name_search_key, search_words

    key = name_search_key("Əliyev Ülvi Məmməd oğlu")
    for typed in ("Eliyev Ulvi", "Aliyev Ulvi", "aliyev mammad", "ELİYEV"):
        assert all(word in key for word in search_words(typed)), typed
    assert key.startswith("eliyev ulvi memmed oglu "), "the usual folding comes first (the key orders by it)"
    assert name_search_key("Nurlan Abenov") == "nurlan abenov", "no second folding without ə"
    assert len(name_search_key("Ə" * 400)) == 300
