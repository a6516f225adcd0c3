"""Certificate templates: what is printed around the learner's name, in seven languages.

A template is pure data: colours, the fixed wording per language, the issuing organisation's
name per language, up to three signatories and up to three logos. Logos and signature images
are raw PNG/JPEG bytes; the service keeps them in the object store and passes the bytes in, so
this module does no I/O.

Languages are the product's seven: English, Turkish, Azerbaijani (Latin, with ə), Kazakh and
Kyrgyz (Cyrillic), Uzbek (Latin, with oʻ gʻ written with U+02BB MODIFIER LETTER TURNED COMMA,
the official apostrophe, not a quote mark) and Russian. The wording is split in three parts
(before the name, the name, after the name) because word order differs: Turkish puts the verb
after the course, Kazakh and Kyrgyz would need a case suffix on the name if the name sat inside
the sentence, so their wording introduces the name after a colon instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Final

SUPPORTED_LANGUAGES: Final = ("en", "tr", "az", "kk", "ky", "uz", "ru")
FALLBACK_LANGUAGE: Final = "en"
MAX_SIGNATORIES: Final = 3
MAX_LOGOS: Final = 3
MAX_SIGNATORY_SLOTS: Final = 4
"""Signatories of a co-branded certificate: the issuer's and the partner's together."""
MAX_IMAGE_BYTES: Final = 2 * 1024 * 1024
MAX_TEXT_LENGTH: Final = 200

_COLOUR_RE: Final = re.compile(r"#[0-9A-Fa-f]{6}")
_TEMPLATE_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_LANGUAGE_SUBTAG_RE: Final = re.compile(r"[a-z]{2,3}")
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC: Final = b"\xff\xd8\xff"


class TemplateError(ValueError):
    """Template data is invalid; the message says which field and why."""


@dataclass(frozen=True, slots=True)
class CertificateTexts:
    """The fixed wording of a certificate in one language."""

    headline: str
    """Large title, e.g. "Certificate of Completion"."""
    certifies_that: str
    """Printed above the learner's name."""
    has_completed: str
    """Printed between the learner's name and the course title."""
    issued_on: str
    """Label of the issue date."""
    verify_at: str
    """Label in front of the verification URL."""
    certificate_code: str
    """Label of the certificate code."""
    course_version: str
    """Label of the course version number."""

    def __post_init__(self) -> None:
        for name in self.__slots__:
            _check_text(f"texts.{name}", getattr(self, name))


@dataclass(frozen=True, slots=True)
class CertificateColours:
    """Colours as ``#RRGGBB``."""

    primary: str = "#1D3557"
    """Headline, course title, outer border."""
    accent: str = "#B08D57"
    """Ornaments, inner border, rules."""
    text: str = "#1B1F24"
    """The learner's name and values."""
    muted: str = "#5B6573"
    """Labels and connecting sentences."""
    background: str = "#FFFDF8"
    """Page background."""

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if not isinstance(value, str) or not _COLOUR_RE.fullmatch(value):
                raise TemplateError(f"colour {name!r} must look like #RRGGBB, got {value!r}")

    def rgb(self, name: str) -> tuple[float, float, float]:
        """The named colour as three floats in 0..1 (PDF's colour space)."""
        value: str = getattr(self, name)
        return (int(value[1:3], 16) / 255, int(value[3:5], 16) / 255, int(value[5:7], 16) / 255)


@dataclass(frozen=True)
class Signatory:
    """A person who signs the certificate.

    ``titles`` maps a language to the job title in that language and must include English,
    the fallback. ``names`` optionally spells the name differently per language (e.g. the
    Cyrillic spelling on Kazakh certificates); ``name`` is used otherwise.
    """

    name: str
    titles: Mapping[str, str]
    names: Mapping[str, str] = field(default_factory=dict)
    signature_image: bytes | None = None
    """A scanned signature, PNG (ideally transparent) or JPEG."""

    def __post_init__(self) -> None:
        _check_text("signatory.name", self.name)
        object.__setattr__(self, "titles", _checked_language_map("signatory.titles", self.titles))
        object.__setattr__(self, "names", _checked_language_map("signatory.names", self.names, require_fallback=False))
        if self.signature_image is not None:
            _check_image("signatory.signature_image", self.signature_image)

    def name_for(self, lang: str) -> str:
        """The name as printed on a certificate in ``lang``."""
        return self.names.get(lang, self.name)

    def title_for(self, lang: str) -> str:
        """The title in ``lang``, else in English."""
        return self.titles.get(lang) or self.titles[FALLBACK_LANGUAGE]


