"""Test doubles for the gateway: an in-memory Redis and scripted services behind httpx.MockTransport.

The GraphQL layer, permissions, loaders and error mapping under test stay the real ones; only the
gateway's network neighbours are replaced. Used by gateway/tests/unit.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from gateway.app import create_app
from gateway.cache import CatalogueCache, PublishedVersions
from gateway.clients import ServiceClients
from gateway.config import GatewaySettings
from gateway.ratelimit import RateLimiter
from gateway.responses import ViewerResponses
from gateway.state import GatewayState
from lms_shared.auth import TokenVerifier

SECRET = "unit-test-secret-with-enough-length-for-hs256"  # noqa: S105 - signs test tokens only


class FakePipeline:
    def __init__(self, redis: FakeRedis) -> None:
        self.redis = redis
        self.ops: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    async def __aenter__(self) -> FakePipeline:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def incr(self, key: str) -> None:
        self.ops.append(("incr", (key,), {}))

    def expire(self, key: str, seconds: int, nx: bool = False) -> None:
        self.ops.append(("expire", (key, seconds), {"nx": nx}))

    async def execute(self) -> list[Any]:
        return [await getattr(self.redis, op)(*args, **kw) for op, args, kw in self.ops]


class FakeRedis:
    """The handful of Redis commands the gateway uses, with expiry."""

    def __init__(self) -> None:
        self.data: dict[str, tuple[bytes, float | None]] = {}

    def _live(self, key: str) -> bytes | None:
        item = self.data.get(key)
        if item is None:
            return None
        if item[1] is not None and item[1] < time.monotonic():
            del self.data[key]
            return None
        return item[0]

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def set(self, key: str, value: bytes | str, ex: int | None = None, nx: bool = False) -> bool | None:
        if nx and self._live(key) is not None:
            return None
        raw = value.encode() if isinstance(value, str) else value
        self.data[key] = (raw, time.monotonic() + ex if ex else None)
        return True

    async def delete(self, *keys: str) -> int:
        return sum(1 for k in keys if self.data.pop(k, None) is not None)

    unlink = delete

    async def incr(self, key: str) -> int:
        value = int(self._live(key) or b"0") + 1
        expiry = self.data[key][1] if key in self.data else None
        self.data[key] = (str(value).encode(), expiry)
        return value

    async def expire(self, key: str, seconds: int, nx: bool = False) -> bool:
        if key not in self.data or (nx and self.data[key][1] is not None):
            return False
        self.data[key] = (self.data[key][0], time.monotonic() + seconds)
        return True

    def pipeline(self, transaction: bool = True) -> FakePipeline:
        return FakePipeline(self)

    async def scan_iter(self, match: str = "*", count: int = 100) -> AsyncIterator[str]:
        for key in list(self.data):
            if fnmatch.fnmatch(key, match):
                yield key

    async def ping(self) -> bool:
        return True

    async def aclose(self) -> None:
        return None


Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeService:
    """Routes ``(method, path)`` to handlers and records every request."""

    name: str
    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    down: bool = False

    def route(self, method: str, path: str, handler: Handler | Any) -> None:
        if not callable(handler):
            body = handler
            handler = lambda _req: json_response(body)  # noqa: E731
        self.routes[(method, path)] = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return json_response({"error": {"code": "NOT_FOUND", "message": "No such thing."}}, 404)
        return handler(request)


def json_response(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=orjson.dumps(body), headers={"content-type": "application/json"})


@dataclass
class Harness:
    """The real gateway app over fake neighbours."""

    settings: GatewaySettings
    state: GatewayState
    courses: FakeService
    progress: FakeService
    certificates: FakeService
    client: httpx.AsyncClient

    def upstream_requests(self) -> int:
        return len(self.courses.requests) + len(self.progress.requests) + len(self.certificates.requests)

    async def gql(
        self, query: str, token: str | None = None, headers: dict[str, str] | None = None, **variables: Any
    ) -> dict[str, Any]:
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        r = await self.client.post("/graphql", json={"query": query, "variables": variables}, headers=h)
        body: dict[str, Any] = r.json()
        return body


def make_harness(web_dist: Path | None = None, **overrides: Any) -> Harness:
    defaults: dict[str, Any] = {
        "jwt_secret": SECRET,
        "env": "test",
        "courses_url": "http://courses.test",
        "progress_url": "http://progress.test",
        "certificates_url": "http://certificates.test",
        "upstream_retries": 1,
        "response_cache_seconds": 0,
    }
    settings = GatewaySettings(**{**defaults, **overrides})
    courses, progress, certificates = FakeService("courses"), FakeService("progress"), FakeService("certificates")
    clients = ServiceClients(
        settings,
        transports={
            "courses": httpx.MockTransport(courses),
            "progress": httpx.MockTransport(progress),
            "certificates": httpx.MockTransport(certificates),
        },
    )
    redis: Any = FakeRedis()
    state = GatewayState(
        settings=settings,
        verifier=TokenVerifier(settings),
        clients=clients,
        redis=redis,
        catalogue=CatalogueCache(redis, settings.catalogue_cache_seconds),
        versions=PublishedVersions(),
        limiter=RateLimiter(redis),
        responses=ViewerResponses(settings.response_cache_seconds),
    )
    app = create_app(settings, state, web_dist) if web_dist is not None else create_app(settings, state)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")
    return Harness(settings, state, courses, progress, certificates, client)


# --- sample JSON, in the services' shapes (docs/rest-api.md) -------------------------------------


def sample_course(course_id: str, version: int = 1, status: str = "PUBLISHED", lessons: int = 3) -> dict[str, Any]:
    return {
        "id": course_id,
        "slug": f"slug-{course_id}",
        "titles": [{"lang": "az", "text": f"Kurs {course_id}"}, {"lang": "kk", "text": f"Курс {course_id}"}],
        "summaries": [],
        "languages": ["az", "kk"],
        "defaultLanguage": "az",
        "topics": ["housing"],
        "status": status,
        "version": version,
        "isDraft": False,
        "ownerId": "trainer-1",
        "coOwnerIds": [],
        "certificatePolicy": {"autoIssue": True, "templateId": None},
        "modules": [
            {
                "id": f"{course_id}-m1",
                "position": 1,
                "titles": [{"lang": "az", "text": "Giriş"}],
                "lessons": [
                    {
                        "id": f"{course_id}-l{i}",
                        "position": i,
                        "kind": "TEXT",
                        "titles": [{"lang": "az", "text": f"Dərs {i}"}, {"lang": "ru", "text": f"Урок {i}"}],
                        "bodies": [{"lang": "az", "text": "Mətn"}],
                        "durationMinutes": 10,
                        "required": True,
                        "material": None,
                        "quiz": None,
                    }
                    for i in range(1, lessons + 1)
                ],
            }
        ],
    }


def sample_enrollment(
    course_id: str, learner: str = "u1", version: int = 1, cert_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": f"e-{course_id}",
        "courseId": course_id,
        "learnerId": learner,
        "learnerName": "Rəşad Əliyev",
        "courseVersion": version,
        "status": "COMPLETED" if cert_id else "ACTIVE",
        "progressPercent": 100.0 if cert_id else 33.3,
        "enrolledAt": "2026-11-01T09:00:00+00:00",
        "completedAt": "2026-11-02T09:00:00+00:00" if cert_id else None,
        "lessons": [
            {
                "lessonId": f"{course_id}-l1",
                "status": "COMPLETED",
                "completedAt": "2026-11-01T10:00:00+00:00",
                "bestScore": None,
                "attempts": 0,
            }
        ],
        "resumeLessonId": None if cert_id else f"{course_id}-l2",
        "certificate": {
            "id": cert_id,
            "code": f"CODE{cert_id}",
            "status": "VALID",
            "issuedAt": "2026-11-02T09:00:00+00:00",
        }
        if cert_id
        else None,
    }


def sample_certificate(cert_id: str, course_id: str, learner: str = "u1") -> dict[str, Any]:
    return {
        "id": cert_id,
        "code": f"CODE{cert_id}",
        "learnerId": learner,
        "learnerName": "Rəşad Əliyev",
        "courseId": course_id,
        "courseTitle": f"Kurs {course_id}",
        "courseVersion": 1,
        "issuedAt": "2026-11-02T09:00:00+00:00",
        "status": "VALID",
        "revokedAt": None,
        "revocationReason": None,
        "pdfUrl": "https://s3.example/cert.pdf",
        "credential": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
        "verifyUrl": f"https://kentbilim.example/verify/CODE{cert_id}",
    }
