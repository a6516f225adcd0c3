"""Composition over the services: batching (no N+1), partial answers when a service is down, errors."""

from __future__ import annotations

import json
from typing import Any

import httpx

from .fakes import Harness
from .samples import sample_certificate, sample_course, sample_enrollment

DASHBOARD = """{ myEnrollments { id status progressPercent courseVersion resumeLessonId
  course { id title(lang: "kk") modules { title lessons { id title body kind } } }
  lessons { lessonId status completedAt attempts }
  certificate { code status pdfUrl verifyUrl } } }"""


def _learner_with(gw: Harness, n: int, certified: int) -> None:
    """A learner with ``n`` enrolments, the first ``certified`` of them completed with a certificate."""
    courses = [sample_course(f"c{i}") for i in range(n)]
    enrollments = [sample_enrollment(f"c{i}", cert_id=f"x{i}" if i < certified else None) for i in range(n)]
    certificates = [sample_certificate(f"x{i}", f"c{i}") for i in range(certified)]

    def list_courses(req: httpx.Request) -> httpx.Response:
        ids = req.url.params.get("ids", "").split(",")
        return httpx.Response(
            200, json={"nodes": [c for c in courses if c["id"] in ids], "pageInfo": {}, "totalCount": 0}
        )

    gw.courses.get("/v1/courses").mock(side_effect=list_courses)
    gw.progress.get("/v1/enrollments/mine").respond(json={"nodes": enrollments})
    gw.certificates.get("/v1/certificates/mine").respond(json={"nodes": certificates})


async def test_dashboard_of_20_enrolments_makes_a_constant_number_of_upstream_calls(gw: Harness, tok: Any) -> None:
    _learner_with(gw, 20, certified=5)
    body = await gw.gql(DASHBOARD, tok("u1", ["learner"], locale="az"))
    assert "errors" not in body, body
    rows = body["data"]["myEnrollments"]
    assert len(rows) == 20
    assert rows[0]["course"]["title"] == "Курс c0"  # lang wins over the viewer's locale
    assert rows[0]["course"]["modules"][0]["lessons"][0]["title"] == "Dərs 1"  # locale az
    assert rows[0]["certificate"]["code"] == "CODEx0" and rows[10]["certificate"] is None
    # One enrolment listing, one course listing for all 20 pinned versions, one certificate listing.
    assert (len(gw.progress.calls), len(gw.courses.calls), len(gw.certificates.calls)) == (1, 1, 1)

    # Published versions are immutable: the second dashboard needs no course call at all.
    await gw.gql(DASHBOARD, tok("u1", ["learner"], locale="az"))
    assert (len(gw.progress.calls), len(gw.courses.calls), len(gw.certificates.calls)) == (2, 1, 2)


async def test_an_enrolment_pinned_to_an_older_version_gets_that_version(gw: Harness, tok: Any) -> None:
    old = sample_course("c1", version=1)
    old["titles"] = [{"lang": "az", "text": "Köhnə"}]
    new = sample_course("c1", version=2)
    gw.courses.get("/v1/courses").respond(json={"nodes": [new]})
    gw.courses.get("/v1/courses/c1").mock(
        side_effect=lambda r: httpx.Response(200, json=old if r.url.params["version"] == "1" else new)
    )
    gw.progress.get("/v1/enrollments/mine").respond(json={"nodes": [sample_enrollment("c1", version=1)]})
    body = await gw.gql("{ myEnrollments { courseVersion course { title } } }", tok())
    assert body["data"]["myEnrollments"] == [{"courseVersion": 1, "course": {"title": "Köhnə"}}]


async def test_a_service_that_is_down_fails_only_its_own_fields(gw: Harness, tok: Any) -> None:
    _learner_with(gw, 3, certified=2)
    gw.certificates.get("/v1/certificates/mine").mock(side_effect=httpx.ConnectError)
    body = await gw.gql("{ myEnrollments { id certificate { code } } }", tok())
    assert [r["id"] for r in body["data"]["myEnrollments"]] == ["e-c0", "e-c1", "e-c2"]
    assert body["data"]["myEnrollments"][2]["certificate"] is None
    errors = body["errors"]
    assert {e["extensions"]["code"] for e in errors} == {"UNAVAILABLE"}
    assert sorted(e["path"][1] for e in errors) == [0, 1]
    assert errors[0]["message"] == "Certificates are unavailable right now; try again in a minute."
    assert all("certificates.test" not in e["message"] for e in errors)
    # Reads are retried (LMS_UPSTREAM_RETRIES=1 here) before giving up.
    assert len(gw.certificates.calls) == 2


