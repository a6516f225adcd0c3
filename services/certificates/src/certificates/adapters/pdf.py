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
  instanced at two weights with fontTools, once per process (about 2 s). Each face's PDF
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

The trade-off: each PDF embeds the full repertoire subset (about 60 KB for two weights)
rather than only the glyphs it uses (about 10 KB), and we own ~300 lines of PDF writing
instead of a library's layout engine. The renderer is deliberately narrow: one page, one
design, parameterised by :class:`~certificates.domain.templates.CertificateTemplate`.

QR mask: ISO/IEC 18004 has the encoder try all eight data masks and keep the one with the
lowest penalty score; segno does this in pure Python in about 3 ms, most of our budget. Any
mask is a valid symbol (the mask number is in the format information every decoder reads),
so by default we fix mask 2, the one with the lowest mean penalty excess over a sample of
our verification URLs. ``CertificateRenderer(qr_mask_search=True)`` restores the search.
"""

from __future__ import annotations

import hashlib
import io
import math
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache
from typing import Final

import segno
from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer
from fontpkg_noto_sans import ROOT as _NOTO_ROOT

from certificates.domain.model import CertificateDocument
from certificates.domain.templates import CertificateTemplate, format_date

__all__ = [
    "REPERTOIRE",
    "CertificateDocument",
    "CertificateRenderer",
    "UnsupportedCharactersError",
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
_QR_DEFAULT_MASK: Final = 2
_QR_ERROR_LEVEL: Final = "m"


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
    """The face's six PDF object bodies, numbered from ``_FACE_BASE`` placeholders."""

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


