"""The renderer: one certificate from document data and a template, through fonts, design and assembly.

Owns :class:`CertificateRenderer`, the only entry point the service uses: it puts the printed
strings in their final form, picks the faces that can draw them, caches each (template, language)
static layer, draws the learner's layer and has the file assembled. The PDF metadata (title,
author, subject, dates, language, file identifier) is decided here.

Bounds: every printed field is checked against its cap
(:data:`~certificates.domain.certificate.PRINTED_FIELD_LIMITS`) before any layout, and each render
runs under a :class:`~certificates.adapters.pdf.shaping.Deadline` (``time_limit``, 10 s by
default, counted from when the faces are ready). Both fail with a ``ValueError`` subclass, which
the issuing path reports as "could not be printed" (a 422 for an admin issue, ``RENDER_FAILED``
for a bulk row) rather than retrying.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC
from typing import Final

from certificates.adapters.pdf.assembly import assemble_pdf
from certificates.adapters.pdf.design import (
    StaticLayer,
    draw_learner_layer,
    draw_static_layer,
    printable_texts,
    template_strings,
)
from certificates.adapters.pdf.fonts import FaceSet, faces_for, load_base_faces
from certificates.adapters.pdf.shaping import Deadline, printable
from certificates.domain.certificate import PRINTED_FIELD_LIMITS, check_printed_length
from certificates.domain.model import CertificateDocument
from certificates.domain.templates import PLATFORM_NAME, CertificateTemplate, format_date, format_date_range

_STATIC_CACHE_LIMIT: Final = 256
RENDER_TIME_LIMIT: Final = 10.0
"""Seconds one render may take before it is stopped with ``RenderTimeoutError``."""


class CertificateRenderer:
    """Renders certificates; create one per process and reuse it.

    Construction prepares the fonts (a few seconds the first time in a process, then free), so
    workers should build their renderer at start-up, not on the first certificate. Everything
    a template prints regardless of the learner is drawn once per (template, language) and
    cached. A renderer is safe to share between threads.
    """

    def __init__(
        self, *, limits: Mapping[str, int] = PRINTED_FIELD_LIMITS, time_limit: float = RENDER_TIME_LIMIT
    ) -> None:
        self._static: dict[tuple[str, str], StaticLayer] = {}
        self._static_lock = threading.Lock()
        self._limits = limits
        self._time_limit = time_limit
        load_base_faces()

    def render(self, doc: CertificateDocument, template: CertificateTemplate, lang: str) -> bytes:
        """The certificate as PDF bytes, in language ``lang`` (the template falls back to English).

        Text passes through :func:`printable` (NFC, whitespace collapsed) before it is drawn, so
        text extracted from the PDF is exactly ``printable(input)``; for ordinary input that is
        the NFC form. Output is deterministic: the same inputs give the same bytes.

        Raises :class:`~certificates.adapters.pdf.fonts.UnsupportedCharactersError` if a string
        has characters no certificate font has (emoji),
        :class:`~certificates.domain.certificate.PrintedFieldTooLong` if one is longer than its cap, and
        :class:`~certificates.adapters.pdf.shaping.RenderTimeoutError` past the time limit.
        """
        texts = printable_texts(template, lang)
        learner_name = printable(doc.learner_name)
        course_title = printable(doc.course_title)
        issuer_name = printable(doc.issuer_name)
        verify_url = doc.verify_url.strip()
        for field, value in (
            ("learner_name", learner_name),
            ("course_title", course_title),
            ("issuer_name", issuer_name),
            ("code", doc.code),
            ("verify_url", verify_url),
        ):
            check_printed_length(field, value, self._limits)
        event_text = ""
        if doc.event is not None:  # a certificate of participation: the event's days and venue
            venue = printable(doc.event.venue or "")
            check_printed_length("event_venue", venue, self._limits)
            days = format_date_range(doc.event.first_day, doc.event.last_day, lang)
            event_text = f"{days} \u00b7 {venue}" if venue else days
        date_text = format_date(doc.issued_at.astimezone(UTC).date(), lang)
        version_text = f"{texts.course_version} {doc.course_version}" if doc.course_version is not None else ""
        faces = faces_for(
            (
                learner_name,
                course_title,
                issuer_name,
                verify_url,
                doc.code,
                date_text,
                version_text,
                event_text,
                *template_strings(template, lang),
            )
        )
        # The clock starts after the faces: building an extended face set (a rare letter) is a
        # bounded, cached cost of the font, not of this input, and takes seconds on a busy machine.
        deadline = Deadline(self._time_limit)
        static = self._static_layer(template, lang, faces)
        learner = draw_learner_layer(
            template,
            texts,
            faces,
            static.shift,
            issuer_name=issuer_name,
            learner_name=learner_name,
            course_title=course_title,
            date_text=date_text,
            code=doc.code,
            version_text=version_text,
            verify_url=verify_url,
            deadline=deadline,
            event_text=event_text,
        )
        deadline.check()
        return assemble_pdf(
            static_stream=static.stream,
            images=static.images,
            content=learner.content,
            face_objects=faces.objects,
            fallback_fonts=faces.document.fonts() if faces.document is not None else (),
            links=learner.links,
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

    def _static_layer(self, template: CertificateTemplate, lang: str, faces: FaceSet) -> StaticLayer:
        if faces.base is not load_base_faces():
            # Extended faces number their CIDs differently; their layers are not worth caching.
            return draw_static_layer(template, lang, faces)
        key = (template.fingerprint, lang)
        layer = self._static.get(key)
        if layer is None:
            if faces.document is not None:
                if faces_for(template_strings(template, lang)) is not faces.base:
                    # The template itself needs fallback glyphs, whose CIDs belong to this document.
                    return draw_static_layer(template, lang, faces)
                # Drawn with Noto Sans alone, so the cached layer is the same whichever
                # certificate (a Latin name or an Arabic one) happened to draw it first.
                faces = faces.base
            layer = draw_static_layer(template, lang, faces)
            with self._static_lock:
                if len(self._static) >= _STATIC_CACHE_LIMIT:
                    self._static.clear()
                self._static[key] = layer
        return layer
