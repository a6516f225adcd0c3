"""Chromium's Intl.PluralRules picks the plural form the catalogues hold for each of the seven languages.

i18next chooses `key_one`, `key_few`, `key_many` or `key_other` with the browser's Intl.PluralRules. Chromium
ships reduced ICU data (it lacks month names for az, kk, uz and ky); this checks its plural data does not
fall short the same way. Should a language ever be missing, Intl falls back to the default locale's rules;
for the Turkic languages those agree on whole numbers (one for 1, other otherwise), and every catalogue
has `_one` and `_other`, so the client still shows a correct sentence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

CATALOGUES = Path(__file__).resolve().parents[2] / "gateway" / "web" / "src" / "i18n"
NUMBERS = (0, 1, 2, 3, 5, 11, 21, 22, 25, 101, 111, 200)
ONE_OTHER = {n: "one" if n == 1 else "other" for n in NUMBERS}
# CLDR cardinal rules: Russian one for 1, 21, 101…; few for 2–4, 22–24…; many for 0, 5–20, 25…, 111.
EXPECTED = {
    "en": ONE_OTHER,
    "tr": ONE_OTHER,
    "az": ONE_OTHER,
    "kk": ONE_OTHER,
    "ky": ONE_OTHER,
    "uz": ONE_OTHER,
    "ru": {
        0: "many",
        1: "one",
        2: "few",
        3: "few",
        5: "many",
        11: "many",
        21: "one",
        22: "few",
        25: "many",
        101: "one",
        111: "many",
        200: "many",
    },
}


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_chromium_picks_the_plural_forms_the_catalogue_holds(browser: Any, lang: str) -> None:
    page = browser.new_page()
    got = page.evaluate(
        """([lang, numbers]) => {
            const rules = new Intl.PluralRules(lang);
            return { locale: rules.resolvedOptions().locale,
                     categories: rules.resolvedOptions().pluralCategories,
                     forms: Object.fromEntries(numbers.map((n) => [n, rules.select(n)])) };
        }""",
        [lang, list(NUMBERS)],
    )
    assert {int(n): form for n, form in got["forms"].items()} == EXPECTED[lang], got
    catalogue = json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))
    forms = {key.rsplit("_", 1)[1] for key in catalogue if key.startswith("bulk.issueN_")}
    assert set(got["categories"]) <= forms, f"Chromium may pick {got['categories']}, {lang}.json has {forms}"
    assert got["locale"].split("-")[0] == lang, f"Chromium has no plural rules of its own for {lang}: {got}"