@dataclass(frozen=True)
class CertificateTemplate:
    """Everything printed on a certificate that does not depend on the learner.

    ``texts`` and ``issuer_names`` map language codes to content and must include English,
    which is used for any language the template lacks. Construct one with keyword arguments;
    invalid data raises :class:`TemplateError` with a message naming the field.
    """

    id: str
    texts: Mapping[str, CertificateTexts]
    issuer_names: Mapping[str, str]
    colours: CertificateColours = field(default_factory=CertificateColours)
    signatories: tuple[Signatory, ...] = ()
    logos: tuple[bytes, ...] = ()
    """PNG or JPEG images shown side by side at the top, in order."""
    partner_names: Mapping[str, str] = field(default_factory=dict)
    """A national partner's name per language (co-branding, :mod:`~certificates.domain.cobranding`);
    empty for a template without a partner. Printed under the issuer's name."""
    partner_stamp: Mapping[str, object] | None = None
    """Which stored state variant this template was composed with (org, version, digest): kept with
    each certificate's printed data so it re-renders with exactly that variant."""
    watermark: str | None = None
    """Large text printed behind everything (``PREVIEW`` on a preview); None on real certificates."""
    variants: Mapping[str, CertificateTemplate] = field(default_factory=dict)
    """The co-branded templates of member states with a variant, by ``org`` (see :meth:`for_org`)."""
    kind: str = "COMPLETION"
    """``PARTICIPATION`` for the participation variant of a template (see :meth:`for_kind`)."""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _TEMPLATE_ID_RE.fullmatch(self.id):
            raise TemplateError(f"template id must be 1-64 lowercase letters, digits, '.', '_' or '-', got {self.id!r}")
        texts = dict(self.texts)
        for lang, value in texts.items():
            _check_language_code(f"texts[{lang!r}]", lang)
            if not isinstance(value, CertificateTexts):
                raise TemplateError(f"texts[{lang!r}] must be a CertificateTexts")
        if FALLBACK_LANGUAGE not in texts:
            raise TemplateError(f"texts must include {FALLBACK_LANGUAGE!r}, the fallback language")
        object.__setattr__(self, "texts", texts)
        object.__setattr__(self, "issuer_names", _checked_language_map("issuer_names", self.issuer_names))
        signatories = tuple(self.signatories)
        # A partner adds its own signatories and logo next to the issuer's (domain/cobranding.py).
        if self.partner_names:
            object.__setattr__(self, "partner_names", _checked_language_map("partner_names", self.partner_names))
        if len(signatories) > (MAX_SIGNATORY_SLOTS if self.partner_names else MAX_SIGNATORIES):
            raise TemplateError(f"at most {MAX_SIGNATORIES} signatories, got {len(signatories)}")
        if not all(isinstance(s, Signatory) for s in signatories):
            raise TemplateError("signatories must be Signatory objects")
        object.__setattr__(self, "signatories", signatories)
        logos = tuple(self.logos)
        if len(logos) > MAX_LOGOS + (1 if self.partner_names else 0):
            raise TemplateError(f"at most {MAX_LOGOS} logos, got {len(logos)}")
        for index, logo in enumerate(logos):
            _check_image(f"logos[{index}]", logo)
        object.__setattr__(self, "logos", logos)

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages this template has its own wording for."""
        return tuple(self.texts)

    def for_org(self, org: str | None) -> CertificateTemplate:
        """The template a certificate for a learner of ``org`` is printed with: its state's variant, else this."""
        if org is None or not self.variants:
            return self
        return self.variants.get(org, self)

    def for_kind(self, kind: str) -> CertificateTemplate:
        """The template a certificate of ``kind`` is printed with: this one, or its participation variant.

        The variant is a template of its own (another fingerprint, so another cached static layer):
        the same design and labels, with the participation headline and sentence of
        :data:`PARTICIPATION_WORDING` in every language the template has (English wording for a
        language the built-in wording lacks). Made once per template object.
        """
        if kind != "PARTICIPATION" or self.kind == kind:
            return self
        cache: dict[str, CertificateTemplate] = self.__dict__.setdefault("_kind_variants", {})
        variant = cache.get(kind)
        if variant is None:
            texts = {}
            for lang, wording in self.texts.items():
                headline, sentence = PARTICIPATION_WORDING.get(lang) or PARTICIPATION_WORDING[FALLBACK_LANGUAGE]
                texts[lang] = replace(wording, headline=headline, has_completed=sentence)
            variant = replace(self, texts=texts, variants={}, kind=kind)
            cache[kind] = variant
        return variant

    def partner_name(self, lang: str) -> str | None:
        """The national partner's name in ``lang``, else English; None without a partner."""
        if not self.partner_names:
            return None
        return self.partner_names.get(lang) or self.partner_names[FALLBACK_LANGUAGE]

    def texts_for(self, lang: str) -> CertificateTexts:
        """The wording in ``lang``, else English."""
        return self.texts.get(lang) or self.texts[FALLBACK_LANGUAGE]

    def issuer_name(self, lang: str) -> str:
        """The issuing organisation's name in ``lang``, else English."""
        return self.issuer_names.get(lang) or self.issuer_names[FALLBACK_LANGUAGE]

    @cached_property
    def fingerprint(self) -> str:
        """A digest of everything in the template, images included.

        Two templates with the same fingerprint print identically, so renderers can cache the
        parts of the page that depend only on the template. Computed once per object (the
        dataclass is frozen, so it cannot go stale).
        """
        digest = hashlib.sha256()

        def add(*parts: object) -> None:
            for part in parts:
                data = part if isinstance(part, bytes) else repr(part).encode()
                digest.update(len(data).to_bytes(8, "big"))
                digest.update(data)

        add(self.id, self.colours)
        for lang in sorted(self.texts):
            add(lang, self.texts[lang])
        add(sorted(self.issuer_names.items()))
        for signatory in self.signatories:
            add(signatory.name, sorted(signatory.titles.items()), sorted(signatory.names.items()))
            add(hashlib.sha256(signatory.signature_image or b"").digest())
        for logo in self.logos:
            add(hashlib.sha256(logo).digest())
        # Only when set, so the fingerprints of templates without them stay what they were.
        if self.partner_names:
            add("partner", sorted(self.partner_names.items()))
        if self.watermark:
            add("watermark", self.watermark)
        if self.kind != "COMPLETION":
            add("kind", self.kind)
        return digest.hexdigest()


