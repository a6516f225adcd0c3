"""Issue 15, "Done when", end to end in Chromium: a trainer builds a two-day forum (four live sessions and a
required feedback survey, a participation certificate, 45 seats in quotas for three states, approval
required) in the course editor and publishes it; 300 learners of Azerbaijan, Kazakhstan and Kyrgyzstan
register against the quotas (PENDING or WAITLISTED #n); a country admin and the trainer approve in the
approvals queue (a declined registration promotes the next of that state); learners check in with the
rotating code read off the projector page; the trainer marks latecomers present by hand on the
attendance list; learners answer the survey; everyone who attended every session and answered gets a
participation certificate automatically, and a bulk "all eligible" run afterwards issues nothing twice.

Where the browser drives a step for a few people, the many others do the same through the GraphQL API,
concurrently, as set-up: 300 browser sessions would not fit the suite's time budget on two cores.

The product's semantics decide the bulk part: attendance marked by a trainer completes a live lesson
exactly as a check-in does, so a learner marked present by hand who answered the survey completes the
course and the automatic issue covers them; the bulk run for "all eligible" (completed, no certificate
yet) then finds nobody left, and must not print anyone's certificate a second time.

The sessions sit around now, since check-in is open only from LMS_CHECKIN_MARGIN_MINUTES (30) before a
session's start to as long after its end; the two days are the programme's two modules ("Day 1", "Day 2").
"""

from __future__ import annotations

import functools
import io
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pypdf

from tests.browser.support import Api, assert_accessible, screenshot, sign_in_script, uid, wait_until
from tests.support.graphql import SyncGraphQLClient

BAKU = ZoneInfo("Asia/Baku")
STATES = {"AZ": ("Baku", 110), "KZ": ("Almaty", 100), "KG": ("Bishkek", 90)}  # 300 learners
QUOTA = 15  # seats per state; 45 in all
ENROL = """mutation($c: ID!) { enroll(courseId: $c) { id status waitlistPosition } }"""
# With course(id:) beside it, as on the event page: a query of myEnrollments alone is served from the
# gateway's per-viewer cache (LMS_RESPONSE_CACHE_SECONDS), where a move up the waiting list (nobody
# announces it, see registration.changed) shows up to that many seconds late.
MINE = """query($c: ID!) { course(id: $c) { id } myEnrollments { id status waitlistPosition course { id } } }"""
CHECK_IN = """mutation($e: ID!, $l: ID!, $code: String!) { checkIn(enrollmentId: $e, lessonId: $l, code: $code)
  { status } }"""
SURVEY = """mutation($e: ID!, $l: ID!, $a: [SurveyAnswerInput!]!) { submitSurvey(enrollmentId: $e, lessonId: $l,
  answers: $a) { status } }"""


@dataclass
class Learner:
    org: str
    name: str
    token: str
    api: SyncGraphQLClient
    enrollment: str = ""
    status: str = ""
    position: int | None = None


def _parallel(fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(fn, items))


def _check_in(session: str, code: str, learner: Learner) -> None:
    learner.api.q(CHECK_IN, e=learner.enrollment, l=session, code=code)


def _local(at: datetime) -> str:
    """A datetime-local value on Baku's clock (the session's zone)."""
    return at.astimezone(BAKU).strftime("%Y-%m-%dT%H:%M")


def _page_as(browser: Any, gateway_url: str, token: str, width: int = 1280, lang: str = "en") -> Any:
    context = browser.new_context(base_url=gateway_url, viewport={"width": width, "height": 900}, locale="en-GB")
    context.add_init_script(sign_in_script(token, lang))
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.js_errors = errors
    return page


