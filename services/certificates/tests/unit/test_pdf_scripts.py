"""Names in any script: fallback Noto fonts, HarfBuzz shaping, right-to-left order, exact text extraction.

Issue 17, item 5: in a bulk run, 75 of 300 recipients with Georgian, Armenian and Arabic names
failed, because the certificate font covered only Latin and Cyrillic.
"""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pypdf
import pytest
from bidi import get_display
from fontTools.ttLib import TTFont

from certificates.adapters.pdf import CertificateRenderer, UnsupportedCharactersError, printable
from certificates.adapters.pdf.direction import embedding_levels, visual_order
from certificates.adapters.pdf.fallback import fallback_fonts, layout_line
from certificates.adapters.pdf.fonts import faces_for, load_base_faces
from certificates.domain.codes import check_character, format_code
from certificates.domain.model import CertificateDocument
from certificates.domain.templates import default_template
from certificates.service_layer.issuing import Actor, IssueCertificate, issue_certificate

from .fakes import FakeUnitOfWork, course, fake_ports

pytestmark = pytest.mark.unit

CODE = format_code("7QX4M9PAK3T" + check_character("7QX4M9PAK3T"))

NAMES = {
    "arabic": "محمد عبد الله الحسن",
    "arabic, vowel marks": "سَلْمان بن فَهْد",
    "persian": "مهسا رضایی",
    "persian, zero-width non-joiner": "علی\u200cاکبر نوری",
    "hebrew": "שרה כהן",
    "georgian": "ნინო ბერიძე",
    "armenian": "Արամ Խաչատրյան",
    "chinese": "王小明",
    "japanese": "山田 花子",
    "korean": "김민준",
    "devanagari": "प्रिया शर्मा",
    "devanagari, conjuncts": "क्षितिज त्रिपाठी",
    "bengali": "সৌমিত্র চট্টোপাধ্যায়",
    "tamil": "கார்த்திக் சுப்ரமணியம்",
    "thai": "สมชาย ใจดี",
    "ethiopic": "አበበ ቢቂላ",
    "latin and arabic": "Ahmed محمد Hassan",
    "cyrillic and armenian": "Анна Գրիգորյան",
    "vietnamese and hebrew": "Nguyễn Văn An שרה",
}


@pytest.fixture(scope="module")
def renderer() -> CertificateRenderer:
    return CertificateRenderer()


def _doc(name: str, index: int = 0) -> CertificateDocument:
    return CertificateDocument(
        code=CODE,
        learner_name=name,
        course_title="Participatory Budgeting for Municipal Officials",
        issued_at=datetime(2025, 3, 12, 9, 30, tzinfo=UTC) + timedelta(minutes=index),
        verify_url=f"https://kentbilim.example.org/verify/{CODE}",
        course_version=3,
        issuer_name=default_template().issuer_name("en"),
    )


def _lines(data: bytes) -> list[str]:
    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    return [line.strip() for line in text.splitlines()]


def _actual_texts(data: bytes) -> list[str]:
    content = pypdf.PdfReader(io.BytesIO(data)).pages[0].get_contents()
    assert content is not None
    found = re.findall(rb"/ActualText <FEFF([0-9A-F]*)>", content.get_data())
    return [bytes.fromhex(hexed.decode()).decode("utf-16-be") for hexed in found]


def _bfchars(cmap: str) -> list[tuple[int, str]]:
    """(CID, text) of a ToUnicode CMap's ``bfchar`` entries."""
    entries = []
    for block in re.findall(r"beginbfchar\n(.*?)\nendbfchar", cmap, re.S):
        for cid, text in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]*)>", block):
            entries.append((int(cid, 16), bytes.fromhex(text).decode("utf-16-be")))
    return entries


def _fallback_fonts_in(data: bytes) -> dict[str, Any]:
    resources: Any = pypdf.PdfReader(io.BytesIO(data)).pages[0]["/Resources"]
    fonts = resources["/Font"].get_object()
    return {name: fonts[name].get_object() for name in fonts if name not in ("/F1", "/F2")}


@pytest.mark.parametrize("script", list(NAMES))
def test_a_name_in_any_script_prints_and_extracts_exactly(renderer: CertificateRenderer, script: str) -> None:
    name = NAMES[script]
    data = renderer.render(_doc(name), default_template(), "en")
    assert name in _lines(data), (script, _lines(data))  # pypdf: ToUnicode, RTL runs reordered by pypdf
    assert name in _actual_texts(data)  # what readers honouring /ActualText extract, logical order
    assert _fallback_fonts_in(data), "letters Noto Sans lacks are drawn from a fallback font"