def _stream(dictionary: str, data: bytes, *, compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        dictionary += " /Filter /FlateDecode"
    return f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def _build_face(weight: int, codepoints: frozenset[int]) -> _FontFace:
    """Subset the variable font to ``codepoints``, instance it at ``weight`` and serialise it.

    Subsetting before instancing makes instancing ~10x faster (fewer glyph variations).
    """
    font = TTFont(NOTO_SANS_VARIABLE)
    options = ftsubset.Options()
    options.layout_features = ["kern"]
    options.notdef_outline = True
    options.hinting = False  # PDF viewers rasterise at print resolution; hints only add bytes
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    font = instancer.instantiateVariableFont(font, {"wght": weight, "wdth": 100}, static=True)

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


def _face_objects(face: _FontFace, first: int) -> list[bytes]:
    numbers = [str(first + offset).encode() for offset in range(_FACE_OBJECT_COUNT)]
    result = []
    for body in face.objects:
        if body.startswith(b"<< /Length") or b"stream\n" in body:
            result.append(body)  # streams carry no references
            continue
        for offset, number in enumerate(numbers):
            body = body.replace(b"{%d}" % offset, number)
        result.append(body)
    return result


@dataclass(frozen=True, slots=True)
class _FaceSet:
    regular: _FontFace
    semibold: _FontFace


_faces_lock = threading.Lock()
_base_faces: _FaceSet | None = None


def _load_base_faces() -> _FaceSet:
    """The repertoire faces, built on first use and then shared by every renderer in the process."""
    global _base_faces
    if _base_faces is None:
        with _faces_lock:
            if _base_faces is None:
                _base_faces = _FaceSet(_build_face(_REGULAR, REPERTOIRE), _build_face(_SEMIBOLD, REPERTOIRE))
    return _base_faces


@lru_cache(maxsize=1)
def _font_coverage() -> frozenset[int]:
    return frozenset(TTFont(NOTO_SANS_VARIABLE, lazy=True).getBestCmap())


@lru_cache(maxsize=16)
def _extended_faces(extra: frozenset[int]) -> _FaceSet:
    codepoints = REPERTOIRE | extra
    return _FaceSet(_build_face(_REGULAR, codepoints), _build_face(_SEMIBOLD, codepoints))


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
            has_alpha = opened.mode in ("RGBA", "LA", "PA") or (
                opened.mode == "P" and "transparency" in opened.info
            )
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


def qr_code_for(url: str, *, mask_search: bool = False) -> segno.QRCode:
    """The QR symbol printed for ``url`` (error correction level M).

    ``mask_search=False`` fixes the data mask (see the module docstring for why).
    """
    return segno.make_qr(
        url, error=_QR_ERROR_LEVEL, mask=None if mask_search else _QR_DEFAULT_MASK, boost_error=False
    )


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
        self.ops.append(
            f"{_rgb(colour)} RG {line_width:.2f} w {x:.2f} {PAGE_HEIGHT - y - h:.2f} {w:.2f} {h:.2f} re S"
        )

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
        """Dark modules as rectangles, one per horizontal run, filled in a single path."""
        module = size / len(matrix)
        rects = []
        for row_index, row in enumerate(matrix):
            top = PAGE_HEIGHT - y - (row_index + 1) * module
            column = 0
            length = len(row)
            while column < length:
                if row[column]:
                    start = column
                    while column < length and row[column]:
                        column += 1
                    rects.append(
                        f"{x + start * module:.3f} {top:.3f} {(column - start) * module:.3f} {module:.3f} re"
                    )
                else:
                    column += 1
        # The comments delimit the symbol so tests can read it back from the content stream.
        self.ops.append(f"% qr-begin\n{colour} rg\n" + "\n".join(rects) + "\nf\n% qr-end")


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
    best = min(
        breaks, key=lambda i: max(face.width(text[:i], 1.0), face.width(text[i + 1 :], 1.0))
    )
    lines = (text[:best], text[best + 1 :])
    cap = two_line_max_size if two_line_max_size is not None else max_size
    double = min(cap, *(size_for(line) for line in lines))
    if double > single:
        return _Fitted(lines, _floor_size(double))
    return _Fitted((text,), _floor_size(single))


def _floor_size(size: float) -> float:
    # Round down to a tenth of a point so rounding never pushes text past its box.
    return math.floor(size * 10) / 10


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _pdf_text_string(text: str) -> str:
    """A PDF text string for the document information dictionary (UTF-16BE with BOM)."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


# --- the renderer --------------------------------------------------------------------------------


class CertificateRenderer:
    """Renders certificates; create one per process and reuse it.

    Construction prepares the fonts (about 2 s the first time in a process, then free), so
    workers should build their renderer at start-up, not on the first certificate.
    """

    def __init__(self, *, qr_mask_search: bool = False) -> None:
        self._qr_mask_search = qr_mask_search
        _load_base_faces()

    def render(self, doc: CertificateDocument, template: CertificateTemplate, lang: str) -> bytes:
        """The certificate as PDF bytes, in language ``lang`` (the template falls back to English).

        Text is NFC-normalised before it is drawn, so text extracted from the PDF is the NFC
        form of the input. Output is deterministic: the same inputs give the same bytes.

        Raises :class:`UnsupportedCharactersError` if a string has characters Noto Sans lacks.
        """
        texts = template.texts_for(lang)
        learner_name = _nfc(doc.learner_name.strip())
        course_title = _nfc(doc.course_title.strip())
        issuer_name = _nfc(doc.issuer_name.strip())
        date_text = format_date(doc.issued_at.astimezone(UTC).date(), lang)
        version_text = f"{texts.course_version} {doc.course_version}" if doc.course_version is not None else ""
        signatories = [
            (_nfc(s.name_for(lang)), _nfc(s.title_for(lang)), s.signature_image) for s in template.signatories
        ]
        strings = [
            learner_name,
            course_title,
            issuer_name,
            date_text,
            version_text,
            doc.code,
            doc.verify_url,
            *(getattr(texts, name) for name in texts.__slots__),
            *(part for name, title, _ in signatories for part in (name, title)),
        ]
        faces = _faces_for(strings)

        colours = template.colours
        primary = colours.rgb("primary")
        accent = colours.rgb("accent")
        ink = colours.rgb("text")
        muted = colours.rgb("muted")
        paper = colours.rgb("background")

        page = _Page(faces)
        regular, semibold = faces.regular, faces.semibold
        centre = PAGE_WIDTH / 2
        images: list[tuple[str, _PreparedImage]] = []

        # Background and border: a strong outer frame, a fine inner one, ornaments at corners.
        if paper != (1.0, 1.0, 1.0):
            page.fill_rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, paper)
        page.stroke_rect(16, 16, PAGE_WIDTH - 32, PAGE_HEIGHT - 32, primary, 2.4)
        page.stroke_rect(23, 23, PAGE_WIDTH - 46, PAGE_HEIGHT - 46, accent, 0.7)
        self._corner_ornaments(page, accent, paper)

        # Logos across the top; without them the text block moves up to stay balanced.
        has_logos = bool(template.logos)
        shift = 0.0 if has_logos else -22.0
        if has_logos:
            prepared = [_prepare_image(logo) for logo in template.logos]
            boxes = []
            for image in prepared:
                scale = min(44 / image.height, 150 / image.width)
                boxes.append((image.width * scale, image.height * scale))
            gap = 28.0
            x = centre - (sum(w for w, _ in boxes) + gap * (len(boxes) - 1)) / 2
            for index, (image, (w, h)) in enumerate(zip(prepared, boxes, strict=True)):
                name = f"Im{len(images) + 1}"
                images.append((name, image))
                page.image(name, x, 46 + (44 - h) / 2, w, h)
                x += w + gap

        content_width = 640.0
        fitted = _fit(issuer_name, regular, max_width=content_width, max_size=10.5, min_size=6, tracking=0.9)
        page.text(fitted.lines[0], centre, 112 + shift, regular, fitted.size, muted, align="center", tracking=0.9)

        fitted = _fit(texts.headline, semibold, max_width=content_width, max_size=30, min_size=14)
        page.text(fitted.lines[0], centre, 154 + shift, semibold, fitted.size, primary, align="center")
        self._divider(page, centre, 172 + shift, accent)

        fitted = _fit(texts.certifies_that, regular, max_width=content_width, max_size=12.5, min_size=7)
        page.text(fitted.lines[0], centre, 205 + shift * 0.6, regular, fitted.size, muted, align="center")

        name_centre = 240 + shift * 0.4
        fitted = _fit(
            learner_name,
            semibold,
            max_width=620,
            max_size=38,
            min_size=22,
            max_lines=2,
            two_line_max_size=24,
        )
        self._centred_lines(page, fitted, centre, name_centre, semibold, ink, leading=1.12)
        page.line(centre - 220, 272 + shift * 0.3, centre + 220, 272 + shift * 0.3, accent, 0.6)

        fitted = _fit(texts.has_completed, regular, max_width=content_width, max_size=12.5, min_size=7)
        page.text(fitted.lines[0], centre, 297 + shift * 0.2, regular, fitted.size, muted, align="center")

        fitted = _fit(
            course_title,
            semibold,
            max_width=640,
            max_size=22,
            min_size=15,
            max_lines=2,
            two_line_max_size=18,
        )
        self._centred_lines(page, fitted, centre, 334 + shift * 0.1, semibold, primary, leading=1.22)

        # Bottom left: date, code, version.
        left = 70.0
        column = 170.0
        self._label_value(page, texts.issued_on, date_text, left, 444, column, regular, semibold, muted, ink)
        self._label_value(
            page, texts.certificate_code, doc.code, left, 486, column, regular, semibold, muted, ink, tracking=0.6
        )
        if version_text:
            fitted = _fit(version_text, regular, max_width=column, max_size=8, min_size=5)
            page.text(fitted.lines[0], left, 526, regular, fitted.size, muted)

        # Bottom right: the QR code, drawn as vector rectangles.
        qr = qr_code_for(doc.verify_url, mask_search=self._qr_mask_search)
        qr_size = 80.0
        qr_x = PAGE_WIDTH - 70 - qr_size
        qr_y = 434.0
        page.qr(qr.matrix, qr_x, qr_y, qr_size, _rgb(ink))

        # Bottom centre: signatories, or a seal when there are none.
        if signatories:
            self._signatories(page, signatories, images, regular, semibold, ink, muted, accent)
        else:
            self._seal(page, centre, 478, primary, accent, paper)

        # Footer: where to verify, as text (the QR encodes the same URL).
        label_size = 7.5
        label = texts.verify_at
        gap = 5.0
        available = 600.0
        label_width = regular.width(label, label_size)
        url_fit = _fit(doc.verify_url, regular, max_width=available - label_width - gap, max_size=7.5, min_size=4)
        total = label_width + gap + regular.width(doc.verify_url, url_fit.size)
        x = centre - total / 2
        page.text(label, x, 553, regular, label_size, muted)
        page.text(doc.verify_url, x + label_width + gap, 553, regular, url_fit.size, ink)

        links = [
            (qr_x, qr_y, qr_x + qr_size, qr_y + qr_size),
            (x, 545, x + total, 556),
        ]
        return _assemble_pdf(
            content="\n".join(page.ops).encode("ascii"),
            faces=faces,
            images=images,
            links=[(rect, doc.verify_url) for rect in links],
            info={
                "Title": f"{texts.headline}: {course_title}",
                "Author": issuer_name,
                "Subject": f"{learner_name}, {course_title}, {doc.code}",
                "Creator": "Kentbilim certificates",
                "Producer": "Kentbilim certificate renderer",
            },
            creation=doc.issued_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ"),
            lang=lang,
            identity=f"{doc.code}|{doc.issued_at.isoformat()}",
        )

    @staticmethod
    def _centred_lines(
        page: _Page,
        fitted: _Fitted,
        centre: float,
        middle: float,
        face: _FontFace,
        colour: tuple[float, float, float],
        *,
        leading: float,
    ) -> None:
        # Centre the block of lines on ``middle`` using the cap height, which is what the eye
        # reads as the text's vertical extent.
        cap = face.cap_height / 1000 * fitted.size
        step = fitted.size * leading
        first_baseline = middle + cap / 2 - step * (len(fitted.lines) - 1) / 2
        for index, line in enumerate(fitted.lines):
            page.text(line, centre, first_baseline + index * step, face, fitted.size, colour, align="center")

    @staticmethod
    def _label_value(
        page: _Page,
        label: str,
        value: str,
        x: float,
        top: float,
        width: float,
        regular: _FontFace,
        semibold: _FontFace,
        muted: tuple[float, float, float],
        ink: tuple[float, float, float],
        *,
        tracking: float = 0.0,
    ) -> None:
        fitted = _fit(label, regular, max_width=width, max_size=8, min_size=5)
        page.text(fitted.lines[0], x, top, regular, fitted.size, muted)
        fitted = _fit(value, semibold, max_width=width, max_size=12, min_size=6, tracking=tracking)
        page.text(fitted.lines[0], x, top + 16, semibold, fitted.size, ink, tracking=tracking)

    @staticmethod
    def _divider(page: _Page, centre: float, y: float, accent: tuple[float, float, float]) -> None:
        page.line(centre - 64, y, centre - 9, y, accent, 0.8)
        page.line(centre + 9, y, centre + 64, y, accent, 0.8)
        page.polygon([(centre, y - 4), (centre + 4, y), (centre, y + 4), (centre - 4, y)], accent)

    @staticmethod
    def _corner_ornaments(
        page: _Page, accent: tuple[float, float, float], paper: tuple[float, float, float]
    ) -> None:
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
            page.line(ix, iy, ix + dx * arm, iy, accent, 1.3)
            page.line(ix, iy, ix, iy + dy * arm, accent, 1.3)
            page.polygon([(cx, cy - 5), (cx + 5, cy), (cx, cy + 5), (cx - 5, cy)], accent)
            page.polygon([(cx, cy - 2), (cx + 2, cy), (cx, cy + 2), (cx - 2, cy)], paper)

    @staticmethod
    def _seal(
        page: _Page,
        cx: float,
        cy: float,
        primary: tuple[float, float, float],
        accent: tuple[float, float, float],
        paper: tuple[float, float, float],
    ) -> None:
        tint = _mix(accent, paper, 0.78)
        page.circle(cx, cy, 40, tint)
        page.circle(cx, cy, 40, accent, line_width=1.2)
        page.circle(cx, cy, 35.5, accent, line_width=0.5)
        for step in range(48):
            angle = 2 * math.pi * step / 48
            page.circle(cx + 31.5 * math.cos(angle), cy + 31.5 * math.sin(angle), 0.75, accent)
        # A sixteen-point star, points alternating between two radii.
        points = []
        for step in range(32):
            angle = math.pi * step / 16 - math.pi / 2
            radius = 22 if step % 2 == 0 else 14
            points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
        page.polygon(points, _mix(primary, paper, 0.1))
        page.circle(cx, cy, 9, accent)
        page.circle(cx, cy, 6.5, paper, line_width=0.6)

    @staticmethod
    def _signatories(
        page: _Page,
        signatories: Sequence[tuple[str, str, bytes | None]],
        images: list[tuple[str, _PreparedImage]],
        regular: _FontFace,
        semibold: _FontFace,
        ink: tuple[float, float, float],
        muted: tuple[float, float, float],
        accent: tuple[float, float, float],
    ) -> None:
        left, right = 252.0, PAGE_WIDTH - 252.0
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
            page.line(centre - half, line_y, centre + half, line_y, accent, 0.6)
            fitted = _fit(name, semibold, max_width=slot - 10, max_size=10, min_size=6)
            page.text(fitted.lines[0], centre, line_y + 14, semibold, fitted.size, ink, align="center")
            fitted = _fit(
                title, regular, max_width=slot - 10, max_size=8, min_size=6.5, max_lines=2, two_line_max_size=7.5
            )
            for line_index, line in enumerate(fitted.lines):
                page.text(
                    line, centre, line_y + 26 + line_index * fitted.size * 1.2, regular, fitted.size, muted, align="center"
                )


# Fixed object numbers: the catalogue, page tree, page, contents and info come first, then
# the two faces (whose serialised bodies are cached per number), then images and links.
_CATALOG, _PAGES, _PAGE, _CONTENTS, _INFO = 1, 2, 3, 4, 5
_FIRST_FACE: Final = 6

_face_bytes_cache: dict[tuple[int, int], list[bytes]] = {}


def _cached_face_objects(face: _FontFace, first: int) -> list[bytes]:
    key = (id(face), first)
    cached = _face_bytes_cache.get(key)
    if cached is None:
        cached = _face_objects(face, first)
        _face_bytes_cache[key] = cached
    return cached


def _assemble_pdf(
    *,
    content: bytes,
    faces: _FaceSet,
    images: Sequence[tuple[str, _PreparedImage]],
    links: Sequence[tuple[tuple[float, float, float, float], str]],
    info: dict[str, str],
    creation: str,
    lang: str,
    identity: str,
) -> bytes:
    bodies: dict[int, bytes] = {}
    regular_first = _FIRST_FACE
    semibold_first = _FIRST_FACE + _FACE_OBJECT_COUNT
    for first, face in ((regular_first, faces.regular), (semibold_first, faces.semibold)):
        for offset, body in enumerate(_cached_face_objects(face, first)):
            bodies[first + offset] = body
    next_number = semibold_first + _FACE_OBJECT_COUNT

    xobjects = []
    for name, image in images:
        image_number = next_number
        next_number += 1
        body = image.image
        if image.smask is not None:
            bodies[next_number] = image.smask
            body = body.replace(b"{smask}", str(next_number).encode())
            next_number += 1
        bodies[image_number] = body
        xobjects.append(f"/{name} {image_number} 0 R")

    annotations = []
    for (x1, y1, x2, y2), url in links:
        number = next_number
        next_number += 1
        escaped = url.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        bodies[number] = (
            f"<< /Type /Annot /Subtype /Link /Border [0 0 0]"
            f" /Rect [{x1:.2f} {PAGE_HEIGHT - y2:.2f} {x2:.2f} {PAGE_HEIGHT - y1:.2f}]"
            f" /A << /S /URI /URI ({escaped}) >> >>"
        ).encode("latin-1", errors="replace")
        annotations.append(f"{number} 0 R")

    resources = f"/Font << /F1 {regular_first} 0 R /F2 {semibold_first} 0 R >>"
    if xobjects:
        resources += " /XObject << " + " ".join(xobjects) + " >>"
    bodies[_CATALOG] = f"<< /Type /Catalog /Pages {_PAGES} 0 R /Lang ({lang}) >>".encode("ascii")
    bodies[_PAGES] = f"<< /Type /Pages /Kids [{_PAGE} 0 R] /Count 1 >>".encode("ascii")
    bodies[_PAGE] = (
        f"<< /Type /Page /Parent {_PAGES} 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}]"
        f" /Resources << {resources} >> /Contents {_CONTENTS} 0 R"
        + (f" /Annots [{' '.join(annotations)}]" if annotations else "")
        + " >>"
    ).encode("ascii")
    bodies[_CONTENTS] = _stream("", content)
    info_entries = " ".join(f"/{key} {_pdf_text_string(value)}" for key, value in info.items())
    bodies[_INFO] = f"<< {info_entries} /CreationDate ({creation}) /ModDate ({creation}) >>".encode("ascii")

    out = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
    position = len(out[0])
    offsets = [0] * next_number
    for number in range(1, next_number):
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, bodies[number])
        offsets[number] = position
        position += len(chunk)
        out.append(chunk)
    xref = [f"xref\n0 {next_number}\n0000000000 65535 f \n"]
    xref.extend(f"{offsets[number]:010d} 00000 n \n" for number in range(1, next_number))
    file_id = hashlib.sha256(identity.encode()).hexdigest()[:32].upper()
    xref.append(
        f"trailer\n<< /Size {next_number} /Root {_CATALOG} 0 R /Info {_INFO} 0 R"
        f" /ID [<{file_id}> <{file_id}>] >>\nstartxref\n{position}\n%%EOF\n"
    )
    out.append("".join(xref).encode("ascii"))
    return b"".join(out)
