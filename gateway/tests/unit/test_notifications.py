"""Notifications in the gateway (issue 16): the four fields over a scripted notifications service, and
``notificationReceived`` over a real WebSocket, fed by the EventHub as NATS would feed it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from gateway.events import EventHub
from lms_shared.events.catalogue import NotificationCreatedV1

from .fakes import Harness, make_harness

LIST = """query($u:Boolean,$f:Int,$a:String,$l:String){ myNotifications(unreadOnly:$u, first:$f, after:$a, lang:$l){
  nodes { id kind title body url createdAt readAt } pageInfo { hasNextPage endCursor } totalCount unread } }"""
PREFS = "{ myNotificationPreferences { email mutedEmailKinds digest locale } }"
MARK = "mutation($ids:[ID!]){ markNotificationsRead(ids:$ids) }"
UPDATE = """mutation($i:NotificationPreferencesInput!){ updateNotificationPreferences(input:$i){
  email mutedEmailKinds digest locale } }"""
LIVE = "subscription { notificationReceived { id kind title url readAt } }"


def node(nid: str = "n1", kind: str = "CERTIFICATE_ISSUED", read_at: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": nid,
        "kind": kind,
        "title": "Sertifikatınız hazırdır",
        "body": "Kurs: Su təchizatı",
        "url": "/certificates",
        "created_at": extra.pop("created_at", "2026-12-01T20:00:00+00:00"),
        "read_at": read_at,
        **extra,
    }


PAGE = {
    "nodes": [node("n2"), node("n1", read_at="2026-12-01T20:05:00+00:00")],
    "page_info": {"has_next_page": True, "end_cursor": "c2"},
    "total_count": 7,
    "unread": 3,
}
PREFERENCES = {"email": True, "muted_email_kinds": ["COURSE_UPDATED"], "digest": "NONE", "locale": None}


def codes(body: dict[str, Any]) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors") or []}


def notifications(gw: Harness) -> Any:
    assert gw.notifications is not None
    return gw.notifications


async def test_my_notifications_is_the_services_page_in_the_schemas_shape(gw: Harness, tok: Any) -> None:
    route = notifications(gw).get("/v1/notifications").respond(json=PAGE)
    body = await gw.gql(LIST, tok("l1", ["learner"], locale="az"), u=True, f=2, a="c1")
    assert body.get("errors") is None, body
    page = body["data"]["myNotifications"]
    assert page["totalCount"] == 7 and page["unread"] == 3
    assert page["pageInfo"] == {"hasNextPage": True, "endCursor": "c2"}
    assert page["nodes"][0] == {
        "id": "n2",
        "kind": "CERTIFICATE_ISSUED",
        "title": "Sertifikatınız hazırdır",
        "body": "Kurs: Su təchizatı",
        "url": "/certificates",
        "createdAt": "2026-12-01T20:00:00+00:00",
        "readAt": None,
    }
    assert page["nodes"][1]["readAt"] == "2026-12-01T20:05:00+00:00"
    sent = route.calls.last.request
    assert dict(sent.url.params) == {"unread_only": "true", "first": "2", "after": "c1", "lang": "az"}
    assert sent.headers["authorization"].startswith("Bearer ")  # the viewer's own token: the service scopes


async def test_lang_wins_over_the_token_locale_and_an_unknown_one_is_left_to_the_service(gw: Harness, tok: Any) -> None:
    route = notifications(gw).get("/v1/notifications").respond(json=PAGE)
    await gw.gql(LIST, tok("l1", ["learner"], locale="az"), l="kk-KZ")
    assert route.calls.last.request.url.params["lang"] == "kk"
    await gw.gql(LIST, tok("l1", ["learner"]), l="xx")
    assert "lang" not in route.calls.last.request.url.params


async def test_a_page_size_out_of_range_is_refused_before_any_call(gw: Harness, tok: Any) -> None:
    for first in (0, 101):
        body = await gw.gql(LIST, tok("l1", ["learner"]), f=first)
        assert codes(body) == {"BAD_USER_INPUT"} and "between 1 and 100" in body["errors"][0]["message"]
    assert gw.upstream_requests() == 0


async def test_anonymous_callers_are_refused_every_field_before_any_call(gw: Harness) -> None:
    for query, variables in ((LIST, {}), (PREFS, {}), (MARK, {"ids": None}), (UPDATE, {"i": {"email": False}})):
        body = await gw.gql(query, None, **variables)
        assert codes(body) == {"UNAUTHENTICATED"}, (query, body)
    assert gw.upstream_requests() == 0


async def test_mark_read_sends_the_ids_or_null_for_all(gw: Harness, tok: Any) -> None:
    route = (
        notifications(gw)
        .post("/v1/notifications/read")
        .mock(side_effect=lambda r: httpx.Response(200, json={"marked": 0 if orjson.loads(r.content)["ids"] else 5}))
    )
    token = tok("l1", ["learner"])
    body = await gw.gql(MARK, token, ids=None)
    assert body["data"] == {"markNotificationsRead": 5}
    assert orjson.loads(route.calls.last.request.content) == {"ids": None}
    # Someone else's id: the service marks only the caller's own, so nothing.
    body = await gw.gql(MARK, token, ids=["someone-elses"])
    assert body["data"] == {"markNotificationsRead": 0}
    assert orjson.loads(route.calls.last.request.content) == {"ids": ["someone-elses"]}
    calls = len(route.calls)
    assert (await gw.gql(MARK, token, ids=[]))["data"] == {"markNotificationsRead": 0}
    assert len(route.calls) == calls  # nothing to mark, nothing asked


async def test_mark_read_refuses_bad_ids_with_a_message(gw: Harness, tok: Any) -> None:
    token = tok("l1", ["learner"])
    for ids in (["a\x00b"], [" "], ["x"] * 501):
        body = await gw.gql(MARK, token, ids=ids)
        assert codes(body) == {"BAD_USER_INPUT"}, body
        assert body["errors"][0]["message"]
    assert gw.upstream_requests() == 0


async def test_preferences_are_read_and_only_the_given_fields_are_changed(gw: Harness, tok: Any) -> None:
    notifications(gw).get("/v1/preferences").respond(json=PREFERENCES)
    stored = dict(PREFERENCES)

    def put(request: httpx.Request) -> httpx.Response:
        stored.update(orjson.loads(request.content))
        return httpx.Response(200, json=stored)

    route = notifications(gw).put("/v1/preferences").mock(side_effect=put)
    token = tok("l1", ["learner"])
    body = await gw.gql(PREFS, token)
    assert body["data"]["myNotificationPreferences"] == {
        "email": True,
        "mutedEmailKinds": ["COURSE_UPDATED"],
        "digest": "NONE",
        "locale": None,
    }
    body = await gw.gql(UPDATE, token, i={"mutedEmailKinds": ["ENROLLED", "COURSE_UPDATED"], "digest": "WEEKLY"})
    assert body.get("errors") is None, body
    assert orjson.loads(route.calls.last.request.content) == {
        "muted_email_kinds": ["COURSE_UPDATED", "ENROLLED"],
        "digest": "WEEKLY",
    }
    assert body["data"]["updateNotificationPreferences"]["digest"] == "WEEKLY"
    await gw.gql(UPDATE, token, i={"email": False, "locale": "AZ"})
    assert orjson.loads(route.calls.last.request.content) == {"email": False, "locale": "az"}
    await gw.gql(UPDATE, token, i={"locale": None})
    assert orjson.loads(route.calls.last.request.content) == {"locale": None}


async def test_a_locale_outside_the_seven_languages_is_refused(gw: Harness, tok: Any) -> None:
    body = await gw.gql(UPDATE, tok("l1", ["learner"]), i={"locale": "de"})
    assert codes(body) == {"BAD_USER_INPUT"} and "en, tr, az, kk, ky, uz, ru" in body["errors"][0]["message"]
    body = await gw.gql(UPDATE, tok("l1", ["learner"]), i={"digest": "HOURLY"})
    assert codes(body) == {"BAD_USER_INPUT"}
    assert gw.upstream_requests() == 0


async def test_the_service_down_is_unavailable_not_an_internal_error(gw: Harness, tok: Any) -> None:
    notifications(gw).get("/v1/notifications").mock(side_effect=httpx.ConnectError("refused"))
    body = await gw.gql(LIST, tok("l1", ["learner"]))
    assert codes(body) == {"UNAVAILABLE"}
    assert body["errors"][0]["message"].startswith("Notifications are unavailable")
    assert "refused" not in json.dumps(body)


# --- notificationReceived ---------------------------------------------------------------------------


def created(recipient: str, nid: str) -> Any:
    envelope = NotificationCreatedV1(
        notification_id=nid, recipient_id=recipient, kind="CERTIFICATE_ISSUED", created_at="2026-12-01T20:00:00Z"
    ).envelope()
    return SimpleNamespace(subject=NotificationCreatedV1.TYPE, data=envelope.model_dump_json().encode(), headers=None)


@asynccontextmanager
async def serving(**settings: Any) -> AsyncIterator[tuple[Harness, EventHub, str]]:
    """The harness's app on a real socket with an EventHub (no NATS: the test hands it the messages)."""
    h = make_harness(**settings)
    hub = EventHub(None, h.state.catalogue, h.state.responses)  # type: ignore[arg-type]
    h.state.hub = hub
    server = uvicorn.Server(uvicorn.Config(h.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield h, hub, f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await task
        await h.aclose()


@asynccontextmanager
async def session(url: str, token: str | None) -> AsyncIterator[ClientConnection]:
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        yield ws


async def subscribe(ws: ClientConnection, op_id: str, query: str = LIVE) -> None:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))


