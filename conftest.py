"""Fixtures shared by every test folder (services/*/tests, gateway/tests, tests/, deploy/local/tests).

Integration tests ask for ``stack`` (infrastructure plus every role, started once per session) or
``infra`` (the servers only). Both honour ``LMS_TEST_INFRA`` (see tests/support/stack.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import running_stack
from tests.support.tokens import make_token


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Give every session its own temporary root outside ``/tmp/pytest-of-<user>``.

    The stacks' PostgreSQL runs as an unprivileged user (when the tests run as root) and must be able
    to traverse to its data folder. Every new pytest session resets ``/tmp/pytest-of-<user>`` to mode
    0700, which would pull the ground from under a stack of a session already running.
    """
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        config.option.basetemp = tempfile.mkdtemp(prefix="kentbilim-pytest-")
        config._kentbilim_basetemp = config.option.basetemp  # type: ignore[attr-defined]
    worker = getattr(config, "workerinput", None)
    if worker is not None and "LMS_RANDOM_PORT_RANGE" not in os.environ:
        # pytest-xdist (make test runs two workers): each worker's stacks pick their ports from a
        # range of their own, so that two stacks starting at once never pick the same free port.
        index, count = int(worker["workerid"].removeprefix("gw")), int(worker["workercount"])
        width = (32000 - 20000) // count
        os.environ["LMS_RANDOM_PORT_RANGE"] = f"{20000 + index * width}-{20000 + (index + 1) * width}"


def pytest_unconfigure(config: pytest.Config) -> None:
    made = getattr(config, "_kentbilim_basetemp", None)
    if made and not os.environ.get("LMS_KEEP_TEST_DATA"):
        shutil.rmtree(made, ignore_errors=True)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The whole suite running on real servers (Postgres, Valkey, NATS, SeaweedFS)."""
    with running_stack(Path(tmp_path_factory.mktemp("lms-stack"))) as s:
        yield s


@pytest.fixture(scope="session")
def stack_env(stack: Any) -> dict[str, str]:
    return dict(stack.env)


@pytest.fixture(scope="session")
def settings(stack_env: dict[str, str]) -> Any:
    """Settings pointing at the test stack, for tests that talk to the servers directly."""
    from lms_shared.settings import Settings

    saved = dict(os.environ)
    os.environ.update(stack_env)
    try:
        return Settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def jwt_secret(stack_env: dict[str, str]) -> str:
    return stack_env["LMS_JWT_SECRET"]


@pytest.fixture(scope="session")
def token_for(jwt_secret: str) -> Any:
    """``token_for(sub, name, roles, **claims)`` -> a bearer token valid on the test stack."""

    def make(sub: str | None = None, name: str = "Test User", roles: list[str] | None = None, **claims: Any) -> str:
        return make_token(jwt_secret, sub=sub, name=name, roles=roles, **claims)

    return make
