"""Certificate codes: what a person reading one off paper and typing it needs to work."""

from __future__ import annotations

import re
import secrets

import pytest

from certificates.domain.codes import (
    ALPHABET,
    BODY_LENGTH,
    RANDOM_LENGTH,
    check_character,
    format_code,
    generate_code,
    is_valid_code,
    normalize_code,
)

pytestmark = pytest.mark.unit

CODE_RE = re.compile(r"KB-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}")


def _code(payload: str) -> str:
    return format_code(payload + check_character(payload))


def _random_bodies(count: int) -> list[str]:
    bodies = []
    for _ in range(count):
        payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
        bodies.append(payload + check_character(payload))
    return bodies


def test_alphabet_has_no_ambiguous_characters() -> None:
    assert len(set(ALPHABET)) == len(ALPHABET) == 32
    assert not set("0O1I") & set(ALPHABET)


def test_generated_codes_are_well_formed_and_unambiguous() -> None:
    codes = {generate_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert CODE_RE.fullmatch(code), code
        assert not set("0O1I") & set(code.replace("KB-", ""))
        assert normalize_code(code) == code


def test_check_character_catches_every_single_character_substitution() -> None:
    for body in _random_bodies(40):
        for position in range(BODY_LENGTH):
            for replacement in ALPHABET:
                if replacement == body[position]:
                    continue
                typo = body[:position] + replacement + body[position + 1 :]
                assert normalize_code(typo) is None, (body, position, replacement)


def test_check_character_catches_swapped_neighbours() -> None:
    for body in _random_bodies(200):
        for position in range(BODY_LENGTH - 1):
            if body[position] == body[position + 1]:
                continue
            swapped = body[:position] + body[position + 1] + body[position] + body[position + 2 :]
            assert normalize_code(swapped) is None, (body, position)


def test_normalize_accepts_what_people_type() -> None:
    code = _code("7QX4M9PAK3T")
    body = code.replace("KB-", "").replace("-", "")
    assert normalize_code(code.lower()) == code
    assert normalize_code(f"  {code.lower()}  ") == code
    assert normalize_code(body) == code
    assert normalize_code(body.lower()) == code
    assert normalize_code(" ".join(body[i : i + 4] for i in range(0, 12, 4))) == code
    assert normalize_code(code.replace("-", " – ")) == code  # en dash from a word processor
    assert normalize_code(code.replace("-", "\u00a0")) == code  # no-break spaces from a PDF
    assert normalize_code("\t" + code + "\n") == code


def test_normalize_folds_full_width_and_cyrillic_look_alikes() -> None:
    code = _code("KBM4EAH7CTX")
    full_width = "".join(chr(ord(ch) + 0xFEE0) if ch != "-" else ch for ch in code)
    assert normalize_code(full_width) == code
    # Typed on a Kazakh or Russian keyboard layout, these letters come out Cyrillic.
    cyrillic = code.translate(str.maketrans("KBMEAHCTX", "КВМЕАНСТХ"))
    assert cyrillic != code
    assert normalize_code(cyrillic) == code
    assert normalize_code(cyrillic.lower()) == code


def test_turkish_dotted_and_dotless_i_are_rejected_cleanly() -> None:
    code = _code("7QX4M9PAK3T")
    # Codes never contain I, so any i-like letter is a misreading: reject, never crash or guess.
    for letter in ("ı", "İ", "i", "I", "i\u0307"):
        assert normalize_code(code[:-1] + letter) is None
    assert normalize_code("kb-7qx4-m9pa-k3tİ") is None
    # In a Turkish locale "i".upper() is "İ"; an ASCII-only fold keeps lowercase input working.
    assert normalize_code(code.lower()) == code


def test_unicode_case_mapping_tricks_do_not_sneak_in() -> None:
    code = _code("SS7QX4M9PAK")
    # str.upper() would turn "ß" into "SS" and "ﬀ"/"ﬁ" into two letters; we must not.
    assert normalize_code(code.replace("SS", "ß", 1)) is None
    assert normalize_code(code.replace("SS", "ẞ", 1)) is None


@pytest.mark.parametrize(
    "text",
    ["", "KB", "KB-", "0000-0000-0000", "KB-7QX4-M9PA", "KB-7QX4-M9PA-K3TD-2222", "x" * 1000, "😀" * 12],
)
def test_normalize_rejects_malformed_input(text: str) -> None:
    assert normalize_code(text) is None
    assert not is_valid_code(text)


def test_normalize_rejects_non_strings() -> None:
    assert normalize_code(None) is None
    assert normalize_code(1234) is None
    assert normalize_code(b"KB-7QX4-M9PA-K3TD") is None


def test_check_character_rejects_bad_payloads() -> None:
    with pytest.raises(ValueError, match="payload"):
        check_character("SHORT")
    with pytest.raises(ValueError, match="payload"):
        check_character("0" * RANDOM_LENGTH)
