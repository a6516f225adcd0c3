"""Bulk issue handlers on fakes: the dry run, a stored job with refused rows, chunks, and the rows page."""

from __future__ import annotations

from typing import Any

import pytest

from certificates.domain.bulk import ItemStatus
from certificates.domain.recipients import ReasonCode
from certificates.service_layer import bulk
from certificates.service_layer.bulk import ChunkMessage, ProcessChunk, StartBulkIssue
from certificates.service_layer.issuing import Actor, IssueCertificate, issue_certificate
from certificates.service_layer.ports import BulkLimits
from lms_shared.errors import BadInput, NotFound

from .fakes import FakeMetrics, FakeRenderer, FakeUnitOfWork, course, fake_ports

pytestmark = pytest.mark.unit

ADMIN = Actor("admin-1", "Aida Admin")


def given_course(uow: FakeUnitOfWork, **changes: Any) -> str:
    c = course(**changes)
    uow.tables.courses[c.id] = c
    uow.work.courses[c.id] = c
    return c.id


async def holder(uow: FakeUnitOfWork, ports: Any, course_id: str, **recipient: Any) -> str:
    cert, created = await issue_certificate(uow, ADMIN, IssueCertificate(course_id, recipient), ports)
    assert created
    return cert.code


def snapshot(uow: FakeUnitOfWork) -> tuple[Any, ...]:
    t = uow.tables
    return (len(t.certificates), len(t.jobs), len(t.items), len(t.audit), len(t.queue), len(t.events))


EVERY_REASON = [
    {"name": "Aida Bekova", "email": "aida@example.kz", "org": "KZ"},  # 1 would issue
    {"name": "", "email": "nameless@example.kz"},  # 2 MISSING_NAME
    {"name": "x" * 201},  # 3 NAME_TOO_LONG
    {"name": "Ok", "municipality": "m" * 201},  # 4 FIELD_TOO_LONG
    {"name": "Bell\x07"},  # 5 INVALID_CHARACTERS
    {"name": "Bad Mail", "email": "not-an-address"},  # 6 INVALID_EMAIL
    {"name": "Far Away", "org": "Atlantis"},  # 7 UNKNOWN_ORG
    {"name": "Aida B.", "email": "AIDA@example.kz"},  # 8 DUPLICATE_IN_INPUT (row 1)
    {"name": "Holder", "email": "held@example.kz"},  # 9 ALREADY_CERTIFIED
    {"name": "Zhanar Bekova", "org": "kz", "municipality": "Shymkent"},  # 10 would issue
]


async def test_dry_run_gives_every_reason_and_stores_nothing() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = given_course(uow)
    held_code = await holder(uow, ports, course_id, name="Holder", email="held@example.kz")
    before, commits = snapshot(uow), uow.commits

    plan = await bulk.dry_run_bulk_issue(uow, ADMIN, StartBulkIssue(course_id, recipients=EVERY_REASON), ports)

    rows = plan.rows()
    assert [(r.row, r.outcome, r.reason_code) for r in rows] == [
        (1, ItemStatus.ISSUED, None),
        (2, ItemStatus.REFUSED, "MISSING_NAME"),
        (3, ItemStatus.REFUSED, "NAME_TOO_LONG"),
        (4, ItemStatus.REFUSED, "FIELD_TOO_LONG"),
        (5, ItemStatus.REFUSED, "INVALID_CHARACTERS"),
        (6, ItemStatus.REFUSED, "INVALID_EMAIL"),
        (7, ItemStatus.REFUSED, "UNKNOWN_ORG"),
        (8, ItemStatus.SKIPPED, "DUPLICATE_IN_INPUT"),
        (9, ItemStatus.SKIPPED, "ALREADY_CERTIFIED"),
        (10, ItemStatus.ISSUED, None),
    ]
    assert rows[7].reason == "duplicate of row 1"
    assert rows[8].certificate_code == held_code and rows[8].reason == f"already certified: {held_code}"
    assert rows[6].org == "Atlantis" and "two-letter" in (rows[6].reason or "")
    assert rows[9].org == "KZ", "org codes are upper-cased by the server"
    assert rows[1].name == "" and rows[1].email == "nameless@example.kz"
    assert (plan.count(ItemStatus.PENDING), plan.count(ItemStatus.SKIPPED), plan.count(ItemStatus.REFUSED)) == (2, 2, 6)
    assert {"recipient": "nameless@example.kz", "reason": "row 2: name is empty"} in plan.failures()
    assert len(plan.failures()) == 8
    # Nothing stored, queued, issued or announced; not even a commit.
    assert snapshot(uow) == before and uow.commits == commits
    assert isinstance(ports.renderer, FakeRenderer)
    assert len(ports.renderer.rendered) == 1, "only the holder's certificate, before the dry run"


