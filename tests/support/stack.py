"""The test stack, chosen by one switch: ``LMS_TEST_INFRA`` = embedded (default) | containers | external.

- embedded: the same launcher as ``make run`` (deploy/local), on random free ports in a temp folder.
- containers: testcontainers' Postgres, Redis, NATS and MinIO (needs a Docker engine); our own
  processes still run from the launcher, pointed at the containers.
- external: everything already running; URLs come from the ``LMS_*`` environment variables.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lms_local.roles import SUPERVISED_ROLES


@contextmanager
def running_stack(tmp: Path, roles: tuple[str, ...] = SUPERVISED_ROLES) -> Iterator[object]:
    mode = os.environ.get("LMS_TEST_INFRA", "embedded")
    if mode == "external":
        yield ExternalStack.from_environment()
        return
    if mode not in ("embedded", "containers"):
        raise ValueError(f"LMS_TEST_INFRA={mode!r}: choose embedded, containers or external")
    from lms_local import Stack

    overrides: dict[str, str] = {"LMS_ENV": "test", "LMS_LOG_JSON": "true"}
    containers = None
    if mode == "containers":
        from tests.support.containers import start_containers

        containers = start_containers()
        overrides.update(containers.env)
    stack = Stack(tmp, ports=None, env_overrides=overrides)
    try:
        if containers is None:
            stack.start_infra()
        stack.migrate()
        for role in roles:
            stack.start_role(role)
        stack.wait_healthy(timeout=120)
        yield stack
    finally:
        stack.stop()
        if containers is not None:
            containers.stop()


@contextmanager
def service_stack(
    tmp: Path, service: str, roles: Sequence[str], overrides: Mapping[str, str] | None = None
) -> Iterator[Any]:
    """The servers plus a few roles of one service, for a folder that needs its own settings.

    Always embedded: such a folder changes variables (limits, keys) that a shared stack must not see.
    """
    from lms_local import Stack

    env = {"LMS_ENV": "test", "LMS_LOG_JSON": "true", **(overrides or {})}
    stack = Stack(tmp, ports=None, env_overrides=env)
    try:
        stack.start_infra()
        subprocess.run(
            [sys.executable, "-m", "lms_shared.migrate", service],
            env=stack.child_env(),
            check=True,
            capture_output=True,
            timeout=300,
        )
        for role in roles:
            stack.start_role(role)
        stack.wait_healthy(timeout=120, names=list(roles))
        yield stack
    finally:
        stack.stop()


class ExternalStack:
    """An already running suite, described by the ``LMS_*`` variables of this process.

    Tests that need to stop, kill or add processes are skipped: only the operator of that stack
    can do that.
    """

    REQUIRED = (
        "LMS_PUBLIC_URL",
        "LMS_JWT_SECRET",
        "LMS_NATS_URL",
        "LMS_COURSES_URL",
        "LMS_PROGRESS_URL",
        "LMS_CERTIFICATES_URL",
    )

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    @classmethod
    def from_environment(cls) -> ExternalStack:
        env = {k: v for k, v in os.environ.items() if k.startswith("LMS_")}
        missing = [k for k in cls.REQUIRED if not env.get(k)]
        if missing:
            raise RuntimeError(f"LMS_TEST_INFRA=external needs {', '.join(missing)} in the environment")
        return cls(env)

    def _no_process_control(self, *_: object, **__: object) -> None:
        import pytest

        pytest.skip("needs control of the stack's processes, which LMS_TEST_INFRA=external does not give")

    start_role = stop_role = kill_role = restart_role = wait_healthy = _no_process_control

    def stop(self) -> None:
        """Nothing to stop: the stack belongs to whoever started it."""
