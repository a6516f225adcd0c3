"""The certificate's design: what goes where on the page, in which size and colour.

Owns the layout (positions in points from the top-left), the palette taken from the template,
the ornaments (frames, corner brackets, the divider, the seal shown when there are no
signatories), logos and signatories, and the two layers a certificate is drawn in:

* :func:`draw_static_layer`: everything a template prints whatever the learner (border,
  ornaments, wording, logos, signatories), drawn once per template and language into its own
  compressed content stream;
* :func:`draw_learner_layer`: the second, small stream with the learner's name, course title,
  issuer, date, code, QR symbol and verification link.

Operators are written by :mod:`~certificates.adapters.pdf.drawing`; text is fitted with
:func:`~certificates.adapters.pdf.shaping.fit`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from certificates.adapters.pdf.drawing import Colour, Page, mix, rgb
from certificates.adapters.pdf.fonts import FaceSet, TextFace
from certificates.adapters.pdf.images import PreparedImage, prepare_image
from certificates.adapters.pdf.qr import qr_code_for
from certificates.adapters.pdf.shaping import Deadline, Fitted, fit, printable
from certificates.adapters.pdf.syntax import PAGE_HEIGHT, PAGE_WIDTH, stream
from certificates.domain.templates import CertificateTemplate, CertificateTexts

# Layout, in points from the top-left corner of the page.
_CENTRE: Final = PAGE_WIDTH / 2
_TEXT_WIDTH: Final = 640.0
_LEFT: Final = 70.0
_COLUMN: Final = 170.0
_QR_SIZE: Final = 80.0
_QR_X: Final = PAGE_WIDTH - 70 - _QR_SIZE
_QR_Y: Final = 434.0
_FOOTER_BASELINE: Final = 553.0
_EVENT_BASELINE: Final = 378.0


@dataclass(frozen=True, slots=True)
class Palette:
    """The template's colours, as PDF colours."""

    primary: Colour
    accent: Colour
    ink: Colour
    muted: Colour
    paper: Colour

    @classmethod
    def of(cls, template: CertificateTemplate) -> Palette:
        colours = template.colours
        return cls(
            colours.rgb("primary"),
            colours.rgb("accent"),
            colours.rgb("text"),
            colours.rgb("muted"),
            colours.rgb("background"),
        )


@dataclass(frozen=True, slots=True)
class StaticLayer:
    """What a template prints in one language, independent of the learner: drawn once."""

    stream: bytes
    """The compressed content stream object body."""
    images: tuple[tuple[str, PreparedImage], ...]
    shift: float
    """Vertical offset of the text block (it moves up when there are no logos)."""


@dataclass(frozen=True, slots=True)
class LearnerLayer:
    """What one certificate adds on top of its template's static layer."""

    content: bytes
    """The content stream's operators, not yet compressed."""
    links: tuple[tuple[float, float, float, float], ...]
    """Areas (x1, y1, x2, y2 from the top-left) that link to the verification URL."""


def printable_texts(template: CertificateTemplate, lang: str) -> CertificateTexts:
    """The template's wording in ``lang``, each string in its printed form (:func:`printable`)."""
    texts = template.texts_for(lang)
    return CertificateTexts(**{name: printable(getattr(texts, name)) for name in texts.__slots__})


def template_strings(template: CertificateTemplate, lang: str) -> list[str]:
    """Every string the template prints in ``lang``: what the fonts must be able to draw."""
    texts = printable_texts(template, lang)
    strings = [getattr(texts, name) for name in texts.__slots__]
    for signatory in template.signatories:
        strings += (printable(signatory.name_for(lang)), printable(signatory.title_for(lang)))
    partner = template.partner_name(lang)
    if partner is not None:
        strings.append(printable(partner))
    if template.watermark:
        strings.append(template.watermark)
    return strings


# A co-branded certificate's issuer line moves up to make room for the partner's name below it;
# without a partner the page is exactly as before (old certificates re-render to the same bytes).
_ISSUER_BASELINE: Final = 112.0
_ISSUER_BASELINE_WITH_PARTNER: Final = 105.0
_PARTNER_BASELINE: Final = 121.0


def _issuer_baseline(template: CertificateTemplate) -> float:
    return _ISSUER_BASELINE_WITH_PARTNER if template.partner_names else _ISSUER_BASELINE


