"""SMTP through aiosmtplib: a small pool of kept-alive connections, STARTTLS or implicit TLS, AUTH.

A connection is opened on first use and reused for every message after it (``MAIL FROM`` … ``DATA``
again on the same session); one idle for a while is checked with ``NOOP`` before reuse, and one that
failed is closed and replaced by a fresh one at the next send. Errors are sorted for the sender loop:
refused connections, timeouts, dropped sessions and 4xx answers are :class:`TransientSendError`
(retried later), 5xx answers are :class:`PermanentSendError` (parked with the server's answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Literal

import aiosmtplib

from notifications.domain.email import PermanentSendError, TransientSendError

TlsMode = Literal["none", "starttls", "tls"]

# A connection idle longer than this is probed with NOOP before a message goes on it: servers close
# idle sessions (aiosmtpd after 5 minutes, many relays sooner) and the probe is cheaper than a failed send.
_PROBE_AFTER_SECONDS = 15.0


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: TlsMode = "starttls"
    username: str = ""
    password: str = ""
    timeout_seconds: float = 30.0
    pool_size: int = 2
    validate_certs: bool = True
    local_hostname: str | None = None
    reuse: bool = True
    """False: one connection per message (the benchmark's reference; never in production)."""


class _Connection:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.client: aiosmtplib.SMTP | None = None
        self.used_at = 0.0

    async def ensure(self) -> aiosmtplib.SMTP:
        c = self.config
        if self.client is not None and self.client.is_connected:
            if time.monotonic() - self.used_at < _PROBE_AFTER_SECONDS:
                return self.client
            try:
                await self.client.noop()
                return self.client
            except aiosmtplib.SMTPException:
                await self.close()
        client = aiosmtplib.SMTP(
            hostname=c.host,
            port=c.port,
            use_tls=c.tls == "tls",
            start_tls=c.tls == "starttls",
            validate_certs=c.validate_certs,
            timeout=c.timeout_seconds,
            # Without it aiosmtplib asks getfqdn(), a DNS lookup per connection.
            local_hostname=c.local_hostname or "localhost",
        )
        await client.connect()
        if c.username:
            await client.login(c.username, c.password)
        self.client = client
        return client

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        with contextlib.suppress(Exception):
            if client.is_connected:
                await asyncio.wait_for(client.quit(), timeout=2.0)
        with contextlib.suppress(Exception):
            client.close()


class SmtpMailer:
    """The ``Mailer`` port: ``send`` one message; ``pool_size`` sends may run at once."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._idle: asyncio.LifoQueue[_Connection] = asyncio.LifoQueue()
        for _ in range(max(1, config.pool_size)):
            self._idle.put_nowait(_Connection(config))
        self._all = list(self._idle._queue)  # type: ignore[attr-defined]  # for close()
        self.connections_opened = 0

    @property
    def concurrency(self) -> int:
        return len(self._all)

    async def send(self, message: Message, *, sender: str, recipients: Sequence[str]) -> str:
        """Send one message; the server's answer to DATA on success."""
        conn = await self._idle.get()
        try:
            try:
                fresh = conn.client is None or not conn.client.is_connected
                client = await conn.ensure()
                if fresh:
                    self.connections_opened += 1
                # Flattened once here (send_message would copy the message and flatten it again).
                data = message.as_bytes()
                _refused_some, answer = await client.sendmail(sender, list(recipients), data)
                conn.used_at = time.monotonic()
            except aiosmtplib.SMTPRecipientsRefused as exc:
                await self._reset(conn)
                refusals = exc.recipients
                if refusals and all(r.code >= 500 for r in refusals):
                    first = refusals[0]
                    raise PermanentSendError(first.code, f"{first.recipient}: {first.message}") from None
                code = refusals[0].code if refusals else 0
                raise TransientSendError(f"recipient refused for now: {code} {exc}") from None
            except aiosmtplib.SMTPResponseException as exc:
                await self._reset(conn) if exc.code >= 500 else await conn.close()
                if 500 <= exc.code < 600:
                    raise PermanentSendError(exc.code, exc.message) from None
                raise TransientSendError(f"{exc.code} {exc.message}") from None
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                # Refused or dropped connections, timeouts, TLS failures: the session is unusable.
                await conn.close()
                raise TransientSendError(f"{type(exc).__name__}: {exc}") from None
            if not self.config.reuse:
                await conn.close()
            return answer
        finally:
            self._idle.put_nowait(conn)

    async def _reset(self, conn: _Connection) -> None:
        """After a refused message the session is still good: RSET and keep it."""
        if conn.client is None:
            return
        try:
            await conn.client.rset()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            await conn.close()

    async def close(self) -> None:
        for conn in self._all:
            await conn.close()
