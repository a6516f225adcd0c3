"""NATS credentials of the local stack (issue 13, 11c): every service logs in as its own user and may
publish its own subjects only; a connection without credentials is refused.

The same permission table (lms_local.infra.nats_permissions) is what deploy/compose/nats-auth.conf
holds, so this also covers compose and the Kubernetes documentation.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.errors import NotFoundError

from lms_local import Stack
from lms_local.config import (
    NATS_PASSWORD_KEYS,
    NATS_SERVICE_USERS,
    PORT_ENV,
    SECRET_KEYS,
    nats_auth_enabled,
    stack_env,
)
from lms_local.infra import NATS_CONSUMERS
from lms_local.roles import ROLES
from lms_shared.jetstream import DLQ_STREAM, EVENTS_STREAM, JOBS_STREAM, connect
from lms_shared.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # The launcher's default (LMS_NATS_AUTH unset = on); LMS_NATS_AUTH=0 shows the test failing.
    s = Stack(tmp_path_factory.mktemp("nats-auth"), ports=None, env_overrides={"LMS_ENV": "test"})
    try:
        s.start_infra()
        yield s
    finally:
        s.stop()


def plain_url(stack: Stack) -> str:
    return f"nats://127.0.0.1:{stack.ports['nats']}"


def settings_for(stack: Stack, user: str) -> Settings:
    """What a role of the launcher gets: LMS_NATS_USER, and the passwords in LMS_NATS_PASSWORDS."""
    passwords = json.loads(stack.env.get("LMS_NATS_PASSWORDS", "{}"))
    return Settings(nats_url=plain_url(stack), nats_user=user, nats_passwords=passwords)


class Errors:
    """The asynchronous errors the server sends a connection (-ERR 'Permissions Violation ...')."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.changed = asyncio.Event()

    async def callback(self, exc: Exception) -> None:
        self.seen.append(str(exc))
        self.changed.set()

    async def wait_for(self, text: str) -> str:
        """The first error mentioning ``text`` (nats-py lower-cases the server's message)."""
        while True:
            for message in self.seen:
                if text.lower() in message.lower():
                    return message
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 30)


@pytest.fixture
async def admin(stack: Stack) -> AsyncIterator[NATS]:
    nc = await nats.connect(stack.env["LMS_NATS_URL"])  # the admin's credentials are in the URL
    yield nc
    await nc.drain()


async def as_user(stack: Stack, user: str, errors: Errors) -> NATS:
    settings = settings_for(stack, user)
    auth = settings.nats_auth()
    return await nats.connect(
        settings.nats_url, user=auth["user"], password=auth["password"], error_cb=errors.callback, allow_reconnect=False
    )


async def stored(admin: NATS, subject: str) -> bool:
    """Whether JetStream holds a message on ``subject`` (asked as the admin)."""
    try:
        await admin.jetstream().get_last_msg(EVENTS_STREAM if subject.startswith("lms.") else DLQ_STREAM, subject)
    except NotFoundError:
        return False
    return True


def test_the_launcher_turns_authentication_on_by_default() -> None:
    assert nats_auth_enabled({}) is True
    assert nats_auth_enabled({"LMS_NATS_AUTH": "0"}) is False


def test_every_role_that_uses_nats_logs_in_as_its_services_user() -> None:
    ports = {key: 20000 + i for i, key in enumerate(PORT_ENV)}
    users = {name: ROLES[name].env_for(ports, 0).get("LMS_NATS_USER") for name in ROLES}
    assert users == {
        "migrate": None,
        "courses": "courses",
        "progress": "progress",
        "certificates": "certificates",
        "notifications": "notifications",
        "courses-relay": "courses",
        "progress-relay": "progress",
        "certificates-relay": "certificates",
        "notifications-relay": "notifications",
        "certificates-worker": "certificates",
        "gateway": "gateway",
    }
    assert {u for u in users.values() if u} == set(NATS_SERVICE_USERS)


def test_the_permission_table_names_every_durable_consumer_of_the_services() -> None:
    # A consumer missing here could not create itself nor park a dead letter under authentication.
    root = Path(__file__).resolve().parents[3]
    for service in ("courses", "progress", "certificates", "notifications"):
        source = (root / "services" / service / "src" / service / "entrypoints" / "consumers.py").read_text()
        in_code = set(re.findall(rf'"({service}-[a-z-]+)"', source))
        assert in_code, service
        assert in_code == {durable for stream, durable in NATS_CONSUMERS[service] if stream == EVENTS_STREAM}
    worker = (root / "services" / "certificates" / "src" / "certificates" / "entrypoints" / "worker.py").read_text()
    [worker_durable] = re.findall(r'^DURABLE = "([a-z-]+)"', worker, re.MULTILINE)
    assert (JOBS_STREAM, worker_durable) in NATS_CONSUMERS["certificates"]


def test_with_authentication_off_the_stack_exports_no_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ports = {key: 20000 + i for i, key in enumerate([*PORT_ENV, "nats_monitor"])}
    secret_values = {key: "n123" for key in SECRET_KEYS}
    monkeypatch.setenv("LMS_NATS_AUTH", "0")
    env = stack_env(tmp_path, ports, secret_values)
    assert env["LMS_NATS_URL"] == f"nats://127.0.0.1:{ports['nats']}"
    assert "LMS_NATS_PASSWORDS" not in env
    monkeypatch.setenv("LMS_NATS_AUTH", "1")
    env = stack_env(tmp_path, ports, secret_values)
    assert env["LMS_NATS_URL"] == f"nats://admin:n123@127.0.0.1:{ports['nats']}"
    assert json.loads(env["LMS_NATS_PASSWORDS"]) == dict.fromkeys(NATS_SERVICE_USERS, "n123")


