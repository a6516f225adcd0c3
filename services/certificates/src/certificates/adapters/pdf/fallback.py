"""Names in scripts Noto Sans lacks: fallback Noto fonts, HarfBuzz shaping, bidi order, fonts subset at use.

Owns the list of fallback fonts (:data:`FALLBACK_FONTS`, from the ``manimgx-fonts`` and
``manimgx-fonts-cjk`` packages: Noto Sans Arabic, Hebrew, Armenian, Georgian, the Indic scripts,
Thai, Lao, Khmer, Myanmar, Ethiopic and Noto Sans CJK SC), which of them draws each character,
and :class:`MixedFace`, a face that sets a line mixing Noto Sans with those fonts:

* every character gets a font: letters Noto Sans has stay in Noto Sans (set exactly as on the fast
  path, with its pair kerning); other letters go to the first fallback font that has them; spaces,
  punctuation, digits and marks go with the letters around them when that font has them;
* the line is split into runs of one font and one bidi level (:mod:`.direction`), runs are laid
  out in visual order (rule L2), and each fallback run is shaped by HarfBuzz (``uharfbuzz``) in
  its direction: glyph ids, advances and mark offsets all come from HarfBuzz, so Arabic joins,
  lam-alef ligatures, Indic conjuncts and reordered vowel signs are as the font designs them;
* every glyph drawn is given a CID of the document's own, one per (glyph, text of its HarfBuzz
  cluster), and the ToUnicode CMap maps the first glyph of a cluster to the cluster's characters
  and the others to nothing, so text extraction yields each cluster once; each line is also wrapped
  in ``/Span << /ActualText (...) >> BDC``, its text in logical order, for readers that honour it
  (Acrobat, pdf.js, Poppler). Readers that rebuild text from glyph positions read right-to-left
  runs in visual order unless they reorder them (pypdf does, for Arabic and Hebrew);
* the embedded font is cut per document to the glyphs it uses: their outlines are drawn by
  HarfBuzz at the face's weight (variable fonts, CFF2 for CJK) into a small TrueType font
  (fontTools), a few milliseconds, cached by glyph set. A whole CJK font is 33 MB; a name's subset
  is a few kilobytes.

Nothing here runs for text the repertoire faces can draw: that is the fast path in
:mod:`~certificates.adapters.pdf.fonts`, unchanged.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import manimgx_fonts
import manimgx_fonts_cjk
import uharfbuzz as hb
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.roundingPen import RoundingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

from certificates.adapters.pdf.direction import embedding_levels, paragraph_level, visual_order
from certificates.adapters.pdf.shaping import FontFace
from certificates.adapters.pdf.syntax import stream

_FONTS_DIR: Final = Path(manimgx_fonts.__file__).resolve().parent
_CJK_FILE: Final = Path(manimgx_fonts_cjk.__file__).resolve().parent / "NotoSansCJK-VF.otf.ttc"

# Searched in this order for a character Noto Sans lacks. Every file is a variable font with a
# wght axis; the CJK collection's Simplified Chinese face is used for Han, kana and Hangul alike.
_FALLBACK_FILES: Final = (
    ("NotoSansArabic", "NotoSansArabic[wght].ttf", None),
    ("NotoSansHebrew", "NotoSansHebrew[wght].ttf", None),
    ("NotoSansArmenian", "NotoSansArmenian[wght].ttf", None),
    ("NotoSansGeorgian", "NotoSansGeorgian[wght].ttf", None),
    ("NotoSansDevanagari", "NotoSansDevanagari[wght].ttf", None),
    ("NotoSansBengali", "NotoSansBengali[wght].ttf", None),
    ("NotoSansGurmukhi", "NotoSansGurmukhi[wght].ttf", None),
    ("NotoSansGujarati", "NotoSansGujarati[wght].ttf", None),
    ("NotoSansOriya", "NotoSansOriya[wght].ttf", None),
    ("NotoSansTamil", "NotoSansTamil[wght].ttf", None),
    ("NotoSansTelugu", "NotoSansTelugu[wght].ttf", None),
    ("NotoSansKannada", "NotoSansKannada[wght].ttf", None),
    ("NotoSansMalayalam", "NotoSansMalayalam[wght].ttf", None),
    ("NotoSansSinhala", "NotoSansSinhala[wght].ttf", None),
    ("NotoSansThai", "NotoSansThai[wght].ttf", None),
    ("NotoSansLao", "NotoSansLao[wght].ttf", None),
    ("NotoSansKhmer", "NotoSansKhmer[wght].ttf", None),
    ("NotoSansMyanmar", "NotoSansMyanmar[wght].ttf", None),
    ("NotoSansEthiopic", "NotoSansEthiopic[wght].ttf", None),
    ("NotoSansCJKsc", "NotoSansCJK-VF.otf.ttc", "Noto Sans CJK SC"),
)

_GLYPH_CACHE_LIMIT: Final = 512


class FallbackFont:
    """One fallback font file: its coverage, and HarfBuzz fonts at the weights we print."""

    def __init__(self, name: str, path: Path, index: int) -> None:
        self.name = name
        self.path = path
        self.index = index
        blob = hb.Blob.from_file_path(str(path))
        self.face = hb.Face(blob, index)
        self.coverage: frozenset[int] = frozenset(self.face.unicodes)
        self.upem: int = self.face.upem
        self.cff = any(tag in self.face.table_tags for tag in ("CFF ", "CFF2"))
        self._fonts: dict[int, hb.Font] = {}
        self._lock = threading.Lock()

    def font(self, weight: int) -> hb.Font:
        """The HarfBuzz font at ``weight`` (its wght axis set), created once."""
        font = self._fonts.get(weight)
        if font is None:
            with self._lock:
                font = self._fonts.get(weight)
                if font is None:
                    font = hb.Font(self.face)
                    font.set_variations({"wght": float(weight)})
                    self._fonts[weight] = font
        return font

    def advance(self, weight: int, glyph: int) -> int:
        """Advance width of ``glyph`` at ``weight`` in 1/1000 em."""
        return round(self.font(weight).get_glyph_h_advance(glyph) * 1000 / self.upem)


@lru_cache(maxsize=1)
def fallback_fonts() -> tuple[FallbackFont, ...]:
    """The fallback fonts, opened once per process (HarfBuzz maps the files; about 10 ms)."""
    fonts = []
    for name, file_name, face_name in _FALLBACK_FILES:
        if face_name is None:
            fonts.append(FallbackFont(name, _FONTS_DIR / file_name, 0))
            continue
        path = _CJK_FILE
        blob = hb.Blob.from_file_path(str(path))
        for index in range(hb.Face(blob).count):
            if hb.Face(blob, index).get_name(hb.OTNameIdPredefined.FULL_NAME) == face_name:
                fonts.append(FallbackFont(name, path, index))
                break
        else:  # pragma: no cover - the package's file is pinned
            raise LookupError(f"{face_name} is not in {path}")
    return tuple(fonts)


@lru_cache(maxsize=1)
def fallback_coverage() -> frozenset[int]:
    """Every code point some fallback font can draw."""
    covered: set[int] = set()
    for font in fallback_fonts():
        covered |= font.coverage
    return frozenset(covered)


def fallback_for(cp: int) -> FallbackFont | None:
    """The first fallback font that has ``cp``."""
    for font in fallback_fonts():
        if cp in font.coverage:
            return font
    return None


# --- layout -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placed:
    """A shaped glyph: its font glyph id, the text it stands for in extraction, advance and offsets."""

    glyph: int
    text: str
    advance: int
    x_offset: int
    y_offset: int


@dataclass(frozen=True, slots=True)
class Segment:
    """A run laid out in one font: Noto Sans text (``font is None``) or shaped fallback glyphs."""

    font: FallbackFont | None
    text: str
    """For Noto Sans: the characters in the order drawn; for fallback fonts, the logical text."""
    glyphs: tuple[Placed, ...]
    units: int
    """Width at size 1 in 1/1000 em (kerning included, tracking not)."""


@dataclass(frozen=True, slots=True)
class LineLayout:
    segments: tuple[Segment, ...]
    """In visual order, left to right."""
    units: int
    base_glyphs: int
    """Glyphs drawn from Noto Sans: letter-spacing (``Tc``) applies to those only."""
    last_is_base: bool


# L4 for Noto Sans runs inside right-to-left text (HarfBuzz mirrors in the runs it shapes).
_MIRRORED: Final = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")


def _is_neutral(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "ZPSNMC"


def font_runs(text: str, base: FontFace) -> list[FallbackFont | None]:
    """The font of each character: ``None`` for Noto Sans (``base``), else a fallback font.

    Letters go to Noto Sans when it has them, else to the first fallback font that does. Spaces,
    punctuation, digits and marks go with the letter before them, else the one after, when that
    font has them, so an Arabic name is one run in Noto Sans Arabic, spaces included. Raises
    ``KeyError`` with the character if no font has it (callers check coverage first).
    """
    cids = base.cids

    def covers(font: FallbackFont | None, cp: int) -> bool:
        return cp in cids if font is None else cp in font.coverage

    def any_font(ch: str) -> FallbackFont | None:
        cp = ord(ch)
        if cp in cids:
            return None
        font = fallback_for(cp)
        if font is None:
            raise KeyError(ch)
        return font

    letters: list[tuple[bool, FallbackFont | None]] = [
        (False, None) if _is_neutral(ch) else (True, any_font(ch)) for ch in text
    ]
    result: list[FallbackFont | None] = []
    for index, ch in enumerate(text):
        decided, font = letters[index]
        if decided:
            result.append(font)
            continue
        cp = ord(ch)
        candidates = [result[-1]] if result else []
        candidates += [found for is_letter, found in letters[index + 1 :] if is_letter][:1]
        for candidate in candidates:
            if covers(candidate, cp):
                result.append(candidate)
                break
        else:
            result.append(any_font(ch))
    return result


def _shape(font: FallbackFont, weight: int, text: str, rtl: bool) -> tuple[Placed, ...]:
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    buffer.direction = "rtl" if rtl else "ltr"
    hb.shape(font.font(weight), buffer, {})
    scale = 1000 / font.upem
    infos = buffer.glyph_infos
    positions = buffer.glyph_positions
    # Cluster values are offsets into the text; a cluster spans up to the next larger value.
    starts = sorted({info.cluster for info in infos})
    ends = {start: end for start, end in zip(starts, [*starts[1:], len(text)], strict=True)}
    seen: set[int] = set()
    placed = []
    for info, position in zip(infos, positions, strict=True):
        cluster = info.cluster
        # The first glyph of a cluster, in drawing order, carries the cluster's text.
        cluster_text = "" if cluster in seen else text[cluster : ends[cluster]]
        seen.add(cluster)
        placed.append(
            Placed(
                info.codepoint,
                cluster_text,
                round(position.x_advance * scale),
                round(position.x_offset * scale),
                round(position.y_offset * scale),
            )
        )
    return tuple(placed)


def layout_line(text: str, base: FontFace, weight: int) -> LineLayout:
    """``text`` split into font runs, shaped, in visual order."""
    fonts = font_runs(text, base)
    levels = embedding_levels(text, paragraph_level(text))
    runs: list[tuple[int, int, FallbackFont | None, int]] = []  # start, end, font, level
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or fonts[index] is not fonts[start] or levels[index] != levels[start]:
            runs.append((start, index, fonts[start], levels[start]))
            start = index
    segments = []
    units = 0
    base_glyphs = 0
    for run_index in visual_order([level for _, _, _, level in runs]):
        begin, end, font, level = runs[run_index]
        piece = text[begin:end]
        rtl = level % 2 == 1
        if font is None:
            drawn = piece[::-1].translate(_MIRRORED) if rtl else piece
            width = round(base.width(drawn, 1000.0))
            segments.append(Segment(None, drawn, (), width))
            base_glyphs += len(drawn)
        else:
            glyphs = _shape(font, weight, piece, rtl)
            width = sum(glyph.advance for glyph in glyphs)
            segments.append(Segment(font, piece, glyphs, width))
        units += width
    last_is_base = bool(segments) and segments[-1].font is None
    return LineLayout(tuple(segments), units, base_glyphs, last_is_base)


# --- the per-document font objects ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Program:
    """A fallback font cut to some glyphs: the FontFile2 stream and its metrics."""

    stream: bytes
    new_gid: Mapping[int, int]
    widths: Mapping[int, int]
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int


_program_lock = threading.Lock()


@lru_cache(maxsize=_GLYPH_CACHE_LIMIT)
def _program(font: FallbackFont, weight: int, glyphs: tuple[int, ...]) -> _Program:
    """A TrueType font with ``glyphs`` of ``font`` drawn at ``weight`` (plus .notdef), as PDF stream."""
    with _program_lock:  # outlines are shared between the fonts built from them: build one at a time
        return _build_program(font, weight, glyphs)


@dataclass(frozen=True, slots=True)
class _Outline:
    """One glyph as TrueType ``glyf`` data, with what the font's other tables need of it."""

    data: bytes
    advance: int
    bounds: tuple[int, int, int, int]
    points: int
    contours: int