def _check_text(what: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise TemplateError(f"{what} must be a non-empty string")
    if len(value) > MAX_TEXT_LENGTH:
        raise TemplateError(f"{what} is {len(value)} characters long; the limit is {MAX_TEXT_LENGTH}")


def _check_language_code(what: str, lang: object) -> None:
    if not isinstance(lang, str) or not _LANGUAGE_SUBTAG_RE.fullmatch(lang):
        raise TemplateError(f"{what}: language must be a lowercase ISO 639 code like 'kk', got {lang!r}")


def _checked_language_map(what: str, value: Mapping[str, str], *, require_fallback: bool = True) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise TemplateError(f"{what} must map language codes to text")
    result = dict(value)
    for lang, text in result.items():
        _check_language_code(f"{what}[{lang!r}]", lang)
        _check_text(f"{what}[{lang!r}]", text)
    if require_fallback and FALLBACK_LANGUAGE not in result:
        raise TemplateError(f"{what} must include {FALLBACK_LANGUAGE!r}, the fallback language")
    return result


def _check_image(what: str, data: object) -> None:
    if not isinstance(data, bytes | bytearray):
        raise TemplateError(f"{what} must be PNG or JPEG bytes")
    if len(data) > MAX_IMAGE_BYTES:
        raise TemplateError(f"{what} is {len(data)} bytes; the limit is {MAX_IMAGE_BYTES}")
    if not (data.startswith(_PNG_MAGIC) or data.startswith(_JPEG_MAGIC)):
        raise TemplateError(f"{what} is neither a PNG nor a JPEG image")


def _primary_subtag(tag: str | None) -> str | None:
    """``"tr-TR"``, ``"kk_Cyrl_KZ"``, ``"RU"`` → ``"tr"``, ``"kk"``, ``"ru"``; junk → None.

    ASCII-only lower-casing on purpose: ``"TR".lower()`` is safe, but a locale-aware fold of
    user-supplied text is exactly the trap the brief warns about.
    """
    if not tag or not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0]
    if not primary.isascii():
        return None
    primary = primary.translate(_ASCII_LOWER)
    return primary if _LANGUAGE_SUBTAG_RE.fullmatch(primary) else None


_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def choose_language(learner_locale: str | None, course_languages: Iterable[str], course_default: str) -> str:
    """The language a learner's certificate is printed in.

    The learner's locale when the course is available in it (so the course title exists in
    that language), otherwise the course's default language. Region and script subtags are
    ignored: ``"kk-KZ"`` picks a course's ``"kk"``.
    """
    wanted = _primary_subtag(learner_locale)
    available = {_primary_subtag(lang) for lang in course_languages}
    if wanted is not None and wanted in available:
        return wanted
    return _primary_subtag(course_default) or course_default


# --- dates -------------------------------------------------------------------------------------

