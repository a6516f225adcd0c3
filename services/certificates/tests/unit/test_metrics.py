"""Metrics helpers: counting only what committed, and the worker's own metrics endpoint."""

from __future__ import annotations

import socket

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from certificates.adapters.metrics import CERTIFICATES_ISSUED, after_commit, start_worker_metrics_server

pytestmark = pytest.mark.unit


@pytest.fixture
def session() -> Session:
    return Session(create_engine("sqlite://"))


def test_callbacks_run_once_after_commit(session: Session) -> None:
    calls: list[str] = []
    with session.begin():
        session.execute(text("SELECT 1"))
        after_commit(session, lambda: calls.append("first"))
        after_commit(session, lambda: calls.append("second"))
        assert calls == []  # not before the commit
    assert calls == ["first", "second"]
    with session.begin():
        session.execute(text("SELECT 1"))
    assert calls == ["first", "second"]  # a later transaction does not replay them


def test_callbacks_are_dropped_on_rollback(session: Session) -> None:
    calls: list[str] = []
    with pytest.raises(RuntimeError), session.begin():
        session.execute(text("SELECT 1"))
        after_commit(session, lambda: calls.append("rolled back"))
        raise RuntimeError("the chunk failed")
    with session.begin():
        session.execute(text("SELECT 1"))
        after_commit(session, lambda: calls.append("retried"))
    assert calls == ["retried"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_no_endpoint_when_the_port_is_zero() -> None:
    assert start_worker_metrics_server("127.0.0.1", 0, replica=3) is None


def test_replica_n_listens_on_base_plus_n() -> None:
    base = free_port() - 1  # the free port is the one replica 1 takes
    stop = start_worker_metrics_server("127.0.0.1", base, replica=1)
    assert stop is not None
    try:
        CERTIFICATES_ISSUED.labels("bulk").inc(0)
        body = httpx.get(f"http://127.0.0.1:{base + 1}/metrics", timeout=5).text
        assert 'lms_certificates_issued_total{mode="bulk"}' in body
        assert "lms_certificate_issue_duration_seconds_bucket" in body
    finally:
        stop()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{base + 1}/metrics", timeout=2)


def test_a_taken_port_is_reported_with_the_setting_to_change() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match=rf"127\.0\.0\.1:{port} \(LMS_WORKER_METRICS_PORT={port} \+ replica 0\)"):
            start_worker_metrics_server("127.0.0.1", port, replica=0)
