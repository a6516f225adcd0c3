"""Reading direction: the Unicode Bidirectional Algorithm (UAX #9) for one line of a certificate.

Owns :func:`embedding_levels` (the resolved level of every character) and :func:`visual_order`
(rule L2: which stretches of a line are laid out right to left, and in what order). Printed text
never holds explicit directional formatting characters (they are category ``Cf``, which
:func:`~certificates.adapters.pdf.shaping.printable` removes), so the explicit rules X1-X10 reduce
to one isolating run sequence per line at the paragraph level, and what remains is the paragraph
level (P2, P3), the weak types (W1-W7), neutrals (N1, N2), implicit levels (I1, I2) and the
trailing-whitespace reset (L1), and paired brackets (N0) for ( ) [ ] { }. Mirroring (L4) is done
where glyphs are chosen: HarfBuzz mirrors in the runs it shapes,
:mod:`~certificates.adapters.pdf.fallback` swaps brackets and guillemets in Noto Sans runs.

The tests compare the resulting order with python-bidi's, an independent implementation.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Final

_STRONG_R = frozenset(("R", "AL"))
_NEUTRAL = frozenset(("B", "S", "WS", "ON", "BN"))


def paragraph_level(text: str) -> int:
    """P2, P3: 1 if the first strong character is right-to-left, else 0."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return 0
        if kind in _STRONG_R:
            return 1
    return 0


def embedding_levels(text: str, base: int | None = None) -> list[int]:
    """The resolved embedding level of each character of ``text`` (even: left to right)."""
    if base is None:
        base = paragraph_level(text)
    types = [unicodedata.bidirectional(ch) or "L" for ch in text]
    count = len(types)
    edge = "R" if base % 2 else "L"  # sos and eos: no explicit embeddings, so the paragraph's

    # W1: a non-spacing mark takes the type of the character before it.
    previous = edge
    for i in range(count):
        if types[i] == "NSM":
            types[i] = previous
        previous = types[i]
    # W2, W3: European numbers after Arabic letters are Arabic numbers; AL becomes R.
    last_strong = edge
    for i in range(count):
        kind = types[i]
        if kind in ("L", "R", "AL"):
            last_strong = kind
        elif kind == "EN" and last_strong == "AL":
            types[i] = "AN"
    types = ["R" if kind == "AL" else kind for kind in types]
    # W4: one separator between two numbers of the same kind joins them.
    for i in range(1, count - 1):
        kind, before, after = types[i], types[i - 1], types[i + 1]
        if kind == "ES" and before == after == "EN":
            types[i] = "EN"
        elif kind == "CS" and before == after and before in ("EN", "AN"):
            types[i] = before
    # W5: terminators (%, currency signs) next to European numbers are numbers.
    i = 0
    while i < count:
        if types[i] == "ET":
            end = i
            while end < count and types[end] == "ET":
                end += 1
            if (i > 0 and types[i - 1] == "EN") or (end < count and types[end] == "EN"):
                types[i:end] = ["EN"] * (end - i)
            i = end
        else:
            i += 1
    # W6: remaining separators and terminators are neutral.
    types = ["ON" if kind in ("ES", "ET", "CS") else kind for kind in types]
    # W7: European numbers after left-to-right text are left to right.
    last_strong = edge
    for i in range(count):
        kind = types[i]
        if kind in ("L", "R"):
            last_strong = kind
        elif kind == "EN" and last_strong == "L":
            types[i] = "L"
    _resolve_paired_brackets(text, types, edge)
    # N1, N2: a neutral run between two strongs of one direction takes it (numbers count as R),
    # any other the embedding direction.
    i = 0
    while i < count:
        if types[i] in _NEUTRAL:
            end = i
            while end < count and types[end] in _NEUTRAL:
                end += 1
            before = _strong_direction(types[i - 1]) if i > 0 else edge
            after = _strong_direction(types[end]) if end < count else edge
            direction = before if before == after else edge
            types[i:end] = [direction] * (end - i)
            i = end
        else:
            i += 1
    # I1, I2
    levels = []
    for kind in types:
        if base % 2 == 0:
            levels.append(base + (1 if kind == "R" else 2 if kind in ("AN", "EN") else 0))
        else:
            levels.append(base + (1 if kind in ("L", "EN", "AN") else 0))
    # L1: segment separators and trailing whitespace go back to the paragraph level.
    i = count
    while i > 0 and unicodedata.bidirectional(text[i - 1]) in ("WS", "S", "B", "BN"):
        i -= 1
        levels[i] = base
    for index, ch in enumerate(text):
        if unicodedata.bidirectional(ch) in ("S", "B"):
            levels[index] = base
            back = index
            while back > 0 and unicodedata.bidirectional(text[back - 1]) in ("WS", "BN"):
                back -= 1
                levels[back] = base
    return levels


_OPENING: Final = {"(": ")", "[": "]", "{": "}"}
_CLOSING: Final = {closing: opening for opening, closing in _OPENING.items()}


def _resolve_paired_brackets(text: str, types: list[str], edge: str) -> None:
    """N0: a bracket pair takes the embedding direction if it encloses a strong type of that
    direction, else the opposite one when it encloses that and the context before it agrees.
    Pairs are found as BD16 does (a stack of at most 63 openings), for ( ) [ ] { }."""
    stack: list[tuple[str, int]] = []
    pairs: list[tuple[int, int]] = []
    for index, ch in enumerate(text):
        if types[index] != "ON":
            continue
        if ch in _OPENING:
            if len(stack) == 63:
                break
            stack.append((ch, index))
        elif ch in _CLOSING:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == _CLOSING[ch]:
                    pairs.append((stack[depth][1], index))
                    del stack[depth:]
                    break
    for opening, closing in sorted(pairs):
        inside = {_strong_direction(kind) for kind in types[opening + 1 : closing] if kind in ("L", "R", "EN", "AN")}
        if not inside:
            continue
        if edge in inside:
            direction = edge
        else:
            before = next(
                (_strong_direction(k) for k in reversed(types[:opening]) if k in ("L", "R", "EN", "AN")), edge
            )
            direction = before if before != edge else edge
        types[opening] = types[closing] = direction
        for index in (opening, closing):  # marks on a bracket follow it (W1 had made them ON)
            after = index + 1
            while after < len(types) and unicodedata.category(text[after]).startswith("M"):
                types[after] = direction
                after += 1


def _strong_direction(kind: str) -> str:
    return "L" if kind == "L" else "R"


def visual_order(levels: Sequence[int]) -> list[int]:
    """L2: the indexes of ``levels`` (runs or characters) in the order they are laid out, left to right."""
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    lowest_odd = min(level for level in levels if level % 2) if any(level % 2 for level in levels) else highest + 1
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                end = i
                while end < len(order) and levels[order[end]] >= level:
                    end += 1
                order[i:end] = order[i:end][::-1]
                i = end
            else:
                i += 1
    return order
