"""lms_shared.openapi documents the statuses a route really answers (issue 13, finding 16).

A real FastAPI app with the services' common edge: each refusal it answers (401, 403, 404, 409, 422)
is listed in its OpenAPI operation with the shared error body.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from lms_shared.auth import Role, TokenVerifier
from lms_shared.errors import Conflict, NotFound
from lms_shared.openapi import ErrorBody, document_error_statuses
from lms_shared.settings import Settings
from lms_shared.web import CurrentUser, OptionalUser, install_common
from tests.support.tokens import make_token

pytestmark = pytest.mark.unit

SECRET = "openapi-statuses-test-secret-long-enough-for-hs256"


class CourseCreate(BaseModel):
    title: str


def build() -> FastAPI:
    api = FastAPI()
    install_common(api, "test")
    document_error_statuses(api)
    api.state.verifier = TokenVerifier(Settings(jwt_secret=SECRET, env="test"))

    @api.post("/v1/courses/{course_id}/publish")
    async def publish(course_id: str, body: CourseCreate, user: CurrentUser) -> dict[str, Any]:
        user.require(Role.TRAINER)
        if course_id == "missing":
            raise NotFound("There is no course with id missing.")
        raise Conflict("This course is already archived.")

    @api.get("/v1/courses")
    async def search(user: OptionalUser, search: str = "") -> dict[str, Any]:
        return {"search": search}

    @api.get("/v1/public")
    async def public() -> dict[str, Any]:
        return {}

    return api


async def test_every_status_answered_is_documented_with_the_error_body() -> None:
    api = build()
    trainer = make_token(SECRET, sub="t1", name="T", roles=["trainer"])
    learner = make_token(SECRET, sub="l1", name="L", roles=["learner"])
    body = {"title": "Şəhər"}
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/v1/courses/c1/publish", {"json": body}),  # 401
        ("POST", "/v1/courses/c1/publish", {"json": body, "token": learner}),  # 403
        ("POST", "/v1/courses/missing/publish", {"json": body, "token": trainer}),  # 404
        ("POST", "/v1/courses/c1/publish", {"json": body, "token": trainer}),  # 409
        ("POST", "/v1/courses/c1/publish", {"json": {"title": 1}, "token": trainer}),  # 422
        ("GET", "/v1/courses", {"token": "not-a-token"}),  # 401
        ("GET", "/v1/courses?search=a%00b", {}),  # 422
    ]
    spec = api.openapi()
    seen: set[tuple[str, str, int]] = set()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://test") as client:
        for method, url, kw in calls:
            token = kw.pop("token", None)
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            r = await client.request(method, url, headers=headers, **kw)
            path = "/v1/courses/{course_id}/publish" if "publish" in url else "/v1/courses"
            documented = spec["paths"][path][method.lower()]["responses"]
            assert str(r.status_code) in documented, (method, url, r.status_code, sorted(documented))
            ErrorBody.model_validate(r.json())  # the documented body is the body sent
            seen.add((method, path, r.status_code))
    assert {s for _, _, s in seen} == {401, 403, 404, 409, 422}


def test_statuses_follow_what_the_route_is() -> None:
    paths = build().openapi()["paths"]
    assert sorted(paths["/v1/courses/{course_id}/publish"]["post"]["responses"]) == [
        "200", "401", "403", "404", "409", "422", "503",
    ]  # fmt: skip
    assert sorted(paths["/v1/courses"]["get"]["responses"]) == ["200", "401", "422", "503"]
    assert sorted(paths["/v1/public"]["get"]["responses"]) == ["200", "422", "503"]


def test_errors_refer_to_the_shared_body_not_fastapis_validation_model() -> None:
    spec = build().openapi()
    assert "ErrorBody" in spec["components"]["schemas"]
    assert "HTTPValidationError" not in str(spec)
    response = spec["paths"]["/v1/courses/{course_id}/publish"]["post"]["responses"]["422"]
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
