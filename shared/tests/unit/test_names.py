"""Names: normalised, refused when they would show differently from how they print, flagged when mixed."""

from __future__ import annotations

import unicodedata

import pytest

from lms_shared.names import NameRefused, clean_name

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Ərdəm Qasımov", "Ərdəm Qasımov"),
        ("  Айгүл \u00a0 Нұрланқызы\n", "Айгүл Нұрланқызы"),
        ("Dilnoza Yoʻldosheva", "Dilnoza Yoʻldosheva"),  # U+02BB is a letter in Uzbek Latin
        (unicodedata.normalize("NFD", "Gülnara Şükürova"), "Gülnara Şükürova"),
    ],
)
def test_names_are_stored_in_nfc_with_single_spaces(raw: str, stored: str) -> None:
    clean = clean_name(raw)
    assert clean.name == stored and unicodedata.is_normalized("NFC", clean.name)
    assert not clean.needs_confirmation


@pytest.mark.parametrize(
    "bad",
    [
        "Jane \u202eSmith",  # right-to-left override
        "Jane\u2066 Smith\u2069",  # isolates
        "Ja\u200bne",  # zero-width space
        "Ja\u200dne",  # zero-width joiner
        "\ufeffJane",  # byte-order mark
        "Ja\u00adne",  # soft hyphen
        "Jane\u3164",  # Hangul filler
        "Jane\x00",
    ],
)
def test_direction_controls_and_invisible_characters_are_refused(bad: str) -> None:
    with pytest.raises(NameRefused) as refused:
        clean_name(bad, "learner name")
    assert refused.value.code == "INVALID_CHARACTERS"
    assert str(refused.value).startswith("learner name contains") and "U+" in str(refused.value)


def test_an_empty_name_is_refused() -> None:
    with pytest.raises(NameRefused) as refused:
        clean_name(" \u00a0 ")
    assert refused.value.code == "MISSING_NAME"


def test_a_word_mixing_scripts_is_flagged_for_confirmation() -> None:
    lookalike = clean_name("\u0410yg\u00fcl Məmmədova")  # Cyrillic А + Latin
    assert lookalike.needs_confirmation and lookalike.mixed_script_words == ("\u0410yg\u00fcl",)
    # Two names in two scripts, each word in one script, is not a look-alike.
    assert not clean_name("Aygül Айгүл").needs_confirmation
