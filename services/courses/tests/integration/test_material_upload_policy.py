"""Issue 13, finding 3: an upload cannot be swapped after confirmation, nor be other than declared.

The browser gets a presigned POST policy for one quarantine key, one Content-Type and the declared
size. Confirming copies the object server-side to the final key and pins its ETag and SHA-256, so
whatever is sent to the upload URL afterwards never reaches learners. Each attack is made the way the
upload answer says to upload (``uploadMethod``; the old answers had none and meant PUT), so these tests
also describe what the old presigned PUT let through.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from courses.adapters.blobs import MaterialInspector
from lms_shared.db import asyncpg_dsn
from lms_shared.settings import Settings
from lms_shared.storage import ObjectStore

from .conftest import publishable_course, texts
from .test_materials import PDF, pdf_bytes, request

pytestmark = pytest.mark.integration


def s3_settings(env: dict[str, str]) -> Settings:
    return Settings.model_validate({k[4:].lower(): v for k, v in env.items() if k.startswith("LMS_S3_")})


async def send(answer: dict[str, Any], data: bytes, content_type: str, **field_overrides: str) -> httpx.Response:
    """Send bytes the way the upload answer says: a multipart POST with its fields, or (old answers) a PUT."""
    async with httpx.AsyncClient(timeout=30) as s3:
        if answer.get("uploadMethod", "PUT") == "PUT":
            return await s3.put(answer["uploadUrl"], content=data, headers={"Content-Type": content_type})
        fields = {f["name"]: f["value"] for f in answer["uploadFields"]} | field_overrides
        return await s3.post(answer["uploadUrl"], data=fields, files={"file": ("upload", data, content_type)})


def accepted(r: httpx.Response) -> bool:
    return r.status_code in (200, 201, 204)


async def downloaded(person: Any, material_id: str) -> bytes:
    link = await person.ok("GET", f"/v1/materials/{material_id}/download")
    async with httpx.AsyncClient(timeout=30) as s3:
        got = await s3.get(link["url"])
    assert got.status_code == 200, got.text
    return got.content


async def confirmed_in_a_lesson(trainer: Any, data: bytes) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A published course whose DOCUMENT lesson uses a confirmed PDF: (course, upload answer, material id)."""
    course, module, _ = await publishable_course(trainer)
    answer = (await request(trainer, course["id"], "plan.pdf", PDF, len(data))).json()
    assert accepted(await send(answer, data, PDF))
    mid = answer["material"]["id"]
    ready = await trainer.ok("POST", f"/v1/materials/{mid}/confirm")
    assert ready["status"] == "READY" and ready["sha256"] == hashlib.sha256(data).hexdigest()
    await trainer.ok(
        "POST",
        f"/v1/modules/{module['id']}/lessons",
        json={"kind": "DOCUMENT", "titles": texts(az="Plan"), "materialId": mid},
    )
    await trainer.ok("POST", f"/v1/courses/{course['id']}/publish")
    return course, answer, mid


async def test_sending_other_bytes_after_confirmation_does_not_change_what_is_downloaded(people: Any) -> None:
    trainer, admin = people("trainer"), people("admin")
    genuine = pdf_bytes("Genuine handbook")
    _, answer, mid = await confirmed_in_a_lesson(trainer, genuine)

    # Same size and declared type, other bytes: the strongest swap the upload URL could still allow.
    forged = genuine[:-20] + b"% forged bytes here\n"
    assert len(forged) == len(genuine) and forged != genuine
    await send(answer, forged, PDF)  # whether the store takes it or not, learners must not see it

    assert await downloaded(admin, mid) == genuine
    assert await downloaded(trainer, mid) == genuine
    again = await trainer.ok("GET", f"/v1/materials/{mid}")
    assert again["status"] == "READY" and again["sha256"] == hashlib.sha256(genuine).hexdigest()


async def test_a_confirmed_object_changed_behind_the_service_is_not_served(people: Any, env: dict[str, str]) -> None:
    trainer = people("trainer")
    course, _, mid = await confirmed_in_a_lesson(trainer, pdf_bytes())
    settings = s3_settings(env)
    # Someone with write access to the bucket replaces the confirmed object: its ETag changes.
    await ObjectStore(settings).put_bytes(
        settings.s3_materials_bucket, f"materials/{course['id']}/{mid}/plan.pdf", b"%PDF-1.4 evil", PDF
    )
    r = await trainer.call("GET", f"/v1/materials/{mid}/download")
    assert r.status_code == 409, r.text
    assert "no longer the one its trainer confirmed" in r.json()["error"]["message"]