def draw_static_layer(template: CertificateTemplate, lang: str, faces: FaceSet) -> StaticLayer:
    """Draw what ``template`` prints in ``lang`` on every certificate."""
    texts = printable_texts(template, lang)
    signatories = [
        (printable(s.name_for(lang)), printable(s.title_for(lang)), s.signature_image) for s in template.signatories
    ]
    palette = Palette.of(template)
    page = Page(faces)
    regular, semibold = faces.regular, faces.semibold
    images: list[tuple[str, PreparedImage]] = []

    # Background and border: a strong outer frame, a fine inner one, ornaments at the corners.
    if palette.paper != (1.0, 1.0, 1.0):
        page.fill_rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, palette.paper)
    page.stroke_rect(16, 16, PAGE_WIDTH - 32, PAGE_HEIGHT - 32, palette.primary, 2.4)
    page.stroke_rect(23, 23, PAGE_WIDTH - 46, PAGE_HEIGHT - 46, palette.accent, 0.7)
    _corner_ornaments(page, palette)
    if template.watermark:
        # Behind everything else, light enough to read the certificate through it.
        fitted = fit(template.watermark, semibold, max_width=PAGE_WIDTH - 120, max_size=150, min_size=40)
        faint = mix(palette.accent, palette.paper, 0.8)
        page.text(fitted.lines[0], _CENTRE, 360, semibold, fitted.size, faint, align="center")

    # Logos across the top; without them the text block moves up to stay balanced.
    shift = 0.0 if template.logos else -10.0
    if template.logos:
        prepared = [prepare_image(logo) for logo in template.logos]
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

    partner = template.partner_name(lang)
    if partner is not None:
        # The national partner's name, under the issuer's (drawn by the learner layer).
        fitted = fit(printable(partner), regular, max_width=_TEXT_WIDTH, max_size=9.5, min_size=6, tracking=0.6)
        page.text(
            fitted.lines[0],
            _CENTRE,
            _PARTNER_BASELINE + shift,
            regular,
            fitted.size,
            palette.muted,
            align="center",
            tracking=0.6,
        )

    fitted = fit(texts.headline, semibold, max_width=_TEXT_WIDTH, max_size=30, min_size=14)
    page.text(fitted.lines[0], _CENTRE, 154 + shift, semibold, fitted.size, palette.primary, align="center")
    _divider(page, 172 + shift, palette.accent)

    fitted = fit(texts.certifies_that, regular, max_width=_TEXT_WIDTH, max_size=12.5, min_size=7)
    page.text(fitted.lines[0], _CENTRE, 205 + shift * 0.6, regular, fitted.size, palette.muted, align="center")
    page.line(_CENTRE - 220, 274 + shift * 0.3, _CENTRE + 220, 274 + shift * 0.3, palette.accent, 0.6)
    fitted = fit(texts.has_completed, regular, max_width=_TEXT_WIDTH, max_size=12.5, min_size=7)
    page.text(fitted.lines[0], _CENTRE, 297 + shift * 0.2, regular, fitted.size, palette.muted, align="center")

    for label, top in ((texts.issued_on, 444.0), (texts.certificate_code, 486.0)):
        fitted = fit(label, regular, max_width=_COLUMN, max_size=8, min_size=5)
        page.text(fitted.lines[0], _LEFT, top, regular, fitted.size, palette.muted)

    if signatories:
        _draw_signatories(page, signatories, images, palette)
    else:
        _seal(page, _CENTRE, 478, palette)

    content = stream("", "\n".join(page.ops).encode("ascii"))
    return StaticLayer(stream=content, images=tuple(images), shift=shift)


def draw_learner_layer(
    template: CertificateTemplate,
    texts: CertificateTexts,
    faces: FaceSet,
    shift: float,
    *,
    issuer_name: str,
    learner_name: str,
    course_title: str,
    date_text: str,
    code: str,
    version_text: str,
    verify_url: str,
    deadline: Deadline | None = None,
    event_text: str = "",
) -> LearnerLayer:
    """Draw what is specific to one certificate; ``shift`` is the static layer's text offset.

    The strings are already in their printed form, and ``texts`` is the template's printed wording.
    ``deadline`` is checked before each text is fitted (see :class:`Deadline`).
    """
    palette = Palette.of(template)
    regular, semibold = faces.regular, faces.semibold
    page = Page(faces)

    fitted = fit(
        issuer_name, regular, max_width=_TEXT_WIDTH, max_size=10.5, min_size=6, tracking=0.9, deadline=deadline
    )
    page.text(
        fitted.lines[0],
        _CENTRE,
        _issuer_baseline(template) + shift,
        regular,
        fitted.size,
        palette.muted,
        align="center",
        tracking=0.9,
    )

    fitted = fit(
        learner_name,
        semibold,
        max_width=620,
        max_size=38,
        min_size=22,
        max_lines=2,
        two_line_max_size=22,
        deadline=deadline,
    )
    _centred_lines(page, fitted, 239 + shift * 0.4, semibold, palette.ink, leading=1.12)

    fitted = fit(
        course_title,
        semibold,
        max_width=_TEXT_WIDTH,
        max_size=22,
        min_size=15,
        max_lines=2,
        two_line_max_size=18,
        deadline=deadline,
    )
    _centred_lines(page, fitted, 334 + shift * 0.1, semibold, palette.primary, leading=1.22)
    if event_text:
        # A certificate of participation: the event's days and venue under its name. Nothing is
        # drawn for a certificate of completion, whose page stays byte for byte what it was.
        fitted = fit(event_text, regular, max_width=_TEXT_WIDTH, max_size=11.5, min_size=7, deadline=deadline)
        page.text(
            fitted.lines[0], _CENTRE, _EVENT_BASELINE + shift * 0.1, regular, fitted.size, palette.muted, align="center"
        )

    fitted = fit(date_text, semibold, max_width=_COLUMN, max_size=12, min_size=6, deadline=deadline)
    page.text(fitted.lines[0], _LEFT, 460, semibold, fitted.size, palette.ink)
    fitted = fit(code, semibold, max_width=_COLUMN, max_size=12, min_size=6, tracking=0.6, deadline=deadline)
    page.text(fitted.lines[0], _LEFT, 502, semibold, fitted.size, palette.ink, tracking=0.6)
    if version_text:
        fitted = fit(version_text, regular, max_width=_COLUMN, max_size=8, min_size=5, deadline=deadline)
        page.text(fitted.lines[0], _LEFT, 526, regular, fitted.size, palette.muted)

    if deadline is not None:
        deadline.check()
    qr = qr_code_for(verify_url)
    page.qr(qr.matrix, _QR_X, _QR_Y, _QR_SIZE, rgb(palette.ink))

    # Footer: where to verify, as text, centred as one line of label and URL.
    label_size = 7.5
    gap = 5.0
    label_width = regular.width(texts.verify_at, label_size)
    url_fit = fit(verify_url, regular, max_width=600 - label_width - gap, max_size=7.5, min_size=4)
    total = label_width + gap + regular.width(verify_url, url_fit.size)
    x = _CENTRE - total / 2
    page.text(texts.verify_at, x, _FOOTER_BASELINE, regular, label_size, palette.muted)
    page.text(verify_url, x + label_width + gap, _FOOTER_BASELINE, regular, url_fit.size, palette.ink)

    links = (
        (_QR_X, _QR_Y, _QR_X + _QR_SIZE, _QR_Y + _QR_SIZE),
        (x, _FOOTER_BASELINE - 8, x + total, _FOOTER_BASELINE + 3),
    )
    return LearnerLayer(content="\n".join(page.ops).encode("ascii"), links=links)


