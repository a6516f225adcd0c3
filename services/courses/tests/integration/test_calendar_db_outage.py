"""The public calendar feed when the courses database is briefly away (issue 15, "what if it fails?").

Calendar apps poll ``Course.calendarUrl`` on their own schedule. With the database unreachable the
feed answers 503 with Retry-After (which they honour), never a 500 that some take for a feed that
is gone; once the database is back, the same URL answers the feed again. The courses API reaches
Postgres through a :class:`tests.support.faults.FaultyLink`; everything else is real.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import icalendar
import pytest

from tests.support.faults import FaultyLink
from tests.support.stack import service_stack
from tests.support.tokens import make_token

from .conftest import slug, texts

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def outage_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with service_stack(Path(tmp_path_factory.mktemp("courses-calendar-outage")), "courses", ("courses",)) as stack:
        yield stack


def _through(link: FaultyLink, url: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}@127.0.0.1:{link.port}" if parts.username else f"127.0.0.1:{link.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _restart_courses(stack: Any, **env: str) -> None:
    stack.stop_role("courses")
    spec = stack.roles["courses"]
    stack.roles["courses"] = dataclasses.replace(spec, replica_env={**spec.replica_env, **env})
    stack.start_role("courses")
    stack.wait_healthy(timeout=120, names=["courses"])


async def test_the_feed_answers_503_with_retry_after_while_the_database_is_down(outage_stack: Any) -> None:
    env = outage_stack.env
    db_url = env["LMS_COURSES_DATABASE_URL"]
    parts = urlsplit(db_url)
    link = FaultyLink(parts.hostname or "127.0.0.1", int(parts.port or 5432))
    await asyncio.to_thread(_restart_courses, outage_stack, LMS_COURSES_DATABASE_URL=_through(link, db_url))
    token = make_token(env["LMS_JWT_SECRET"], sub="trainer-outage", name="Trainer", roles=["trainer"])
    trainer = {"Authorization": f"Bearer {token}"}
    try:
        async with httpx.AsyncClient(base_url=env["LMS_COURSES_URL"], timeout=60) as api:
            body = {"slug": slug(), "titles": texts(en="Forum"), "defaultLanguage": "en"}
            course = (await api.post("/v1/courses", json=body, headers=trainer)).json()
            module = (
                await api.post(
                    f"/v1/courses/{course['id']}/modules", json={"titles": texts(en="Day 1")}, headers=trainer
                )
            ).json()
            live = {"startsAt": "2026-06-01T09:00:00Z", "endsAt": "2026-06-01T10:00:00Z", "timezone": "UTC"}
            r = await api.post(
                f"/v1/modules/{module['id']}/lessons",
                json={"kind": "LIVE", "titles": texts(en="Opening"), "live": live},
                headers=trainer,
            )
            assert r.status_code == 201, r.text
            assert (await api.post(f"/v1/courses/{course['id']}/publish", headers=trainer)).status_code == 200
            feed = f"/v1/courses/{course['id']}/calendar.ics"
            assert (await api.get(feed)).status_code == 200

            link.cut()
            down = await api.get(feed)
            assert down.status_code == 503, down.text
            assert down.headers["retry-after"].isdigit()
            assert down.json()["error"]["code"] == "UNAVAILABLE"

            link.restore()
            for _ in range(30):
                back = await api.get(feed)
                if back.status_code == 200:
                    break
                assert back.status_code == 503, back.text  # never a 500 while the pool reconnects
                await asyncio.sleep(1)
            assert back.status_code == 200
            [event] = icalendar.Calendar.from_ical(back.content).walk("VEVENT")
            assert str(event["SUMMARY"]) == "Opening · Forum"
    finally:
        link.restore()
        link.close()
