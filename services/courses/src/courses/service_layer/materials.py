"""Materials: presigned uploads, checking what was really uploaded, downloads, and expired uploads.

The bytes never pass through the service. A browser POSTs them with a presigned POST policy that
allows one key only, ``quarantine/<material id>``, one exact ``Content-Type`` and the declared size.
Confirming copies the quarantined object server-side to the material's final key (which only the
service writes), streams that copy once from the internal S3 endpoint to hash and sniff it outside any
database transaction, records its SHA-256 and ETag, and deletes the quarantined object. Whatever is
POSTed afterwards lands in quarantine again and is never served: downloads are presigned GETs of the
final key, refused when its ETag is no longer the confirmed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from courses.domain.materials import (
    allowed_list,
    allowed_type,
    extension_mismatch,
    mismatch_reason,
    normalize_content_type,
    object_key,
    quarantine_key,
    sanitize_filename,
    sniff,
)
from courses.domain.model import Material, MaterialStatus
from courses.service_layer import commands as cmd
from courses.service_layer.access import course_for_edit, new_id
from courses.service_layer.ports import MaterialStore, UploadForm
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
    form: UploadForm
    expires_at: datetime

    @property
    def upload_url(self) -> str:
        return self.form.url


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
    """Check the declared file, record a PENDING material and sign a POST policy (at most 15 minutes).

    The policy allows only the material's quarantine key, the declared type and exactly the declared size.
    """
    declared = allowed_type(c.content_type)
    if declared is None:
        raise BadInput(
            f"Files of type {normalize_content_type(c.content_type)!r} cannot be uploaded. Accepted: {allowed_list()}."
        )
    if c.size > limits.max_bytes:
        raise BadInput(f"The file is {_human_size(c.size)}; materials can be at most {_human_size(limits.max_bytes)}.")
    filename = sanitize_filename(c.filename)
    wrong_extension = extension_mismatch(declared, filename)
    if wrong_extension:
        raise BadInput(wrong_extension)
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
    form = store.upload_form(
        quarantine_key(material_id), limits.upload_ttl, content_type=declared.content_type, size=c.size
    )
    return MaterialUpload(material, form, expires_at)


async def _reject(uow: CoursesUnitOfWork, store: MaterialStore, material: Material, reason: str) -> BadInput:
    """Mark the material REJECTED with ``reason`` and delete its bytes; returns the error to raise."""
    current = await uow.materials.get(material.id, lock=True)
    if current is not None and current.status is MaterialStatus.PENDING:
        await uow.materials.mark(material.id, MaterialStatus.REJECTED, reason=reason)
    await uow.commit()
    await store.remove(quarantine_key(material.id))
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
    """Check the uploaded object (exists, size, type, real type), pin it at its final key, and make it READY.

    The quarantined object is copied server-side to the final key first, and the checks and the hash
    are made on that copy, which nobody else can write: a POST racing the confirmation cannot slip other
    bytes in between the check and the copy. The bytes are streamed once outside any transaction (a
    large video takes a while); the status is then set only if the material is still PENDING, so a
    concurrent confirm or cleanup wins cleanly.
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
    declared = allowed_type(material.content_type)
    assert declared is not None  # checked when the upload was requested
    quarantined = await store.stat(quarantine_key(material.id))
    if quarantined is None:
        raise BadInput(
            "No file has been uploaded for this material yet: POST the file to the uploadUrl with the "
            "uploadFields first, then confirm."
        )
    if quarantined.size != material.size:
        raise await _reject(
            uow,
            store,
            material,
            f"The uploaded file has {quarantined.size} bytes but {material.size} bytes were declared.",
        )
    stored_type = normalize_content_type(quarantined.content_type or "")
    if stored_type != declared.content_type:
        raise await _reject(
            uow,
            store,
            material,
            f"The file was uploaded as {stored_type or 'no type'!r}, but it was declared as {declared.content_type}.",
        )
    await store.copy(quarantine_key(material.id), material.object_key)
    pinned = await store.stat(material.object_key)
    seen = await store.inspect(material.object_key, max_bytes=material.size)
    if pinned is None or seen.size != material.size:
        raise await _reject(
            uow, store, material, f"The uploaded file has {seen.size} bytes but {material.size} were declared."
        )
    reason = mismatch_reason(declared, sniff(seen.head, seen.zip_names))
    if reason:
        raise await _reject(uow, store, material, reason)
    after = await store.stat(material.object_key)
    if after is None or after.etag != pinned.etag:
        # A concurrent confirm copied other bytes (POSTed meanwhile) over ours: what was hashed is not sure.
        raise Conflict("The upload changed while it was being confirmed; confirm it again.")
    current = await uow.materials.get(material_id, lock=True)
    if current is None or current.status is MaterialStatus.REJECTED:
        await uow.commit()
        await store.remove(material.object_key)
        raise Conflict("This upload expired before it was confirmed; request a new upload.")
    if current.status is MaterialStatus.PENDING:
        await uow.materials.mark(material_id, MaterialStatus.READY, sha256=seen.sha256, etag=pinned.etag)
    confirmed = await uow.materials.get(material_id)
    assert confirmed is not None
    await uow.commit()
    await store.remove(quarantine_key(material.id))
    log.info("material.confirmed", material_id=material_id, sha256=seen.sha256, etag=pinned.etag)
    return confirmed