async def test_dry_run_of_all_eligible_lists_every_eligible_learner_without_row_numbers() -> None:
    from datetime import UTC, datetime

    from certificates.domain.recipients import Recipient

    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = given_course(uow)
    for n in range(3):
        person = Recipient(name=f"Learner {n}", learner_id=f"l-{n}", enrollment_id=f"e-{n}", course_version=1)
        await uow.completions.record(
            course_id, person, course_titles={}, score=None, completed_at=datetime.now(UTC), awaiting_course=False
        )
    await uow.commit()
    await holder(uow, ports, course_id, name="Learner 1", learnerId="l-1")

    plan = await bulk.dry_run_bulk_issue(uow, ADMIN, StartBulkIssue(course_id, all_eligible=True), ports)
    assert [(r.row, r.learner_id, r.outcome) for r in plan.rows()] == [
        (None, "l-0", ItemStatus.ISSUED),
        (None, "l-2", ItemStatus.ISSUED),
    ]


@pytest.mark.parametrize(
    "command",
    [
        StartBulkIssue("course-1"),
        StartBulkIssue("course-1", all_eligible=True, recipients=[{"name": "A"}]),
        StartBulkIssue("course-1", recipients=[{"name": "A"}], csv="name\nA\n"),
    ],
)
async def test_exactly_one_source_of_recipients(command: StartBulkIssue) -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    given_course(uow)
    with pytest.raises(BadInput, match="exactly one of allEligible"):
        await bulk.dry_run_bulk_issue(uow, ADMIN, command, ports)


async def test_unknown_course_csv_without_name_and_too_many_rows_are_refused_whole() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports(limits=BulkLimits(max_recipients=2, chunk_size=3))
    with pytest.raises(NotFound, match="publish it first"):
        await bulk.start_bulk_issue(uow, ADMIN, StartBulkIssue("nope", csv="name\nA\n"), ports)
    course_id = given_course(uow)
    with pytest.raises(BadInput, match="no name column; it has 'email', 'org'"):
        await bulk.start_bulk_issue(uow, ADMIN, StartBulkIssue(course_id, csv="email,org\na@b.org,KZ\n"), ports)
    with pytest.raises(BadInput, match="at most 2"):
        await bulk.start_bulk_issue(uow, ADMIN, StartBulkIssue(course_id, csv="name\nA\nB\nC\n"), ports)
    assert not uow.tables.jobs and uow.commits == 0


async def run_job(uow: FakeUnitOfWork, ports: Any, job_id: Any) -> None:
    for _, _, body in list(uow.tables.queue):
        message = ChunkMessage.from_json(body)
        if message.job_id == job_id:
            await bulk.process_chunk(uow, None, ProcessChunk(message), ports)


async def test_a_job_stores_refused_rows_and_accounts_for_every_row() -> None:
    renderer = FakeRenderer(fail_for={"Zhanar Bekova"})
    uow, ports = FakeUnitOfWork(), fake_ports(renderer=renderer)
    course_id = given_course(uow)
    held_code = await holder(uow, ports, course_id, name="Holder", email="held@example.kz")
    csv = "Name;E-mail;Country;City\n" + "\n".join(
        ";".join([r.get("name", ""), r.get("email", ""), r.get("org", ""), r.get("municipality", "")]).replace(
            "\x07", ""
        )
        for r in EVERY_REASON
        if "\x07" not in r.get("name", "")
    )
    csv += "\nMartin;m@ex.hu;HU;Budapest;extra\nAnna;a@ex.hu;HU;Győr\n"
    job = await bulk.start_bulk_issue(uow, ADMIN, StartBulkIssue(course_id, csv=csv), ports)
    assert job.mode == "csv" and job.total == 11 and job.refused == 6 and job.skipped == 2 and job.failed == 0
    assert job.status == "QUEUED" and job.chunks == 1  # three pending rows, chunks of three
    stored = uow.tables.items[job.id]
    assert {i["reason_code"] for i in stored.values() if i["status"] == "REFUSED"} == {
        "MISSING_NAME",
        "NAME_TOO_LONG",
        "FIELD_TOO_LONG",
        "INVALID_EMAIL",
        "UNKNOWN_ORG",
        "MALFORMED_ROW",
    }

    await run_job(uow, ports, job.id)

    done, failures = await bulk.get_job(uow, job.id)
    assert done.status == "COMPLETED"
    assert (done.issued, done.skipped, done.refused, done.failed) == (2, 2, 6, 1)
    assert done.issued + done.skipped + done.refused + done.failed == done.total
    assert {
        "recipient": "Zhanar Bekova",
        "reason": "the certificate could not be printed: no font has a glyph for 'Zhanar Bekova'",
    } in failures
    assert any(f["reason"] == "row 10: 5 values for 4 columns" for f in failures)

    page = await bulk.job_rows(uow, job.id, None, 4, None)
    assert page.total_count == 11 and page.has_next_page and len(page.nodes) == 4
    rest = await bulk.job_rows(uow, job.id, None, 100, page.end_cursor)
    assert [r.row for r in page.nodes + rest.nodes] == list(range(1, 12)) and not rest.has_next_page
    issued = await bulk.job_rows(uow, job.id, ItemStatus.ISSUED, 100, None)
    assert [r.name for r in issued.nodes] == ["Aida Bekova", "Anna"] and all(r.certificate_code for r in issued.nodes)
    skipped = await bulk.job_rows(uow, job.id, ItemStatus.SKIPPED, 100, None)
    assert [(r.reason_code, r.certificate_code) for r in skipped.nodes] == [
        ("DUPLICATE_IN_INPUT", None),
        ("ALREADY_CERTIFIED", held_code),
    ]
    failed = await bulk.job_rows(uow, job.id, ItemStatus.FAILED, 100, None)
    assert [(r.name, r.reason_code) for r in failed.nodes] == [("Zhanar Bekova", ReasonCode.RENDER_FAILED.value)]
    metrics = ports.metrics
    assert isinstance(metrics, FakeMetrics)
    assert metrics.issued == {"single": 1, "bulk": 2} and metrics.finished == ["COMPLETED"]


