"""Render a certificate as a one-page A4 landscape PDF, in a couple of milliseconds.

Why this module writes PDF itself instead of laying out each certificate with fpdf2
------------------------------------------------------------------------------------
Bulk issuance targets 500 certificates per second on two cores, i.e. a budget of about 4 ms
of CPU per certificate for everything (database, signing, upload, rendering). Measured with
fpdf2 2.8.9 on this page, most of the time goes to fonts, per document: parsing the TTF in
``add_font`` and running fontTools' subsetter and TTF compiler in ``output()``, 20-40 ms even
with a small font, and about 4 s when a variable font is instanced with ``variations=``. fpdf2
keeps that state inside each ``FPDF`` object and subsets the ``TTFont`` in place, so it cannot
be shared between documents.

A certificate is a fixed design with a handful of text runs, rules, images and a QR code, so
we prepare everything expensive once per process and only write the page itself per document:

* Fonts: Noto Sans (variable, from ``fontpkg-noto-sans``) is subset to the character
  repertoire of the seven product languages (Latin, Latin-1, Latin Extended-A, ə/Ə, ʻ/ʼ, the
  whole Cyrillic block, punctuation and the currency signs of the member states) and
  instanced at two weights with fontTools, once per process (2-3 s of CPU). Each face's PDF
  objects (the compressed font program, widths, CID-to-glyph map and ToUnicode CMap) are
  serialised once and copied into every document.
* Text is written as CIDs with a ToUnicode entry per code point (not per glyph: Noto Sans maps
  some code points to shared glyphs), so text extracted from the PDF equals the NFC input.
  Pair kerning is read from the font's GPOS ``kern`` feature and applied with ``TJ``.
* A name with a letter outside the repertoire (say, Vietnamese or Greek) still renders: the
  renderer builds, and caches, a face for that extended set. That costs about a second the
  first time. Characters Noto Sans lacks altogether raise :class:`UnsupportedCharactersError`,
  because a certificate with blank boxes in a name is worse than a reported failure.
* Logos and signature images are decoded once (Pillow) and cached by content hash.
* Everything a template prints whatever the learner (border, ornaments, wording, logos,
  signatories) is drawn once per template and language into its own compressed content
  stream; each certificate adds a second, small stream with its name, title, date, code and QR.

Measured on one core: about 0.7 ms per certificate, of which the QR symbol is 0.15 ms
(see bench/bench_certificate_render.py for the comparison with fpdf2 and WeasyPrint).

The trade-off: each PDF embeds the full repertoire subset (about 60 KB for two weights)
rather than only the glyphs it uses (about 10 KB), and we own ~300 lines of PDF writing
instead of a library's layout engine. The renderer is deliberately narrow: one page, one
design, parameterised by :class:`~certificates.domain.templates.CertificateTemplate`.

QR symbol: zxing-cpp (C++) encodes it, with the full ISO/IEC 18004 mask search and segment
optimisation (the upper-case code travels in alphanumeric mode, which often saves a version).
The pure-Python segno, used before, took 0.7 ms per symbol even with the mask fixed, half of
the renderer's time; zxing-cpp takes about 0.15 ms with the search.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache
from typing import Final, cast
from urllib.parse import quote

import zxingcpp
from fontpkg_noto_sans import ROOT as _NOTO_ROOT
from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer
from typing_extensions import Buffer

from certificates.domain.model import CertificateDocument
from certificates.domain.templates import PLATFORM_NAME, CertificateTemplate, CertificateTexts, format_date

__all__ = [
    "REPERTOIRE",
    "CertificateDocument",
    "CertificateRenderer",
    "UnsupportedCharactersError",
    "printable",
    "qr_code_for",
]

NOTO_SANS_VARIABLE: Final = _NOTO_ROOT / "files" / "NotoSans[wdth,wght].ttf"


def _ranges(*spans: tuple[int, int]) -> frozenset[int]:
    return frozenset(cp for start, end in spans for cp in range(start, end + 1))


REPERTOIRE: Final[frozenset[int]] = _ranges(
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x017F),  # Latin-1 Supplement, Latin Extended-A: Turkish, Turkmen, Hungarian...
    (0x018F, 0x018F),  # Ə
    (0x0259, 0x0259),  # ə
    (0x02BB, 0x02BC),  # ʻ (Uzbek oʻ gʻ) and ʼ (Uzbek tutuq belgisi)
    (0x0400, 0x04FF),  # Cyrillic, including Kazakh and Kyrgyz letters
    (0x2010, 0x2014),  # hyphens and dashes
    (0x2018, 0x201E),  # quotation marks
    (0x2022, 0x2022),
    (0x2026, 0x2026),
    (0x2039, 0x203A),
    (0x20AC, 0x20AC),  # €
    (0x20B8, 0x20B8),  # ₸ tenge
    (0x20BA, 0x20BA),  # ₺ lira
    (0x20BC, 0x20BD),  # ₼ manat, ₽ rouble
    (0x2116, 0x2116),  # №
)

PAGE_WIDTH: Final = 841.89  # A4 landscape, in points
PAGE_HEIGHT: Final = 595.28

_REGULAR: Final = 400
_SEMIBOLD: Final = 600
_QR_ERROR_LEVELS: Final = ("M", "Q")
# zxing-cpp's 1-pixel-per-module image is 0 for dark and 255 for light; the drawing wants 1 and 0.
_QR_DARK_IS_ONE: Final = bytes.maketrans(b"\x00\xff", b"\x01\x00")


class UnsupportedCharactersError(ValueError):
    """The text uses characters the certificate font cannot draw."""

    def __init__(self, characters: Iterable[str]) -> None:
        self.characters = tuple(sorted(set(characters)))
        listed = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in self.characters)
        super().__init__(f"the certificate font cannot draw: {listed}")


# --- fonts ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FontFace:
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


_FACE_OBJECT_COUNT: Final = 6


def _read_pair_kerning(font: TTFont) -> dict[tuple[int, int], int]:
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


def _subset_tag(codepoints: frozenset[int], weight: int) -> str:
    # PDF requires a six-capital-letter tag on subset fonts; a hash keeps it stable per subset.
    digest = hashlib.sha256(f"{weight}:{sorted(codepoints)}".encode()).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


def _stream(dictionary: str, data: bytes, *, compress: bool = True, level: int = 9) -> bytes:
    if compress:
        data = zlib.compress(data, level)
        dictionary += " /Filter /FlateDecode"
    return f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def _subset_variable_font(codepoints: frozenset[int]) -> TTFont:
    """Noto Sans, still variable, cut down to ``codepoints`` with only pair kerning kept.

    Subsetting first makes instancing several times faster (far fewer glyph variations), and
    one subset serves both weights. GSUB is dropped before subsetting because decompiling it
    is most of the subsetter's time and we never substitute glyphs (which also keeps the text
    extractable character for character).
    """
    font = TTFont(NOTO_SANS_VARIABLE)
    del font["GSUB"]
    options = ftsubset.Options()
    options.layout_features = ["kern"]
    options.notdef_outline = True
    options.hinting = False  # PDF viewers rasterise at print resolution; hints only add bytes
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    return font


def _build_faces(codepoints: frozenset[int]) -> _FaceSet:
    variable = _subset_variable_font(codepoints)
    return _FaceSet(
        _build_face(variable, _REGULAR, codepoints),
        _build_face(variable, _SEMIBOLD, codepoints),
    )


def _build_face(variable: TTFont, weight: int, codepoints: frozenset[int]) -> _FontFace:
    """Instance the subset variable font at ``weight`` and serialise it as PDF objects."""
    font = instancer.instantiateVariableFont(variable, {"wght": weight, "wdth": 100}, static=True)

    scale = 1000 / font["head"].unitsPerEm
    kerning_by_glyph = _read_pair_kerning(font)
    cmap: dict[int, str] = font.getBestCmap()
    hmtx = font["hmtx"].metrics
    present = sorted(cp for cp in codepoints if cp in cmap)

    cids = {cp: index for index, cp in enumerate(present, start=1)}
    glyph_of = {cp: font.getGlyphID(cmap[cp]) for cp in present}
    advances = {cp: round(hmtx[cmap[cp]][0] * scale) for cp in present}
    cps_of_glyph: dict[int, list[int]] = {}
    for cp, glyph in glyph_of.items():
        cps_of_glyph.setdefault(glyph, []).append(cp)
    kerning: dict[tuple[int, int], int] = {}
    for (left, right), value in kerning_by_glyph.items():
        for left_cp in cps_of_glyph.get(left, ()):
            for right_cp in cps_of_glyph.get(right, ()):
                kerning[(left_cp, right_cp)] = round(value * scale)

    # Layout tables were only needed to read kerning; the embedded program needs outlines.
    for tag in ("GPOS", "GSUB", "GDEF", "STAT", "gasp", "prep", "fpgm", "cvt "):
        if tag in font:
            del font[tag]
    program = io.BytesIO()
    font.save(program)
    program_bytes = program.getvalue()

    style = "SemiBold" if weight == _SEMIBOLD else "Regular" if weight == _REGULAR else f"W{weight}"
    name = f"{_subset_tag(frozenset(present), weight)}+NotoSans-{style}"
    head = font["head"]
    hhea = font["hhea"]
    cap_height = font["OS/2"].sCapHeight * scale
    notdef_width = round(hmtx[".notdef"][0] * scale)

    cid_to_gid = bytearray(2 * (len(present) + 1))
    for cp, cid in cids.items():
        cid_to_gid[2 * cid : 2 * cid + 2] = glyph_of[cp].to_bytes(2, "big")
    widths = " ".join(str(advances[cp]) for cp in present)

    to_unicode_entries = [f"<{cid:04X}> <{chr(cp).encode('utf-16-be').hex().upper()}>" for cp, cid in cids.items()]
    blocks = []
    for start in range(0, len(to_unicode_entries), 100):
        chunk = to_unicode_entries[start : start + 100]
        blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar")
    to_unicode = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    )

    # Object bodies reference each other relative to the face's first object number, which
    # is filled in by ``_face_objects``; "{0}".."{5}" are those numbers.
    objects = (
        (
            "<< /Type /Font /Subtype /Type0 /BaseFont /" + name + " /Encoding /Identity-H"
            " /DescendantFonts [{1} 0 R] /ToUnicode {5} 0 R >>"
        ).encode(),
        (
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /" + name + " /CIDSystemInfo"
            " << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
            " /FontDescriptor {2} 0 R /CIDToGIDMap {4} 0 R"
            f" /DW {notdef_width} /W [1 [{widths}]] >>"
        ).encode(),
        (
            f"<< /Type /FontDescriptor /FontName /{name} /Flags 4"
            f" /FontBBox [{round(head.xMin * scale)} {round(head.yMin * scale)}"
            f" {round(head.xMax * scale)} {round(head.yMax * scale)}]"
            f" /ItalicAngle 0 /Ascent {round(hhea.ascent * scale)} /Descent {round(hhea.descent * scale)}"
            f" /CapHeight {round(cap_height)} /StemV {80 if weight < _SEMIBOLD else 120}"
            " /FontFile2 {3} 0 R >>"
        ).encode(),
        _stream(f"/Length1 {len(program_bytes)}", program_bytes),
        _stream("", bytes(cid_to_gid)),
        _stream("", to_unicode.encode("ascii")),
    )
    return _FontFace(
        postscript_name=name,
        cids=cids,
        hex_cids={cp: f"{cid:04X}" for cp, cid in cids.items()},
        advances=advances,
        kerning=kerning,
        cap_height=cap_height,
        objects=objects,
    )


def _number_face_objects(face: _FontFace, first: int) -> tuple[bytes, ...]:
    """The face's object bodies with its six object numbers filled in, starting at ``first``."""
    numbers = [str(first + offset).encode() for offset in range(_FACE_OBJECT_COUNT)]
    result = []
    for body in face.objects:
        if b"stream\n" not in body:  # only dictionaries hold references; font data must not be touched
            for offset, number in enumerate(numbers):
                body = body.replace(b"{%d}" % offset, number)
        result.append(body)
    return tuple(result)


