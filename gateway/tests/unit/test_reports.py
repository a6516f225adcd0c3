"""National reports and the learner directory in the gateway (issue 14): role checks before any
upstream call, the query the progress service gets, and the CSV link route."""

from __future__ import annotations

from typing import Any

import httpx

from .fakes import Harness

REPORT = """query($o:String){ report(groupBy:[ORG, MONTH], org:$o, from:"2026-01-15T00:00:00Z"){
  rows { org month enrolled learners } totals { enrolled learners } } }"""
LEARNERS = """query($o:String){ learners(org:$o, search:"İlkin", first:10){ totalCount nodes { id name } } }"""
ROW = {
    "org": "AZ",
    "municipality": None,
    "courseId": None,
    "courseTitle": None,
    "month": "2026-01",
    "enrolled": 3,
    "completed": 1,
    "certificates": 1,
    "learners": 2,
}


async def gql(gw: Harness, token: str, query: str, **variables: Any) -> dict[str, Any]:
    r = await gw.client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
    )
    body: dict[str, Any] = r.json()
    return body


def codes(body: dict[str, Any]) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors") or []}


async def test_report_is_refused_in_the_gateway_before_any_call(gw: Harness, tok: Any) -> None:
    route = gw.progress.get("/v1/reports/national").respond(json={"groupBy": [], "rows": [], "totals": ROW})
    for token, org in (
        (tok("ca", ["country_admin"], org="AZ"), "KZ"),
        (tok("t", ["trainer"]), "AZ"),
        (tok("l", ["learner"], org="AZ"), None),
    ):
        assert codes(await gql(gw, token, REPORT, o=org)) == {"FORBIDDEN"}
    assert not route.called


async def test_report_passes_the_query_on_and_answers_the_rows(gw: Harness, tok: Any) -> None:
    route = gw.progress.get("/v1/reports/national").respond(
        json={"groupBy": ["ORG", "MONTH"], "rows": [ROW], "totals": ROW}
    )
    body = await gql(gw, tok("ca", ["country_admin"], org="AZ", locale="az"), REPORT, o="AZ")
    assert body.get("errors") is None, body
    assert body["data"]["report"]["rows"] == [{"org": "AZ", "month": "2026-01", "enrolled": 3, "learners": 2}]
    params = dict(route.calls.last.request.url.params)
    assert params["groupBy"] == "ORG,MONTH" and params["org"] == "AZ" and params["lang"] == "az"
    assert params["from"].startswith("2026-01-15T00:00:00")


async def test_learners_are_for_trainers_country_admins_and_admins(gw: Harness, tok: Any) -> None:
    page = {
        "nodes": [
            {
                "id": "u1",
                "name": "İlkin Məmmədov",
                "org": "AZ",
                "municipality": None,
                "lastActiveAt": None,
                "enrollments": [],
                "certificateIds": [],
            }
        ],
        "pageInfo": {"endCursor": "x", "hasNextPage": False},
        "totalCount": 1,
    }
    route = gw.progress.get("/v1/learners").respond(json=page)
    assert codes(await gql(gw, tok("l", ["learner"]), LEARNERS, o=None)) == {"FORBIDDEN"}
    assert codes(await gql(gw, tok("ca", ["country_admin"], org="AZ"), LEARNERS, o="KZ")) == {"FORBIDDEN"}
    assert not route.called
    body = await gql(gw, tok("t", ["trainer"]), LEARNERS, o="AZ")
    assert body["data"]["learners"] == {"totalCount": 1, "nodes": [{"id": "u1", "name": "İlkin Məmmədov"}]}
    assert dict(route.calls.last.request.url.params) == {"first": "10", "org": "AZ", "search": "İlkin"}


async def test_the_csv_link_is_proxied_and_a_malformed_one_never_leaves_the_gateway(gw: Harness) -> None:
    token = "A" * 43
    route = gw.progress.get(f"/v1/reports/national/exports/{token}.csv").respond(
        200,
        content="\ufefforg,municipality\r\n".encode(),
        headers={"content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="x.csv"'},
    )
    r = await gw.client.get(f"/exports/{token}.csv")
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    assert r.headers["cache-control"] == "no-store" and "attachment" in r.headers["content-disposition"]
    for bad in ("short", "A" * 42 + "!", "A" * 44):
        assert (await gw.client.get(f"/exports/{bad}.csv")).status_code == 404
    assert route.call_count == 1
    gw.progress.get(f"/v1/reports/national/exports/{'B' * 43}.csv").mock(side_effect=httpx.ConnectError)
    assert (await gw.client.get(f"/exports/{'B' * 43}.csv")).status_code == 503
