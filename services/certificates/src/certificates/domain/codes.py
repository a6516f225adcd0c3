"""Certificate codes: short, typable, unambiguous, and self-checking.

A code looks like ``KB-7QX4-M9PA-K3TD``: the fixed prefix, then twelve characters in three
groups of four. Eleven are random (55 bits from :mod:`secrets`), the last is a check character.

Why these choices:

* The alphabet has 32 symbols and leaves out ``0``/``O`` and ``1``/``I``, the pairs people
  confuse on paper and on screen.
* 55 random bits make guessing useless: the verification page is public and shows the
  learner's name, so codes must not be enumerable. With a million certificates issued a
  guess still hits with odds of about one in 36 billion.
* The check character is a weighted sum over GF(32) (the field with 32 elements), the same
  idea as a one-symbol Reed-Solomon check. Every weight is a distinct power of a primitive
  element, so a single substituted character always changes the sum (the field has no zero
  divisors), and so does swapping any two characters (their weights differ). A typo is
  reported as "not a valid code" before any database lookup.

Normalisation never calls ``str.upper()`` on user text: in a Turkish or Azerbaijani locale
people type ``ı``/``İ``, and Unicode case mapping turns ``ß`` into two letters and ``ﬁ`` into
``FI``. We fold case with an ASCII-only table instead, map the Cyrillic letters that look like
Latin ones (a learner copying a printed code with a Kazakh or Russian keyboard layout types
Cyrillic ``К``, ``В``, ``М``...), and reject anything else.
"""

from __future__ import annotations

import secrets
import unicodedata
from typing import Final

CODE_PREFIX: Final = "KB"
ALPHABET: Final = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
GROUP_SIZE: Final = 4
BODY_LENGTH: Final = 12  # including the check character
RANDOM_LENGTH: Final = BODY_LENGTH - 1
# Stored form "KB-XXXX-XXXX-XXXX": the prefix, then a dash before each group.
CODE_LENGTH: Final = len(CODE_PREFIX) + BODY_LENGTH + BODY_LENGTH // GROUP_SIZE

# Longest input we bother to look at; anything longer is not a code and must not cost CPU.
_MAX_INPUT_LENGTH: Final = 64

_VALUE: Final = {symbol: index for index, symbol in enumerate(ALPHABET)}

# Characters people put between groups, or that copy-paste brings along.
_SEPARATORS: Final = frozenset(" \t\r\n-_.\u00a0\u2010\u2011\u2012\u2013\u2014\u2212\u202f\u2007")

# Cyrillic letters whose printed shape is identical to a Latin letter of the alphabet.
_CYRILLIC_LOOKALIKES: Final = {
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
    "У": "Y",
    "а": "A",
    "в": "B",
    "е": "E",
    "к": "K",
    "м": "M",
    "н": "H",
    "р": "P",
    "с": "C",
    "т": "T",
    "х": "X",
    "у": "Y",
}

# GF(32) arithmetic, built from the primitive polynomial x^5 + x^2 + 1. The exponent table is
# doubled in length so a product of two logs never needs a modulo.
_FIELD_ORDER: Final = 31


def _build_field_tables() -> tuple[list[int], list[int]]:
    exp = [0] * (2 * _FIELD_ORDER)
    log = [0] * 32
    value = 1
    for power in range(_FIELD_ORDER):
        exp[power] = value
        log[value] = power
        value <<= 1
        if value & 0b100000:
            value ^= 0b100101
    for power in range(_FIELD_ORDER, 2 * _FIELD_ORDER):
        exp[power] = exp[power - _FIELD_ORDER]
    return exp, log


_EXP, _LOG = _build_field_tables()


def _gf_mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def check_character(payload: str) -> str:
    """Return the check character for ``RANDOM_LENGTH`` alphabet characters.

    The check character ``c`` is chosen so that ``sum(alpha**(i+1) * v_i) + c == 0`` in GF(32),
    where ``v_i`` are the payload values and addition is XOR.
    """
    if len(payload) != RANDOM_LENGTH or any(ch not in _VALUE for ch in payload):
        raise ValueError(f"payload must be {RANDOM_LENGTH} characters from {ALPHABET!r}")
    total = 0
    for position, ch in enumerate(payload, start=1):
        total ^= _gf_mul(_EXP[position], _VALUE[ch])
    return ALPHABET[total]