async def next_message(ws: ClientConnection, timeout: float = 10) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        return dict(json.loads(await ws.recv()))


async def watchers(hub: EventHub, n: int) -> None:
    async with asyncio.timeout(10):
        while hub.notification_watchers() < n:  # noqa: ASYNC110 - the hub offers a count, not an event
            await asyncio.sleep(0.01)


async def test_a_new_notification_is_pushed_to_its_recipient_only(tok: Any) -> None:
    async with serving() as (h, hub, url):
        service = notifications(h)
        service.get("/v1/notifications/n1").respond(json=node("n1"))
        async with (
            session(url, tok("l1", ["learner"], locale="az")) as mine,
            session(url, tok("l2", ["learner"])) as other,
        ):
            await subscribe(mine, "1")
            await subscribe(other, "1")
            await watchers(hub, 2)
            await hub._on_notification_created(created("l1", "n1"))
            msg = await next_message(mine)
            assert msg["type"] == "next" and msg["payload"]["data"]["notificationReceived"] == {
                "id": "n1",
                "kind": "CERTIFICATE_ISSUED",
                "title": "Sertifikatınız hazırdır",
                "url": "/certificates",
                "readAt": None,
            }
            with pytest.raises(TimeoutError):
                await next_message(other, timeout=0.5)
            [call] = service.calls
            assert call.request.url.params["lang"] == "az"  # read with l1's token, in l1's language
        await asyncio.sleep(0.1)
        assert hub.notification_watchers() == 0  # closed subscriptions leave the hub


