"""Finding certificates (issue 18, item 4) through the real service and Postgres: GET /v1/certificates/search.

Keyset paging across several pages (no duplicates, no misses), the stored Turkic-aware name key,
codes typed in lower case with spaces, a country admin's scope, FORBIDDEN for trainers and learners,
and the key of an erased learner's certificate (the pseudonym's, never the old name's).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from lms_shared.events.catalogue import CoursePublishedV1, LearnerErasedV1

from .conftest import publish, wait_for

pytestmark = pytest.mark.integration


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def letters(n: int = 8) -> str:
    """A unique, letters-only tag (names refuse digits)."""
    return "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:n]).capitalize()


async def issue(certs: httpx.AsyncClient, admin: dict[str, str], course_id: str, **recipient: Any) -> dict[str, Any]:
    r = await certs.post("/v1/certificates", json={"courseId": course_id, "recipient": recipient}, headers=admin)
    assert r.status_code in (200, 201), r.text
    body: dict[str, Any] = r.json()
    return body


async def search(certs: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> httpx.Response:
    return await certs.get("/v1/certificates/search", params=params, headers=headers)


async def test_pages_cover_every_certificate_once(
    certs: httpx.AsyncClient, admin: dict[str, str], published_course: Callable[..., Awaitable[CoursePublishedV1]]
) -> None:
    course = await published_course(auto_issue=False)
    issued = {(await issue(certs, admin, course.course_id, name=f"Holder {letters()}"))["code"] for _ in range(7)}
    seen: list[str] = []
    after: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"courseId": course.course_id, "first": 3}
        if after:
            params["after"] = after
        r = await search(certs, admin, **params)
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["totalCount"] == 7
        seen += [n["code"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 7 and set(seen) == issued
    bad = await search(certs, admin, after="not-a-cursor")
    assert bad.status_code == 422 and "cursor" in bad.text


async def test_turkic_names_and_typed_codes_are_found_across_courses(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Pool,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    one, two = await published_course(auto_issue=False), await published_course(auto_issue=False)
    tag = letters()
    held = await issue(certs, admin, two.course_id, name=f"Leyla Əliyeva {tag}")
    await issue(certs, admin, one.course_id, name=f"Aruzhan Omarova {tag}")
    key = await db.fetchval("SELECT name_key FROM certificate WHERE code = $1", held["code"])
    assert "eliyeva" in key and "aliyeva" in key
    for typed in ("Eliyeva", "aliyeva", "ƏLİYEVA"):
        r = await search(certs, admin, name=f"{typed} {tag}")
        assert [n["code"] for n in r.json()["nodes"]] == [held["code"]], typed
    r = await search(certs, admin, code=held["code"].lower().replace("-", " "))
    assert [(n["code"], n["courseId"]) for n in r.json()["nodes"]] == [(held["code"], two.course_id)]
    r = await search(certs, admin, code=held["code"][:9].lower(), name=tag)  # a prefix, and the name: AND
    assert [n["code"] for n in r.json()["nodes"]] == [held["code"]]
    r = await search(certs, admin, name=tag, status="REVOKED")
    assert r.json()["totalCount"] == 0
    bad = await search(certs, admin, code="KB-0O1I")
    assert bad.status_code == 422 and "certificate code" in bad.text


async def test_a_country_admin_sees_their_state_and_others_are_refused(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    token_for: Callable[..., str],
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    tag = letters()
    az = await issue(certs, admin, course.course_id, name=f"Nigar {tag}", org="AZ")
    await issue(certs, admin, course.course_id, name=f"Dana {tag}", org="KZ")
    ca_az = bearer(token_for(f"ca-az-{tag}", "Country Admin", ["country_admin"], org="AZ"))
    r = await search(certs, ca_az, name=tag)
    assert r.status_code == 200 and [n["code"] for n in r.json()["nodes"]] == [az["code"]]
    assert (await search(certs, admin, name=tag)).json()["totalCount"] == 2
    for roles in (["trainer"], ["learner"]):
        who = bearer(token_for(f"{roles[0]}-{tag}", "Someone", roles))
        refused = await search(certs, who, name=tag)
        assert refused.status_code == 403, refused.text


async def test_an_erased_learner_is_found_by_the_pseudonym_not_the_old_name(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Pool,
    nats_js: tuple[NATS, JetStreamContext],
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    tag = letters()
    learner_id = f"l-{uuid.uuid4().hex[:8]}"
    held = await issue(certs, admin, course.course_id, name=f"Səbinə {tag}", learnerId=learner_id, org="AZ")
    assert (await search(certs, admin, name=f"sabina {tag}")).json()["totalCount"] == 1
    pseudonym = f"Erased learner {uuid.uuid4().hex[:8]}"
    await publish(
        nats_js[1],
        LearnerErasedV1(
            learner_id=learner_id, pseudonym=pseudonym, org="AZ", requested_by="t", erased_at=datetime.now(UTC)
        ),
    )

    async def erased() -> bool:
        name = await db.fetchval("SELECT learner_name FROM certificate WHERE code = $1", held["code"])
        return bool(name == pseudonym)

    await wait_for(erased)
    assert (await search(certs, admin, name=tag)).json()["totalCount"] == 0
    found = (await search(certs, admin, name=pseudonym)).json()["nodes"]
    assert [n["code"] for n in found] == [held["code"]]
