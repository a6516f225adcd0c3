"""Certificates of participation (issue 15, item 4): an event's certificate says so, with its dates and venue.

The real renderer and the real signer on the fakes' unit of work: what the PDF prints (text
extracted with pypdf) in all seven languages, the date ranges, the venue's language fallback, the
credential, re-rendering to the same bytes, and the failures that are parked (a venue the fonts
cannot print, one over its cap). The real stack runs the same in ``tests/integration/test_participation.py``.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import pypdf
import pytest

from certificates.adapters.credentials import VcJwtSigner
from certificates.adapters.pdf import CertificateRenderer, UnsupportedCharactersError
from certificates.adapters.signing import IssuerKey, token_payload
from certificates.domain.certificate import PrintedFieldTooLong
from certificates.domain.model import CertificateDocument
from certificates.domain.participation import CertificateKind, EventFacts, PrintedEvent, Session
from certificates.domain.recipients import ReasonCode
from certificates.domain.templates import (
    PARTICIPATION_WORDING,
    SUPPORTED_LANGUAGES,
    default_template,
    format_date_range,
)
from certificates.service_layer import bulk, events, printing
from certificates.service_layer.issuing import (
    Actor,
    IssueCertificate,
    RetryAutoIssue,
    issue_certificate,
    retry_auto_issue,
)
from certificates.service_layer.ports import Ports
from lms_shared.auth import Principal, Role
from lms_shared.errors import Forbidden
from lms_shared.events.catalogue import (
    BulkProgressV1,
    CertificatePolicy,
    CourseCompletedV1,
    CoursePublishedV1,
    LearnerData,
    LessonSnapshot,
    LiveSessionSnapshot,
    ModuleSnapshot,
    Payload,
)

from .fakes import FakeObjects, FakeUnitOfWork, course, fake_ports, issue_auto_requests

pytestmark = pytest.mark.unit

ADMIN = Actor("admin-1", "Aida Admin")
P_ADMIN = Principal(sub="admin-2", name="Aliya Admin", roles=frozenset({Role.ADMIN}))
FORUM = {"en": "Regional Urban Forum", "az": "Regional Şəhər Forumu", "ru": "Региональный городской форум"}
VENUES = {"en": "Baku Congress Centre", "az": "Bakı Konqres Mərkəzi", "ru": "Бакинский конгресс-центр"}


def _text(pdf: bytes) -> str:
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def renderer() -> CertificateRenderer:
    return CertificateRenderer()


@pytest.fixture(scope="module")
def signer() -> VcJwtSigner:
    return VcJwtSigner(IssuerKey.generate(), "https://kentbilim.test")


def _live(
    lesson_id: str, starts: str, ends: str, zone: str = "Asia/Baku", venues: dict[str, str] | None = None
) -> LessonSnapshot:
    return LessonSnapshot(
        id=lesson_id,
        position=0,
        kind="LIVE",
        titles={"en": lesson_id},
        live=LiveSessionSnapshot(
            starts_at=datetime.fromisoformat(starts),
            ends_at=datetime.fromisoformat(ends),
            timezone=zone,
            venues=VENUES if venues is None else venues,
        ),
    )


def forum_published(course_id: str = "forum-1", *, kind: CertificateKind = "PARTICIPATION") -> CoursePublishedV1:
    """A two-day forum: the first session starts on 12 May in Baku (20:30 UTC on the 11th), the last ends the 13th."""
    lessons = [
        _live("day-2", "2027-05-13T05:00:00+00:00", "2027-05-13T13:00:00+00:00", venues={}),
        _live("day-1", "2027-05-11T20:30:00+00:00", "2027-05-12T12:00:00+00:00"),
        LessonSnapshot(id="reading", position=2, kind="TEXT", titles={"en": "Reading"}),
    ]
    return CoursePublishedV1(
        course_id=course_id,
        version=1,
        slug=course_id,
        owner_id="trainer-1",
        default_language="en",
        languages=["en", "az", "ru"],
        titles=FORUM,
        modules=[ModuleSnapshot(id="m", position=0, titles={"en": "Programme"}, lessons=lessons)],
        certificate_policy=CertificatePolicy(auto_issue=True, kind=kind),
        published_at=datetime.now(UTC),
    )


# --- dates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "same_day", "same_month", "across_months", "across_years"),
    [
        ("en", "12 May 2027", "12–13 May 2027", "30 April – 2 May 2027", "31 December 2027 – 1 January 2028"),
        ("tr", "12 Mayıs 2027", "12–13 Mayıs 2027", "30 Nisan – 2 Mayıs 2027", "31 Aralık 2027 – 1 Ocak 2028"),
        ("az", "12 may 2027", "12–13 may 2027", "30 aprel – 2 may 2027", "31 dekabr 2027 – 1 yanvar 2028"),
        (
            "kk",
            "2027 ж. 12 мамыр",
            "2027 ж. 12–13 мамыр",
            "2027 ж. 30 сәуір – 2 мамыр",
            "2027 ж. 31 желтоқсан – 2028 ж. 1 қаңтар",
        ),
        (
            "ky",
            "2027-ж., 12-май",
            "2027-ж., 12–13-май",
            "2027-ж., 30-апрель – 2-май",
            "2027-ж., 31-декабрь – 2028-ж., 1-январь",
        ),
        ("uz", "12-may, 2027", "12–13-may, 2027", "30-aprel – 2-may, 2027", "31-dekabr, 2027 – 1-yanvar, 2028"),
        (
            "ru",
            "12 мая 2027 г.",
            "12–13 мая 2027 г.",
            "30 апреля – 2 мая 2027 г.",
            "31 декабря 2027 г. – 1 января 2028 г.",
        ),
    ],
)
def test_an_events_days_are_written_as_a_range_in_each_language(
    lang: str, same_day: str, same_month: str, across_months: str, across_years: str
) -> None:
    assert format_date_range(date(2027, 5, 12), date(2027, 5, 12), lang) == same_day
    assert format_date_range(date(2027, 5, 12), date(2027, 5, 13), lang) == same_month
    assert format_date_range(date(2027, 4, 30), date(2027, 5, 2), lang) == across_months
    assert format_date_range(date(2027, 12, 31), date(2028, 1, 1), lang) == across_years


def test_the_event_is_its_first_start_and_last_end_in_the_first_sessions_zone() -> None:
    facts = events.event_facts(forum_published())
    assert facts is not None
    assert facts.starts_at == datetime(2027, 5, 11, 20, 30, tzinfo=UTC)
    assert facts.ends_at == datetime(2027, 5, 13, 13, 0, tzinfo=UTC)
    assert facts.timezone == "Asia/Baku" and dict(facts.venues) == VENUES
    # 20:30 UTC on the 11th is 00:30 on the 12th in Baku (UTC+4): the dates are the session zone's.
    printed = facts.printed("az", "en")
    assert (printed.first_day, printed.last_day) == (date(2027, 5, 12), date(2027, 5, 13))
    assert printed.venue == VENUES["az"]
    # A language without a venue falls back as every course text does: the course's default language.
    assert facts.printed("kk", "en").venue == VENUES["en"]
    assert facts.printed("kk", "ru").venue == VENUES["ru"]
    assert EventFacts.from_json(facts.to_json()) == facts
    # A session until midnight ends on the day before; an event without sessions has no facts.
    midnight = EventFacts.of_sessions(
        [Session(datetime(2027, 5, 12, 6, tzinfo=UTC), datetime(2027, 5, 12, 20, tzinfo=UTC), "Asia/Baku")]
    )
    assert midnight is not None and midnight.printed("en", "en").last_day == date(2027, 5, 12)
    assert events.event_facts(forum_published().model_copy(update={"modules": []})) is None


# --- the PDF -------------------------------------------------------------------------------------------


def _document(event: PrintedEvent | None, title: str = FORUM["en"]) -> CertificateDocument:
    return CertificateDocument(
        code="KB-7QX4-M9PA-K3TD",
        learner_name="Aigerim Sadykova",
        course_title=title,
        issued_at=datetime(2027, 5, 20, 9, tzinfo=UTC),
        verify_url="https://kentbilim.test/verify/KB-7QX4-M9PA-K3TD",
        course_version=1,
        issuer_name="Kentbilim",
        event=event,
    )


EVENT = PrintedEvent(date(2027, 5, 12), date(2027, 5, 13), "Asia/Baku", VENUES["en"])


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_participation_certificate_prints_its_wording_dates_and_venue_in_every_language(
    renderer: CertificateRenderer, lang: str
) -> None:
    template = default_template().for_kind("PARTICIPATION")
    headline, sentence = PARTICIPATION_WORDING[lang]
    text = _flat(_text(renderer.render(_document(EVENT), template, lang)))
    assert headline in text and sentence in text
    assert FORUM["en"] in text and "Aigerim Sadykova" in text
    assert f"{format_date_range(EVENT.first_day, EVENT.last_day, lang)} · {VENUES['en']}" in text
    completion = _flat(_text(renderer.render(_document(None), default_template(), lang)))
    assert headline not in completion and default_template().texts_for(lang).headline in completion


def test_the_participation_layout_is_a_variant_of_its_own_and_completions_print_as_before(
    renderer: CertificateRenderer,
) -> None:
    base = default_template()
    variant = base.for_kind("PARTICIPATION")
    assert variant is base.for_kind("PARTICIPATION"), "made once per template"
    assert variant.fingerprint != base.fingerprint and base.for_kind("COMPLETION") is base
    assert variant.texts_for("en").issued_on == base.texts_for("en").issued_on
    # The same inputs give the same bytes, before and after the other kind was rendered.
    first = renderer.render(_document(None), base, "en")
    participation = renderer.render(_document(EVENT), variant, "en")
    assert renderer.render(_document(None), base, "en") == first
    assert CertificateRenderer().render(_document(EVENT), variant, "en") == participation
    # Without a venue (an online event) only the days are printed.
    online = _flat(_text(renderer.render(_document(dataclasses.replace(EVENT, venue=None)), variant, "en")))
    assert "12–13 May 2027" in online and "·" not in online


def test_a_venue_the_fonts_cannot_print_or_over_its_cap_fails_like_a_name(renderer: CertificateRenderer) -> None:
    variant = default_template().for_kind("PARTICIPATION")
    with pytest.raises(UnsupportedCharactersError):
        renderer.render(_document(dataclasses.replace(EVENT, venue="Forum hall \U0001f3db")), variant, "en")
    with pytest.raises(PrintedFieldTooLong) as too_long:
        renderer.render(_document(dataclasses.replace(EVENT, venue="V" * 301)), variant, "en")
    assert too_long.value.reason_code == ReasonCode.FIELD_TOO_LONG and "venue" in str(too_long.value)


# --- issuing, the credential, re-rendering -------------------------------------------------------------


@pytest.fixture
def world(renderer: CertificateRenderer, signer: VcJwtSigner) -> tuple[FakeUnitOfWork, Ports]:
    return FakeUnitOfWork(), dataclasses.replace(fake_ports(), renderer=renderer, signer=signer)


def _completed(course_id: str, learner: str, name: str, locale: str = "az") -> CourseCompletedV1:
    return CourseCompletedV1(
        enrollment_id=f"enr-{learner}",
        course_id=course_id,
        course_version=1,
        course_titles=FORUM,
        course_default_language="en",
        learner=LearnerData(id=learner, name=name, locale=locale, org="AZ"),
        completed_at=datetime.now(UTC),
    )


async def _deliver(uow: FakeUnitOfWork, ports: Ports, handler: Callable[..., Awaitable[None]], event: Payload) -> None:
    """The consumer's unit of work, then the certificate workers' batches for what it requested."""
    async with uow:
        await handler(uow, event, event.envelope(), ports=ports)
        await uow.commit()
    await issue_auto_requests(uow.tables, ports)
    await uow.rollback()  # the unit of work's view now includes what the workers committed


async def test_attendance_auto_issues_a_participation_certificate_that_re_renders_to_the_same_bytes(
    world: tuple[FakeUnitOfWork, Ports],
) -> None:
    uow, ports = world
    await _deliver(uow, ports, events.on_course_published, forum_published())
    policy = uow.tables.version_policies[("forum-1", 1)]
    assert policy.kind == "PARTICIPATION" and policy.event is not None
    await _deliver(uow, ports, events.on_course_completed, _completed("forum-1", "l-1", "Rəşad Əliyev"))

    (row,) = uow.tables.certificates.values()
    assert row["printed"]["kind"] == "PARTICIPATION"
    assert row["printed"]["event"] == {
        "firstDay": "2027-05-12",
        "lastDay": "2027-05-13",
        "timezone": "Asia/Baku",
        "venue": VENUES["az"],
    }
    assert isinstance(ports.pdfs, FakeObjects)
    stored = ports.pdfs.objects[row["pdf_key"]]
    text = _flat(_text(stored))
    assert "İştirak sertifikatı" in text and FORUM["az"] in text and f"12–13 may 2027 · {VENUES['az']}" in text

    # The print batch's path renders the certificate again from what it printed: the same bytes.
    del ports.pdfs.objects[row["pdf_key"]]
    again = await printing.rerender_certificate(uow, ports, row["id"])
    assert again == stored

    # The credential says participation, in both forms, and still verifies.
    claims = token_payload(row["credential_jws"])
    achievement = claims["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "ext:Participation"
    assert achievement["description"] == "Participation in the event Regional Şəhər Forumu."
    assert achievement["criteria"]["narrative"] == (
        f"Took part in the event: attended every required session (12–13 May 2027, Asia/Baku, {VENUES['az']})."
    )
    di = row["credential_di"]
    assert di["credentialSubject"]["achievement"] == achievement
    assert ports.signer.verify_jwt(row["credential_jws"]) and ports.signer.verify_data_integrity(di)


async def test_an_admin_issue_and_a_completion_course_keep_their_kinds(world: tuple[FakeUnitOfWork, Ports]) -> None:
    uow, ports = world
    await _deliver(uow, ports, events.on_course_published, forum_published())
    await _deliver(uow, ports, events.on_course_published, forum_published("course-2", kind="COMPLETION"))
    forum, _ = await issue_certificate(
        uow, ADMIN, IssueCertificate("forum-1", {"name": "Мария Иванова", "learnerId": "l-9", "locale": "ru"}), ports
    )
    plain, _ = await issue_certificate(
        uow, ADMIN, IssueCertificate("course-2", {"name": "Мария Иванова", "learnerId": "l-9", "locale": "ru"}), ports
    )
    assert forum.kind == "PARTICIPATION" and forum.event is not None and forum.event.venue == VENUES["ru"]
    assert plain.kind == "COMPLETION" and plain.event is None and "kind" not in plain.printed
    assert isinstance(ports.pdfs, FakeObjects)
    assert "Сертификат об участии" in _flat(_text(ports.pdfs.objects[forum.pdf_key]))
    plain_text = _flat(_text(ports.pdfs.objects[plain.pdf_key]))
    assert "Сертификат о прохождении курса" in plain_text and "мая 2027" not in plain_text
    achievement = token_payload(plain.credential_jws)["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["criteria"]["narrative"].startswith("Completed every required lesson")


async def test_a_venue_the_fonts_cannot_print_parks_the_automatic_issue_where_admins_see_it(
    world: tuple[FakeUnitOfWork, Ports],
) -> None:
    uow, ports = world
    published = forum_published()
    day = published.modules[0].lessons[1]
    assert day.live is not None
    broken = day.model_copy(update={"live": day.live.model_copy(update={"venues": {"en": "Hall \U0001f3db"}})})
    module = published.modules[0].model_copy(update={"lessons": [broken]})
    await _deliver(uow, ports, events.on_course_published, published.model_copy(update={"modules": [module]}))
    await _deliver(uow, ports, events.on_course_completed, _completed("forum-1", "l-1", "Rəşad Əliyev"))

    assert uow.tables.certificates == {}
    (failure,) = uow.tables.auto_issue_failures.values()
    assert failure.reason_code == ReasonCode.RENDER_FAILED.value and "U+1F3DB" in failure.reason
    assert uow.tables.version_policies[("forum-1", 1)].kind == "PARTICIPATION", "the course itself was applied"

    # A bulk run meets the same venue: each row FAILED with RENDER_FAILED, the job still ends.
    recipients = [{"name": f"Learner {n}", "learnerId": f"b-{n}"} for n in range(2)]
    job = await bulk.start_bulk_issue(
        uow, ADMIN, bulk.StartBulkIssue(course_id="forum-1", recipients=recipients), ports
    )
    for _, _, body in list(uow.tables.queue):
        async with uow:
            await bulk.process_chunk(uow, None, bulk.ProcessChunk(bulk.ChunkMessage.from_json(body)), ports)
    assert uow.tables.jobs[job.id].status == "COMPLETED" and uow.tables.jobs[job.id].failed == 2
    assert {i["reason_code"] for i in uow.tables.items[job.id].values()} == {ReasonCode.RENDER_FAILED.value}

    # The fix is the course's (a venue the fonts print, in a new version); the admin's retry then issues it.
    await _deliver(uow, ports, events.on_course_published, forum_published().model_copy(update={"version": 2}))
    async with uow:
        cert, created = await retry_auto_issue(uow, P_ADMIN, RetryAutoIssue(failure.id), ports)
    assert created and cert.kind == "PARTICIPATION" and cert.event is not None
    assert cert.event.venue == VENUES["az"]


# --- bulk.progress names who started the job -------------------------------------------------------------


async def test_every_bulk_progress_event_names_the_admin_who_started_the_job(
    world: tuple[FakeUnitOfWork, Ports],
) -> None:
    uow, ports = world
    await _deliver(uow, ports, events.on_course_published, forum_published("forum-1"))
    recipients = [{"name": f"Learner {n}", "learnerId": f"l-{n}", "locale": "en"} for n in range(5)]
    job = await bulk.start_bulk_issue(
        uow, ADMIN, bulk.StartBulkIssue(course_id="forum-1", recipients=recipients), ports
    )
    for _, _, body in list(uow.tables.queue):
        chunk = bulk.ChunkMessage.from_json(body)
        async with uow:
            await bulk.process_chunk(uow, None, bulk.ProcessChunk(chunk), ports)
    progress = [e for e in uow.tables.events if isinstance(e, BulkProgressV1)]
    assert progress and progress[-1].status == "COMPLETED" and progress[-1].issued == 5
    assert {e.requested_by for e in progress} == {ADMIN.sub}
    assert progress[-1].envelope().minor_version == 1
    assert job.created_by == ADMIN.sub
    # Bulk certificates of an event are certificates of participation too.
    assert {r["printed"].get("kind") for r in uow.tables.certificates.values()} == {"PARTICIPATION"}


def test_course_info_keeps_the_kind() -> None:
    assert course().kind == "COMPLETION" and course(kind="PARTICIPATION").kind == "PARTICIPATION"


# --- who may issue them: the same as certificates of completion ------------------------------------------


async def test_who_may_issue_a_participation_certificate_is_who_may_issue_any(
    world: tuple[FakeUnitOfWork, Ports],
) -> None:
    """No new rule: the routes' rows in tests/authz/matrix.py (admins, country admins) cover both kinds,
    and the service layer's rules apply unchanged: a country admin certifies their own state only, a
    trainer of the event is never certified automatically, nobody issues their own."""
    uow, ports = world
    await _deliver(uow, ports, events.on_course_published, forum_published())
    country_admin = Actor("ca-az", "Nigar Babayeva", country="AZ")
    with pytest.raises(Forbidden):
        await issue_certificate(
            uow, country_admin, IssueCertificate("forum-1", {"name": "Dana Omarova", "org": "KZ"}), ports
        )
    with pytest.raises(Forbidden):
        await issue_certificate(
            uow, ADMIN, IssueCertificate("forum-1", {"name": "Aida", "learnerId": ADMIN.sub}), ports
        )
    own, _ = await issue_certificate(
        uow, country_admin, IssueCertificate("forum-1", {"name": "Rəşad Əliyev", "org": "AZ"}), ports
    )
    assert own.kind == "PARTICIPATION" and own.org == "AZ"
    await _deliver(uow, ports, events.on_course_completed, _completed("forum-1", "trainer-1", "Timur Trainer"))
    (failure,) = uow.tables.auto_issue_failures.values()
    assert failure.reason_code == ReasonCode.SELF_CERTIFICATION.value


async def test_a_completion_is_certified_by_the_kind_of_the_version_completed_in_any_order(
    world: tuple[FakeUnitOfWork, Ports],
) -> None:
    """Version 2 turns the event into a plain course; a learner of version 1, whose completion overtakes
    version 1's course.published, still gets a certificate of participation (order-independent)."""
    uow, ports = world
    v2 = forum_published(kind="COMPLETION").model_copy(update={"version": 2})
    await _deliver(uow, ports, events.on_course_published, v2)
    await _deliver(uow, ports, events.on_course_completed, _completed("forum-1", "l-1", "Rəşad Əliyev"))
    assert uow.tables.certificates == {}, "waits for the version it completed"
    await _deliver(uow, ports, events.on_course_published, forum_published())
    assert not uow.tables.auto_issue_requests, "released by version 1 and issued by the workers"
    (row,) = uow.tables.certificates.values()
    assert row["printed"]["kind"] == "PARTICIPATION" and row["printed"]["event"]["venue"] == VENUES["az"]
    assert uow.tables.courses["forum-1"].kind == "COMPLETION", "the newest version stays the course's"
