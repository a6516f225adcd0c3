"""Render a certificate as a one-page A4 landscape PDF, in a couple of milliseconds.

Why this package writes PDF itself instead of laying out each certificate with fpdf2
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
  first time.
* Letters Noto Sans lacks (Arabic, Hebrew, Georgian, Armenian, the Indic scripts, Thai, Ethiopic,
  CJK...) are set in fallback Noto fonts, shaped by HarfBuzz, in bidi order, with a font subset
  per document (:mod:`~certificates.adapters.pdf.fallback`); only documents with such letters
  take that path. Characters no font has (emoji) raise :class:`UnsupportedCharactersError`,
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

Modules, each importing only those above it:

* ``syntax``: page box, stream objects, text strings, the fixed object numbers;
* ``shaping``: printed form of text, face metrics and kerning, fitting text into a box;
* ``direction``: the Unicode Bidirectional Algorithm for one line;
* ``fallback``: fallback fonts, HarfBuzz shaping and the per-document font subsets;
* ``fonts``: building, numbering and caching the faces; the repertoire and its fallback;
* ``images``: logos and signatures as image XObjects, cached;
* ``qr``: the QR symbol and its error-correction level;
* ``drawing``: content-stream operators for shapes, text, images and the QR grid;
* ``design``: the layout, ornaments and the two layers of a certificate;
* ``assembly``: the PDF file from its pieces;
* ``renderer``: :class:`CertificateRenderer`, which runs the others.

Code outside the package imports from here; the modules are internals (tests may reach into them).
"""

from __future__ import annotations

from certificates.adapters.pdf.fonts import NOTO_SANS_VARIABLE, REPERTOIRE, UnsupportedCharactersError
from certificates.adapters.pdf.qr import QrSymbol, qr_code_for
from certificates.adapters.pdf.renderer import CertificateRenderer
from certificates.adapters.pdf.shaping import RenderTimeoutError, printable
from certificates.adapters.pdf.syntax import PAGE_HEIGHT, PAGE_WIDTH
from certificates.domain.model import CertificateDocument

__all__ = [
    "NOTO_SANS_VARIABLE",
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "REPERTOIRE",
    "CertificateDocument",
    "CertificateRenderer",
    "QrSymbol",
    "RenderTimeoutError",
    "UnsupportedCharactersError",
    "printable",
    "qr_code_for",
]
