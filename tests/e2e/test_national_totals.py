"""National report totals agree with Course.stats and with the certificates actually issued (issue 14).

On the real stack, through the gateway: two fresh courses, learners of one member state who enrol,
complete (and one who withdraws), certificates issued (one to a workshop participant who never
enrolled) and one revoked. Then, once the events have arrived: the report's totals equal the sum of
``Course.stats`` over the courses, each COURSE row equals that course's stats, and ``certificates``
equals the VALID certificates the certificates service lists (revoked ones are not counted).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support.graphql import GraphQLClient, eventually

pytestmark = pytest.mark.e2e

ORG = "XH"
CREATE = """mutation($input: CreateCourseInput!){ createCourse(input:$input){ id } }"""
ADD_MODULE = """mutation($c:ID!,$i:ModuleInput!){ addModule(courseId:$c, input:$i){ id } }"""
ADD_LESSON = """mutation($m:ID!,$i:LessonInput!){ addLesson(moduleId:$m, input:$i){ id } }"""
PUBLISH = """mutation($id:ID!){ publishCourse(id:$id){ status } }"""
ENROLL = """mutation($c:ID!){ enroll(courseId:$c){ id } }"""
COMPLETE = """mutation($e:ID!,$l:ID!){ completeLesson(enrollmentId:$e, lessonId:$l){ status } }"""
ISSUE = """mutation($c:ID!,$r:RecipientInput!){ issueCertificate(courseId:$c, recipient:$r){ id status } }"""
REVOKE = """mutation($id:ID!){ revokeCertificate(id:$id, reason:"issued by mistake"){ status } }"""
STATS = """query($id:ID!){ course(id:$id){ stats { enrolled completed certificatesIssued } } }"""
CERTS = """query($c:ID){ certificates(courseId:$c){ id status } }"""
REPORT = """query($g:[ReportDimension!]!, $o:String){ report(groupBy:$g, org:$o){
  rows { courseId enrolled completed certificates learners }
  totals { enrolled completed certificates learners } csvUrl } }"""


async def _course(trainer: GraphQLClient) -> tuple[str, str]:
    course = (
        await trainer.q(
            CREATE,
            input={
                "slug": f"national-{uuid.uuid4().hex[:8]}",
                "titles": [{"lang": "az", "text": "Milli hesabat"}],
                "defaultLanguage": "az",
                "autoIssueCertificate": False,
            },
        )
    )["createCourse"]["id"]
    module = (await trainer.q(ADD_MODULE, c=course, i={"titles": [{"lang": "az", "text": "Giriş"}]}))["addModule"]
    lesson = (
        await trainer.q(
            ADD_LESSON,
            m=module["id"],
            i={"kind": "TEXT", "titles": [{"lang": "az", "text": "Dərs"}], "bodies": [{"lang": "az", "text": "Mətn"}]},
        )
    )["addLesson"]["id"]
    assert (await trainer.q(PUBLISH, id=course))["publishCourse"]["status"] == "PUBLISHED"
    return course, lesson


async def test_report_totals_equal_course_stats_and_issued_certificates(
    stack_env: dict[str, str], token_for: Any
) -> None:
    gw = stack_env["LMS_PUBLIC_URL"]
    trainer_sub = f"t-{uuid.uuid4().hex[:6]}"
    trainer = GraphQLClient(gw, token_for(trainer_sub, "Aygün Məmmədova", ["trainer"], locale="az"))
    admin = GraphQLClient(gw, token_for("admin-national", "Admin", ["admin"]))
    people = [
        (f"n-{uuid.uuid4().hex[:6]}", "İlkin Əliyev", "Bakı"),
        (f"n-{uuid.uuid4().hex[:6]}", "Aysel Quliyeva", "Gəncə"),
        (f"n-{uuid.uuid4().hex[:6]}", "Rəşad Həsənov", "Bakı"),
    ]
    tokens = {sub: token_for(sub, name, ["learner"], org=ORG, municipality=m) for sub, name, m in people}
    learners = {sub: GraphQLClient(gw, tok) for sub, tok in tokens.items()}
    clients = [trainer, admin, *learners.values()]
    try:
        (c1, l1), (c2, l2) = await _course(trainer), await _course(trainer)
        (a, _, _), (b, _, _), (c, _, _) = people

        async def enrol(sub: str, course: str) -> str:
            async def go() -> str | None:
                body = await learners[sub].raw(ENROLL, c=course)
                return None if body.get("errors") else str(body["data"]["enroll"]["id"])

            return await eventually(go, timeout=60)

        ea1, ea2, eb1, ec1 = await enrol(a, c1), await enrol(a, c2), await enrol(b, c1), await enrol(c, c1)
        for sub, enrolment, lesson in ((a, ea1, l1), (a, ea2, l2), (b, eb1, l1)):
            assert (await learners[sub].q(COMPLETE, e=enrolment, l=lesson))["completeLesson"]["status"] == "COMPLETED"
        # The third learner withdraws (progress REST: the GraphQL withdraw mutation is issue 15's).
        async with httpx.AsyncClient(base_url=stack_env["LMS_PROGRESS_URL"], trust_env=False) as progress:
            left = await progress.post(
                f"/v1/enrollments/{ec1}/withdraw", headers={"Authorization": f"Bearer {tokens[c]}"}
            )
            assert left.status_code == 200, left.text

        async def issue(course: str, recipient: dict[str, Any]) -> str:
            async def go() -> str | None:
                body = await admin.raw(ISSUE, c=course, r=recipient)
                return None if body.get("errors") else str(body["data"]["issueCertificate"]["id"])

            return await eventually(go, timeout=60)

        await issue(c1, {"learnerId": a, "name": "İlkin Əliyev", "org": ORG, "municipality": "Bakı"})
        await issue(c2, {"learnerId": a, "name": "İlkin Əliyev", "org": ORG, "municipality": "Bakı"})
        revoked = await issue(c1, {"learnerId": b, "name": "Aysel Quliyeva", "org": ORG, "municipality": "Gəncə"})
        await issue(c1, {"name": "Workshop Guest", "org": ORG, "municipality": "Bakı"})  # never enrolled
        assert (await admin.q(REVOKE, id=revoked))["revokeCertificate"]["status"] == "REVOKED"

        async def settled() -> dict[str, Any] | None:
            stats = [(await trainer.q(STATS, id=cid))["course"]["stats"] for cid in (c1, c2)]
            valid = [
                sum(1 for x in (await admin.q(CERTS, c=cid))["certificates"] if x["status"] == "VALID")
                for cid in (c1, c2)
            ]
            report = (await admin.q(REPORT, g=["COURSE"], o=ORG))["report"]
            mine = {r["courseId"]: r for r in report["rows"] if r["courseId"] in (c1, c2)}
            expected = (3, 3, 3)  # enrolled (withdrawn left out), completed, valid certificates (revoked left out)
            summed = tuple(sum(s[k] for s in stats) for k in ("enrolled", "completed", "certificatesIssued"))
            ours = tuple(sum(r[k] for r in mine.values()) for k in ("enrolled", "completed", "certificates"))
            if summed != expected or ours != expected or sum(valid) != 3:
                return None
            return {"stats": stats, "valid": valid, "report": report, "rows": mine}

        got = await eventually(settled, timeout=300)  # behind other tests' events in a full run
        stats, valid, rows = got["stats"], got["valid"], got["rows"]
        for cid, s, v in zip((c1, c2), stats, valid, strict=True):
            row = rows[cid]
            assert (row["enrolled"], row["completed"], row["certificates"]) == (
                s["enrolled"],
                s["completed"],
                s["certificatesIssued"],
            )
            assert row["certificates"] == v  # what the certificates service holds as VALID
        assert rows[c1]["learners"] == 2 and rows[c2]["learners"] == 1
        # The country's report: its learners once each; only this test uses the state XH.
        totals = (await admin.q(REPORT, g=["ORG"], o=ORG))["report"]["totals"]
        assert totals == {"enrolled": 3, "completed": 3, "certificates": 3, "learners": 2}
        country_admin = GraphQLClient(gw, token_for(f"ca-{uuid.uuid4().hex[:6]}", "Nigar", ["country_admin"], org=ORG))
        clients.append(country_admin)
        own = (await country_admin.q(REPORT, g=["ORG"], o=None))["report"]
        assert own["totals"] == totals
        assert await country_admin.codes(REPORT, g=["ORG"], o="AZ") == {"FORBIDDEN"}
        assert await trainer.codes(REPORT, g=["ORG"], o=ORG) == {"FORBIDDEN"}
        # The CSV link of the country admin's report: the same totals, anyone holding it may download.
        async with httpx.AsyncClient(trust_env=False) as anonymous:
            csv = await anonymous.get(own["csvUrl"])
        assert csv.status_code == 200, csv.text
        assert csv.content.startswith(b"\xef\xbb\xbf")
        last = csv.content.decode("utf-8-sig").strip().splitlines()[-1].split(",")
        assert last[0] == "TOTAL" and last[-4:] == ["3", "3", "3", "2"]
    finally:
        for client in clients:
            await client.aclose()