_outline_cache: dict[tuple[str, int, int], _Outline] = {}
_OUTLINE_CACHE_LIMIT: Final = 20_000


def _outline(font: FallbackFont, weight: int, glyph: int) -> _Outline:
    """A glyph's outline at ``weight``: drawn by HarfBuzz (cubic curves converted by cu2qu), compiled
    once, then reused by every subset that contains it."""
    key = (font.name, weight, glyph)
    cached = _outline_cache.get(key)
    if cached is None:
        hb_font = font.font(weight)
        pen = TTGlyphPen(None)
        hb_font.draw_glyph_with_pen(glyph, Cu2QuPen(RoundingPen(pen), 1.0, reverse_direction=font.cff))
        drawn = pen.glyph()
        contours = max(drawn.numberOfContours, 0)
        data = drawn.compile(None, recalcBBoxes=True) if contours else b""
        bounds = (drawn.xMin, drawn.yMin, drawn.xMax, drawn.yMax) if contours else (0, 0, 0, 0)
        points = len(drawn.coordinates) if contours else 0
        if len(_outline_cache) >= _OUTLINE_CACHE_LIMIT:
            _outline_cache.clear()
        cached = _outline_cache[key] = _Outline(data, hb_font.get_glyph_h_advance(glyph), bounds, points, contours)
    return cached


