"""A country admin's certificates (issue 14) through the real service: issue, bulk, allEligible, revoke.

Completions reach the service as ``course.completed`` events carrying the learner's own ``org``, as
progress publishes them; the country admins are tokens with the ``country_admin`` role and an ``org``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from lms_shared.events.catalogue import CourseCompletedV1, CoursePublishedV1

from .conftest import completion_event, publish, wait_for

pytestmark = pytest.mark.integration


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def country_admin(token_for: Callable[..., str]) -> Callable[[str | None], dict[str, str]]:
    def make(org: str | None) -> dict[str, str]:
        claims: dict[str, Any] = {"org": org} if org else {}
        return bearer(
            token_for(f"ca-{org}-{uuid.uuid4().hex[:6]}", f"Country Admin {org}", ["country_admin"], **claims)
        )

    return make


async def completed_by(
    js: JetStreamContext, db: asyncpg.Pool, course: CoursePublishedV1, people: dict[str, str | None]
) -> None:
    """``course.completed`` for each learner id → org (None: a token without org), and wait for them."""
    for learner_id, org in people.items():
        base = completion_event(course, learner_id, f"Learner {learner_id}")
        fields = base.model_dump(exclude={"learner", "person"}, exclude_none=True)
        await publish(js, CourseCompletedV1.model_validate({**fields, "org": org}))

    async def recorded() -> bool:
        n = await db.fetchval("SELECT count(*) FROM completion WHERE course_id = $1", course.course_id)
        return int(n) == len(people)

    await wait_for(recorded)


async def test_a_country_admin_certifies_their_states_learners_only(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    country_admin: Callable[[str | None], dict[str, str]],
    nats_js: tuple[NATS, JetStreamContext],
    db: asyncpg.Pool,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    tag = uuid.uuid4().hex[:6]
    az, kz, none = f"l-az-{tag}", f"l-kz-{tag}", f"l-none-{tag}"
    await completed_by(nats_js[1], db, course, {az: "AZ", kz: "KZ", none: None})
    ca_az, ca_kz = country_admin("AZ"), country_admin("KZ")
    cid = course.course_id

    # allEligible of a country admin: their state's completions only (the admin's: all three).
    dry = await certs.post(
        "/v1/bulk-jobs", params={"dryRun": "true"}, json={"courseId": cid, "allEligible": True}, headers=ca_az
    )
    assert dry.status_code == 200, dry.text
    assert [r["learnerId"] for r in dry.json()["rows"]] == [az]
    everyone = await certs.post(
        "/v1/bulk-jobs", params={"dryRun": "true"}, json={"courseId": cid, "allEligible": True}, headers=admin
    )
    assert sorted(r["learnerId"] for r in everyone.json()["rows"]) == sorted([az, kz, none])

    # A real job from a list: rows of another state refused with OTHER_STATE, the others issued.
    rows = [
        {"name": "Leyla Əliyeva", "org": "AZ"},
        {"name": "Aruzhan Seitkali", "org": "KZ"},
        {"name": "Rauf Hüseynov"},  # no org: recorded as the country admin's state
        {"name": "Moved Learner", "learnerId": kz, "org": "AZ"},  # signed in as KZ: the row cannot move them
    ]
    started = await certs.post("/v1/bulk-jobs", json={"courseId": cid, "recipients": rows}, headers=ca_az)
    assert started.status_code == 201, started.text
    job_id = started.json()["id"]

    async def finished() -> Any:
        job = (await certs.get(f"/v1/bulk-jobs/{job_id}", headers=ca_az)).json()
        return job if job["status"] == "COMPLETED" else None

    job = await wait_for(finished, timeout=90)
    assert (job["issued"], job["refused"]) == (2, 2)
    page = (await certs.get(f"/v1/bulk-jobs/{job_id}/rows", headers=ca_az)).json()
    assert [(r["row"], r["outcome"], r["reasonCode"]) for r in page["nodes"]] == [
        (1, "ISSUED", None),
        (2, "REFUSED", "OTHER_STATE"),
        (3, "ISSUED", None),
        (4, "REFUSED", "OTHER_STATE"),
    ]
    orgs = await db.fetch("SELECT org FROM certificate WHERE bulk_job_id = $1", uuid.UUID(job_id))
    assert sorted(r["org"] for r in orgs) == ["AZ", "AZ"]

    # The job is the country admin's: another state's country admin neither sees nor cancels it.
    assert (await certs.get(f"/v1/bulk-jobs/{job_id}", headers=ca_kz)).status_code == 403
    assert (await certs.get(f"/v1/bulk-jobs/{job_id}/rows", headers=ca_kz)).status_code == 403
    listed = (await certs.get("/v1/bulk-jobs", params={"courseId": cid}, headers=ca_kz)).json()["nodes"]
    assert job_id not in {j["id"] for j in listed}
    assert job_id in {
        j["id"] for j in (await certs.get("/v1/bulk-jobs", params={"courseId": cid}, headers=admin)).json()["nodes"]
    }

    # One by one: another state's recipient, or a learner who signed in as another state, is FORBIDDEN.
    foreign = await certs.post(
        "/v1/certificates", json={"courseId": cid, "recipient": {"name": "Aruzhan", "org": "KZ"}}, headers=ca_az
    )
    assert foreign.status_code == 403 and "another member state" in foreign.text
    moved = await certs.post(
        "/v1/certificates", json={"courseId": cid, "recipient": {"name": "X", "learnerId": none}}, headers=ca_az
    )
    assert moved.status_code == 403 and "without a member state" in moved.text
    own = await certs.post(
        "/v1/certificates", json={"courseId": cid, "recipient": {"name": "Learner", "learnerId": az}}, headers=ca_az
    )
    assert own.status_code == 201, own.text
    assert own.json()["org"] == "AZ"

    # Revoking: their state's certificates only; the admin keeps every state.
    kz_cert = await certs.post(
        "/v1/certificates",
        json={"courseId": cid, "recipient": {"name": "Learner", "learnerId": kz, "org": "KZ"}},
        headers=admin,
    )
    assert kz_cert.status_code == 201
    refused = await certs.post(
        f"/v1/certificates/{kz_cert.json()['id']}/revoke", json={"reason": "not mine"}, headers=ca_az
    )
    assert refused.status_code == 403
    assert (
        await certs.post(f"/v1/certificates/{own.json()['id']}/revoke", json={"reason": "x"}, headers=ca_kz)
    ).status_code == 403
    revoked = await certs.post(
        f"/v1/certificates/{own.json()['id']}/revoke", json={"reason": "issued in error"}, headers=ca_az
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "REVOKED"
    assert (
        await db.fetchval("SELECT status FROM certificate WHERE id = $1", uuid.UUID(kz_cert.json()["id"]))
    ) == "VALID"

    # Seeing certificates: their state's, in any course; another state's certificate is FORBIDDEN.
    listed_certs = (await certs.get("/v1/certificates", params={"courseId": cid}, headers=ca_kz)).json()["nodes"]
    assert {c["org"] for c in listed_certs} == {"KZ"}
    assert (await certs.get(f"/v1/certificates/{own.json()['id']}", headers=ca_kz)).status_code == 403


async def test_a_country_admin_token_without_org_gets_no_country_rights(
    certs: httpx.AsyncClient,
    country_admin: Callable[[str | None], dict[str, str]],
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    stateless = country_admin(None)
    body = {"courseId": course.course_id, "recipient": {"name": "Anyone", "org": "AZ"}}
    assert (await certs.post("/v1/certificates", json=body, headers=stateless)).status_code == 403
    dry = {"courseId": course.course_id, "allEligible": True}
    assert (
        await certs.post("/v1/bulk-jobs", params={"dryRun": "true"}, json=dry, headers=stateless)
    ).status_code == 403
