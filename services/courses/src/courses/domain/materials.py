"""Which files a trainer may upload, and how we check that a file is what it claims to be.

A browser's declared ``Content-Type`` is only a claim, so after the upload we read the file's first
bytes (its magic number) and, for the Office formats, the names inside the ZIP, and reject a mismatch.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lms_shared.i18n import ascii_lower

ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class AllowedType:
    content_type: str
    label: str
    extensions: tuple[str, ...]
    matches_head: Callable[[bytes], bool]
    # For ZIP containers: a folder every genuine file of this type has (word/, ppt/, xl/).
    zip_folder: str | None = None


def _is_mp4(head: bytes) -> bool:
    return len(head) >= 12 and head[4:8] == b"ftyp"


def _is_webm(head: bytes) -> bool:
    # EBML header, and the DocType element says webm (Matroska shares the EBML magic).
    return head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]


ALLOWED_TYPES: dict[str, AllowedType] = {
    t.content_type: t
    for t in (
        AllowedType("application/pdf", "PDF document", (".pdf",), lambda h: h.startswith(b"%PDF-")),
        AllowedType("video/mp4", "MP4 video", (".mp4", ".m4v"), _is_mp4),
        AllowedType("video/webm", "WebM video", (".webm",), _is_webm),
        AllowedType("image/png", "PNG image", (".png",), lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
        AllowedType("image/jpeg", "JPEG image", (".jpg", ".jpeg"), lambda h: h.startswith(b"\xff\xd8\xff")),
        AllowedType(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Word document (DOCX)",
            (".docx",),
            lambda h: h.startswith(ZIP_MAGIC),
            "word/",
        ),
        AllowedType(
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "PowerPoint presentation (PPTX)",
            (".pptx",),
            lambda h: h.startswith(ZIP_MAGIC),
            "ppt/",
        ),
        AllowedType(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Excel workbook (XLSX)",
            (".xlsx",),
            lambda h: h.startswith(ZIP_MAGIC),
            "xl/",
        ),
    )
}


def normalize_content_type(value: str) -> str:
    """``"Application/PDF; charset=binary"`` -> ``"application/pdf"`` (ASCII folding, no parameters)."""
    return ascii_lower(value.split(";", 1)[0].strip())


def allowed_type(content_type: str) -> AllowedType | None:
    return ALLOWED_TYPES.get(normalize_content_type(content_type))


def allowed_list() -> str:
    return ", ".join(f"{t.label} ({t.content_type})" for t in ALLOWED_TYPES.values())


def sniff(head: bytes, zip_names: Iterable[str] | None = None) -> AllowedType | None:
    """The allowed type the bytes really are, or None when they are none of them.

    ``zip_names`` are the entry names of the file when it is a ZIP; without them a ZIP is unknown.
    """
    if head.startswith(ZIP_MAGIC):
        names = list(zip_names or ())
        if "[Content_Types].xml" not in names:
            return None
        for t in ALLOWED_TYPES.values():
            if t.zip_folder and any(n.startswith(t.zip_folder) for n in names):
                return t
        return None
    for t in ALLOWED_TYPES.values():
        if t.zip_folder is None and t.matches_head(head):
            return t
    return None


def mismatch_reason(declared: AllowedType, actual: AllowedType | None) -> str | None:
    """Why the uploaded bytes are refused, or None when they are what was declared."""
    if actual is declared:
        return None
    what = f"a {actual.label}" if actual else "not any of the accepted file types"
    return f"The uploaded file is {what}, but it was declared as {declared.label} ({declared.content_type})."


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
MAX_FILENAME = 200


def sanitize_filename(name: str) -> str:
    """A filename safe for an object key and a download header, still readable in any script.

    Directory parts are dropped (``../../x.pdf`` -> ``x.pdf``), the name is NFC-normalized (macOS
    sends NFD), control and reserved characters become ``_``, and it is cut to 200 characters
    keeping the extension.
    """
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    cleaned = _UNSAFE.sub("_", base).strip().lstrip(".").strip()
    if not cleaned:
        cleaned = "file"
    if len(cleaned) > MAX_FILENAME:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            cleaned = stem[: MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            cleaned = cleaned[:MAX_FILENAME]
    return cleaned


def extension_mismatch(declared: AllowedType, filename: str) -> str | None:
    """Why ``filename`` cannot carry ``declared`` content, or None when its extension fits the type.

    Learners' computers open a download by its extension, so ``report.exe`` declared as a PDF is
    refused even when its bytes are a PDF.
    """
    _, dot, ext = filename.rpartition(".")
    if dot and f".{ascii_lower(ext)}" in declared.extensions:
        return None
    expected = " or ".join(declared.extensions)
    return f"The file name {filename!r} does not end in {expected}, as a {declared.label} must."


def object_key(course_id: str, material_id: str, filename: str) -> str:
    """Where a confirmed material's bytes live: written only by the service (a server-side copy)."""
    return f"materials/{course_id}/{material_id}/{filename}"


def quarantine_key(material_id: str) -> str:
    """Where the browser uploads (the only key its POST policy allows); checked, then copied out."""
    return f"quarantine/{material_id}"
