"""Registration through the live gateway (issue 15): enrol → PENDING / WAITLISTED, approve, reject, withdraw.

The course is published straight onto NATS with a registration policy (as the courses service would),
so the test needs nothing from the authoring side; everything else is the real stack.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from nats.js import JetStreamContext

from lms_shared.events.catalogue import CoursePublishedV1
from lms_shared.jetstream import connect
from services.progress.tests.integration.support import course_published, publish, text_lesson
from tests.support.graphql import GraphQLClient, eventually

from .support import uid

pytestmark = pytest.mark.integration

FIELDS = "id status learnerName org municipality waitlistPosition reason"
ENROLL = f"mutation($c:ID!){{ enroll(courseId:$c){{ {FIELDS} }} }}"
APPROVE = f"mutation($e:ID!){{ approveEnrollment(id:$e){{ {FIELDS} }} }}"
REJECT = f"mutation($e:ID!,$r:String!){{ rejectEnrollment(id:$e, reason:$r){{ {FIELDS} }} }}"
WITHDRAW = f"mutation($e:ID!){{ withdraw(enrollmentId:$e){{ {FIELDS} }} }}"
QUEUE = f"query($c:ID){{ pendingEnrollments(courseId:$c){{ {FIELDS} }} }}"
COHORT = (
    "mutation($c:ID!,$m:[CohortMemberInput!]!){ enrollCohort(courseId:$c, members:$m){"
    " enrolled active pending waitlisted registrations { learnerId status waitlistPosition } } }"
)


@pytest.fixture
async def js(stack_env: dict[str, str]) -> AsyncIterator[JetStreamContext]:
    nc, jetstream = await connect(stack_env["LMS_NATS_URL"], "gateway-registration-tests")
    yield jetstream
    await nc.drain()


async def course_with(js: JetStreamContext, owner: str, **policy: Any) -> str:
    course_id = uid("course")
    event = course_published(course_id, [text_lesson(f"{course_id}-l1", 1)], owner_id=owner)
    await publish(js, CoursePublishedV1.model_validate({**event.model_dump(), "registration": policy}))
    return course_id


async def enrol(client: GraphQLClient, course_id: str) -> dict[str, Any]:
    async def attempt() -> dict[str, Any] | None:
        body = await client.raw(ENROLL, c=course_id)
        if body.get("errors"):
            assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body
            return None
        found: dict[str, Any] = body["data"]["enroll"]
        return found

    return await eventually(attempt, timeout=60)


async def test_register_approve_reject_and_withdraw_through_the_gateway(
    js: JetStreamContext, client_for: Callable[..., GraphQLClient]
) -> None:
    owner = uid("trainer")
    course_id = await course_with(js, owner, capacity=1, approval_required=True)
    trainer = client_for(owner, ["trainer"])
    ca_az = client_for(uid("ca"), ["country_admin"], org="AZ", name="Nigar Babayeva")
    ca_kz = client_for(uid("ca"), ["country_admin"], org="KZ", name="Dana Omarova")
    leyla = client_for(uid("learner"), ["learner"], org="AZ", municipality="Gəncə", name="Leyla Əliyeva")
    erlan = client_for(uid("learner"), ["learner"], org="AZ", name="Erlan Nurlanov")

    first = await enrol(leyla, course_id)
    assert (first["status"], first["learnerName"], first["org"], first["municipality"]) == (
        "PENDING",
        "Leyla Əliyeva",
        "AZ",
        "Gəncə",
    )
    second = await enrol(erlan, course_id)
    assert (second["status"], second["waitlistPosition"]) == ("WAITLISTED", 1)

    # The queue: the AZ country admin and the trainer see Leyla; KZ's does not; a learner may not ask.
    assert [e["id"] for e in (await ca_az.q(QUEUE, c=course_id))["pendingEnrollments"]] == [first["id"]]
    assert (await ca_kz.q(QUEUE, c=course_id))["pendingEnrollments"] == []
    assert [e["id"] for e in (await trainer.q(QUEUE, c=course_id))["pendingEnrollments"]] == [first["id"]]
    assert await leyla.codes(QUEUE, c=course_id) == {"FORBIDDEN"}
    assert await leyla.codes(APPROVE, e=first["id"]) == {"FORBIDDEN"}
    assert await ca_kz.codes(APPROVE, e=first["id"]) == {"FORBIDDEN"}

    approved = (await ca_az.q(APPROVE, e=first["id"]))["approveEnrollment"]
    assert approved["status"] == "ACTIVE"
    again = await trainer.raw(APPROVE, e=first["id"])
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert "already approved" in again["errors"][0]["message"]

    # Leyla leaves: Erlan is promoted to PENDING (approval is required), then rejected with a reason.
    assert (await leyla.q(WITHDRAW, e=first["id"]))["withdraw"]["status"] == "WITHDRAWN"
    mine = (await erlan.q("{ myEnrollments { id status waitlistPosition } }"))["myEnrollments"]
    assert [(e["status"], e["waitlistPosition"]) for e in mine if e["id"] == second["id"]] == [("PENDING", None)]
    assert await trainer.codes(REJECT, e=second["id"], r="   ") == {"BAD_USER_INPUT"}
    rejected = (await trainer.q(REJECT, e=second["id"], r="Not a municipal official."))["rejectEnrollment"]
    assert (rejected["status"], rejected["reason"]) == ("REJECTED", "Not a municipal official.")


async def test_a_cohort_reports_who_got_a_seat_and_who_waits(
    js: JetStreamContext, client_for: Callable[..., GraphQLClient]
) -> None:
    owner = uid("trainer")
    course_id = await course_with(js, owner, capacity=1)
    trainer = client_for(owner, ["trainer"])
    members = [{"learnerId": uid("m"), "name": f"Member {i}", "org": "AZ"} for i in range(3)]

    async def cohort() -> dict[str, Any] | None:
        body = await trainer.raw(COHORT, c=course_id, m=members)
        if body.get("errors"):
            return None  # progress has not heard of the course yet
        result: dict[str, Any] = body["data"]["enrollCohort"]
        return result

    result = await eventually(cohort, timeout=60)
    assert (result["enrolled"], result["active"], result["pending"], result["waitlisted"]) == (3, 1, 0, 2)
    assert [(r["status"], r["waitlistPosition"]) for r in result["registrations"]] == [
        ("ACTIVE", None),
        ("WAITLISTED", 1),
        ("WAITLISTED", 2),
    ]
