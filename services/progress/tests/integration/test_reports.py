"""Course.stats and the CSV export: counts by org and municipality, for the course's trainers and admins."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
import pytest
from nats.js import JetStreamContext

from lms_shared.events.catalogue import CertificateIssuedV1
from services.progress.tests.integration.support import (
    Api,
    course_published,
    eventually,
    publish,
    text_lesson,
    uid,
)

pytestmark = pytest.mark.integration


async def test_stats_and_csv_count_enrolments_completions_and_valid_certificates(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    owner = uid("trainer")
    course_id = uid("course")
    await publish(
        nats_js,
        course_published(
            course_id, [text_lesson(f"{course_id}-1", 1), text_lesson(f"{course_id}-2", 2)], owner_id=owner
        ),
    )
    kz = api(uid("learner"), "Әсел Нұрланқызы", org="KZ", municipality="Шымкент")
    az = api(uid("learner"), "Rəşad Əliyev", org="AZ", municipality="Bakı")
    quitter = api(uid("learner"), "Bobur", org="UZ", municipality="Samarqand")
    e_kz = await kz.enroll_when_published(course_id)
    e_az = await az.enroll_when_published(course_id)
    e_quit = await quitter.enroll_when_published(course_id)
    await quitter.http.post(f"/v1/enrollments/{e_quit['id']}/withdraw")
    trainer = api(owner, roles=["trainer"])
    cohort = [{"learnerId": uid("l"), "name": "Қайрат", "org": "KZ"}]  # no municipality
    await trainer.http.post(f"/v1/courses/{course_id}/cohort", json={"members": cohort})
    for lesson in ("1", "2"):
        await kz.complete(e_kz["id"], f"{course_id}-{lesson}")
    await az.complete(e_az["id"], f"{course_id}-1")
    cert = await publish(
        nats_js,
        CertificateIssuedV1(
            certificate_id=uid("cert"),
            code="KB-7Q2M",
            course_id=course_id,
            learner_id=e_kz["learnerId"],
            learner_name=e_kz["learnerName"],
            enrollment_id=e_kz["id"],
            issued_at=datetime.now(UTC),
        ),
    )

    async def cert_applied() -> bool:
        return bool(await db.fetchval("SELECT 1 FROM processed_event WHERE event_id = $1", cert.id))

    await eventually(cert_applied)

    stats = (await trainer.http.get(f"/v1/courses/{course_id}/stats")).json()
    assert (stats["enrolled"], stats["completed"], stats["certificatesIssued"]) == (3, 1, 1)
    assert {g["key"]: (g["enrolled"], g["completed"]) for g in stats["byOrg"]} == {"KZ": (2, 1), "AZ": (1, 0)}
    assert {g["key"]: (g["enrolled"], g["completed"]) for g in stats["byMunicipality"]} == {
        "Шымкент": (1, 1),
        "Bakı": (1, 0),
        "unspecified": (1, 0),
    }

    r = await trainer.http.get(f"/v1/courses/{course_id}/report.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM to show Cyrillic and ə"
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 4  # one per enrolment, the withdrawn one included
    by_name = {row["learnerName"]: row for row in rows}
    assert by_name["Әсел Нұрланқызы"]["status"] == "COMPLETED"
    assert by_name["Әсел Нұрланқызы"]["certificateCode"] == "KB-7Q2M"
    assert by_name["Rəşad Əliyev"]["progressPercent"] == "50.0"
    assert by_name["Bobur"]["status"] == "WITHDRAWN"


async def test_stats_are_for_the_course_trainers_and_admins_only(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    owner = uid("trainer")
    course_id = uid("course")
    await publish(nats_js, course_published(course_id, [text_lesson(uid("l"), 1)], owner_id=owner))
    await api(uid("learner")).enroll_when_published(course_id)
    for path in (f"/v1/courses/{course_id}/stats", f"/v1/courses/{course_id}/report.csv"):
        assert (await api(uid("learner")).http.get(path)).status_code == 403
        assert (await api(uid("trainer"), roles=["trainer"]).http.get(path)).status_code == 403
        assert (await api(owner, roles=["trainer"]).http.get(path)).status_code == 200
        assert (await api(uid("admin"), roles=["admin"]).http.get(path)).status_code == 200