# 2016-01-01 in seconds since 1904, TrueType's epoch: fixed, so the bytes never depend on the clock.
_FONT_DATE: Final = 0x00000000D2D4BD00


def _build_program(font: FallbackFont, weight: int, glyphs: tuple[int, ...]) -> _Program:
    """A minimal TrueType font (head, hhea, maxp, hmtx, loca, glyf, post), written directly: all
    that a PDF's FontFile2 needs for a CIDFontType2 with a CIDToGIDMap, and a tenth of the time
    fontTools' builder takes for the same font."""
    hb_font = font.font(weight)
    outlines = [_outline(font, weight, glyph) for glyph in (0, *glyphs)]
    extents = hb_font.get_font_extents("ltr")
    inked = [o.bounds for o in outlines if o.contours]
    x_min = min((b[0] for b in inked), default=0)
    y_min = min((b[1] for b in inked), default=0)
    x_max = max((b[2] for b in inked), default=0)
    y_max = max((b[3] for b in inked), default=0)
    count = len(outlines)

    glyf = bytearray()
    loca = [0]
    hmtx = bytearray()
    for outline in outlines:
        glyf += outline.data + b"\0" * (-len(outline.data) % 4)
        loca.append(len(glyf))
        hmtx += struct.pack(">Hh", outline.advance, outline.bounds[0])
    head = struct.pack(
        ">IIIIHHqqhhhhHHhhh",
        0x00010000, 0x00010000, 0, 0x5F0F3CF5, 0x0003, font.upem, _FONT_DATE, _FONT_DATE,
        x_min, y_min, x_max, y_max, 0, 8, 2, 1, 0,
    )  # fmt: skip
    right_bearings = [o.advance - o.bounds[2] for o in outlines if o.contours]
    hhea = struct.pack(
        ">IhhhHhhhhhh8xhH",
        0x00010000, extents.ascender, extents.descender, 0, max(o.advance for o in outlines),
        min((b[0] for b in inked), default=0), min(right_bearings, default=0), x_max, 1, 0, 0, 0, count,
    )  # fmt: skip
    maxp = struct.pack(
        ">IHHHHHHHHHHHHHH",
        0x00010000, count, max(o.points for o in outlines), max(o.contours for o in outlines),
        0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0,
    )  # fmt: skip
    post = struct.pack(">IIhhIIIII", 0x00030000, 0, 0, 0, 0, 0, 0, 0, 0)
    tables = {
        b"glyf": bytes(glyf),
        b"head": head,
        b"hhea": hhea,
        b"hmtx": bytes(hmtx),
        b"loca": struct.pack(f">{len(loca)}I", *loca),
        b"maxp": maxp,
        b"post": post,
    }
    data = _sfnt(tables)
    scale = 1000 / font.upem
    return _Program(
        stream=stream(f"/Length1 {len(data)}", data),
        new_gid={glyph: index for index, glyph in enumerate(glyphs, start=1)},
        widths={glyph: round(o.advance * scale) for glyph, o in zip(glyphs, outlines[1:], strict=True)},
        bbox=(round(x_min * scale), round(y_min * scale), round(x_max * scale), round(y_max * scale)),
        ascent=round(extents.ascender * scale),
        descent=round(extents.descender * scale),
    )


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def _sfnt(tables: dict[bytes, bytes]) -> bytes:
    """The font file: table directory (tags sorted), tables padded to four bytes, head's checksum adjustment."""
    tags = sorted(tables)
    power = 1 << (len(tags).bit_length() - 1)
    search = power * 16
    header = struct.pack(">IHHHH", 0x00010000, len(tags), search, power.bit_length() - 1, len(tags) * 16 - search)
    offset = len(header) + 16 * len(tags)
    directory = bytearray()
    body = bytearray()
    head_at = 0
    for tag in tags:
        table = tables[tag]
        if tag == b"head":
            head_at = offset + len(body)
        directory += struct.pack(">4sIII", tag, _checksum(table), offset + len(body), len(table))
        body += table + b"\0" * (-len(table) % 4)
    font = bytearray(header + directory + body)
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    font[head_at + 8 : head_at + 12] = struct.pack(">I", adjustment)
    return bytes(font)