def _centred_lines(
    page: Page, fitted: Fitted, middle: float, face: TextFace, colour: Colour, *, leading: float
) -> None:
    # Centre the block of lines on ``middle`` using the cap height, which is what the eye reads
    # as the text's vertical extent.
    cap = face.cap_height / 1000 * fitted.size
    step = fitted.size * leading
    first_baseline = middle + cap / 2 - step * (len(fitted.lines) - 1) / 2
    for index, line in enumerate(fitted.lines):
        page.text(line, _CENTRE, first_baseline + index * step, face, fitted.size, colour, align="center")


def _divider(page: Page, y: float, accent: Colour) -> None:
    page.line(_CENTRE - 64, y, _CENTRE - 9, y, accent, 0.8)
    page.line(_CENTRE + 9, y, _CENTRE + 64, y, accent, 0.8)
    page.polygon([(_CENTRE, y - 4), (_CENTRE + 4, y), (_CENTRE, y + 4), (_CENTRE - 4, y)], accent)


def _corner_ornaments(page: Page, palette: Palette) -> None:
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


def _seal(page: Page, cx: float, cy: float, palette: Palette) -> None:
    """A rosette where signatures would go, so a template without signatories still looks finished."""
    accent, paper = palette.accent, palette.paper
    page.circle(cx, cy, 40, mix(accent, paper, 0.78))
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
    page.polygon(points, mix(palette.primary, paper, 0.1))
    page.circle(cx, cy, 9, accent)
    page.circle(cx, cy, 6.5, paper, line_width=0.6)


def _draw_signatories(
    page: Page,
    signatories: Sequence[tuple[str, str, bytes | None]],
    images: list[tuple[str, PreparedImage]],
    palette: Palette,
) -> None:
    regular, semibold = page.faces.regular, page.faces.semibold
    left, right = _CENTRE - 190, _CENTRE + 190
    slot = (right - left) / len(signatories)
    line_y = 486.0
    for index, (name, title, signature) in enumerate(signatories):
        centre = left + slot * (index + 0.5)
        half = min(slot - 16, 150) / 2
        if signature is not None:
            image = prepare_image(signature)
            scale = min(38 / image.height, (2 * half) / image.width)
            w, h = image.width * scale, image.height * scale
            image_name = f"Im{len(images) + 1}"
            images.append((image_name, image))
            page.image(image_name, centre - w / 2, line_y - 2 - h, w, h)
        page.line(centre - half, line_y, centre + half, line_y, palette.accent, 0.6)
        fitted = fit(name, semibold, max_width=slot - 10, max_size=10, min_size=6)
        page.text(fitted.lines[0], centre, line_y + 14, semibold, fitted.size, palette.ink, align="center")
        fitted = fit(title, regular, max_width=slot - 10, max_size=8, min_size=6.5, max_lines=2, two_line_max_size=7.5)
        for line_index, line in enumerate(fitted.lines):
            baseline = line_y + 26 + line_index * fitted.size * 1.2
            page.text(line, centre, baseline, regular, fitted.size, palette.muted, align="center")