# Month names in the form used inside a full date (Russian needs the genitive), and the long
# date patterns follow CLDR's usage for each language.
_MONTHS: Final[Mapping[str, tuple[str, ...]]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "tr": (
        "Ocak",
        "Şubat",
        "Mart",
        "Nisan",
        "Mayıs",
        "Haziran",
        "Temmuz",
        "Ağustos",
        "Eylül",
        "Ekim",
        "Kasım",
        "Aralık",
    ),
    "az": (
        "yanvar",
        "fevral",
        "mart",
        "aprel",
        "may",
        "iyun",
        "iyul",
        "avqust",
        "sentyabr",
        "oktyabr",
        "noyabr",
        "dekabr",
    ),
    "kk": (
        "қаңтар",
        "ақпан",
        "наурыз",
        "сәуір",
        "мамыр",
        "маусым",
        "шілде",
        "тамыз",
        "қыркүйек",
        "қазан",
        "қараша",
        "желтоқсан",
    ),
    "ky": (
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    ),
    "uz": (
        "yanvar",
        "fevral",
        "mart",
        "aprel",
        "may",
        "iyun",
        "iyul",
        "avgust",
        "sentabr",
        "oktabr",
        "noyabr",
        "dekabr",
    ),
    "ru": (
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ),
}

_DATE_PATTERNS: Final[Mapping[str, str]] = {
    "en": "{d} {month} {y}",
    "tr": "{d} {month} {y}",
    "az": "{d} {month} {y}",
    "kk": "{y} ж. {d} {month}",
    "ky": "{y}-ж., {d}-{month}",
    "uz": "{d}-{month}, {y}",
    "ru": "{d} {month} {y} г.",
}


def format_date(day: date, lang: str) -> str:
    """A date written out the way a formal document in ``lang`` writes it.

    ``12 March 2025``, ``12 Mart 2025``, ``12 mart 2025``, ``2025 ж. 12 наурыз``,
    ``2025-ж., 12-март``, ``12-mart, 2025``, ``12 марта 2025 г.``; other languages use ISO 8601.
    """
    months = _MONTHS.get(lang)
    if months is None:
        return day.isoformat()
    return _DATE_PATTERNS[lang].format(d=day.day, month=months[day.month - 1], y=day.year)


# The same long dates split in two: the day-and-month part, and the whole with the year around it,
# so that a range shares what its two ends share (``12–13 May 2027``, ``30 April – 2 May 2027``).
_DAY_MONTH_PATTERNS: Final[Mapping[str, str]] = {
    "en": "{d} {month}",
    "tr": "{d} {month}",
    "az": "{d} {month}",
    "kk": "{d} {month}",
    "ky": "{d}-{month}",
    "uz": "{d}-{month}",
    "ru": "{d} {month}",
}
_WITH_YEAR_PATTERNS: Final[Mapping[str, str]] = {
    "en": "{dm} {y}",
    "tr": "{dm} {y}",
    "az": "{dm} {y}",
    "kk": "{y} ж. {dm}",
    "ky": "{y}-ж., {dm}",
    "uz": "{dm}, {y}",
    "ru": "{dm} {y} г.",
}
_EN_DASH: Final = "\u2013"


def format_date_range(first: date, last: date, lang: str) -> str:
    """The days of an event, written as :func:`format_date` writes one day.

    One day: ``12 May 2027``. The same month: ``12–13 May 2027`` (``2027 ж. 12–13 мамыр``,
    ``12–13 мая 2027 г.``). Across months: ``30 April – 2 May 2027``. Across years: two whole dates.
    """
    months = _MONTHS.get(lang)
    if last <= first:
        return format_date(first, lang)
    if months is None:
        return f"{first.isoformat()} {_EN_DASH} {last.isoformat()}"
    if first.year != last.year:
        return f"{format_date(first, lang)} {_EN_DASH} {format_date(last, lang)}"
    day_month = _DAY_MONTH_PATTERNS[lang]
    if first.month == last.month:
        dm = day_month.format(d=f"{first.day}{_EN_DASH}{last.day}", month=months[first.month - 1])
    else:
        dm = (
            day_month.format(d=first.day, month=months[first.month - 1])
            + f" {_EN_DASH} "
            + day_month.format(d=last.day, month=months[last.month - 1])
        )
    return _WITH_YEAR_PATTERNS[lang].format(dm=dm, y=first.year)


# --- the default template -----------------------------------------------------------------------

PLATFORM_NAME: Final = "Kentbilim"

