"""The certificate's fonts: Noto Sans subset to the product's repertoire, instanced at two weights,
serialised once as PDF objects and shared by every document in the process.

Owns the repertoire (:data:`REPERTOIRE`), building a :class:`~certificates.adapters.pdf.shaping.FontFace`
from the variable font with fontTools, numbering its objects for the fixed file layout
(:class:`FaceSet`), the process-wide cache of the repertoire faces, and the fallback for names
with letters outside the repertoire: :func:`faces_for` builds (and caches) an extended face set
for letters Noto Sans has, puts the fallback fonts of :mod:`~certificates.adapters.pdf.fallback`
behind it for letters Noto Sans lacks (or that need shaping), and raises
:class:`UnsupportedCharactersError` when no font has a character.

Building the repertoire faces costs 2-3 s of CPU, once per process; an extended set about a second.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

from fontpkg_noto_sans import ROOT as _NOTO_ROOT
from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

from certificates.adapters.pdf.fallback import DocumentFonts, MixedFace, fallback_coverage
from certificates.adapters.pdf.shaping import FontFace, read_pair_kerning
from certificates.adapters.pdf.syntax import FACE_OBJECT_COUNT, REGULAR_FIRST, SEMIBOLD_FIRST, stream

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

TextFace = FontFace | MixedFace
"""A face as the layout uses it: Noto Sans alone (the fast path) or with the fallback fonts."""

_REGULAR: Final = 400
_SEMIBOLD: Final = 600


class UnsupportedCharactersError(ValueError):
    """The text uses characters the certificate font cannot draw."""

    def __init__(self, characters: Iterable[str]) -> None:
        self.characters = tuple(sorted(set(characters)))
        listed = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in self.characters)
        super().__init__(f"the certificate font cannot draw: {listed}")


def _subset_tag(codepoints: frozenset[int], weight: int) -> str:
    # PDF requires a six-capital-letter tag on subset fonts; a hash keeps it stable per subset.
    digest = hashlib.sha256(f"{weight}:{sorted(codepoints)}".encode()).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


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


def _build_faces(codepoints: frozenset[int]) -> FaceSet:
    variable = _subset_variable_font(codepoints)
    return FaceSet(
        _build_face(variable, _REGULAR, codepoints),
        _build_face(variable, _SEMIBOLD, codepoints),
    )


def _build_face(variable: TTFont, weight: int, codepoints: frozenset[int]) -> FontFace:
    """Instance the subset variable font at ``weight`` and serialise it as PDF objects."""
    font = instancer.instantiateVariableFont(variable, {"wght": weight, "wdth": 100}, static=True)

    scale = 1000 / font["head"].unitsPerEm
    kerning_by_glyph = read_pair_kerning(font)
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
    # fontTools stamps head.modified with the time of saving, which made the same certificate
    # differ between processes; the font's own creation time is fixed by the font package.
    font.recalcTimestamp = False
    font["head"].modified = font["head"].created
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
    # is filled in by ``_number_face_objects``; "{0}".."{5}" are those numbers.
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
        stream(f"/Length1 {len(program_bytes)}", program_bytes),
        stream("", bytes(cid_to_gid)),
        stream("", to_unicode.encode("ascii")),
    )
    return FontFace(
        postscript_name=name,
        cids=cids,
        hex_cids={cp: f"{cid:04X}" for cp, cid in cids.items()},
        advances=advances,
        kerning=kerning,
        cap_height=cap_height,
        objects=objects,
    )


def _number_face_objects(face: FontFace, first: int) -> tuple[bytes, ...]:
    """The face's object bodies with its six object numbers filled in, starting at ``first``."""
    numbers = [str(first + offset).encode() for offset in range(FACE_OBJECT_COUNT)]
    result = []
    for body in face.objects:
        if b"stream\n" not in body:  # only dictionaries hold references; font data must not be touched
            for offset, number in enumerate(numbers):
                body = body.replace(b"{%d}" % offset, number)
        result.append(body)
    return tuple(result)


