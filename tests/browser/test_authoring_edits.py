"""The trainer fixes a typo after publishing: edit, preview, see the unpublished change, delete, rename.

Issue 18, item 3: before, the editor had only ↑/↓ buttons, nothing in the API, and the publish dialog
claimed "Languages: English, Azərbaycanca" for a lesson that has no Azerbaijani text.
"""

from __future__ import annotations

from typing import Any

from tests.browser.support import assert_accessible, publish_course, screenshot, uid, wait_until

LESSON = "What is a participatory budget?"


def test_trainer_edits_previews_deletes_and_sees_what_is_unpublished(open_page: Any, api: Any) -> None:
    trainer = api("trainer")
    title = f"Budgets {uid('edit')}"
    course = publish_course(trainer, title)  # en + az titles; the lessons are written in English only
    page = open_page("trainer")
    page.goto(f"/teach/courses/{course.id}")
    page.get_by_role("heading", level=1, name=title).wait_for()
    assert page.get_by_test_id("unpublished-changes").count() == 0, "nothing changed since publishing"

    # Fix a typo in the published lesson: the draft changes, the published version does not.
    row = page.locator("li.editor-lesson", has_text=LESSON)
    row.get_by_role("button", name=f"Edit: {LESSON}").click()
    form = page.locator("form.lesson-form")
    form.get_by_label("Text (Markdown) · English").fill(
        "# Participatory budgeting\n\nResidents **propose** and *vote*."
    )
    assert form.get_by_label("Kind of lesson").is_disabled()
    assert_accessible(page, "the lesson being edited")
    form.get_by_role("button", name="Save the lesson").click()
    page.get_by_test_id("unpublished-changes").wait_for()
    published = api("learner").q(
        'query($id: ID!) { course(id: $id) { modules { lessons { id body(lang: "en") } } } }', id=course.id
    )["course"]
    bodies = {x["id"]: x["body"] for m in published["modules"] for x in m["lessons"]}
    assert "*vote*" not in bodies[course.text_lesson_id], "a learner still reads the published version"

    # The preview shows the edited text as a learner would read it, rendered, not raw Markdown.
    page.locator("li.editor-lesson", has_text=LESSON).get_by_role("button", name=f"Preview: {LESSON}").click()
    preview = page.get_by_test_id("lesson-preview")
    preview.get_by_role("heading", name="Participatory budgeting").wait_for()
    assert preview.locator("em", has_text="vote").count() == 1
    screenshot(page, "trainer-edit-01-preview")
    assert_accessible(page, "the lesson preview")
    page.get_by_role("dialog").get_by_role("button", name="Close").click()

    # The publish dialog names the language with missing texts instead of claiming it is complete.
    page.get_by_role("button", name="Publish", exact=True).click()
    warning = page.get_by_test_id("incomplete-languages")
    warning.wait_for()
    assert "Azərbaycanca" in warning.inner_text() and "English" not in warning.inner_text()
    screenshot(page, "trainer-edit-02-publish-dialog")
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()

    # Rename the module in both languages, then delete the quiz lesson (after confirming).
    module = page.locator("li.module", has_text="Module 1: Introduction")
    module.get_by_role("button", name="Rename: Introduction").click()
    module.get_by_label("Module title · English").fill("Getting started")
    module.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("heading", name="Module 1: Getting started").wait_for()
    page.get_by_role("button", name="Delete: Check your understanding").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Published versions keep it").wait_for()
    dialog.get_by_role("button", name="Delete from the draft").click()
    wait_until(lambda: page.locator("li.editor-lesson", has_text="Check your understanding").count() == 0)

    draft = trainer.q(
        "query($id: ID!) { course(id: $id) { hasUnpublishedChanges incompleteLanguages"
        ' modules { title(lang: "en") lessons { id } } } }',
        id=course.id,
    )["course"]
    assert draft["hasUnpublishedChanges"] is True and draft["incompleteLanguages"] == ["az"]
    assert draft["modules"][0]["title"] == "Getting started"
    assert [x["id"] for x in draft["modules"][0]["lessons"]] == [course.text_lesson_id]
    assert page.js_errors == []
