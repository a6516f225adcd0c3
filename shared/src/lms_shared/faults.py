"""Is this failure transient or permanent? One answer for every consumer, relay and worker.

A *transient* failure says nothing about the message: the database, NATS, S3 or an HTTP peer is
away, slow or busy, or Postgres asked us to try the transaction again. It is retried without limit,
with capped, jittered back-off, and never parks anything.

A *permanent* failure is deterministic: the same input fails the same way every time (a handler's
validation error, a payload that does not decode, a bug). Only these count toward parking a message
as a dead letter, so a 90-second outage never costs a certificate.

Unknown exceptions are permanent: retrying a bug forever would hide it, while parking it keeps the
message visible and replayable once the bug is fixed.
"""

from __future__ import annotations

import asyncio
import errno
import random
import socket
from collections.abc import Iterator
from typing import Final

# SQLSTATEs that mean "try again": serialization failure, deadlock, lock/statement timeouts, the
# server shutting down or starting up, too many connections, and the whole connection-exception class.
_TRANSIENT_SQLSTATES: Final = {"40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03", "53300", "53400"}
_TRANSIENT_SQLSTATE_CLASSES: Final = ("08",)

# S3 error codes that mean the store is busy or failing, not that the request is wrong.
_TRANSIENT_S3_CODES: Final = {
    "InternalError",
    "ServiceUnavailable",
    "SlowDown",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "OperationAborted",
    "XMinioServerNotInitialized",
}


_TRANSIENT_ERRNOS: Final = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ENETDOWN,
    errno.ETIMEDOUT,
    errno.EPIPE,
    errno.EAGAIN,
}


# NATS errors that the same message will hit every time.
_PERMANENT_NATS_ERRORS: Final = {
    "MaxPayloadError",
    "BadSubjectError",
    "BadHeaderError",
    "BadRequestError",
    "AuthorizationError",
}


class TransientError(Exception):
    """Raise (or wrap) to say explicitly: the world is not ready, try again later."""


class PermanentError(Exception):
    """Raise (or wrap) to say explicitly: this input will never succeed; park it with this reason."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts (SQLAlchemy wraps the driver's error as ``.orig``)."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        stack.extend([getattr(e, "orig", None), e.__cause__, e.__context__])
        if isinstance(e, BaseExceptionGroup):
            stack.extend(e.exceptions)


def _sqlstate(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return state if isinstance(state, str) else None


def _is_transient_one(exc: BaseException) -> bool | None:
    """True/False when this one exception decides; None when it says nothing."""
    if isinstance(exc, TransientError):
        return True
    if isinstance(exc, PermanentError):
        return False
    state = _sqlstate(exc)
    if state is not None:
        return state in _TRANSIENT_SQLSTATES or state.startswith(_TRANSIENT_SQLSTATE_CLASSES)
    # Timeouts and broken connections of any library (asyncpg, NATS, httpx, urllib3) end up here:
    # builtins TimeoutError/ConnectionError/OSError, or the library's own classes checked by name so
    # that this module imports none of them.
    if isinstance(exc, TimeoutError | asyncio.TimeoutError | ConnectionError | EOFError | socket.gaierror):
        return True
    if isinstance(exc, OSError) and exc.errno in _TRANSIENT_ERRNOS:
        return True
    module = type(exc).__module__
    name = type(exc).__name__
    if module.startswith("sqlalchemy"):
        if getattr(exc, "connection_invalidated", False):
            return True
        if name in {"OperationalError", "InterfaceError", "DisconnectionError", "TimeoutError"}:
            return True
        return None  # look at .orig
    if module.startswith("asyncpg"):
        if name in {
            "ConnectionDoesNotExistError",
            "InterfaceError",
            "InternalClientError",
            "PostgresConnectionError",
            "ConnectionFailureError",
            "CannotConnectNowError",
            "TooManyConnectionsError",
        }:
            return True
        return None
    if module.startswith("nats"):
        # Timeouts, no responders, connection closed/reconnecting/draining, stale, JetStream 503: transient.
        return name not in {
            "MaxPayloadError",
            "BadSubjectError",
            "BadHeaderError",
            "BadRequestError",
            "AuthorizationError",
        }
    if module.startswith(("httpx", "httpcore")):
        if name == "HTTPStatusError":
            status = getattr(getattr(exc, "response", None), "status_code", 0)
            return status >= 500 or status == 429
        return True  # transport errors: connect, read, write, pool timeouts, protocol
    if module.startswith("urllib3"):
        return True  # MaxRetryError, ProtocolError, ReadTimeoutError …: the store did not answer
    if module.startswith("minio"):
        if name == "S3Error":
            return getattr(exc, "code", None) in _TRANSIENT_S3_CODES
        if name == "ServerError":
            return True  # an HTTP 5xx without an S3 error body
        return None
    return None


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is an infrastructure fault worth retrying without limit."""
    for e in _chain(exc):
        verdict = _is_transient_one(e)
        if verdict is not None:
            return verdict
    return False


def backoff_delay(attempt: int, *, base: float = 0.5, cap: float = 15.0) -> float:
    """Seconds to wait before try ``attempt`` (1 = the first retry): capped exponential, full jitter.

    Full jitter (a uniform draw up to the exponential bound) spreads a crowd of consumers that all
    failed at the same moment, so a database coming back is not hit by all of them at once.
    """
    bound = min(cap, base * 2 ** max(0, attempt - 1))
    return max(0.05, random.uniform(bound / 2, bound))
