"""The walking-skeleton slice through the real stack and the public GraphQL contract."""

from __future__ import annotations

import base64
import io
import unicodedata
import uuid
from typing import Any

import httpx
import nacl.signing
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pypdf import PdfReader

from lms_shared.events.envelope import Envelope
from lms_shared.jetstream import EVENTS_STREAM, connect
from tests.support.graphql import GraphQLClient, eventually

pytestmark = pytest.mark.e2e

CREATE = """mutation($input: CreateCourseInput!){ createCourse(input:$input){ id status version title(lang:"kk") } }"""
ADD_MODULE = """mutation($c:ID!,$i:ModuleInput!){ addModule(courseId:$c, input:$i){ id } }"""
ADD_LESSON = """mutation($m:ID!,$i:LessonInput!){ addLesson(moduleId:$m, input:$i){ id kind required } }"""
PUBLISH = """mutation($id:ID!){ publishCourse(id:$id){ status version } }"""
ENROLL = """mutation($c:ID!){ enroll(courseId:$c){ id status courseVersion progressPercent resumeLessonId } }"""
COMPLETE = """mutation($e:ID!,$l:ID!){ completeLesson(enrollmentId:$e, lessonId:$l){
  status progressPercent resumeLessonId lessons { lessonId status } } }"""
CERTS = """{ myCertificates { id code learnerName courseId courseTitle status pdfUrl verifyUrl credential } }"""
VERIFY = (
    """query($c:String!){ verifyCertificate(code:$c){ code valid status learnerName courseTitle issuedAt issuer } }"""
)


def b64url(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


async def completed_events_for(nats_url: str, enrollment_id: str) -> list[Envelope]:
    nc, js = await connect(nats_url, "e2e-reader")
    sub = await js.pull_subscribe(
        "lms.progress.course.completed.v1",
        stream=EVENTS_STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=10),
    )
    found: list[Envelope] = []
    while True:
        try:
            msgs = await sub.fetch(500, timeout=1.5)
        except TimeoutError:
            break
        found += [e for e in (Envelope.from_bytes(m.data) for m in msgs) if e.data["enrollment_id"] == enrollment_id]
    # An open pull subscription would make drain() wait out its whole timeout.
    await sub.unsubscribe()
    await nc.drain()
    return found


async def test_author_publish_enrol_complete_certify_verify(stack_env: dict[str, str], token_for: Any) -> None:
    gw = stack_env["LMS_PUBLIC_URL"]
    trainer = GraphQLClient(gw, token_for(f"t-{uuid.uuid4().hex[:6]}", "Aygün Məmmədova", ["trainer"], locale="az"))
    other = GraphQLClient(gw, token_for(f"t-{uuid.uuid4().hex[:6]}", "Erlan Nurlanov", ["trainer"], locale="kk"))
    learner_name = "Әлия Қасымқызы"
    learner = GraphQLClient(
        gw,
        token_for(f"l-{uuid.uuid4().hex[:6]}", learner_name, ["learner"], org="KZ", municipality="Almaty", locale="kk"),
    )
    anon = GraphQLClient(gw)
    try:
        await _the_slice(gw, stack_env["LMS_NATS_URL"], trainer, other, learner, learner_name, anon)
    finally:
        for client in (trainer, other, learner, anon):
            await client.aclose()


