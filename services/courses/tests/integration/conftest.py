"""The courses service on real servers: embedded PostgreSQL, NATS JetStream and SeaweedFS S3.

This folder starts its own small stack (infrastructure + courses + its outbox relay) rather than the
whole suite's, so it depends on no other component and can shrink the material limits: a 5 MB cap
(to test oversize without uploading 500 MB), an 8-second pending-upload lifetime (to watch the
cleanup happen) and a 64 KiB event limit (to publish a course too large for one event).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.stack import service_stack
from tests.support.tokens import make_token

MAX_BYTES = 5 * 1024 * 1024
PENDING_TTL = 8
EVENT_MAX_BYTES = 64 * 1024  # a course.published over this is refused (test_event_size.py)


@pytest.fixture(scope="session")
def courses_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    overrides = {
        "LMS_MATERIAL_MAX_BYTES": str(MAX_BYTES),
        "LMS_MATERIAL_PENDING_TTL_SECONDS": str(PENDING_TTL),
        "LMS_MATERIAL_CLEANUP_INTERVAL_SECONDS": "1",
        "LMS_EVENT_MAX_BYTES": str(EVENT_MAX_BYTES),
    }
    with service_stack(
        Path(tmp_path_factory.mktemp("courses-stack")), "courses", ("courses", "courses-relay"), overrides
    ) as stack:
        yield stack


@pytest.fixture(scope="session")
def env(courses_stack: Any) -> dict[str, str]:
    return dict(courses_stack.env)


@pytest.fixture(scope="session")
def courses_url(env: dict[str, str]) -> str:
    return env["LMS_COURSES_URL"]


class Person:
    """Someone calling the courses API with their own token."""

    def __init__(self, http: httpx.AsyncClient, secret: str, roles: list[str], name: str, **claims: Any) -> None:
        self.id = f"{roles[0] if roles else 'anon'}-{uuid.uuid4().hex[:10]}"
        self.http = http
        self.headers = {"Authorization": f"Bearer {make_token(secret, sub=self.id, name=name, roles=roles, **claims)}"}

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(method, path, headers=self.headers, **kwargs)

    async def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        r = await self.call(method, path, **kwargs)
        assert r.status_code < 300, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json()


@pytest.fixture(scope="session")
async def http(courses_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=courses_url, timeout=60) as client:
        yield client


@pytest.fixture
def people(http: httpx.AsyncClient, env: dict[str, str]) -> Any:
    """``people("trainer")`` -> a new person with that role and a fresh id."""
    secret = env["LMS_JWT_SECRET"]

    def make(*roles: str, name: str = "Test User", **claims: Any) -> Person:
        return Person(http, secret, list(roles), name, **claims)

    return make


def slug(prefix: str = "course") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def texts(**by_lang: str) -> list[dict[str, str]]:
    """``texts(az="Giriş", kk="Кіріспе")`` -> the API's localized list."""
    return [{"lang": k, "text": v} for k, v in by_lang.items()]


async def new_course(trainer: Person, *, topics: list[str] | None = None, **title_by_lang: str) -> dict[str, Any]:
    titles = title_by_lang or {"az": "Şəhər idarəçiliyi"}
    body: dict[str, Any] = {"slug": slug(), "titles": texts(**titles), "defaultLanguage": next(iter(titles))}
    if topics:
        body["topics"] = topics
    course: dict[str, Any] = await trainer.ok("POST", "/v1/courses", json=body)
    return course


async def publishable_course(trainer: Person, **kw: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A course with one module and one TEXT lesson: (course, module, lesson)."""
    course = await new_course(trainer, **kw)
    module = await trainer.ok("POST", f"/v1/courses/{course['id']}/modules", json={"titles": texts(az="Giriş")})
    lesson = await trainer.ok(
        "POST", f"/v1/modules/{module['id']}/lessons", json={"kind": "TEXT", "titles": texts(az="Dərs 1")}
    )
    return course, module, lesson
