"""One rule for a person's name, wherever it enters: what is stored, verified, signed and printed is the same.

A name is normalised to NFC with its white space collapsed, and refused when it carries characters that
make it look different from what it is: direction overrides and isolates (U+202E turns "Smith" into
"htimS" on screen, while the PDF strips it), zero-width and other invisible characters, and control
characters. A word that mixes letters of two scripts ("Аygül" with a Cyrillic А) is allowed but
flagged, so whoever issues the certificate confirms it (it may be a look-alike of someone else's name).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Final

# Letters that render as nothing (Hangul fillers, the combining grapheme joiner), beyond category Cf.
_INVISIBLE_LETTERS: Final = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
_SPACES: Final = re.compile(r"\s+")
_BIDI: Final = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class NameRefused(ValueError):
    """A name that cannot be accepted; ``code`` is the reason code, the message says what to change."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CleanName:
    name: str
    mixed_script_words: tuple[str, ...] = field(default=())

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.mixed_script_words)


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name (LATIN, CYRILLIC, ARABIC …); None for non-letters.

    Modifier letters (Lm, e.g. the Uzbek ʻ U+02BB) belong to no script of their own.
    """
    category = unicodedata.category(ch)
    if not category.startswith("L") or category == "Lm":
        return None
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else None


def mixed_script_words(name: str) -> tuple[str, ...]:
    """The words of ``name`` whose letters come from more than one script."""
    out = []
    for word in name.split(" "):
        scripts = {s for s in map(_script, word) if s is not None}
        if len(scripts) > 1:
            out.append(word)
    return tuple(out)


def clean_name(raw: str, what: str = "name") -> CleanName:
    """``raw`` as stored and printed (NFC, single spaces), or :class:`NameRefused`."""
    name = _SPACES.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    if not name:
        raise NameRefused("MISSING_NAME", f"{what} is empty")
    for ch in name:
        if ch in _BIDI:
            raise NameRefused(
                "INVALID_CHARACTERS",
                f"{what} contains a text-direction control character (U+{ord(ch):04X}), which would make it "
                "show differently from how it is printed; remove it",
            )
        category = unicodedata.category(ch)
        if category in ("Cf", "Cc", "Cs", "Co", "Cn") or ch in _INVISIBLE_LETTERS:
            raise NameRefused(
                "INVALID_CHARACTERS",
                f"{what} contains an invisible or control character (U+{ord(ch):04X}); remove it",
            )
    return CleanName(name, mixed_script_words(name))