class _FaceUse:
    """The glyphs one fallback font at one weight has drawn in one document, with their CIDs."""

    def __init__(self, font: FallbackFont, weight: int, resource: str) -> None:
        self.font = font
        self.weight = weight
        self.resource = resource
        self.cids: dict[tuple[int, str], int] = {}

    def cid(self, glyph: int, text: str) -> int:
        cid = self.cids.get((glyph, text))
        if cid is None:
            cid = self.cids[(glyph, text)] = len(self.cids) + 1
        return cid

    def objects(self) -> tuple[bytes, ...]:
        """Six object bodies, as for a Noto Sans face: ``{0}``..``{5}`` stand for their numbers."""
        glyphs = tuple(sorted({glyph for glyph, _ in self.cids}))
        program = _program(self.font, self.weight, glyphs)
        ordered = sorted(self.cids.items(), key=lambda item: item[1])
        tag_source = f"{self.font.name}:{self.weight}:{glyphs}".encode()
        tag = "".join(chr(ord("A") + b % 26) for b in hashlib.sha256(tag_source).digest()[:6])
        style = "SemiBold" if self.weight >= 600 else "Regular"
        name = f"{tag}+{self.font.name}-{style}"
        cid_to_gid = bytearray(2 * (len(ordered) + 1))
        for (glyph, _), cid in ordered:
            cid_to_gid[2 * cid : 2 * cid + 2] = program.new_gid[glyph].to_bytes(2, "big")
        widths = " ".join(str(program.widths[glyph]) for (glyph, _), _ in ordered)
        entries = [f"<{cid:04X}> <{text.encode('utf-16-be').hex().upper()}>" for (_, text), cid in ordered]
        blocks = [
            f"{len(entries[i : i + 100])} beginbfchar\n" + "\n".join(entries[i : i + 100]) + "\nendbfchar"
            for i in range(0, len(entries), 100)
        ]
        to_unicode = (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            + "\n".join(blocks)
            + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
        )
        x_min, y_min, x_max, y_max = program.bbox
        return (
            (
                f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H"
                " /DescendantFonts [{1} 0 R] /ToUnicode {5} 0 R >>"
            ).encode(),
            (
                f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo"
                " << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
                " /FontDescriptor {2} 0 R /CIDToGIDMap {4} 0 R"
                f" /DW 0 /W [1 [{widths}]] >>"
            ).encode(),
            (
                f"<< /Type /FontDescriptor /FontName /{name} /Flags 4"
                f" /FontBBox [{x_min} {y_min} {x_max} {y_max}] /ItalicAngle 0"
                f" /Ascent {program.ascent} /Descent {program.descent} /CapHeight {round(program.ascent * 0.7)}"
                f" /StemV {80 if self.weight < 600 else 120} /FontFile2 {{3}} 0 R >>"
            ).encode(),
            program.stream,
            stream("", bytes(cid_to_gid)),
            stream("", to_unicode.encode("ascii")),
        )