def _body_is_consistent(body: str) -> bool:
    return check_character(body[:-1]) == body[-1]


def format_code(body: str) -> str:
    """Format a twelve-character body as ``KB-XXXX-XXXX-XXXX``."""
    groups = [body[i : i + GROUP_SIZE] for i in range(0, len(body), GROUP_SIZE)]
    return "-".join([CODE_PREFIX, *groups])


def generate_code() -> str:
    """Return a new random certificate code, e.g. ``KB-7QX4-M9PA-K3TD``.

    Uniqueness is the database's job (a unique index and a retry); this only makes collisions
    astronomically rare.
    """
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return format_code(payload + check_character(payload))


def _fold(ch: str) -> str | None:
    """Map one character to its canonical alphabet form, ``""`` to drop it, ``None`` to reject."""
    if ch in _SEPARATORS:
        return ""
    if "a" <= ch <= "z":
        ch = chr(ord(ch) - 32)  # ASCII-only upper-casing: no locale, no special cases
    elif ch in _CYRILLIC_LOOKALIKES:
        ch = _CYRILLIC_LOOKALIKES[ch]
    if ch in _VALUE:
        return ch
    return None


def normalize_code(text: object) -> str | None:
    """Return the canonical form of a typed or scanned code, or ``None`` if it is not valid.

    Accepts any case, spaces or dashes anywhere, full-width forms, Cyrillic look-alike letters
    and an optional ``KB`` prefix. Rejects (returns ``None``) anything with other characters
    (including ``0``, ``O``, ``1``, ``I``, ``ı``, ``İ``), the wrong length or a failed check
    character. Never raises on user input.
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT_LENGTH:
        return None
    # NFKC folds full-width and other compatibility forms to ASCII; it is locale-independent.
    # It leaves "İ" and "ı" alone, and the ASCII fold below rejects them.
    compact: list[str] = []
    for ch in unicodedata.normalize("NFKC", text):
        folded = _fold(ch)
        if folded is None:
            return None
        compact.append(folded)
    joined = "".join(compact)
    if len(joined) == BODY_LENGTH + len(CODE_PREFIX) and joined.startswith(CODE_PREFIX):
        joined = joined[len(CODE_PREFIX) :]
    if len(joined) != BODY_LENGTH or not _body_is_consistent(joined):
        return None
    return format_code(joined)


def is_valid_code(text: object) -> bool:
    """True when ``text`` is a well-formed code with a correct check character."""
    return normalize_code(text) is not None


def code_search_prefixes(text: object) -> list[str] | None:
    """The stored-code prefixes a typed (possibly partial) code matches, or ``None`` if it cannot be one.

    A whole valid code gives itself. A partial one is folded like :func:`normalize_code` (any case,
    spaces or dashes, Cyrillic look-alikes) and formatted as the start of a stored code: ``kb 7qx4 m``
    gives ``KB-7QX4-M``, and ``7QX4M`` (no prefix typed) gives ``KB-7QX4-M`` too. A partial code that
    starts with ``KB`` may also be a body starting with those letters, so it gives both readings.
    Returns ``None`` for a character no code has (``0``, ``O``, ``1``, ``I``, ``ı``...) or a text
    longer than any code; an empty list when nothing is left after folding (no code filter).
    """
    whole = normalize_code(text)
    if whole is not None:
        return [whole]
    if not isinstance(text, str) or len(text) > _MAX_INPUT_LENGTH:
        return None
    compact: list[str] = []
    for ch in unicodedata.normalize("NFKC", text):
        folded = _fold(ch)
        if folded is None:
            return None
        compact.append(folded)
    joined = "".join(compact)
    if not joined:
        return []
    bodies = []
    if joined.startswith(CODE_PREFIX):
        bodies.append(joined[len(CODE_PREFIX) :])
    bodies.append(joined)
    prefixes = []
    for body in bodies:
        if len(body) > BODY_LENGTH:
            continue
        prefix = format_code(body) if body else CODE_PREFIX
        if len(body) % GROUP_SIZE == 0 and body and len(body) < BODY_LENGTH:
            prefix += "-"
        prefixes.append(prefix)
    return prefixes or None