async def _in_pinned_version(uow: CoursesUnitOfWork, course_id: str, material_id: str, versions: list[int]) -> bool:
    """Whether a lesson of one of these published versions uses the material."""
    for version in versions:
        published = await uow.versions.get(course_id, version)
        if published is not None and any(
            lesson.material_id == material_id for module in published.modules for lesson in module.lessons
        ):
            return True
    return False


async def _downloadable(
    uow: CoursesUnitOfWork, principal: Principal, material_id: str, *, need_ready: bool
) -> Material:
    """The material, if the caller may have it.

    The course's trainers (owner, co-owners) and admins may have any of its materials, drafts included.
    A learner needs an active enrolment (a withdrawal ends it) and the material must be used by a lesson
    of the published version that enrolment is pinned to: a file only in the draft, or only in a later
    version, is not theirs yet.
    """
    material = await uow.materials.get(material_id)
    if material is None:
        raise NotFound(f"There is no material with id {material_id}.")
    course = await uow.courses.get(material.course_id)
    assert course is not None  # materials are deleted with their course
    if not course.can_edit(principal):
        versions = await uow.enrollments.pinned_versions(course.id, principal.sub)
        if not versions:
            raise Forbidden("Enrol in this course to download its materials.")
        if not await _in_pinned_version(uow, course.id, material.id, versions):
            raise Forbidden("This material is not part of the course version you are enrolled in.")
    if need_ready and material.status is not MaterialStatus.READY:
        raise Conflict(f"This material is {material.status.value}, not READY, so it cannot be downloaded.")
    return material


async def get_material(uow: CoursesUnitOfWork, principal: Principal, material_id: str) -> Material:
    """A material's metadata, for those who may download it."""
    return await _downloadable(uow, principal, material_id, need_ready=False)


async def material_download_url(
    uow: CoursesUnitOfWork, principal: Principal, material_id: str, store: MaterialStore, limits: MaterialLimits
) -> tuple[str, datetime]:
    """A short-lived presigned GET of the confirmed object, for those :func:`_downloadable` lets through.

    Refused when the object at the final key is gone or is not the one confirmed (its ETag changed).
    """
    material = await _downloadable(uow, principal, material_id, need_ready=True)
    await uow.commit()  # the stat below is network I/O: no transaction stays open meanwhile
    stored = await store.stat(material.object_key)
    # Materials confirmed before ETags were recorded (etag NULL) only need their object to exist.
    if stored is None or (material.etag is not None and stored.etag != material.etag):
        log.error("material.object_changed", material_id=material.id, expected=material.etag, found=stored)
        raise Conflict(
            "This material's file is no longer the one its trainer confirmed, so it is not served; "
            "the course's trainers need to upload it again."
        )
    url = store.download_url(material.object_key, limits.download_ttl, filename=material.filename)
    return url, _now() + limits.download_ttl


async def reject_expired_uploads(uow: CoursesUnitOfWork, store: MaterialStore, limits: MaterialLimits) -> int:
    """Mark PENDING materials older than the pending TTL as REJECTED and delete their objects."""
    seconds = int(limits.pending_ttl.total_seconds())
    expired = await uow.materials.expired_pending(_now() - limits.pending_ttl)
    for m in expired:
        # Removing a missing object is not an error in S3; the final key exists only after a crashed confirm.
        await store.remove(quarantine_key(m.id))
        await store.remove(m.object_key)
        await uow.materials.mark(
            m.id,
            MaterialStatus.REJECTED,
            reason=f"The upload was not confirmed within {_human_duration(seconds)}; request a new upload.",
        )
    await uow.commit()
    if expired:
        log.info("material.expired_uploads_rejected", count=len(expired))
    return len(expired)


async def sweep_quarantine(uow: CoursesUnitOfWork, store: MaterialStore) -> int:
    """Delete what was POSTed to a quarantine key after its material was confirmed or rejected.

    A POST policy cannot be revoked: until it expires, bytes sent to it land at ``quarantine/<id>``
    again (never served, at most the declared size). Once the policy has expired nothing can be sent
    any more, so that key is deleted one last time.
    """
    ids = await uow.materials.unswept_quarantines(_now())
    for material_id in ids:
        await store.remove(quarantine_key(material_id))
    await uow.materials.mark_quarantine_swept(ids)
    await uow.commit()
    return len(ids)
