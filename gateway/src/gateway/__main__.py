"""``python -m gateway``: serve the gateway on ``LMS_GATEWAY_PORT`` (``LMS_GATEWAY_WORKERS`` processes)."""

from __future__ import annotations

import os

import uvicorn

from gateway.config import get_gateway_settings
from lms_shared.logging import configure_logging
from lms_shared.runtime import KEEP_ALIVE_SECONDS


def main() -> None:
    """Configure logging and run uvicorn with the gateway app."""
    settings = get_gateway_settings()
    configure_logging("gateway", settings.log_level, settings.log_json)
    port = int(os.environ.get("PORT") or settings.gateway_port)
    workers = int(os.environ.get("LMS_GATEWAY_WORKERS", "1"))
    uvicorn.run(
        "gateway.app:app",
        host=settings.host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,  # longer than clients keep idle connections (lms_shared.runtime)
        # Frames over the gateway's own WebSocket limit are refused by uvicorn before they are buffered.
        ws_max_size=settings.ws_max_message_bytes,
        loop="uvloop",
        http="httptools",
        ws="websockets",
    )


if __name__ == "__main__":
    main()
