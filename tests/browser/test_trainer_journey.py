"""The trainer: create a course in two languages side by side, add a module and a lesson, upload a PDF, publish."""

from __future__ import annotations

from typing import Any

from tests.browser.support import Api, assert_accessible, screenshot, uid, wait_until

# A real, minimal one-page PDF (the materials service checks the bytes, not just the name).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<<>>>>endobj\n"
    b"4 0 obj<</Length 44>>stream\nBT /F1 18 Tf 72 760 Td (Budget guide) Tj ET\nendstream endobj\n"
    b"xref\n0 5\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"0000000194 00000 n \ntrailer<</Size 5/Root 1 0 R>>\nstartxref\n287\n%%EOF\n"
)


def test_trainer_creates_translates_uploads_and_publishes(open_page: Any, api: Any) -> None:
    english = f"City budget basics {uid('t')}"
    kazakh = "Қала бюджетінің негіздері"
    page = open_page("trainer")
    page.goto("/teach")
    page.get_by_role("link", name="New course").click()

    # Two languages side by side: English and Kazakh columns.
    page.get_by_label("Қазақша").check()
    page.get_by_label("Title · English").fill(english)
    page.get_by_label("Title · Қазақша").fill(kazakh)
    page.get_by_label("Summary · English").fill("What every municipal finance officer should know.")
    page.get_by_label("Summary · Қазақша").fill("Әрбір муниципалдық қаржы маманы білуі керек нәрселер.")
    page.get_by_label("Participatory budgeting").check()
    columns = page.locator("#course-title-en").bounding_box(), page.locator("#course-title-kk").bounding_box()
    assert columns[0] and columns[1] and abs(columns[0]["y"] - columns[1]["y"]) < 2, "languages are side by side"
    screenshot(page, "trainer-01-new-course")
    assert_accessible(page, "the new-course form")
    page.get_by_role("button", name="Create the course").click()

    # The editor: add a module (both languages), then a document lesson with a real PDF.
    page.get_by_role("heading", level=1, name=english).wait_for()
    course_id = page.url.rsplit("/", 1)[-1]
    page.get_by_label("Module title · English").fill("Budget cycle")
    page.get_by_label("Module title · Қазақша").fill("Бюджет циклі")
    page.get_by_role("button", name="Add a module").click()
    page.get_by_role("heading", name="Module 1: Budget cycle").wait_for()
    page.get_by_role("button", name="Add a lesson").click()
    page.get_by_label("Kind of lesson").select_option("DOCUMENT")
    page.get_by_label("Lesson title · English").fill("The budget guide")
    page.get_by_label("Lesson title · Қазақша").fill("Бюджет нұсқаулығы")
    page.get_by_label("Document (PDF or office file)").set_input_files(
        files=[{"name": "budget-guide.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_text("Uploaded: budget-guide.pdf").wait_for()
    assert page.get_by_role("progressbar", name="Upload progress").get_attribute("aria-valuenow") == "100"
    screenshot(page, "trainer-02-upload-done")
    assert_accessible(page, "the lesson editor")
    page.get_by_role("button", name="Save the lesson").click()
    page.get_by_text("budget-guide.pdf", exact=False).first.wait_for()

    # A second module with a quiz written in the quiz editor, then moved to the top with the keyboard-friendly buttons.
    page.get_by_label("Module title · English").fill("Evaluation")
    page.get_by_label("Module title · Қазақша").fill("Бағалау")
    page.get_by_role("button", name="Add a module").click()
    page.get_by_role("heading", name="Module 2: Evaluation").wait_for()
    page.locator("li.module", has_text="Module 2: Evaluation").get_by_role("button", name="Add a lesson").click()
    page.get_by_label("Kind of lesson").select_option("QUIZ")
    page.get_by_label("Lesson title · English").fill("Final check")
    page.get_by_label("Lesson title · Қазақша").fill("Қорытынды тексеру")
    page.get_by_label("Question · English").fill("Who approves the city budget?")
    page.get_by_label("Question · Қазақша").fill("Қала бюджетін кім бекітеді?")
    page.get_by_label("Answer 1 · English").fill("The city council")
    page.get_by_label("Answer 1 · Қазақша").fill("Қалалық мәслихат")
    page.get_by_label("Answer 2 · English").fill("A private bank")
    page.get_by_label("Answer 2 · Қазақша").fill("Жеке банк")
    page.get_by_role("button", name="Save the lesson").click()
    page.get_by_role("alert").get_by_text("Question 1 needs at least one correct answer.").wait_for()
    page.get_by_label("Answer 1 is correct").check()
    screenshot(page, "trainer-03-quiz-editor")
    page.get_by_role("button", name="Save the lesson").click()
    page.get_by_text("1 question").wait_for()
    page.get_by_role("button", name="Move “Evaluation” up").click()
    page.get_by_role("heading", name="Module 1: Evaluation").wait_for()
    assert page.locator("li.module h3").all_inner_texts()[:2] == ["Module 1: Evaluation", "Module 2: Budget cycle"]

    # Publish: the dialog says what learners will see, and Escape would close it.
    page.get_by_role("button", name="Publish").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Learners will see version 1: 2 modules with 2 lessons").wait_for()
    screenshot(page, "trainer-04-publish-dialog")
    assert_accessible(page, "the publish dialog")
    page.keyboard.press("Escape")
    assert dialog.count() == 0
    page.get_by_role("button", name="Publish").click()
    page.get_by_role("button", name="Publish version 1").click()
    page.get_by_text("Published · v1").wait_for()
    screenshot(page, "trainer-05-published")
    assert not page.js_errors, page.js_errors

    # What learners get: the Kazakh title, and the material behind a presigned URL.
    learner: Api = api("learner")
    course = wait_until(
        lambda: learner.q(
            """query($id: ID!) { course(id: $id) { status title(lang: "kk")
                 modules { lessons { kind material { filename status } } } } }""",
            id=course_id,
        )["course"],
        timeout=20,
    )
    assert course["status"] == "PUBLISHED"
    assert course["title"] == kazakh
    kinds = [lesson["kind"] for module in course["modules"] for lesson in module["lessons"]]
    assert sorted(kinds) == ["DOCUMENT", "QUIZ"]
    document = next(
        lesson for module in course["modules"] for lesson in module["lessons"] if lesson["kind"] == "DOCUMENT"
    )
    assert document["material"] == {"filename": "budget-guide.pdf", "status": "READY"}


def test_upload_errors_are_explained(open_page: Any, api: Any) -> None:
    trainer: Api = api("trainer")
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={"slug": uid("upload-errors"), "titles": [{"lang": "en", "text": "Upload errors"}], "defaultLanguage": "en"},
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
    page.get_by_label("Document (PDF or office file)").set_input_files(
        files=[{"name": "tool.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ" + b"\0" * 64}]
    )
    alert = page.get_by_role("alert")
    alert.wait_for()
    # Refused before anything is sent, naming the file and what the server accepts (issue 18 item 6).
    assert "“tool.exe” cannot be uploaded here. Accepted:" in alert.inner_text(), alert.inner_text()
    screenshot(page, "trainer-06-upload-wrong-type")
