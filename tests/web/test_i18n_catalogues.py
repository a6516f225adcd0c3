"""Every UI message exists in every language, with the same placeholders, with the plural forms its
language needs, and in the right script. scripts/check-i18n.mjs runs the same checks in the build."""

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
PLURAL_KEY = re.compile(r"^(.+)_(zero|one|two|few|many|other)$")
# CLDR's cardinal plural categories for the languages (what Intl.PluralRules answers; the build's check asks
# Node's ICU, and tests/browser/test_plural_rules.py checks Chromium agrees).
PLURAL_CATEGORIES = {
    "en": {"one", "other"},
    "tr": {"one", "other"},
    "az": {"one", "other"},
    "kk": {"one", "other"},
    "ky": {"one", "other"},
    "uz": {"one", "other"},
    "ru": {"one", "few", "many", "other"},
}


def _load(lang: str) -> dict[str, str]:
    data = json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{lang}.json must be one flat object of key -> message"
    return data


def _placeholders(message: str) -> list[str]:
    return sorted(set(PLACEHOLDER.findall(message)))


def _split(messages: dict[str, str]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(plain messages, {plural base: {category: text}})."""
    plain: dict[str, str] = {}
    plural: dict[str, dict[str, str]] = {}
    for key, text in messages.items():
        m = PLURAL_KEY.match(key)
        if m:
            plural.setdefault(m[1], {})[m[2]] = text
        else:
            plain[key] = text
    return plain, plural


def catalogue_problems(catalogues: dict[str, dict[str, str]]) -> list[str]:
    """Every way the catalogues disagree with English or their plural rules, one line each."""
    en_plain, en_plural = _split(catalogues["en"])
    problems: list[str] = []
    for base, en_forms in en_plural.items():
        if "count" not in _placeholders(en_forms.get("other", "")):
            problems.append(f"en: plural {base!r} must use {{count}}, the number that picks the form")
    for lang, messages in catalogues.items():
        plain, plural = _split(messages)
        needed = PLURAL_CATEGORIES[lang]
        for base, english in en_plural.items():
            forms = plural.get(base)
            if forms is None:
                problems.append(f"{lang}: missing plural {base!r} (needs {sorted(needed)})")
                continue
            expected = _placeholders(english.get("other", ""))
            for category in sorted(needed - forms.keys()):
                problems.append(f"{lang}: {base!r} lacks the {category!r} form")
            for category in sorted(forms.keys() - needed):
                problems.append(f"{lang}: {base!r} has a {category!r} form its plural rules never pick")
            for category in sorted(needed & forms.keys()):
                if not forms[category].strip():
                    problems.append(f"{lang}: {base}_{category} is empty")
                elif _placeholders(forms[category]) != expected:
                    problems.append(
                        f"{lang}: {base}_{category} has {_placeholders(forms[category])}, English has {expected}"
                    )
        if lang == "en":
            continue
        problems += [f"{lang}: plural {base!r} is not in en.json" for base in sorted(plural.keys() - en_plural.keys())]
        for key, text in en_plain.items():
            if key not in plain:
                problems.append(f"{lang}: missing {key!r}")
            elif not plain[key].strip():
                problems.append(f"{lang}: {key!r} is empty")
            elif _placeholders(plain[key]) != _placeholders(text):
                problems.append(f"{lang}: {key!r} has {_placeholders(plain[key])}, English has {_placeholders(text)}")
        problems += [f"{lang}: {key!r} is not in en.json" for key in sorted(plain.keys() - en_plain.keys())]
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


def test_the_check_reports_missing_and_needless_plural_forms() -> None:
    english = {"n.rows_one": "{count} row", "n.rows_other": "{count} rows"}
    catalogues = {
        "en": english,
        "tr": {"n.rows_one": "{count} satır", "n.rows_other": "{count} satır", "n.rows_few": "{count} satır"},
        "ru": {"n.rows_one": "{count} строка", "n.rows_few": "{count} строки", "n.rows_other": "{n} строки"},
        "kk": {"n.rows": "{count} жол"},
    }
    assert catalogue_problems(catalogues) == [
        "tr: 'n.rows' has a 'few' form its plural rules never pick",
        "ru: 'n.rows' lacks the 'many' form",
        "ru: n.rows_other has ['n'], English has ['count']",
        "kk: missing plural 'n.rows' (needs ['one', 'other'])",
        "kk: 'n.rows' is not in en.json",
    ]


def test_no_message_counts_with_a_parenthesised_plural() -> None:
    # "certificate(s)", "попыт.": a number is shown with a plural message instead.
    hacks = [
        f"{lang}: {key}"
        for lang in LANGUAGES
        for key, text in _load(lang).items()
        if re.search(r"\w\((?:s|es|ов|а|и)\)|попыт\.", text)
    ]
    assert not hacks, f"messages with a makeshift plural: {hacks}"


def test_every_key_the_source_uses_is_in_the_english_catalogue() -> None:
    plain, plural = _split(_load("en"))
    missing = sorted(
        f"{path.relative_to(WEB)}: {key}"
        for path in (WEB / "src").rglob("*.ts*")
        for key in USED_KEY.findall(path.read_text(encoding="utf-8"))
        if key not in plain and key not in plural
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
    # A message of placeholders only ("{month} {year}") has no English in it to leave untranslated.
    same = [
        k
        for k, v in _load(lang).items()
        if v == english.get(k) and len(v) > 12 and re.search(r"[^\W\d_]", re.sub(r"\{\w+\}", "", v))
    ]
    assert len(same) < 5, f"{lang}.json has English text left in: {same[:5]}"
