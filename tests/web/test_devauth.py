"""The sign-in endpoints the web client uses: demo tokens outside production, OIDC configuration."""

from __future__ import annotations

from pathlib import Path

import httpx
import jwt
import pytest
from fastapi import FastAPI

from gateway import devauth
from lms_shared.auth import Role, TokenVerifier
from lms_shared.settings import Settings, get_settings

pytestmark = pytest.mark.unit

SECRET = "unit-test-secret-that-is-long-enough-for-hs256"
DEMO = {
    "sub": "learner-baku",
    "name": "Rəşad Əliyev",
    "roles": ["learner"],
    "org": "az",
    "municipality": "Baku",
    "locale": "az",
}


def _app(settings: Settings) -> FastAPI:
    app = FastAPI()
    app.include_router(devauth.router)
    app.dependency_overrides[get_settings] = lambda: settings
    return app


@pytest.fixture
def no_oidc(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LMS_OIDC_ISSUER", "LMS_OIDC_CLIENT_ID", "LMS_OIDC_SCOPES"):
        monkeypatch.delenv(name, raising=False)


def _client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(settings)), base_url="http://gateway")


@pytest.mark.usefixtures("no_oidc")
async def test_dev_token_is_accepted_by_the_suites_verifier() -> None:
    settings = Settings(env="development", jwt_secret=SECRET)
    async with _client(settings) as client:
        r = await client.post("/auth/dev-token", json=DEMO)
    assert r.status_code == 200, r.text
    principal = await TokenVerifier(settings).verify(r.json()["token"])
    assert principal.sub == "learner-baku"
    assert principal.name == "Rəşad Əliyev"
    assert principal.roles == frozenset({Role.LEARNER})
    assert (principal.org, principal.municipality, principal.locale) == ("AZ", "Baku", "az")


@pytest.mark.usefixtures("no_oidc")
async def test_dev_token_expires() -> None:
    settings = Settings(env="test", jwt_secret=SECRET)
    async with _client(settings) as client:
        r = await client.post("/auth/dev-token", json={**DEMO, "roles": ["trainer", "ADMIN"]})
    claims = jwt.decode(r.json()["token"], SECRET, algorithms=["HS256"])
    assert claims["roles"] == ["admin", "trainer"]
    assert 0 < claims["exp"] - claims["iat"] <= devauth.DEV_TOKEN_TTL_SECONDS


@pytest.mark.usefixtures("no_oidc")
async def test_dev_token_does_not_exist_in_production() -> None:
    settings = Settings(env="production", jwt_secret=SECRET)
    async with _client(settings) as client:
        r = await client.post("/auth/dev-token", json=DEMO)
    assert r.status_code == 404
    assert "token" not in r.text


async def test_dev_token_refused_when_an_identity_provider_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMS_OIDC_ISSUER", "https://id.example.org/realms/kentbilim")
    settings = Settings(env="development", jwt_secret=SECRET)
    async with _client(settings) as client:
        r = await client.post("/auth/dev-token", json=DEMO)
    assert r.status_code == 404


@pytest.mark.usefixtures("no_oidc")
@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"roles": ["superuser"]}, "unknown role"),
        ({"roles": []}, "roles"),
        ({"name": "   "}, "blank"),
        ({"org": "Azerbaijan"}, "two-letter"),
        ({"locale": "de"}, "use one of"),
    ],
)
async def test_dev_token_explains_bad_input(change: dict[str, object], complaint: str) -> None:
    settings = Settings(env="development", jwt_secret=SECRET)
    async with _client(settings) as client:
        r = await client.post("/auth/dev-token", json={**DEMO, **change})
    assert r.status_code == 422
    assert complaint in r.text


@pytest.mark.usefixtures("no_oidc")
async def test_dev_token_without_a_secret_is_unavailable(tmp_path: Path) -> None:
    settings = Settings(env="development", jwt_secret="", data_dir=tmp_path)
    async with _client(settings) as client:
        r = await client.post("/auth/dev-token", json=DEMO)
    assert r.status_code == 503
    assert "LMS_JWT_SECRET" in r.text


@pytest.mark.usefixtures("no_oidc")
async def test_config_in_development_offers_the_demo_sign_in() -> None:
    async with _client(Settings(env="development", jwt_secret=SECRET)) as client:
        r = await client.get("/auth/config")
    assert r.json()["mode"] == "development"


async def test_config_with_an_issuer_asks_for_oidc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMS_OIDC_ISSUER", "https://id.example.org/realms/kentbilim")
    monkeypatch.setenv("LMS_OIDC_CLIENT_ID", "kentbilim-web")
    monkeypatch.delenv("LMS_OIDC_SCOPES", raising=False)
    async with _client(Settings(env="production")) as client:
        r = await client.get("/auth/config")
    assert r.json() == {
        "mode": "oidc",
        "issuer": "https://id.example.org/realms/kentbilim",
        "clientId": "kentbilim-web",
        "scopes": "openid profile email",
    }


@pytest.mark.usefixtures("no_oidc")
async def test_config_in_production_without_an_issuer_says_what_to_set() -> None:
    async with _client(Settings(env="production")) as client:
        r = await client.get("/auth/config")
    assert r.status_code == 503
    assert "LMS_OIDC_ISSUER" in r.text
