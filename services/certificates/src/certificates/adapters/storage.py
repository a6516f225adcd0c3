"""Certificate PDFs in the object store, written from worker threads.

``lms_shared.storage.ObjectStore`` is async and hops to a thread for each call; the issuing code is
already on a thread when it uploads (render, sign and upload run together per certificate), so it
uses the blocking client directly and saves a thread hop per certificate.
"""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from urllib.parse import quote

import urllib3
from minio import Minio

from lms_shared.settings import Settings


class S3PdfStore:
    """PDFs under ``certificates/{id}.pdf`` in the certificates bucket."""

    def __init__(self, settings: Settings, pool_size: int = 16) -> None:
        kwargs = {
            "access_key": settings.s3_access_key,
            "secret_key": settings.s3_secret_key,
            "secure": settings.s3_secure,
            "region": settings.s3_region,
        }
        # One pooled connection per uploading thread, kept alive between certificates.
        http = urllib3.PoolManager(
            maxsize=pool_size, retries=urllib3.Retry(total=3, backoff_factor=0.2), timeout=urllib3.Timeout(30)
        )
        self._client = Minio(settings.s3_endpoint, http_client=http, **kwargs)  # type: ignore[arg-type]
        public = settings.s3_public_endpoint or settings.s3_endpoint
        self._signer = self._client if public == settings.s3_endpoint else Minio(public, **kwargs)  # type: ignore[arg-type]
        self.bucket = settings.s3_certificates_bucket
        self._expires = timedelta(seconds=settings.s3_presign_seconds)

    @property
    def client(self) -> Minio:
        """The blocking client (print batches stream their uploads through it)."""
        return self._client

    @property
    def signer(self) -> Minio:
        """The client that presigns for the public endpoint."""
        return self._signer

    def ensure_bucket(self) -> None:
        if not self._client.bucket_exists(bucket_name=self.bucket):
            self._client.make_bucket(bucket_name=self.bucket)

    def check_bucket(self) -> None:
        """Raise unless the bucket is reachable (readiness probe)."""
        if not self._client.bucket_exists(bucket_name=self.bucket):
            raise ConnectionError(f"bucket {self.bucket} does not exist")

    def put_pdf(self, key: str, data: bytes) -> None:
        self.put_object(key, data, "application/pdf")

    def put_object(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(
            bucket_name=self.bucket,
            object_name=key,
            data=io.BytesIO(data),
            length=len(data),
            content_type=content_type,
        )

    def get_object(self, key: str) -> bytes:
        resp = self._client.get_object(bucket_name=self.bucket, object_name=key)
        try:
            return resp.read()
        finally:
            resp.close()
            resp.release_conn()

    def remove_pdf(self, key: str) -> None:
        self._client.remove_object(bucket_name=self.bucket, object_name=key)

    def presigned_pdf_url(self, key: str, filename: str) -> str:
        headers = {"response-content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}
        return self._signer.presigned_get_object(
            bucket_name=self.bucket,
            object_name=key,
            expires=self._expires,
            response_headers=headers,  # type: ignore[arg-type]
        )


class S3ImageStore:
    """Template images next to the PDFs; async, because templates are saved and loaded on the event loop."""

    def __init__(self, store: S3PdfStore) -> None:
        self._store = store

    async def save_image(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._store.put_object, key, data, "application/octet-stream")

    async def load_image(self, key: str) -> bytes:
        return await asyncio.to_thread(self._store.get_object, key)
