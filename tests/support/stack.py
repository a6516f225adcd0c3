"""The test stack, chosen by one switch: ``LMS_TEST_INFRA`` = embedded (default) | containers | external.

- embedded: the same launcher as ``make run`` (deploy/local), on random free ports in a temp folder.
- containers: testcontainers' Postgres, Redis, NATS and MinIO (needs a Docker engine); our own
  processes still run from the launcher, pointed at the containers.
- external: everything already running; URLs come from the ``LMS_*`` environment variables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ALL_ROLES = (
    "courses",
    "progress",
    "certificates",
    "courses-relay",
    "progress-relay",
    "certificates-relay",
    "certificates-worker",
    "gateway",
)


@contextmanager
def running_stack(tmp: Path, roles: tuple[str, ...] = ALL_ROLES) -> Iterator[object]:
    mode = os.environ.get("LMS_TEST_INFRA", "embedded")
    if mode == "external":
        from lms_local import ExternalStack  # type: ignore[attr-defined]

        yield ExternalStack.from_environment()
        return
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
