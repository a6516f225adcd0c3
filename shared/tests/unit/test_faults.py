"""Which failures are retried without limit and which may park a message (lms_shared.faults)."""

from __future__ import annotations

import errno

import asyncpg
import httpx
import nats.errors
import nats.js.errors
import pytest
import sqlalchemy.exc
import urllib3.exceptions
from minio.error import S3Error, ServerError
from pydantic import BaseModel, ValidationError

from lms_shared.errors import BadInput, Conflict
from lms_shared.faults import PermanentError, TransientError, backoff_delay, is_transient

pytestmark = pytest.mark.unit


def _sa(orig: BaseException, cls: type[sqlalchemy.exc.DBAPIError] = sqlalchemy.exc.DBAPIError) -> BaseException:
    """An exception as SQLAlchemy raises it: the driver's error wrapped, with ``.orig``."""
    return cls("SELECT 1", {}, orig)


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _response(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "http://certificates/v1/x"))


def _s3(code: str) -> S3Error:
    return S3Error(None, code, "message", "/bucket/key", "req", "host")  # type: ignore[arg-type]


class _Model(BaseModel):
    n: int


def _validation_error() -> ValidationError:
    try:
        _Model.model_validate({"n": "not a number"})
    except ValidationError as exc:
        return exc
    raise AssertionError("unreachable")


TRANSIENT = {
    "connection refused": ConnectionRefusedError(errno.ECONNREFUSED, "refused"),
    "reset by peer": ConnectionResetError(errno.ECONNRESET, "reset"),
    "OSError ETIMEDOUT": OSError(errno.ETIMEDOUT, "timed out"),
    "builtin timeout": TimeoutError(),
    "asyncpg connection lost": asyncpg.exceptions.ConnectionDoesNotExistError("closed"),
    "asyncpg cannot connect now": asyncpg.exceptions.CannotConnectNowError("starting up"),
    "serialization failure 40001": _sa(_PgError("40001")),
    "deadlock 40P01": _sa(_PgError("40P01")),
    "statement timeout 57014": _sa(_PgError("57014")),
    "admin shutdown 57P01": _sa(_PgError("57P01")),
    "connection exception class 08": _sa(_PgError("08006")),
    "sqlalchemy OperationalError": _sa(ConnectionRefusedError(), sqlalchemy.exc.OperationalError),
    "sqlalchemy pool timeout": sqlalchemy.exc.TimeoutError("QueuePool limit reached"),
    "nats timeout": nats.errors.TimeoutError(),
    "nats no responders": nats.errors.NoRespondersError(),
    "nats connection closed": nats.errors.ConnectionClosedError(),
    "jetstream 503": nats.js.errors.ServiceUnavailableError(),
    "httpx connect error": httpx.ConnectError("refused"),
    "httpx read timeout": httpx.ReadTimeout("slow"),
    "http 503": httpx.HTTPStatusError("down", request=_response(503).request, response=_response(503)),
    "http 429": httpx.HTTPStatusError("busy", request=_response(429).request, response=_response(429)),
    "urllib3 max retries": urllib3.exceptions.MaxRetryError(None, "/bucket/key"),  # type: ignore[arg-type]
    "urllib3 protocol error": urllib3.exceptions.ProtocolError("connection aborted"),
    "S3 SlowDown": _s3("SlowDown"),
    "S3 InternalError": _s3("InternalError"),
    "S3 5xx without body": ServerError("bad gateway", 502),
    "explicit TransientError": TransientError("not yet"),
}

PERMANENT = {
    "validation error of a handler": BadInput("The name is empty."),
    "domain conflict": Conflict("Already published."),
    "pydantic validation error": _validation_error(),
    "a bug (KeyError)": KeyError("title"),
    "a bug (TypeError)": TypeError("unsupported operand"),
    "unique violation 23505": _sa(_PgError("23505"), sqlalchemy.exc.IntegrityError),
    "check violation 23514": _sa(_PgError("23514"), sqlalchemy.exc.IntegrityError),
    "untranslatable character 22P05": _sa(_PgError("22P05")),
    "nats payload too large": nats.errors.MaxPayloadError(),
    "http 400": httpx.HTTPStatusError("bad", request=_response(400).request, response=_response(400)),
    "S3 AccessDenied": _s3("AccessDenied"),
    "S3 NoSuchKey": _s3("NoSuchKey"),
    "missing file": FileNotFoundError(errno.ENOENT, "font.ttf"),
    "explicit PermanentError": PermanentError("cannot print this name"),
}


@pytest.mark.parametrize("exc", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_infrastructure_faults_are_transient(exc: BaseException) -> None:
    assert is_transient(exc)


@pytest.mark.parametrize("exc", PERMANENT.values(), ids=PERMANENT.keys())
def test_deterministic_failures_are_permanent(exc: BaseException) -> None:
    assert not is_transient(exc)


def test_a_transient_cause_makes_the_wrapper_transient() -> None:
    """A handler that wraps a dropped connection in its own error still sees it retried."""
    outer = RuntimeError("could not store the certificate")
    outer.__cause__ = ConnectionResetError(errno.ECONNRESET, "reset")
    assert is_transient(outer)


def test_an_explicit_verdict_wins_over_its_cause() -> None:
    outer = PermanentError("the name cannot be printed")
    outer.__cause__ = TimeoutError()
    assert not is_transient(outer)


def test_backoff_grows_is_capped_and_jittered() -> None:
    first = [backoff_delay(1) for _ in range(200)]
    late = [backoff_delay(30, cap=15.0) for _ in range(200)]
    assert all(0.05 <= d <= 0.5 for d in first)
    assert all(7.5 <= d <= 15.0 for d in late)
    assert len(set(late)) > 100  # jittered, not one fixed delay for every consumer
