"""Issue 13, finding 3, in Chromium: the web client uploads a material with the presigned POST policy.

The browser sends the policy's fields and then the file as one multipart POST to the object store
(cross-origin, under the gateway's CSP), the material is confirmed READY, and the bytes a trainer then
downloads are the ones uploaded.
"""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from tests.browser.support import Api, uid, wait_until
from tests.browser.test_trainer_journey import PDF


def test_the_web_client_uploads_a_material_by_presigned_post(open_page: Any, api: Any) -> None:
    trainer: Api = api("trainer")
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={"slug": uid("post-upload"), "titles": [{"lang": "en", "text": "POST upload"}], "defaultLanguage": "en"},
    )["createCourse"]
    trainer.q(
        """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
        c=course["id"],
        i={"titles": [{"lang": "en", "text": "M"}]},
    )
    page = open_page("trainer")
    page.goto(f"/teach/courses/{course['id']}")
    page.get_by_role("button", name="Add a lesson").click()
    page.get_by_label("Kind of lesson").select_option("DOCUMENT")
    page.get_by_label("Lesson title · English").fill("Guide")
    with page.expect_request(lambda r: r.method == "POST" and "/graphql" not in r.url) as sent:
        page.get_by_label("Document (PDF or office file)").set_input_files(
            files=[{"name": "budget-guide.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
    assert "multipart/form-data" in (sent.value.headers.get("content-type") or "")
    page.get_by_text("Uploaded: budget-guide.pdf").wait_for()
    page.get_by_role("button", name="Save the lesson").click()
    page.get_by_text("budget-guide.pdf", exact=False).first.wait_for()
    assert not page.js_errors, page.js_errors

    material = wait_until(
        lambda: next(
            (
                lesson["material"]
                for module in trainer.q(
                    """query($id: ID!) { course(id: $id) { modules { lessons {
                         material { status sha256 downloadUrl } } } } }""",
                    id=course["id"],
                )["course"]["modules"]
                for lesson in module["lessons"]
                if lesson["material"]
            ),
            None,
        ),
        timeout=20,
    )
    assert material["status"] == "READY" and material["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert httpx.get(material["downloadUrl"], timeout=30).content == PDF
