"""Copy Kentbilim's buckets to a folder and back: the object-storage half of backup.sh / restore.sh.

    python deploy/scripts/s3_mirror.py backup  --dest BACKUP/s3
    python deploy/scripts/s3_mirror.py restore --src  BACKUP/s3
    python deploy/scripts/s3_mirror.py verify  --src  BACKUP/s3     (checksums only, no S3 access)

Configuration is the services' own ``LMS_S3_*`` variables. Each bucket is saved under its role
(``materials``, ``certificates``) rather than its name, so a backup restores into whatever buckets
the target installation is configured with. Objects are stored by the SHA-256 of their content
(identical files are kept once, and a later backup into the same folder downloads only what changed);
``manifest.json`` maps every key to its content, size and content type. Restore checks every file
against its checksum before uploading anything, and refuses a damaged backup.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from minio import Minio
from minio.error import S3Error

from lms_shared.settings import Settings

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One object of a bucket as recorded in the manifest."""

    key: str
    sha256: str
    size: int
    content_type: str


class BackupError(RuntimeError):
    """The backup folder cannot be restored as it is; the message says what is wrong."""


def bucket_roles(settings: Settings) -> dict[str, str]:
    """Role -> the bucket this installation uses for it."""
    return {"materials": settings.s3_materials_bucket, "certificates": settings.s3_certificates_bucket}


def client(settings: Settings) -> Minio:
    return Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=settings.s3_secure,
        region=settings.s3_region,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _objects(s3: Minio, bucket: str) -> Iterator[tuple[str, str]]:
    for obj in s3.list_objects(bucket_name=bucket, recursive=True):
        if obj.object_name is not None and not obj.is_dir:
            yield obj.object_name, obj.content_type or ""


def backup_bucket(s3: Minio, bucket: str, dest: Path) -> list[Entry]:
    """Download every object of ``bucket`` into ``dest`` (content-addressed) and write its manifest."""
    blobs = dest / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []
    if not s3.bucket_exists(bucket_name=bucket):
        raise BackupError(f"bucket {bucket!r} does not exist: check LMS_S3_ENDPOINT and LMS_S3_*_BUCKET")
    for key, _ in _objects(s3, bucket):
        with tempfile.NamedTemporaryFile(dir=blobs, delete=False) as tmp:
            partial = Path(tmp.name)
        try:
            response = s3.get_object(bucket_name=bucket, object_name=key)
            try:
                digest = hashlib.sha256()
                size = 0
                with partial.open("wb") as fh:
                    for block in response.stream(CHUNK):
                        digest.update(block)
                        size += len(block)
                        fh.write(block)
                content_type = response.headers.get("Content-Type", "application/octet-stream")
            finally:
                response.close()
                response.release_conn()
            sha = digest.hexdigest()
            target = blobs / sha
            if target.exists():
                partial.unlink()
            else:
                partial.replace(target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        entries.append(Entry(key=key, sha256=sha, size=size, content_type=content_type))
    manifest = {"format": FORMAT_VERSION, "bucket": bucket, "objects": [asdict(e) for e in entries]}
    (dest / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return entries


def read_manifest(folder: Path) -> list[Entry]:
    """The manifest of one saved bucket, with every blob checked against its checksum."""
    path = folder / MANIFEST
    if not path.is_file():
        # Also the message for a missing role folder: the backup lacks that bucket entirely.
        raise BackupError(f"{path} is missing: this folder is not a bucket backup made by s3_mirror.py")
    try:
        manifest = json.loads(path.read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"{path}: unknown backup format {manifest.get('format')!r}")
        entries = [Entry(**raw) for raw in manifest["objects"]]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise BackupError(f"{path} is damaged ({exc}); use another backup") from exc
    for entry in entries:
        blob = folder / "blobs" / entry.sha256
        if not blob.is_file():
            raise BackupError(f"{blob} is missing (object {entry.key!r}); the backup is incomplete")
        if blob.stat().st_size != entry.size or _sha256(blob) != entry.sha256:
            raise BackupError(f"{blob} does not match its checksum (object {entry.key!r}); the backup is damaged")
    return entries


def restore_bucket(s3: Minio, bucket: str, folder: Path) -> int:
    """Upload every saved object into ``bucket`` (created if missing); returns how many were written."""
    entries = read_manifest(folder)  # check everything before writing anything
    if not s3.bucket_exists(bucket_name=bucket):
        try:
            s3.make_bucket(bucket_name=bucket)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
    for entry in entries:
        s3.fput_object(
            bucket_name=bucket,
            object_name=entry.key,
            file_path=str(folder / "blobs" / entry.sha256),
            content_type=entry.content_type or "application/octet-stream",
        )
    return len(entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Back up or restore Kentbilim's buckets (LMS_S3_* settings).")
    sub = parser.add_subparsers(dest="command", required=True)
    backup = sub.add_parser("backup", help="copy every bucket into a folder")
    backup.add_argument("--dest", type=Path, required=True)
    restore = sub.add_parser("restore", help="upload a folder made by 'backup' into the configured buckets")
    restore.add_argument("--src", type=Path, required=True)
    verify = sub.add_parser("verify", help="check a folder made by 'backup' against its checksums (no S3 access)")
    verify.add_argument("--src", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "verify":
        try:
            for role in ("materials", "certificates"):
                count = len(read_manifest(args.src / role))
                print(f"s3: {role}: {count} objects verified")
        except BackupError as exc:
            print(f"s3_mirror: {exc}", file=sys.stderr)
            return 2
        return 0

    settings = Settings()
    s3 = client(settings)
    try:
        for role, bucket in bucket_roles(settings).items():
            if args.command == "backup":
                count = len(backup_bucket(s3, bucket, args.dest / role))
                print(f"s3: {bucket} ({role}): {count} objects saved")
            else:
                folder = args.src / role
                if not folder.exists():
                    raise BackupError(f"{folder} is missing: the backup has no {role} bucket")
                count = restore_bucket(s3, bucket, folder)
                print(f"s3: {bucket} ({role}): {count} objects restored")
    except BackupError as exc:
        print(f"s3_mirror: {exc}", file=sys.stderr)
        return 2
    except S3Error as exc:
        print(f"s3_mirror: the object store refused: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
