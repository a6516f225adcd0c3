"""Materials: presigned POST upload, confirmation (size, SHA-256, real type), download rights, cleanup."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
import uuid
import zipfile
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fpdf import FPDF

from lms_shared.events.catalogue import EnrollmentCreatedV1
from lms_shared.settings import Settings
from lms_shared.storage import ObjectStore

from .conftest import MAX_BYTES, PENDING_TTL, new_course, publishable_course, texts
from .events import publish

pytestmark = pytest.mark.integration

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_bytes(text: str = "Participatory budgeting") -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=14)
    doc.cell(text=text)
    return bytes(doc.output())


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


async def request(trainer: Any, course_id: str, filename: str, content_type: str, size: int) -> httpx.Response:
    r: httpx.Response = await trainer.call(
        "POST",
        f"/v1/courses/{course_id}/materials",
        json={"filename": filename, "contentType": content_type, "size": size},
    )
    return r


async def post_form(answer: dict[str, Any], data: bytes, content_type: str, filename: str = "f") -> httpx.Response:
    """POST ``data`` with the upload's presigned policy fields, as a browser's multipart form would."""
    assert answer["uploadMethod"] == "POST"
    fields = {f["name"]: f["value"] for f in answer["uploadFields"]}
    async with httpx.AsyncClient(timeout=30) as s3:
        return await s3.post(answer["uploadUrl"], data=fields, files={"file": (filename, data, content_type)})


async def upload(
    trainer: Any, course_id: str, data: bytes, filename: str = "plan.pdf", content_type: str = PDF
) -> dict[str, Any]:
    """Request an upload, POST the bytes with the presigned policy as a browser would; returns the request's answer."""
    r = await request(trainer, course_id, filename, content_type, len(data))
    assert r.status_code == 201, r.text
    answer: dict[str, Any] = r.json()
    sent = await post_form(answer, data, content_type)
    assert sent.status_code in (200, 201, 204), sent.text
    return answer


async def object_exists(env: dict[str, str], key: str) -> bool:
    """Whether the materials bucket holds ``key``, asked of S3 directly."""
    settings = Settings.model_validate({k[4:].lower(): v for k, v in env.items() if k.startswith("LMS_S3_")})
    return await ObjectStore(settings).stat(settings.s3_materials_bucket, key) is not None


async def test_upload_confirm_and_download_a_pdf(people: Any, env: dict[str, str]) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    data = pdf_bytes()
    answer = await upload(trainer, course["id"], data, filename="../Bələdiyyə büdcəsi.pdf")
    material = answer["material"]
    assert material["status"] == "PENDING" and material["filename"] == "Bələdiyyə büdcəsi.pdf"
    assert answer["uploadUrl"].startswith("http://")
    assert {"key", "Content-Type", "policy", "x-amz-signature"} <= {f["name"] for f in answer["uploadFields"]}
    expires_in = time.mktime(time.strptime(answer["expiresAt"][:19], "%Y-%m-%dT%H:%M:%S")) - time.mktime(time.gmtime())
    assert 0 < expires_in <= 15 * 60 + 5

    ready = await trainer.ok("POST", f"/v1/materials/{material['id']}/confirm")
    assert ready["status"] == "READY" and ready["size"] == len(data)
    assert ready["sha256"] == hashlib.sha256(data).hexdigest()
    again = await trainer.ok("POST", f"/v1/materials/{material['id']}/confirm")
    assert again == ready  # confirming twice changes nothing

    link = await trainer.ok("GET", f"/v1/materials/{material['id']}/download")
    async with httpx.AsyncClient(timeout=30) as s3:
        got = await s3.get(link["url"])
    assert got.status_code == 200 and got.content == data
    assert "filename*=UTF-8''B%C9%99l%C9%99diyy%C9%99" in got.headers.get("content-disposition", "")


async def test_office_documents_are_recognised_from_their_contents(people: Any) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    answer = await upload(trainer, course["id"], docx_bytes(), "hesabat.docx", DOCX)
    ready = await trainer.ok("POST", f"/v1/materials/{answer['material']['id']}/confirm")
    assert ready["status"] == "READY" and ready["contentType"] == DOCX


async def test_oversize_and_unsupported_types_are_refused_before_upload(people: Any) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    r = await request(trainer, course["id"], "big.mp4", "video/mp4", MAX_BYTES + 1)
    assert r.status_code == 422 and "at most 5.0 MB" in r.json()["error"]["message"]
    r = await request(trainer, course["id"], "run.exe", "application/x-msdownload", 100)
    error = r.json()["error"]
    assert r.status_code == 422 and "cannot be uploaded" in error["message"] and "application/pdf" in error["message"]
    r = await request(trainer, course["id"], "x.pdf", PDF, 0)
    assert r.status_code == 422


async def test_a_spoofed_content_type_is_rejected_and_the_object_deleted(people: Any, env: dict[str, str]) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    answer = await upload(trainer, course["id"], PNG, "not-really.pdf", PDF)
    mid = answer["material"]["id"]
    r = await trainer.call("POST", f"/v1/materials/{mid}/confirm")
    assert r.status_code == 422
    assert "The uploaded file is a PNG image, but it was declared as PDF document" in r.json()["error"]["message"]
    rejected = await trainer.ok("GET", f"/v1/materials/{mid}")
    assert rejected["status"] == "REJECTED" and "PNG image" in rejected["rejectionReason"]
    assert not await object_exists(env, f"materials/{course['id']}/{mid}/not-really.pdf")
    assert not await object_exists(env, f"quarantine/{mid}")
    r = await trainer.call("POST", f"/v1/materials/{mid}/confirm")
    assert r.status_code == 409 and "rejected" in r.json()["error"]["message"]


