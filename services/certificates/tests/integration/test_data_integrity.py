"""Issue 17 over the real stack: every certificate, however issued, carries a Data Integrity proof that
verifies with the key its DID document publishes as a Multikey, and the status list says when it is revoked.

The checks take the key from the served ``did.json`` (``publicKeyMultibase``), not from the service,
and canonicalise with the vendored contexts the service also serves at ``/v1/contexts/``.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from certificates.adapters.data_integrity import check_proof, public_key_from_multibase, verify_data_integrity
from certificates.adapters.jsonld_contexts import CONTEXTS
from certificates.adapters.status_list import check_status
from lms_shared.events.catalogue import CoursePublishedV1

from .conftest import completion_event, course_event, issue_in_bulk, publish, wait_for

pytestmark = pytest.mark.integration

SUMMARIES = {"en": "How a city lets its residents decide part of its budget.", "kk": "Қала бюджетін бірге шешу."}


async def issuer_multikeys(certs: httpx.AsyncClient) -> dict[str, bytes]:
    """The Multikey verification methods of the served DID document: id -> raw public key."""
    r = await certs.get("/.well-known/did.json")
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-methods"] == "GET"
    document = r.json()
    assert "https://w3id.org/security/multikey/v1" in document["@context"]
    types = {m["type"] for m in document["verificationMethod"]}
    assert types == {"JsonWebKey2020", "Multikey"}  # not the legacy type only
    keys = {
        m["id"]: public_key_from_multibase(m["publicKeyMultibase"])
        for m in document["verificationMethod"]
        if m["type"] == "Multikey"
    }
    assert set(keys) <= set(document["assertionMethod"])
    return keys


async def course_with_summaries(
    nats_js: tuple[NATS, JetStreamContext], db: asyncpg.Pool, *, auto_issue: bool
) -> CoursePublishedV1:
    event = course_event(auto_issue=auto_issue, default="en").model_copy(update={"summaries": SUMMARIES})
    await publish(nats_js[1], event)

    async def known() -> bool:
        return bool(await db.fetchval("SELECT 1 FROM course WHERE id = $1", event.course_id))

    await wait_for(known)
    return event


def assert_proved(document: dict[str, Any], keys: dict[str, bytes], name: str) -> None:
    assert document["credentialSubject"]["name"] == name
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert check_proof(document, keys.values()) in keys
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["name"] = name[:-1] + ("x" if name[-1] != "x" else "y")
    assert not verify_data_integrity(tampered, keys.values())


async def test_a_single_issue_carries_a_verifying_proof_and_revocation_shows_in_the_proved_list(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    nats_js: tuple[NATS, JetStreamContext],
    db: asyncpg.Pool,
) -> None:
    keys = await issuer_multikeys(certs)
    course = await course_with_summaries(nats_js, db, auto_issue=False)
    name = 'Nino "Ნინო" Beridze'
    r = await certs.post(
        "/v1/certificates",
        json={"courseId": course.course_id, "recipient": {"name": name, "locale": "kk", "email": "nino@example.ge"}},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    cert = r.json()
    assert cert["kind"] == "COMPLETION"
    proved = cert["credentialDataIntegrity"]
    assert_proved(proved, keys, name)
    assert proved["credentialSubject"]["achievement"]["description"] == SUMMARIES["kk"]
    # Stored at issuance, not made up on read.
    stored = await db.fetchval("SELECT credential_di IS NOT NULL FROM certificate WHERE id = $1", uuid.UUID(cert["id"]))
    assert stored is True

    # The public credential endpoint (for wallets) serves the same document, readable cross-origin.
    public = await certs.get(f"/v1/credentials/{cert['code'].lower()}")
    assert public.status_code == 200
    assert public.headers["content-type"].startswith("application/ld+json")
    assert public.headers["access-control-allow-origin"] == "*"
    assert public.json() == proved
    assert (await certs.get("/v1/credentials/NOPE-0000")).status_code == 404

    # The status list in its JSON-LD form, as a Data Integrity verifier's document loader asks for it.
    list_path = "/v1/status-lists/" + proved["credentialStatus"]["statusListCredential"].rsplit("/", 1)[1]
    ld_headers = {"Accept": "application/ld+json, application/json"}
    before = await certs.get(list_path, headers=ld_headers)
    assert before.status_code == 200
    assert before.headers["access-control-allow-origin"] == "*"
    assert verify_data_integrity(before.json(), keys.values())
    assert check_status(proved, before.json()) is False
    jwt_form = await certs.get(list_path)
    assert jwt_form.headers["content-type"].startswith("application/vc+jwt")  # the default stays VC-JWT

    revoked = await certs.post(
        f"/v1/certificates/{cert['id']}/revoke", json={"reason": "Issued in error"}, headers=admin
    )
    assert revoked.status_code == 200, revoked.text
    after = (await certs.get(list_path, headers=ld_headers)).json()
    assert verify_data_integrity(after, keys.values())
    assert check_status(proved, after) is True


async def test_auto_and_bulk_issues_carry_verifying_proofs(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    nats_js: tuple[NATS, JetStreamContext],
    db: asyncpg.Pool,
) -> None:
    keys = await issuer_multikeys(certs)
    course = await course_with_summaries(nats_js, db, auto_issue=True)
    learner = f"learner-{uuid.uuid4().hex[:8]}"
    await publish(nats_js[1], completion_event(course, learner, "Արամ Սարգսյան", locale="en"))

    async def auto_issued() -> Any:
        return await db.fetchval(
            "SELECT credential_di FROM certificate WHERE course_id = $1 AND learner_id = $2", course.course_id, learner
        )

    auto = await wait_for(auto_issued)
    auto_doc = json.loads(auto) if isinstance(auto, str) else auto
    assert_proved(auto_doc, keys, "Արամ Սարգսյան")
    assert auto_doc["credentialSubject"]["achievement"]["description"] == SUMMARIES["en"]

    job = await issue_in_bulk(certs, admin, course.course_id, ["محمد علي", "Zoë O'Brien"])
    assert job["issued"] == 2
    rows = await db.fetch(
        "SELECT learner_name, credential_di FROM certificate WHERE bulk_job_id = $1", uuid.UUID(job["id"])
    )
    assert len(rows) == 2
    for row in rows:
        doc = json.loads(row["credential_di"]) if isinstance(row["credential_di"], str) else row["credential_di"]
        assert_proved(doc, keys, row["learner_name"])


async def test_the_contexts_are_served_byte_for_byte(certs: httpx.AsyncClient) -> None:
    for context in CONTEXTS:
        r = await certs.get(f"/v1/contexts/{context.file}")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/ld+json")
        assert r.headers["access-control-allow-origin"] == "*"
        assert hashlib.sha256(r.content).hexdigest() == context.sha256
    assert (await certs.get("/v1/contexts/unknown.jsonld")).status_code == 404
    jwks = await certs.get("/.well-known/jwks.json")
    assert jwks.headers["access-control-allow-origin"] == "*"


async def test_the_backfill_command_stores_what_reads_served_for_an_older_certificate(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    stack_env: dict[str, str],
    db: asyncpg.Pool,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    keys = await issuer_multikeys(certs)
    course = await published_course(auto_issue=False)
    r = await certs.post(
        "/v1/certificates", json={"courseId": course.course_id, "recipient": {"name": "Old Timer"}}, headers=admin
    )
    assert r.status_code == 201, r.text
    cert = r.json()
    # As if issued before migration 0008: only the VC-JWT is stored.
    await db.execute("UPDATE certificate SET credential_di = NULL WHERE id = $1", uuid.UUID(cert["id"]))
    served = (await certs.get(f"/v1/credentials/{cert['code']}")).json()
    assert_proved(served, keys, "Old Timer")
    assert (await certs.get(f"/v1/credentials/{cert['code']}")).json() == served  # the same on every read

    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "certificates.cli", "backfill-data-integrity", "--batch-size", "50"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **stack_env},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "done:" in result.stdout
    stored = await db.fetchval("SELECT credential_di FROM certificate WHERE id = $1", uuid.UUID(cert["id"]))
    assert stored is not None
    assert (json.loads(stored) if isinstance(stored, str) else stored) == served
    assert await db.fetchval("SELECT count(*) FROM certificate WHERE credential_di IS NULL") == 0

    bad = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "certificates.cli", "backfill-data-integrity", "--batch-size", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert "--batch-size must be at least 1" in bad.stderr
