"""The materials bucket (``service_layer.ports.MaterialStore``) on S3.

``ObjectStore`` (shared) signs URLs and stats objects; :class:`MaterialInspector` adds the one read
the courses service needs: a single pass that hashes the bytes, keeps the first ones for the magic-number check,
and, only when the file is a ZIP (DOCX, PPTX, XLSX), spools it to a temporary file so ``zipfile`` can
list its entries from the central directory at the end.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import zipfile
from datetime import timedelta

from minio import Minio

from courses.domain.materials import ZIP_MAGIC
from courses.service_layer.ports import Inspection
from lms_shared.settings import Settings
from lms_shared.storage import ObjectStore

HEAD_BYTES = 512
_CHUNK = 256 * 1024
# ZIP containers below this size are inspected in memory; larger ones spill to a temporary file.
_SPOOL_IN_MEMORY = 16 * 1024 * 1024


class MaterialInspector:
    """Streams objects from the internal S3 endpoint (never through the gateway)."""

    def __init__(self, settings: Settings) -> None:
        self._client = Minio(
            settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=settings.s3_secure,
            region=settings.s3_region,
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

    def upload_url(self, key: str, ttl: timedelta) -> str:
        return self._store.presigned_put(self.bucket, key, ttl)

    def download_url(self, key: str, ttl: timedelta, filename: str) -> str:
        return self._store.presigned_get(self.bucket, key, ttl, filename=filename)

    async def size_of(self, key: str) -> int | None:
        info = await self._store.stat(self.bucket, key)
        return None if info is None else info.size

    async def inspect(self, key: str, *, max_bytes: int) -> Inspection:
        return await self._inspector.inspect(self.bucket, key, max_bytes=max_bytes)

    async def remove(self, key: str) -> None:
        await self._store.remove(self.bucket, key)
