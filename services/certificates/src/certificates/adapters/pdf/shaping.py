"""Text as the certificate sets it: cleaning, measuring, kerning and fitting into a box.

Owns :func:`printable` (the NFC, whitespace-collapsed form that is printed and extracted),
:class:`FontFace` (one face's metrics, with its width and ``TJ`` run of a string), the reading of
pair kerning from the GPOS ``kern`` feature, and :func:`fit`, which picks lines and a size so a
string never overflows. No glyph substitution happens anywhere (GSUB is dropped when the fonts are
built), so text extracted from the PDF equals the printed string character for character.

Where faces come from is :mod:`~certificates.adapters.pdf.fonts`; this module only uses them.
"""

from __future__ import annotations

import math
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from fontTools.ttLib import TTFont


@dataclass(frozen=True, slots=True)
class FontFace:
    """One weight of Noto Sans, subset and instanced, ready to be copied into any PDF."""

    postscript_name: str
    cids: dict[int, int]
    """Code point → CID. CIDs are dense from 1, one per code point."""
    hex_cids: dict[int, str]
    """Code point → the CID as four hex digits, as written in a content stream."""
    advances: dict[int, int]
    """Code point → advance width in 1/1000 em."""
    kerning: dict[tuple[int, int], int]
    """(left, right) code points → adjustment in 1/1000 em (negative tightens)."""
    cap_height: float
    """In 1/1000 em."""
    objects: tuple[bytes, ...]
    """The face's six PDF object bodies; ``{0}``..``{5}`` stand for their object numbers."""

    def width(self, text: str, size: float, tracking: float = 0.0) -> float:
        """Width of ``text`` set at ``size`` points with ``tracking`` points between letters."""
        advances = self.advances
        kerning = self.kerning
        units = 0
        previous = -1
        for ch in text:
            cp = ord(ch)
            units += advances[cp] + kerning.get((previous, cp), 0)
            previous = cp
        return units * size / 1000 + tracking * max(len(text) - 1, 0)

    def prefix_units(self, text: str) -> list[int]:
        """Widths of every prefix of ``text`` in 1/1000 em at size 1: ``result[k]`` is ``text[:k]``.

        One pass over the string; with it the width of any slice is two lookups (see
        :func:`_slice_units`), which is what keeps line breaking linear in the text's length.
        """
        advances = self.advances
        kerning = self.kerning
        units = 0
        previous = -1
        result = [0]
        for ch in text:
            cp = ord(ch)
            units += advances[cp] + kerning.get((previous, cp), 0)
            result.append(units)
            previous = cp
        return result

    def show(self, text: str) -> str:
        """The ``TJ`` operator drawing ``text``, with kerning."""
        hex_cids = self.hex_cids
        kerning = self.kerning
        parts = ["[<"]
        previous = -1
        for ch in text:
            cp = ord(ch)
            kern = kerning.get((previous, cp))
            if kern:
                # TJ numbers are subtracted from the advance, so a tightening (negative) kern
                # is written as a positive number.
                parts.append(f">{-kern}<")
            parts.append(hex_cids[cp])
            previous = cp
        parts.append(">] TJ")
        return "".join(parts)


def read_pair_kerning(font: TTFont) -> dict[tuple[int, int], int]:
    """Flatten the GPOS ``kern`` pair adjustments into (left glyph id, right glyph id) → units.

    Follows OpenType's matching rule: within one lookup the first subtable that matches a pair
    wins (a class-based subtable matches every pair whose first glyph it covers); the values of
    separate lookups add up.
    """
    if "GPOS" not in font:
        return {}
    table = font["GPOS"].table
    if table.FeatureList is None or table.LookupList is None:
        return {}
    lookup_indexes = sorted(
        {
            index
            for record in table.FeatureList.FeatureRecord
            if record.FeatureTag == "kern"
            for index in record.Feature.LookupListIndex
        }
    )
    order = font.getGlyphOrder()
    gid = {name: index for index, name in enumerate(order)}
    total: dict[tuple[int, int], int] = {}
    for lookup_index in lookup_indexes:
        lookup = table.LookupList.Lookup[lookup_index]
        decided: dict[tuple[int, int], int] = {}
        settled_left: set[int] = set()
        for subtable in lookup.SubTable:
            if lookup.LookupType == 9:
                subtable = subtable.ExtSubTable
            if getattr(subtable, "LookupType", 2) != 2:
                continue
            if subtable.Format == 1:
                for left_name, pair_set in zip(subtable.Coverage.glyphs, subtable.PairSet, strict=True):
                    left = gid[left_name]
                    if left in settled_left:
                        continue
                    for record in pair_set.PairValueRecord:
                        key = (left, gid[record.SecondGlyph])
                        if key not in decided:
                            decided[key] = getattr(record.Value1, "XAdvance", 0) or 0
            elif subtable.Format == 2:
                class1 = subtable.ClassDef1.classDefs
                class2 = subtable.ClassDef2.classDefs
                members: dict[int, list[int]] = {}
                for name in order:
                    members.setdefault(class2.get(name, 0), []).append(gid[name])
                for left_name in subtable.Coverage.glyphs:
                    left = gid[left_name]
                    if left in settled_left:
                        continue
                    row = subtable.Class1Record[class1.get(left_name, 0)].Class2Record
                    for klass, record in enumerate(row):
                        value = getattr(record.Value1, "XAdvance", 0) or 0
                        if not value:
                            continue
                        for right in members.get(klass, ()):
                            decided.setdefault((left, right), value)
                    settled_left.add(left)
        for key, value in decided.items():
            if value:
                total[key] = total.get(key, 0) + value
    return total


