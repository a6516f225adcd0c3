"""The notifications service layer on fakes: what is notified, once, in whose language, with which email."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from lms_shared.errors import BadInput, NotFound
from lms_shared.events.catalogue import NotificationCreatedV1
from notifications.domain.model import Links, NotificationKind
from notifications.service_layer import events, inbox, preferences
from notifications.service_layer.reminders import ScheduleOptions, process_due
from services.notifications.tests.unit.fakes import FakeUnitOfWork
from services.notifications.tests.unit.support import (
    SESSION_AT,
    T0,
    bulk,
    course_published,
    enrolled,
    issued,
    lesson_done,
    principal,
    registration,
    revoked,
    withdrawn,
)

pytestmark = pytest.mark.unit

LINKS = Links("https://kentbilim.example.org")
OPTIONS = ScheduleOptions(min_gap_minutes=30)


async def deliver(uow: FakeUnitOfWork, *payloads: Any) -> None:
    """As the consumers do: one unit of work per event, committed after the handler."""
    handlers: dict[str, Callable[[Any, Any, Any], Awaitable[None]]] = {
        "CertificateIssuedV1": lambda u, e, env: events.on_certificate_issued(u, e, env, links=LINKS),
        "CertificateRevokedV1": lambda u, e, env: events.on_certificate_revoked(u, e, env, links=LINKS),
        "CoursePublishedV1": events.on_course_published,
        "EnrollmentCreatedV1": events.on_enrollment_created,
        "EnrollmentWithdrawnV1": events.on_enrollment_withdrawn,
        "RegistrationChangedV1": events.on_registration_changed,
        "LessonCompletedV1": events.on_lesson_completed,
        "BulkProgressV1": events.on_bulk_progress,
    }
    for p in payloads:
        async with uow:
            await handlers[type(p).__name__](uow, p, p.envelope())
            await uow.commit()


async def page(uow: FakeUnitOfWork, sub: str = "l1", lang: str | None = "en", **kw: Any) -> inbox.RenderedPage:
    async with uow:
        return await inbox.list_notifications(
            uow,
            principal(sub),
            unread_only=kw.get("unread_only", False),
            first=kw.get("first", 20),
            after=kw.get("after"),
            lang=lang,
            now=T0,
        )


async def test_a_certificate_is_notified_once_with_its_links_and_one_email() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, course_published(), issued(), issued())
    [n] = uow.notifications.of("l1")
    assert n.kind is NotificationKind.CERTIFICATE_ISSUED
    assert n.url == "/verify/KB-cert1"
    [delivery] = uow.emails.rows.values()
    assert (delivery.notification_id, delivery.to_address, delivery.status) == (n.id, "l1@example.org", "PENDING")
    [created] = [e for e in uow.events if isinstance(e, NotificationCreatedV1)]
    assert (created.notification_id, created.recipient_id, created.kind) == (n.id, "l1", "CERTIFICATE_ISSUED")
    [node] = (await page(uow)).nodes
    assert node.title == "Your certificate for Municipal management"
    assert "https://kentbilim.example.org/verify/KB-cert1" in node.body
    assert "https://kentbilim.example.org/certificates" in node.body


async def test_texts_follow_the_asked_language_then_the_preference_then_the_token() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, course_published(), issued())
    assert (await page(uow, lang="ru")).nodes[0].title == "Ваш сертификат по курсу «Муниципальное управление»"
    async with uow:
        await preferences.update_preferences(uow, principal(), {"locale": "az"}, T0)
    assert (await page(uow, lang=None)).nodes[0].title == "Bələdiyyə idarəçiliyi üzrə sertifikatınız"
    # A language the platform does not speak falls back along the chain, then to English.
    assert (await page(uow, lang="fr")).nodes[0].title.startswith("Bələdiyyə")


async def test_a_certificate_for_someone_who_never_signed_in_notifies_nobody() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, issued(sub=None))
    assert uow.notifications.rows == {}


@pytest.mark.parametrize(
    ("prefs", "email_expected"),
    [
        ({}, True),
        ({"email": False}, False),
        ({"muted_email_kinds": ["CERTIFICATE_ISSUED"]}, False),
        ({"muted_email_kinds": ["COURSE_UPDATED"]}, True),
        ({"digest": "DAILY"}, False),
    ],
)
async def test_preferences_decide_the_email_never_the_in_app_notification(
    prefs: dict[str, Any], email_expected: bool
) -> None:
    uow = FakeUnitOfWork()
    async with uow:
        await preferences.update_preferences(uow, principal(email="me@example.org"), prefs, T0)
    await deliver(uow, issued(email=None))
    assert len(uow.notifications.of("l1")) == 1
    assert [d.to_address for d in uow.emails.rows.values()] == (["me@example.org"] if email_expected else [])


async def test_no_address_known_no_email() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, issued(email=None))
    assert len(uow.notifications.of("l1")) == 1
    assert uow.emails.rows == {}


async def test_revocation_carries_the_reason() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, revoked(), revoked())
    [node] = (await page(uow)).nodes
    assert node.kind == "CERTIFICATE_REVOKED"
    assert "Issued in error" in node.body


async def test_registration_decisions_are_notified_with_the_reason() -> None:
    uow = FakeUnitOfWork()
    await deliver(
        uow,
        registration("registered", "PENDING"),
        registration("rejected", "REJECTED", reason="No seats for your state", at=T0 + timedelta(hours=1)),
        registration("promoted", "ACTIVE", at=T0 + timedelta(hours=2)),
        registration("approved", "ACTIVE", at=T0 + timedelta(hours=3)),
    )
    kinds = {n.kind: n for n in uow.notifications.of("l1")}
    assert set(kinds) == {
        NotificationKind.REGISTRATION_REJECTED,
        NotificationKind.WAITLIST_PROMOTED,
        NotificationKind.REGISTRATION_APPROVED,
    }
    bodies = {node.kind: node.body for node in (await page(uow)).nodes}
    assert "No seats for your state" in bodies["REGISTRATION_REJECTED"]


async def test_only_a_cohort_enrolment_is_notified() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, enrolled("l1", "e1", via="self"), enrolled("l2", "e2", via="cohort"))
    assert uow.notifications.of("l1") == []
    assert [n.kind for n in uow.notifications.of("l2")] == [NotificationKind.ENROLLED]


async def test_a_new_version_is_notified_to_active_learners_of_older_versions_only() -> None:
    uow = FakeUnitOfWork()
    await deliver(
        uow,
        course_published(version=1),
        enrolled("l1", "e1"),
        enrolled("l2", "e2"),
        withdrawn("l2", "e2"),
        course_published(version=2, minutes=5),
        course_published(version=1),  # late and old: nothing
        course_published(version=2, minutes=5),
    )
    assert [n.kind for n in uow.notifications.of("l1")] == [NotificationKind.COURSE_UPDATED]
    assert uow.notifications.of("l2") == []
    assert "(2)" in (await page(uow)).nodes[0].body


async def test_bulk_finished_goes_to_whoever_started_it() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, bulk("RUNNING"), bulk("COMPLETED"), bulk("COMPLETED"), bulk("FAILED", requested_by=None))
    [n] = uow.notifications.of("admin1")
    assert n.kind is NotificationKind.BULK_JOB_FINISHED
    node = (await page(uow, "admin1")).nodes[0]
    assert node.body.startswith("8 of 10 certificates issued")


async def test_session_reminders_24h_and_1h_before_in_the_learners_zone() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, enrolled(zoneinfo="Asia/Almaty"), course_published())
    assert len(uow.schedules.by_status("PENDING")) == 2
    async with uow:
        assert await process_due(uow, SESSION_AT - timedelta(hours=25), OPTIONS) == 0
    async with uow:
        await process_due(uow, SESSION_AT - timedelta(hours=23), OPTIONS)
    async with uow:
        await process_due(uow, SESSION_AT - timedelta(minutes=50), OPTIONS)
    async with uow:
        await process_due(uow, SESSION_AT - timedelta(minutes=40), OPTIONS)  # nothing left
    reminders = uow.notifications.of("l1")
    assert [n.kind for n in reminders] == [NotificationKind.SESSION_REMINDER] * 2
    node = (await page(uow)).nodes[0]
    # 3 December 09:00 UTC is 14:00 in Almaty (UTC+5), not 13:00 as in Baku.
    assert "2026-12-04 14:00" in node.title and "Asia/Almaty" in node.body
    assert "Hall A" in node.body and "https://meet.example.org/forum" in node.body
    assert node.url == "/courses/c1/lessons/l-live"


async def test_a_moved_session_is_reminded_again_a_withdrawn_learner_never() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, course_published(), enrolled("l1", "e1"), enrolled("l2", "e2"))
    async with uow:
        await process_due(uow, SESSION_AT - timedelta(hours=23), OPTIONS)
    assert len(uow.notifications.of("l1")) == 1
    moved = SESSION_AT + timedelta(days=1)
    await deliver(uow, course_published(version=2, session_at=moved, minutes=5), withdrawn("l2", "e2"))
    async with uow:
        await process_due(uow, moved - timedelta(hours=23), OPTIONS)
    kinds = [n.kind for n in uow.notifications.of("l1")]
    assert kinds.count(NotificationKind.SESSION_REMINDER) == 2
    reminders_l2 = [n for n in uow.notifications.of("l2") if n.kind is NotificationKind.SESSION_REMINDER]
    assert len(reminders_l2) == 1  # the one before withdrawing


async def test_a_late_start_sends_one_reminder_not_two() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, course_published(), enrolled())
    async with uow:
        await process_due(uow, SESSION_AT - timedelta(minutes=55), OPTIONS)
    assert len(uow.notifications.of("l1")) == 1
    assert {r.offset_minutes for r in uow.schedules.by_status("SKIPPED")} == {24 * 60}


async def test_inactivity_reminder_after_n_days_without_progress() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, course_published(session_at=None, inactivity_days=3), enrolled())
    async with uow:
        await process_due(uow, T0 + timedelta(days=2), OPTIONS)
    await deliver(uow, lesson_done(at=T0 + timedelta(days=2)))
    async with uow:
        await process_due(uow, T0 + timedelta(days=4), OPTIONS)
    assert uow.notifications.of("l1") == []
    async with uow:
        await process_due(uow, T0 + timedelta(days=5, minutes=1), OPTIONS)
    [n] = uow.notifications.of("l1")
    assert n.kind is NotificationKind.INACTIVITY_REMINDER
    assert "3" in (await page(uow)).nodes[0].body


async def test_no_inactivity_reminder_when_the_course_has_none() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, course_published(session_at=None, inactivity_days=None), enrolled())
    assert uow.schedules.rows == {}


async def test_mark_read_touches_only_the_callers_own() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, issued("l1", "c-a"), issued("l1", "c-b"), issued("l2", "c-c"))
    mine = [n.id for n in uow.notifications.of("l1")]
    other = uow.notifications.of("l2")[0].id
    async with uow:
        assert await inbox.mark_read(uow, principal("l1"), [mine[0], other, "nope", mine[0]], T0) == 1
    assert (await page(uow)).unread == 1
    assert (await page(uow, "l2")).unread == 1
    async with uow:
        assert await inbox.mark_read(uow, principal("l1"), None, T0) == 1
    p = await page(uow, unread_only=True)
    assert (p.total_count, p.unread, p.nodes) == (0, 0, [])
    async with uow:
        with pytest.raises(NotFound):
            await inbox.get_notification(uow, principal("l1"), other, lang=None, now=T0)


async def test_keyset_paging_newest_first() -> None:
    uow = FakeUnitOfWork()
    for i in range(5):
        e = issued("l1", f"c{i}")
        await deliver(uow, e.model_copy(update={"issued_at": T0 + timedelta(minutes=i)}))
    first = await page(uow, first=2)
    assert first.has_next_page and first.total_count == 5
    second = await page(uow, first=2, after=first.end_cursor)
    third = await page(uow, first=2, after=second.end_cursor)
    codes = [n.body.split("(")[1][:10] for n in first.nodes + second.nodes + third.nodes]
    assert codes == ["code KB-c4", "code KB-c3", "code KB-c2", "code KB-c1", "code KB-c0"]
    assert not third.has_next_page
    with pytest.raises(BadInput):
        await page(uow, after="not-a-cursor")


@pytest.mark.parametrize(
    "changes",
    [{"muted_email_kinds": ["NOPE"]}, {"digest": "HOURLY"}, {"locale": "fr"}],
)
async def test_bad_preferences_are_refused_with_a_message(changes: dict[str, Any]) -> None:
    uow = FakeUnitOfWork()
    async with uow:
        with pytest.raises(BadInput):
            await preferences.update_preferences(uow, principal(), changes, T0)


async def test_preferences_take_any_subset() -> None:
    uow = FakeUnitOfWork()
    async with uow:
        prefs = await preferences.update_preferences(
            uow, principal(), {"muted_email_kinds": ["COURSE_UPDATED", "ENROLLED", "ENROLLED"], "locale": "kk-KZ"}, T0
        )
    assert prefs.muted_email_kinds == (NotificationKind.ENROLLED, NotificationKind.COURSE_UPDATED)
    assert prefs.locale == "kk" and prefs.email is True
    async with uow:
        prefs = await preferences.update_preferences(uow, principal(), {"digest": "WEEKLY"}, T0)
        assert prefs.locale == "kk" and str(prefs.digest) == "WEEKLY"


async def test_every_call_learns_the_callers_address_from_the_token() -> None:
    uow = FakeUnitOfWork()
    async with uow:
        await inbox.list_notifications(
            uow,
            principal("l9", email="l9@example.org", zoneinfo="Asia/Bishkek"),
            unread_only=False,
            first=5,
            after=None,
            lang=None,
            now=T0,
        )
    person = uow.people.rows["l9"]
    assert (person.email, person.zoneinfo) == ("l9@example.org", "Asia/Bishkek")


async def test_a_notification_stored_before_the_address_was_known_still_gets_its_email() -> None:
    uow = FakeUnitOfWork()
    await deliver(uow, revoked())  # no LearnerData: no address yet
    assert uow.emails.rows == {}
    await deliver(uow, issued())  # names the learner with their address
    kinds = sorted(str(uow.notifications.rows[d.notification_id].kind) for d in uow.emails.rows.values())
    assert kinds == ["CERTIFICATE_ISSUED", "CERTIFICATE_REVOKED"]


async def test_an_erased_learner_keeps_no_address_and_gets_no_more_email() -> None:
    from lms_shared.events.catalogue import LearnerErasedV1

    uow = FakeUnitOfWork()
    await deliver(uow, issued())
    erased = LearnerErasedV1(learner_id="l1", pseudonym="Learner 7f3a", requested_by="admin", erased_at=T0)
    async with uow:
        await events.on_learner_erased(uow, erased, erased.envelope())
        await uow.commit()
    await deliver(uow, issued(certificate_id="cert2"))
    person = uow.people.rows["l1"]
    assert (person.name, person.email, person.erased) == ("Learner 7f3a", None, True)
    assert [d.status for d in uow.emails.rows.values()] == ["FAILED"]
    assert len(uow.notifications.of("l1")) == 2
