"""Issue 13, finding 3, on the fakes: the extension allow-list, the policy asked for, pinning and the sweep."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from courses.domain.materials import ALLOWED_TYPES, extension_mismatch, quarantine_key
from courses.domain.model import MaterialStatus
from courses.service_layer import commands as cmd
from courses.service_layer import materials
from lms_shared.errors import BadInput, Conflict

from .fakes import FakeMaterialStore, FakeUnitOfWork
from .test_handlers import LIMITS, OWNER, PDF, new_course

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("filename", "content_type", "fits"),
    [
        ("plan.pdf", "application/pdf", True),
        ("PLAN.PDF", "application/pdf", True),
        ("clip.m4v", "video/mp4", True),
        ("photo.jpeg", "image/jpeg", True),
        ("deck.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", True),
        ("plan.pdf.exe", "application/pdf", False),
        ("plan", "application/pdf", False),
        ("photo.png", "image/jpeg", False),
        ("book.docx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    ],
)
def test_the_extension_must_fit_the_declared_type(filename: str, content_type: str, fits: bool) -> None:
    assert (extension_mismatch(ALLOWED_TYPES[content_type], filename) is None) is fits


async def test_the_policy_is_for_the_quarantine_key_the_declared_type_and_size_only() -> None:
    uow, store = FakeUnitOfWork(), FakeMaterialStore()
    course_id = await new_course(uow)
    body = cmd.RequestMaterialUpload(filename="Guide.PDF", content_type="Application/PDF", size=len(PDF))
    upload = await materials.request_material_upload(uow, OWNER, course_id, body, store, LIMITS)
    key = quarantine_key(upload.material.id)
    assert store.policies == {key: ("application/pdf", len(PDF))}
    assert upload.form.fields["key"] == key != upload.material.object_key
    wrong = cmd.RequestMaterialUpload(filename="Guide.exe", content_type="application/pdf", size=len(PDF))
    with pytest.raises(BadInput, match=r"does not end in \.pdf"):
        await materials.request_material_upload(uow, OWNER, course_id, wrong, store, LIMITS)


async def test_confirming_pins_a_copy_and_later_posts_never_reach_downloads() -> None:
    uow, store = FakeUnitOfWork(), FakeMaterialStore()
    course_id = await new_course(uow)
    body = cmd.RequestMaterialUpload(filename="guide.pdf", content_type="application/pdf", size=len(PDF))
    upload = await materials.request_material_upload(uow, OWNER, course_id, body, store, LIMITS)
    mid, key = upload.material.id, upload.material.object_key
    store.post(quarantine_key(mid), PDF, "text/html")
    with pytest.raises(BadInput, match="uploaded as 'text/html'"):
        await materials.confirm_material_upload(uow, OWNER, mid, store)

    upload = await materials.request_material_upload(uow, OWNER, course_id, body, store, LIMITS)
    mid, key = upload.material.id, upload.material.object_key
    store.post(quarantine_key(mid), PDF, "application/pdf")
    ready = await materials.confirm_material_upload(uow, OWNER, mid, store)
    assert ready.etag and ready.sha256 == hashlib.sha256(PDF).hexdigest()
    forged = PDF[:-1] + b"!"
    store.post(quarantine_key(mid), forged, "application/pdf")  # the policy is still valid
    assert store.objects[key] == PDF
    assert (await materials.confirm_material_upload(uow, OWNER, mid, store)).sha256 == ready.sha256

    store.objects[key] = forged  # the final object changed behind the service's back
    with pytest.raises(Conflict, match="no longer the one"):
        await materials.material_download_url(uow, OWNER, mid, store, LIMITS)


async def test_quarantine_keys_are_swept_once_their_policy_expired() -> None:
    uow, store = FakeUnitOfWork(), FakeMaterialStore()
    course_id = await new_course(uow)
    body = cmd.RequestMaterialUpload(filename="guide.pdf", content_type="application/pdf", size=len(PDF))
    done = await materials.request_material_upload(uow, OWNER, course_id, body, store, LIMITS)
    store.post(quarantine_key(done.material.id), PDF, "application/pdf")
    await materials.confirm_material_upload(uow, OWNER, done.material.id, store)
    pending = await materials.request_material_upload(uow, OWNER, course_id, body, store, LIMITS)
    store.post(quarantine_key(done.material.id), PDF, "application/pdf")  # a POST after confirming

    assert await materials.sweep_quarantine(uow, store) == 0  # the policy can still be used
    uow.materials.upload_expires[done.material.id] = datetime.now(UTC) - timedelta(seconds=1)
    uow.materials.upload_expires[pending.material.id] = datetime.now(UTC) - timedelta(seconds=1)
    assert await materials.sweep_quarantine(uow, store) == 1  # PENDING ones are the expiry cleaner's
    assert quarantine_key(done.material.id) not in store.objects
    assert uow.materials.rows[done.material.id].status is MaterialStatus.READY
    assert await materials.sweep_quarantine(uow, store) == 0
