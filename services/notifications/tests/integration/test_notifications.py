"""Notifications on the real stack: a real certificate, the REST API, reminders before a session."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from lms_shared.events.catalogue import CoursePublishedV1, EnrollmentCreatedV1, LearnerData
from services.notifications.tests.integration.support import drained, eventually, publish_all, uid
from services.notifications.tests.unit.support import issued
from tests.support.graphql import GraphQLClient

pytestmark = pytest.mark.integration

CREATE = """mutation($input: CreateCourseInput!){ createCourse(input:$input){ id } }"""
ADD_MODULE = """mutation($c:ID!,$i:ModuleInput!){ addModule(courseId:$c, input:$i){ id } }"""
ADD_LESSON = """mutation($m:ID!,$i:LessonInput!){ addLesson(moduleId:$m, input:$i){ id } }"""
PUBLISH = """mutation($id:ID!){ publishCourse(id:$id){ status version } }"""
ENROLL = """mutation($c:ID!){ enroll(courseId:$c){ id } }"""
COMPLETE = """mutation($e:ID!,$l:ID!){ completeLesson(enrollmentId:$e, lessonId:$l){ status } }"""
CERTS = """{ myCertificates { id code } }"""


async def test_a_completed_course_gives_exactly_one_certificate_notification_and_one_email(
    stack_env: dict[str, str], token_for: Any, client: Callable[..., httpx.AsyncClient], ndb: asyncpg.Pool
) -> None:
    gw = stack_env["LMS_PUBLIC_URL"]
    sub = uid("learner")
    address = f"{sub}@example.org"
    trainer = GraphQLClient(gw, token_for(uid("trainer"), "Aygün Məmmədova", ["trainer"], locale="az"))
    learner = GraphQLClient(gw, token_for(sub, "Әлия Қасымқызы", ["learner"], locale="kk", email=address))
    try:
        course = (
            await trainer.q(
                CREATE,
                input={
                    "slug": f"notify-{uuid.uuid4().hex[:6]}",
                    "titles": [{"lang": "az", "text": "Şəhər idarəçiliyi"}, {"lang": "kk", "text": "Қалалық басқару"}],
                    "defaultLanguage": "az",
                    "autoIssueCertificate": True,
                },
            )
        )["createCourse"]
        module = (await trainer.q(ADD_MODULE, c=course["id"], i={"titles": [{"lang": "az", "text": "Giriş"}]}))[
            "addModule"
        ]
        lesson = (
            await trainer.q(
                ADD_LESSON,
                m=module["id"],
                i={"kind": "TEXT", "titles": [{"lang": "az", "text": "Dərs"}], "bodies": [{"lang": "az", "text": "x"}]},
            )
        )["addLesson"]
        await trainer.q(PUBLISH, id=course["id"])

        async def enroll() -> dict[str, Any]:
            enrolled: dict[str, Any] = (await learner.q(ENROLL, c=course["id"]))["enroll"]
            return enrolled

        enrollment = await eventually(enroll, timeout=60)
        assert (await learner.q(COMPLETE, e=enrollment["id"], l=lesson["id"]))["completeLesson"][
            "status"
        ] == "COMPLETED"

        async def certificate() -> dict[str, Any] | None:
            certs = (await learner.q(CERTS))["myCertificates"]
            return certs[0] if certs else None

        cert = await eventually(certificate, timeout=60)
    finally:
        await trainer.aclose()
        await learner.aclose()

    me = client(sub, "Әлия Қасымқызы", locale="kk", email=address)

    async def notified() -> dict[str, Any] | None:
        body: dict[str, Any] = (await me.get("/v1/notifications")).json()
        return body if body["nodes"] else None

    page = await eventually(notified, timeout=30)
    [node] = page["nodes"]
    assert node["kind"] == "CERTIFICATE_ISSUED"
    assert node["title"] == "Қалалық басқару бойынша сертификатыңыз"  # the learner's language (token locale)
    assert f"/verify/{cert['code']}" in node["body"] and node["url"] == f"/verify/{cert['code']}"
    assert (page["total_count"], page["unread"]) == (1, 1)
    # Exactly one: nothing more arrives, and one email is staged for the address of the token.
    rows = await ndb.fetch(
        "SELECT n.id, d.to_address, d.status FROM notification n LEFT JOIN email_delivery d ON d.notification_id = n.id"
        " WHERE n.recipient_id = $1",
        sub,
    )
    assert [(r["id"], r["to_address"]) for r in rows] == [(node["id"], address)]
    outbox = await ndb.fetchval(
        "SELECT count(*) FROM outbox_message WHERE subject = 'lms.notifications.notification.created.v1'"
        " AND convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'notification_id' = $1",
        node["id"],
    )
    assert outbox == 1
    assert (
        (await me.get(f"/v1/notifications/{node['id']}", params={"lang": "ru"}))
        .json()["title"]
        .startswith("Ваш сертификат")
    )


async def test_the_rest_api_serves_only_the_callers_own(
    client: Callable[..., httpx.AsyncClient], nats_js: JetStreamContext, ndb: asyncpg.Pool
) -> None:
    a, b = uid("a"), uid("b")
    events = [
        issued(a, uid("cert")).envelope(),
        issued(a, uid("cert")).envelope(),
        issued(b, uid("cert")).envelope(),
    ]
    await drained(nats_js, ndb, events, await publish_all(nats_js, [(e, False) for e in events]))
    alice, bob, anon = client(a), client(b), client(None)
    for method, path, body in (
        ("GET", "/v1/notifications", None),
        ("GET", "/v1/notifications/x", None),
        ("POST", "/v1/notifications/read", {"ids": None}),
        ("GET", "/v1/preferences", None),
        ("PUT", "/v1/preferences", {"email": False}),
    ):
        assert (await anon.request(method, path, json=body)).status_code == 401, path

    page = (await alice.get("/v1/notifications", params={"first": 1})).json()
    assert page["total_count"] == 2 and page["page_info"]["has_next_page"] is True
    rest = (await alice.get("/v1/notifications", params={"first": 1, "after": page["page_info"]["end_cursor"]})).json()
    assert rest["page_info"] == {"has_next_page": False, "end_cursor": rest["page_info"]["end_cursor"]}
    mine = [page["nodes"][0]["id"], rest["nodes"][0]["id"]]
    theirs = (await bob.get("/v1/notifications")).json()["nodes"][0]["id"]

    assert (await bob.get(f"/v1/notifications/{mine[0]}")).status_code == 404
    assert (await alice.get(f"/v1/notifications/{mine[0]}")).status_code == 200
    r = await bob.post("/v1/notifications/read", json={"ids": [*mine, "unknown"]})
    assert r.json() == {"marked": 0}
    assert (await alice.post("/v1/notifications/read", json={"ids": [mine[0], theirs]})).json() == {"marked": 1}
    unread = (await alice.get("/v1/notifications", params={"unread_only": "true"})).json()
    assert (unread["total_count"], unread["unread"], [n["id"] for n in unread["nodes"]]) == (1, 1, [mine[1]])
    assert (await alice.post("/v1/notifications/read", json={"ids": None})).json() == {"marked": 1}
    assert (await bob.get("/v1/notifications")).json()["unread"] == 1

    assert (await alice.get("/v1/preferences")).json() == {
        "email": True,
        "muted_email_kinds": [],
        "digest": "NONE",
        "locale": None,
    }
    put = await alice.put("/v1/preferences", json={"muted_email_kinds": ["COURSE_UPDATED"], "locale": "ky"})
    assert put.json() == {"email": True, "muted_email_kinds": ["COURSE_UPDATED"], "digest": "NONE", "locale": "ky"}
    assert (await alice.get("/v1/notifications")).json()["nodes"][0]["title"].endswith("сертификатыңыз")
    for bad in ({"muted_email_kinds": ["SPAM"]}, {"digest": "HOURLY"}, {"locale": "de"}, {"colour": "red"}):
        r = await alice.put("/v1/preferences", json=bad)
        assert r.status_code == 422 and r.json()["error"]["code"] == "BAD_USER_INPUT", bad
    assert (await alice.get("/v1/notifications", params={"after": "garbage"})).status_code == 422
    assert (await bob.get("/v1/preferences")).json()["locale"] is None


async def test_a_reminder_is_sent_before_a_live_session(
    client: Callable[..., httpx.AsyncClient], nats_js: JetStreamContext, ndb: asyncpg.Pool
) -> None:
    """A session 59 minutes away: its 1-hour reminder is due at once, the 24-hour one is skipped."""
    course_id, sub = uid("course"), uid("learner")
    starts = (datetime.now(UTC) + timedelta(minutes=59)).replace(microsecond=0)
    published = CoursePublishedV1.model_validate(
        {
            "course_id": course_id,
            "version": 1,
            "slug": course_id,
            "owner_id": "t1",
            "default_language": "en",
            "languages": ["en"],
            "titles": {"en": "Forum course"},
            "modules": [
                {
                    "id": "m1",
                    "position": 1,
                    "titles": {"en": "M"},
                    "lessons": [
                        {
                            "id": f"{course_id}-live",
                            "position": 1,
                            "kind": "LIVE",
                            "titles": {"en": "Forum day"},
                            "live": {
                                "starts_at": starts.isoformat(),
                                "ends_at": (starts + timedelta(hours=2)).isoformat(),
                                "timezone": "Asia/Bishkek",
                                "venues": {"en": "Ala-Too hall"},
                            },
                        }
                    ],
                }
            ],
            "published_at": datetime.now(UTC).isoformat(),
        }
    )
    enrolled = EnrollmentCreatedV1(
        enrollment_id=uid("enr"),
        course_id=course_id,
        course_version=1,
        learner=LearnerData(id=sub, name="Aibek", email=f"{sub}@example.org", zoneinfo="Asia/Tashkent"),
        enrolled_at=datetime.now(UTC),
    )
    events = [enrolled.envelope(), published.envelope()]
    await drained(nats_js, ndb, events, await publish_all(nats_js, [(e, False) for e in events]))
    rows = await ndb.fetch("SELECT offset_minutes, due_at FROM notification_schedule WHERE course_id = $1", course_id)
    assert sorted(r["offset_minutes"] for r in rows) == [60, 1440]
    me = client(sub)

    async def reminded() -> list[dict[str, Any]] | None:
        nodes: list[dict[str, Any]] = (await me.get("/v1/notifications")).json()["nodes"]
        return nodes or None

    [node] = await eventually(reminded, timeout=30)
    assert node["kind"] == "SESSION_REMINDER" and node["url"] == f"/courses/{course_id}/lessons/{course_id}-live"
    local = starts.astimezone(ZoneInfo("Asia/Tashkent")).strftime("%Y-%m-%d %H:%M")
    assert local in node["title"] and "Ala-Too hall" in node["body"]
    statuses = await ndb.fetch(
        "SELECT offset_minutes, status FROM notification_schedule WHERE course_id = $1 ORDER BY offset_minutes",
        course_id,
    )
    assert [(r["offset_minutes"], r["status"]) for r in statuses] == [(60, "DONE"), (1440, "SKIPPED")]
    assert (
        json.loads(await ndb.fetchval("SELECT params::text FROM notification WHERE id = $1", node["id"]))["zone"]
        == "Asia/Tashkent"
    )
