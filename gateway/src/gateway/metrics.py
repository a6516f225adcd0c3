"""GraphQL-level Prometheus metrics: operations by type, latency, and errors by code."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension

from lms_shared.errors import DomainError

OPERATIONS = Counter("lms_gateway_graphql_operations_total", "GraphQL operations", ["type"])
ERRORS = Counter("lms_gateway_graphql_errors_total", "GraphQL errors returned, by extensions.code", ["code"])
DURATION = Histogram(
    "lms_gateway_graphql_duration_seconds",
    "GraphQL operation latency",
    ["type"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class OperationMetrics(SchemaExtension):
    """Counts each operation and the codes of the errors it returned (after ErrorShaping)."""

    def on_operation(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        ec = self.execution_context
        try:
            kind = ec.operation_type.value
        except Exception:  # noqa: BLE001 - an unparsable document has no operation type
            kind = "invalid"
        OPERATIONS.labels(kind).inc()
        DURATION.labels(kind).observe(time.perf_counter() - start)
        errors = (ec.result.errors if ec.result is not None else None) or ec.pre_execution_errors or []
        for e in errors:
            code = (e.extensions or {}).get("code")
            if code is None:
                original = e.original_error
                code = original.code if isinstance(original, DomainError) else "UNAVAILABLE"
            ERRORS.labels(str(code)).inc()
