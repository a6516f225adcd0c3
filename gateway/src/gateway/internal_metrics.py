"""Where the gateway's Prometheus metrics are served: never on the public port in production.

The gateway's port is the one the ingress publishes, so a ``/metrics`` route there is readable by
anyone on the internet (route names, error rates, traffic). With ``LMS_METRICS_PORT`` set, the
metrics are served on ``LMS_HOST:LMS_METRICS_PORT``, a port no Service routes to and no Ingress
publishes, and the public ``/metrics`` answers 404. In production the public ``/metrics`` always
answers 404; outside production (``make run``) it stays on the public port when no metrics port is set.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import start_http_server

from gateway.config import GatewaySettings
from lms_shared.logging import get_logger

log = get_logger(__name__)


def metrics_on_public_port(settings: GatewaySettings) -> bool:
    """Whether the public app answers ``/metrics`` (development and test without a metrics port)."""
    return settings.env != "production" and settings.metrics_port == 0


def start_metrics_server(settings: GatewaySettings) -> Callable[[], None] | None:
    """Serve ``/metrics`` on the internal port, if one is configured; returns how to stop it.

    With several uvicorn workers (``LMS_GATEWAY_WORKERS``) the first one binds the port and the others
    log that they could not: each worker has its own registry, as on the public port before.
    """
    if settings.metrics_port == 0:
        if settings.env == "production":
            log.warning("gateway.metrics_off", hint="set LMS_METRICS_PORT to serve /metrics on an internal port")
        return None
    try:
        server, thread = start_http_server(settings.metrics_port, addr=settings.host)
    except OSError as exc:
        log.warning("gateway.metrics_port_busy", port=settings.metrics_port, error=str(exc))
        return None
    log.info("gateway.metrics_listening", host=settings.host, port=settings.metrics_port)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