# Object numbers are fixed: the catalogue, page tree, page, two content streams and the
# information dictionary come first, then the two faces (serialised once per face set), then
# images and link annotations.
_CATALOG, _PAGES, _PAGE, _STATIC_CONTENT, _CONTENT, _INFO = 1, 2, 3, 4, 5, 6
_REGULAR_FIRST: Final = 7
_SEMIBOLD_FIRST: Final = _REGULAR_FIRST + _FACE_OBJECT_COUNT
_FIRST_FREE: Final = _SEMIBOLD_FIRST + _FACE_OBJECT_COUNT


class _FaceSet:
    """The two weights used on a certificate, with their PDF objects already numbered."""

    __slots__ = ("objects", "regular", "semibold")

    def __init__(self, regular: _FontFace, semibold: _FontFace) -> None:
        self.regular = regular
        self.semibold = semibold
        self.objects = _number_face_objects(regular, _REGULAR_FIRST) + _number_face_objects(semibold, _SEMIBOLD_FIRST)


_faces_lock = threading.Lock()
_base_faces: _FaceSet | None = None


def _load_base_faces() -> _FaceSet:
    """The repertoire faces, built on first use and then shared by every renderer in the process."""
    global _base_faces
    if _base_faces is None:
        with _faces_lock:
            if _base_faces is None:
                _base_faces = _build_faces(REPERTOIRE)
    return _base_faces


