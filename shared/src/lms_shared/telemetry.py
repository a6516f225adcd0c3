"""OpenTelemetry set-up: one call per process, OTLP export when an endpoint is configured, off otherwise.

A trace follows one user action across processes:

    gateway (FastAPI server span) ─httpx client span, ``traceparent``─▶ service (server span)
        └─ ``add_event`` writes ``traceparent`` into the outbox row's headers
           └─ the relay publishes those headers on the NATS message
              └─ the consumer opens :func:`consumer_span` with the message headers as parent

Configuration is the standard OpenTelemetry environment (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_TRACES_SAMPLER``, ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_SDK_DISABLED``...), so an operator points it at any collector without a Kentbilim-specific
setting. With no endpoint nothing is exported and nothing is propagated: tracing costs nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from lms_shared import tracing
from lms_shared.logging import get_logger

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span

log = get_logger(__name__)

_configured_service: str | None = None


def otlp_endpoint_configured() -> bool:
    """True when the environment asks for traces to be exported (and the SDK is not disabled)."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def setup_tracing(service_name: str, *, exporter: SpanExporter | None = None) -> bool:
    """Install the global tracer provider for this process; returns whether tracing is on.

    Call it once, first thing in a process (before the FastAPI app or httpx clients are built).
    Without ``exporter`` the OTLP/HTTP exporter is used when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set,
    and nothing is installed otherwise. Tests pass an in-memory exporter, which turns tracing on
    regardless of the environment. A second call is a no-op: OpenTelemetry allows one global provider.
    """
    global _configured_service
    if _configured_service is not None:
        tracing.set_active(True)
        return True
    if exporter is None and not otlp_endpoint_configured():
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    except ImportError:  # pragma: no cover - the SDK is in requirements/base.txt
        log.warning("telemetry.sdk_missing", service=service_name)
        return False

    # Resource.create merges OTEL_RESOURCE_ATTRIBUTES (deployment.environment, k8s pod name...).
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: f"kentbilim-{service_name}"}))
    if exporter is not None:
        # Synchronous export keeps tests deterministic: spans are readable as soon as they end.
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    tracing.set_active(True)
    _configured_service = service_name
    log.info("telemetry.tracing_on", service=service_name, endpoint=os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
    return True


def shutdown_tracing() -> None:
    """Flush buffered spans (call on process exit so the last request's spans are not lost)."""
    if _configured_service is None:
        return
    from opentelemetry import trace

    provider = trace.get_tracer_provider()
    shutdown = getattr(provider, "shutdown", None)
    if callable(shutdown):
        shutdown()


def instrument_fastapi(app: FastAPI) -> None:
    """Server spans for every request, continuing an incoming ``traceparent`` (no-op when tracing is off).

    Health, readiness and metrics probes are excluded: they would drown the traces that matter.
    """
    if not tracing.enabled():
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def instrument_httpx(client: Any) -> None:
    """Client spans and ``traceparent`` injection on one ``httpx.AsyncClient`` (no-op when off)."""
    if not tracing.enabled():
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client)


@contextmanager
def consumer_span(name: str, headers: Mapping[str, str] | None, **attributes: str | int) -> Iterator[Span | None]:
    """A CONSUMER span whose parent is the trace context carried in a NATS message's headers.

    Yields None when tracing is off, so callers wrap their handling unconditionally::

        with consumer_span(f"{durable} {envelope.type}", msg.headers, event_id=envelope.id):
            await apply(...)
    """
    if not tracing.enabled():
        yield None
        return
    from opentelemetry import context as otel_context
    from opentelemetry import trace

    parent = tracing.extract_context(headers or {})
    tracer = trace.get_tracer("lms_shared.telemetry")
    ctx: Any = parent if parent is not None else otel_context.get_current()
    with tracer.start_as_current_span(
        name,
        context=ctx,
        kind=trace.SpanKind.CONSUMER,
        attributes={"messaging.system": "nats", **{f"lms.{k}": v for k, v in attributes.items()}},
    ) as span:
        yield span


@contextmanager
def internal_span(name: str, **attributes: str | int) -> Iterator[Span | None]:
    """A span around a unit of work with no transport of its own (a bulk-issue chunk, a relay batch)."""
    if not tracing.enabled():
        yield None
        return
    from opentelemetry import trace

    tracer = trace.get_tracer("lms_shared.telemetry")
    with tracer.start_as_current_span(name, attributes={f"lms.{k}": v for k, v in attributes.items()}) as span:
        yield span
