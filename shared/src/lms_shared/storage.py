"""S3-compatible object storage through the ``minio`` SDK (MinIO, SeaweedFS, AWS S3 alike).

Bytes go browser <-> object store through short-lived presigned URLs; services only sign, check and
(for certificates) write. The SDK is synchronous, so calls run in a worker thread. Presigning is pure
computation when the region is configured, and is done against the *public* endpoint the browser
can reach (``LMS_S3_PUBLIC_ENDPOINT``, defaulting to the internal one).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from dataclasses import dataclass
from datetime import timedelta

from minio import Minio
from minio.error import S3Error

from lms_shared.settings import Settings


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str | None
    etag: str | None


class ObjectStore:
    """A thin async facade over one S3 endpoint."""

    def __init__(self, settings: Settings, public_endpoint: str | None = None) -> None:
        kwargs = {
            "access_key": settings.s3_access_key,
            "secret_key": settings.s3_secret_key,
            "secure": settings.s3_secure,
            "region": settings.s3_region,
        }
        self._client = Minio(settings.s3_endpoint, **kwargs)  # type: ignore[arg-type]
        public = public_endpoint or settings.s3_endpoint
        self._signer = Minio(public, **kwargs) if public != settings.s3_endpoint else self._client  # type: ignore[arg-type]
        self.max_presign = timedelta(seconds=settings.s3_presign_seconds)

    async def ensure_bucket(self, bucket: str) -> None:
        def make() -> None:
            if not self._client.bucket_exists(bucket_name=bucket):
                try:
                    self._client.make_bucket(bucket_name=bucket)
                except S3Error as exc:  # another process made it first
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise

        await asyncio.to_thread(make)

    async def bucket_exists(self, bucket: str) -> bool:
        return await asyncio.to_thread(lambda: self._client.bucket_exists(bucket_name=bucket))

    async def put_bytes(self, bucket: str, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            lambda: self._client.put_object(
                bucket_name=bucket,
                object_name=key,
                data=io.BytesIO(data),
                length=len(data),
                content_type=content_type,
            )
        )

    async def get_bytes(self, bucket: str, key: str) -> bytes:
        def get() -> bytes:
            resp = self._client.get_object(bucket_name=bucket, object_name=key)
            try:
                return resp.read()
            finally:
                resp.close()
                resp.release_conn()

        return await asyncio.to_thread(get)

    async def stat(self, bucket: str, key: str) -> ObjectInfo | None:
        def stat() -> ObjectInfo | None:
            try:
                st = self._client.stat_object(bucket_name=bucket, object_name=key)
            except S3Error as exc:
                if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"):
                    return None
                raise
            return ObjectInfo(size=int(st.size or 0), content_type=st.content_type, etag=st.etag)

        return await asyncio.to_thread(stat)

    async def sha256_and_head(self, bucket: str, key: str, head_bytes: int = 512) -> tuple[str, bytes, int]:
        """Stream the object once: its SHA-256, its first bytes (for type sniffing) and its length."""

        def digest() -> tuple[str, bytes, int]:
            resp = self._client.get_object(bucket_name=bucket, object_name=key)
            h, head, total = hashlib.sha256(), b"", 0
            try:
                for chunk in resp.stream(256 * 1024):
                    if len(head) < head_bytes:
                        head += chunk[: head_bytes - len(head)]
                    h.update(chunk)
                    total += len(chunk)
            finally:
                resp.close()
                resp.release_conn()
            return h.hexdigest(), head, total

        return await asyncio.to_thread(digest)

    async def remove(self, bucket: str, key: str) -> None:
        await asyncio.to_thread(lambda: self._client.remove_object(bucket_name=bucket, object_name=key))

    def presigned_get(
        self, bucket: str, key: str, expires: timedelta | None = None, filename: str | None = None
    ) -> str:
        params = None
        if filename:
            from urllib.parse import quote

            params = {"response-content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}
        return self._signer.presigned_get_object(
            bucket_name=bucket,
            object_name=key,
            expires=min(expires or self.max_presign, self.max_presign),
            response_headers=params,  # type: ignore[arg-type]
        )

    def presigned_put(self, bucket: str, key: str, expires: timedelta) -> str:
        return self._signer.presigned_put_object(
            bucket_name=bucket, object_name=key, expires=min(expires, timedelta(minutes=15))
        )