async def test_idempotent_reads_are_retried_and_a_transient_failure_is_invisible(gw: Harness, tok: Any) -> None:
    calls = {"n": 0}

    def flaky(req: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return httpx.Response(503, json={"error": {"code": "UNAVAILABLE", "message": "restarting"}})
        return httpx.Response(200, json={"nodes": []})

    gw.progress.get("/v1/enrollments/mine").mock(side_effect=flaky)
    body = await gw.gql("{ myEnrollments { id } }", tok())
    assert body == {"data": {"myEnrollments": []}}
    assert calls["n"] == 2


async def test_mutations_are_never_retried(gw: Harness, tok: Any) -> None:
    gw.progress.post("/v1/enrollments").respond(503, json={"error": {"code": "UNAVAILABLE", "message": "x"}})
    body = await gw.gql('mutation { enroll(courseId: "c1") { id } }', tok())
    assert body["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert len(gw.progress.calls) == 1


async def test_a_services_internal_error_text_never_reaches_the_caller(gw: Harness, tok: Any) -> None:
    gw.progress.get("/v1/enrollments/mine").respond(
        500, text="Traceback: asyncpg at postgresql://10.0.0.5:5432/progress"
    )
    body = await gw.gql("{ myEnrollments { id } }", tok())
    text = str(body)
    assert body["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert "Traceback" not in text and "postgresql" not in text and "progress.test" not in text


async def test_an_unexpected_bug_is_masked(gw: Harness, tok: Any) -> None:
    # The service answers something the gateway cannot use (no 'nodes' list of enrolments).
    gw.progress.get("/v1/enrollments/mine").respond(json={"nodes": [{"unexpected": True}]})
    body = await gw.gql("{ myEnrollments { id course { id } } }", tok())
    assert body["errors"], body
    for e in body["errors"]:
        assert "KeyError" not in e["message"] and "Traceback" not in e["message"]
        assert e["extensions"]["code"] in ("UNAVAILABLE", "BAD_USER_INPUT")


async def test_request_id_and_token_are_forwarded(gw: Harness, tok: Any) -> None:
    gw.progress.get("/v1/enrollments/mine").respond(json={"nodes": []})
    token = tok()
    r = await gw.client.post(
        "/graphql",
        json={"query": "{ myEnrollments { id } }"},
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-42"},
    )
    assert r.headers["x-request-id"] == "req-42"
    sent = gw.progress.calls[0].request
    assert sent.headers["x-request-id"] == "req-42"
    assert sent.headers["authorization"] == f"Bearer {token}"


async def test_ids_cannot_escape_their_path_segment(gw: Harness, tok: Any) -> None:
    # Servers decode %2F before routing, so an id with a slash is refused before any upstream call.
    body = await gw.gql('mutation { publishCourse(id: "../admin") { id } }', tok("t", ["trainer"]))
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"] and not gw.courses.calls
    await gw.gql('mutation { publishCourse(id: "c 1?x") { id } }', tok("t", ["trainer"]))
    assert gw.courses.calls[0].request.url.raw_path == b"/v1/courses/c%201%3Fx/publish"


async def test_course_stats_are_for_the_courses_trainers_and_admins_only(gw: Harness, tok: Any) -> None:
    course = sample_course("c1")
    gw.courses.get("/v1/courses/c1").respond(json=course)
    gw.progress.get("/v1/courses/c1/stats").respond(
        json={"enrolled": 3, "completed": 1, "certificatesIssued": 1, "byOrg": [], "byMunicipality": []}
    )
    q = '{ course(id: "c1") { id stats { enrolled } } }'
    assert (await gw.gql(q, tok("trainer-1", ["trainer"])))["data"]["course"]["stats"] == {"enrolled": 3}
    assert (await gw.gql(q, tok("admin", ["admin"])))["data"]["course"]["stats"] == {"enrolled": 3}
    assert (await gw.gql(q, tok("other", ["trainer"])))["data"]["course"]["stats"] is None
    assert (await gw.gql(q, tok("learner", ["learner"])))["data"]["course"]["stats"] is None
    assert len(gw.progress.calls) == 2


async def test_additions_for_the_web_client(gw: Harness, tok: Any) -> None:
    gw.courses.patch("/v1/modules/m1").respond(
        json={"id": "m1", "position": 2, "titles": [{"lang": "az", "text": "Giriş"}], "lessons": []}
    )
    gw.certificates.get("/v1/certificates").mock(
        side_effect=lambda r: httpx.Response(200, json={"nodes": [sample_certificate("x1", r.url.params["courseId"])]})
    )
    trainer = tok("trainer-1", ["trainer"])
    moved = await gw.gql('mutation { moveModule(id: "m1", position: 2) { id position title } }', trainer)
    assert moved["data"]["moveModule"] == {"id": "m1", "position": 2, "title": "Giriş"}
    assert gw.courses.calls[0].request.content == b'{"position":2}'
    bad = await gw.gql('mutation { moveLesson(id: "l1", position: 0) { id } }', trainer)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    listed = await gw.gql('{ certificates(courseId: "c9") { id courseId } }', trainer)
    assert listed["data"]["certificates"] == [{"id": "x1", "courseId": "c9"}]
    learner = await gw.gql('{ certificates(courseId: "c9") { id } }', tok("l1", ["learner"]))
    assert learner["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_auto_issue_failures_are_listed_and_retried_with_a_corrected_name(gw: Harness, tok: Any) -> None:
    failure = {
        "id": "f1",
        "courseId": "c9",
        "learnerId": "l1",
        "name": "Ay\U0001f600gül",
        "org": "AZ",
        "reasonCode": "RENDER_FAILED",
        "reason": "The name cannot be printed: the certificate font has no glyph for 😀.",
        "attempts": 1,
        "lastFailedAt": "2026-12-01T10:00:00+00:00",
        "resolvedAt": None,
        "certificateId": None,
    }
    listing = gw.certificates.get("/v1/auto-issue-failures").respond(json={"nodes": [failure]})
    retry = gw.certificates.post("/v1/auto-issue-failures/f1/retry").respond(201, json=sample_certificate("x1", "c9"))
    trainer = tok("trainer-1", ["trainer"])
    listed = await gw.gql('{ autoIssueFailures(courseId: "c9") { id name reasonCode attempts resolvedAt } }', trainer)
    assert listed["data"]["autoIssueFailures"] == [
        {"id": "f1", "name": failure["name"], "reasonCode": "RENDER_FAILED", "attempts": 1, "resolvedAt": None}
    ]
    assert dict(listing.calls[0].request.url.params) == {"courseId": "c9", "includeResolved": "false"}
    assert listing.calls[0].request.headers["Authorization"].startswith("Bearer ")

    retried = await gw.gql(
        'mutation { retryAutoIssue(id: "f1", name: " Aygül ") { id courseId } }', tok("a", ["admin"])
    )
    assert retried["data"]["retryAutoIssue"] == {"id": "x1", "courseId": "c9"}
    assert retry.calls[0].request.content == '{"name":"Aygül"}'.encode()

    # Who may: listing needs a trainer (the service narrows it to the course's trainers), retrying an admin.
    learner = await gw.gql("{ autoIssueFailures { id } }", tok("l1", ["learner"]))
    assert learner["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    by_trainer = await gw.gql('mutation { retryAutoIssue(id: "f1") { id } }', trainer)
    assert by_trainer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert len(retry.calls) == 1


async def test_an_id_or_code_with_a_slash_is_bad_input_not_a_crash(gw: Harness, tok: Any) -> None:
    """Found by fuzzing: %2F is decoded before routing, so "x/" reached no route and answered UNAVAILABLE."""
    body = await gw.gql('{ verifyCertificate(code: "ïﲌ/") { valid } }')
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    body = await gw.gql('mutation { archiveCourse(id: "c1/publish") { id } }', tok("t1", ["trainer"]))
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    assert not gw.certificates.calls and not gw.courses.calls


async def test_draft_edits_send_only_what_changes(gw: Harness, tok: Any) -> None:
    lesson = {
        "id": "l1",
        "moduleId": "m1",
        "position": 1,
        "kind": "TEXT",
        "titles": [{"lang": "en", "text": "Fixed"}],
        "bodies": [],
        "durationMinutes": None,
        "required": True,
        "material": None,
        "quiz": None,
    }
    gw.courses.patch("/v1/lessons/l1").respond(json=lesson)
    gw.courses.delete("/v1/lessons/l1").respond(json=lesson)
    gw.courses.delete("/v1/modules/m1").respond(json={"id": "m1", "position": 1, "titles": [], "lessons": []})
    trainer = tok("trainer-1", ["trainer"])
    edited = await gw.gql(
        'mutation { updateLesson(id: "l1", input: {titles: [{lang: "en", text: "Fixed"}], clearMaterial: true})'
        " { id title titles { lang text } } }",
        trainer,
    )
    assert edited["data"]["updateLesson"] == {"id": "l1", "title": "Fixed", "titles": [{"lang": "en", "text": "Fixed"}]}
    # Only the fields given travel, and clearMaterial becomes the service's explicit null.
    assert json.loads(gw.courses.calls[-1].request.content) == {
        "titles": [{"lang": "en", "text": "Fixed"}],
        "materialId": None,
    }
    calls = len(gw.courses.calls)
    both = await gw.gql(
        'mutation { updateLesson(id: "l1", input: {materialId: "x", clearMaterial: true}) { id } }', trainer
    )
    assert both["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    empty = await gw.gql('mutation { updateLesson(id: "l1", input: {}) { id } }', trainer)
    assert empty["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert len(gw.courses.calls) == calls, "refused inputs never reach the service"
    assert (await gw.gql('mutation { deleteLesson(id: "l1") }', trainer))["data"] == {"deleteLesson": True}
    assert (await gw.gql('mutation { deleteModule(id: "m1") }', trainer))["data"] == {"deleteModule": True}
    learner = await gw.gql('mutation { deleteModule(id: "m1") }', tok("l1", ["learner"]))
    assert learner["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_malformed_date_time_argument_is_the_callers_error(gw: Harness, tok: Any) -> None:
    # Found by the fuzzer: the DateTime scalar's parse error used to be masked as UNAVAILABLE.
    admin = tok("admin-1", ["admin"])
    for literal in ('"p"', '""', "12"):
        answer = await gw.gql(f"{{ report(groupBy: [ORG], to: {literal}) {{ totals {{ enrolled }} }} }}", admin)
        codes = {e["extensions"]["code"] for e in answer["errors"]}
        assert codes == {"BAD_USER_INPUT"}, answer
    assert not gw.progress.calls, "a refused argument never reaches a service"