@pytest.mark.parametrize("script", list(NAMES))
def test_no_glyph_is_missing(renderer: CertificateRenderer, script: str) -> None:
    """HarfBuzz found every character in its font, and every CID drawn has an outline in the embedded font."""
    name = NAMES[script]
    faces = faces_for([name])
    assert faces.document is not None
    for segment in faces.semibold.layout(name).segments:  # type: ignore[union-attr]
        assert all(glyph.glyph != 0 for glyph in segment.glyphs), (script, segment)
    data = renderer.render(_doc(name), default_template(), "en")
    for font in _fallback_fonts_in(data).values():
        descendant = font["/DescendantFonts"][0].get_object()
        program = TTFont(io.BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_data()))
        cid_to_gid = descendant["/CIDToGIDMap"].get_data()
        to_unicode = font["/ToUnicode"].get_data().decode("ascii")
        order = program.getGlyphOrder()
        entries = _bfchars(to_unicode)
        assert entries
        for cid, text in entries:
            gid = int.from_bytes(cid_to_gid[2 * cid : 2 * cid + 2], "big")
            assert 0 < gid < len(order), (script, cid, gid)  # never .notdef
            glyph = program["glyf"][order[gid]]
            if text.strip() and not all(unicodedata.category(ch)[0] in "MC" for ch in text):
                assert glyph.numberOfContours != 0, (script, text)


def test_arabic_letters_join_and_read_right_to_left() -> None:
    name = "محمد"
    base = load_base_faces().semibold
    assert not isinstance(base, type(faces_for([name]).semibold))
    layout = layout_line(name, base, 600)  # type: ignore[arg-type]
    (segment,) = layout.segments
    joined = [glyph.glyph for glyph in segment.glyphs]
    isolated = [layout_line(ch, base, 600).segments[0].glyphs[0].glyph for ch in name]  # type: ignore[arg-type]
    assert len(joined) == len(isolated) == 4
    # Laid out right to left: the first letter is drawn last (rightmost), the last first.
    texts = [glyph.text for glyph in segment.glyphs]
    assert texts == list(reversed(name))
    # Joined forms: initial, medial, medial, final, each a different glyph from the isolated letter.
    for drawn, alone in zip(joined, reversed(isolated), strict=True):
        assert drawn != alone
    # The page shows it the same way: in content order (left to right) the glyphs stand for
    # the letters reversed; pypdf reorders Arabic back to the logical name.
    renderer = CertificateRenderer()
    data = renderer.render(_doc(name), default_template(), "en")
    assert name in _lines(data)
    content = zlib.decompress(_raw_content(data))
    run = re.search(rb"/F3 [0-9.]+ Tf \[(.*?)\] TJ", content)
    assert run is not None
    cids = [int(cid, 16) for cid in re.findall(rb"<([0-9A-F]{4})>", run.group(1))]
    font = _fallback_fonts_in(data)["/F3"]
    mapping = dict(_bfchars(font["/ToUnicode"].get_data().decode()))
    assert "".join(mapping[cid] for cid in cids) == name[::-1]


def _raw_content(data: bytes) -> bytes:
    reader = pypdf.PdfReader(io.BytesIO(data))
    contents: Any = reader.pages[0]["/Contents"]
    learner = contents[1].get_object()
    return bytes(learner._data)


def test_brackets_inside_right_to_left_text_are_mirrored() -> None:
    base = load_base_faces().semibold
    layout = layout_line("שרה כהן (12)", base, 600)  # type: ignore[arg-type]
    # Read left to right the page shows "(12)" left of the Hebrew: the logical "(" is drawn as ")".
    assert "".join(segment.text for segment in layout.segments if segment.font is None) == "(12)"
    assert layout.segments[-1].font is not None and layout.segments[-1].font.name == "NotoSansHebrew"


def test_latin_and_cyrillic_names_keep_the_fast_path(renderer: CertificateRenderer) -> None:
    for name in ("Rəşad Əliyev", "Фёдор Щербаков-Ёлкин", "Gʻulom Oʻrinboyev"):
        assert faces_for([name]) is load_base_faces()
        data = renderer.render(_doc(name), default_template(), "en")
        assert not _fallback_fonts_in(data)
        assert b"/ActualText" not in zlib.decompress(_raw_content(data))


def test_a_mixed_document_is_deterministic(renderer: CertificateRenderer) -> None:
    for name in NAMES.values():
        assert renderer.render(_doc(name), default_template(), "en") == CertificateRenderer().render(
            _doc(name), default_template(), "en"
        )


