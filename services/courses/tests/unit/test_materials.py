"""Allowed types, magic-number sniffing and filename sanitizing."""

from __future__ import annotations

import io
import zipfile

import pytest

from courses.domain.materials import (
    allowed_type,
    mismatch_reason,
    normalize_content_type,
    sanitize_filename,
    sniff,
)

pytestmark = pytest.mark.unit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def office_names(folder: str) -> list[str]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(f"{folder}document.xml", "<x/>")
    return zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()


@pytest.mark.parametrize(
    ("head", "names", "expected"),
    [
        (b"%PDF-1.7\n", None, "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", None, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", None, "image/jpeg"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", None, "video/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", None, "video/webm"),
        (b"PK\x03\x04", office_names("word/"), DOCX),
        (b"PK\x03\x04", office_names("ppt/"), PPTX),
        (b"PK\x03\x04", office_names("xl/"), XLSX),
    ],
)
def test_real_files_are_recognised(head: bytes, names: list[str] | None, expected: str) -> None:
    found = sniff(head, names)
    assert found is not None and found.content_type == expected


@pytest.mark.parametrize(
    ("head", "names"),
    [
        (b"MZ\x90\x00", None),  # a Windows executable
        (b"<html><body>", None),
        (b"PK\x03\x04", ["payload.exe"]),  # a plain ZIP is not a DOCX
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska", None),  # MKV, not WebM
        (b"", None),
    ],
)
def test_other_bytes_are_not_any_accepted_type(head: bytes, names: list[str] | None) -> None:
    assert sniff(head, names) is None


def test_a_spoofed_type_is_explained() -> None:
    pdf = allowed_type("application/pdf")
    assert pdf is not None
    reason = mismatch_reason(pdf, sniff(b"\x89PNG\r\n\x1a\n", None))
    assert reason is not None and "PNG image" in reason and "PDF document" in reason
    assert mismatch_reason(pdf, sniff(b"%PDF-1.4", None)) is None


def test_content_types_are_compared_without_case_or_parameters() -> None:
    assert normalize_content_type("Application/PDF; charset=binary") == "application/pdf"
    assert allowed_type("IMAGE/PNG") is not None
    assert allowed_type("application/x-msdownload") is None
    assert allowed_type("text/html") is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\Bütçe planı.pdf", "Bütçe planı.pdf"),
        ("Қала\x00жоспары.pdf", "Қала_жоспары.pdf"),
        ("...", "file"),
        (".hidden.pdf", "hidden.pdf"),
        ("a:b*c?.pdf", "a_b_c_.pdf"),
    ],
)
def test_filenames_are_made_safe_but_stay_readable(given: str, expected: str) -> None:
    assert sanitize_filename(given) == expected


def test_filenames_are_nfc_and_cut_to_200_characters_keeping_the_extension() -> None:
    nfd = "s\u0327ehir.pdf"  # ş as s + combining cedilla, the way macOS sends it
    assert sanitize_filename(nfd) == "şehir.pdf"
    long = sanitize_filename("ə" * 500 + ".pptx")
    assert len(long) == 200 and long.endswith(".pptx")
