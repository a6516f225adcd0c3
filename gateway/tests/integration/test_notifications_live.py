"""Notifications through the real stack (issue 16): certificates -> NATS -> notifications -> NATS -> gateway.

A learner's open ``notificationReceived`` gets the certificate an admin issues them, rendered in the
asked language; another learner's open subscription gets nothing. The list, the read marks (another
person's id marks 0) and the preferences go through the gateway to the real notifications service.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.support.graphql import GraphQLClient, GraphQLError, eventually

from .support import published_course, uid

pytestmark = pytest.mark.integration

LIVE = "subscription($l:String){ notificationReceived(lang:$l){ id kind title body url createdAt readAt } }"
LIST = "query($u:Boolean){ myNotifications(unreadOnly:$u, first:50){ nodes { id kind readAt } totalCount unread } }"
MARK = "mutation($ids:[ID!]){ markNotificationsRead(ids:$ids) }"
ISSUE = """mutation($c:ID!,$r:RecipientInput!){ issueCertificate(courseId:$c, recipient:$r){ id code } }"""


@asynccontextmanager
async def live(ws_url: str, token: str, lang: str | None = None) -> Any:
    async with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": LIVE, "variables": {"l": lang}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        yield ws


async def next_push(ws: ClientConnection, timeout: float) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            msg = json.loads(await ws.recv())
            if msg["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
                continue
            assert msg["type"] == "next", msg
            pushed: dict[str, Any] = msg["payload"]["data"]["notificationReceived"]
            return pushed


async def test_a_certificate_reaches_its_holders_open_subscription_only(
    gateway_url: str, client_for: Callable[..., GraphQLClient], token_for: Any
) -> None:
    trainer = client_for(uid("trainer"), ["trainer"])
    admin = client_for(uid("admin"), ["admin"])
    holder_sub, other_sub = uid("learner"), uid("learner")
    holder = client_for(holder_sub, ["learner"], name="Aygerim Nurlanqyzy", org="KZ", locale="kk")
    other = client_for(other_sub, ["learner"])
    cid, _ = await published_course(trainer)
    ws_url = gateway_url.replace("http://", "ws://") + "/graphql"
    holder_token = token_for(holder_sub, "Aygerim Nurlanqyzy", ["learner"], org="KZ", locale="kk")
    async with live(ws_url, holder_token, "az") as mine, live(ws_url, token_for(other_sub, "O", ["learner"])) as theirs:
        await asyncio.sleep(0.5)  # the subscribe messages are handled before the certificate exists

        async def issue() -> dict[str, Any]:
            data = await admin.q(ISSUE, c=cid, r={"learnerId": holder_sub, "name": "Aygerim Nurlanqyzy", "org": "KZ"})
            cert: dict[str, Any] = data["issueCertificate"]
            return cert

        cert = await eventually(issue, timeout=60)  # certificates must have consumed course.published
        pushed = await next_push(mine, timeout=60)
        assert pushed["kind"] == "CERTIFICATE_ISSUED" and pushed["readAt"] is None
        assert pushed["title"] and pushed["body"] and pushed["createdAt"]
        assert pushed["url"], pushed
        with pytest.raises(TimeoutError):
            await next_push(theirs, timeout=3)

    page = (await holder.q(LIST, u=True))["myNotifications"]
    assert pushed["id"] in [n["id"] for n in page["nodes"]]
    assert page["unread"] >= 1
    assert cert["code"]
    # Another person's id marks nothing; the holder's marks it once.
    assert (await other.q(MARK, ids=[pushed["id"]]))["markNotificationsRead"] == 0
    assert (await holder.q(MARK, ids=[pushed["id"]]))["markNotificationsRead"] == 1
    assert (await holder.q(MARK, ids=[pushed["id"]]))["markNotificationsRead"] == 0
    after = (await holder.q(LIST, u=False))["myNotifications"]
    mine_now = next(n for n in after["nodes"] if n["id"] == pushed["id"])
    assert mine_now["readAt"] is not None
    assert (await other.q(LIST, u=False))["myNotifications"]["totalCount"] == 0


async def test_preferences_round_trip_through_the_gateway(client_for: Callable[..., GraphQLClient]) -> None:
    me = client_for(uid("learner"), ["learner"])
    prefs = (await me.q("{ myNotificationPreferences { email mutedEmailKinds digest locale } }"))[
        "myNotificationPreferences"
    ]
    assert prefs == {"email": True, "mutedEmailKinds": [], "digest": "NONE", "locale": None}
    changed = await me.q(
        """mutation($i:NotificationPreferencesInput!){ updateNotificationPreferences(input:$i){
             email mutedEmailKinds digest locale } }""",
        i={"mutedEmailKinds": ["COURSE_UPDATED"], "digest": "DAILY", "locale": "uz"},
    )
    assert changed["updateNotificationPreferences"] == {
        "email": True,
        "mutedEmailKinds": ["COURSE_UPDATED"],
        "digest": "DAILY",
        "locale": "uz",
    }
    again = await me.q("{ myNotificationPreferences { mutedEmailKinds digest locale } }")
    assert again["myNotificationPreferences"] == {
        "mutedEmailKinds": ["COURSE_UPDATED"],
        "digest": "DAILY",
        "locale": "uz",
    }
    with pytest.raises(GraphQLError) as refused:
        await me.q('mutation{ updateNotificationPreferences(input:{locale:"de"}){ locale } }')
    assert refused.value.codes == {"BAD_USER_INPUT"}


async def test_the_public_unsubscribe_address_refuses_a_forged_link(gateway_url: str) -> None:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as http:
        forged = "eyJyIjoieCJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        r = await http.get(f"/unsubscribe/{forged}")
        assert 400 <= r.status_code < 500, r.status_code  # the service checks the signature; no sign-in needed
        r = await http.post(f"/unsubscribe/{forged}", content=b"List-Unsubscribe=One-Click")
        assert 400 <= r.status_code < 500, r.status_code


async def test_the_dev_mailbox_is_not_served_outside_development(gateway_url: str, stack_env: dict[str, str]) -> None:
    # The test stack runs with LMS_ENV=test: the gateway has no /dev/mailbox (nor the web client there).
    # In development it proxies the service's mailbox (gateway/tests/unit/test_notifications.py).
    assert stack_env["LMS_ENV"] != "development"
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as http:
        r = await http.get("/dev/mailbox")
        assert r.status_code == 404, (r.status_code, r.text[:300])
        assert '<div id="app">' not in r.text
