"""The services' common edge (lms_shared.web.install_common) on a real FastAPI app, in memory."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from lms_shared.web import install_common

pytestmark = pytest.mark.unit


class CourseCreate(BaseModel):
    title: str


def app() -> FastAPI:
    api = FastAPI()
    install_common(api, "test")

    @api.post("/v1/courses")
    async def create(body: CourseCreate) -> dict[str, Any]:
        return {"title": body.title}

    @api.get("/v1/courses")
    async def search(search: str = "") -> dict[str, Any]:
        return {"search": search}

    return api


async def call(method: str, url: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://test") as client:
        return await client.request(method, url, **kwargs)


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/v1/courses?search=a%00b", None),
        ("POST", "/v1/courses", b'{"title": "a\\u0000b"}'),
        ("POST", "/v1/courses", b'{"title": "ring\\u0007"}'),
    ],
)
async def test_a_control_character_is_a_clear_422_not_a_500(method: str, url: str, body: bytes | None) -> None:
    r = await call(method, url, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "BAD_USER_INPUT" and "U+0000" in r.json()["error"]["message"]
    assert r.headers.get("x-request-id"), "refused requests are still traced by request id"


async def test_text_in_every_script_reaches_the_handler_unchanged() -> None:
    title = "Şəhər idarəçiliyi — Қала басқаруы\nOʻzbek"
    r = await call("POST", "/v1/courses", json={"title": title})
    assert r.status_code == 200 and r.json() == {"title": title}
    r = await call("GET", "/v1/courses", params={"search": "şəhər"})
    assert r.json() == {"search": "şəhər"}


@pytest.mark.parametrize("body", [b"null", b"[]", b"", b"{not json", b'"a string"'])
async def test_a_malformed_body_is_a_422_with_a_message(body: bytes) -> None:
    r = await call("POST", "/v1/courses", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "BAD_USER_INPUT" and r.json()["error"]["message"]


async def test_a_route_that_checks_its_rows_itself_gets_the_body_unrefused() -> None:
    """A bulk list refuses only its bad row (with the row number); the edge leaves its body alone."""
    api = FastAPI()
    install_common(api, "test", own_text_checks=frozenset({"/v1/bulk-jobs"}))

    @api.post("/v1/bulk-jobs")
    async def bulk(body: CourseCreate) -> dict[str, Any]:
        return {"title": body.title}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://test") as client:
        json_type = {"content-type": "application/json"}
        inside = await client.post("/v1/bulk-jobs", content=b'{"title": "a\\u0000b"}', headers=json_type)
        query = await client.post("/v1/bulk-jobs?x=%00", content=b'{"title": "ok"}', headers=json_type)
    assert inside.status_code == 200 and inside.json() == {"title": "a\x00b"}
    assert query.status_code == 422, "the path and the query are still checked"
