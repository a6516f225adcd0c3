"""A certificate that cannot be printed is refused with the reason, not reported as a render failure.

The admin's single issue refuses a course whose title is over the printed cap before rendering (one
422 naming the title); a field the renderer finds over its cap keeps its own reason code
(``FIELD_TOO_LONG``, ``NAME_TOO_LONG``) on an automatic-issue failure and on a prepared bulk row.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest

from certificates.domain.certificate import MAX_COURSE_TITLE_LENGTH, check_printed_length
from certificates.domain.model import CertificateDocument
from certificates.domain.recipients import ReasonCode, Recipient
from certificates.domain.templates import CertificateTemplate, default_template
from certificates.service_layer import events
from certificates.service_layer.issuing import (
    Actor,
    IssueCertificate,
    IssueFailed,
    PlannedCertificate,
    issue_certificate,
    prepare_certificates,
)
from lms_shared.errors import BadInput
from lms_shared.events.catalogue import CertificatePolicy, CourseCompletedV1, CoursePublishedV1, LearnerData

from .fakes import FakeRenderer, FakeUnitOfWork, course, fake_ports, issue_auto_requests

pytestmark = pytest.mark.unit

ADMIN = Actor("admin-1", "Aida Admin")
OVERLONG_TITLE = "T" * (MAX_COURSE_TITLE_LENGTH + 1)


class CappedRenderer(FakeRenderer):
    """Checks the caps as the real renderer does (``PrintedFieldTooLong``), before any layout."""

    def render(self, doc: CertificateDocument, template: CertificateTemplate, lang: str) -> bytes:
        check_printed_length("learner_name", doc.learner_name)
        check_printed_length("course_title", doc.course_title)
        return super().render(doc, template, lang)


async def test_an_admin_issue_for_a_course_with_an_overlong_title_is_one_422_before_rendering() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    overlong = course("c-long", titles={"en": "Housing", "kk": OVERLONG_TITLE})
    uow.tables.courses[overlong.id] = uow.work.courses[overlong.id] = overlong
    command = IssueCertificate(overlong.id, {"name": "Rəşad Əliyev", "locale": "en"})
    with pytest.raises(BadInput) as refused:  # BadInput is the REST 422 BAD_USER_INPUT
        await issue_certificate(uow, ADMIN, command, ports)
    assert refused.value.message == (
        "Certificates of the course 'c-long' cannot be printed: the course title in 'kk' is 301 characters "
        "long; certificates print at most 300."
    )
    assert isinstance(ports.renderer, FakeRenderer) and ports.renderer.rendered == []
    assert not uow.tables.certificates and uow.commits == 0


async def test_an_automatic_issue_over_a_printed_cap_is_recorded_as_field_too_long() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports(renderer=CappedRenderer())
    publish = CoursePublishedV1(
        course_id="c-auto",
        version=1,
        slug="c-auto",
        owner_id="trainer-1",
        default_language="en",
        languages=["en"],
        titles={"en": "Housing"},
        modules=[],
        certificate_policy=CertificatePolicy(auto_issue=True),
        published_at=datetime.now(UTC),
    )
    done = CourseCompletedV1(
        enrollment_id="enr-l1",
        course_id="c-auto",
        course_version=1,
        course_titles={"en": OVERLONG_TITLE},  # the title of the version the learner completed is printed
        course_default_language="en",
        learner=LearnerData(id="l1", name="Мария Иванова", locale="en"),
        completed_at=datetime.now(UTC),
    )
    async with uow:
        await events.on_course_published(uow, publish, publish.envelope(), ports=ports)
        await uow.commit()
    async with uow:
        await events.on_course_completed(uow, done, done.envelope(), ports=ports)
        await uow.commit()
    await issue_auto_requests(uow.tables, ports)  # the certificate workers
    (failure,) = uow.tables.auto_issue_failures.values()
    assert failure.reason_code == ReasonCode.FIELD_TOO_LONG.value
    assert (
        failure.reason
        == "the certificate could not be printed: the course title is 301 characters long; the limit is 300"
    )
    assert not uow.tables.certificates


async def test_a_prepared_row_keeps_the_reason_code_of_the_field_over_its_cap() -> None:
    ports = fake_ports(renderer=CappedRenderer())
    c = course("c-bulk")

    def plan(name: str, title: str) -> PlannedCertificate:
        return PlannedCertificate(
            recipient=Recipient(name=name, email=f"{uuid.uuid4().hex}@ex.az"),
            id=uuid.uuid4(),
            generation=0,
            code="KB-TEST-CODE-0000",
            lang="en",
            course_title=title,
            issued_at=datetime.now(UTC),
            status_list_index=1,
        )

    made = await prepare_certificates(
        ports, c, default_template(), [plan("N" * 201, "Housing"), plan("Aigerim", OVERLONG_TITLE), plan("Ok", "Ok")]
    )
    failed = [m for m in made if isinstance(m, IssueFailed)]
    assert [f.reason_code for f in failed] == [ReasonCode.NAME_TOO_LONG, ReasonCode.FIELD_TOO_LONG]
    assert not isinstance(made[2], IssueFailed)
    unprintable = await prepare_certificates(
        dataclasses.replace(ports, renderer=FakeRenderer(fail_for={"Aigerim"})),
        c,
        default_template(),
        [plan("Aigerim", "Ok")],
    )
    assert [m.reason_code for m in unprintable if isinstance(m, IssueFailed)] == [ReasonCode.RENDER_FAILED]
