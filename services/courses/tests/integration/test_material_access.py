"""Issue 13, finding 9: material downloads are limited to active enrolments and their pinned version.

Courses learns enrolments from progress's events: ``enrollment.created`` (also re-sent when a learner
comes back) and ``enrollment.withdrawn``. A learner may download a material only while enrolled, and
only when a lesson of the published version their enrolment is pinned to uses it. The course's
trainers, co-owners and admins may download every material, drafts included.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lms_shared.events.catalogue import EnrollmentCreatedV1, EnrollmentWithdrawnV1, LearnerData
from lms_shared.events.envelope import Envelope

from .conftest import publishable_course, texts
from .events import publish
from .test_material_upload_policy import send
from .test_materials import PDF, pdf_bytes, request

pytestmark = pytest.mark.integration


async def until_status(person: Any, material_id: str, status: int, timeout: float = 20) -> int:
    """Poll the download until it answers ``status`` (events arrive asynchronously); returns the last status."""
    deadline = time.monotonic() + timeout
    while True:
        r = await person.call("GET", f"/v1/materials/{material_id}/download")
        if r.status_code == status or time.monotonic() > deadline:
            return r.status_code
        await asyncio.sleep(0.3)


def enrolled(enrollment_id: str, course_id: str, version: int, learner: Any, at: datetime) -> Envelope:
    event = EnrollmentCreatedV1(
        enrollment_id=enrollment_id,
        course_id=course_id,
        course_version=version,
        learner=LearnerData(id=learner.id, name="Aizhan Nurlanova"),
        enrolled_at=at,
    )
    return event.envelope(time=at)


def withdrawn(enrollment_id: str, course_id: str, version: int, learner: Any, at: datetime) -> Envelope:
    event = EnrollmentWithdrawnV1(
        enrollment_id=enrollment_id, course_id=course_id, course_version=version, learner_id=learner.id, withdrawn_at=at
    )
    return event.envelope(time=at)


async def material(trainer: Any, course_id: str, text: str) -> str:
    data = pdf_bytes(text)
    answer = (await request(trainer, course_id, "plan.pdf", PDF, len(data))).json()
    r = await send(answer, data, PDF)  # as the answer says (POST now, PUT before the fix)
    assert r.status_code in (200, 201, 204), r.text
    mid: str = answer["material"]["id"]
    await trainer.ok("POST", f"/v1/materials/{mid}/confirm")
    return mid


async def in_lesson(trainer: Any, module_id: str, material_id: str) -> None:
    await trainer.ok(
        "POST",
        f"/v1/modules/{module_id}/lessons",
        json={"kind": "DOCUMENT", "titles": texts(az="Sənəd"), "materialId": material_id},
    )


async def test_a_withdrawn_learner_stops_downloading_and_a_come_back_restores_it(
    people: Any, env: dict[str, str]
) -> None:
    trainer, learner = people("trainer"), people("learner")
    course, module, _ = await publishable_course(trainer)
    mid = await material(trainer, course["id"], "Handbook")
    await in_lesson(trainer, module["id"], mid)
    await trainer.ok("POST", f"/v1/courses/{course['id']}/publish")
    eid, t0 = str(uuid.uuid4()), datetime.now(UTC)

    await publish(env["LMS_NATS_URL"], enrolled(eid, course["id"], 1, learner, t0))
    assert await until_status(learner, mid, 200) == 200

    await publish(env["LMS_NATS_URL"], withdrawn(eid, course["id"], 1, learner, t0 + timedelta(seconds=1)))
    assert await until_status(learner, mid, 403) == 403
    r = await learner.call("GET", f"/v1/materials/{mid}")
    assert r.status_code == 403 and "Enrol" in r.json()["error"]["message"]

    # Coming back: progress re-announces the same enrolment, later, and the access is restored.
    await publish(env["LMS_NATS_URL"], enrolled(eid, course["id"], 1, learner, t0 + timedelta(seconds=2)))
    assert await until_status(learner, mid, 200) == 200


async def test_only_materials_of_the_pinned_published_version_are_downloadable(
    people: Any, env: dict[str, str]
) -> None:
    trainer, co_owner, admin = people("trainer"), people("trainer"), people("admin")
    v1_learner, v2_learner = people("learner"), people("learner")
    course, module, _ = await publishable_course(trainer)
    await co_owner.ok("GET", "/v1/courses")  # signed in once as a trainer: courses knows them
    await trainer.ok("POST", f"/v1/courses/{course['id']}/co-owners", json={"trainerId": co_owner.id})
    in_v1 = await material(trainer, course["id"], "Version one")
    await in_lesson(trainer, module["id"], in_v1)
    await trainer.ok("POST", f"/v1/courses/{course['id']}/publish")
    now = datetime.now(UTC)
    await publish(env["LMS_NATS_URL"], enrolled(str(uuid.uuid4()), course["id"], 1, v1_learner, now))
    assert await until_status(v1_learner, in_v1, 200) == 200

    draft_only = await material(trainer, course["id"], "Only in the draft")
    await in_lesson(trainer, module["id"], draft_only)
    unattached = await material(trainer, course["id"], "Attached to nothing")
    for mid in (draft_only, unattached):
        r = await v1_learner.call("GET", f"/v1/materials/{mid}/download")
        assert r.status_code == 403, r.text
        assert "not part of the course version you are enrolled in" in r.json()["error"]["message"]
        for editor in (trainer, co_owner, admin):
            assert (await editor.ok("GET", f"/v1/materials/{mid}/download"))["url"]

    # Version 2 publishes the draft's material: learners pinned to version 2 get it, version 1 ones do not.
    await trainer.ok("POST", f"/v1/courses/{course['id']}/publish")
    await publish(env["LMS_NATS_URL"], enrolled(str(uuid.uuid4()), course["id"], 2, v2_learner, now))
    assert await until_status(v2_learner, draft_only, 200) == 200
    assert (await v1_learner.call("GET", f"/v1/materials/{draft_only}/download")).status_code == 403
    assert (await v1_learner.call("GET", f"/v1/materials/{in_v1}/download")).status_code == 200
    assert (await v2_learner.call("GET", f"/v1/materials/{unattached}/download")).status_code == 403
