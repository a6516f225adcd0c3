"""Sign-in settings fail closed (issue 13, finding 6): a process whose token settings would accept
forgeable tokens refuses to start, in the gateway and in every service (each verifies tokens itself).

Production needs a JWKS (https, or loopback for tests), an issuer and an audience, and refuses any
HS256 secret; everywhere an HS256 secret is at least 32 bytes and the algorithm list is asymmetric.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.app import create_app
from gateway.config import GatewaySettings
from lms_shared.auth import MIN_SECRET_BYTES, AuthSettingsError, TokenVerifier
from lms_shared.errors import Unauthenticated
from lms_shared.settings import Settings

from .fakes import SECRET

ROOT = Path(__file__).resolve().parents[3]
JWKS = "https://sso.example.org/realms/kentbilim/protocol/openid-connect/certs"
ISSUER = "https://sso.example.org/realms/kentbilim"
PRODUCTION: dict[str, Any] = {
    "env": "production",
    "jwt_secret": "",
    "jwt_jwks_url": JWKS,
    "jwt_issuer": ISSUER,
    "jwt_audience": "kentbilim",
}


def _refusal(**settings: Any) -> str:
    with pytest.raises(AuthSettingsError) as caught:
        TokenVerifier(Settings(**settings))
    return str(caught.value)


def test_a_complete_production_configuration_starts() -> None:
    TokenVerifier(Settings(**PRODUCTION))


@pytest.mark.parametrize("missing", ["jwt_jwks_url", "jwt_issuer", "jwt_audience"])
def test_production_refuses_to_start_without_jwks_issuer_or_audience(missing: str) -> None:
    message = _refusal(**{**PRODUCTION, missing: ""})
    assert f"LMS_{missing.upper()} is required in production" in message


def test_production_refuses_an_hs256_secret_even_next_to_a_jwks() -> None:
    message = _refusal(**{**PRODUCTION, "jwt_secret": SECRET})
    assert "LMS_JWT_SECRET must be empty in production" in message


def test_production_refuses_a_jwks_fetched_in_clear_text() -> None:
    message = _refusal(**{**PRODUCTION, "jwt_jwks_url": "http://sso.example.org/certs"})
    assert "https" in message
    # A provider on this machine (the browser tests' fake one) is not on the network path.
    TokenVerifier(Settings(**{**PRODUCTION, "jwt_jwks_url": "http://127.0.0.1:9/jwks"}))


@pytest.mark.parametrize("algorithms", ["HS256", "RS256,HS256", "none", "RS256,none"])
@pytest.mark.parametrize("env", ["production", "development"])
def test_symmetric_or_none_algorithms_for_the_jwks_are_refused(algorithms: str, env: str) -> None:
    message = _refusal(**{**PRODUCTION, "env": env, "jwt_algorithms": algorithms})
    assert "LMS_JWT_ALGORITHMS may name only" in message


@pytest.mark.parametrize("env", ["development", "test"])
def test_short_hs256_secrets_are_refused(env: str) -> None:
    message = _refusal(env=env, jwt_secret="x" * (MIN_SECRET_BYTES - 1))
    assert f"at least {MIN_SECRET_BYTES} bytes" in message
    TokenVerifier(Settings(env=env, jwt_secret="x" * MIN_SECRET_BYTES))


def test_a_short_secret_in_the_data_folder_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text('{"LMS_JWT_SECRET": "change-me"}')
    message = _refusal(env="development", jwt_secret="", data_dir=tmp_path)
    assert f"at least {MIN_SECRET_BYTES} bytes" in message


async def test_production_checks_issuer_and_audience_on_every_token(monkeypatch: pytest.MonkeyPatch) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    verifier = TokenVerifier(Settings(**PRODUCTION))

    class _Key:
        def __init__(self) -> None:
            self.key = key.public_key()

    monkeypatch.setattr(verifier._jwks, "get_signing_key_from_jwt", lambda _token: _Key())
    claims = {"sub": "u1", "exp": int(time.time()) + 60, "iss": ISSUER, "aud": "kentbilim"}
    assert (await verifier.verify(jwt.encode(claims, key, "RS256"))).sub == "u1"
    for drop in ("iss", "aud"):
        partial = {k: v for k, v in claims.items() if k != drop}
        with pytest.raises(Unauthenticated):
            await verifier.verify(jwt.encode(partial, key, "RS256"))
    # HS256 with the secret a developer might have left behind: never in production.
    with pytest.raises(Unauthenticated, match="not accepted"):
        await verifier.verify(jwt.encode(claims, SECRET, "HS256"))


@pytest.mark.timeout(30)  # a gateway that does start waits for NATS for ever
async def test_the_gateway_refuses_to_start_with_production_settings_that_fail_open() -> None:
    app = create_app(GatewaySettings(env="production", jwt_secret=SECRET, jwt_jwks_url=JWKS))
    with pytest.raises(AuthSettingsError, match="LMS_JWT_ISSUER is required"):
        async with app.router.lifespan_context(app):
            pytest.fail("the gateway started")


@pytest.mark.timeout(60)  # a service that does start waits for its servers
@pytest.mark.parametrize("service", ["courses", "progress", "certificates"])
async def test_every_service_refuses_to_start_with_production_settings_that_fail_open(service: str) -> None:
    # Each service verifies tokens itself (defence in depth), so each applies the same rules at start.
    bootstrap = importlib.import_module(f"{service}.bootstrap")
    settings_class = getattr(importlib.import_module(f"{service}.config"), f"{service.title()}Settings")
    with pytest.raises(AuthSettingsError, match="LMS_JWT_SECRET must be empty in production"):
        await bootstrap.build(settings_class(**{**PRODUCTION, "jwt_secret": SECRET}))


def test_the_real_gateway_process_exits_instead_of_serving(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_ENV="production",
        LMS_JWT_SECRET=SECRET,
        LMS_DATA_DIR=str(tmp_path),
        LMS_GATEWAY_PORT="0",
        LMS_LOG_JSON="false",
    )
    result = subprocess.run(
        [sys.executable, "-m", "gateway"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "LMS_JWT_JWKS_URL is required in production" in output, output[-2000:]
