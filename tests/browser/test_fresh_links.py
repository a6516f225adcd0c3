"""Issue 18, items 2 and 12 (first two bullets), in Chromium.

Item 2: the lesson page and the certificate page fetched a presigned storage URL once, at load time; a
click after it expired (LMS_S3_PRESIGN_SECONDS) landed on the store's raw "AccessDenied" page. The test
lets the page load, then makes the URL it fetched stale: Playwright answers that exact URL with the
store's 403 AccessDenied XML, as the object store does after expiry (the session stack's presign lifetime
is left alone). The click must ask GraphQL for a fresh URL and open that one; when the fresh fetch fails,
a translated message shows in the page instead of a storage error.

Item 12: catalogue cards show the summary without Markdown markup, and a material's size keeps number and
unit together (U+00A0), in the page language's number format.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.browser.support import Api, complete_course, publish_course, uid, wait_until
from tests.browser.test_trainer_journey import PDF

EXPIRED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    "<Message>Request has expired</Message></Error>"
)


def _document_course(trainer: Api, learner: Api, summary: str) -> tuple[str, str]:
    """A published course whose one lesson is a document (the PDF), with the learner enrolled."""
    title = f"Fresh links {uid('fl')}"
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={
            "slug": uid("fresh-links"),
            "titles": [{"lang": "en", "text": title}, {"lang": "az", "text": f"{title} (az)"}],
            "summaries": [{"lang": "en", "text": summary}, {"lang": "az", "text": summary}],
            "defaultLanguage": "en",
            "topics": ["participatory-budgeting"],
        },
    )["createCourse"]
    upload = trainer.q(
        """mutation($c: ID!, $s: Int!) { requestMaterialUpload(courseId: $c, filename: "budget-guide.pdf",
             contentType: "application/pdf", size: $s) { material { id } uploadUrl uploadFields { name value } } }""",
        c=course["id"],
        s=len(PDF),
    )["requestMaterialUpload"]
    fields = {f["name"]: f["value"] for f in upload["uploadFields"]}
    sent = httpx.post(
        upload["uploadUrl"], data=fields, files={"file": ("budget-guide.pdf", PDF, "application/pdf")}, timeout=30
    )
    assert sent.status_code < 300, sent.text
    material_id = upload["material"]["id"]
    trainer.q("""mutation($m: ID!) { confirmMaterialUpload(materialId: $m) { id } }""", m=material_id)
    module = trainer.q(
        """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
        c=course["id"],
        i={"titles": [{"lang": "en", "text": "Reading"}]},
    )["addModule"]
    lesson = trainer.q(
        """mutation($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }""",
        m=module["id"],
        i={"kind": "DOCUMENT", "titles": [{"lang": "en", "text": "Budget guide"}], "materialId": material_id},
    )["addLesson"]

    def ready() -> bool:
        data = trainer.q(
            """query($id: ID!) { course(id: $id) { modules { lessons { material { status } } } } }""", id=course["id"]
        )
        return data["course"]["modules"][0]["lessons"][0]["material"]["status"] == "READY"

    wait_until(ready, timeout=60, interval=1)
    trainer.q("""mutation($id: ID!) { publishCourse(id: $id) { version } }""", id=course["id"])

    def enrolled() -> bool:
        try:
            learner.q("""mutation($c: ID!) { enroll(courseId: $c) { id } }""", c=course["id"])
            return True
        except AssertionError:
            return False

    wait_until(enrolled, timeout=60, interval=1)
    return course["id"], lesson["id"]


def _is_storage(url: str, gateway: str) -> bool:
    return not url.startswith(gateway) and "X-Amz-" in url


def _graphql_asking_for(field: str) -> Any:
    return lambda r: r.method == "POST" and "/graphql" in r.url and field in (r.post_data or "")


@pytest.mark.parametrize("lang", ["az", "en"])
def test_a_material_downloads_after_the_first_url_expired(
    open_page: Any, api: Any, gateway_url: str, lang: str
) -> None:
    course_id, lesson_id = _document_course(api("trainer"), api("learner"), "A **guide**.")
    page = open_page("learner", lang=lang)
    page.goto(f"/courses/{course_id}/lessons/{lesson_id}")
    link = page.locator(".material a")
    link.wait_for()
    stale = link.get_attribute("href")
    assert stale and _is_storage(stale, gateway_url)
    # The URL fetched at load time has expired: the store now refuses it. (A presigned URL carries its
    # signing time to the second: one second later a fresh URL differs from the stale one.)
    page.wait_for_timeout(1100)
    page.route(stale, lambda route: route.fulfill(status=403, content_type="application/xml", body=EXPIRED))
    with (
        page.expect_request(_graphql_asking_for("downloadUrl")),
        page.expect_response(lambda r: _is_storage(r.url, gateway_url) and r.url != stale) as opened,
    ):
        link.click()
    assert opened.value.status == 200
    assert httpx.get(opened.value.url, timeout=30).content == PDF
    assert "AccessDenied" not in page.content()

    # 12b: the size keeps number and unit together, in the page language's number format.
    size = page.locator(".material .material-size").inner_text()
    decimal = "," if lang == "az" else "."
    assert size == f"{len(PDF)}\u00a0B" or (decimal in size and "\u00a0" in size), repr(size)

    # When even the fresh fetch fails, the page says so in its language; no storage error page.
    _renewal_fails_with_a_message(page, link, page.locator(".material [role=alert]"), "downloadUrl", lang)


