"""The notifications service's public pages, at the gateway's public URL.

- ``GET /unsubscribe/{token}``: the page an email's unsubscribe link opens (no sign-in: the signed
  token is the permission, checked by the notifications service), and ``POST`` the same address: the
  one-click unsubscribe of RFC 8058 that mailbox providers send (``List-Unsubscribe-Post``), and the
  page's own button. Budgeted per client IP like the other public routes that answer to a secret.
- ``/dev/mailbox``: the development mailbox (every email the local SMTP server received), in
  ``LMS_ENV=development`` only; elsewhere the address does not exist.

A failure upstream answers 503 with Retry-After (one-click senders retry), never a 500.
"""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from gateway.config import GatewaySettings
from gateway.context import client_ip
from gateway.state import GatewayState
from lms_shared.logging import get_logger

log = get_logger(__name__)

# base64url(payload).base64url(mac), as the notifications service signs them.
TOKEN = re.compile(r"[A-Za-z0-9_-]{8,2048}\.[A-Za-z0-9_-]{16,128}")
# What the mailbox's pages and files are called (no "..", no encoded slashes).
MAILBOX_PATH = re.compile(r"(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}/?){0,4}")
RETRY_AFTER_SECONDS = "30"
# Headers of the service's answer the caller gets; the gateway adds its own security headers.
PASSED_HEADERS = (
    "content-type",
    "content-disposition",
    "cache-control",
    "content-security-policy",
    "referrer-policy",
    "x-robots-tag",
    "location",
)

UNAVAILABLE_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Try again shortly</title>"
    "<p>Unsubscribing is unavailable right now; try the link again in a minute.</p></html>"
)


def _answer(upstream: httpx.Response) -> Response:
    headers = {k: upstream.headers[k] for k in PASSED_HEADERS if k in upstream.headers and k != "content-type"}
    headers.setdefault("cache-control", "no-store")
    return Response(
        upstream.content,
        status_code=upstream.status_code,
        media_type=upstream.headers.get("content-type", "text/html; charset=utf-8"),
        headers=headers,
    )


def install_notification_routes(app: FastAPI, settings: GatewaySettings) -> None:
    """Mount the unsubscribe page (always) and the development mailbox (development only)."""

    async def forward(request: Request, path: str, *, budget: bool) -> Response:
        gw: GatewayState = request.app.state.gateway
        if budget:
            await gw.limiter.hit(
                "verify", client_ip(request, settings.trust_forwarded_for), settings.verify_rate_limit_per_minute
            )
        headers = {"Accept": request.headers.get("accept", "text/html")}
        body = None
        if request.method == "POST":
            body = await request.body()
            headers["Content-Type"] = request.headers.get("content-type", "application/x-www-form-urlencoded")
        try:
            upstream = await gw.clients.notifications.http.request(
                request.method, path, params=dict(request.query_params) or None, content=body, headers=headers
            )
        except httpx.HTTPError as exc:
            log.warning("notifications.page_unavailable", path=path.split("/")[2], error=type(exc).__name__)
            return HTMLResponse(UNAVAILABLE_PAGE, status_code=503, headers={"Retry-After": RETRY_AFTER_SECONDS})
        if upstream.status_code >= 500:
            return HTMLResponse(
                UNAVAILABLE_PAGE,
                status_code=503,
                headers={"Retry-After": upstream.headers.get("retry-after", RETRY_AFTER_SECONDS)},
            )
        return _answer(upstream)

    @app.api_route("/unsubscribe/{token}", methods=["GET", "POST"], include_in_schema=False)
    async def unsubscribe(request: Request, token: str) -> Response:
        """The unsubscribe page (GET) and the one-click unsubscribe (POST), without a sign-in."""
        if not TOKEN.fullmatch(token):
            return HTMLResponse(
                "<!doctype html><html lang=en><meta charset=utf-8><title>Link not valid</title>"
                "<p>This unsubscribe link is not valid. Open the link of the email again, or change your"
                " notification preferences after signing in.</p></html>",
                status_code=404,
                headers={"Cache-Control": "no-store"},
            )
        return await forward(request, f"/v1/unsubscribe/{token}", budget=True)

    if settings.env != "development":
        return

    @app.get("/dev/mailbox", include_in_schema=False)
    async def dev_mailbox(request: Request) -> Response:
        """The development mailbox's index (development only)."""
        return await forward(request, "/dev/mailbox", budget=False)

    @app.get("/dev/mailbox/{rest:path}", include_in_schema=False)
    async def dev_mailbox_item(request: Request, rest: str) -> Response:
        """One message of the development mailbox, or its raw form (development only)."""
        if not MAILBOX_PATH.fullmatch(rest) or ".." in rest:
            return JSONResponse({"error": {"code": "NOT_FOUND", "message": "Not found."}}, status_code=404)
        return await forward(request, f"/dev/mailbox/{rest}", budget=False)
