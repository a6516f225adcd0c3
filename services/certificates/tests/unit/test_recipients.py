"""Recognising the same person twice, and refusing rows that cannot be printed."""

from __future__ import annotations

import pytest

from certificates.domain.recipients import RecipientError, certificate_id, parse_recipient, recipient_key

pytestmark = pytest.mark.unit


def test_learner_id_wins_over_email_and_name() -> None:
    assert recipient_key("l-1", "a@b.org", "Name", None, None) == "learner:l-1"
    assert recipient_key(None, "A@B.ORG", "Name", None, None) == "email:a@b.org"


def test_email_case_is_folded_in_ascii_only() -> None:
    # A Turkish-locale fold would turn "I" into "ı" and make two people out of one.
    assert recipient_key(None, "ISIK@Example.ORG", "x", None, None) == "email:isik@example.org"
    assert recipient_key(None, "İlknur@example.org", "x", None, None) == "email:İlknur@example.org"


def test_name_key_ignores_case_spacing_and_normal_form() -> None:
    decomposed = "C\u0327ag\u0306ri\u0307"  # Ç ğ i̇ written with combining marks
    a = recipient_key(None, None, "  Zhanar   Bekova ", "KZ", "Shymkent")
    b = recipient_key(None, None, "zhanar bekova", "kz", "SHYMKENT")
    assert a == b
    assert recipient_key(None, None, decomposed, None, None) == recipient_key(None, None, "Çağri\u0307", None, None)


def test_different_municipality_is_a_different_person() -> None:
    assert recipient_key(None, None, "Ali", "TR", "Ankara") != recipient_key(None, None, "Ali", "TR", "Izmir")


def test_certificate_id_is_stable_and_changes_with_generation() -> None:
    first = certificate_id("course-1", "learner:l-1")
    assert first == certificate_id("course-1", "learner:l-1")
    assert first != certificate_id("course-2", "learner:l-1")
    assert first != certificate_id("course-1", "learner:l-1", generation=1)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"name": "   "}, "row 3: name is empty"),
        ({}, "row 3: name is empty"),
        ({"name": "x" * 201}, "row 3: name is 201 characters long"),
        ({"name": "Ok", "email": "nope"}, "row 3: email 'nope' is not an e-mail address"),
        ({"name": "Bell\x07"}, "row 3: name contains an invisible or control character (U+0007)"),
        ({"name": "Jane \u202eSmith"}, "row 3: name contains a text-direction control character (U+202E)"),
        ({"name": "Ja\u200bne"}, "row 3: name contains an invisible or control character (U+200B)"),
        ({"name": "\u0410yg\u00fcl"}, "row 3: name mixes letters of two scripts in 'Аygül'"),
        ({"name": "Ok", "org": "y" * 201}, "row 3: org is longer than 200"),
    ],
)
def test_bad_rows_say_which_row_and_why(row: dict[str, str], message: str) -> None:
    with pytest.raises(RecipientError) as info:
        parse_recipient(row, "row 3")
    assert str(info.value).startswith(message)


def test_parse_cleans_whitespace_and_normalises_to_nfc() -> None:
    r = parse_recipient({"name": " Ə\u0301li   Vəli ", "email": " a@b.az ", "learnerId": ""}, "row 1")
    assert r.name == "Ə\u0301li Vəli"
    assert r.email == "a@b.az" and r.learner_id is None
    assert parse_recipient({"name": "E\u0301"}, "row 1").name == "\u00c9"


def test_a_mixed_script_name_is_issued_as_written_once_confirmed_and_names_are_nfc() -> None:
    assert parse_recipient({"name": "\u0410yg\u00fcl", "nameConfirmed": True}).name == "\u0410yg\u00fcl"
    with pytest.raises(RecipientError) as info:
        parse_recipient({"name": "\u0410yg\u00fcl", "nameConfirmed": "yes"})
    assert info.value.code == "MIXED_SCRIPT"
    assert parse_recipient({"name": "Gu\u0308lnara  S\u0327u\u0308ku\u0308rova"}).name == "Gülnara Şükürova"


@pytest.mark.parametrize("field", ["learnerId", "org", "municipality", "email"])
def test_a_control_character_in_any_field_is_refused_before_it_reaches_the_database(field: str) -> None:
    with pytest.raises(RecipientError) as info:
        parse_recipient({"name": "Ok", field: "a\x00b@example.org"}, "row 3")
    assert info.value.code == "INVALID_CHARACTERS" and str(info.value).startswith(f"row 3: {field} contains control")