def test_the_stack_hands_out_credentials_without_exporting_each_password(stack: Stack) -> None:
    url = urlsplit(stack.env["LMS_NATS_URL"])
    assert url.username == "admin"
    assert url.password == stack.secrets[NATS_PASSWORD_KEYS["admin"]]
    services = {"courses", "progress", "certificates", "notifications", "gateway"}
    assert set(json.loads(stack.env["LMS_NATS_PASSWORDS"])) == services
    assert not set(NATS_PASSWORD_KEYS.values()) & set(stack.env)
    config = Path(stack.data_dir / "nats" / "nats-auth.conf")
    assert config.stat().st_mode & 0o777 == 0o600


async def test_a_connection_without_credentials_is_refused(stack: Stack) -> None:
    errors = Errors()
    with pytest.raises(Exception):  # nats-py raises NoServersError; the reason goes to error_cb
        await nats.connect(plain_url(stack), error_cb=errors.callback, allow_reconnect=False, max_reconnect_attempts=0)
    assert "authorization violation" in (await errors.wait_for("uthorization")).lower()


async def test_a_wrong_password_is_refused(stack: Stack) -> None:
    errors = Errors()
    with pytest.raises(Exception):
        await nats.connect(
            plain_url(stack),
            user="courses",
            password="not-the-password",
            error_cb=errors.callback,
            allow_reconnect=False,
            max_reconnect_attempts=0,
        )
    assert "authorization violation" in (await errors.wait_for("uthorization")).lower()


async def test_courses_publishes_its_own_events_but_not_a_course_completion(stack: Stack, admin: NATS) -> None:
    # lms_shared.jetstream.connect as the courses service does: it declares the streams too.
    nc, js = await connect(plain_url(stack), "courses-test", settings_for(stack, "courses"))
    errors = Errors()
    nc._error_cb = errors.callback  # to see the server's -ERR lines
    try:
        ack = await js.publish("lms.courses.x.v1", b"{}", timeout=10)
        assert ack.stream == EVENTS_STREAM

        await nc.publish("lms.progress.course.completed.v1", b'{"forged": true}')
        await nc.flush()
        violation = await errors.wait_for("lms.progress.course.completed.v1")
        assert "permissions violation for publish" in violation.lower()
        assert not await stored(admin, "lms.progress.course.completed.v1")
        assert await stored(admin, "lms.courses.x.v1")

        # Its own consumers' dead letters, not another service's.
        await js.publish("dlq.courses-enrollments.lms.progress.enrollment.created.v1", b"{}", timeout=10)
        await nc.publish("dlq.progress-courses.lms.courses.course.published.v1", b"{}")
        await nc.flush()
        await errors.wait_for("dlq.progress-courses")
        assert not await stored(admin, "dlq.progress-courses.lms.courses.course.published.v1")
    finally:
        await nc.drain()


async def test_certificates_enqueues_its_jobs_and_progress_cannot(stack: Stack, admin: NATS) -> None:
    nc, js = await connect(plain_url(stack), "certificates-test", settings_for(stack, "certificates"))
    try:
        ack = await js.publish("jobs.certificates.bulk", b"{}", timeout=10)
        assert ack.stream == JOBS_STREAM
        await js.publish("lms.certificates.bulk.progress.v1", b"{}", timeout=10)
    finally:
        await nc.drain()

    errors = Errors()
    progress = await as_user(stack, "progress", errors)
    try:
        await progress.publish("jobs.certificates.bulk", b"{}")
        await progress.publish("lms.certificates.certificate.issued.v1", b"{}")
        await progress.flush()
        await errors.wait_for("jobs.certificates.bulk")
        await errors.wait_for("lms.certificates.certificate.issued.v1")
    finally:
        await progress.drain()


async def test_the_gateway_only_listens(stack: Stack, admin: NATS) -> None:
    errors = Errors()
    gateway = await as_user(stack, "gateway", errors)
    try:
        received: asyncio.Queue[str] = asyncio.Queue()

        async def on_message(msg: Msg) -> None:
            await received.put(msg.subject)

        await gateway.subscribe("lms.>", cb=on_message)
        await gateway.flush()
        await admin.publish("lms.courses.course.published.v1", b"{}")
        assert await asyncio.wait_for(received.get(), 30) == "lms.courses.course.published.v1"

        await gateway.publish("lms.courses.course.archived.v1", b"{}")
        await gateway.flush()
        assert "permissions violation for publish" in (await errors.wait_for("archived")).lower()
    finally:
        await gateway.drain()


async def test_a_service_manages_only_its_own_consumers(stack: Stack) -> None:
    errors = Errors()
    courses = await as_user(stack, "courses", errors)
    try:
        js = courses.jetstream(timeout=5)
        await js.add_consumer(EVENTS_STREAM, durable_name="courses-enrollments", filter_subject="lms.progress.>")
        await courses.publish("$JS.API.CONSUMER.DELETE.LMS_EVENTS.courses-enrollments", b"")
        await courses.publish("$JS.API.STREAM.PURGE.LMS_EVENTS", b"")
        await courses.flush()
        await errors.wait_for("CONSUMER.DELETE")
        await errors.wait_for("STREAM.PURGE")
        assert (await js.consumer_info(EVENTS_STREAM, "courses-enrollments")).name == "courses-enrollments"
    finally:
        await courses.drain()