def test_the_cached_template_layer_does_not_depend_on_which_name_drew_it_first() -> None:
    template = default_template()
    latin, arabic = _doc("Rəşad Əliyev"), _doc("محمد عبد الله الحسن")
    arabic_first = CertificateRenderer()
    arabic_first.render(arabic, template, "en")
    latin_first = CertificateRenderer()
    latin_first.render(latin, template, "en")
    assert arabic_first.render(latin, template, "en") == latin_first.render(latin, template, "en")
    assert arabic_first.render(arabic, template, "en") == latin_first.render(arabic, template, "en")


def test_zero_width_joiners_are_kept_where_they_spell_the_name() -> None:
    assert printable("علی\u200cاکبر") == "علی\u200cاکبر"  # Persian: the non-joiner keeps ی and ا apart
    assert printable("क्\u200dष") == "क्\u200dष"  # Devanagari: the joiner asks for a half form
    assert printable("Ali\u200cVeli\u200d") == "AliVeli"  # elsewhere they are noise, as before
    joined = faces_for(["علیاکبر"]).semibold.layout("علیاکبر")  # type: ignore[union-attr]
    apart = faces_for(["علی\u200cاکبر"]).semibold.layout("علی\u200cاکبر")  # type: ignore[union-attr]
    assert [g.glyph for g in joined.segments[0].glyphs] != [g.glyph for g in apart.segments[0].glyphs]


def test_emoji_are_still_refused(renderer: CertificateRenderer) -> None:
    with pytest.raises(UnsupportedCharactersError, match=r"U\+1F600"):
        renderer.render(_doc("محمد 😀"), default_template(), "en")


def test_a_bulk_run_of_300_recipients_in_many_scripts_all_print(renderer: CertificateRenderer) -> None:
    """The failing bulk run: Georgian, Armenian and Arabic names among Latin and Cyrillic ones."""
    given = ["ნინო", "Արամ", "محمد", "Rəşad", "Әлия", "王", "प्रिया", "שרה", "Ahmed", "Գայանե", "ლაშა", "فاطمة"]
    family = ["ბერიძე", "Խաչատրյան", "الحسن", "Əliyev", "Қасымқызы", "小明", "शर्मा", "כהן", "محمود", "Սարգսյան"]
    printed = 0
    for index in range(300):
        name = f"{given[index % len(given)]} {family[(index // len(given)) % len(family)]}"
        data = renderer.render(_doc(name, index), default_template(), "en")
        if index % 25 == 0:
            assert name in _actual_texts(data) or name in _lines(data)
        printed += 1
    assert printed == 300


async def test_admin_issue_through_the_service_layer_stores_a_pdf_with_the_name(
    renderer: CertificateRenderer,
) -> None:
    """The path that failed in the bulk run, with the real renderer: Georgian, Armenian and Arabic names."""
    uow = FakeUnitOfWork()
    ports = dataclasses.replace(fake_ports(), renderer=renderer)
    published = course("c-scripts")
    uow.tables.courses[published.id] = published
    uow.work.courses[published.id] = published
    names = ("ნინო ბერიძე", "Արամ Խաչատրյան", "محمد عبد الله الحسن")
    for index, name in enumerate(names):
        command = IssueCertificate(published.id, {"name": name, "email": f"learner{index}@example.org"})
        await issue_certificate(uow, Actor("admin-1", "Aida Admin"), command, ports)
    stored = list(ports.pdfs.objects.values())  # type: ignore[attr-defined]
    assert len(stored) == len(names)
    for name in names:
        assert any(name in _lines(pdf) for pdf in stored), name


BIDI_CASES = [
    "محمد عبد الله",
    "Ahmed محمد Ali",
    "محمد Smith",
    "שלום עולם 123",
    "רחוב 12, דירה 3",
    "abc אבג 12 דה",
    "علي ١٢٣ حسن",
    "علي 123 حسن",
    "אבג - דהו",
    "x ابن 5% y",
    "Anna Şahin",
    # paired brackets (N0)
    "— שרה (12)",
    "Sarah (שרה)",
    "שרה (Sarah)",
    "محمد (Ahmed) علي",
    "אבג (12) דה",
    "(אבג) abc",
    "Ahmed (محمد) Ali",
    "אבג (a [b) c] דה",
]


@pytest.mark.parametrize("text", BIDI_CASES)
def test_bidi_order_matches_python_bidi(text: str) -> None:
    """Our UAX #9 levels and L2 reordering give the display order of an independent implementation
    (python-bidi's, which does not mirror: mirroring is applied where glyphs are chosen)."""
    order = visual_order(embedding_levels(text))
    assert "".join(text[i] for i in order) == get_display(text)


def test_every_fallback_font_is_installed_and_variable() -> None:
    fonts = fallback_fonts()
    assert len(fonts) >= 20
    for font in fonts:
        assert font.coverage, font.name
        assert any(axis.tag == "wght" for axis in font.face.axis_infos), font.name
