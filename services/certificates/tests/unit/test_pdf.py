"""The printed certificate: every letter of seven languages survives, nothing overflows, the QR is right."""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pypdf
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from certificates.adapters.pdf import (
    PAGE_WIDTH,
    REPERTOIRE,
    CertificateRenderer,
    UnsupportedCharactersError,
    printable,
    qr_code_for,
)
from certificates.adapters.pdf.fonts import load_base_faces
from certificates.adapters.pdf.qr import encode_qr
from certificates.domain.codes import check_character, format_code
from certificates.domain.model import CertificateDocument
from certificates.domain.templates import (
    SUPPORTED_LANGUAGES,
    CertificateColours,
    CertificateTemplate,
    Signatory,
    default_template,
    format_date,
)

pytestmark = pytest.mark.unit

CODE = format_code("7QX4M9PAK3T" + check_character("7QX4M9PAK3T"))
VERIFY_URL = f"https://kentbilim.example.org/verify/{CODE}"

NAMES = [
    "Rəşad Əliyev",  # Azerbaijani
    "Әлия Қасымқызы",  # Kazakh
    "Gʻulom Oʻrinboyev",  # Uzbek, with U+02BB
    "Ілья Ғалиев",  # Kazakh і and ғ
    "Çağrı Işıkgöz",  # Turkish
    "Мөңкөбек Үсөнов",  # Kyrgyz ө ң ү
    "Ұлжан Һәмитқызы",  # Kazakh ұ һ ә
    "Фёдор Щербаков-Ёлкин",  # Russian ё щ
    "Zoltán Kőműves",  # Hungarian (an observer state) ő
]

COURSE_TITLES = {
    "en": "Participatory Budgeting for Municipal Officials",
    "tr": "Katılımcı Bütçeleme ve Şeffaf Belediyecilik",
    "az": "İştirakçı büdcələmə və şəhər idarəçiliyi",
    "kk": "Қатысымдық бюджеттеу және қаланы басқару",
    "ky": "Шаарды өнүктүрүүдөгү катышуучулук бюджет",
    "uz": "Ishtirokchi byudjet va shahar boshqaruvi: oʻquv kursi",
    "ru": "Партисипативное бюджетирование в муниципалитетах",
}


@pytest.fixture(scope="module")
def renderer() -> CertificateRenderer:
    return CertificateRenderer()


def _doc(name: str = "Rəşad Əliyev", title: str = COURSE_TITLES["en"], lang: str = "en") -> CertificateDocument:
    return CertificateDocument(
        code=CODE,
        learner_name=name,
        course_title=title,
        issued_at=datetime(2025, 3, 12, 9, 30, tzinfo=UTC),
        verify_url=VERIFY_URL,
        course_version=3,
        issuer_name=default_template().issuer_name(lang),
    )


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _lines(data: bytes) -> list[str]:
    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    return [line.strip() for line in text.splitlines()]


