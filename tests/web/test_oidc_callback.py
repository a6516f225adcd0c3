"""``GET /auth/callback``: the OIDC redirect URI is a web-client page served under the API's /auth prefix."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gateway import devauth

pytestmark = pytest.mark.unit


def _client() -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(devauth.router)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")


async def test_callback_serves_the_web_client_without_caching(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "index.html"
    index.write_text('<!doctype html><div id="app"></div>')
    monkeypatch.setattr(devauth, "WEB_INDEX", index)
    async with _client() as client:
        r = await client.get("/auth/callback", params={"code": "one-time", "state": "abc"})
    assert r.status_code == 200
    assert '<div id="app">' in r.text
    # The URL holds a one-time code: neither caches nor the Referer of the next request may keep it.
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["referrer-policy"] == "no-referrer"


async def test_callback_without_a_built_client_says_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devauth, "WEB_INDEX", tmp_path / "missing" / "index.html")
    async with _client() as client:
        r = await client.get("/auth/callback")
    assert r.status_code == 404
    assert "npm run build" in r.json()["error"]["message"]