async def test_a_chunk_delivered_twice_issues_nothing_more() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = given_course(uow)
    recipients = [{"name": f"P {i}", "email": f"p{i}@ex.org"} for i in range(7)]
    job = await bulk.start_bulk_issue(uow, ADMIN, StartBulkIssue(course_id, recipients=recipients), ports)
    assert job.chunks == 3
    await run_job(uow, ports, job.id)
    await run_job(uow, ports, job.id)
    done, _ = await bulk.get_job(uow, job.id)
    assert (done.status, done.issued) == ("COMPLETED", 7) and len(uow.tables.certificates) == 7
    issued_events = [e for e in uow.tables.events if type(e).__name__ == "CertificateIssuedV1"]
    assert len(issued_events) == 7


async def test_a_job_with_nobody_to_issue_to_ends_at_once() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = given_course(uow)
    job = await bulk.start_bulk_issue(uow, ADMIN, StartBulkIssue(course_id, recipients=[{"name": ""}]), ports)
    assert (job.status, job.total, job.refused, job.chunks) == ("COMPLETED", 1, 1, 0)
    assert not uow.tables.queue


async def test_cancel_skips_what_is_left() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    course_id = given_course(uow)
    recipients = [{"name": f"P {i}", "email": f"p{i}@ex.org"} for i in range(5)] + [{"name": ""}]
    job = await bulk.start_bulk_issue(uow, ADMIN, StartBulkIssue(course_id, recipients=recipients), ports)
    cancelled = await bulk.cancel_bulk_job(uow, ADMIN, job.id, ports)
    assert (cancelled.status, cancelled.skipped, cancelled.refused) == ("CANCELLED", 5, 1)
    await run_job(uow, ports, job.id)
    assert not uow.tables.certificates
    rows = await bulk.job_rows(uow, job.id, ItemStatus.SKIPPED, 100, None)
    assert {r.reason_code for r in rows.nodes} == {"CANCELLED"}


async def test_a_chunk_given_up_fails_its_rows_and_ends_the_job() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports(limits=BulkLimits(chunk_size=10))
    course_id = given_course(uow)
    recipients = [{"name": f"P {i}", "email": f"p{i}@ex.org"} for i in range(4)]
    job = await bulk.start_bulk_issue(uow, ADMIN, StartBulkIssue(course_id, recipients=recipients), ports)
    (message,) = [ChunkMessage.from_json(b) for _, _, b in uow.tables.queue]
    assert await bulk.give_up_chunk(uow, message, "could not be issued after 8 attempts", ports) == 4
    done, failures = await bulk.get_job(uow, job.id)
    assert (done.status, done.failed) == ("COMPLETED", 4)
    assert failures[0]["reason"] == "could not be issued after 8 attempts"
    rows = await bulk.job_rows(uow, job.id, ItemStatus.FAILED, 100, None)
    assert [r.reason_code for r in rows.nodes] == [ReasonCode.ISSUE_FAILED.value] * 4
    assert await bulk.give_up_chunk(uow, message, "again", ports) == 0, "a redelivered give-up moves nothing"