def _placed_text(data: bytes) -> Iterator[tuple[str, float, float, str, float]]:
    """(text, x, baseline y, font name, size) of every text run, as a PDF reader places it."""
    runs: list[tuple[str, float, float, str, float]] = []

    def visit(text: str, _cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip():
            runs.append((text.strip(), float(tm[4]), float(tm[5]), str(font["/BaseFont"]), float(size)))

    pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return iter(runs)


def _png(size: tuple[int, int], colour: tuple[int, int, int, int]) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((0, 0, size[0] - 1, size[1] - 1), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (10, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_letter_survives_text_extraction(renderer: CertificateRenderer, lang: str) -> None:
    """What a verifier copies out of the PDF is exactly what we printed, in every language."""
    template = default_template()
    texts = template.texts_for(lang)
    for name in NAMES:
        data = renderer.render(_doc(name, COURSE_TITLES[lang], lang), template, lang)
        lines = _lines(data)
        assert _nfc(name) in lines, (lang, name, lines)
        assert _nfc(COURSE_TITLES[lang]) in lines
        assert CODE in lines  # contiguous, on a line of its own
        assert template.issuer_name(lang) in lines
        assert format_date(datetime(2025, 3, 12).date(), lang) in lines
        for field in ("headline", "certifies_that", "has_completed", "issued_on", "certificate_code"):
            assert getattr(texts, field) in lines, (lang, field)


def test_decomposed_input_comes_out_composed(renderer: CertificateRenderer) -> None:
    decomposed = unicodedata.normalize("NFD", "Rəşad Əliyev Çağrı Işıkgöz Ёлкин Йўлдош")
    assert decomposed != _nfc(decomposed)
    lines = _lines(renderer.render(_doc(decomposed), default_template(), "en"))
    assert _nfc(decomposed) in lines


def test_invisible_characters_and_stray_whitespace_are_cleaned(renderer: CertificateRenderer) -> None:
    """Names pasted from CSV files carry byte-order marks, tabs and doubled spaces."""
    raw = "\ufeffAyşe\t  Yılmaz\u200b\n"
    assert printable(raw) == "Ayşe Yılmaz"
    lines = _lines(renderer.render(_doc(raw), default_template(), "tr"))
    assert "Ayşe Yılmaz" in lines


def test_template_wording_needs_no_font_fallback() -> None:
    """All built-in wording and dates are inside the pre-built font, so no certificate pays for a rebuild."""
    template = default_template()
    for lang in SUPPORTED_LANGUAGES:
        texts = template.texts_for(lang)
        strings = [getattr(texts, field) for field in texts.__slots__]
        strings += [template.issuer_name(lang)] + [format_date(datetime(2025, m, 1).date(), lang) for m in range(1, 13)]
        strings += NAMES + list(COURSE_TITLES.values())
        missing = {ch for text in strings for ch in text if ord(ch) not in REPERTOIRE}
        assert not missing, (lang, missing)


def test_page_is_a4_landscape(renderer: CertificateRenderer) -> None:
    page = pypdf.PdfReader(io.BytesIO(renderer.render(_doc(), default_template(), "en")), strict=True).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((841.89, 595.28))


def test_long_names_and_titles_shrink_inside_the_frame(renderer: CertificateRenderer) -> None:
    name = "Александра-Виктория Константиновна Преображенская-Тимирязева-Белозерская-Оглы"
    title = (
        "Партисипативное бюджетирование, управление городами и адаптация к изменению климата: "
        "комплексная программа повышения квалификации для муниципальных служащих"
    )
    short = _placed_text(renderer.render(_doc(), default_template(), "ru"))
    name_size_short = next(size for text, _, _, _, size in short if text == "Rəşad Əliyev")
    data = renderer.render(_doc(name, title, "ru"), default_template(), "ru")
    faces = load_base_faces()
    sizes = {}
    for text, x, _y, font, size in _placed_text(data):
        face = faces.semibold if "SemiBold" in font else faces.regular
        # The issuer line and the code are letter-spaced (at most 0.9 pt); the rest is not.
        tracked = text in (CODE, default_template().issuer_name("ru"))
        width = face.width(text, size, tracking=0.9 if tracked else 0.0)
        assert x >= 40, (text, x)
        assert x + width <= PAGE_WIDTH - 40, (text, x, width)
        sizes[text] = size
    name_lines = [text for text in sizes if text in name]
    assert "".join(name_lines).replace(" ", "") == name.replace(" ", "")  # wrapped, nothing lost
    assert max(sizes[line] for line in name_lines) < name_size_short
    assert _nfc(title) == " ".join(text for text in sizes if text in title)


def test_unbreakable_long_name_still_fits(renderer: CertificateRenderer) -> None:
    name = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessen"
    data = renderer.render(_doc(name), default_template(), "en")
    face = load_base_faces().semibold
    run = next(run for run in _placed_text(data) if run[0] == name)
    assert run[1] >= 40 and run[1] + face.width(name, run[4]) <= PAGE_WIDTH - 40


def _qr_from_content(data: bytes) -> list[list[int]]:
    """Rebuild the module grid from the rectangles between the QR markers in the content stream."""
    content = pypdf.PdfReader(io.BytesIO(data)).pages[0].get_contents()
    assert content is not None
    stream = content.get_data().decode("latin-1")
    block = stream[stream.index("% qr-begin") : stream.index("% qr-end")]
    rects = [tuple(int(v) for v in match) for match in re.findall(r"(\d+) (\d+) (\d+) 1 re", block)]
    size = max(x + w for x, _, w in rects)
    grid = [[0] * size for _ in range(max(y for _, y, _ in rects) + 1)]
    for x, y, w in rects:
        for column in range(x, x + w):
            grid[y][column] = 1
    return grid


def _decode_grid(grid: Sequence[Sequence[int]]) -> zxingcpp.Barcode | None:
    """Read a module grid as a scanner would: drawn 4 px per module with a 4-module quiet zone."""
    scale, quiet = 4, 4
    side = (len(grid) + 2 * quiet) * scale
    image = Image.new("L", (side, side), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(grid):
        for x, dark in enumerate(row):
            if dark:
                left, top = (x + quiet) * scale, (y + quiet) * scale
                draw.rectangle((left, top, left + scale - 1, top + scale - 1), fill=0)
    found = zxingcpp.read_barcode(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    return found if found is not None and found.valid else None


def test_qr_code_encodes_the_verify_url(renderer: CertificateRenderer) -> None:
    data = renderer.render(_doc(), default_template(), "en")
    printed = _qr_from_content(data)
    symbol = qr_code_for(VERIFY_URL)
    assert printed == [list(row) for row in symbol.matrix]
    decoded = _decode_grid(printed)
    assert decoded is not None and decoded.text == VERIFY_URL
    assert symbol.error_level in ("M", "Q")
    assert decoded.ec_level == symbol.error_level


@pytest.mark.parametrize(
    "base", ["http://127.0.0.1:8000", "https://kentbilim.example.org", "https://sertifika.belediye.gov.tr/kentbilim"]
)
def test_qr_error_level_is_raised_only_when_the_symbol_keeps_its_size(base: str) -> None:
    urls = [f"{base}/verify/{format_code(raw + check_character(raw))}" for raw in ("7QX4M9PAK3T", "23456789ABC")]
    first, second = (qr_code_for(url) for url in urls)  # the second one takes the cached level
    assert first.error_level == second.error_level
    assert len(first.matrix) == len(second.matrix)
    sizes = {level: len(encode_qr(urls[0], level).matrix) for level in ("M", "Q")}
    expected = "Q" if sizes["Q"] == sizes["M"] else "M"
    assert first.error_level == expected
    for url, symbol in zip(urls, (first, second), strict=True):
        decoded = _decode_grid(symbol.matrix)
        assert decoded is not None and decoded.text == url


def test_qr_and_footer_link_to_the_verify_url(renderer: CertificateRenderer) -> None:
    page = pypdf.PdfReader(io.BytesIO(renderer.render(_doc(), default_template(), "en"))).pages[0]
    annotations = page.get("/Annots")
    assert isinstance(annotations, pypdf.generic.ArrayObject)
    uris = {annotation.get_object()["/A"]["/URI"] for annotation in annotations}
    assert uris == {VERIFY_URL}


def test_output_is_deterministic(renderer: CertificateRenderer) -> None:
    template = default_template()
    assert renderer.render(_doc(), template, "kk") == renderer.render(_doc(), template, "kk")


def test_characters_outside_the_font_are_refused(renderer: CertificateRenderer) -> None:
    with pytest.raises(UnsupportedCharactersError, match=r"U\+1F600"):
        renderer.render(_doc("Ali 😀 Veli"), default_template(), "en")


def test_letters_outside_the_repertoire_still_render(renderer: CertificateRenderer) -> None:
    name = "Αλέξανδρος Nguyễn"  # Greek and Vietnamese: in Noto Sans, not in the fast-path subset
    assert any(ord(ch) not in REPERTOIRE for ch in name)
    lines = _lines(renderer.render(_doc(name), default_template(), "en"))
    assert name in lines
    assert CODE in lines


def test_logos_signatories_and_colours_are_printed(renderer: CertificateRenderer) -> None:
    signatories = (
        Signatory(
            name="Rashad Aliyev",
            names={"kk": "Рашад Әлиев"},
            titles={"en": "Director", "kk": "Қалалық басқару бағдарламасының директоры"},
            signature_image=_png((300, 100), (20, 40, 120, 255)),
        ),
        Signatory(name="Aigerim Bekova", titles={"en": "Head of Training", "kk": "Оқыту бөлімінің басшысы"}),
        Signatory(name="Gʻulom Oʻrinboyev", titles={"en": "Regional Coordinator"}),
    )
    template = dataclasses.replace(
        default_template(),
        id="partner",
        colours=CertificateColours(primary="#FF0000"),
        logos=(_png((200, 80), (0, 156, 222, 255)), _jpeg()),
        signatories=signatories,
    )
    data = renderer.render(_doc(lang="kk"), template, "kk")
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    resources = page["/Resources"]
    assert isinstance(resources, pypdf.generic.DictionaryObject)
    images = resources["/XObject"].get_object()
    assert isinstance(images, pypdf.generic.DictionaryObject)
    assert len(images) == 3
    lines = _lines(data)
    for expected in ("Рашад Әлиев", "Aigerim Bekova", "Gʻulom Oʻrinboyev", "Оқыту бөлімінің басшысы"):
        assert expected in lines
    content = page.get_contents()
    assert content is not None
    assert b"1.000 0.000 0.000 RG" in content.get_data()  # the template's primary colour on the border


def test_rejects_naive_timestamps() -> None:
    with pytest.raises(ValueError, match="UTC"):
        dataclasses.replace(_doc(), issued_at=datetime(2025, 3, 12, 9, 30))


def test_template_with_partial_languages_falls_back(renderer: CertificateRenderer) -> None:
    base = default_template()
    template = CertificateTemplate(id="english-only", texts={"en": base.texts["en"]}, issuer_names={"en": "X"})
    lines = _lines(renderer.render(_doc("Әлия Қасымқызы", COURSE_TITLES["kk"], "kk"), template, "kk"))
    assert base.texts["en"].headline in lines
    assert "Әлия Қасымқызы" in lines
    assert format_date(datetime(2025, 3, 12).date(), "kk") in lines  # the date still follows the language