async def _the_slice(
    gw: str,
    nats_url: str,
    trainer: GraphQLClient,
    other: GraphQLClient,
    learner: GraphQLClient,
    learner_name: str,
    anon: GraphQLClient,
) -> None:
    course = (
        await trainer.q(
            CREATE,
            input={
                "slug": f"city-governance-{uuid.uuid4().hex[:6]}",
                "titles": [{"lang": "az", "text": "Şəhər idarəçiliyi"}, {"lang": "kk", "text": "Қалалық басқару"}],
                "defaultLanguage": "az",
                "autoIssueCertificate": True,
            },
        )
    )["createCourse"]
    assert course["status"] == "DRAFT"
    assert course["version"] == 0
    assert course["title"] == "Қалалық басқару"
    module = (await trainer.q(ADD_MODULE, c=course["id"], i={"titles": [{"lang": "az", "text": "Giriş"}]}))["addModule"]
    lessons = [
        (
            await trainer.q(
                ADD_LESSON,
                m=module["id"],
                i={
                    "kind": "TEXT",
                    "titles": [{"lang": "az", "text": f"Dərs {n}"}],
                    "bodies": [{"lang": "az", "text": "# Şəhər\nMətn."}],
                },
            )
        )["addLesson"]
        for n in (1, 2)
    ]

    assert await other.codes(ADD_MODULE, c=course["id"], i={"titles": [{"lang": "kk", "text": "x"}]}) == {"FORBIDDEN"}
    assert await learner.codes(
        CREATE,
        input={"slug": "x-" + uuid.uuid4().hex[:6], "titles": [{"lang": "kk", "text": "x"}], "defaultLanguage": "kk"},
    ) == {"FORBIDDEN"}
    assert await anon.codes("{ myEnrollments { id } }") == {"UNAUTHENTICATED"}
    assert await anon.codes(PUBLISH, id=course["id"]) == {"UNAUTHENTICATED"}

    assert (await trainer.q(PUBLISH, id=course["id"]))["publishCourse"] == {"status": "PUBLISHED", "version": 1}

    async def enroll() -> dict[str, Any]:
        enrolled: dict[str, Any] = (await learner.q(ENROLL, c=course["id"]))["enroll"]
        return enrolled

    enrollment = await eventually(enroll, timeout=60)
    assert enrollment["courseVersion"] == 1
    assert enrollment["status"] == "ACTIVE"
    assert enrollment["resumeLessonId"] == lessons[0]["id"]

    half = (await learner.q(COMPLETE, e=enrollment["id"], l=lessons[0]["id"]))["completeLesson"]
    assert half["status"] == "ACTIVE"
    assert half["progressPercent"] == 50
    assert half["resumeLessonId"] == lessons[1]["id"]
    done = (await learner.q(COMPLETE, e=enrollment["id"], l=lessons[1]["id"]))["completeLesson"]
    assert done["status"] == "COMPLETED"
    assert done["progressPercent"] == 100
    assert done["resumeLessonId"] is None
    # Completing again (a second tab, a retry) changes nothing.
    again = (await learner.q(COMPLETE, e=enrollment["id"], l=lessons[1]["id"]))["completeLesson"]
    assert again["status"] == "COMPLETED"

    async def certificate() -> dict[str, Any] | None:
        mine = (await learner.q(CERTS))["myCertificates"]
        return next((c for c in mine if c["courseId"] == course["id"]), None)

    cert = await eventually(certificate, 60)
    assert cert["learnerName"] == learner_name
    assert cert["status"] == "VALID"
    assert cert["verifyUrl"].endswith(cert["code"])

    async with httpx.AsyncClient(timeout=30) as http:
        pdf = await http.get(cert["pdfUrl"])
        jwks = (await http.get(f"{gw}/.well-known/jwks.json")).json()
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    text = unicodedata.normalize(
        "NFC", "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.content)).pages)
    )
    assert learner_name in text
    assert cert["code"] in text.replace(" ", "")

    # The credential verifies with an implementation that is not ours (libsodium through PyNaCl),
    # against the issuer key published at the gateway's stable public URL.
    credential = cert["credential"]
    jws = credential["id"].split(",", 1)[1] if isinstance(credential, dict) else credential
    header_b64, payload_b64, sig_b64 = jws.split(".")
    key = next(k for k in jwks["keys"] if k["crv"] == "Ed25519")
    nacl.signing.VerifyKey(b64url(key["x"])).verify(f"{header_b64}.{payload_b64}".encode(), b64url(sig_b64))

    verified = (await anon.q(VERIFY, c=cert["code"].lower()))["verifyCertificate"]
    assert verified["valid"] is True
    assert verified["learnerName"] == learner_name
    assert verified["courseTitle"]
    assert (await anon.q(VERIFY, c="NOSUCHCODE99"))["verifyCertificate"]["valid"] is False

    # Exactly one course.completed for this enrolment on the stream, even after the idempotent retry.
    events = await completed_events_for(nats_url, enrollment["id"])
    assert len(events) == 1
    assert events[0].data["learner_name"] == learner_name
