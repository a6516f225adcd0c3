"""Search-text normalization: how a Turkish, Azerbaijani, Kazakh, Kyrgyz, Uzbek or Russian reader
expects case- and accent-insensitive matching to behave.

One function normalizes both the stored text and the query, so they always agree. It never relies on
the process or database locale: the Turkic dotted/dotless i pairs are mapped explicitly *before* the
generic lowercasing, otherwise ``"İ".lower()`` would give ``"i̇"`` and ``"I"`` would never meet ``"ı"``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Readers type these interchangeably: İstanbul/istanbul/Istanbul/ıstanbul, Şəhər/sehir-style
# spellings without ə on keyboards that lack it, and o'/oʻ/o‘ for the Uzbek oʻ and gʻ.
_EXPLICIT_FOLDS = str.maketrans(
    {
        "İ": "i",
        "I": "i",
        "ı": "i",
        "ə": "e",
        "Ə": "e",
        "ʻ": None,  # U+02BB, the official Uzbek oʻ/gʻ mark
        "ʼ": None,  # U+02BC
        "‘": None,
        "’": None,
        "'": None,
        "`": None,
    }
)
_SPACES = re.compile(r"\s+")


def normalize_search(text: str) -> str:
    """Fold ``text`` for matching: Turkic i/ə mappings, accents removed, lower case, single spaces."""
    folded = text.translate(_EXPLICIT_FOLDS)
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.lower()).strip()


def search_document(texts: Iterable[str]) -> str:
    """The stored search column: every title and summary in every language, normalized, one line."""
    return " | ".join(n for n in (normalize_search(t) for t in texts) if n)


def search_terms(query: str) -> list[str]:
    """The normalized words of a query; every word must occur in a course for it to match."""
    return [w for w in normalize_search(query).split(" ") if w]


def topic_key(topic: str) -> str:
    """A topic compared as an identifier: normalized like search text, spaces as hyphens."""
    return normalize_search(topic).replace(" ", "-")
