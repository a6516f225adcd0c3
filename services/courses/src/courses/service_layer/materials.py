"""Materials: presigned uploads, checking what was really uploaded, downloads, and expired uploads.

The bytes never pass through the service: browsers PUT and GET them with presigned URLs, and the
check streams the object once from the internal S3 endpoint, outside any database transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from courses.domain.materials import (
    allowed_list,
    allowed_type,
    mismatch_reason,
    normalize_content_type,
    object_key,
    sanitize_filename,
    sniff,
)
from courses.domain.model import Material, MaterialStatus
from courses.service_layer import commands as cmd
from courses.service_layer.access import course_for_edit, new_id
from courses.service_layer.ports import MaterialStore
from courses.service_layer.unit_of_work import CoursesUnitOfWork
from lms_shared.auth import Principal
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound
from lms_shared.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class MaterialLimits:
    """How large an upload may be and how long its links and its PENDING state last."""

    max_bytes: int
    upload_ttl: timedelta
    pending_ttl: timedelta
    download_ttl: timedelta


@dataclass(frozen=True)
class MaterialUpload:
    material: Material
    upload_url: str
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def _human_size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    size = float(n)
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            break
    return f"{size:.1f} {unit}"


def _human_duration(seconds: int) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds // 3600} hour(s)"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds // 60} minute(s)"
    return f"{seconds} second(s)"


async def request_material_upload(
    uow: CoursesUnitOfWork,
    principal: Principal,
    course_id: str,
    c: cmd.RequestMaterialUpload,
    store: MaterialStore,
    limits: MaterialLimits,
) -> MaterialUpload:
    """Check the declared file, record a PENDING material and sign a PUT URL (at most 15 minutes)."""
    declared = allowed_type(c.content_type)
    if declared is None:
        raise BadInput(
            f"Files of type {normalize_content_type(c.content_type)!r} cannot be uploaded. Accepted: {allowed_list()}."
        )
    if c.size > limits.max_bytes:
        raise BadInput(f"The file is {_human_size(c.size)}; materials can be at most {_human_size(limits.max_bytes)}.")
    filename = sanitize_filename(c.filename)
    await course_for_edit(uow, course_id, principal)
    material_id = new_id()
    material = Material(
        id=material_id,
        course_id=course_id,
        filename=filename,
        content_type=declared.content_type,
        size=c.size,
        status=MaterialStatus.PENDING,
        object_key=object_key(course_id, material_id, filename),
    )
    expires_at = _now() + limits.upload_ttl
    await uow.materials.add(material, uploaded_by=principal.sub, upload_expires_at=expires_at)
    await uow.commit()
    url = store.upload_url(material.object_key, limits.upload_ttl)
    return MaterialUpload(material, url, expires_at)


async def _reject(uow: CoursesUnitOfWork, store: MaterialStore, material: Material, reason: str) -> BadInput:
    """Mark the material REJECTED with ``reason`` and delete its bytes; returns the error to raise."""
    current = await uow.materials.get(material.id, lock=True)
    if current is not None and current.status is MaterialStatus.PENDING:
        await uow.materials.mark(material.id, MaterialStatus.REJECTED, reason=reason)
    await uow.commit()
    await store.remove(material.object_key)
    log.info("material.rejected", material_id=material.id, reason=reason)
    material.status, material.rejection_reason = MaterialStatus.REJECTED, reason
    return BadInput(
        f"{reason} The upload was rejected; request a new one.",
        details={"materialId": material.id, "status": "REJECTED"},
    )


async def confirm_material_upload(
    uow: CoursesUnitOfWork, principal: Principal, material_id: str, store: MaterialStore
) -> Material:
    """Check the uploaded object (exists, size, real type), hash it, and make the material READY.

    The bytes are streamed once outside any transaction (a large video takes a while); the status is
    then set only if the material is still PENDING, so a concurrent confirm or cleanup wins cleanly.
    """
    material = await uow.materials.get(material_id)
    if material is None:
        raise NotFound(f"There is no material with id {material_id}.")
    course = await uow.courses.get(material.course_id)
    if course is None or not course.can_edit(principal):
        raise Forbidden("Only the course's trainers and admins can confirm its uploads.")
    # End the read transaction before the slow part: no connection sits idle in a transaction meanwhile.
    await uow.commit()
    if material.status is MaterialStatus.READY:
        return material  # confirming twice is harmless
    if material.status is MaterialStatus.REJECTED:
        raise Conflict(f"This upload was rejected ({material.rejection_reason}) Request a new upload.")
    size = await store.size_of(material.object_key)
    if size is None:
        raise BadInput(
            "No file has been uploaded for this material yet: PUT the bytes to the uploadUrl first, then confirm."
        )
    if size != material.size:
        raise await _reject(
            uow, store, material, f"The uploaded file has {size} bytes but {material.size} bytes were declared."
        )
    seen = await store.inspect(material.object_key, max_bytes=material.size)
    if seen.size != material.size:
        raise await _reject(
            uow, store, material, f"The uploaded file has {seen.size} bytes but {material.size} were declared."
        )
    declared = allowed_type(material.content_type)
    assert declared is not None  # checked when the upload was requested
    reason = mismatch_reason(declared, sniff(seen.head, seen.zip_names))
    if reason:
        raise await _reject(uow, store, material, reason)
    current = await uow.materials.get(material_id, lock=True)
    if current is None or current.status is MaterialStatus.REJECTED:
        raise Conflict("This upload expired before it was confirmed; request a new upload.")
    if current.status is MaterialStatus.PENDING:
        await uow.materials.mark(material_id, MaterialStatus.READY, sha256=seen.sha256)
    confirmed = await uow.materials.get(material_id)
    assert confirmed is not None
    await uow.commit()
    return confirmed


async def _downloadable(
    uow: CoursesUnitOfWork, principal: Principal, material_id: str, *, need_ready: bool
) -> Material:
    material = await uow.materials.get(material_id)
    if material is None:
        raise NotFound(f"There is no material with id {material_id}.")
    course = await uow.courses.get(material.course_id)
    assert course is not None  # materials are deleted with their course
    if not course.can_edit(principal) and not await uow.enrollments.is_enrolled(course.id, principal.sub):
        raise Forbidden("Enrol in this course to download its materials.")
    if need_ready and material.status is not MaterialStatus.READY:
        raise Conflict(f"This material is {material.status.value}, not READY, so it cannot be downloaded.")
    return material


async def get_material(uow: CoursesUnitOfWork, principal: Principal, material_id: str) -> Material:
    """A material's metadata, for those who may download it."""
    return await _downloadable(uow, principal, material_id, need_ready=False)


async def material_download_url(
    uow: CoursesUnitOfWork, principal: Principal, material_id: str, store: MaterialStore, limits: MaterialLimits
) -> tuple[str, datetime]:
    """A short-lived presigned GET for the course's trainers, admins and enrolled learners."""
    material = await _downloadable(uow, principal, material_id, need_ready=True)
    url = store.download_url(material.object_key, limits.download_ttl, filename=material.filename)
    return url, _now() + limits.download_ttl


async def reject_expired_uploads(uow: CoursesUnitOfWork, store: MaterialStore, limits: MaterialLimits) -> int:
    """Mark PENDING materials older than the pending TTL as REJECTED and delete their objects."""
    seconds = int(limits.pending_ttl.total_seconds())
    expired = await uow.materials.expired_pending(_now() - limits.pending_ttl)
    for m in expired:
        await store.remove(m.object_key)  # removing a missing object is not an error in S3
        await uow.materials.mark(
            m.id,
            MaterialStatus.REJECTED,
            reason=f"The upload was not confirmed within {_human_duration(seconds)}; request a new upload.",
        )
    await uow.commit()
    if expired:
        log.info("material.expired_uploads_rejected", count=len(expired))
    return len(expired)
