"""A country admin in progress (issue 14), on the real stack: cohorts of their state, their state's figures."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
import pytest
from nats.js import JetStreamContext

from lms_shared.events.catalogue import CertificateIssuedV1, LearnerData
from services.progress.tests.integration.support import Api, course_published, eventually, publish, text_lesson, uid

pytestmark = pytest.mark.integration


async def test_a_country_admin_enrols_their_states_cohort_and_reads_their_states_figures(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    owner = uid("trainer")
    course_id = uid("course")
    await publish(nats_js, course_published(course_id, [text_lesson(f"{course_id}-1", 1)], owner_id=owner))
    az = api(uid("learner"), "Rəşad Əliyev", org="AZ", municipality="Bakı")
    kz = api(uid("learner"), "Әсел Нұрланқызы", org="KZ", municipality="Шымкент")
    e_az = await az.enroll_when_published(course_id)
    e_kz = await kz.enroll_when_published(course_id)
    await az.complete(e_az["id"], f"{course_id}-1")
    await kz.complete(e_kz["id"], f"{course_id}-1")
    # The KZ learner's certificate reaches progress; the AZ country admin must not count it.
    cert = await publish(
        nats_js,
        CertificateIssuedV1(
            certificate_id=uid("cert"),
            code="KB-KZ01",
            course_id=course_id,
            learner=LearnerData(id=e_kz["learnerId"], name=e_kz["learnerName"], org="KZ"),
            enrollment_id=e_kz["id"],
            issued_at=datetime.now(UTC),
        ),
    )

    async def cert_applied() -> bool:
        return bool(await db.fetchval("SELECT 1 FROM processed_event WHERE event_id = $1", cert.id))

    await eventually(cert_applied)

    # A country admin of AZ (not a trainer of the course) enrols a cohort: their state's members in,
    # another state's refused per member with the reason, one without org enrolled as AZ's.
    ca_az = api(uid("ca"), "Nigar Babayeva", roles=["country_admin"], org="AZ")
    members = [
        {"learnerId": uid("m"), "name": "Leyla Əliyeva", "org": "AZ", "municipality": "Gəncə"},
        {"learnerId": uid("m"), "name": "Aruzhan Seitkali", "org": "KZ"},
        {"learnerId": uid("m"), "name": "Rauf Hüseynov"},
        {"learnerId": e_kz["learnerId"], "name": "Moved", "org": "AZ"},  # signed in as KZ
    ]
    r = await ca_az.http.post(f"/v1/courses/{course_id}/cohort", json={"members": members})
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["enrolled"] == 2
    refused = {f["recipient"]: f["reason"] for f in result["failures"]}
    assert set(refused) == {members[1]["learnerId"], e_kz["learnerId"]}
    assert "another member state" in refused[members[1]["learnerId"]]
    assert "signed in as a learner of KZ" in refused[e_kz["learnerId"]]
    stored = await db.fetch(
        "SELECT learner_id, org FROM enrollment WHERE course_id = $1 AND via = 'cohort' ORDER BY learner_id", course_id
    )
    assert {r["learner_id"]: r["org"] for r in stored} == {members[0]["learnerId"]: "AZ", members[2]["learnerId"]: "AZ"}

    # Stats: the AZ country admin's are AZ's only; asking for KZ is FORBIDDEN, never empty.
    stats = (await ca_az.http.get(f"/v1/courses/{course_id}/stats")).json()
    assert (stats["enrolled"], stats["completed"], stats["certificatesIssued"]) == (3, 1, 0)
    assert [g["key"] for g in stats["byOrg"]] == ["AZ"]
    assert {g["key"] for g in stats["byMunicipality"]} == {"Bakı", "Gəncə", "unspecified"}
    assert (await ca_az.http.get(f"/v1/courses/{course_id}/stats", params={"org": "AZ"})).json() == stats
    denied = await ca_az.http.get(f"/v1/courses/{course_id}/stats", params={"org": "KZ"})
    assert denied.status_code == 403 and "KZ" in denied.text
    assert (await ca_az.http.get(f"/v1/courses/{course_id}/report.csv", params={"org": "KZ"})).status_code == 403
    report = await ca_az.http.get(f"/v1/courses/{course_id}/report.csv")
    rows = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert {row["org"] for row in rows} == {"AZ"} and len(rows) == 3

    # The KZ country admin sees KZ's figure, with its certificate; the admin and the trainer all states.
    ca_kz = api(uid("ca"), "Dana Omarova", roles=["country_admin"], org="KZ")
    kz_stats = (await ca_kz.http.get(f"/v1/courses/{course_id}/stats")).json()
    assert (kz_stats["enrolled"], kz_stats["completed"], kz_stats["certificatesIssued"]) == (1, 1, 1)
    admin = api(uid("admin"), roles=["admin"])
    every = (await admin.http.get(f"/v1/courses/{course_id}/stats")).json()
    assert (every["enrolled"], every["certificatesIssued"]) == (4, 1)
    assert {g["key"] for g in every["byOrg"]} == {"AZ", "KZ"}
    assert (await admin.http.get(f"/v1/courses/{course_id}/stats", params={"org": "KZ"})).json()["enrolled"] == 1
    trainer = api(owner, roles=["trainer"])
    assert (await trainer.http.get(f"/v1/courses/{course_id}/stats")).json()["enrolled"] == 4

    # The country admin sees their state's enrolment, not another's; may not study for the learner.
    assert (await ca_az.http.get(f"/v1/enrollments/{e_az['id']}")).status_code == 200
    assert (await ca_az.http.get(f"/v1/enrollments/{e_kz['id']}")).status_code == 404

    # A country_admin token without an org has no country rights at all.
    stateless = api(uid("ca"), "Nobody", roles=["country_admin"])
    assert (await stateless.http.get(f"/v1/courses/{course_id}/stats")).status_code == 403
    cohort = {"members": [{"learnerId": uid("m"), "name": "X", "org": "AZ"}]}
    assert (await stateless.http.post(f"/v1/courses/{course_id}/cohort", json=cohort)).status_code == 403