class FaceSet:
    """The two weights used on a certificate, with their PDF objects already numbered.

    A face set for text with letters Noto Sans lacks (:meth:`with_fallback`) is made per document:
    its faces are :class:`~certificates.adapters.pdf.fallback.MixedFace` objects over the Noto Sans
    faces of ``base``, and ``document`` collects the fallback glyphs they draw.
    """

    __slots__ = ("base", "document", "objects", "regular", "semibold")

    regular: TextFace
    semibold: TextFace

    def __init__(self, regular: FontFace, semibold: FontFace) -> None:
        self.regular = regular
        self.semibold = semibold
        self.objects = _number_face_objects(regular, REGULAR_FIRST) + _number_face_objects(semibold, SEMIBOLD_FIRST)
        self.base: FaceSet = self
        self.document: DocumentFonts | None = None

    def with_fallback(self) -> FaceSet:
        """A face set for one document that sets what Noto Sans lacks in the fallback fonts."""
        assert isinstance(self.regular, FontFace)
        assert isinstance(self.semibold, FontFace)
        mixed = object.__new__(FaceSet)
        document = DocumentFonts()
        mixed.regular = MixedFace(self.regular, _REGULAR, "/F1", document)
        mixed.semibold = MixedFace(self.semibold, _SEMIBOLD, "/F2", document)
        mixed.objects = self.objects
        mixed.base = self
        mixed.document = document
        return mixed


_faces_lock = threading.Lock()
_base_faces: FaceSet | None = None


def load_base_faces() -> FaceSet:
    """The repertoire faces, built on first use and then shared by every renderer in the process."""
    global _base_faces
    if _base_faces is None:
        with _faces_lock:
            if _base_faces is None:
                _base_faces = _build_faces(REPERTOIRE)
    return _base_faces


_UNSHAPED: Final[frozenset[int]] = _ranges(
    (0x0000, 0x052F),  # Latin, IPA, spacing and combining marks, Greek, Cyrillic
    (0x1C80, 0x1C8F),  # Cyrillic Extended-C
    (0x1D00, 0x1FFF),  # phonetic extensions, combining marks, Latin Extended Additional, Greek Extended
    (0x2000, 0x200B),  # spaces (not the zero-width joiners, which only shaping honours)
    (0x200E, 0x2BFF),  # punctuation, currency, letterlike, arrows, symbols
    (0x2C60, 0x2C7F),  # Latin Extended-C
    (0x2DE0, 0x2DFF),  # Cyrillic Extended-A
    (0xA640, 0xA69F),  # Cyrillic Extended-B
    (0xA720, 0xA7FF),  # Latin Extended-D
    (0xAB30, 0xAB6F),  # Latin Extended-E
    (0xFB00, 0xFB06),  # Latin ligatures
)
"""Code points Noto Sans may set without shaping; for anything else Noto Sans has, a fallback font is used."""


@lru_cache(maxsize=1)
def _font_coverage() -> frozenset[int]:
    return frozenset(TTFont(NOTO_SANS_VARIABLE, lazy=True).getBestCmap())


@lru_cache(maxsize=1)
def _unshaped_coverage() -> frozenset[int]:
    return _font_coverage() & _UNSHAPED


@lru_cache(maxsize=16)
def _extended_faces(extra: frozenset[int]) -> FaceSet:
    return _build_faces(REPERTOIRE | extra)


def faces_for(texts: Iterable[str]) -> FaceSet:
    """The faces that can draw every string in ``texts``: the repertoire faces when they suffice.

    Letters outside the repertoire that Noto Sans has get an extended (cached) face set; letters
    Noto Sans lacks get a per-document face set with the fallback fonts behind it. Raises
    :class:`UnsupportedCharactersError` for characters no font has.
    """
    base = load_base_faces()
    extra = {ord(ch) for text in texts for ch in text} - REPERTOIRE
    if not extra:
        return base
    # Noto Sans also has Devanagari, but this path never shapes: complex scripts go to fallbacks.
    beyond = extra - _unshaped_coverage()
    if beyond:
        missing = beyond - fallback_coverage()
        if missing:
            raise UnsupportedCharactersError(chr(cp) for cp in missing)
    in_noto = frozenset(extra - beyond)
    faces = _extended_faces(in_noto) if in_noto else base
    return faces.with_fallback() if beyond else faces
