"""Every UI message exists in every language, with the same placeholders, and in the right script."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

WEB = Path(__file__).resolve().parents[2] / "gateway" / "web"
CATALOGUES = WEB / "src" / "i18n"
LANGUAGES = ("en", "tr", "az", "kk", "ky", "uz", "ru")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
USED_KEY = re.compile(r"\bt\(\s*\"([a-zA-Z]+\.[\w.-]+)\"")


def _load(lang: str) -> dict[str, str]:
    data = json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{lang}.json must be one flat object of key -> message"
    return data


def _placeholders(message: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(message))


def catalogue_problems(catalogues: dict[str, dict[str, str]]) -> list[str]:
    """Every way the catalogues disagree with English, one line each, for a readable failure."""
    english = catalogues["en"]
    problems: list[str] = []
    for lang, messages in catalogues.items():
        if lang == "en":
            continue
        for key, text in english.items():
            if key not in messages:
                problems.append(f"{lang}: missing {key!r}")
            elif not messages[key].strip():
                problems.append(f"{lang}: {key!r} is empty")
            elif _placeholders(messages[key]) != _placeholders(text):
                problems.append(
                    f"{lang}: {key!r} has {_placeholders(messages[key])}, English has {_placeholders(text)}"
                )
        problems += [f"{lang}: {key!r} is not in en.json" for key in messages.keys() - english.keys()]
    return problems


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    problems = catalogue_problems({lang: _load(lang) for lang in LANGUAGES})
    assert not problems, "Message catalogues are incomplete:\n  " + "\n  ".join(problems)


def test_the_check_reports_a_missing_key_and_a_placeholder_mismatch() -> None:
    catalogues = {"en": {"a.b": "Hello {name}", "c.d": "Bye"}, "tr": {"a.b": "Merhaba {isim}"}}
    assert catalogue_problems(catalogues) == [
        "tr: 'a.b' has ['isim'], English has ['name']",
        "tr: missing 'c.d'",
    ]


def test_every_key_the_source_uses_is_in_the_english_catalogue() -> None:
    english = _load("en")
    missing = sorted(
        f"{path.relative_to(WEB)}: {key}"
        for path in (WEB / "src").rglob("*.ts*")
        for key in USED_KEY.findall(path.read_text(encoding="utf-8"))
        if key not in english
    )
    assert not missing, "Keys used in the source but missing in en.json:\n  " + "\n  ".join(missing)


@pytest.mark.parametrize(
    ("lang", "letters"),
    [
        ("az", "ə"),  # Azerbaijani Latin
        ("kk", "әғқңөұүі"),  # Kazakh Cyrillic
        ("ky", "өүң"),  # Kyrgyz Cyrillic
        ("uz", "ʻ"),  # Uzbek Latin oʻ gʻ (U+02BB), never an ASCII apostrophe
        ("tr", "ğışİ"),
        ("ru", "ыё"),
    ],
)
def test_catalogues_are_written_in_their_own_alphabet(lang: str, letters: str) -> None:
    text = "".join(_load(lang).values())
    assert all(ch in text for ch in letters), f"{lang}.json lacks some of {letters!r}: is it really translated?"
    if lang == "uz":
        assert not re.search(r"[og]'", text), "Uzbek oʻ/gʻ must use U+02BB, not an ASCII apostrophe"
    english = _load("en")
    same = [k for k, v in _load(lang).items() if v == english.get(k) and len(v) > 12]
    assert len(same) < 5, f"{lang}.json has English text left in: {same[:5]}"