@lru_cache(maxsize=1)
def _font_coverage() -> frozenset[int]:
    return frozenset(TTFont(NOTO_SANS_VARIABLE, lazy=True).getBestCmap())


@lru_cache(maxsize=16)
def _extended_faces(extra: frozenset[int]) -> _FaceSet:
    return _build_faces(REPERTOIRE | extra)


def _faces_for(texts: Iterable[str]) -> _FaceSet:
    base = _load_base_faces()
    extra = {ord(ch) for text in texts for ch in text} - REPERTOIRE
    if not extra:
        return base
    missing = extra - _font_coverage()
    if missing:
        raise UnsupportedCharactersError(chr(cp) for cp in missing)
    return _extended_faces(frozenset(extra))


# --- images --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PreparedImage:
    width: int
    height: int
    image: bytes
    """The image XObject body; ``{smask}`` stands for the soft mask's object number."""
    smask: bytes | None


_image_cache: dict[bytes, _PreparedImage] = {}
_image_cache_lock = threading.Lock()
_IMAGE_CACHE_LIMIT: Final = 64


def _prepare_image(data: bytes) -> _PreparedImage:
    """Decode a PNG/JPEG once and keep its PDF form, keyed by content hash."""
    key = hashlib.sha256(data).digest()
    cached = _image_cache.get(key)
    if cached is not None:
        return cached
    # Pillow comes with fpdf2; imported here because only templates with images need it.
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        width, height = opened.size
        if opened.format == "JPEG" and opened.mode in ("L", "RGB"):
            colour_space = "/DeviceGray" if opened.mode == "L" else "/DeviceRGB"
            body = _stream(
                f"/Type /XObject /Subtype /Image /Width {width} /Height {height}"
                f" /ColorSpace {colour_space} /BitsPerComponent 8 /Filter /DCTDecode",
                bytes(data),
                compress=False,
            )
            prepared = _PreparedImage(width, height, body, None)
        else:
            has_alpha = opened.mode in ("RGBA", "LA", "PA") or (opened.mode == "P" and "transparency" in opened.info)
            rgba = opened.convert("RGBA" if has_alpha else "RGB")
            smask = None
            mask_ref = ""
            if has_alpha:
                alpha = rgba.getchannel("A")
                smask = _stream(
                    f"/Type /XObject /Subtype /Image /Width {width} /Height {height}"
                    " /ColorSpace /DeviceGray /BitsPerComponent 8",
                    alpha.tobytes(),
                )
                rgba = rgba.convert("RGB")
                mask_ref = " /SMask {smask} 0 R"
            body = _stream(
                f"/Type /XObject /Subtype /Image /Width {width} /Height {height}"
                f" /ColorSpace /DeviceRGB /BitsPerComponent 8{mask_ref}",
                rgba.tobytes(),
            )
            prepared = _PreparedImage(width, height, body, smask)
    with _image_cache_lock:
        if len(_image_cache) >= _IMAGE_CACHE_LIMIT:
            _image_cache.clear()
        _image_cache[key] = prepared
    return prepared


# --- QR ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QrSymbol:
    """A QR symbol as rows of modules (1 = dark), without the quiet zone."""

    matrix: tuple[bytes, ...]
    error_level: str


