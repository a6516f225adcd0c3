"""The outbox relays' health port in the local launcher, and the supervisor restarting a hung relay.

A relay that hangs (its loop stalled, or the whole process SIGSTOP'ed) never exits, so restarting
only crashed processes would leave it hung forever: the supervisor health-checks the roles that
declare ``restart_when_unhealthy`` and kills (then restarts) one whose ``/healthz`` has failed for
the role's grace period, without cutting short a replica that is still starting.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from lms_local import RoleSpec, Stack
from lms_local.config import PORT_ENV, REPLICA_PORT_STEP, ROLE_PORT_KEYS, ports_from_env, random_ports, stack_env
from lms_local.roles import ROLES

TESTS_DIR = Path(__file__).resolve().parent
RELAYS = {"courses-relay": "courses", "progress-relay": "progress", "certificates-relay": "certificates"}


# --------------------------------------------------------------------------------------------------
# configuration (no process started)


def test_every_relay_has_its_own_port_variable_and_replica_ports() -> None:
    ports = ports_from_env({})
    seen: set[int] = set()
    for role, service in RELAYS.items():
        spec = ROLES[role]
        assert spec.restart_when_unhealthy, f"{role}: a hung relay must be restarted"
        assert spec.health_path == "/healthz"
        variable = f"LMS_{service.upper()}_RELAY_PORT"
        assert spec.port_env == variable, "lms_shared.outbox reads LMS_<SERVICE>_RELAY_PORT"
        base = ports[spec.port_key or ""]
        assert spec.env_for(ports, 0)[variable] == str(base)
        assert spec.env_for(ports, 2)[variable] == str(base + 2 * REPLICA_PORT_STEP)
        seen.add(base)
    # No relay port (nor its first replicas) is the port of another role or of a service's replica.
    others = {
        ports[key] + REPLICA_PORT_STEP * n for key in ROLE_PORT_KEYS if not key.endswith("_relay") for n in range(10)
    }
    assert not {p + REPLICA_PORT_STEP * n for p in seen for n in range(5)} & others
    assert len(seen) == 3
    assert ports_from_env({"LMS_PROGRESS_RELAY_PORT": "9302"})["progress_relay"] == 9302


def test_random_ports_and_the_exported_environment_cover_the_relay_ports(tmp_path: Path) -> None:
    ports = random_ports()
    assert set(PORT_ENV) <= set(ports)
    role_ports = [ports[key] + REPLICA_PORT_STEP * n for key in ROLE_PORT_KEYS for n in range(5)]
    assert len(set(role_ports)) == len(role_ports), "replica ports of two roles overlap"
    env = stack_env(tmp_path, ports, {"LMS_JWT_SECRET": "x", "LMS_S3_ACCESS_KEY": "x", "LMS_S3_SECRET_KEY": "x"})
    for service in RELAYS.values():
        assert env[f"LMS_{service.upper()}_RELAY_PORT"] == str(ports[f"{service}_relay"])


# --------------------------------------------------------------------------------------------------
# supervision of a role that never becomes healthy (a fake role: no real relay needed)


@pytest.mark.integration
def test_a_starting_replica_gets_its_grace_period_then_is_restarted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lms_local.stack as stack_module

    monkeypatch.setattr(stack_module, "HEALTH_CHECK_EVERY", 0.0)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]))
    # Has a port but never listens on it: its health check always fails.
    mute = RoleSpec("mute", "lms_fake_role", port_key="courses_relay", restart_when_unhealthy=True)
    plain = RoleSpec("plain", "lms_fake_role", port_key="progress_relay")  # not health-supervised
    with Stack(tmp_path / "lms", roles={"mute": mute, "plain": plain}) as stack:
        [proc] = stack.start_role("mute")
        [other] = stack.start_role("plain")
        first, other_pid = proc.pid, other.pid
        for _ in range(5):
            stack.supervise_once()
        assert proc.alive() and proc.pid == first, "killed while still within its grace period"
        assert not stack.is_healthy(proc)

        # As if it had been starting for longer than the grace period (60 s) without becoming healthy.
        assert proc.started_at is not None
        proc.started_at -= mute.unhealthy_grace_seconds + 1
        other.started_at = (other.started_at or 0.0) - mute.unhealthy_grace_seconds - 1
        deadline = time.monotonic() + 30
        while not (proc.alive() and proc.pid != first):
            assert time.monotonic() < deadline, "the supervisor did not restart the never-healthy replica"
            stack.supervise_once()
            time.sleep(0.1)
        assert proc.starts == 2
        assert other.alive() and other.pid == other_pid, "a role without restart_when_unhealthy is left alone"


# --------------------------------------------------------------------------------------------------
# the real relay on real servers

GRACE = 4.0


@pytest.mark.integration
def test_relay_serves_its_probes_and_a_hung_relay_is_restarted(tmp_path: Path) -> None:
    roles = dict(ROLES)
    # A short grace keeps the test short; the default is 60 s.
    roles["courses-relay"] = dataclasses.replace(ROLES["courses-relay"], unhealthy_grace_seconds=GRACE)
    with Stack(tmp_path / "lms", roles=roles) as stack:
        stack.start_infra()
        stack.migrate()
        [relay] = stack.start_role("courses-relay")
        stack.wait_healthy(timeout=60, names=["courses-relay"])
        port = stack.ports["courses_relay"]
        assert relay.port == port
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz", trust_env=False).status_code == 200
        assert httpx.get(f"{base}/readyz", trust_env=False).status_code == 200
        assert "lms_outbox_parked_total" in httpx.get(f"{base}/metrics", trust_env=False).text

        # Healthy: the supervisor checks it and keeps it.
        stack.supervise_once()
        hung = relay.pid
        assert hung is not None and relay.alive()

        # Hung: the process still exists (it will never exit by itself) but answers nothing.
        os.kill(hung, signal.SIGSTOP)
        try:
            assert not stack.is_healthy(relay)
            deadline = time.monotonic() + 60
            while not (relay.alive() and relay.pid != hung):
                assert time.monotonic() < deadline, "the supervisor did not restart the hung relay"
                stack.supervise_once()
                time.sleep(0.2)
        finally:
            if relay.pid == hung:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(hung, signal.SIGCONT)
        assert relay.starts == 2
        stack.wait_healthy(timeout=60, names=["courses-relay"])
        assert httpx.get(f"{base}/healthz", trust_env=False).status_code == 200
