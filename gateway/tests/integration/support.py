"""Helpers for tests against the live stack: course fixtures made through the gateway, metric sums.

The GraphQL client is the one of every test folder: ``tests.support.graphql``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.support.graphql import GraphQLClient, eventually


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


CREATE = """mutation($input: CreateCourseInput!){ createCourse(input:$input){ id } }"""
MODULE = """mutation($c:ID!,$i:ModuleInput!){ addModule(courseId:$c, input:$i){ id } }"""
LESSON = """mutation($m:ID!,$i:LessonInput!){ addLesson(moduleId:$m, input:$i){ id } }"""
PUBLISH = """mutation($id:ID!){ publishCourse(id:$id){ id status version } }"""
ENROLL = """mutation($c:ID!){ enroll(courseId:$c){ id courseVersion } }"""


async def published_course(trainer: GraphQLClient, lessons: int = 1, topic: str = "housing") -> tuple[str, list[str]]:
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


async def enroll_when_ready(learner: GraphQLClient, course_id: str) -> dict[str, Any]:
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