async def test_a_wrong_type_an_oversize_body_or_another_key_is_refused_by_the_store(people: Any) -> None:
    trainer = people("trainer")
    course, _, _ = await publishable_course(trainer)
    data = pdf_bytes()
    answer = (await request(trainer, course["id"], "plan.pdf", PDF, len(data))).json()
    mid = answer["material"]["id"]

    assert not accepted(await send(answer, data, "text/html", **{"Content-Type": "text/html"}))
    assert not accepted(await send(answer, data + b"\n" + b"x" * 4096, PDF))
    final_key = f"materials/{course['id']}/{mid}/plan.pdf"
    assert not accepted(await send(answer, data, PDF, key=final_key))
    r = await trainer.call("POST", f"/v1/materials/{mid}/confirm")
    assert r.status_code == 422 and "No file has been uploaded" in r.json()["error"]["message"]

    # The upload itself still works as offered.
    assert accepted(await send(answer, data, PDF))
    assert (await trainer.ok("POST", f"/v1/materials/{mid}/confirm"))["status"] == "READY"


async def test_an_extension_that_does_not_fit_the_declared_type_is_refused(people: Any) -> None:
    trainer = people("trainer")
    course, _, _ = await publishable_course(trainer)
    for filename, content_type in (("setup.exe", PDF), ("notes.pdf", "image/png"), ("README", PDF)):
        r = await request(trainer, course["id"], filename, content_type, 100)
        assert r.status_code == 422, (filename, r.text)
        assert "does not end in" in r.json()["error"]["message"]
    r = await request(trainer, course["id"], "Photo.JPEG", "image/jpeg", 100)
    assert r.status_code == 201, r.text


async def test_the_upload_policy_expires(people: Any, env: dict[str, str]) -> None:
    trainer = people("trainer")
    course, _, _ = await publishable_course(trainer)
    answer = (await request(trainer, course["id"], "plan.pdf", PDF, 100)).json()
    fields = {f["name"]: f["value"] for f in answer["uploadFields"]}
    policy = json.loads(base64.b64decode(fields["policy"]))
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert expires <= datetime.fromisoformat(answer["expiresAt"]) + timedelta(seconds=1)
    assert expires - datetime.now(UTC) <= timedelta(minutes=15, seconds=5)
    assert ["eq", "$key", f"quarantine/{answer['material']['id']}"] in policy["conditions"]

    # A policy past its expiration is refused by the store (signed here with a lifetime already over).
    settings = s3_settings(env)
    data = pdf_bytes()
    form = MaterialInspector(settings).post_policy(
        settings.s3_materials_bucket,
        "quarantine/expired-test",
        timedelta(seconds=-60),
        content_type=PDF,
        size=len(data),
    )
    async with httpx.AsyncClient(timeout=30) as s3:
        r = await s3.post(form.url, data=form.fields, files={"file": ("f", data, PDF)})
    assert r.status_code == 403, r.text


async def test_bytes_posted_after_confirmation_are_deleted_once_the_policy_expired(
    people: Any, env: dict[str, str]
) -> None:
    trainer = people("trainer")
    genuine = pdf_bytes()
    _, answer, mid = await confirmed_in_a_lesson(trainer, genuine)
    assert accepted(await send(answer, genuine[:-20] + b"% forged bytes here\n", PDF))
    settings = s3_settings(env)
    store = ObjectStore(settings)
    assert await store.stat(settings.s3_materials_bucket, f"quarantine/{mid}") is not None
    # Let the policy expire now rather than in 15 minutes: the cleanup loop (every second) then sweeps it.
    db = await asyncpg.connect(asyncpg_dsn(env["LMS_COURSES_DATABASE_URL"]))
    try:
        await db.execute("UPDATE material SET upload_expires_at = now() - interval '1 second' WHERE id = $1", mid)
    finally:
        await db.close()
    deadline = time.monotonic() + 20
    while await store.stat(settings.s3_materials_bucket, f"quarantine/{mid}") is not None:
        assert time.monotonic() < deadline, "the quarantine object was not swept"
        await asyncio.sleep(0.3)
    assert await downloaded(trainer, mid) == genuine
