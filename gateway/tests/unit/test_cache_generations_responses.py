"""The per-viewer response cache against its race: a dashboard still executing when that learner's
event is heard does not write its older answer back (issue 12, item 9: a learner's myCertificates
showed no certificate for the full 30 s after it was issued)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import pytest

from gateway.events import EventHub
from gateway.responses import ViewerResponses

from .fakes import Harness, make_harness

ISSUED = "lms.certificates.certificate.issued.v1"
MINE = "{ myCertificates { id } }"


def _event(subject: str, **data: Any) -> Any:
    return SimpleNamespace(subject=subject, data=orjson.dumps({"data": data}), headers={})


@pytest.fixture
async def cached() -> AsyncIterator[Harness]:
    h = make_harness(response_cache_seconds=30)
    yield h
    await h.aclose()


async def test_a_certificate_issued_while_my_certificates_executes_is_shown_next_time(
    cached: Harness, tok: Any
) -> None:
    issued: list[dict[str, Any]] = []
    arrived, release = asyncio.Event(), asyncio.Event()

    async def mine(request: httpx.Request) -> httpx.Response:
        answer = list(issued)  # read now, before the certificate exists
        arrived.set()
        await release.wait()
        return httpx.Response(200, json={"nodes": answer})

    cached.certificates.get("/v1/certificates/mine").mock(side_effect=mine)
    no_nats: Any = None
    hub = EventHub(no_nats, cached.state.catalogue, cached.state.responses)
    token = tok("u1")

    reading = asyncio.create_task(cached.gql(MINE, token))
    await arrived.wait()
    issued.append({"id": "cert-1"})
    await hub._on_learner_event(_event(ISSUED, learner_id="u1"))
    release.set()
    assert (await reading)["data"] == {"myCertificates": []}, "answered as it was read"

    assert (await cached.gql(MINE, token))["data"] == {"myCertificates": [{"id": "cert-1"}]}
    assert len(cached.certificates.calls) == 2


def test_a_clear_refuses_answers_begun_before_it() -> None:
    responses = ViewerResponses(30)
    before = responses.stamp()
    responses.clear("nats_reconnected")
    assert not responses.put("u1", "a", {"n": 1}, before)
    assert responses.get("u1", "a") is None
    assert responses.put("u1", "a", {"n": 2}, responses.stamp())
    assert responses.get("u1", "a") == {"n": 2}