async def test_a_notification_the_service_does_not_show_the_viewer_is_not_pushed(tok: Any) -> None:
    async with serving() as (h, hub, url):
        service = notifications(h)
        service.get("/v1/notifications/gone").respond(404, json={"error": {"code": "NOT_FOUND", "message": "No."}})
        service.get("/v1/notifications/n2").respond(json=node("n2"))
        async with session(url, tok("l1", ["learner"])) as ws:
            await subscribe(ws, "1")
            await watchers(hub, 1)
            await hub._on_notification_created(created("l1", "gone"))
            await hub._on_notification_created(created("l1", "n2"))
            msg = await next_message(ws)
            assert msg["payload"]["data"]["notificationReceived"]["id"] == "n2"


async def test_an_unavailable_service_is_retried_then_the_push_is_made(tok: Any) -> None:
    answers: list[httpx.Response] = [
        httpx.Response(503, json={"error": {"code": "UNAVAILABLE", "message": "down"}}),
        httpx.Response(503, json={"error": {"code": "UNAVAILABLE", "message": "down"}}),
        httpx.Response(200, json=node("n3")),
    ]
    async with serving(upstream_retries=0) as (h, hub, url):
        notifications(h).get("/v1/notifications/n3").mock(side_effect=lambda r: answers.pop(0))
        async with session(url, tok("l1", ["learner"])) as ws:
            await subscribe(ws, "1")
            await watchers(hub, 1)
            await hub._on_notification_created(created("l1", "n3"))
            msg = await next_message(ws)
            assert msg["payload"]["data"]["notificationReceived"]["id"] == "n3"
            assert answers == []


