"""The application processes ("roles") of the suite, as one table.

Every role runs as ``<venv python> -m <module> <args>`` from the repository root with the stack's
environment. Any role can run several replicas; replica N of a role with a port listens on
``base port + 10 * N`` (its port variable, e.g. ``LMS_COURSES_PORT``, is set accordingly). The outbox
relays have a port too: only for ``/healthz``, ``/readyz`` and ``/metrics`` (``lms_shared.probe``).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lms_local.config import PORT_ENV, REPLICA_PORT_STEP


@dataclass(frozen=True)
class RoleSpec:
    """How to run one kind of application process."""

    name: str
    module: str
    args: tuple[str, ...] = ()
    # Key in the stack's port map (and so in config.PORT_ENV); None = no HTTP port.
    port_key: str | None = None
    health_path: str = "/healthz"
    # Start order: lower tiers start first and stop last.
    tier: int = 1
    # Runs to completion (migrations) instead of being supervised.
    one_shot: bool = False
    # Extra variables for replica N; "{n}" is replaced by the replica number.
    replica_env: Mapping[str, str] = field(default_factory=dict)
    # Non-HTTP roles count as healthy once they have stayed up this long.
    settle_seconds: float = 1.0
    # The supervisor also restarts a replica that is running but unhealthy (a hung process) once it
    # has not passed its health check for unhealthy_grace_seconds: counted from its last passing
    # check, or from its start while it has not passed one yet (so a slow start is not cut short).
    restart_when_unhealthy: bool = False
    unhealthy_grace_seconds: float = 60.0
    # The NATS user it logs in as (LMS_NATS_USER; config.NATS_SERVICE_USERS); None = no NATS.
    nats_user: str | None = None

    @property
    def port_env(self) -> str | None:
        """The variable carrying this role's port (e.g. LMS_COURSES_PORT)."""
        return PORT_ENV[self.port_key][0] if self.port_key else None

    def port_for(self, ports: Mapping[str, int], replica: int) -> int | None:
        """Listening port of replica ``replica`` (base + 10 * replica), None for non-HTTP roles."""
        if self.port_key is None:
            return None
        return ports[self.port_key] + REPLICA_PORT_STEP * replica

    def proc_name(self, replica: int) -> str:
        """``courses`` for replica 0, ``courses-1`` for replica 1, ...; also the log file's name."""
        return self.name if replica == 0 else f"{self.name}-{replica}"

    def command(self, python: str) -> list[str]:
        return [python, "-m", self.module, *self.args]

    def env_for(self, ports: Mapping[str, int], replica: int) -> dict[str, str]:
        """Variables specific to one replica, layered over the stack's environment."""
        env = {"LMS_ROLE": self.name, "LMS_REPLICA": str(replica)}
        port = self.port_for(ports, replica)
        if port is not None and self.port_env is not None:
            env[self.port_env] = str(port)
        if self.nats_user is not None:
            env["LMS_NATS_USER"] = self.nats_user  # its password: LMS_NATS_PASSWORDS of the stack
        for key, value in self.replica_env.items():
            env[key] = value.replace("{n}", str(replica))
        return env


_ROLE_LIST = (
    RoleSpec("migrate", "lms_shared.migrate", tier=0, one_shot=True),
    RoleSpec("courses", "courses", port_key="courses", tier=1, nats_user="courses"),
    RoleSpec("progress", "progress", port_key="progress", tier=1, nats_user="progress"),
    RoleSpec("certificates", "certificates", port_key="certificates", tier=1, nats_user="certificates"),
    RoleSpec("notifications", "notifications", port_key="notifications", tier=1, nats_user="notifications"),
    # A relay's /healthz fails when its loop stalls; a relay that only hangs never exits, hence the restart.
    RoleSpec(
        "courses-relay",
        "lms_shared.outbox",
        ("--service", "courses"),
        port_key="courses_relay",
        tier=2,
        restart_when_unhealthy=True,
        nats_user="courses",
    ),
    RoleSpec(
        "progress-relay",
        "lms_shared.outbox",
        ("--service", "progress"),
        port_key="progress_relay",
        tier=2,
        restart_when_unhealthy=True,
        nats_user="progress",
    ),
    RoleSpec(
        "certificates-relay",
        "lms_shared.outbox",
        ("--service", "certificates"),
        port_key="certificates_relay",
        tier=2,
        restart_when_unhealthy=True,
        nats_user="certificates",
    ),
    RoleSpec(
        "notifications-relay",
        "lms_shared.outbox",
        ("--service", "notifications"),
        port_key="notifications_relay",
        tier=2,
        restart_when_unhealthy=True,
        nats_user="notifications",
    ),
    RoleSpec(
        "certificates-worker",
        "certificates.worker",
        tier=3,
        replica_env={"LMS_WORKER_ID": "worker-{n}"},
        nats_user="certificates",
    ),
    RoleSpec("gateway", "gateway", port_key="gateway", tier=4, nats_user="gateway"),
)

ROLES: dict[str, RoleSpec] = {r.name: r for r in _ROLE_LIST}
"""Every role by name, in start order."""

SUPERVISED_ROLES: tuple[str, ...] = tuple(r.name for r in _ROLE_LIST if not r.one_shot)
"""The long-running roles (everything but migrations), in start order: what a whole suite runs."""

WORKER_ROLE = "certificates-worker"


def source_paths(repo_root: Path) -> list[Path]:
    """The component source folders, put on the children's PYTHONPATH.

    ``make venv`` also registers them with .pth files; adding them here keeps the launcher working
    before that (and for a checkout whose venv was made elsewhere).
    """
    candidates = [repo_root / "shared" / "src", repo_root / "gateway" / "src", repo_root / "deploy" / "local"]
    candidates += sorted((repo_root / "services").glob("*/src"))
    return [p for p in candidates if p.is_dir()]


_PROBE = r"""
import importlib.util, json, sys
out = {}
for name in sys.argv[1:]:
    try:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations is not None:
            # "python -m pkg" needs pkg/__main__.py
            spec = importlib.util.find_spec(name + ".__main__")
        out[name] = "" if spec is not None else "module not found"
    except Exception as exc:
        out[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(out))
"""


def unavailable_roles(specs: Iterable[RoleSpec], python: str, env: Mapping[str, str], cwd: Path) -> dict[str, str]:
    """Roles whose module cannot be run yet, with the reason.

    Checked in a child interpreter with the children's environment: the launcher itself need not
    import application code (or have the same sys.path) to know whether ``python -m`` would work.
    """
    specs = list(specs)
    modules = sorted({s.module for s in specs})
    res = subprocess.run(
        [python, "-c", _PROBE, *modules],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if res.returncode != 0:
        reason = (res.stderr.strip().splitlines() or ["probe failed"])[-1]
        return {s.name: reason for s in specs}
    found: dict[str, str] = json.loads(res.stdout.strip().splitlines()[-1])
    return {s.name: found[s.module] for s in specs if found.get(s.module)}


def pythonpath(repo_root: Path, existing: str | None = None) -> str:
    """PYTHONPATH for children: the component source folders, then whatever the user had."""
    parts = [str(p) for p in source_paths(repo_root)]
    if existing:
        parts += [p for p in existing.split(os.pathsep) if p and p not in parts]
    return os.pathsep.join(parts)