_DEFAULT_TEXTS: Final[Mapping[str, CertificateTexts]] = {
    "en": CertificateTexts(
        headline="Certificate of Completion",
        certifies_that="This is to certify that",
        has_completed="has successfully completed the course",
        issued_on="Issued on",
        verify_at="Verify at",
        certificate_code="Certificate code",
        course_version="Course version",
    ),
    "tr": CertificateTexts(
        headline="Kurs Tamamlama Sertifikası",
        certifies_that="Bu belge ile",
        has_completed="adlı katılımcının aşağıdaki kursu başarıyla tamamladığı onaylanır",
        issued_on="Düzenlenme tarihi",
        verify_at="Doğrulama adresi",
        certificate_code="Sertifika kodu",
        course_version="Kurs sürümü",
    ),
    "az": CertificateTexts(
        headline="Kursu bitirmə sertifikatı",
        certifies_that="Bu sertifikat təsdiq edir ki,",
        has_completed="aşağıdakı kursu uğurla başa vurmuşdur",
        issued_on="Verilmə tarixi",
        verify_at="Yoxlama ünvanı",
        certificate_code="Sertifikat kodu",
        course_version="Kursun versiyası",
    ),
    "kk": CertificateTexts(
        headline="Курсты аяқтағаны туралы сертификат",
        certifies_that="Осы сертификатпен расталады:",
        has_completed="келесі курсты сәтті аяқтады",
        issued_on="Берілген күні",
        verify_at="Тексеру мекенжайы",
        certificate_code="Сертификат коды",
        course_version="Курс нұсқасы",
    ),
    "ky": CertificateTexts(
        headline="Курсту аяктагандыгы тууралуу сертификат",
        certifies_that="Бул сертификат менен тастыкталат:",
        has_completed="төмөнкү курсту ийгиликтүү аяктады",
        issued_on="Берилген күнү",
        verify_at="Текшерүү дареги",
        certificate_code="Сертификаттын коду",
        course_version="Курстун версиясы",
    ),
    "uz": CertificateTexts(
        headline="Kursni tamomlaganlik toʻgʻrisida sertifikat",
        certifies_that="Ushbu sertifikat shuni tasdiqlaydiki,",
        has_completed="quyidagi kursni muvaffaqiyatli tamomladi",
        issued_on="Berilgan sana",
        verify_at="Tekshirish manzili",
        certificate_code="Sertifikat kodi",
        course_version="Kurs versiyasi",
    ),
    "ru": CertificateTexts(
        headline="Сертификат о прохождении курса",
        certifies_that="Настоящий сертификат подтверждает, что",
        has_completed="успешно завершил(а) курс",
        issued_on="Дата выдачи",
        verify_at="Проверить подлинность",
        certificate_code="Код сертификата",
        course_version="Версия курса",
    ),
}

# A certificate of participation (an event: a course with LIVE sessions) says so in its headline
# and in the sentence between the name and the event's name; the other labels are the template's.
# (headline, the sentence in the ``has_completed`` slot), built in like the completion wording.
PARTICIPATION_WORDING: Final[Mapping[str, tuple[str, str]]] = {
    "en": ("Certificate of Participation", "has participated in the event"),
    "tr": ("Katılım Sertifikası", "adlı katılımcının aşağıdaki etkinliğe katıldığı onaylanır"),
    "az": ("İştirak sertifikatı", "aşağıdakı tədbirdə iştirak etmişdir"),
    "kk": ("Қатысқаны туралы сертификат", "келесі іс-шараға қатысты"),
    "ky": ("Катышкандыгы тууралуу сертификат", "төмөнкү иш-чарага катышты"),
    "uz": ("Ishtirok etganlik toʻgʻrisida sertifikat", "quyidagi tadbirda ishtirok etdi"),
    "ru": ("Сертификат об участии", "принял(а) участие в мероприятии"),
}


_DEFAULT_ISSUER_NAMES: Final[Mapping[str, str]] = {
    "en": f"{PLATFORM_NAME} Urban Governance Academy",
    "tr": f"{PLATFORM_NAME} Kentsel Yönetişim Akademisi",
    "az": f"{PLATFORM_NAME} Şəhər İdarəçiliyi Akademiyası",
    "kk": f"{PLATFORM_NAME} қалалық басқару академиясы",
    "ky": f"{PLATFORM_NAME} шаардык башкаруу академиясы",
    "uz": f"{PLATFORM_NAME} shahar boshqaruvi akademiyasi",
    "ru": f"Академия городского управления {PLATFORM_NAME}",
}


def default_template() -> CertificateTemplate:
    """The built-in template: all seven languages, no signatories, no logos."""
    return CertificateTemplate(id="default", texts=_DEFAULT_TEXTS, issuer_names=_DEFAULT_ISSUER_NAMES)
