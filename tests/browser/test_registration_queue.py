"""Issue 15 in the browser: registering for a course with one seat and approval, the waiting list, and the
trainer's approvals queue (approve; decline with a reason the learner reads, in their language)."""

from __future__ import annotations

from typing import Any

from tests.browser.support import Api, assert_accessible, screenshot, uid, wait_until


def _progress_knows(trainer: Api, course_id: str) -> bool:
    """Registration happens in progress, which learns the course from course.published."""
    try:
        trainer.q("query($id: ID!) { course(id: $id) { stats { enrolled } } }", id=course_id)
        return True
    except AssertionError:
        return False


def test_register_wait_approve_and_decline_through_the_approvals_queue(open_page: Any, api: Any) -> None:
    trainer: Api = api("trainer")
    title = f"Urban Forum workshop {uid('w')}"
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={
            "slug": uid("workshop"),
            "titles": [{"lang": "en", "text": title}, {"lang": "az", "text": f"{title} (az)"}],
            "defaultLanguage": "en",
            "registration": {"capacity": 1, "approvalRequired": True},
        },
    )["createCourse"]
    module = trainer.q(
        """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
        c=course["id"],
        i={"titles": [{"lang": "en", "text": "Day 1"}]},
    )["addModule"]
    trainer.q(
        """mutation($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }""",
        m=module["id"],
        i={"kind": "TEXT", "titles": [{"lang": "en", "text": "Reading"}], "bodies": [{"lang": "en", "text": "Hi"}]},
    )
    trainer.q("""mutation($id: ID!) { publishCourse(id: $id) { version } }""", id=course["id"])
    wait_until(lambda: _progress_knows(trainer, course["id"]), timeout=60)

    # The learner registers: the one seat is theirs, waiting for approval.
    learner = open_page("learner")
    learner.goto(f"/courses/{course['id']}")
    learner.get_by_role("button", name="Enrol in this course").click()
    status = learner.get_by_test_id("registration-status")
    status.get_by_text("Waiting for approval", exact=True).wait_for()
    assert status.get_attribute("data-status") == "PENDING"
    screenshot(learner, "registration-01-pending")
    assert_accessible(learner, "a pending registration")

    # The second registrant finds the seat held: on the waiting list, number 1.
    other = open_page("admin")
    other.goto(f"/courses/{course['id']}")
    other.get_by_role("button", name="Enrol in this course").click()
    other.get_by_text("On the waiting list #1", exact=True).wait_for()
    other.get_by_text("You are number 1 on the waiting list").wait_for()

    # The trainer approves in the queue.
    queue = open_page("trainer")
    queue.goto("/admin/approvals")
    queue.get_by_role("heading", name="Registrations waiting for approval").wait_for()
    row = queue.locator("tr", has_text="Rəşad Əliyev").filter(has_text=title)
    row.wait_for()
    screenshot(queue, "registration-02-queue")
    assert_accessible(queue, "the approvals queue")
    row.get_by_role("button", name="Approve Rəşad Əliyev's registration").click()
    queue.get_by_text("Rəşad Əliyev has a seat now.").wait_for()

    learner.reload()
    learner.get_by_role("link", name="Start").wait_for()
    assert learner.get_by_test_id("registration-status").count() == 0

    # The learner cancels: the waiting registrant is promoted, to PENDING (approval is required).
    learner_api: Api = api("learner")
    mine = learner_api.q("{ myEnrollments { id course { id } } }")["myEnrollments"]
    enrollment = next(e["id"] for e in mine if e["course"]["id"] == course["id"])
    learner_api.q("mutation($e: ID!) { withdraw(enrollmentId: $e) { status } }", e=enrollment)

    queue.reload()
    row = queue.locator("tr", has_text="Elif Yılmaz").filter(has_text=title)
    row.get_by_role("button", name="Decline Elif Yılmaz's registration").click()
    dialog = queue.get_by_role("dialog")
    assert dialog.get_by_role("button", name="Decline the registration").is_disabled(), "a reason is required"
    dialog.get_by_label("Reason (the learner will read it)").fill("Seats are for municipal staff this time.")
    dialog.get_by_role("button", name="Decline the registration").click()
    queue.get_by_text("Elif Yılmaz's registration was declined.").wait_for()

    # The declined registrant reads why, in Azerbaijani.
    declined = open_page("admin", lang="az")
    declined.goto(f"/courses/{course['id']}")
    declined.get_by_text("Qeydiyyatınız rədd edildi: Seats are for municipal staff this time.").wait_for()
    screenshot(declined, "registration-03-declined-az")
    for page in (learner, other, queue, declined):
        assert not page.js_errors, page.js_errors
