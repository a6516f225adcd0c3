"""searchCertificates (issue 18, item 4): the gateway's part. Who may ask, what reaches the service, and
the connection it answers with. The search itself is the certificates service's (its own tests)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.graphql import error_codes

from .fakes import Harness
from .samples import sample_certificate

SEARCH = """query($code: String, $name: String, $c: ID, $s: CertificateStatus, $f: Int, $a: String) {
  searchCertificates(code: $code, name: $name, courseId: $c, status: $s, first: $f, after: $a) {
    totalCount pageInfo { endCursor hasNextPage } nodes { id code courseId }
  }
}"""


def _answer(*ids: str, more: bool = False) -> dict[str, Any]:
    return {
        "nodes": [sample_certificate(i, "c2") for i in ids],
        "totalCount": 3,
        "pageInfo": {"endCursor": "opaque" if more else None, "hasNextPage": more},
    }


async def test_filters_and_paging_pass_to_the_service_and_the_connection_comes_back(gw: Harness, tok: Any) -> None:
    route = gw.certificates.get("/v1/certificates/search").respond(json=_answer("x1", "x2", more=True))
    body = await gw.gql(
        SEARCH, tok("a1", ["admin"]), code="kb 7qx4", name="Əliyev", c="c2", s="REVOKED", f=2, a="cursor-1"
    )
    assert "errors" not in body, body
    page = body["data"]["searchCertificates"]
    assert [n["id"] for n in page["nodes"]] == ["x1", "x2"] and page["totalCount"] == 3
    assert page["pageInfo"] == {"endCursor": "opaque", "hasNextPage": True}
    sent = dict(route.calls.last.request.url.params)
    assert sent == {
        "code": "kb 7qx4",
        "name": "Əliyev",
        "courseId": "c2",
        "status": "REVOKED",
        "first": "2",
        "after": "cursor-1",
    }
    assert route.calls.last.request.headers["authorization"].startswith("Bearer ")


async def test_a_country_admin_asks_the_service_which_applies_the_state(gw: Harness, tok: Any) -> None:
    route = gw.certificates.get("/v1/certificates/search").respond(json=_answer("x1"))
    body = await gw.gql(SEARCH, tok("ca", ["country_admin"], org="AZ"))
    assert "errors" not in body, body
    assert dict(route.calls.last.request.url.params) == {"first": "50"}  # the contract's default page


@pytest.mark.parametrize("roles", [["learner"], ["trainer"]])
async def test_learners_and_trainers_are_refused_before_any_service_call(
    gw: Harness, tok: Any, roles: list[str]
) -> None:
    body = await gw.gql(SEARCH, tok("u1", roles), name="x")
    assert error_codes(body) == {"FORBIDDEN"} and gw.upstream_requests() == 0


async def test_anonymous_is_unauthenticated(gw: Harness) -> None:
    body = await gw.gql(SEARCH, None, name="x")
    assert error_codes(body) == {"UNAUTHENTICATED"} and gw.upstream_requests() == 0


@pytest.mark.parametrize("args", [{"f": 0}, {"f": 201}, {"name": "x" * 201}])
async def test_bad_sizes_are_refused_with_a_clear_error(gw: Harness, tok: Any, args: dict[str, Any]) -> None:
    body = await gw.gql(SEARCH, tok("a1", ["admin"]), **args)
    assert error_codes(body) == {"BAD_USER_INPUT"} and gw.upstream_requests() == 0
