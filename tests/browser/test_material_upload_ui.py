"""Issue 18, item 6: material upload offers what the server accepts, in the page language, in a large zone.

- The picker's ``accept`` list is exactly the courses service's allowed types (extensions and MIME types,
  ``courses.domain.materials.ALLOWED_TYPES``), videos for a video lesson and the rest for a document.
- A file the service would refuse is refused in the page language, before anything is sent; a file the
  service rejects after upload (its bytes are not what it claims) gets a translated message. No English
  MIME list ever shows.
- The drop zone is large, takes a file by drag and drop, and the keyboard reaches it with a visible ring.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from courses.domain.materials import ALLOWED_TYPES
from tests.browser.support import Api, screenshot, uid
from tests.browser.test_trainer_journey import PDF

CATALOGUES = Path(__file__).resolve().parents[2] / "gateway" / "web" / "src" / "i18n"


def _messages(lang: str) -> dict[str, str]:
    return json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))


def _server_accepts(video: bool) -> set[str]:
    return {
        item
        for t in ALLOWED_TYPES.values()
        if t.content_type.startswith("video/") == video
        for item in (*t.extensions, t.content_type)
    }


@pytest.mark.parametrize("lang", ["az", "en"])
def test_upload_zone_accepts_what_the_server_accepts_and_speaks_the_page_language(
    open_page: Any, api: Any, lang: str
) -> None:
    trainer: Api = api("trainer")
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={"slug": uid("upload-ui"), "titles": [{"lang": "en", "text": "Upload UI"}], "defaultLanguage": "en"},
    )["createCourse"]
    trainer.q(
        """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
        c=course["id"],
        i={"titles": [{"lang": "en", "text": "M"}]},
    )
    msgs = _messages(lang)
    page = open_page("trainer", lang=lang)
    page.goto(f"/teach/courses/{course['id']}")
    page.get_by_role("button", name=msgs["editor.addLesson"]).click()
    kind = page.get_by_label(msgs["editor.lessonKind"])

    # The picker offers exactly what the service accepts, per kind of lesson.
    kind.select_option("VIDEO")
    video_input = page.locator("input[type=file]")
    assert set(video_input.get_attribute("accept").split(",")) == _server_accepts(video=True)
    kind.select_option("DOCUMENT")
    document_input = page.locator("input[type=file]")
    assert set(document_input.get_attribute("accept").split(",")) == _server_accepts(video=False)

    # A large zone, not a tiny file control.
    zone = page.locator(".drop-zone")
    box = zone.bounding_box()
    assert box and box["height"] >= 120 and box["width"] >= 300, box
    assert msgs["upload.dropHint"] in zone.inner_text()

    # A type the service refuses: refused here, translated, and nothing goes to the server.
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.post_data or "") if "/graphql" in r.url else None)
    document_input.set_input_files(
        files=[{"name": "notes.odt", "mimeType": "application/vnd.oasis.opendocument.text", "buffer": b"PK\x03\x04"}]
    )
    alert = page.locator(".uploader .alert-error")
    formats = "PDF, PNG, JPEG, DOCX, PPTX, XLSX"
    assert alert.inner_text() == msgs["upload.wrongType"].format(name="notes.odt", formats=formats)
    assert not [body for body in sent if "requestMaterialUpload" in body]
    screenshot(page, f"upload-ui-{lang}-wrong-type")

    # Bytes that are not what the name claims: the service rejects them after upload; the message is ours.
    document_input.set_input_files(files=[{"name": "guide.pdf", "mimeType": "application/pdf", "buffer": b"hello"}])
    page.locator(".uploader .alert-error", has_text=msgs["upload.rejected"]).wait_for()
    text = alert.inner_text()
    assert text == msgs["upload.rejected"], text
    assert "application/" not in text and "declared" not in text

    # Drag and drop a genuine PDF onto the zone.
    page.evaluate(
        """([bytes]) => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array(bytes)], 'budget-guide.pdf', { type: 'application/pdf' }));
            const zone = document.querySelector('.drop-zone');
            for (const type of ['dragenter', 'dragover', 'drop'])
              zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
        }""",
        [list(PDF)],
    )
    page.locator(".uploader .alert-success").wait_for()
    assert "budget-guide.pdf" in page.locator(".uploader .alert-success").inner_text()

    # The keyboard reaches the zone, and the zone shows that it has the focus.
    document_input.focus()
    assert page.evaluate("document.activeElement.type") == "file"
    ring = zone.evaluate("el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth")
    assert not ring.startswith("none"), ring
    screenshot(page, f"upload-ui-{lang}-uploaded")
    assert not page.js_errors, page.js_errors