def printable(text: str) -> str:
    """``text`` as the certificate prints it: NFC, invisible format characters removed, and
    whitespace runs (tabs, newlines, doubled spaces from CSV files) collapsed to one space.

    Format characters are things like a byte-order mark glued to the first CSV field, zero-width
    spaces and soft hyphens: invisible in the source, but they would either print as a visible
    glyph or force a font rebuild. The exception is a zero-width (non-)joiner between two letters
    of a joining or Indic script, which changes how the name is spelled. Store this form if you
    show "what is printed" elsewhere.
    """
    text = unicodedata.normalize("NFC", text)
    if not text.isprintable() or "  " in text:
        text = "".join(
            ch for index, ch in enumerate(text) if unicodedata.category(ch) != "Cf" or _joiner_in_context(text, index)
        )
    return " ".join(text.split())


_JOINERS = frozenset("\u200c\u200d")


def _joiner_in_context(text: str, index: int) -> bool:
    """Zero-width non-joiner and joiner between two letters of a script that joins or forms
    conjuncts (Arabic, Persian, the Indic scripts...) are spelling, not noise: a Persian name such
    as علی‌اکبر reads differently without its non-joiner. Elsewhere they are removed like any
    other format character."""
    if text[index] not in _JOINERS or index == 0 or index + 1 >= len(text):
        return False
    return all(ord(ch) >= 0x0590 and unicodedata.category(ch)[0] in "LM" for ch in (text[index - 1], text[index + 1]))


class RenderTimeoutError(ValueError):
    """Rendering one certificate ran past its time limit; the same input fails the same way."""


class Deadline:
    """The time one render may take, checked between its steps (``time.monotonic``).

    Python cannot stop a thread from outside, so the renderer checks this itself at each step of
    the layout; a step is bounded by the length caps on printed fields and by linear layout.
    """

    __slots__ = ("limit", "until")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.until = time.monotonic() + limit

    def check(self) -> None:
        if time.monotonic() >= self.until:
            raise RenderTimeoutError(f"rendering took longer than {self.limit:g} s and was stopped")


@dataclass(frozen=True, slots=True)
class Fitted:
    """The lines a string is set on, and the size they share."""

    lines: tuple[str, ...]
    size: float


class Measured(Protocol):
    """What :func:`fit` needs of a face: :class:`FontFace`, or a face with fallback fonts behind it."""

    @property
    def kerning(self) -> Mapping[tuple[int, int], int]: ...

    def width(self, text: str, size: float, tracking: float = 0.0) -> float: ...

    def prefix_units(self, text: str) -> list[int]: ...


def fit(
    text: str,
    face: Measured,
    *,
    max_width: float,
    max_size: float,
    min_size: float,
    max_lines: int = 1,
    two_line_max_size: float | None = None,
    tracking: float = 0.0,
    deadline: Deadline | None = None,
) -> Fitted:
    """Choose lines and a font size so ``text`` never overflows ``max_width``.

    One line at up to ``max_size``; if that would fall below ``min_size`` and two lines are
    allowed, a balanced break at a space; if even that is too small, whichever is larger.
    Width is linear in the size, so sizes are computed rather than searched, and the text is
    measured a bounded number of times (at most four passes over it), so fitting is linear in
    its length. ``deadline`` is checked before the work starts.
    """

    def size_for(line: str) -> float:
        unit = face.width(line, 1.0)
        room = max_width - tracking * max(len(line) - 1, 0)
        return max_size if unit <= 0 else min(max_size, room / unit)

    if deadline is not None:
        deadline.check()
    single = size_for(text)
    if single >= min_size or max_lines < 2:
        return Fitted((text,), _floor_size(single))
    breaks = [i for i, ch in enumerate(text) if ch == " "]
    if not breaks:
        return Fitted((text,), _floor_size(single))
    # Measure the string once and read both halves of every candidate break from the prefix
    # widths: measuring each half anew made this quadratic in the length (issue 13, finding 14).
    prefix = face.prefix_units(text)
    kerning = face.kerning
    codes = [ord(ch) for ch in text]
    end = len(text)

    def longer_half(i: int) -> float:
        # text[i] is the space; the right half starts at i + 1, without its kern against the space.
        right = prefix[end] - prefix[i + 1] - kerning.get((codes[i], codes[i + 1]), 0) if i + 1 < end else 0
        return max(prefix[i] / 1000, right / 1000)

    best = min(breaks, key=longer_half)
    lines = (text[:best], text[best + 1 :])
    cap = two_line_max_size if two_line_max_size is not None else max_size
    double = min(cap, *(size_for(line) for line in lines))
    if double > single:
        return Fitted(lines, _floor_size(double))
    return Fitted((text,), _floor_size(single))


def _floor_size(size: float) -> float:
    # Round down to a tenth of a point so rounding never pushes text past its box.
    return math.floor(size * 10) / 10
