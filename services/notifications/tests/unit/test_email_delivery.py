"""The sender's rules with fakes: once per notification, retried, parked, muted, resent after a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms_shared.errors import Conflict, Forbidden
from notifications.domain.email import Backoff, PermanentSendError, TransientSendError, sign_unsubscribe
from notifications.domain.model import NotificationKind, Preferences
from notifications.domain.templates import EmailTemplates
from notifications.service_layer import delivery, unsubscribing
from notifications.service_layer.delivery import EmailOptions, EmailPorts
from notifications.service_layer.email_ports import ClaimedEmail
from services.notifications.tests.unit.email_fakes import FakeEmailUow, FakeMailer, Row

pytestmark = pytest.mark.unit

SECRET = b"k" * 32
T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def claimed(n: int, *, kind: str = "CERTIFICATE_ISSUED", to: str | None = None, **kw: object) -> ClaimedEmail:
    args: dict[str, object] = {
        "table": "NOTIFICATION",
        "id": f"d{n}",
        "notification_id": f"n{n}",
        "recipient_id": f"p{n}",
        "to_address": to or f"p{n}@example.org",
        "attempts": 0,
        "kind": kind,
        "params": {"code": f"KB-{n}", "certificate_id": f"c{n}"},
        "url": "/verify/KB",
        "course_id": "course-1",
        "created_at": T0,
        "name": "Aygün",
        "token_locale": "az",
        "zoneinfo": None,
        "erased": False,
        "email_on": True,
        "muted_kinds": (),
        "pref_locale": None,
        "course_titles": {"en": "Budgeting", "az": "Büdcə"},
    }
    args.update(kw)
    return ClaimedEmail(**args)  # type: ignore[arg-type]


def setup(*rows: ClaimedEmail) -> tuple[FakeEmailUow, FakeMailer, EmailPorts, Clock]:
    uow, mailer, clock = FakeEmailUow(), FakeMailer(), Clock()
    for r in rows:
        uow.rows[r.id] = Row(r)
    ports = EmailPorts(
        mailer=mailer,
        templates=EmailTemplates("https://k.example.org"),
        options=EmailOptions(
            from_address="no-reply@k.example.org",
            from_name="Kentbilim",
            public_url="https://k.example.org",
            unsubscribe_secret=SECRET,
            lease=timedelta(seconds=60),
            backoff=Backoff(5, 300),
        ),
        digest_texts=lambda n, lang: ("t", "b"),
        clock=clock,
    )
    return uow, mailer, ports, clock


async def test_one_email_per_notification_with_a_stable_message_id() -> None:
    uow, mailer, ports, _ = setup(claimed(1), claimed(2))
    report = await delivery.send_due(uow, ports)
    assert (report.claimed, report.sent) == (2, 2)
    assert sorted(m["Message-ID"] for m in mailer.sent) == [
        "<notification.n1@k.example.org>",
        "<notification.n2@k.example.org>",
    ]
    assert {r.status for r in uow.rows.values()} == {"SENT"}
    assert (await delivery.send_due(uow, ports)).claimed == 0, "nothing is sent twice"
    assert "Büdcə" in str(mailer.sent[0]["Subject"]) or "=?utf-8?" in str(mailer.sent[0]["Subject"])


async def test_a_transient_failure_is_retried_later_with_the_same_message_id() -> None:
    uow, mailer, ports, clock = setup(claimed(1))
    mailer.fail["p1@example.org"] = TransientSendError("Connection refused")
    report = await delivery.send_due(uow, ports)
    assert report.retried == 1 and not mailer.sent
    row = uow.rows["d1"]
    assert row.status == "PENDING" and row.attempts == 1 and row.last_error == "Connection refused"
    assert row.next_attempt_at is not None and T0 + timedelta(seconds=2.5) <= row.next_attempt_at <= T0 + timedelta(
        seconds=5
    )
    assert (await delivery.send_due(uow, ports)).claimed == 0, "not before its time"
    del mailer.fail["p1@example.org"]
    clock.now = T0 + timedelta(seconds=6)
    assert (await delivery.send_due(uow, ports)).sent == 1
    assert [m["Message-ID"] for m in mailer.sent] == ["<notification.n1@k.example.org>"]
    assert uow.rows["d1"].status == "SENT" and uow.rows["d1"].attempts == 2


async def test_a_permanent_rejection_is_parked_visible_and_replayable_by_admins_only() -> None:
    uow, mailer, ports, clock = setup(claimed(1, to="nobody@x.invalid"))
    mailer.fail["nobody@x.invalid"] = PermanentSendError(550, "5.1.1 mailbox unavailable")
    assert (await delivery.send_due(uow, ports)).parked == 1
    row = uow.rows["d1"]
    assert row.status == "PARKED" and row.last_error == "550 5.1.1 mailbox unavailable"
    page = await delivery.list_deliveries(uow, is_admin=True, status="PARKED", first=10, after=None)
    assert [r.id for r in page.items] == ["d1"] and page.items[0].last_error == "550 5.1.1 mailbox unavailable"
    with pytest.raises(Forbidden):
        await delivery.list_deliveries(uow, is_admin=False, status="PARKED", first=10, after=None)
    with pytest.raises(Forbidden):
        await delivery.replay_delivery(uow, is_admin=False, delivery_id="d1", now=clock.now)
    del mailer.fail["nobody@x.invalid"]
    replayed = await delivery.replay_delivery(uow, is_admin=True, delivery_id="d1", now=clock.now)
    assert replayed.status == "PENDING"
    assert (await delivery.send_due(uow, ports)).sent == 1
    with pytest.raises(Conflict):
        await delivery.replay_delivery(uow, is_admin=True, delivery_id="d1", now=clock.now)


async def test_what_the_person_no_longer_wants_is_not_sent() -> None:
    uow, mailer, ports, _ = setup(
        claimed(1, muted_kinds=("CERTIFICATE_ISSUED",)), claimed(2, email_on=False), claimed(3, erased=True)
    )
    await delivery.send_due(uow, ports)
    assert not mailer.sent
    assert {r.status for r in uow.rows.values()} == {"FAILED"}
    assert uow.rows["d1"].last_error == "CERTIFICATE_ISSUED muted by the recipient"


async def test_a_row_whose_sender_died_is_sent_again_after_the_lease_with_the_same_message_id() -> None:
    uow, mailer, ports, clock = setup(claimed(1))
    jobs = await delivery.claim(uow, ports)  # a sender claims, then dies before sending
    assert [j.message_id for j in jobs] == ["<notification.n1@k.example.org>"]
    assert (await delivery.send_due(uow, ports)).claimed == 0, "leased"
    clock.now = T0 + timedelta(seconds=61)
    assert (await delivery.send_due(uow, ports)).sent == 1
    assert [m["Message-ID"] for m in mailer.sent] == ["<notification.n1@k.example.org>"]


async def test_the_email_carries_the_one_click_unsubscribe_link_for_its_kind() -> None:
    uow, mailer, ports, _ = setup(claimed(1))
    await delivery.send_due(uow, ports)
    token = sign_unsubscribe(SECRET, "p1", "CERTIFICATE_ISSUED")
    assert mailer.sent[0]["List-Unsubscribe"] == f"<https://k.example.org/unsubscribe/{token}>"
    assert mailer.sent[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_unsubscribe_mutes_the_kind_and_an_all_link_turns_email_off() -> None:
    uow = FakeEmailUow()
    await uow.preferences.put("p1", Preferences(locale="kk"))
    token = sign_unsubscribe(SECRET, "p1", "SESSION_REMINDER")
    view = await unsubscribing.inspect(uow, SECRET, token)  # type: ignore[arg-type]
    assert view.valid and view.kind == "SESSION_REMINDER" and view.lang == "kk"
    assert await uow.preferences.get("p1") == Preferences(locale="kk"), "a GET changes nothing"
    await unsubscribing.unsubscribe(uow, SECRET, token)  # type: ignore[arg-type]
    await unsubscribing.unsubscribe(uow, SECRET, token)  # type: ignore[arg-type]
    prefs = await uow.preferences.get("p1")
    assert prefs is not None and prefs.muted_email_kinds == (NotificationKind.SESSION_REMINDER,) and prefs.email
    await unsubscribing.unsubscribe(uow, SECRET, sign_unsubscribe(SECRET, "p1", "ALL"))  # type: ignore[arg-type]
    prefs = await uow.preferences.get("p1")
    assert prefs is not None and not prefs.email


async def test_a_forged_unsubscribe_link_changes_nothing() -> None:
    uow = FakeEmailUow()
    view = await unsubscribing.unsubscribe(uow, SECRET, sign_unsubscribe(b"other", "p1", "ENROLLED"))  # type: ignore[arg-type]
    assert not view.valid
    assert await uow.preferences.get("p1") is None


async def test_a_job_whose_lease_ran_short_waiting_for_a_slow_relay_is_left_to_the_next_sender() -> None:
    uow, mailer, ports, clock = setup(claimed(1))
    [job] = await delivery.claim(uow, ports)
    clock.now = T0 + timedelta(seconds=50)  # the relay kept it waiting: 10 s of a 60 s lease left
    report = delivery.SendReport()
    await delivery._deliver(uow, ports, job, report)
    assert report.dropped == 1 and not mailer.sent and uow.rows["d1"].status == "SENDING"
    clock.now = T0 + timedelta(seconds=61)  # the lease ends: sent once, by the next round
    assert (await delivery.send_due(uow, ports)).sent == 1 and len(mailer.sent) == 1


async def test_a_late_outcome_of_a_sender_that_lost_its_lease_is_not_recorded() -> None:
    uow, _mailer, ports, clock = setup(claimed(1))
    [stale] = await delivery.claim(uow, ports)
    clock.now = T0 + timedelta(seconds=61)
    [fresh] = await delivery.claim(uow, ports)  # another sender took the row over
    assert fresh.row.attempts == stale.row.attempts + 1
    await delivery._record(uow, ports, stale.row, delivery.DeliveryStatus.PENDING, "late", retry_in=timedelta(hours=1))
    assert uow.rows["d1"].status == "SENDING", "the stale sender's outcome is fenced off"


def test_the_development_mailbox_is_never_served_in_production(tmp_path: object) -> None:
    from notifications.bootstrap import build_email
    from notifications.config import NotificationsSettings

    dev = build_email(NotificationsSettings(env="development", notifications_dev_mailbox=True, data_dir=tmp_path))
    assert dev.mail_dir is not None
    prod = build_email(
        NotificationsSettings(env="production", notifications_dev_mailbox=True, notifications_unsubscribe_secret="k")
    )
    assert prod.mail_dir is None


def test_production_refuses_to_start_without_an_unsubscribe_secret() -> None:
    from notifications.bootstrap import build_email
    from notifications.config import NotificationsSettings

    with pytest.raises(RuntimeError, match="LMS_NOTIFICATIONS_UNSUBSCRIBE_SECRET"):
        build_email(NotificationsSettings(env="production"))
