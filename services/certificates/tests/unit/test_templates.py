"""Certificate templates: wording in seven languages, validation and the language choice."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date

import pytest
from PIL import Image

from certificates.domain.templates import (
    MAX_SIGNATORIES,
    SUPPORTED_LANGUAGES,
    CertificateColours,
    CertificateTemplate,
    CertificateTexts,
    Signatory,
    TemplateError,
    choose_language,
    default_template,
    format_date,
)

pytestmark = pytest.mark.unit

CYRILLIC_ONLY = re.compile(r"[\u0400-\u04FF\s\d.,:;()\-]+")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 2), (0, 100, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _texts(**overrides: str) -> CertificateTexts:
    base = dataclasses.asdict(default_template().texts["en"])
    return CertificateTexts(**(base | overrides))


def test_default_template_speaks_all_seven_languages() -> None:
    template = default_template()
    assert set(template.languages) == set(SUPPORTED_LANGUAGES)
    for lang in SUPPORTED_LANGUAGES:
        texts = template.texts_for(lang)
        assert all(getattr(texts, name).strip() for name in texts.__slots__)
        assert template.issuer_name(lang)
    # Each language has its own wording, not a copy of English.
    headlines = {template.texts_for(lang).headline for lang in SUPPORTED_LANGUAGES}
    assert len(headlines) == len(SUPPORTED_LANGUAGES)


def test_default_wording_uses_each_alphabet_correctly() -> None:
    template = default_template()
    for lang in ("kk", "ky", "ru"):
        texts = template.texts_for(lang)
        for name in texts.__slots__:
            assert CYRILLIC_ONLY.fullmatch(getattr(texts, name)), (lang, name)
    uzbek = " ".join(getattr(template.texts_for("uz"), name) for name in CertificateTexts.__slots__)
    assert "toʻgʻrisida" in uzbek
    assert "\u02bb" in uzbek and "'" not in uzbek and "\u2018" not in uzbek
    assert "ə" in template.texts_for("az").headline
    assert "ә" in template.texts_for("kk").has_completed or "ә" in template.texts_for("kk").certifies_that
    assert "ү" in template.texts_for("ky").has_completed


def test_missing_language_falls_back_to_english() -> None:
    template = CertificateTemplate(id="partner", texts={"en": _texts()}, issuer_names={"en": "Partner"})
    assert template.texts_for("kk") == template.texts["en"]
    assert template.issuer_name("kk") == "Partner"


def test_at_most_three_signatories() -> None:
    signatory = Signatory(name="Ali Veli", titles={"en": "Director"})
    with pytest.raises(TemplateError, match=f"at most {MAX_SIGNATORIES} signatories, got 4"):
        dataclasses.replace(default_template(), signatories=(signatory,) * 4)


@pytest.mark.parametrize("bad", ["#12345", "123456", "#GGGGGG", "red", "#1234567", ""])
def test_colours_must_be_hex(bad: str) -> None:
    with pytest.raises(TemplateError, match=r"colour 'accent' must look like #RRGGBB"):
        CertificateColours(accent=bad)


def test_colours_convert_to_pdf_floats() -> None:
    assert CertificateColours(primary="#FF8000").rgb("primary") == (1.0, 128 / 255, 0.0)


def test_english_is_required_as_fallback() -> None:
    with pytest.raises(TemplateError, match="texts must include 'en'"):
        CertificateTemplate(id="x", texts={"kk": _texts()}, issuer_names={"en": "X"})
    with pytest.raises(TemplateError, match="issuer_names must include 'en'"):
        CertificateTemplate(id="x", texts={"en": _texts()}, issuer_names={"kk": "X"})
    with pytest.raises(TemplateError, match=r"signatory\.titles must include 'en'"):
        Signatory(name="Ali Veli", titles={"tr": "Müdür"})


def test_invalid_fields_are_named_in_the_error() -> None:
    with pytest.raises(TemplateError, match=r"texts\.headline must be a non-empty string"):
        _texts(headline="  ")
    with pytest.raises(TemplateError, match="template id"):
        dataclasses.replace(default_template(), id="Has Spaces")
    with pytest.raises(TemplateError, match="language must be a lowercase ISO 639 code"):
        CertificateTemplate(id="x", texts={"en": _texts(), "KK": _texts()}, issuer_names={"en": "X"})
    with pytest.raises(TemplateError, match=r"logos\[0\] is neither a PNG nor a JPEG"):
        dataclasses.replace(default_template(), logos=(b"GIF89a...",))
    with pytest.raises(TemplateError, match="at most 3 logos"):
        dataclasses.replace(default_template(), logos=(_png(),) * 4)
    with pytest.raises(TemplateError, match="signature_image is neither"):
        Signatory(name="A", titles={"en": "B"}, signature_image=b"not an image")


def test_template_accepts_images_and_signatories() -> None:
    signatory = Signatory(
        name="Rashad Aliyev",
        names={"kk": "Рашад Әлиев"},
        titles={"en": "Director", "kk": "Директор"},
        signature_image=_png(),
    )
    template = dataclasses.replace(default_template(), logos=(_png(),), signatories=(signatory,))
    assert signatory.name_for("kk") == "Рашад Әлиев"
    assert signatory.name_for("tr") == "Rashad Aliyev"
    assert signatory.title_for("uz") == "Director"
    assert template.signatories == (signatory,)


def test_fingerprint_changes_with_content_only() -> None:
    first = default_template()
    assert first.fingerprint == default_template().fingerprint
    assert dataclasses.replace(first, logos=(_png(),)).fingerprint != first.fingerprint
    recoloured = dataclasses.replace(first, colours=CertificateColours(primary="#000000"))
    assert recoloured.fingerprint != first.fingerprint


@pytest.mark.parametrize(
    ("locale", "course_languages", "default", "expected"),
    [
        ("kk", ["kk", "ru"], "ru", "kk"),
        ("kk-KZ", ["kk", "ru"], "ru", "kk"),
        ("uz_Latn_UZ", ["uz", "en"], "en", "uz"),
        ("TR", ["tr"], "en", "tr"),
        ("de-DE", ["tr", "en"], "tr", "tr"),
        (None, ["tr", "en"], "en", "en"),
        ("", ["tr", "en"], "en", "en"),
        ("İT", ["it", "en"], "en", "en"),  # non-ASCII junk is not case-folded into "it"
        ("ky", ["kk", "ru"], "ru", "ru"),
        ("ru", ["ru-RU", "kk"], "kk", "ru"),
    ],
)
def test_choose_language(locale: str | None, course_languages: list[str], default: str, expected: str) -> None:
    assert choose_language(locale, course_languages, default) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "12 March 2025"),
        ("tr", "12 Mart 2025"),
        ("az", "12 mart 2025"),
        ("kk", "2025 ж. 12 наурыз"),
        ("ky", "2025-ж., 12-март"),
        ("uz", "12-mart, 2025"),
        ("ru", "12 марта 2025 г."),
        ("xx", "2025-03-12"),
    ],
)
def test_dates_are_written_the_way_each_language_writes_them(lang: str, expected: str) -> None:
    assert format_date(date(2025, 3, 12), lang) == expected
