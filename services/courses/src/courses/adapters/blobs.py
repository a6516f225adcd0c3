"""Reading an uploaded material once, as a stream, to learn what it really is.

``ObjectStore`` (shared) signs URLs and stats objects; this adapter adds the one read the courses
service needs: a single pass that hashes the bytes, keeps the first ones for the magic-number check,
and, only when the file is a ZIP (DOCX, PPTX, XLSX), spools it to a temporary file so ``zipfile`` can
list its entries from the central directory at the end.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import zipfile
from dataclasses import dataclass

from minio import Minio

from courses.domain.materials import ZIP_MAGIC
from lms_shared.settings import Settings

HEAD_BYTES = 512
_CHUNK = 256 * 1024
# ZIP containers below this size are inspected in memory; larger ones spill to a temporary file.
_SPOOL_IN_MEMORY = 16 * 1024 * 1024


@dataclass(frozen=True)
class Inspection:
    sha256: str
    head: bytes
    size: int
    zip_names: list[str] | None


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
