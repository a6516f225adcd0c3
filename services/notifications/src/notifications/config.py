"""The settings of the notifications service: the shared ``LMS_*`` ones plus its own."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field

from lms_shared.settings import Settings


class NotificationsSettings(Settings):
    # The schedule loop (session and inactivity reminders): how often it looks for due rows, and how
    # many it takes per transaction.
    notifications_schedule_interval_seconds: float = Field(default=5.0, gt=0, le=3600)
    notifications_schedule_batch: int = Field(default=200, ge=1, le=10_000)
    # A session reminder whose moment passed while the service was down is still sent if the session
    # has not started yet; a 24-hour reminder that would arrive within this many minutes of the 1-hour
    # one is skipped (the 1-hour one says it all).
    notifications_reminder_min_gap_minutes: int = Field(default=30, ge=0, le=1440)

    # --- email ---------------------------------------------------------------------------------
    notifications_email_enabled: bool = True
    """Run the sender and digest loops in this process (false: notifications are stored, no email)."""
    notifications_smtp_host: str = "127.0.0.1"
    notifications_smtp_port: int = Field(default=587, ge=1, le=65535)
    notifications_smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    """``starttls`` (submission, 587), ``tls`` (implicit TLS, 465) or ``none`` (a local relay only)."""
    notifications_smtp_username: str = ""
    """AUTH user; empty = no AUTH."""
    notifications_smtp_password: str = ""
    notifications_smtp_validate_certs: bool = True
    notifications_smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    notifications_smtp_pool_size: int = Field(default=4, ge=1, le=64)
    """Kept-alive SMTP connections per process; as many messages are in flight at once."""
    notifications_email_from: str = "no-reply@kentbilim.local"
    notifications_email_from_name: str = "Kentbilim"
    notifications_email_public_url: str = ""
    """Base of the links in emails (verify, course, unsubscribe); empty = ``LMS_PUBLIC_URL``."""
    notifications_unsubscribe_secret: str = ""
    """HMAC key of the one-click unsubscribe links. Required in production; the local launcher
    generates one into the data folder. Changing it invalidates the links of emails already sent."""
    notifications_unsubscribe_mailto: str = ""
    """Optional second List-Unsubscribe target (an address whose mails someone reads); empty = none."""
    notifications_email_batch: int = Field(default=100, ge=1, le=5000)
    """Deliveries one sender round claims."""
    notifications_email_lease_seconds: float = Field(default=60.0, ge=5, le=3600)
    """A SENDING row untouched this long belonged to a sender that died: it is sent again (same Message-ID)."""
    notifications_email_poll_seconds: float = Field(default=1.0, gt=0, le=300)
    notifications_email_retry_base_seconds: float = Field(default=5.0, gt=0, le=3600)
    notifications_email_retry_cap_seconds: float = Field(default=1800.0, gt=0, le=86400)
    """Back-off of transient SMTP failures: base·2^(attempt-1), jittered, at most this; never given up."""
    notifications_digest_send_hour: int = Field(default=7, ge=0, le=23)
    """Local hour (the person's zone) after which the previous day's or week's digest goes out."""
    notifications_digest_interval_seconds: float = Field(default=60.0, gt=0, le=3600)
    notifications_dev_mailbox: bool = False
    """Serve /dev/mailbox (the local SMTP server's messages); refused when LMS_ENV=production."""
    notifications_mail_dir: str = ""
    """Folder of the local SMTP server's .eml files (the launcher sets ``<data>/mail``)."""


@lru_cache
def get_settings() -> NotificationsSettings:
    return NotificationsSettings()
