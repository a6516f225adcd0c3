"""The materials bucket (``service_layer.ports.MaterialStore``) on S3.

``ObjectStore`` (shared) signs GET URLs and stats objects; :class:`MaterialInspector` adds what only
the courses service needs: presigned POST policies (signed against the public endpoint browsers reach),
server-side copies, and a single read that hashes the bytes, keeps the first ones for the magic-number
check, and, only when the file is a ZIP (DOCX, PPTX, XLSX), spools it to a temporary file so
``zipfile`` can list its entries from the central directory at the end.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta

from minio import Minio
from minio.commonconfig import CopySource
from minio.datatypes import PostPolicy

from courses.domain.materials import ZIP_MAGIC
from courses.service_layer.ports import Inspection, StoredObject, UploadForm
from lms_shared.settings import Settings
from lms_shared.storage import ObjectStore

HEAD_BYTES = 512
_CHUNK = 256 * 1024
# ZIP containers below this size are inspected in memory; larger ones spill to a temporary file.
_SPOOL_IN_MEMORY = 16 * 1024 * 1024
# However it is configured, a POST policy lives at most this long.
MAX_POLICY = timedelta(minutes=15)


class MaterialInspector:
    """Streams objects from the internal S3 endpoint (never through the gateway)."""

    def __init__(self, settings: Settings) -> None:
        kwargs = {
            "access_key": settings.s3_access_key,
            "secret_key": settings.s3_secret_key,
            "secure": settings.s3_secure,
            "region": settings.s3_region,
        }
        self._client = Minio(settings.s3_endpoint, **kwargs)  # type: ignore[arg-type]
        public = settings.s3_public_endpoint or settings.s3_endpoint
        # Signing is pure computation when the region is configured; the browser POSTs to the public endpoint.
        self._signer = Minio(public, **kwargs) if public != settings.s3_endpoint else self._client  # type: ignore[arg-type]
        self._public_base = f"{'https' if settings.s3_secure else 'http'}://{public}"

    def post_policy(self, bucket: str, key: str, ttl: timedelta, *, content_type: str, size: int) -> UploadForm:
        """A POST policy for exactly this key, this Content-Type and ``size`` bytes."""
        policy = PostPolicy(bucket, datetime.now(UTC) + min(ttl, MAX_POLICY))
        policy.add_equals_condition("key", key)
        policy.add_equals_condition("Content-Type", content_type)
        policy.add_content_length_range_condition(size, size)
        signed = self._signer.presigned_post_policy(policy)
        # The form's own fields first: S3 reads the fields before the file, which must come last.
        return UploadForm(
            url=f"{self._public_base}/{bucket}", fields={"key": key, "Content-Type": content_type, **signed}
        )

    async def copy(self, bucket: str, source: str, target: str) -> None:
        await asyncio.to_thread(
            lambda: self._client.copy_object(
                bucket_name=bucket, object_name=target, source=CopySource(bucket_name=bucket, object_name=source)
            )
        )

    async def inspect(self, bucket: str, key: str, *, max_bytes: int) -> Inspection:
        """Hash and sniff the object; stops reading after ``max_bytes + 1`` (the size is then wrong anyway)."""
        return await asyncio.to_thread(self._inspect, bucket, key, max_bytes)

    def _inspect(self, bucket: str, key: str, max_bytes: int) -> Inspection:
        resp = self._client.get_object(bucket_name=bucket, object_name=key)
        digest, head, total = hashlib.sha256(), b"", 0
        spool: tempfile.SpooledTemporaryFile[bytes] | None = None
        try:
            for chunk in resp.stream(_CHUNK):
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                    if spool is None and len(head) >= len(ZIP_MAGIC) and head.startswith(ZIP_MAGIC):
                        spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115 - closed below
                digest.update(chunk)
                total += len(chunk)
                if spool is not None:
                    spool.write(chunk)
                if total > max_bytes:
                    break
            names: list[str] | None = None
            if spool is not None:
                spool.seek(0)
                try:
                    with zipfile.ZipFile(spool) as archive:
                        names = archive.namelist()
                except zipfile.BadZipFile:
                    names = []
            return Inspection(sha256=digest.hexdigest(), head=head, size=total, zip_names=names)
        finally:
            if spool is not None:
                spool.close()
            resp.close()
            resp.release_conn()


class S3MaterialStore:
    """One bucket of the object store, signed for browsers, read back through the inspector."""

    def __init__(self, store: ObjectStore, inspector: MaterialInspector, bucket: str) -> None:
        self._store = store
        self._inspector = inspector
        self.bucket = bucket

    def upload_form(self, key: str, ttl: timedelta, *, content_type: str, size: int) -> UploadForm:
        return self._inspector.post_policy(self.bucket, key, ttl, content_type=content_type, size=size)

    def download_url(self, key: str, ttl: timedelta, filename: str) -> str:
        return self._store.presigned_get(self.bucket, key, ttl, filename=filename)

    async def stat(self, key: str) -> StoredObject | None:
        info = await self._store.stat(self.bucket, key)
        return None if info is None else StoredObject(size=info.size, content_type=info.content_type, etag=info.etag)

    async def copy(self, source: str, target: str) -> None:
        await self._inspector.copy(self.bucket, source, target)

    async def inspect(self, key: str, *, max_bytes: int) -> Inspection:
        return await self._inspector.inspect(self.bucket, key, max_bytes=max_bytes)

    async def remove(self, key: str) -> None:
        await self._store.remove(self.bucket, key)