@pytest.mark.parametrize("lang", ["az", "en"])
def test_a_certificate_pdf_opens_after_the_first_url_expired(
    open_page: Any, api: Any, gateway_url: str, lang: str
) -> None:
    learner: Api = api("learner")
    course = publish_course(api("trainer"), f"Fresh certificate {uid('fc')}", learner=learner)
    enrollment = wait_until(
        lambda: _try(lambda: learner.q("""mutation($c: ID!) { enroll(courseId: $c) { id } }""", c=course.id)["enroll"]),
        timeout=60,
        interval=1,
    )
    complete_course(learner, course, enrollment["id"])

    def pdf_ready() -> bool:
        certs = learner.q("""query { myCertificates { courseTitle pdfUrl } }""")["myCertificates"]
        return any(course.title in c["courseTitle"] and c["pdfUrl"] for c in certs)

    wait_until(pdf_ready, timeout=90, interval=2)
    page = open_page("learner", lang=lang)
    page.goto("/certificates")
    card = page.locator(".certificate-card", has_text=course.title)
    link = card.locator(".card-actions a[download]")
    link.wait_for()
    stale = link.get_attribute("href")
    assert stale and _is_storage(stale, gateway_url)
    page.wait_for_timeout(1100)  # a fresh presigned URL differs from the stale one only a second later
    page.context.route(stale, lambda route: route.fulfill(status=403, content_type="application/xml", body=EXPIRED))
    with (
        page.expect_request(_graphql_asking_for("pdfUrl")),
        page.context.expect_event("response", lambda r: _is_storage(r.url, gateway_url) and r.url != stale) as opened,
    ):
        link.click()
    assert opened.value.status == 200
    assert httpx.get(opened.value.url, timeout=30).content[:5] == b"%PDF-"

    _renewal_fails_with_a_message(page, link, card.locator("[role=alert]"), "pdfUrl", lang)


@pytest.mark.parametrize(("lang", "search"), [("az", "Axtar"), ("en", "Search")])
def test_catalogue_cards_show_the_summary_without_markdown(open_page: Any, api: Any, lang: str, search: str) -> None:
    trainer: Api = api("trainer")
    course_id, _ = _document_course(trainer, api("learner"), "Learn to **audit** a _municipal_ budget.")
    title = trainer.q("""query($id: ID!) { course(id: $id) { title(lang: "en") } }""", id=course_id)["course"]["title"]
    page = open_page("learner", lang=lang)
    page.goto("/")
    page.locator("#catalogue-search").fill(title)
    card = page.locator(".course-card", has=page.locator(f'a[href="/courses/{course_id}"]'))
    card.wait_for()
    text = card.locator(".card-summary").inner_text()
    assert "**" not in text and "_municipal_" not in text, repr(text)
    assert "audit" in text and "municipal" in text
    # The course's own page shows the same summary as text too.
    page.goto(f"/courses/{course_id}")
    lead = page.locator("p.lead")
    lead.wait_for()
    assert "**" not in lead.inner_text() and "audit" in lead.inner_text(), repr(lead.inner_text())


def _try(call: Any) -> Any:
    try:
        return call()
    except AssertionError:
        return None


RENEW_FAILED = {"en": "The download link could not be renewed.", "az": "Yükləmə keçidi yenilənmədi."}


def _renewal_fails_with_a_message(page: Any, link: Any, alert: Any, field: str, lang: str) -> None:
    """When even the fresh fetch of ``field`` fails, the page says so in its language; no storage error."""
    page.route(
        "**/graphql",
        lambda route: (
            route.fulfill(status=503, content_type="application/json", body=json.dumps({"errors": []}))
            if field in (route.request.post_data or "")
            else route.fallback()
        ),
    )
    link.click()
    alert.wait_for()
    assert RENEW_FAILED[lang] in alert.inner_text()
    assert not page.js_errors, page.js_errors
