"""Container health check of the Kentbilim image (Docker ``HEALTHCHECK``; Kubernetes uses its own probes).

HTTP roles are healthy when ``GET /healthz`` answers 200 on their port. Worker, relay and one-shot roles
have no port: their liveness is the process itself, which reconnects to NATS and PostgreSQL on its own
and exits on a fatal error, so the check passes and the restart policy does the rest.
Standard library only: the slim image has no curl.

Docker runs the check as a separate process with the container's configured environment, which does
not hold the ``LMS_ROLE`` that entrypoint.sh exports to the role's own process; so the role is read
from that process's environment in ``/proc`` (same user, so it is readable) when not set directly.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

# Role -> the LMS_* variable holding its port, and that variable's default (lms_shared.settings).
HTTP_ROLES: dict[str, tuple[str, int]] = {
    "gateway": ("LMS_GATEWAY_PORT", 8000),
    "courses": ("LMS_COURSES_PORT", 8101),
    "progress": ("LMS_PROGRESS_PORT", 8102),
    "certificates": ("LMS_CERTIFICATES_PORT", 8103),
    "notifications": ("LMS_NOTIFICATIONS_PORT", 8104),
}


def health_url(role: str, environ: dict[str, str]) -> str | None:
    """The liveness URL of an HTTP role, or None for roles without a port."""
    if role not in HTTP_ROLES:
        return None
    variable, default = HTTP_ROLES[role]
    # lms_shared.runtime.serve lets PORT override the role's own variable; mirror that order.
    port = environ.get("PORT") or environ.get(variable) or str(default)
    return f"http://127.0.0.1:{int(port)}/healthz"


def detect_role(environ: dict[str, str], proc: Path = Path("/proc")) -> str:
    """The container's role: ``LMS_ROLE`` if set here, else the one exported to the role's process."""
    if environ.get("LMS_ROLE"):
        return environ["LMS_ROLE"]
    for entry in sorted(proc.iterdir(), key=lambda p: p.name):
        if not entry.name.isdigit():
            continue
        try:
            variables = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # another user's process, or one that just ended
            continue
        for variable in variables:
            if variable.startswith(b"LMS_ROLE="):
                return variable.removeprefix(b"LMS_ROLE=").decode(errors="replace")
    return ""


def main() -> int:
    role = detect_role(dict(os.environ))
    url = health_url(role, dict(os.environ))
    if url is None:
        return 0
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - fixed http://127.0.0.1 URL
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck: {role} did not answer {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