class DocumentFonts:
    """The fallback glyphs one document draws; its font resources are named ``/F3``, ``/F4``..."""

    def __init__(self) -> None:
        self._uses: dict[tuple[str, int], _FaceUse] = {}
        self._lock = threading.Lock()

    def use(self, font: FallbackFont, weight: int) -> _FaceUse:
        key = (font.name, weight)
        use = self._uses.get(key)
        if use is None:
            with self._lock:
                use = self._uses.get(key)
                if use is None:
                    use = self._uses[key] = _FaceUse(font, weight, f"/F{len(self._uses) + 3}")
        return use

    def fonts(self) -> list[tuple[str, tuple[bytes, ...]]]:
        """(resource name without the slash, six object bodies) for each fallback face drawn."""
        return [(use.resource[1:], use.objects()) for use in self._uses.values() if use.cids]


class MixedFace:
    """A weight of Noto Sans with the fallback fonts behind it, for lines Noto Sans alone cannot set.

    Measures like :class:`~certificates.adapters.pdf.shaping.FontFace` (``width``,
    ``prefix_units``, ``cap_height``) and writes its lines with :meth:`text_object`.
    """

    def __init__(self, base: FontFace, weight: int, resource: str, document: DocumentFonts) -> None:
        self.base = base
        self.weight = weight
        self.resource = resource
        self.document = document
        self.cap_height = base.cap_height
        self.kerning: Mapping[tuple[int, int], int] = base.kerning
        self._layouts: dict[str, LineLayout] = {}

    def layout(self, text: str) -> LineLayout:
        layout = self._layouts.get(text)
        if layout is None:
            if len(self._layouts) > 256:
                self._layouts.clear()
            layout = self._layouts[text] = layout_line(text, self.base, self.weight)
        return layout

    def is_plain(self, text: str) -> bool:
        """Whether Noto Sans alone sets ``text``, left to right: then it is drawn as on the fast path."""
        return self.base.cids.keys() >= set(map(ord, text)) and paragraph_level(text) == 0

    def width(self, text: str, size: float, tracking: float = 0.0) -> float:
        if self.is_plain(text):
            return self.base.width(text, size, tracking)
        layout = self.layout(text)
        tracked = layout.base_glyphs - (1 if layout.last_is_base else 0)
        return layout.units * size / 1000 + tracking * max(tracked, 0)

    def prefix_units(self, text: str) -> list[int]:
        """Widths of the prefixes, estimated in proportion to their length: shaping is contextual,
        so a prefix has no width of its own. Used only to choose where to break a line; each line
        is then measured whole."""
        if self.is_plain(text):
            return self.base.prefix_units(text)
        total = self.layout(text).units
        count = max(len(text), 1)
        return [total * index // count for index in range(len(text) + 1)]

    def text_object(self, text: str, x: float, y: float, size: float, colour: str, tracking: float) -> str:
        """The ``BT``..``ET`` object drawing ``text`` with its left end at (``x``, ``y``), in PDF coordinates."""
        layout = self.layout(text)
        ops = [f"BT {colour} rg 1 0 0 1 {x:.2f} {y:.2f} Tm"]
        for segment in layout.segments:
            if segment.font is None:
                spacing = f" {tracking:.2f} Tc" if tracking else ""
                ops.append(f"{self.resource} {size:.2f} Tf{spacing} {self.base.show(segment.text)}")
                if tracking:
                    ops.append("0 Tc")
                continue
            use = self.document.use(segment.font, self.weight)
            ops.append(f"{use.resource} {size:.2f} Tf {_show_glyphs(use, segment.glyphs, size)}")
        ops.append("ET")
        actual = text.encode("utf-16-be").hex().upper()
        return f"/Span << /ActualText <FEFF{actual}> >> BDC\n" + " ".join(ops) + "\nEMC"


def _show_glyphs(use: _FaceUse, glyphs: Sequence[Placed], size: float) -> str:
    """``TJ`` operators placing shaped glyphs: TJ numbers for advances and x offsets, ``Ts`` for y offsets."""
    parts: list[str] = []
    items: list[str] = []
    rise = 0
    pending = 0  # units to move right before the next glyph
    widths = _program_widths(use)
    for glyph in glyphs:
        if glyph.y_offset != rise:
            if items:
                parts.append("[" + "".join(items) + "] TJ")
                items = []
            rise = glyph.y_offset
            parts.append(f"{rise * size / 1000:.2f} Ts")
        items.extend(_moves(pending + glyph.x_offset))
        items.append(f"<{use.cid(glyph.glyph, glyph.text):04X}>")
        pending = glyph.advance - glyph.x_offset - widths(glyph.glyph)
    items.extend(_moves(pending))
    if items:
        parts.append("[" + "".join(items) + "] TJ")
    if rise:
        parts.append("0 Ts")
    return " ".join(parts)


_MOVE_STEP: Final = 100


def _moves(units: int) -> list[str]:
    """TJ numbers moving the pen ``units`` to the right (negative: left).

    A move to the right (the return from a mark placed back over its base, as in Bengali or Arabic
    vowel signs) is split into steps of at most 0.1 em: extractors that read TJ numbers, not glyph
    positions (pypdf), take one number wider than a space for a word gap and insert a space.
    """
    if units >= 0:
        steps = [units] * (units > 0) if units <= _MOVE_STEP else [_MOVE_STEP] * (units // _MOVE_STEP)
        if units > _MOVE_STEP and units % _MOVE_STEP:
            steps.append(units % _MOVE_STEP)
        return [f" {-step} " for step in steps]
    return [f" {-units} "]


def _program_widths(use: _FaceUse) -> _WidthLookup:
    return _WidthLookup(use.font, use.weight)


class _WidthLookup:
    """Glyph advance at the face's weight, as the embedded font's ``/W`` entry states it."""

    __slots__ = ("font", "weight")

    def __init__(self, font: FallbackFont, weight: int) -> None:
        self.font = font
        self.weight = weight

    def __call__(self, glyph: int) -> int:
        return self.font.advance(self.weight, glyph)
