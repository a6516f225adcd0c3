"""Helpers for the certificates integration tests: the real stack, spoken to as its clients do.

Courses and completions reach the certificates service as events; the tests publish those events
onto JetStream themselves (exactly what the courses and progress services' relays do), so these
tests depend on no other service's behaviour.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from lms_shared.db import asyncpg_dsn
from lms_shared.events.catalogue import CertificatePolicy, CourseCompletedV1, CoursePublishedV1, Payload
from lms_shared.events.envelope import Envelope
from lms_shared.jetstream import connect
from tests.support.graphql import eventually
from tests.support.stack import service_stack
from tests.support.tokens import make_token

pytestmark = pytest.mark.integration

TITLES = {
    "en": "Participatory budgeting",
    "az": "İştirakçı büdcə",
    "kk": "Қатысымдық бюджет",
    "ky": "Катышуучулук бюджет",
    "tr": "Katılımcı bütçe",
    "uz": "Ishtirokchi byudjet",
    "ru": "Партисипаторное бюджетирование",
}


@pytest.fixture(scope="session")
async def nats_js(stack_env: dict[str, str]) -> AsyncIterator[tuple[NATS, JetStreamContext]]:
    nc, js = await connect(stack_env["LMS_NATS_URL"], "certificates-tests")
    yield nc, js
    await nc.drain()


@pytest.fixture(scope="session")
async def db(stack_env: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    """The certificates database, for assertions only (counting rows, reading the audit log)."""
    pool = await asyncpg.create_pool(asyncpg_dsn(stack_env["LMS_CERTIFICATES_DATABASE_URL"]), min_size=1, max_size=4)
    assert pool is not None
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def certs(stack_env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """The certificates service's REST API."""
    async with httpx.AsyncClient(base_url=stack_env["LMS_CERTIFICATES_URL"], timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def admin(token_for: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('admin-' + uuid.uuid4().hex[:6], 'Aida Admin', ['admin'])}"}


async def publish(js: JetStreamContext, payload: Payload | Envelope) -> Envelope:
    env = payload if isinstance(payload, Envelope) else payload.envelope()
    await js.publish(env.subject, env.to_bytes(), headers={"Nats-Msg-Id": env.id})
    return env


def course_event(
    *,
    auto_issue: bool = True,
    languages: list[str] | None = None,
    default: str = "az",
    owner: str = "trainer-1",
    template_id: str | None = None,
) -> CoursePublishedV1:
    langs = languages or list(TITLES)
    course_id = f"course-{uuid.uuid4().hex[:10]}"
    return CoursePublishedV1(
        course_id=course_id,
        version=1,
        slug=course_id,
        owner_id=owner,
        default_language=default,
        languages=langs,
        titles={lang: TITLES[lang] for lang in langs},
        modules=[],
        certificate_policy=CertificatePolicy(auto_issue=auto_issue, template_id=template_id),
        published_at=datetime.now(UTC),
    )


def completion_event(
    course: CoursePublishedV1, learner_id: str, name: str, locale: str | None = "az"
) -> CourseCompletedV1:
    return CourseCompletedV1(
        enrollment_id=f"enr-{uuid.uuid4().hex[:10]}",
        course_id=course.course_id,
        course_version=course.version,
        course_titles=dict(course.titles),
        course_default_language=course.default_language,
        learner_id=learner_id,
        learner_name=name,
        org="AZ",
        municipality="Baku",
        locale=locale,
        completed_at=datetime.now(UTC),
    )


async def wait_for(check: Callable[[], Awaitable[Any]], timeout: float = 30.0, interval: float = 0.3) -> Any:
    """Poll ``check`` until it returns something truthy (the suite's one poller, with this folder's names)."""
    return await eventually(check, timeout=timeout, every=interval)


@pytest.fixture
def published_course(
    nats_js: tuple[NATS, JetStreamContext], db: asyncpg.Pool
) -> Callable[..., Awaitable[CoursePublishedV1]]:
    """Publish a course and wait until the certificates service knows it."""

    async def make(**kwargs: Any) -> CoursePublishedV1:
        event = course_event(**kwargs)
        await publish(nats_js[1], event)

        async def known() -> bool:
            return bool(await db.fetchval("SELECT 1 FROM course WHERE id = $1", event.course_id))

        await wait_for(known)
        return event

    return make


async def events_on(js: JetStreamContext, subject: str, since: datetime) -> list[Envelope]:
    """The events of one type published since ``since`` (an ephemeral consumer over the stream)."""
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    sub = await js.pull_subscribe(
        subject,
        stream="LMS_EVENTS",
        config=ConsumerConfig(
            ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=since
        ),
    )
    out: list[Envelope] = []
    try:
        while True:
            try:
                msgs = await sub.fetch(500, timeout=1.0)
            except TimeoutError:
                break
            out += [Envelope.from_bytes(m.data) for m in msgs]
    finally:
        await sub.unsubscribe()
    return out


# --- a certificates-only stack of our own, for tests that restart roles with another configuration --

OWN_STACK_ROLES = ("certificates", "certificates-relay", "certificates-worker")


@pytest.fixture(scope="session")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Infrastructure plus the certificates roles, apart from the suite's ``stack``.

    Key rotation and the worker metrics endpoint restart roles with different variables; the
    suite's stack must not see that.
    """
    with service_stack(
        Path(tmp_path_factory.mktemp("certificates-own-stack")), "certificates", OWN_STACK_ROLES
    ) as stack:
        yield stack


def restart_roles(stack: Any, roles: Iterable[str], extra_env: dict[str, str] | None = None) -> None:
    """Stop and start ``roles`` of ``stack`` (as a deployment rolls them), with ``extra_env`` added."""
    names = list(roles)
    for role in names:
        stack.stop_role(role)
        if extra_env:
            spec = stack.roles[role]
            stack.roles[role] = dataclasses.replace(spec, replica_env={**spec.replica_env, **extra_env})
        stack.start_role(role)
    stack.wait_healthy(timeout=120, names=names)


@pytest.fixture(scope="session")
async def own_client(own_stack: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The REST API of ``own_stack``'s certificates service."""
    async with httpx.AsyncClient(base_url=own_stack.env["LMS_CERTIFICATES_URL"], timeout=60) as client:
        yield client


def own_admin(stack: Any) -> dict[str, str]:
    token = make_token(stack.env["LMS_JWT_SECRET"], "admin-own", "Aida Admin", ["admin"])
    return {"Authorization": f"Bearer {token}"}


async def publish_course_to(stack: Any, **kwargs: Any) -> CoursePublishedV1:
    """Publish a course on ``stack``'s JetStream and wait until its certificates service knows it."""
    course = course_event(**kwargs)
    nc, js = await connect(stack.env["LMS_NATS_URL"], "certificates-own-stack-tests")
    try:
        await publish(js, course)
    finally:
        await nc.drain()
    connection = await asyncpg.connect(asyncpg_dsn(stack.env["LMS_CERTIFICATES_DATABASE_URL"]))
    try:

        async def known() -> bool:
            return bool(await connection.fetchval("SELECT 1 FROM course WHERE id = $1", course.course_id))

        await wait_for(known)
    finally:
        await connection.close()
    return course


async def issue_in_bulk(client: httpx.AsyncClient, headers: dict[str, str], course_id: str, names: list[str]) -> Any:
    """Run a bulk job for ``names`` to COMPLETED; returns the finished job."""
    recipients = [{"name": name, "email": f"{uuid.uuid4().hex}@example.org"} for name in names]
    r = await client.post("/v1/bulk-jobs", json={"courseId": course_id, "recipients": recipients}, headers=headers)
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]

    async def finished() -> Any:
        job = (await client.get(f"/v1/bulk-jobs/{job_id}", headers=headers)).json()
        return job if job["status"] == "COMPLETED" else None

    return await wait_for(finished, timeout=90, interval=0.3)
