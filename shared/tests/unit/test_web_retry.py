"""Reads that met a broken pooled database connection are run once more (lms_shared.web)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError, OperationalError

from lms_shared.web import install_common

pytestmark = pytest.mark.unit


def broken() -> DBAPIError:
    return DBAPIError("SELECT 1", {}, ConnectionResetError("connection was closed"), connection_invalidated=True)


def app_failing(times: int, error: Any) -> tuple[FastAPI, list[str]]:
    api = FastAPI()
    install_common(api, "test")
    calls: list[str] = []

    @api.get("/v1/thing")
    async def read() -> dict[str, int]:
        calls.append("GET")
        if len(calls) <= times:
            raise error()
        return {"calls": len(calls)}

    @api.post("/v1/thing")
    async def write(body: dict[str, Any]) -> dict[str, Any]:
        calls.append("POST")
        if len(calls) <= times:
            raise error()
        return body

    return api, calls


async def call(api: FastAPI, method: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, "/v1/thing", **kwargs)


async def test_a_read_on_a_broken_connection_is_answered_by_its_second_run() -> None:
    api, calls = app_failing(1, broken)
    response = await call(api, "GET")
    assert (response.status_code, response.json(), calls) == (200, {"calls": 2}, ["GET", "GET"])


async def test_a_second_broken_connection_is_an_error_not_a_loop() -> None:
    api, calls = app_failing(5, broken)
    response = await call(api, "GET")
    assert (response.status_code, response.json()["error"]["code"], calls) == (500, "UNAVAILABLE", ["GET", "GET"])


async def test_writes_are_never_run_twice() -> None:
    api, calls = app_failing(1, broken)
    response = await call(api, "POST", json={"a": 1})
    assert (response.status_code, calls) == (500, ["POST"])


async def test_other_database_errors_are_not_retried() -> None:
    api, calls = app_failing(1, lambda: OperationalError("SELECT 1", {}, TimeoutError("statement timeout")))
    response = await call(api, "GET")
    assert (response.status_code, calls) == (500, ["GET"])