def _add_live(page: Any, module: Any, title: str, starts: datetime, ends: datetime, venue: str) -> None:
    module.get_by_role("button", name="Add a lesson").click()
    page.get_by_label("Kind of lesson").select_option("LIVE")
    page.get_by_label("Lesson title · English").fill(title)
    page.get_by_label("Time zone of the session").select_option("Asia/Baku")
    page.get_by_label("Starts (Asia/Baku)").fill(_local(starts))
    page.get_by_label("Ends (Asia/Baku)").fill(_local(ends))
    page.get_by_label("Venue · English").fill(venue)
    page.get_by_label("Seats", exact=True).fill("300")
    page.get_by_role("button", name="Save the lesson").click()
    module.get_by_text(title).first.wait_for()


def _progress_knows(trainer: SyncGraphQLClient, course_id: str) -> bool:
    try:
        trainer.q("query($id: ID!) { course(id: $id) { stats { enrolled } } }", id=course_id)
        return True
    except AssertionError:
        return False


def test_the_regional_urban_forum_from_registration_to_participation_certificate(
    browser: Any, gateway_url: str, token_for: Any
) -> None:
    tag = uid("forum")
    key = tag.split("-")[1]  # in every name and title of this run, so no locator matches another test's data

    def person(name: str, roles: list[str], org: str, municipality: str) -> tuple[str, SyncGraphQLClient]:
        token = token_for(
            f"{roles[0]}-{uuid.uuid4().hex[:10]}", name, roles, org=org, municipality=municipality, locale="en"
        )
        return token, Api(gateway_url, token)

    trainer_token, trainer = person(f"Aygün Məmmədova {key}", ["trainer"], "AZ", "Ganja")
    ca_token, country_admin = person(f"Aliya Bekova {key}", ["country_admin"], "KZ", "Astana")
    admin_token, _admin = person(f"Elif Yılmaz {key}", ["admin"], "TR", "Ankara")
    learners: dict[str, list[Learner]] = {}
    for org, (city, n) in STATES.items():
        learners[org] = []
        for i in range(n):
            token, client = person(f"{org} Participant {key}-{i:03d}", ["learner"], org, city)
            learners[org].append(Learner(org, f"{org} Participant {key}-{i:03d}", token, client))
    pages: list[Any] = []
    started = time.monotonic()  # the phases' times are printed (pytest -s) to see where the budget goes

    def phase(name: str) -> None:
        print(f"[forum] {time.monotonic() - started:6.1f}s {name}", flush=True)

    # 1. The trainer builds the forum in the editor.
    title = f"Regional Urban Forum {key}"
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    sessions = [  # (day, title, starts, ends): every one open for check-in for the next quarter of an hour
        ("Day 1", "Opening plenary", now - timedelta(minutes=90), now - timedelta(minutes=15)),
        ("Day 1", "Financing city infrastructure", now - timedelta(minutes=15), now + timedelta(minutes=45)),
        ("Day 2", "Smart city panel", now + timedelta(minutes=10), now + timedelta(minutes=70)),
        ("Day 2", "Closing session", now + timedelta(minutes=20), now + timedelta(minutes=80)),
    ]
    editor = _page_as(browser, gateway_url, trainer_token)
    pages.append(editor)
    editor.goto("/teach")
    editor.get_by_role("link", name="New course").click()
    editor.get_by_label("Title · English").fill(title)
    editor.get_by_label("Summary · English").fill("Two days on the cities of the Turkic States.")
    assert editor.get_by_label("Issue a certificate automatically when a learner completes the course").is_checked(), (
        "auto-issue is the default"
    )
    editor.get_by_role("button", name="Create the course").click()
    editor.get_by_role("heading", level=1, name=title).wait_for()
    course_id = editor.url.rstrip("/").split("/")[-1]
    for n, day in enumerate(("Day 1", "Day 2"), start=1):
        editor.get_by_label("Module title · English").fill(day)
        editor.get_by_role("button", name="Add a module").click()
        editor.get_by_role("heading", name=f"Module {n}: {day}").wait_for()
    for day, name, starts, ends in sessions:
        module = editor.locator("li.module", has=editor.get_by_role("heading", name=f": {day}"))
        _add_live(editor, module, name, starts, ends, "Baku Congress Centre")
    day2 = editor.locator("li.module", has=editor.get_by_role("heading", name=": Day 2"))
    day2.get_by_role("button", name="Add a lesson").click()
    editor.get_by_label("Kind of lesson").select_option("SURVEY")
    editor.get_by_label("Lesson title · English").fill("Feedback")
    editor.get_by_label("Question · English").fill("How useful was the forum?")
    editor.get_by_role("button", name="Add a question").click()
    editor.get_by_label("Question · English").nth(1).fill("What should we change?")
    editor.get_by_role("button", name="Save the lesson").click()
    day2.get_by_text("Feedback", exact=True).wait_for()

    editor.get_by_text("Course details and translations").click()
    editor.get_by_label("Certificate", exact=True).select_option("PARTICIPATION")
    editor.get_by_label("Seats for the whole course").fill(str(QUOTA * 3))
    editor.get_by_label("Registrations wait for approval").check()
    for n, org in enumerate(STATES, start=1):
        editor.get_by_role("button", name="Add a quota").click()
        editor.get_by_label(f"State {n}", exact=True).select_option(org)
        editor.get_by_label(f"Seats of state {n}").fill(str(QUOTA))
    editor.get_by_role("button", name="Save", exact=True).click()
    editor.get_by_text("Saved.").wait_for()
    screenshot(editor, "forum-01-editor")
    editor.get_by_role("button", name="Publish").click()
    editor.get_by_role("button", name="Publish version 1").click()
    editor.get_by_text("Published · v1").wait_for()

    stored = trainer.q(
        """query($id: ID!) { course(id: $id) { certificatePolicy { kind autoIssue }
             registration { capacity approvalRequired quotas { org seats } }
             modules { title(lang: "en") lessons { id kind required title(lang: "en")
               survey { questions { id kind } } } } } }""",
        id=course_id,
    )["course"]
    assert stored["certificatePolicy"] == {"kind": "PARTICIPATION", "autoIssue": True}
    assert stored["registration"]["capacity"] == 45 and stored["registration"]["approvalRequired"] is True
    assert sorted((q["org"], q["seats"]) for q in stored["registration"]["quotas"]) == [
        ("AZ", 15),
        ("KG", 15),
        ("KZ", 15),
    ]
    assert [m["title"] for m in stored["modules"]] == ["Day 1", "Day 2"]
    lessons = [lesson for m in stored["modules"] for lesson in m["lessons"]]
    assert [(x["kind"], x["required"]) for x in lessons] == [("LIVE", True)] * 4 + [("SURVEY", True)]
    live_ids = [x["id"] for x in lessons[:4]]
    survey_id = lessons[4]["id"]
    questions = lessons[4]["survey"]["questions"]
    wait_until(lambda: _progress_knows(trainer, course_id), timeout=90)

    phase("built")
    # 2. Registration. The first of each state registers in the browser and waits for approval.
    for org in STATES:
        first = learners[org][0]
        page = _page_as(browser, gateway_url, first.token, width=360)
        pages.append(page)
        page.goto(f"/courses/{course_id}")
        page.get_by_role("button", name="Enrol in this course").click()
        status = page.get_by_test_id("registration-status")
        status.get_by_text("Waiting for approval", exact=True).wait_for()
        assert status.get_attribute("data-status") == "PENDING"
    screenshot(pages[-1], "forum-02-pending-360")

    phase("browser registered")
    # The 294 in the middle, concurrently through the API (set-up).
    middle = [x for org in STATES for x in learners[org][1:-1]]

    def enrol(learner: Learner) -> None:
        got = learner.api.q(ENROL, c=course_id)["enroll"]
        learner.enrollment, learner.status, learner.position = got["id"], got["status"], got["waitlistPosition"]

    _parallel(enrol, middle)

    phase("api registered")
    # The last of each state registers in the browser: their quota is full, they are on the waiting list.
    for org, (_, n) in STATES.items():
        last = learners[org][-1]
        page = _page_as(browser, gateway_url, last.token)
        pages.append(page)
        page.goto(f"/courses/{course_id}")
        page.get_by_role("button", name="Enrol in this course").click()
        expected = n - QUOTA  # per state: everyone after the state's 15 seats waits, in order
        page.get_by_text(f"On the waiting list #{expected}", exact=True).wait_for()
        page.get_by_text(f"You are number {expected} on the waiting list").wait_for()
    screenshot(pages[-1], "forum-03-waitlisted")
    assert_accessible(pages[-1], "a waitlisted registration")

    def refresh(learner: Learner) -> None:
        mine = next(e for e in learner.api.q(MINE, c=course_id)["myEnrollments"] if e["course"]["id"] == course_id)
        learner.enrollment, learner.status, learner.position = mine["id"], mine["status"], mine["waitlistPosition"]

    everyone = [x for org in STATES for x in learners[org]]
    # The 294 know their status and position from enroll's answer (nobody has left the list since).
    _parallel(refresh, [x for org in STATES for x in (learners[org][0], learners[org][-1])])
    for org, (_, n) in STATES.items():
        pending = [x for x in learners[org] if x.status == "PENDING"]
        waiting = sorted(x.position or 0 for x in learners[org] if x.status == "WAITLISTED")
        assert len(pending) == QUOTA, (org, len(pending))
        assert waiting == list(range(1, n - QUOTA + 1)), f"{org}: positions 1..{n - QUOTA}, each once"

    phase("waitlisted")
    # 3. Approvals. Kazakhstan's country admin approves their first learner in the queue, the trainer the
    # Azerbaijani one; the country admin declines one registration, which promotes Kazakhstan's next.
    queue = _page_as(browser, gateway_url, ca_token)
    pages.append(queue)
    queue.goto("/admin/approvals")
    queue.get_by_role("heading", name="Registrations waiting for approval").wait_for()
    kz0 = learners["KZ"][0]
    row = queue.locator("tr", has_text=kz0.name).filter(has_text=title)
    row.wait_for()
    assert queue.locator("tr", has_text=f"AZ Participant {key}-").count() == 0, "only the admin's state"
    row.get_by_role("button", name=f"Approve {kz0.name}'s registration").click()
    queue.get_by_text(f"{kz0.name} has a seat now.").wait_for()
    screenshot(queue, "forum-04-country-admin-queue")

    by_trainer = _page_as(browser, gateway_url, trainer_token)
    pages.append(by_trainer)
    by_trainer.goto("/admin/approvals")
    az0 = learners["AZ"][0]
    row = by_trainer.locator("tr", has_text=az0.name).filter(has_text=title)
    row.get_by_role("button", name=f"Approve {az0.name}'s registration").click()
    by_trainer.get_by_text(f"{az0.name} has a seat now.").wait_for()

    declined = next(x for x in learners["KZ"] if x.status == "PENDING" and x is not kz0)
    promoted = next(x for x in learners["KZ"] if x.status == "WAITLISTED" and x.position == 1)
    country_admin.q(
        "mutation($id: ID!, $r: String!) { rejectEnrollment(id: $id, reason: $r) { status } }",
        id=declined.enrollment,
        r="Registered twice under another name.",
    )
    refresh(promoted)
    assert promoted.status == "PENDING", "the first of Kazakhstan's waiting list has the freed seat"
    _parallel(refresh, learners["KZ"])
    kz_waiting = sorted(x.position or 0 for x in learners["KZ"] if x.status == "WAITLISTED")
    assert kz_waiting == list(range(1, STATES["KZ"][1] - QUOTA)), f"everyone behind moved up one: {kz_waiting}"
    assert learners["KZ"][-1].position == STATES["KZ"][1] - QUOTA - 1, "everyone behind moved up one"

    to_approve = [x for x in everyone if x.status == "PENDING" and x not in (kz0, az0, declined)]
    assert len(to_approve) == 43
    _parallel(
        lambda x: trainer.q("mutation($id: ID!) { approveEnrollment(id: $id) { status } }", id=x.enrollment), to_approve
    )
    _parallel(refresh, [*to_approve, az0])
    seated = [x for x in everyone if x.status == "ACTIVE"]
    assert len(seated) == 45 and {org: sum(x.org == org for x in seated) for org in STATES} == {
        "AZ": 15,
        "KZ": 15,
        "KG": 15,
    }
    assert declined.status == "REJECTED" and promoted in seated

    phase("approved")
    # Who does what: two check in in the browser; one misses a session; one never answers the survey;
    # three check in to nothing of the closing session and are marked present by hand (the first of
    # Kyrgyzstan among them, whose check-ins go through the API).
    kg0 = learners["KG"][0]
    rest = [x for x in seated if x not in (az0, kz0, kg0)]
    absentee, silent = rest[0], rest[1]
    by_hand = [kg0, rest[2], rest[3]]

    # 4. Check-in: the trainer's projector page shows the rotating code of each session.
    projector = _page_as(browser, gateway_url, trainer_token)
    pages.append(projector)

    def code_of(session: str) -> str:
        projector.goto(f"/teach/courses/{course_id}/sessions/{session}/projector")
        code = projector.get_by_test_id("checkin-code")
        code.wait_for(timeout=60_000)
        value: str = code.inner_text().strip()
        assert len(value) == 6, value
        return value

    for n, session in enumerate(live_ids):
        code = code_of(session)
        if n == 0:
            projector.get_by_role("heading", name="Opening plenary").wait_for()
            screenshot(projector, "forum-05-projector")
            phone = _page_as(browser, gateway_url, az0.token, width=360)
            pages.append(phone)
            phone.goto(f"/check-in/{course_id}/{session}?code={code}")  # the QR code's URL
            phone.get_by_test_id("checked-in").get_by_text("You are checked in").wait_for()
            typed = _page_as(browser, gateway_url, kz0.token, width=360)
            pages.append(typed)
            typed.goto(f"/check-in/{course_id}/{session}")
            typed.get_by_label("Code shown in the room").fill(code.lower())
            typed.get_by_role("button", name="Check in").click()
            typed.get_by_test_id("checked-in").wait_for()
            screenshot(typed, "forum-06-checked-in-360")
            via_api = [x for x in seated if x not in (az0, kz0)]
        else:
            via_api = list(seated)
        if n == 2:
            via_api.remove(absentee)
        if n == 3:
            via_api = [x for x in via_api if x not in by_hand]
        _parallel(functools.partial(_check_in, session, code), via_api)

    phase("checked in")
    # 5. The survey: two answer in the browser, the others (all but one) through the API.
    for who in (az0, kz0):
        form = _page_as(browser, gateway_url, who.token, width=360)
        pages.append(form)
        form.goto(f"/courses/{course_id}/survey/{survey_id}")
        form.get_by_role("radiogroup", name="How useful was the forum?").get_by_label("5").check()
        form.get_by_label("What should we change?").fill("More time for the workshops.")
        form.get_by_role("button", name="Send answers").click()
        form.get_by_test_id("survey-done").wait_for()
    rating = next(q["id"] for q in questions if q["kind"] == "RATING")
    free = next(q["id"] for q in questions if q["kind"] == "TEXT")
    answers = [{"questionId": rating, "rating": 4}, {"questionId": free, "text": "Well organised."}]
    _parallel(
        lambda x: x.api.q(SURVEY, e=x.enrollment, l=survey_id, a=answers),
        [x for x in seated if x not in (az0, kz0, silent)],
    )

    phase("surveyed")
    # Before the trainer's marks, the latecomers have not completed: nothing issued to them yet.
    assert not kg0.api.q("{ myCertificates { courseId } }")["myCertificates"]

    # 6. The trainer marks the latecomers present by hand on the closing session's attendance list.
    listing = _page_as(browser, gateway_url, trainer_token, width=360)
    pages.append(listing)
    listing.goto(f"/teach/courses/{course_id}/sessions/{live_ids[3]}/attendance")
    listing.get_by_text("Present: 42 of 45").wait_for()
    rows = listing.get_by_test_id("attendance").locator("li")
    for who in by_hand:
        listing.get_by_label("Search by name, state or municipality").fill(who.name)
        wait_until(lambda: rows.count() == 1)
        listing.get_by_role("button", name=f"Mark present — {who.name}").click()
        rows.first.get_by_text("Marked present by a trainer").wait_for()
    listing.get_by_label("Search by name, state or municipality").fill("")
    listing.get_by_text("Present: 45 of 45").wait_for()
    screenshot(listing, "forum-07-attendance-360")
    assert_accessible(listing, "the attendance list of the closing session")

    phase("marked")

    # 7. Participation certificates, automatically, for the 43 who attended everything and answered.
    def issued() -> int:
        stats = trainer.q(
            "query($id: ID!) { course(id: $id) { stats { completed certificatesIssued } } }", id=course_id
        )["course"]["stats"]
        return int(stats["certificatesIssued"]) if stats["certificatesIssued"] == 43 else 0

    wait_until(issued, timeout=180, interval=2)
    certs = {
        x.name: x.api.q("{ myCertificates { code courseId kind pdfUrl } }")["myCertificates"]
        for x in (az0, kg0, absentee, silent)
    }
    assert [c["kind"] for c in certs[kg0.name] if c["courseId"] == course_id] == ["PARTICIPATION"], (
        "marked present by hand: the automatic issue covers them"
    )
    assert not [c for c in certs[absentee.name] if c["courseId"] == course_id], "missed a session: no certificate"
    assert not [c for c in certs[silent.name] if c["courseId"] == course_id], "no survey answers: no certificate"
    [mine] = [c for c in certs[az0.name] if c["courseId"] == course_id]
    assert mine["kind"] == "PARTICIPATION"
    pdf = httpx.get(mine["pdfUrl"], timeout=30)
    assert pdf.status_code == 200
    text = " ".join((p.extract_text() or "") for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "participation" in text.lower() and az0.name in text, text[:500]
    verify = _page_as(browser, gateway_url, az0.token)
    pages.append(verify)
    verify.goto(f"/verify/{mine['code']}")
    verdict = verify.get_by_test_id("verdict")
    verdict.get_by_text("This certificate is valid").wait_for()
    assert az0.name in verify.content() and title in verify.content()
    screenshot(verify, "forum-08-verified")

    phase("certified")
    # 8. The bulk run for "all eligible": everyone who completed has their certificate already.
    bulk = _page_as(browser, gateway_url, admin_token)
    pages.append(bulk)
    bulk.goto("/admin/bulk")
    bulk.locator("#bulk-course").select_option(label=title)
    bulk.get_by_label("Everyone who completed the course and has no certificate yet").check()
    bulk.get_by_role("button", name="Issue to everyone eligible").click()
    bulk.get_by_role("dialog").get_by_role("button", name="Start", exact=True).click()
    bulk.locator('.job[data-job-status="COMPLETED"]').wait_for(timeout=120_000)
    screenshot(bulk, "forum-09-bulk-all-eligible")
    tiles = {o: bulk.locator(f'.bulk-tiles [data-outcome="{o}"] dd').inner_text() for o in ("ISSUED", "FAILED")}
    assert tiles == {"ISSUED": "0", "FAILED": "0"}, tiles
    stats = trainer.q("query($id: ID!) { course(id: $id) { stats { certificatesIssued } } }", id=course_id)
    assert stats["course"]["stats"]["certificatesIssued"] == 43, "nobody's certificate was printed twice"
    phase("bulk done")
    for page in pages:
        assert not page.js_errors, page.js_errors