_QR_LEVEL_CACHE_LIMIT: Final = 64
# Written by several renderer threads; a lost update only costs one extra encode.
_qr_levels: dict[tuple[str, int], str] = {}


def _encode_qr(url: str, level: str) -> QrSymbol:
    image = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=level).to_image(
        scale=1, add_quiet_zones=False
    )
    height, width = image.shape
    # The image implements the buffer protocol; its type stub does not say so.
    pixels = bytes(cast("Buffer", image)).translate(_QR_DARK_IS_ONE)
    return QrSymbol(tuple(pixels[row * width : (row + 1) * width] for row in range(height)), level)


def qr_code_for(url: str) -> QrSymbol:
    """The QR symbol printed for ``url``.

    Error correction is level M, raised to Q when the URL still fits the same symbol size (a
    creased or stained certificate still scans, and the modules printed are no smaller).
    """
    # Verification URLs differ only in the code, always of the same length and alphabet, so the
    # level found for one holds for all URLs with the same prefix and length: one encode each.
    shape = (url.rsplit("/", 1)[0], len(url))
    level = _qr_levels.get(shape)
    if level is not None:
        return _encode_qr(url, level)
    symbol = _encode_qr(url, _QR_ERROR_LEVELS[0])
    for stronger_level in _QR_ERROR_LEVELS[1:]:
        stronger = _encode_qr(url, stronger_level)
        if len(stronger.matrix) > len(symbol.matrix):
            break
        symbol = stronger
    if len(_qr_levels) >= _QR_LEVEL_CACHE_LIMIT:
        _qr_levels.clear()
    _qr_levels[shape] = symbol.error_level
    return symbol


# --- drawing -------------------------------------------------------------------------------------


def _rgb(colour: tuple[float, float, float]) -> str:
    return f"{colour[0]:.3f} {colour[1]:.3f} {colour[2]:.3f}"


def _mix(a: tuple[float, float, float], b: tuple[float, float, float], t: float) -> tuple[float, float, float]:
    """Blend ``a`` toward ``b`` by ``t``: used for tints, so no transparency groups are needed."""
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


class _Page:
    """Collects content-stream operators; coordinates are from the top-left, in points."""

    def __init__(self, faces: _FaceSet) -> None:
        self.ops: list[str] = []
        self.faces = faces

    def _font_name(self, face: _FontFace) -> str:
        return "/F1" if face is self.faces.regular else "/F2"

    def fill_rect(self, x: float, y: float, w: float, h: float, colour: tuple[float, float, float]) -> None:
        self.ops.append(f"{_rgb(colour)} rg {x:.2f} {PAGE_HEIGHT - y - h:.2f} {w:.2f} {h:.2f} re f")

    def stroke_rect(
        self, x: float, y: float, w: float, h: float, colour: tuple[float, float, float], line_width: float
    ) -> None:
        self.ops.append(f"{_rgb(colour)} RG {line_width:.2f} w {x:.2f} {PAGE_HEIGHT - y - h:.2f} {w:.2f} {h:.2f} re S")

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        colour: tuple[float, float, float],
        line_width: float,
    ) -> None:
        self.ops.append(
            f"{_rgb(colour)} RG {line_width:.2f} w {x1:.2f} {PAGE_HEIGHT - y1:.2f} m"
            f" {x2:.2f} {PAGE_HEIGHT - y2:.2f} l S"
        )

    def polygon(self, points: Sequence[tuple[float, float]], colour: tuple[float, float, float]) -> None:
        first, *rest = points
        path = [f"{first[0]:.2f} {PAGE_HEIGHT - first[1]:.2f} m"]
        path.extend(f"{x:.2f} {PAGE_HEIGHT - y:.2f} l" for x, y in rest)
        self.ops.append(f"{_rgb(colour)} rg " + " ".join(path) + " h f")

    def circle(
        self,
        cx: float,
        cy: float,
        r: float,
        colour: tuple[float, float, float],
        *,
        line_width: float | None = None,
    ) -> None:
        # Four cubic Béziers; 0.5523 is the standard control-point factor for a quarter circle.
        k = 0.5523 * r
        y = PAGE_HEIGHT - cy
        path = (
            f"{cx + r:.2f} {y:.2f} m "
            f"{cx + r:.2f} {y + k:.2f} {cx + k:.2f} {y + r:.2f} {cx:.2f} {y + r:.2f} c "
            f"{cx - k:.2f} {y + r:.2f} {cx - r:.2f} {y + k:.2f} {cx - r:.2f} {y:.2f} c "
            f"{cx - r:.2f} {y - k:.2f} {cx - k:.2f} {y - r:.2f} {cx:.2f} {y - r:.2f} c "
            f"{cx + k:.2f} {y - r:.2f} {cx + r:.2f} {y - k:.2f} {cx + r:.2f} {y:.2f} c"
        )
        if line_width is None:
            self.ops.append(f"{_rgb(colour)} rg {path} f")
        else:
            self.ops.append(f"{_rgb(colour)} RG {line_width:.2f} w {path} S")

    def text(
        self,
        text: str,
        x: float,
        baseline: float,
        face: _FontFace,
        size: float,
        colour: tuple[float, float, float],
        *,
        align: str = "left",
        tracking: float = 0.0,
    ) -> float:
        """Draw one line of text; returns its width. ``x`` is the left edge, centre or right edge."""
        width = face.width(text, size, tracking)
        if align == "center":
            x -= width / 2
        elif align == "right":
            x -= width
        spacing = f" {tracking:.2f} Tc" if tracking else ""
        reset = " 0 Tc" if tracking else ""
        self.ops.append(
            f"BT {self._font_name(face)} {size:.2f} Tf{spacing} {_rgb(colour)} rg"
            f" 1 0 0 1 {x:.2f} {PAGE_HEIGHT - baseline:.2f} Tm {face.show(text)}{reset} ET"
        )
        return width

    def image(self, name: str, x: float, y: float, w: float, h: float) -> None:
        self.ops.append(f"q {w:.2f} 0 0 {h:.2f} {x:.2f} {PAGE_HEIGHT - y - h:.2f} cm /{name} Do Q")

    def qr(self, matrix: Sequence[bytes | bytearray], x: float, y: float, size: float, colour: str) -> None:
        """Dark modules as rectangles, one per horizontal run, filled in a single path.

        A transformation puts the origin at the symbol's top-left corner with one unit per
        module and y growing downwards, so every rectangle is written in small integers.
        """
        module = size / len(matrix)
        rects = []
        for row_index, row in enumerate(matrix):
            for run in _DARK_RUN.finditer(bytes(row)):
                rects.append(f"{run.start()} {row_index} {run.end() - run.start()} 1 re")
        # The comments delimit the symbol so tests can read it back from the content stream.
        self.ops.append(
            f"% qr-begin\nq {module:.4f} 0 0 {-module:.4f} {x:.3f} {PAGE_HEIGHT - y:.3f} cm {colour} rg\n"
            + "\n".join(rects)
            + "\nf Q\n% qr-end"
        )


