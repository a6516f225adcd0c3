"""Malformed requests get a 4xx GraphQL error with a code (issue 13, findings 15 and 16), never a 500
or a bare text/plain line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from .fakes import Harness, make_harness

JSON = {"Content-Type": "application/json"}


def only_error(r: httpx.Response) -> dict[str, Any]:
    assert r.headers["content-type"].startswith(("application/json", "application/graphql-response+json"))
    body = r.json()
    assert set(body) == {"errors"}, body
    [error] = body["errors"]
    assert error["message"] and error["extensions"]["code"] == "BAD_USER_INPUT"
    return dict(error)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"null", "must be a JSON object"),
        (b'"x"', "must be a JSON object"),
        (b"42", "must be a JSON object"),
        (b"[]", "batching"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b'{"query": "{ viewer { id } }"\xff}', "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"{}", 'no "query"'),
        (b'{"query": 1}', "must be a string"),
        (b'{"query": "{ viewer { id } }", "variables": []}', "must be an object"),
    ],
)
async def test_a_malformed_body_is_a_400_with_a_code(gw: Harness, body: bytes, says: str) -> None:
    r = await gw.client.post("/graphql", content=body, headers=JSON)
    assert r.status_code == 400
    assert says in only_error(r)["message"]
    assert gw.upstream_requests() == 0


async def test_a_graphql_response_client_gets_its_media_type_on_protocol_errors(gw: Harness) -> None:
    accept = {"Accept": "application/graphql-response+json", **JSON}
    r = await gw.client.post("/graphql", content=b"null", headers=accept)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/graphql-response+json")
    only_error(r)


async def test_an_unsupported_content_type_is_a_400_with_a_code(gw: Harness) -> None:
    r = await gw.client.post("/graphql", content=b"{ viewer { id } }", headers={"Content-Type": "text/plain"})
    assert r.status_code == 400
    assert "application/json" in only_error(r)["message"]


async def test_a_mutation_over_get_is_a_405_that_allows_post(gw: Harness, tok: Any) -> None:
    r = await gw.client.get(
        "/graphql",
        params={"query": 'mutation { enroll(courseId: "c1") { id } }'},
        headers={"Authorization": f"Bearer {tok()}", "Accept": "application/json"},
    )
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"
    assert "only accepted over POST" in only_error(r)["message"]
    assert gw.upstream_requests() == 0


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_on_graphql_are_a_405_with_allow(gw: Harness, method: str) -> None:
    r = await gw.client.request(method, "/graphql", content=b"{}", headers=JSON)
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"
    assert "Allow header" in only_error(r)["message"]


@pytest.mark.parametrize("path", ["/verify/%00", "/verify/%ff", "/verify/%00%ff", "/verify/AB%C3", "/x%1b.js"])
async def test_a_web_address_with_invalid_characters_is_a_400(gw: Harness, path: str) -> None:
    r = await gw.client.get(path)
    assert r.status_code == 400
    assert r.json() == {"error": {"code": "BAD_USER_INPUT", "message": "The address contains invalid characters."}}


async def test_a_verify_address_with_a_real_code_still_serves_the_web_client(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>Kentbilim</title>")
    h = make_harness(web_dist=tmp_path)
    try:
        r = await h.client.get("/verify/KB-%C3%87AB12")  # percent-encoded UTF-8 (Ç) is fine
        assert r.status_code == 200 and "Kentbilim" in r.text
    finally:
        await h.aclose()


@pytest.mark.parametrize(
    ("method", "path", "allow"), [("POST", "/verify/AB12", "GET"), ("PUT", "/auth/dev-token", "POST")]
)
async def test_a_wrong_method_elsewhere_is_a_405_with_allow(gw: Harness, method: str, path: str, allow: str) -> None:
    r = await gw.client.request(method, path)
    assert r.status_code == 405
    assert r.headers["allow"] == allow
    assert r.json() == {"error": {"code": "BAD_USER_INPUT", "message": f"This address answers only {allow}."}}
