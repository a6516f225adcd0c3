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


def _client(settings: Settings, client_ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=_app(settings), client=(client_ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway")


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
        ({"roles": ["country_admin"], "org": None}, "country_admin needs org"),
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


# --- fail closed outside production (issue 13, finding 6) --------------------------------------------


@pytest.mark.usefixtures("no_oidc")
@pytest.mark.parametrize("client_ip", ["127.0.0.1", "::1"])
async def test_dev_token_is_offered_to_a_loopback_caller_of_a_loopback_gateway(client_ip: str) -> None:
    for host in ("127.0.0.1", "::1"):
        async with _client(Settings(env="development", jwt_secret=SECRET, host=host), client_ip) as client:
            r = await client.post("/auth/dev-token", json=DEMO)
            assert r.status_code == 200, (host, r.text)
            assert (await client.get("/auth/config")).json()["mode"] == "development"


@pytest.mark.usefixtures("no_oidc")
async def test_dev_token_is_refused_to_a_caller_from_the_network() -> None:
    async with _client(Settings(env="development", jwt_secret=SECRET), "203.0.113.7") as client:
        r = await client.post("/auth/dev-token", json={**DEMO, "roles": ["admin"]})
        assert r.status_code == 403
        assert "token" not in r.json() and "LMS_DEV_SIGNIN" in r.text
        config = await client.get("/auth/config")
        assert config.status_code == 503 and "LMS_DEV_SIGNIN" in config.text


@pytest.mark.usefixtures("no_oidc")
async def test_dev_token_is_refused_when_the_gateway_listens_on_the_network() -> None:
    # Bound to every interface (a container, a VM), a loopback peer may be a port forward or a proxy.
    async with _client(Settings(env="development", jwt_secret=SECRET, host="0.0.0.0")) as client:
        r = await client.post("/auth/dev-token", json=DEMO)
    assert r.status_code == 403


@pytest.mark.usefixtures("no_oidc")
@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
async def test_dev_token_is_refused_through_a_reverse_proxy_on_the_same_machine(header: str) -> None:
    async with _client(Settings(env="development", jwt_secret=SECRET)) as client:
        r = await client.post("/auth/dev-token", json=DEMO, headers={header: "203.0.113.7"})
    assert r.status_code == 403


@pytest.mark.usefixtures("no_oidc")
async def test_the_explicit_flag_opens_the_dev_sign_in_to_the_network_but_never_in_production() -> None:
    opened = Settings(env="development", jwt_secret=SECRET, host="0.0.0.0", dev_signin=True)
    async with _client(opened, "203.0.113.7") as client:
        assert (await client.post("/auth/dev-token", json=DEMO)).status_code == 200
    production = Settings(env="production", jwt_secret=SECRET, dev_signin=True)
    async with _client(production) as client:
        assert (await client.post("/auth/dev-token", json=DEMO)).status_code == 404


@pytest.mark.usefixtures("no_oidc")
async def test_dev_token_refuses_to_sign_with_a_short_secret() -> None:
    async with _client(Settings(env="development", jwt_secret="change-me")) as client:
        r = await client.post("/auth/dev-token", json=DEMO)
    assert r.status_code == 503 and "32 bytes" in r.text