_DARK_RUN: Final = re.compile(rb"[^\x00]+")


@dataclass(frozen=True, slots=True)
class _Fitted:
    lines: tuple[str, ...]
    size: float


def _fit(
    text: str,
    face: _FontFace,
    *,
    max_width: float,
    max_size: float,
    min_size: float,
    max_lines: int = 1,
    two_line_max_size: float | None = None,
    tracking: float = 0.0,
) -> _Fitted:
    """Choose lines and a font size so ``text`` never overflows ``max_width``.

    One line at up to ``max_size``; if that would fall below ``min_size`` and two lines are
    allowed, a balanced break at a space; if even that is too small, whichever is larger.
    Width is linear in the size, so sizes are computed rather than searched.
    """

    def size_for(line: str) -> float:
        unit = face.width(line, 1.0)
        room = max_width - tracking * max(len(line) - 1, 0)
        return max_size if unit <= 0 else min(max_size, room / unit)

    single = size_for(text)
    if single >= min_size or max_lines < 2:
        return _Fitted((text,), _floor_size(single))
    breaks = [i for i, ch in enumerate(text) if ch == " "]
    if not breaks:
        return _Fitted((text,), _floor_size(single))
    best = min(breaks, key=lambda i: max(face.width(text[:i], 1.0), face.width(text[i + 1 :], 1.0)))
    lines = (text[:best], text[best + 1 :])
    cap = two_line_max_size if two_line_max_size is not None else max_size
    double = min(cap, *(size_for(line) for line in lines))
    if double > single:
        return _Fitted(lines, _floor_size(double))
    return _Fitted((text,), _floor_size(single))


def _floor_size(size: float) -> float:
    # Round down to a tenth of a point so rounding never pushes text past its box.
    return math.floor(size * 10) / 10


def printable(text: str) -> str:
    """``text`` as the certificate prints it: NFC, invisible format characters removed, and
    whitespace runs (tabs, newlines, doubled spaces from CSV files) collapsed to one space.

    Format characters are things like a byte-order mark glued to the first CSV field, zero-width
    spaces and soft hyphens: invisible in the source, but they would either print as a visible
    glyph or force a font rebuild. Store this form if you show "what is printed" elsewhere.
    """
    text = unicodedata.normalize("NFC", text)
    if not text.isprintable() or "  " in text:
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