async def test_after_a_resync_what_was_missed_is_pushed_once(tok: Any) -> None:
    async with serving() as (h, hub, url):
        service = notifications(h)
        fresh = {
            "nodes": [
                node("n5", created_at="2099-01-01T00:00:00+00:00"),
                node("old", created_at="2020-01-01T00:00:00Z"),
            ],
            "page_info": {"has_next_page": False, "end_cursor": None},
            "total_count": 2,
            "unread": 2,
        }
        missed = service.get("/v1/notifications").respond(json=fresh)
        service.get("/v1/notifications/n5").respond(json=node("n5"))
        service.get("/v1/notifications/n6").respond(json=node("n6"))
        async with session(url, tok("l1", ["learner"])) as ws:
            await subscribe(ws, "1")
            await watchers(hub, 1)
            await hub.resync("nats_reconnected")
            msg = await next_message(ws)
            assert msg["payload"]["data"]["notificationReceived"]["id"] == "n5"  # not the one from before
            assert missed.calls.last.request.url.params["unread_only"] == "true"
            await hub._on_notification_created(created("l1", "n5"))  # the event after all: already pushed
            await hub._on_notification_created(created("l1", "n6"))
            msg = await next_message(ws)
            assert msg["payload"]["data"]["notificationReceived"]["id"] == "n6"