async def test_a_zip_posing_as_docx_is_rejected(people: Any) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.exe", b"MZ" + b"\x00" * 50)
    answer = await upload(trainer, course["id"], buf.getvalue(), "report.docx", DOCX)
    r = await trainer.call("POST", f"/v1/materials/{answer['material']['id']}/confirm")
    assert r.status_code == 422 and "not any of the accepted file types" in r.json()["error"]["message"]


async def test_confirm_before_upload_and_size_mismatch(people: Any) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    r = await request(trainer, course["id"], "plan.pdf", PDF, 1234)
    mid = r.json()["material"]["id"]
    r = await trainer.call("POST", f"/v1/materials/{mid}/confirm")
    assert r.status_code == 422 and "POST the file to the uploadUrl" in r.json()["error"]["message"]
    assert (await trainer.ok("GET", f"/v1/materials/{mid}"))["status"] == "PENDING"  # still usable

    # The policy admits exactly the declared size: the object store refuses anything else.
    data = pdf_bytes()
    r = await request(trainer, course["id"], "plan.pdf", PDF, len(data) + 10)
    answer = r.json()
    assert (await post_form(answer, data, PDF)).status_code in (400, 403)
    r = await trainer.call("POST", f"/v1/materials/{answer['material']['id']}/confirm")
    assert r.status_code == 422 and "No file has been uploaded" in r.json()["error"]["message"]


async def test_only_trainers_admins_and_enrolled_learners_download(people: Any, env: dict[str, str]) -> None:
    trainer, stranger, admin = people("trainer"), people("trainer"), people("admin")
    learner, other_learner = people("learner"), people("learner")
    course, module, _ = await publishable_course(trainer)
    answer = await upload(trainer, course["id"], pdf_bytes())
    mid = answer["material"]["id"]

    r = await stranger.call("POST", f"/v1/materials/{mid}/confirm")
    assert r.status_code == 403
    await trainer.ok("POST", f"/v1/materials/{mid}/confirm")
    await trainer.ok(
        "POST",
        f"/v1/modules/{module['id']}/lessons",
        json={"kind": "DOCUMENT", "titles": texts(az="Plan"), "materialId": mid},
    )
    await trainer.ok("POST", f"/v1/courses/{course['id']}/publish")

    for person in (learner, stranger):
        r = await person.call("GET", f"/v1/materials/{mid}/download")
        assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
    r = await learner.http.get(f"/v1/materials/{mid}/download")
    assert r.status_code == 401
    assert (await admin.ok("GET", f"/v1/materials/{mid}/download"))["url"]

    # The progress service announces the enrolment; courses learns it from the event.
    event = EnrollmentCreatedV1(
        enrollment_id=str(uuid.uuid4()),
        course_id=course["id"],
        course_version=1,
        learner_id=learner.id,
        learner_name="Rəşad Əliyev",
        enrolled_at=datetime.now(UTC),
    ).envelope()
    await publish(env["LMS_NATS_URL"], event)
    await publish(env["LMS_NATS_URL"], event)  # a redelivery is harmless
    deadline = time.monotonic() + 20
    while True:
        r = await learner.call("GET", f"/v1/materials/{mid}/download")
        if r.status_code == 200 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.3)
    assert r.status_code == 200, r.text
    r = await other_learner.call("GET", f"/v1/materials/{mid}/download")
    assert r.status_code == 403


async def test_a_material_of_another_course_cannot_be_attached(people: Any) -> None:
    trainer = people("trainer")
    _, module_a, _ = await publishable_course(trainer)
    course_b = await new_course(trainer)
    foreign = (await request(trainer, course_b["id"], "b.pdf", PDF, 100)).json()["material"]["id"]
    r = await trainer.call(
        "POST",
        f"/v1/modules/{module_a['id']}/lessons",
        json={"kind": "DOCUMENT", "titles": texts(az="x"), "materialId": foreign},
    )
    assert r.status_code == 422 and "is not a material of this course" in r.json()["error"]["message"]


async def test_uploads_never_confirmed_are_cleaned_up(people: Any, env: dict[str, str]) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    answer = await upload(trainer, course["id"], pdf_bytes(), "forgotten.pdf")
    mid = answer["material"]["id"]
    key = f"quarantine/{mid}"
    assert await object_exists(env, key)
    deadline = time.monotonic() + PENDING_TTL + 15
    status = "PENDING"
    while status == "PENDING" and time.monotonic() < deadline:
        await asyncio.sleep(1)
        status = (await trainer.ok("GET", f"/v1/materials/{mid}"))["status"]
    final = await trainer.ok("GET", f"/v1/materials/{mid}")
    assert final["status"] == "REJECTED" and "not confirmed within 8 second(s)" in final["rejectionReason"]
    assert not await object_exists(env, key)
    r = await trainer.call("POST", f"/v1/materials/{mid}/confirm")
    assert r.status_code == 409
