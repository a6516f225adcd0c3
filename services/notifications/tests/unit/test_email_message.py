"""The email message: RFC 8058 headers, a stable Message-ID, no header injection; tokens; back-off; periods."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from notifications.domain.email import (
    Backoff,
    InvalidToken,
    compose,
    digest_message_id,
    message_domain,
    notification_message_id,
    sign_unsubscribe,
    unsubscribe_url,
    verify_unsubscribe,
)
from notifications.domain.templates import RenderedEmail
from notifications.service_layer.digests import last_complete_period

pytestmark = pytest.mark.unit

SECRET = b"s" * 32
RENDERED = RenderedEmail(lang="tr", subject="Sertifikanız hazır", html="<p>Merhaba</p>", text="Merhaba")


def message(**kw: object) -> object:
    args: dict[str, object] = {
        "from_address": "no-reply@kentbilim.example.org",
        "from_name": "Kentbilim",
        "to_address": "ayse@example.org",
        "message_id": notification_message_id("n-1", "kentbilim.example.org"),
        "unsubscribe_link": "https://kentbilim.example.org/unsubscribe/tok",
        "date": datetime(2026, 12, 1, 9, tzinfo=UTC),
    }
    args.update(kw)
    msg = compose(RENDERED, **args)  # type: ignore[arg-type]
    return message_from_bytes(msg.as_bytes(), policy=default_policy)


def test_one_click_unsubscribe_headers() -> None:
    m = message()
    assert m["List-Unsubscribe"] == "<https://kentbilim.example.org/unsubscribe/tok>"  # type: ignore[index]
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # type: ignore[index]
    with_mailto = message(unsubscribe_mailto="unsubscribe@kentbilim.example.org")
    assert with_mailto["List-Unsubscribe"] == (  # type: ignore[index]
        "<https://kentbilim.example.org/unsubscribe/tok>, "
        "<mailto:unsubscribe@kentbilim.example.org?subject=unsubscribe>"
    )


def test_headers_of_the_message() -> None:
    m = message()
    assert m["Message-ID"] == "<notification.n-1@kentbilim.example.org>"  # type: ignore[index]
    assert m["Subject"] == "Sertifikanız hazır"  # type: ignore[index]
    assert m["From"] == "Kentbilim <no-reply@kentbilim.example.org>"  # type: ignore[index]
    assert m["Content-Language"] == "tr"  # type: ignore[index]
    assert m["Auto-Submitted"] == "auto-generated"  # type: ignore[index]


def test_the_message_id_is_stable_per_notification_and_per_digest_period() -> None:
    assert notification_message_id("n-1", "k.org") == notification_message_id("n-1", "k.org")
    assert notification_message_id("n-1", "k.org") != notification_message_id("n-2", "k.org")
    assert digest_message_id("p", "D2026-12-01", "k.org") == digest_message_id("p", "D2026-12-01", "k.org")
    assert digest_message_id("p", "D2026-12-01", "k.org") != digest_message_id("p", "D2026-12-02", "k.org")
    assert message_domain("Kentbilim <no-reply@kentbilim.org>") == "kentbilim.org"
    assert message_domain("nobody") == "localhost"


def test_a_line_break_in_a_typed_subject_cannot_add_a_header() -> None:
    rendered = RenderedEmail(lang="en", subject="Hi\r\nBcc: victim@example.org", html="x", text="x")
    msg = compose(
        rendered,
        from_address="a@b.org",
        from_name="Evil\nX-Injected: 1",
        to_address="c@d.org",
        message_id="<m@b.org>",
        unsubscribe_link="https://b.org/u",
        date=datetime(2026, 12, 1, tzinfo=UTC),
    )
    parsed = message_from_bytes(msg.as_bytes(), policy=default_policy)
    assert parsed["Bcc"] is None and parsed["X-Injected"] is None
    assert parsed["Subject"] == "Hi Bcc: victim@example.org"


# -- tokens ---------------------------------------------------------------------------------------


def test_a_token_names_the_person_and_the_kind() -> None:
    token = sign_unsubscribe(SECRET, "sub-42", "CERTIFICATE_ISSUED")
    target = verify_unsubscribe(SECRET, token)
    assert (target.recipient_id, target.kind) == ("sub-42", "CERTIFICATE_ISSUED")
    assert verify_unsubscribe(SECRET, sign_unsubscribe(SECRET, "sub-42", "ALL")).kind == "ALL"
    assert unsubscribe_url("https://k.org/", token) == f"https://k.org/unsubscribe/{token}"
    assert "/" not in token and "+" not in token, "URL-safe"


def test_a_tampered_token_is_refused() -> None:
    import base64

    token = sign_unsubscribe(SECRET, "sub-42", "CERTIFICATE_ISSUED")
    payload, mac = token.split(".")
    forged_payload = base64.urlsafe_b64encode(b"u1|sub-43|CERTIFICATE_ISSUED").rstrip(b"=").decode()
    for bad in (
        f"{forged_payload}.{mac}",  # another person, same signature
        f"{payload}.{mac[:-2]}AA",  # another signature
        payload,  # no signature
        token[:-1],  # truncated
        "",
        "not.base64!",
    ):
        with pytest.raises(InvalidToken):
            verify_unsubscribe(SECRET, bad)
    with pytest.raises(InvalidToken):
        verify_unsubscribe(b"another secret", token)


def test_a_token_for_an_unknown_kind_is_not_made() -> None:
    with pytest.raises(ValueError, match="unknown"):
        sign_unsubscribe(SECRET, "p", "NEWSLETTER")


# -- back-off ---------------------------------------------------------------------------------------


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    b = Backoff(base_seconds=5, cap_seconds=300)
    rng = random.Random(1)
    for attempt, ceiling in ((1, 5), (2, 10), (3, 20), (4, 40), (10, 300), (50, 300)):
        delays = [b.delay(attempt, rng) for _ in range(50)]
        assert all(timedelta(seconds=ceiling / 2) <= d <= timedelta(seconds=ceiling) for d in delays)
        assert len(set(delays)) > 1, "jittered"


# -- digest periods -----------------------------------------------------------------------------------


def test_the_daily_period_is_yesterday_in_the_persons_zone() -> None:
    now = datetime(2026, 12, 2, 3, 30, tzinfo=UTC)  # 07:30 in Baku (UTC+4)
    p = last_complete_period("DAILY", now, "Asia/Baku", send_hour=7)
    assert p.key == "D2026-12-01"
    assert p.start == datetime(2026, 11, 30, 20, tzinfo=UTC) and p.end == datetime(2026, 12, 1, 20, tzinfo=UTC)
    # Before 07:00 in Baku, the day before yesterday's is the last one due.
    assert last_complete_period("DAILY", now - timedelta(hours=1), "Asia/Baku", send_hour=7).key == "D2026-11-30"
    assert last_complete_period("DAILY", now, None).key == "D2026-12-01"
    assert last_complete_period("DAILY", now, "Not/AZone").key == "D2026-12-01"


def test_the_weekly_period_is_last_iso_week() -> None:
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)  # a Wednesday
    p = last_complete_period("WEEKLY", now, "Asia/Almaty")
    assert p.key == "W2026-W48"
    assert (p.end - p.start) == timedelta(days=7)
    assert p.start.astimezone(UTC) == datetime(2026, 11, 22, 19, tzinfo=UTC)  # Monday 00:00 in Almaty (UTC+5)


def test_periods_over_a_daylight_saving_change_are_23_or_25_hours() -> None:
    # Europe/Istanbul has no DST; Europe/Berlin does: 29 March 2026 has 23 hours.
    p = last_complete_period("DAILY", datetime(2026, 3, 30, 12, tzinfo=UTC), "Europe/Berlin")
    assert p.key == "D2026-03-29" and p.end - p.start == timedelta(hours=23)
