"""Concurrent revocations in one status list: every one of them reaches the published list.

Issue 13, finding 2: two revocations in the same list each read the revoked set and wrote the
whole signed list, so the later commit overwrote the earlier one and a revoked certificate kept
verifying as valid for outside verifiers. The check here is the outside verifier's: fetch the
published list, check its signature with PyNaCl against the published JWKS, decode the bitstring.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest

from lms_shared.events.catalogue import CoursePublishedV1

from .test_issue_verify_revoke import issue, issuer_key, revoked_in_list, verify_jws

pytestmark = pytest.mark.integration

CONCURRENT = 20


async def test_twenty_concurrent_revocations_are_all_in_the_published_list(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    issued = []
    for number in range(CONCURRENT):
        r = await issue(certs, admin, course.course_id, name=f"Learner {number}", email=f"{uuid.uuid4().hex}@ex.org")
        assert r.status_code == 201, r.text
        issued.append(r.json())
    key = await issuer_key(certs)
    entries = [verify_jws(key, cert["credentialJwt"])["credentialStatus"] for cert in issued]

    async def revoke(cert: dict[str, str]) -> httpx.Response:
        return await certs.post(f"/v1/certificates/{cert['id']}/revoke", json={"reason": "concurrency"}, headers=admin)

    started = time.perf_counter()
    answers = await asyncio.gather(*(revoke(cert) for cert in issued))
    elapsed = time.perf_counter() - started
    print(f"\n{CONCURRENT} concurrent revocations answered in {elapsed * 1000:.0f} ms")  # a measurement, not a check
    assert [a.status_code for a in answers] == [200] * CONCURRENT, [a.text for a in answers if a.status_code != 200]

    lists: dict[str, str] = {}
    for entry in entries:
        url = entry["statusListCredential"]
        if url not in lists:
            got = await certs.get("/v1/status-lists/" + url.rsplit("/", 1)[1])
            assert got.status_code == 200, got.text
            lists[url] = got.text
    missing = [
        cert["code"]
        for cert, e in zip(issued, entries, strict=True)
        if not revoked_in_list(key, lists[e["statusListCredential"]], e)
    ]
    assert missing == [], f"{len(missing)} of {CONCURRENT} revocations are missing from the published list"
