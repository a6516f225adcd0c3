"""GET /calendar/{courseId}.ics: the public iCalendar feed of a course's live sessions
(``Course.calendarUrl``), proxied from the courses service.

Calendar apps (Outlook, Google Calendar, phones) poll it without signing in: the feed holds only
published sessions and never a join link. A failure upstream answers 503 with Retry-After, which
those apps honour, never a 500 they may take for a feed that is gone.
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from gateway.state import GatewayState
from lms_shared.logging import get_logger

log = get_logger(__name__)

COURSE_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
LANG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})?")
RETRY_AFTER_SECONDS = "30"
CACHE_CONTROL = "public, max-age=300"


def _unavailable(retry_after: str = RETRY_AFTER_SECONDS) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": "UNAVAILABLE", "message": "The course calendar is unavailable; try again shortly."}},
        status_code=503,
        headers={"Retry-After": retry_after, "Cache-Control": "no-store"},
    )


def install_calendar(app: FastAPI) -> None:
    @app.get("/calendar/{course_id}.ics", include_in_schema=False)
    async def course_calendar(request: Request, course_id: str, lang: str | None = None) -> Response:
        """The feed; ``lang`` picks the language of titles and venues (with the usual fallback)."""
        if not COURSE_ID.fullmatch(course_id):
            return JSONResponse(
                {"error": {"code": "NOT_FOUND", "message": "There is no course calendar at this address."}},
                status_code=404,
            )
        params = {"lang": lang} if lang and LANG.fullmatch(lang) else None
        gw: GatewayState = request.app.state.gateway
        try:
            upstream = await gw.clients.courses.http.get(f"/v1/courses/{course_id}/calendar.ics", params=params)
        except Exception as exc:  # noqa: BLE001 - any transport failure means "try later" to the caller
            log.warning("calendar.upstream_failed", course_id=course_id, error=repr(exc))
            return _unavailable()
        if upstream.status_code >= 500:
            return _unavailable(upstream.headers.get("retry-after", RETRY_AFTER_SECONDS))
        if upstream.status_code != 200:
            return Response(
                upstream.content,
                status_code=upstream.status_code,
                media_type=upstream.headers.get("content-type", "application/json"),
                headers={"Cache-Control": "no-store"},
            )
        headers = {"Cache-Control": upstream.headers.get("cache-control", CACHE_CONTROL)}
        if "etag" in upstream.headers:
            headers["ETag"] = upstream.headers["etag"]
        return Response(upstream.content, media_type="text/calendar; charset=utf-8", headers=headers)
