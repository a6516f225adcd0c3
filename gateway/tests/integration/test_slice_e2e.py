"""The walking skeleton, outside in (the same ground as shared/smoke/slice.py, and a bit more)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable

import httpx
import pytest
from pypdf import PdfReader

from tests.support.graphql import GraphQLClient, GraphQLError, eventually

from .support import CREATE, MODULE, PUBLISH, uid

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

LEARNER_NAME = "Rəşad Əliyev"


async def test_author_publish_enrol_complete_certify_verify(client_for: Callable[..., GraphQLClient]) -> None:
    trainer = client_for(uid("trainer"), ["trainer"], name="Aygün Məmmədova", org="AZ", locale="az")
    other = client_for(uid("trainer"), ["trainer"], name="Erlan Nurlanov", org="KZ", locale="kk")
    learner = client_for(uid("learner"), ["learner"], name=LEARNER_NAME, org="AZ", municipality="Baku", locale="az")
    anon = client_for()

    created = await trainer.q(
        CREATE.replace("{ id }", '{ id slug status version title(lang:"kk") }'),
        input={
            "slug": uid("participatory-budgeting"),
            "titles": [{"lang": "az", "text": "İştirakçı büdcə"}, {"lang": "kk", "text": "Қатысымдық бюджет"}],
            "defaultLanguage": "az",
            "autoIssueCertificate": True,
        },
    )
    course = created["createCourse"]
    assert course["status"] == "DRAFT" and course["version"] == 0
    assert course["title"] == "Қатысымдық бюджет"
    cid = course["id"]

    module = (await trainer.q(MODULE, c=cid, i={"titles": [{"lang": "az", "text": "Giriş"}]}))["addModule"]
    lesson = (
        await trainer.q(
            """mutation($m:ID!,$i:LessonInput!){ addLesson(moduleId:$m, input:$i){ id kind required title body } }""",
            m=module["id"],
            i={
                "kind": "TEXT",
                "titles": [{"lang": "az", "text": "Büdcə nədir?"}],
                "bodies": [{"lang": "az", "text": "# Büdcə\nŞəhər büdcəsi haqqında."}],
            },
        )
    )["addLesson"]
    assert lesson["kind"] == "TEXT" and lesson["required"] is True and lesson["title"] == "Büdcə nədir?"

    with pytest.raises(GraphQLError) as denied:
        await other.q(MODULE, c=cid, i={"titles": [{"lang": "az", "text": "Oğurluq"}]})
    assert denied.value.codes == {"FORBIDDEN"}
    with pytest.raises(GraphQLError) as denied:
        await learner.q(
            CREATE, input={"slug": uid("x"), "titles": [{"lang": "az", "text": "x"}], "defaultLanguage": "az"}
        )
    assert denied.value.codes == {"FORBIDDEN"}
    with pytest.raises(GraphQLError) as denied:
        await anon.q("{ myEnrollments { id } }")
    assert denied.value.codes == {"UNAUTHENTICATED"}

    published = (await trainer.q(PUBLISH, id=cid))["publishCourse"]
    assert published["status"] == "PUBLISHED" and published["version"] == 1

    async def enroll() -> dict[str, object] | None:
        data = await learner.q("""mutation($c:ID!){ enroll(courseId:$c){ id status courseVersion } }""", c=cid)
        return data["enroll"]

    # The smoke check allows 20 s and 30 s; a loaded CI machine gets more slack here.
    enrollment = await eventually(enroll, timeout=60)
    assert enrollment["courseVersion"] == 1 and enrollment["status"] == "ACTIVE"

    done = (
        await learner.q(
            """mutation($e:ID!,$l:ID!){ completeLesson(enrollmentId:$e, lessonId:$l){ status progressPercent
               course { title } lessons { lessonId status } } }""",
            e=enrollment["id"],
            l=lesson["id"],
        )
    )["completeLesson"]
    assert done["status"] == "COMPLETED" and done["progressPercent"] == 100
    assert done["course"]["title"] == "İştirakçı büdcə"
    assert done["lessons"] == [{"lessonId": lesson["id"], "status": "COMPLETED"}]

    certs = """{ myCertificates { id code learnerName courseId courseTitle status pdfUrl verifyUrl credential } }"""

    async def certificate() -> dict[str, object] | None:
        return next((c for c in (await learner.q(certs))["myCertificates"] if c["courseId"] == cid), None)

    cert = await eventually(certificate, timeout=60)
    assert cert["learnerName"] == LEARNER_NAME and cert["status"] == "VALID"
    assert cert["credential"]
    code = str(cert["code"])

    async with httpx.AsyncClient(timeout=30) as http:
        pdf = await http.get(str(cert["pdfUrl"]))
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    text = unicodedata.normalize(
        "NFC", "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.content)).pages)
    )
    assert LEARNER_NAME in text
    assert code in text.replace(" ", "") or code in text

    # The dashboard shows the certificate on the enrolment.
    dash = (await learner.q("{ myEnrollments { id course { id } certificate { code } } }"))["myEnrollments"]
    assert {"id": enrollment["id"], "course": {"id": cid}, "certificate": {"code": code}} in dash

    verify = """query($c:String!){ verifyCertificate(code:$c){ valid status learnerName courseTitle issuedAt } }"""
    v = (await anon.q(verify, c=code))["verifyCertificate"]
    assert v["valid"] is True and v["learnerName"] == LEARNER_NAME and v["status"] == "VALID"
    assert (await anon.q(verify, c=code.lower()))["verifyCertificate"]["valid"] is True
    assert (await anon.q(verify, c="NOSUCHCODE99"))["verifyCertificate"]["valid"] is False
