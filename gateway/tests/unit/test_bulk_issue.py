"""Bulk issuance additions: CSV input, the dry run, and every row's outcome (contract: /tmp/kb/BULK.md)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from graphql import parse

from gateway.idempotency import only_dry_runs
from tests.support.graphql import error_codes

from .fakes import Harness

CSV = (
    "name;email;org\n"
    "Rəşad Əliyev;r@example.az;AZ\n"
    "Rəşad Əliyev;r@example.az;AZ\n"
    ";x@example.az;AZ\n"
    "Aida;a@example.az;ZZ\n"
)

START = """mutation($i: BulkIssueInput!, $d: Boolean, $o: BulkRowOutcome, $f: Int, $a: String) {
  startBulkIssue(input: $i, dryRun: $d) {
    id dryRun status total issued skipped refused failed failures { recipient reason }
    rows(outcome: $o, first: $f, after: $a) {
      totalCount pageInfo { endCursor hasNextPage }
      nodes { row name learnerId email org municipality outcome reasonCode reason certificateCode }
    }
  }
}"""


def _row(n: int | None, name: str, outcome: str, code: str | None = None, reason: str | None = None) -> dict[str, Any]:
    return {
        "row": n,
        "name": name,
        "learnerId": None,
        "email": f"{name[:1].lower()}@example.az" if name else "x@example.az",
        "org": "AZ",
        "municipality": None,
        "outcome": outcome,
        "reasonCode": code,
        "reason": reason,
        "certificateCode": None,
    }


DRY_ROWS = [
    _row(1, "Rəşad Əliyev", "ISSUED"),
    _row(2, "Rəşad Əliyev", "SKIPPED", "DUPLICATE_IN_INPUT", "Row 1 already names this recipient."),
    _row(3, "", "REFUSED", "MISSING_NAME", "The name is empty."),
    _row(4, "Aida", "REFUSED", "UNKNOWN_ORG", "ZZ is not a member state code."),
]


def _job(**over: Any) -> dict[str, Any]:
    job = {
        "id": "j1",
        "courseId": "c1",
        "status": "QUEUED",
        "total": 4,
        "issued": 0,
        "skipped": 0,
        "refused": 2,
        "failed": 0,
        "createdAt": "2026-12-01T10:00:00+00:00",
        "finishedAt": None,
        "failures": [],
        "dryRun": False,
    }
    return job | over


def _dry_run_answer() -> dict[str, Any]:
    failures = [{"recipient": r["name"], "reason": r["reason"]} for r in DRY_ROWS if r["outcome"] != "ISSUED"]
    return _job(id="dry-run", dryRun=True, issued=1, skipped=1, failures=failures, rows=DRY_ROWS)


async def test_a_dry_run_answers_every_row_from_one_call_and_stores_nothing(gw: Harness, tok: Any) -> None:
    route = gw.certificates.post("/v1/bulk-jobs").respond(200, json=_dry_run_answer())
    body = await gw.gql(START, tok("a1", ["admin"]), i={"courseId": "c1", "csv": CSV}, d=True)
    assert "errors" not in body, body
    job = body["data"]["startBulkIssue"]
    assert (job["id"], job["dryRun"], job["issued"], job["skipped"], job["refused"]) == ("dry-run", True, 1, 1, 2)
    assert job["rows"]["totalCount"] == 4
    assert [(r["row"], r["outcome"], r["reasonCode"]) for r in job["rows"]["nodes"]] == [
        (1, "ISSUED", None),
        (2, "SKIPPED", "DUPLICATE_IN_INPUT"),
        (3, "REFUSED", "MISSING_NAME"),
        (4, "REFUSED", "UNKNOWN_ORG"),
    ]
    assert job["rows"]["pageInfo"] == {"endCursor": "4", "hasNextPage": False}
    # The raw CSV goes to the service, which owns every rule; rows come from the same answer.
    assert len(gw.certificates.calls) == 1
    sent = route.calls.last.request
    assert sent.url.params["dryRun"] == "true"
    assert json.loads(sent.content) == {"courseId": "c1", "allEligible": False, "csv": CSV}


async def test_a_dry_runs_rows_filter_by_outcome_and_page(gw: Harness, tok: Any) -> None:
    gw.certificates.post("/v1/bulk-jobs").respond(200, json=_dry_run_answer())
    admin = tok("a1", ["admin"])
    first = await gw.gql(START, admin, i={"courseId": "c1", "csv": CSV}, d=True, o="REFUSED", f=1)
    page = first["data"]["startBulkIssue"]["rows"]
    assert page["totalCount"] == 2
    assert [r["reasonCode"] for r in page["nodes"]] == ["MISSING_NAME"]
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    second = await gw.gql(START, admin, i={"courseId": "c1", "csv": CSV}, d=True, o="REFUSED", f=1, a=after)
    page = second["data"]["startBulkIssue"]["rows"]
    assert [r["reasonCode"] for r in page["nodes"]] == ["UNKNOWN_ORG"]
    assert page["pageInfo"]["hasNextPage"] is False
    bad = await gw.gql(START, admin, i={"courseId": "c1", "csv": CSV}, d=True, a="not-a-cursor")
    assert error_codes(bad) == {"BAD_USER_INPUT"}


async def test_a_stored_jobs_rows_come_from_the_rows_endpoint(gw: Harness, tok: Any) -> None:
    start = gw.certificates.post("/v1/bulk-jobs").respond(201, json=_job())
    rows = gw.certificates.get("/v1/bulk-jobs/j1/rows").respond(
        json={"nodes": DRY_ROWS[2:3], "totalCount": 2, "endCursor": "opaque-1", "hasNextPage": True}
    )
    recipients = [{"name": "Rəşad Əliyev", "org": "AZ"}, {"name": ""}]
    body = await gw.gql(START, tok("a1", ["admin"]), i={"courseId": "c1", "recipients": recipients}, o="REFUSED", f=1)
    assert "errors" not in body, body
    job = body["data"]["startBulkIssue"]
    assert (job["id"], job["dryRun"], job["refused"]) == ("j1", False, 2)
    assert job["rows"] == {
        "totalCount": 2,
        "pageInfo": {"endCursor": "opaque-1", "hasNextPage": True},
        "nodes": [DRY_ROWS[2]],
    }
    assert "dryRun" not in start.calls.last.request.url.params
    assert json.loads(start.calls.last.request.content)["recipients"] == [
        {"name": "Rəşad Əliyev", "org": "AZ"},
        {"name": ""},
    ]
    params = rows.calls.last.request.url.params
    assert (params["outcome"], params["first"], "after" in params) == ("REFUSED", "1", False)

    gw.certificates.get("/v1/bulk-jobs/j1").respond(json=_job())
    listed = await gw.gql(
        '{ bulkIssueJob(id: "j1") { rows(after: "opaque-1") { nodes { name } } } }', tok("a1", ["admin"])
    )
    assert listed["data"]["bulkIssueJob"]["rows"]["nodes"] == [{"name": ""}]
    params = rows.calls.last.request.url.params
    assert (params["after"], params["first"], "outcome" in params) == ("opaque-1", "100", False)
    assert rows.calls.last.request.headers["authorization"].startswith("Bearer ")


async def test_only_admins_may_dry_run_and_nothing_reaches_the_service(gw: Harness, tok: Any) -> None:
    for token, code in ((None, "UNAUTHENTICATED"), (tok("t1", ["trainer"]), "FORBIDDEN")):
        body = await gw.gql(START, token, i={"courseId": "c1", "csv": CSV}, d=True)
        assert error_codes(body) == {code}
    assert gw.upstream_requests() == 0


async def test_input_without_recipients_and_the_services_refusals(gw: Harness, tok: Any) -> None:
    admin = tok("a1", ["admin"])
    body = await gw.gql(START, admin, i={"courseId": "c1"}, d=True)
    assert error_codes(body) == {"BAD_USER_INPUT"} and "csv" in body["errors"][0]["message"]
    assert gw.upstream_requests() == 0
    message = "The CSV has no name column; it has the columns: mail, land."
    gw.certificates.post("/v1/bulk-jobs").respond(422, json={"error": {"code": "BAD_USER_INPUT", "message": message}})
    body = await gw.gql(START, admin, i={"courseId": "c1", "csv": "mail,land\nx@example.az,AZ\n"}, d=True)
    assert error_codes(body) == {"BAD_USER_INPUT"}
    assert body["errors"][0]["message"] == message
    gw.certificates.post("/v1/bulk-jobs").respond(200, json=_dry_run_answer())
    body = await gw.gql(START, admin, i={"courseId": "c1", "csv": CSV}, d=True, f=1001)
    assert error_codes(body) == {"BAD_USER_INPUT"} and "between 1 and 1000" in body["errors"][0]["message"]


async def _start(gw: Harness, token: str, key: str, dry_run: bool) -> dict[str, Any]:
    r = await gw.graphql.post(
        "mutation($i: BulkIssueInput!, $d: Boolean) { startBulkIssue(input: $i, dryRun: $d) { id issued } }",
        token=token,
        headers={"Idempotency-Key": key},
        i={"courseId": "c1", "csv": CSV},
        d=dry_run,
    )
    body: dict[str, Any] = r.json()
    return body


async def test_a_dry_run_is_never_replayed_from_the_idempotency_store(gw: Harness, tok: Any) -> None:
    answers = iter([_dry_run_answer() | {"issued": n} for n in (1, 2)])
    dry = gw.certificates.post("/v1/bulk-jobs", params={"dryRun": "true"}).mock(
        side_effect=lambda r: httpx.Response(200, json=next(answers))
    )
    admin = tok("a1", ["admin"])
    first, again = await _start(gw, admin, "k-dry", True), await _start(gw, admin, "k-dry", True)
    assert [b["data"]["startBulkIssue"]["issued"] for b in (first, again)] == [1, 2]
    assert len(dry.calls) == 2, "each dry run asks the service: the answer reflects the current state"

    real = gw.certificates.post("/v1/bulk-jobs").respond(201, json=_job())
    first, again = await _start(gw, admin, "k-real", False), await _start(gw, admin, "k-real", False)
    assert first == again and first["data"]["startBulkIssue"]["id"] == "j1"
    assert len(real.calls) == 1, "a real start is replayed, never run twice"


DEFAULT_TRUE = 'mutation($d: Boolean = true) { startBulkIssue(input: {courseId: "c1"}, dryRun: $d) { id } }'


@pytest.mark.parametrize(
    ("document", "variables", "dry"),
    [
        ('mutation { startBulkIssue(input: {courseId: "c1"}, dryRun: true) { id } }', {}, True),
        ('mutation { startBulkIssue(input: {courseId: "c1"}, dryRun: false) { id } }', {}, False),
        ('mutation { startBulkIssue(input: {courseId: "c1"}) { id } }', {}, False),
        ('mutation($d: Boolean) { startBulkIssue(input: {courseId: "c1"}, dryRun: $d) { id } }', {"d": True}, True),
        ('mutation($d: Boolean = true) { startBulkIssue(input: {courseId: "c1"}, dryRun: $d) { id } }', {}, True),
        (
            'mutation($d: Boolean = true) { startBulkIssue(input: {courseId: "c1"}, dryRun: $d) { id } }',
            {"d": False},
            False,
        ),
        (
            'mutation { startBulkIssue(input: {courseId: "c1"}, dryRun: true) { id } enroll(courseId: "c1") { id } }',
            {},
            False,
        ),
    ],
    ids=["literal", "false", "absent", "variable", "default", "variable-false", "mixed"],
)
def test_what_counts_as_a_dry_run(document: str, variables: dict[str, Any], dry: bool) -> None:
    ec = SimpleNamespace(graphql_document=parse(document), operation_name=None, variables=variables)
    assert only_dry_runs(ec) is dry
