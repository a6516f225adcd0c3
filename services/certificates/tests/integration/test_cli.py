"""The admin's terminal command, end to end through the gateway's public GraphQL API."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from lms_shared.events.catalogue import CoursePublishedV1

pytestmark = pytest.mark.integration


async def test_bulk_issue_from_a_csv_file_follows_the_job_to_the_end(
    stack_env: dict[str, str],
    token_for: Callable[..., str],
    db: asyncpg.Pool,
    tmp_path: Path,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    rows = ["name,email,learnerId,org,municipality"]
    rows += [f"Участник {i},cli{i}@example.kz,,KZ,Almaty" for i in range(60)]
    rows += ["Duplicate,CLI3@example.kz,,KZ,Almaty"]
    csv_file = tmp_path / "workshop.csv"
    csv_file.write_bytes("\ufeff".encode() + "\n".join(rows).encode() + b"\n")
    token = token_for("admin-cli", "CLI Admin", ["admin"])

    result = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "certificates.cli",
            "bulk-issue",
            "--course",
            course.course_id,
            "--csv",
            str(csv_file),
            "--gateway-url",
            stack_env["LMS_PUBLIC_URL"],
            "--token",
            token,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "COMPLETED: issued 60, skipped 1, failed 0 of 61" in result.stdout
    assert "duplicate of row 4" in result.stdout
    assert "100%" in result.stderr
    assert await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id) == 60


async def test_bad_csv_is_refused_before_anything_is_stored(
    tmp_path: Path,
    stack_env: dict[str, str],
    token_for: Callable[..., str],
    db: asyncpg.Pool,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    # The rules live on the server now: the command previews the file with a dry run (a real course
    # and an admin's token), shows the refused rows by line, and starts nothing.
    course = await published_course(auto_issue=False)
    token = token_for("admin-cli", "CLI Admin", ["admin"])
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("name,email\nOk,ok@example.org\n,missing@example.org\nBad,nope\n", encoding="utf-8")
    result = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "certificates.cli",
            "bulk-issue",
            "--course",
            course.course_id,
            "--csv",
            str(csv_file),
            "--gateway-url",
            stack_env["LMS_PUBLIC_URL"],
            "--token",
            token,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "line 3: name is empty" in result.stderr and "line 4: email 'nope'" in result.stderr
    assert await db.fetchval("SELECT count(*) FROM bulk_job WHERE course_id = $1", course.course_id) == 0
    assert await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id) == 0
