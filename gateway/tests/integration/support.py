"""Helpers for tests against the live stack: a GraphQL client and course fixtures made through the gateway."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


class GraphQLFailed(AssertionError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors

    @property
    def codes(self) -> set[str]:
        return {(e.get("extensions") or {}).get("code", "") for e in self.errors}


class Gql:
    """A GraphQL client for one caller (token) against the live gateway."""

    def __init__(self, url: str, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.AsyncClient(base_url=url, headers=headers, timeout=30)

    async def raw(self, query: str, headers: dict[str, str] | None = None, **variables: Any) -> dict[str, Any]:
        r = await self.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})
        body: dict[str, Any] = r.json()
        return body

    async def q(self, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.raw(query, **variables)
        if body.get("errors"):
            raise GraphQLFailed(body["errors"])
        data: dict[str, Any] = body["data"]
        return data

    async def aclose(self) -> None:
        await self.http.aclose()


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def eventually(fn: Callable[[], Awaitable[T | None]], timeout: float = 30, every: float = 0.3) -> T:
    """The first truthy result of ``fn`` within ``timeout`` seconds (errors count as not yet)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = await fn()
            if last:
                return last
        except (GraphQLFailed, httpx.HTTPError) as exc:
            last = exc
        await asyncio.sleep(every)
    raise AssertionError(f"not within {timeout} s; last: {last!r}")


CREATE = """mutation($input: CreateCourseInput!){ createCourse(input:$input){ id } }"""
MODULE = """mutation($c:ID!,$i:ModuleInput!){ addModule(courseId:$c, input:$i){ id } }"""
LESSON = """mutation($m:ID!,$i:LessonInput!){ addLesson(moduleId:$m, input:$i){ id } }"""
PUBLISH = """mutation($id:ID!){ publishCourse(id:$id){ id status version } }"""
ENROLL = """mutation($c:ID!){ enroll(courseId:$c){ id courseVersion } }"""


async def published_course(trainer: Gql, lessons: int = 1, topic: str = "housing") -> tuple[str, list[str]]:
    """A course with one module of ``lessons`` text lessons, published; returns (id, lesson ids)."""
    course = (
        await trainer.q(
            CREATE,
            input={
                "slug": uid("course"),
                "titles": [{"lang": "az", "text": "Mənzil siyasəti"}, {"lang": "kk", "text": "Тұрғын үй саясаты"}],
                "defaultLanguage": "az",
                "topics": [topic],
            },
        )
    )["createCourse"]
    module = (await trainer.q(MODULE, c=course["id"], i={"titles": [{"lang": "az", "text": "Giriş"}]}))["addModule"]
    ids = []
    for i in range(lessons):
        lesson = await trainer.q(
            LESSON, m=module["id"], i={"kind": "TEXT", "titles": [{"lang": "az", "text": f"Dərs {i + 1}"}]}
        )
        ids.append(lesson["addLesson"]["id"])
    await trainer.q(PUBLISH, id=course["id"])
    return course["id"], ids


async def enroll_when_ready(learner: Gql, course_id: str) -> dict[str, Any]:
    """Enrol as soon as progress has consumed course.published."""

    async def attempt() -> dict[str, Any] | None:
        data = await learner.q(ENROLL, c=course_id)
        result: dict[str, Any] = data["enroll"]
        return result

    return await eventually(attempt, timeout=60)


def metric_total(text: str, name: str, **labels: str) -> float:
    """Sum of a Prometheus counter's samples whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        m = re.match(r"[^{\s]+(?:\{(.*)\})?\s+([0-9.eE+-]+)$", line)
        if not m:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(m.group(2))
    return total
