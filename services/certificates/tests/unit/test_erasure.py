"""A learner's erasure in certificates (service_layer/erasure.py), on fakes: what it does, twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from certificates.domain.erasure import ERASED_REASON, redact_credential
from certificates.entrypoints.schemas import certificate_json, verification_json
from certificates.service_layer import erasure, events
from certificates.service_layer.issuing import Actor, IssueCertificate, issue_certificate
from lms_shared.auth import Principal, Role
from lms_shared.errors import Forbidden
from lms_shared.events.catalogue import CertificateRevokedV1, CourseCompletedV1, LearnerData, LearnerErasedV1

from .fakes import FakeObjects, FakeUnitOfWork, course, fake_ports

pytestmark = pytest.mark.unit

ADMIN = Actor("admin-1", "Aida Admin")
NAME = "Aysel Quliyeva"


def erased(pseudonym: str = "Erased learner 0badf00d") -> LearnerErasedV1:
    return LearnerErasedV1(
        learner_id="l-1", pseudonym=pseudonym, org="AZ", requested_by="admin-1", erased_at=datetime.now(UTC)
    )


async def _certified() -> tuple[FakeUnitOfWork, object, object]:
    uow, ports = FakeUnitOfWork(), fake_ports()
    c = course()
    uow.tables.courses[c.id] = c
    uow.work.courses[c.id] = c
    recipient = {"name": NAME, "learnerId": "l-1", "org": "AZ", "email": "a@ex.az"}
    cert, _ = await issue_certificate(uow, ADMIN, IssueCertificate(c.id, recipient), ports)
    # The fake signer's credential is not Open Badges shaped; give the row the real shape's name fields.
    shaped = {
        "name": "Housing",
        "credentialSubject": {"id": "l-1", "name": NAME, "identifier": [{"identityHash": NAME}]},
        "proof": {"proofValue": "z"},
    }
    for tables in (uow.tables, uow.work):
        tables.certificates[cert.id].update(credential=shaped, credential_di=shaped)
    return uow, ports, cert


async def test_erasure_revokes_pseudonymises_deletes_the_pdf_and_hides_the_name() -> None:
    uow, ports, cert = await _certified()
    objects = ports.pdfs  # type: ignore[attr-defined]
    assert isinstance(objects, FakeObjects) and cert.pdf_key in objects.objects  # type: ignore[attr-defined]
    event = erased()
    await erasure.on_learner_erased(uow, event, event.envelope(), ports=ports)  # type: ignore[arg-type]
    await uow.commit()

    (after,) = await uow.certificates.of_learner("l-1")
    assert after.status == "REVOKED" and after.revocation_reason == ERASED_REASON
    assert after.learner_name == event.pseudonym and after.email is None
    assert NAME not in str(after.credential) and "proof" not in after.credential
    assert cert.pdf_key not in objects.objects  # type: ignore[attr-defined]
    revoked = [e for e in uow.tables.events if isinstance(e, CertificateRevokedV1)]
    assert [e.reason for e in revoked] == [ERASED_REASON]
    verify = verification_json(ports, after.code, after)  # type: ignore[arg-type]
    assert verify["learnerName"] is None and verify["status"] == "REVOKED"
    assert NAME not in str(verify)
    assert certificate_json(ports, after, with_pdf=True)["pdfUrl"] is None  # type: ignore[arg-type]

    # Applied again (a crash before the ack): the first pseudonym stays, nothing is revoked twice.
    again = erased("Erased learner other")
    await erasure.on_learner_erased(uow, again, again.envelope(), ports=ports)  # type: ignore[arg-type]
    await uow.commit()
    (twice,) = await uow.certificates.of_learner("l-1")
    assert twice.learner_name == event.pseudonym
    assert len([e for e in uow.tables.events if isinstance(e, CertificateRevokedV1)]) == 1


async def test_a_late_completion_of_an_erased_learner_is_dropped() -> None:
    uow, ports, cert = await _certified()
    event = erased()
    await erasure.on_learner_erased(uow, event, event.envelope(), ports=ports)  # type: ignore[arg-type]
    await uow.commit()
    late = CourseCompletedV1(
        enrollment_id="enr-1",
        course_id=cert.course_id,  # type: ignore[attr-defined]
        course_version=1,
        course_titles={"en": "x"},
        course_default_language="en",
        learner=LearnerData(id="l-1", name=NAME, org="AZ"),
        completed_at=datetime.now(UTC),
    )
    await events.on_course_completed(uow, late, late.envelope(), ports=ports)  # type: ignore[arg-type]
    await uow.commit()
    assert not uow.tables.completions
    assert [c.learner_name for c in await uow.certificates.of_learner("l-1")] == [event.pseudonym]


async def test_the_export_is_for_admins_and_the_learners_country_admin() -> None:
    uow, ports, _ = await _certified()
    admin = Principal("a", "A", frozenset({Role.ADMIN}))
    az = Principal("ca", "CA", frozenset({Role.COUNTRY_ADMIN}), org="AZ")
    kz = Principal("ck", "CK", frozenset({Role.COUNTRY_ADMIN}), org="KZ")
    learner = Principal("l-1", NAME, frozenset({Role.LEARNER}), org="AZ")
    for who in (admin, az):
        out = await erasure.export_learner(uow, who, "l-1", ports)  # type: ignore[arg-type]
        assert out["certificates"][0]["learnerName"] == NAME and out["certificates"][0]["pdfUrl"]
    for who in (kz, learner):
        with pytest.raises(Forbidden):
            await erasure.export_learner(uow, who, "l-1", ports)  # type: ignore[arg-type]


def test_redaction_keeps_the_course_and_status_and_drops_the_name() -> None:
    credential = {
        "credentialSubject": {"name": NAME, "identifier": [{"identityHash": NAME}], "achievement": {"name": "C"}},
        "credentialStatus": {"statusListIndex": "7"},
        "proof": {"proofValue": "z"},
    }
    out = redact_credential(credential)
    assert out == {"credentialSubject": {"achievement": {"name": "C"}}, "credentialStatus": {"statusListIndex": "7"}}
    assert credential["credentialSubject"]["name"] == NAME  # the input is not changed
