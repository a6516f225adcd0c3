"""GET /calendar/{courseId}.ics (Course.calendarUrl): proxied from courses, public, cacheable, and a
503 with Retry-After (never a 500) whenever courses cannot answer (issue 15)."""

from __future__ import annotations

import httpx

from .fakes import Harness

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
COURSE = "7d7f2f8e-2f4e-4e4b-9c39-1a2b3c4d5e6f"


async def test_the_feed_is_proxied_with_calendar_headers_and_the_language(gw: Harness) -> None:
    route = gw.courses.get(f"/v1/courses/{COURSE}/calendar.ics").respond(
        200, content=ICS, headers={"content-type": "text/calendar; charset=utf-8", "etag": 'W/"x-1-en"'}
    )
    r = await gw.client.get(f"/calendar/{COURSE}.ics", params={"lang": "kk"})
    assert r.status_code == 200 and r.content == ICS
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "max-age" in r.headers["cache-control"] and r.headers["etag"] == 'W/"x-1-en"'
    assert route.calls.last.request.url.params["lang"] == "kk"
    assert "authorization" not in route.calls.last.request.headers  # public: nobody's token goes upstream


async def test_an_unknown_course_is_404_and_a_malformed_id_never_leaves_the_gateway(gw: Harness) -> None:
    gw.courses.get(f"/v1/courses/{COURSE}/calendar.ics").respond(
        404, json={"error": {"code": "NOT_FOUND", "message": "There is no published course with id x."}}
    )
    assert (await gw.client.get(f"/calendar/{COURSE}.ics")).status_code == 404
    before = gw.upstream_requests()
    assert (await gw.client.get("/calendar/a%20b.ics")).status_code == 404
    assert gw.upstream_requests() == before


async def test_courses_away_or_failing_answers_503_with_retry_after(gw: Harness) -> None:
    feed = gw.courses.get(f"/v1/courses/{COURSE}/calendar.ics")
    feed.mock(side_effect=httpx.ConnectError("refused"))
    r = await gw.client.get(f"/calendar/{COURSE}.ics")
    assert r.status_code == 503 and r.headers["retry-after"].isdigit()
    assert r.json()["error"]["code"] == "UNAVAILABLE"
    feed.mock(side_effect=None, return_value=httpx.Response(503, headers={"retry-after": "12"}, json={}))
    r = await gw.client.get(f"/calendar/{COURSE}.ics")
    assert r.status_code == 503 and r.headers["retry-after"] == "12"
    feed.mock(side_effect=None, return_value=httpx.Response(500, json={}))
    r = await gw.client.get(f"/calendar/{COURSE}.ics")
    assert r.status_code == 503 and r.headers["retry-after"].isdigit()
