"""The one place where the notifications service's real adapters are chosen and wired together."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Table

from lms_shared.logging import get_logger
from lms_shared.runtime import Runtime
from notifications.adapters.mailbox import DevMailbox
from notifications.adapters.orm import inbox
from notifications.adapters.smtp import SmtpConfig, SmtpMailer
from notifications.adapters.unit_of_work import SqlAlchemyNotificationsUnitOfWork
from notifications.config import NotificationsSettings, get_settings
from notifications.domain import texts
from notifications.domain.email import Backoff
from notifications.domain.model import Links
from notifications.domain.templates import EmailTemplates
from notifications.service_layer.delivery import EmailOptions, EmailPorts
from notifications.service_layer.digests import DigestOptions
from notifications.service_layer.email_ports import DigestNotification
from notifications.service_layer.reminders import ScheduleOptions

SERVICE = "notifications"
log = get_logger(__name__)


@dataclass
class Container:
    """Everything an entry point needs: a fresh unit of work per request or event, and the ports."""

    settings: NotificationsSettings
    runtime: Runtime
    uow: Callable[[], SqlAlchemyNotificationsUnitOfWork]
    inbox: Table
    links: Links
    schedule: ScheduleOptions
    email: EmailWiring | None = None

    def dev_mailbox(self) -> DevMailbox | None:
        """The local SMTP server's messages, when this process serves /dev/mailbox (development only)."""
        if self.email is None or self.email.mail_dir is None:
            return None
        return DevMailbox(self.email.mail_dir)

    async def close(self) -> None:
        await self.runtime.stop()
        if self.email is not None:
            await self.email.ports.mailer.close()


@dataclass
class EmailWiring:
    """The email part: SMTP pool, templates, unsubscribe key, loop timings, the dev mailbox folder."""

    ports: EmailPorts
    digests: DigestOptions
    poll_seconds: float
    digest_interval_seconds: float
    unsubscribe_secret: bytes
    enabled: bool
    mail_dir: Path | None
    """The local SMTP server's folder, when /dev/mailbox is served (development only)."""


def _unsubscribe_secret(settings: NotificationsSettings) -> bytes:
    if settings.notifications_unsubscribe_secret:
        return settings.notifications_unsubscribe_secret.encode()
    if settings.env == "production":
        raise RuntimeError(
            "LMS_NOTIFICATIONS_UNSUBSCRIBE_SECRET is required in production (the key of the unsubscribe links)"
        )
    log.warning("notifications.unsubscribe_secret_generated", note="links stop working after a restart")
    return secrets.token_bytes(32)


def _digest_texts(n: DigestNotification, lang: str) -> tuple[str, str]:
    """A digest line: the in-app title and body of the notification, in the digest's language."""
    return texts.render(
        n.kind, n.params, lang=lang, course_titles=n.course_titles, default_language=n.course_default_language
    )


def build_email(settings: NotificationsSettings) -> EmailWiring:
    s = settings
    public_url = s.notifications_email_public_url or s.public_url
    mailer = SmtpMailer(
        SmtpConfig(
            host=s.notifications_smtp_host,
            port=s.notifications_smtp_port,
            tls=s.notifications_smtp_tls,
            username=s.notifications_smtp_username,
            password=s.notifications_smtp_password,
            timeout_seconds=s.notifications_smtp_timeout_seconds,
            pool_size=s.notifications_smtp_pool_size,
            validate_certs=s.notifications_smtp_validate_certs,
        )
    )
    secret = _unsubscribe_secret(s)
    options = EmailOptions(
        from_address=s.notifications_email_from,
        from_name=s.notifications_email_from_name,
        public_url=public_url,
        unsubscribe_secret=secret,
        unsubscribe_mailto=s.notifications_unsubscribe_mailto or None,
        batch=s.notifications_email_batch,
        lease=timedelta(seconds=s.notifications_email_lease_seconds),
        backoff=Backoff(s.notifications_email_retry_base_seconds, s.notifications_email_retry_cap_seconds),
    )
    dev = s.notifications_dev_mailbox and s.env != "production"
    mail_dir = Path(s.notifications_mail_dir or s.data_dir / "mail") if dev else None
    return EmailWiring(
        ports=EmailPorts(
            mailer=mailer, templates=EmailTemplates(public_url), options=options, digest_texts=_digest_texts
        ),
        digests=DigestOptions(send_hour=s.notifications_digest_send_hour),
        poll_seconds=s.notifications_email_poll_seconds,
        digest_interval_seconds=s.notifications_digest_interval_seconds,
        unsubscribe_secret=secret,
        enabled=s.notifications_email_enabled,
        mail_dir=mail_dir,
    )


async def build(settings: NotificationsSettings | None = None) -> Container:
    """Connect to PostgreSQL and NATS; the caller spawns the consumers and the loops (``entrypoints``)."""
    settings = settings or get_settings()
    runtime = Runtime(SERVICE, settings)
    await runtime.start()
    sessions = runtime.sessions
    return Container(
        settings=settings,
        runtime=runtime,
        uow=lambda: SqlAlchemyNotificationsUnitOfWork(sessions),
        inbox=inbox,
        links=Links(settings.public_url),
        schedule=ScheduleOptions(
            interval_seconds=settings.notifications_schedule_interval_seconds,
            batch=settings.notifications_schedule_batch,
            min_gap_minutes=settings.notifications_reminder_min_gap_minutes,
        ),
        email=build_email(settings),
    )
