"""A country admin for AZ through the live gateway (issue 14): their state's learners, figures and certificates.

Every service is the real one; the gateway passes the country admin's token on, and each service
limits what the token may reach (the authorization matrix checks the refusals service by service).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.graphql import GraphQLClient, eventually

from .support import enroll_when_ready, published_course, uid

pytestmark = pytest.mark.integration

COMPLETE = "mutation($e:ID!,$l:ID!){ completeLesson(enrollmentId:$e, lessonId:$l){ status } }"
COHORT = (
    "mutation($c:ID!,$m:[CohortMemberInput!]!){ enrollCohort(courseId:$c, members:$m){"
    " enrolled alreadyEnrolled failures { recipient reason } } }"
)
STATS = "query($id:ID!){ course(id:$id){ stats { enrolled completed certificatesIssued byOrg { key enrolled } } } }"
DRY_RUN = (
    "mutation($i:BulkIssueInput!){ startBulkIssue(input:$i, dryRun:true){ total"
    " rows { nodes { learnerId org outcome reasonCode } } } }"
)
ISSUE = "mutation($c:ID!,$r:RecipientInput!){ issueCertificate(courseId:$c, recipient:$r){ id learnerName } }"
REVOKE = 'mutation($id:ID!){ revokeCertificate(id:$id, reason:"issued in error"){ id status } }'


async def test_a_country_admin_for_az_sees_enrols_and_certifies_azerbaijan_only(
    client_for: Callable[..., GraphQLClient],
) -> None:
    trainer = client_for(uid("trainer"), ["trainer"])
    admin = client_for(uid("admin"), ["admin"])
    cid, lessons = await published_course(trainer)
    az = client_for(uid("learner"), ["learner"], org="AZ", municipality="Bakı", name="Rəşad Əliyev")
    kz = client_for(uid("learner"), ["learner"], org="KZ", municipality="Almaty", name="Әсел Нұрланқызы")
    for learner in (az, kz):
        enrolment = await enroll_when_ready(learner, cid)
        await learner.q(COMPLETE, e=enrolment["id"], l=lessons[0])
    ca = client_for(uid("ca"), ["country_admin"], org="AZ", name="Nigar Babayeva")

    viewer = (await ca.q("{ viewer { roles } }"))["viewer"]
    assert viewer["roles"] == ["COUNTRY_ADMIN"]

    # Enrol a cohort: AZ's member in, KZ's refused with the reason.
    members = [
        {"learnerId": uid("m"), "name": "Leyla Əliyeva", "org": "AZ"},
        {"learnerId": uid("m"), "name": "Erlan", "org": "KZ"},
    ]
    cohort = (await ca.q(COHORT, c=cid, m=members))["enrollCohort"]
    assert cohort["enrolled"] == 1
    assert [f["recipient"] for f in cohort["failures"]] == [members[1]["learnerId"]]

    # Course.stats: Azerbaijan's figures only; the admin's cover both states.
    stats = (await ca.q(STATS, id=cid))["course"]["stats"]
    assert (stats["enrolled"], stats["completed"]) == (2, 1)
    assert [g["key"] for g in stats["byOrg"]] == ["AZ"]
    every = (await admin.q(STATS, id=cid))["course"]["stats"]
    assert {g["key"] for g in every["byOrg"]} == {"AZ", "KZ"}

    # The two completions were certified automatically: the country admin lists AZ's only.
    certs = "query($c:ID){ certificates(courseId:$c){ id learnerName } }"

    async def both() -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = (await admin.q(certs, c=cid))["certificates"]
        return found if len(found) == 2 else None

    assert {c["learnerName"] for c in await eventually(both, timeout=60)} == {"Rəşad Əliyev", "Әсел Нұрланқызы"}
    assert [c["learnerName"] for c in (await ca.q(certs, c=cid))["certificates"]] == ["Rəşad Əliyev"]
    listed = await ca.q(DRY_RUN, i={"courseId": cid, "recipients": [{"name": "Aruzhan", "org": "KZ"}]})
    assert [r["reasonCode"] for r in listed["startBulkIssue"]["rows"]["nodes"]] == ["OTHER_STATE"]

    # Issuing and revoking: AZ's yes, KZ's FORBIDDEN; the admin keeps everything.
    assert await ca.codes(ISSUE, c=cid, r={"name": "Aruzhan", "org": "KZ"}) == {"FORBIDDEN"}
    own = (await ca.q(ISSUE, c=cid, r={"name": "Leyla Əliyeva", "org": "AZ"}))["issueCertificate"]
    assert own["learnerName"] == "Leyla Əliyeva"
    assert own["id"] in {c["id"] for c in (await ca.q(certs, c=cid))["certificates"]}  # recorded as AZ's
    foreign = (await admin.q(ISSUE, c=cid, r={"name": "Aruzhan", "org": "KZ"}))["issueCertificate"]
    assert await ca.codes(REVOKE, id=foreign["id"]) == {"FORBIDDEN"}
    assert (await ca.q(REVOKE, id=own["id"]))["revokeCertificate"]["status"] == "REVOKED"

    # The course itself stays the trainer's: a country admin edits nothing.
    edit = 'mutation($id:ID!){ updateCourse(id:$id, input:{topics:["x"]}){ id } }'
    assert await ca.codes(edit, id=cid) == {"FORBIDDEN"}