def _pdf_text_string(text: str) -> str:
    """A PDF text string for the document information dictionary (UTF-16BE with BOM)."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


# --- the renderer --------------------------------------------------------------------------------

_Colour = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class _Palette:
    primary: _Colour
    accent: _Colour
    ink: _Colour
    muted: _Colour
    paper: _Colour

    @classmethod
    def of(cls, template: CertificateTemplate) -> _Palette:
        colours = template.colours
        return cls(
            colours.rgb("primary"),
            colours.rgb("accent"),
            colours.rgb("text"),
            colours.rgb("muted"),
            colours.rgb("background"),
        )


@dataclass(frozen=True, slots=True)
class _StaticLayer:
    """What a template prints in one language, independent of the learner: drawn once."""

    stream: bytes
    """The compressed content stream object body."""
    images: tuple[tuple[str, _PreparedImage], ...]
    shift: float
    """Vertical offset of the text block (it moves up when there are no logos)."""


# Layout, in points from the top-left corner of the page.
_CENTRE: Final = PAGE_WIDTH / 2
_TEXT_WIDTH: Final = 640.0
_LEFT: Final = 70.0
_COLUMN: Final = 170.0
_QR_SIZE: Final = 80.0
_QR_X: Final = PAGE_WIDTH - 70 - _QR_SIZE
_QR_Y: Final = 434.0
_FOOTER_BASELINE: Final = 553.0
_STATIC_CACHE_LIMIT: Final = 256


class CertificateRenderer:
    """Renders certificates; create one per process and reuse it.

    Construction prepares the fonts (a few seconds the first time in a process, then free), so
    workers should build their renderer at start-up, not on the first certificate. Everything
    a template prints regardless of the learner is drawn once per (template, language) and
    cached. A renderer is safe to share between threads.
    """

    def __init__(self) -> None:
        self._static: dict[tuple[str, str], _StaticLayer] = {}
        self._static_lock = threading.Lock()
        _load_base_faces()

    def render(self, doc: CertificateDocument, template: CertificateTemplate, lang: str) -> bytes:
        """The certificate as PDF bytes, in language ``lang`` (the template falls back to English).

        Text passes through :func:`printable` (NFC, whitespace collapsed) before it is drawn, so
        text extracted from the PDF is exactly ``printable(input)``; for ordinary input that is
        the NFC form. Output is deterministic: the same inputs give the same bytes.

        Raises :class:`UnsupportedCharactersError` if a string has characters Noto Sans lacks.
        """
        texts = _printable_texts(template, lang)
        learner_name = printable(doc.learner_name)
        course_title = printable(doc.course_title)
        issuer_name = printable(doc.issuer_name)
        verify_url = doc.verify_url.strip()
        date_text = format_date(doc.issued_at.astimezone(UTC).date(), lang)
        version_text = f"{texts.course_version} {doc.course_version}" if doc.course_version is not None else ""
        faces = _faces_for(
            (
                learner_name,
                course_title,
                issuer_name,
                verify_url,
                doc.code,
                date_text,
                version_text,
                *_template_strings(template, lang),
            )
        )
        static = self._static_layer(template, lang, faces)
        palette = _Palette.of(template)
        regular, semibold = faces.regular, faces.semibold
        shift = static.shift
        page = _Page(faces)

        fitted = _fit(issuer_name, regular, max_width=_TEXT_WIDTH, max_size=10.5, min_size=6, tracking=0.9)
        page.text(
            fitted.lines[0], _CENTRE, 112 + shift, regular, fitted.size, palette.muted, align="center", tracking=0.9
        )

        fitted = _fit(
            learner_name, semibold, max_width=620, max_size=38, min_size=22, max_lines=2, two_line_max_size=22
        )
        _centred_lines(page, fitted, 239 + shift * 0.4, semibold, palette.ink, leading=1.12)

        fitted = _fit(
            course_title, semibold, max_width=_TEXT_WIDTH, max_size=22, min_size=15, max_lines=2, two_line_max_size=18
        )
        _centred_lines(page, fitted, 334 + shift * 0.1, semibold, palette.primary, leading=1.22)

        fitted = _fit(date_text, semibold, max_width=_COLUMN, max_size=12, min_size=6)
        page.text(fitted.lines[0], _LEFT, 460, semibold, fitted.size, palette.ink)
        fitted = _fit(doc.code, semibold, max_width=_COLUMN, max_size=12, min_size=6, tracking=0.6)
        page.text(fitted.lines[0], _LEFT, 502, semibold, fitted.size, palette.ink, tracking=0.6)
        if version_text:
            fitted = _fit(version_text, regular, max_width=_COLUMN, max_size=8, min_size=5)
            page.text(fitted.lines[0], _LEFT, 526, regular, fitted.size, palette.muted)

        qr = qr_code_for(verify_url)
        page.qr(qr.matrix, _QR_X, _QR_Y, _QR_SIZE, _rgb(palette.ink))

        # Footer: where to verify, as text, centred as one line of label and URL.
        label_size = 7.5
        gap = 5.0
        label_width = regular.width(texts.verify_at, label_size)
        url_fit = _fit(verify_url, regular, max_width=600 - label_width - gap, max_size=7.5, min_size=4)
        total = label_width + gap + regular.width(verify_url, url_fit.size)
        x = _CENTRE - total / 2
        page.text(texts.verify_at, x, _FOOTER_BASELINE, regular, label_size, palette.muted)
        page.text(verify_url, x + label_width + gap, _FOOTER_BASELINE, regular, url_fit.size, palette.ink)

        links = (
            (_QR_X, _QR_Y, _QR_X + _QR_SIZE, _QR_Y + _QR_SIZE),
            (x, _FOOTER_BASELINE - 8, x + total, _FOOTER_BASELINE + 3),
        )
        return _assemble_pdf(
            static=static,
            content="\n".join(page.ops).encode("ascii"),
            faces=faces,
            links=links,
            url=verify_url,
            info={
                "Title": f"{texts.headline}: {course_title}",
                "Author": issuer_name,
                "Subject": f"{learner_name}, {course_title}, {doc.code}",
                "Creator": f"{PLATFORM_NAME} certificates",
                "Producer": f"{PLATFORM_NAME} certificate renderer",
            },
            creation=doc.issued_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ"),
            lang=lang,
            identity=f"{doc.code}|{doc.issued_at.isoformat()}",
        )

    def _static_layer(self, template: CertificateTemplate, lang: str, faces: _FaceSet) -> _StaticLayer:
        if faces is not _base_faces:
            # Extended faces number their CIDs differently; their layers are not worth caching.
            return _draw_static_layer(template, lang, faces)
        key = (template.fingerprint, lang)
        layer = self._static.get(key)
        if layer is None:
            layer = _draw_static_layer(template, lang, faces)
            with self._static_lock:
                if len(self._static) >= _STATIC_CACHE_LIMIT:
                    self._static.clear()
                self._static[key] = layer
        return layer


def _printable_texts(template: CertificateTemplate, lang: str) -> CertificateTexts:
    texts = template.texts_for(lang)
    return CertificateTexts(**{name: printable(getattr(texts, name)) for name in texts.__slots__})


def _template_strings(template: CertificateTemplate, lang: str) -> list[str]:
    texts = _printable_texts(template, lang)
    strings = [getattr(texts, name) for name in texts.__slots__]
    for signatory in template.signatories:
        strings += (printable(signatory.name_for(lang)), printable(signatory.title_for(lang)))
    return strings


def _draw_static_layer(template: CertificateTemplate, lang: str, faces: _FaceSet) -> _StaticLayer:
    texts = _printable_texts(template, lang)
    signatories = [
        (printable(s.name_for(lang)), printable(s.title_for(lang)), s.signature_image) for s in template.signatories
    ]
    palette = _Palette.of(template)
    page = _Page(faces)
    regular, semibold = faces.regular, faces.semibold
    images: list[tuple[str, _PreparedImage]] = []

    # Background and border: a strong outer frame, a fine inner one, ornaments at the corners.
    if palette.paper != (1.0, 1.0, 1.0):
        page.fill_rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, palette.paper)
    page.stroke_rect(16, 16, PAGE_WIDTH - 32, PAGE_HEIGHT - 32, palette.primary, 2.4)
    page.stroke_rect(23, 23, PAGE_WIDTH - 46, PAGE_HEIGHT - 46, palette.accent, 0.7)
    _corner_ornaments(page, palette)

    # Logos across the top; without them the text block moves up to stay balanced.
    shift = 0.0 if template.logos else -10.0
    if template.logos:
        prepared = [_prepare_image(logo) for logo in template.logos]
        boxes = [
            (image.width * scale, image.height * scale)
            for image in prepared
            for scale in (min(44 / image.height, 150 / image.width),)
        ]
        gap = 28.0
        x = _CENTRE - (sum(w for w, _ in boxes) + gap * (len(boxes) - 1)) / 2
        for image, (w, h) in zip(prepared, boxes, strict=True):
            name = f"Im{len(images) + 1}"
            images.append((name, image))
            page.image(name, x, 46 + (44 - h) / 2, w, h)
            x += w + gap

    fitted = _fit(texts.headline, semibold, max_width=_TEXT_WIDTH, max_size=30, min_size=14)
    page.text(fitted.lines[0], _CENTRE, 154 + shift, semibold, fitted.size, palette.primary, align="center")
    _divider(page, 172 + shift, palette.accent)

    fitted = _fit(texts.certifies_that, regular, max_width=_TEXT_WIDTH, max_size=12.5, min_size=7)
    page.text(fitted.lines[0], _CENTRE, 205 + shift * 0.6, regular, fitted.size, palette.muted, align="center")
    page.line(_CENTRE - 220, 274 + shift * 0.3, _CENTRE + 220, 274 + shift * 0.3, palette.accent, 0.6)
    fitted = _fit(texts.has_completed, regular, max_width=_TEXT_WIDTH, max_size=12.5, min_size=7)
    page.text(fitted.lines[0], _CENTRE, 297 + shift * 0.2, regular, fitted.size, palette.muted, align="center")

    for label, top in ((texts.issued_on, 444.0), (texts.certificate_code, 486.0)):
        fitted = _fit(label, regular, max_width=_COLUMN, max_size=8, min_size=5)
        page.text(fitted.lines[0], _LEFT, top, regular, fitted.size, palette.muted)

    if signatories:
        _draw_signatories(page, signatories, images, palette)
    else:
        _seal(page, _CENTRE, 478, palette)

    stream = _stream("", "\n".join(page.ops).encode("ascii"))
    return _StaticLayer(stream=stream, images=tuple(images), shift=shift)


def _centred_lines(
    page: _Page, fitted: _Fitted, middle: float, face: _FontFace, colour: _Colour, *, leading: float
) -> None:
    # Centre the block of lines on ``middle`` using the cap height, which is what the eye reads
    # as the text's vertical extent.
    cap = face.cap_height / 1000 * fitted.size
    step = fitted.size * leading
    first_baseline = middle + cap / 2 - step * (len(fitted.lines) - 1) / 2
    for index, line in enumerate(fitted.lines):
        page.text(line, _CENTRE, first_baseline + index * step, face, fitted.size, colour, align="center")


def _divider(page: _Page, y: float, accent: _Colour) -> None:
    page.line(_CENTRE - 64, y, _CENTRE - 9, y, accent, 0.8)
    page.line(_CENTRE + 9, y, _CENTRE + 64, y, accent, 0.8)
    page.polygon([(_CENTRE, y - 4), (_CENTRE + 4, y), (_CENTRE, y + 4), (_CENTRE - 4, y)], accent)


def _corner_ornaments(page: _Page, palette: _Palette) -> None:
    inset = 23.0
    arm = 34.0
    for cx, cy, dx, dy in (
        (inset, inset, 1, 1),
        (PAGE_WIDTH - inset, inset, -1, 1),
        (inset, PAGE_HEIGHT - inset, 1, -1),
        (PAGE_WIDTH - inset, PAGE_HEIGHT - inset, -1, -1),
    ):
        # An L-shaped bracket just inside the inner frame, and a diamond on the corner.
        ix, iy = cx + dx * 7, cy + dy * 7
        page.line(ix, iy, ix + dx * arm, iy, palette.accent, 1.3)
        page.line(ix, iy, ix, iy + dy * arm, palette.accent, 1.3)
        page.polygon([(cx, cy - 5), (cx + 5, cy), (cx, cy + 5), (cx - 5, cy)], palette.accent)
        page.polygon([(cx, cy - 2), (cx + 2, cy), (cx, cy + 2), (cx - 2, cy)], palette.paper)


def _seal(page: _Page, cx: float, cy: float, palette: _Palette) -> None:
    """A rosette where signatures would go, so a template without signatories still looks finished."""
    accent, paper = palette.accent, palette.paper
    page.circle(cx, cy, 40, _mix(accent, paper, 0.78))
    page.circle(cx, cy, 40, accent, line_width=1.2)
    page.circle(cx, cy, 35.5, accent, line_width=0.5)
    for step in range(48):
        angle = 2 * math.pi * step / 48
        page.circle(cx + 31.5 * math.cos(angle), cy + 31.5 * math.sin(angle), 0.75, accent)
    points = []
    for step in range(32):  # a sixteen-point star, alternating between two radii
        angle = math.pi * step / 16 - math.pi / 2
        radius = 22 if step % 2 == 0 else 14
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    page.polygon(points, _mix(palette.primary, paper, 0.1))
    page.circle(cx, cy, 9, accent)
    page.circle(cx, cy, 6.5, paper, line_width=0.6)


def _draw_signatories(
    page: _Page,
    signatories: Sequence[tuple[str, str, bytes | None]],
    images: list[tuple[str, _PreparedImage]],
    palette: _Palette,
) -> None:
    regular, semibold = page.faces.regular, page.faces.semibold
    left, right = _CENTRE - 190, _CENTRE + 190
    slot = (right - left) / len(signatories)
    line_y = 486.0
    for index, (name, title, signature) in enumerate(signatories):
        centre = left + slot * (index + 0.5)
        half = min(slot - 16, 150) / 2
        if signature is not None:
            image = _prepare_image(signature)
            scale = min(38 / image.height, (2 * half) / image.width)
            w, h = image.width * scale, image.height * scale
            image_name = f"Im{len(images) + 1}"
            images.append((image_name, image))
            page.image(image_name, centre - w / 2, line_y - 2 - h, w, h)
        page.line(centre - half, line_y, centre + half, line_y, palette.accent, 0.6)
        fitted = _fit(name, semibold, max_width=slot - 10, max_size=10, min_size=6)
        page.text(fitted.lines[0], centre, line_y + 14, semibold, fitted.size, palette.ink, align="center")
        fitted = _fit(title, regular, max_width=slot - 10, max_size=8, min_size=6.5, max_lines=2, two_line_max_size=7.5)
        for line_index, line in enumerate(fitted.lines):
            baseline = line_y + 26 + line_index * fitted.size * 1.2
            page.text(line, centre, baseline, regular, fitted.size, palette.muted, align="center")


def _assemble_pdf(
    *,
    static: _StaticLayer,
    content: bytes,
    faces: _FaceSet,
    links: Sequence[tuple[float, float, float, float]],
    url: str,
    info: dict[str, str],
    creation: str,
    lang: str,
    identity: str,
) -> bytes:
    bodies: list[bytes] = [b""] * _FIRST_FREE
    bodies[_REGULAR_FIRST:_FIRST_FREE] = faces.objects

    xobjects = []
    for name, image in static.images:
        image_number = len(bodies)
        bodies.append(image.image)
        if image.smask is not None:
            bodies[image_number] = image.image.replace(b"{smask}", str(len(bodies)).encode())
            bodies.append(image.smask)
        xobjects.append(f"/{name} {image_number} 0 R")

    # URI actions must be 7-bit ASCII: percent-encode anything else, then escape the PDF string.
    ascii_url = quote(url, safe=":/?#[]@!$&'()*+,;=%~")
    escaped_url = ascii_url.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    annotations = []
    for x1, y1, x2, y2 in links:
        annotations.append(f"{len(bodies)} 0 R")
        bodies.append(
            (
                "<< /Type /Annot /Subtype /Link /Border [0 0 0]"
                f" /Rect [{x1:.2f} {PAGE_HEIGHT - y2:.2f} {x2:.2f} {PAGE_HEIGHT - y1:.2f}]"
                f" /A << /S /URI /URI ({escaped_url}) >> >>"
            ).encode()
        )

    resources = f"/Font << /F1 {_REGULAR_FIRST} 0 R /F2 {_SEMIBOLD_FIRST} 0 R >>"
    if xobjects:
        resources += " /XObject << " + " ".join(xobjects) + " >>"
    bodies[_CATALOG] = f"<< /Type /Catalog /Pages {_PAGES} 0 R /Lang ({lang}) >>".encode("ascii")
    bodies[_PAGES] = f"<< /Type /Pages /Kids [{_PAGE} 0 R] /Count 1 >>".encode("ascii")
    bodies[_PAGE] = (
        f"<< /Type /Page /Parent {_PAGES} 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}]"
        f" /Resources << {resources} >> /Contents [{_STATIC_CONTENT} 0 R {_CONTENT} 0 R]"
        f" /Annots [{' '.join(annotations)}] >>"
    ).encode("ascii")
    bodies[_STATIC_CONTENT] = static.stream
    bodies[_CONTENT] = _stream("", content, level=6)
    info_entries = " ".join(f"/{key} {_pdf_text_string(value)}" for key, value in info.items())
    bodies[_INFO] = f"<< {info_entries} /CreationDate ({creation}) /ModDate ({creation}) >>".encode("ascii")

    out = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
    position = len(out[0])
    xref = [f"xref\n0 {len(bodies)}\n0000000000 65535 f \n"]
    for number in range(1, len(bodies)):
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, bodies[number])
        xref.append(f"{position:010d} 00000 n \n")
        position += len(chunk)
        out.append(chunk)
    file_id = hashlib.sha256(identity.encode()).hexdigest()[:32].upper()
    xref.append(
        f"trailer\n<< /Size {len(bodies)} /Root {_CATALOG} 0 R /Info {_INFO} 0 R"
        f" /ID [<{file_id}> <{file_id}>] >>\nstartxref\n{position}\n%%EOF\n"
    )
    out.append("".join(xref).encode("ascii"))
    return b"".join(out)
