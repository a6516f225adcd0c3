"""Email rules: the stable Message-ID, signed unsubscribe tokens, the MIME message and retry timing.

Pure: the standard library's ``email`` package builds the message; nothing here talks to a server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr
from enum import StrEnum

from notifications.domain.templates import ALL_KINDS, KINDS, RenderedEmail, clean_header


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    """Staged, not tried yet."""
    SENDING = "SENDING"
    """Claimed by a sender until ``next_attempt_at`` (the lease); an expired lease is sent again."""
    SENT = "SENT"
    FAILED = "FAILED"
    """The last attempt failed transiently; tried again at ``next_attempt_at``."""
    PARKED = "PARKED"
    """Refused permanently (5xx): kept with the server's answer for an admin to replay."""
    SKIPPED = "SKIPPED"
    """Not sent: the person muted the kind, turned email off, or has no address any more."""


class TransientSendError(Exception):
    """The SMTP server could not be reached or answered 4xx: try again later."""


class PermanentSendError(Exception):
    """The SMTP server refused the message for good (5xx): park it with the answer."""

    def __init__(self, code: int, answer: str) -> None:
        super().__init__(f"{code} {answer}")
        self.code = code
        self.answer = answer


def message_domain(from_address: str) -> str:
    """The right-hand side of Message-IDs: the sender's domain (``localhost`` when there is none)."""
    _, at, domain = from_address.rpartition("@")
    domain = domain.strip().strip(">").strip()
    return domain if at and domain else "localhost"


def notification_message_id(notification_id: str, domain: str) -> str:
    """The same Message-ID for every attempt at one notification's email: a resend is recognisable."""
    return f"<notification.{notification_id}@{domain}>"


def digest_message_id(recipient_id: str, period_key: str, domain: str) -> str:
    """One Message-ID per person and digest period (``D2026-12-01``, ``W2026-W49``)."""
    digest = hashlib.sha256(f"{recipient_id}|{period_key}".encode()).hexdigest()[:32]
    return f"<digest.{period_key}.{digest}@{domain}>"


# -- unsubscribe tokens -------------------------------------------------------------------------

_PAYLOAD_VERSION = "u1"


class InvalidToken(ValueError):
    """The unsubscribe token was not made by us (tampered, truncated or signed with another secret)."""


@dataclass(frozen=True)
class Unsubscribe:
    recipient_id: str
    kind: str
    """A notification kind, or ``ALL`` (the link of a digest: every email)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_unsubscribe(secret: bytes, recipient_id: str, kind: str) -> str:
    """``<payload>.<mac>``, URL-safe: HMAC-SHA256 over the version, the person and the kind.

    No expiry: RFC 8058 links must keep working for as long as the email sits in a mailbox, and the
    only power of the link is to mute one kind of email for the person it names.
    """
    if kind not in KINDS and kind != ALL_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    payload = f"{_PAYLOAD_VERSION}|{recipient_id}|{kind}".encode()
    mac = hmac.new(secret, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


def verify_unsubscribe(secret: bytes, token: str) -> Unsubscribe:
    """The person and kind a token names; :class:`InvalidToken` unless we signed it with ``secret``."""
    try:
        payload_part, mac_part = token.split(".", 1)
        payload = _unb64(payload_part)
        mac = _unb64(mac_part)
    except (ValueError, TypeError):
        raise InvalidToken("malformed unsubscribe token") from None
    expected = hmac.new(secret, payload, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        raise InvalidToken("unsubscribe token signature does not match")
    try:
        version, recipient_id, kind = payload.decode("utf-8").split("|")
    except (UnicodeDecodeError, ValueError):
        raise InvalidToken("malformed unsubscribe token") from None
    if version != _PAYLOAD_VERSION or not recipient_id or (kind not in KINDS and kind != ALL_KINDS):
        raise InvalidToken("unsupported unsubscribe token")
    return Unsubscribe(recipient_id, kind)


def unsubscribe_url(public_url: str, token: str) -> str:
    """The public link (the gateway proxies ``/unsubscribe/{token}`` to this service's ``/v1/unsubscribe``)."""
    return f"{public_url.rstrip('/')}/unsubscribe/{token}"


# -- the message --------------------------------------------------------------------------------


def _charset(body_encoding: int) -> Charset:
    charset = Charset("utf-8")
    charset.header_encoding = BASE64
    charset.body_encoding = body_encoding
    return charset


# Quoted-printable keeps mostly-Latin text readable in a mail folder; base64 is a third of the size
# of quoted-printable for Cyrillic text.
_QP = _charset(QP)
_B64 = _charset(BASE64)


def _body_charset(body: str) -> Charset:
    extra_bytes = len(body.encode("utf-8")) - len(body)  # 1-3 per non-ASCII character, counted in C
    return _QP if extra_bytes <= 0.2 * len(body) else _B64


def _header(name: str, value: str) -> str | Header:
    """An unstructured header value, RFC 2047-encoded when it is not ASCII."""
    value = clean_header(value)
    return value if value.isascii() else Header(value, _B64, header_name=name)


def compose(
    rendered: RenderedEmail,
    *,
    from_address: str,
    from_name: str,
    to_address: str,
    message_id: str,
    unsubscribe_link: str,
    unsubscribe_mailto: str | None = None,
    date: datetime,
) -> Message:
    """multipart/alternative (text, then HTML) with the RFC 8058 one-click unsubscribe headers.

    Built with the ``email.mime`` classes (compat32 policy): the header registry of the newer API
    costs ten times more per message, and the sender builds hundreds a second.
    """
    # "=_" never occurs in quoted-printable or base64 bodies, so this boundary needs no search of the
    # text (the generator would otherwise compile a regular expression per message to check its own).
    msg = MIMEMultipart("alternative", boundary=f"=_kb_{uuid.uuid4().hex}")
    msg["Subject"] = _header("Subject", rendered.subject)  # type: ignore[assignment]  # compat32 takes a Header
    msg["From"] = formataddr((clean_header(from_name), from_address), charset="utf-8") if from_name else from_address
    msg["To"] = to_address
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["Content-Language"] = rendered.lang
    targets = [f"<{unsubscribe_link}>"]
    if unsubscribe_mailto:
        targets.append(f"<mailto:{unsubscribe_mailto}?subject=unsubscribe>")
    msg["List-Unsubscribe"] = ", ".join(targets)
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Automatic mail: no vacation replies back to the sender (RFC 3834).
    msg["Auto-Submitted"] = "auto-generated"
    for subtype, body in (("plain", rendered.text), ("html", rendered.html)):
        part = MIMENonMultipart("text", subtype)
        part.set_payload(body, _body_charset(body))
        msg.attach(part)
    return msg


# -- retry timing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with full jitter: attempt n waits a random time in [base·2^(n-1)/2, base·2^(n-1)]."""

    base_seconds: float = 5.0
    cap_seconds: float = 3600.0

    def delay(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        r = (rng or random).random()
        return timedelta(seconds=ceiling / 2 + r * ceiling / 2)
