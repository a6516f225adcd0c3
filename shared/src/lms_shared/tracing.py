"""Trace-context propagation across HTTP and NATS headers.

OpenTelemetry is used when it is installed and either ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set or
:func:`lms_shared.telemetry.setup_tracing` installed a tracer provider; otherwise propagation is
skipped and nothing is exported (tracing is off by default).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from types import ModuleType

_propagate: ModuleType | None
try:  # optional dependency
    from opentelemetry import propagate as _propagate
except ImportError:  # pragma: no cover - depends on the installation
    _propagate = None

# Set by telemetry.setup_tracing: a provider installed in code (tests, an in-memory exporter) turns
# propagation on even without an OTLP endpoint in the environment.
_active = False


def set_active(active: bool) -> None:
    """Turn propagation on or off for this process (called by ``telemetry.setup_tracing``)."""
    global _active
    _active = active


def enabled() -> bool:
    """Whether trace context is propagated: the SDK is present and tracing was configured."""
    return _propagate is not None and (_active or bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")))


def inject_headers(headers: MutableMapping[str, str]) -> None:
    """Write the current trace context (``traceparent``) into ``headers`` when tracing is on."""
    if enabled() and _propagate is not None:
        _propagate.inject(headers)


def extract_context(headers: Mapping[str, str]) -> object | None:
    """The trace context carried by incoming headers, or None when tracing is off."""
    if enabled() and _propagate is not None:
        return _propagate.extract(dict(headers))
    return None