async def test_anonymous_subscribers_are_unauthenticated(tok: Any) -> None:
    async with serving() as (h, hub, url), session(url, None) as ws:
        await subscribe(ws, "1")
        msg = await next_message(ws)
        assert msg["type"] == "error", msg
        assert msg["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert hub.notification_watchers() == 0 and h.upstream_requests() == 0


async def test_the_websocket_limits_apply(tok: Any) -> None:
    limits = {"ws_max_operations": 2, "ws_max_connections_per_user": 1}
    async with serving(**limits) as (_, hub, url), session(url, tok("l1", ["learner"])) as ws:
        await subscribe(ws, "a")
        await subscribe(ws, "b")
        await watchers(hub, 2)
        await subscribe(ws, "c")
        msg = await next_message(ws)
        assert msg["id"] == "c" and msg["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as second:  # type: ignore[list-item]
            payload = {"Authorization": f"Bearer {tok('l1', ['learner'])}"}
            await second.send(json.dumps({"type": "connection_init", "payload": payload}))
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(10):
                    while True:
                        await second.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429


# --- public pages: unsubscribe, and the development mailbox ------------------------------------------

TOKEN = "eyJyIjoibDEiLCJrIjoiQ0VSVElGSUNBVEVfSVNTVUVEIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"


async def test_the_unsubscribe_page_and_one_click_reach_the_service_without_a_sign_in(gw: Harness) -> None:
    service = notifications(gw)
    page = service.get(f"/v1/unsubscribe/{TOKEN}").respond(
        200, html="<!doctype html><form method=post><button>Unsubscribe</button></form>"
    )
    click = service.post(f"/v1/unsubscribe/{TOKEN}").respond(200, html="<p>Done</p>")
    r = await gw.client.get(f"/unsubscribe/{TOKEN}")
    assert r.status_code == 200 and "Unsubscribe" in r.text
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-store" and "content-security-policy" in r.headers
    assert "authorization" not in page.calls.last.request.headers
    r = await gw.client.post(
        f"/unsubscribe/{TOKEN}",
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200 and "Done" in r.text
    sent = click.calls.last.request
    assert sent.content == b"List-Unsubscribe=One-Click"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"


async def test_a_malformed_unsubscribe_link_is_refused_before_any_call(gw: Harness) -> None:
    for bad in ("nope", "a" * 40, f"{TOKEN}%2F..", "..%2F..%2Fv1%2Fpreferences"):
        r = await gw.client.get(f"/unsubscribe/{bad}")
        assert r.status_code == 404, bad  # an encoded slash decodes into another path: no route, no SPA
        if "%" not in bad:
            assert "not valid" in r.text
    assert (await gw.client.get("/unsubscribe")).status_code == 404  # not the web client
    assert gw.upstream_requests() == 0


async def test_unsubscribing_while_the_service_is_down_says_try_again(gw: Harness) -> None:
    notifications(gw).post(f"/v1/unsubscribe/{TOKEN}").mock(side_effect=httpx.ConnectError("refused"))
    r = await gw.client.post(f"/unsubscribe/{TOKEN}", content=b"List-Unsubscribe=One-Click")
    assert r.status_code == 503 and r.headers["retry-after"] == "30"
    assert "refused" not in r.text and "try the link again" in r.text


async def test_the_dev_mailbox_is_proxied_in_development_only(gw: Harness) -> None:
    assert (await gw.client.get("/dev/mailbox")).status_code == 404  # LMS_ENV=test
    assert gw.upstream_requests() == 0
    dev = make_harness(env="development")
    try:
        service = notifications(dev)
        service.get("/dev/mailbox").respond(200, html="<h1>Mailbox</h1>")
        service.get("/dev/mailbox/m1.eml").respond(200, text="Subject: x", headers={"content-type": "message/rfc822"})
        r = await dev.client.get("/dev/mailbox")
        assert r.status_code == 200 and "Mailbox" in r.text
        r = await dev.client.get("/dev/mailbox/m1.eml")
        assert r.status_code == 200 and r.headers["content-type"].startswith("message/rfc822")
        assert (await dev.client.get("/dev/mailbox/..%2F..%2Fv1%2Fpreferences")).status_code == 404
    finally:
        await dev.aclose()


# --- parked emails (admins) -------------------------------------------------------------------------

DELIVERIES = """query($s:EmailDeliveryStatus){ emailDeliveries(status:$s, first:10){ totalCount
  pageInfo { hasNextPage } nodes { id status toAddress lastError attempts notificationId createdAt sentAt } } }"""
REPLAY = "mutation($id:ID!){ replayEmailDelivery(id:$id){ id status attempts } }"
PARKED = {
    "id": "d1",
    "source": "NOTIFICATION",
    "notification_id": "n1",
    "recipient_id": "l1",
    "to_address": "leyla@example.org",
    "status": "PARKED",
    "attempts": 1,
    "last_error": "550 5.1.1 no such mailbox",
    "message_id": "<n1@kentbilim>",
    "created_at": "2026-12-01T20:00:00+00:00",
    "next_attempt_at": "2026-12-01T20:00:00+00:00",
    "sent_at": None,
}


async def test_admins_list_parked_emails_and_replay_one(gw: Harness, tok: Any) -> None:
    service = notifications(gw)
    listing = service.get("/v1/admin/email-deliveries").respond(
        json={"nodes": [PARKED], "page_info": {"has_next_page": False, "end_cursor": None}, "total_count": 1}
    )
    service.post("/v1/admin/email-deliveries/d1/replay").respond(json={**PARKED, "status": "PENDING"})
    admin = tok("a1", ["admin"])
    body = await gw.gql(DELIVERIES, admin)
    assert body.get("errors") is None, body
    page = body["data"]["emailDeliveries"]
    assert page["totalCount"] == 1
    assert page["nodes"][0] == {
        "id": "d1",
        "status": "PARKED",
        "toAddress": "leyla@example.org",
        "lastError": "550 5.1.1 no such mailbox",
        "attempts": 1,
        "notificationId": "n1",
        "createdAt": "2026-12-01T20:00:00+00:00",
        "sentAt": None,
    }
    assert dict(listing.calls.last.request.url.params) == {"status": "PARKED", "first": "10"}
    body = await gw.gql(REPLAY, admin, id="d1")
    assert body["data"]["replayEmailDelivery"]["status"] == "PENDING"


async def test_only_admins_see_or_replay_emails(gw: Harness, tok: Any) -> None:
    for token, code in (
        (None, "UNAUTHENTICATED"),
        (tok("l1", ["learner"]), "FORBIDDEN"),
        (tok("ca", ["country_admin"], org="AZ"), "FORBIDDEN"),
        (tok("t1", ["trainer"]), "FORBIDDEN"),
    ):
        assert codes(await gw.gql(DELIVERIES, token)) == {code}
        assert codes(await gw.gql(REPLAY, token, id="d1")) == {code}
    assert gw.upstream_requests() == 0
