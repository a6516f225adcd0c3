"""PDF file syntax shared by every part of the renderer: the page box, stream objects, text
strings, and the fixed object numbers of the one-page file.

The object numbers live here rather than in :mod:`~certificates.adapters.pdf.assembly` because
the font faces are numbered once per face set (:class:`~certificates.adapters.pdf.fonts.FaceSet`)
and then copied into every document at the same place.
"""

from __future__ import annotations

import zlib
from typing import Final

PAGE_WIDTH: Final = 841.89  # A4 landscape, in points
PAGE_HEIGHT: Final = 595.28

FACE_OBJECT_COUNT: Final = 6
"""PDF objects per font face: Type0 font, CID font, descriptor, font program, CID→GID map, ToUnicode."""

# Object numbers are fixed: the catalogue, page tree, page, two content streams and the
# information dictionary come first, then the two faces (serialised once per face set), then
# images and link annotations.
CATALOG, PAGES, PAGE, STATIC_CONTENT, CONTENT, INFO = 1, 2, 3, 4, 5, 6
REGULAR_FIRST: Final = 7
SEMIBOLD_FIRST: Final = REGULAR_FIRST + FACE_OBJECT_COUNT
FIRST_FREE: Final = SEMIBOLD_FIRST + FACE_OBJECT_COUNT


def stream(dictionary: str, data: bytes, *, compress: bool = True, level: int = 9) -> bytes:
    """A stream object body: ``dictionary`` (without ``<< >>``) and ``data``, Flate-compressed unless told not."""
    if compress:
        data = zlib.compress(data, level)
        dictionary += " /Filter /FlateDecode"
    return f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def number_objects(bodies: tuple[bytes, ...], first: int) -> tuple[bytes, ...]:
    """Object bodies whose references are written ``{0}``, ``{1}``... relative to their first
    object, with the numbers filled in from ``first``; stream data is never touched."""
    numbers = [str(first + offset).encode() for offset in range(len(bodies))]
    result = []
    for body in bodies:
        if b"stream\n" not in body:
            for offset, number in enumerate(numbers):
                body = body.replace(b"{%d}" % offset, number)
        else:  # a stream's dictionary may hold references too; its data must not be touched
            head, _, data = body.partition(b"stream\n")
            for offset, number in enumerate(numbers):
                head = head.replace(b"{%d}" % offset, number)
            body = head + b"stream\n" + data
        result.append(body)
    return tuple(result)


def pdf_text_string(text: str) -> str:
    """A PDF text string for the document information dictionary (UTF-16BE with BOM)."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"
