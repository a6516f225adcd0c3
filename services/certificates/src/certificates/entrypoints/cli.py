"""``python -m certificates.cli bulk-issue``: start a bulk issue from a CSV file and follow it.

For admins who prefer a terminal. It speaks to the gateway's public GraphQL API (the same contract
as the web client: ``startBulkIssue``, then ``bulkIssueJob`` twice a second), draws a progress bar
until the job ends, and prints the recipients that were skipped or failed, with the reason.

The CSV needs a header row; columns (any order, extra columns are refused so a typo in a header
does not silently drop data): ``name`` (required), ``email``, ``learnerId``, ``org``,
``municipality``. UTF-8, with or without a byte-order mark (Excel writes one). Every row is checked
before anything is sent, and problems are reported with their line numbers.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx

from certificates.domain.recipients import RecipientError, parse_recipient
from lms_shared.i18n import ascii_lower

COLUMNS = {"name": "name", "email": "email", "learnerid": "learnerId", "org": "org", "municipality": "municipality"}
FINISHED = ("COMPLETED", "FAILED", "CANCELLED")
POLL_SECONDS = 0.5

START = """mutation($input: BulkIssueInput!) {
  startBulkIssue(input: $input) { id status total issued skipped failed }
}"""
JOB = """query($id: ID!) {
  bulkIssueJob(id: $id) { id status total issued skipped failed finishedAt failures { recipient reason } }
}"""


@dataclass
class CsvResult:
    """Recipients ready to send, and problems found (``line N: …``)."""

    recipients: list[dict[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_recipients_csv(data: bytes) -> CsvResult:
    """Parse and check a recipients CSV; never raises on bad input, reports it in ``errors``."""
    result = CsvResult()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.errors.append(f"line {line}: the file is not UTF-8 text (save it as 'CSV UTF-8')")
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        result.errors.append("the file is empty; it needs a header row with at least 'name'")
        return result
    except csv.Error as exc:
        result.errors.append(f"line 1: {exc}")
        return result
    columns: list[str] = []
    for raw in header:
        key = COLUMNS.get(ascii_lower(raw.strip()))
        if key is None:
            result.errors.append(
                f"line 1: unknown column {raw.strip()!r}; use name, email, learnerId, org, municipality"
            )
        columns.append(key or "")
    if "name" not in columns:
        result.errors.append("line 1: the header has no 'name' column")
    if result.errors:
        return result
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines are harmless
            if len(row) > len(columns):
                result.errors.append(f"line {line}: {len(row)} values for {len(columns)} columns")
                continue
            record = {columns[i]: cell for i, cell in enumerate(row)}
            try:
                parse_recipient(record, f"line {line}")
            except RecipientError as exc:
                result.errors.append(str(exc))
                continue
            result.recipients.append({k: v.strip() for k, v in record.items() if v.strip()})
    except csv.Error as exc:
        result.errors.append(f"line {reader.line_num}: {exc}")
    return result


class GraphQLError(RuntimeError):
    pass


class GatewayClient:
    """The two GraphQL operations the command needs, over one pooled HTTP connection."""

    def __init__(self, url: str, token: str, timeout: float = 60.0) -> None:
        self._http = httpx.Client(
            base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def query(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self._http.post("/graphql", json={"query": query, "variables": variables})
        try:
            body = response.json()
        except ValueError as exc:
            raise GraphQLError(f"the gateway answered HTTP {response.status_code} without JSON") from exc
        if body.get("errors"):
            messages = "; ".join(
                f"{e.get('extensions', {}).get('code', 'ERROR')}: {e.get('message')}" for e in body["errors"]
            )
            raise GraphQLError(messages)
        data: dict[str, Any] = body["data"]
        return data

    def close(self) -> None:
        self._http.close()


def render_bar(job: dict[str, Any], width: int) -> str:
    """``[#######-----]  62%  issued 6200  skipped 3  failed 1  of 10000  RUNNING``."""
    total = max(int(job["total"]), 1)
    done = int(job["issued"]) + int(job["skipped"]) + int(job["failed"])
    label = (
        f" {100 * done // total:3d}%  issued {job['issued']}  skipped {job['skipped']}  "
        f"failed {job['failed']}  of {job['total']}  {job['status']}"
    )
    cells = max(10, width - len(label) - 2)
    filled = cells * done // total
    return "[" + "#" * filled + "-" * (cells - filled) + "]" + label


def print_failures(failures: Sequence[dict[str, str]], out: TextIO) -> None:
    if not failures:
        return
    width = min(60, max(len(f["recipient"]) for f in failures))
    out.write(f"\n{'recipient':<{width}}  reason\n{'-' * width}  {'-' * 40}\n")
    for f in failures:
        out.write(f"{f['recipient'][:width]:<{width}}  {f['reason']}\n")


def bulk_issue(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run the command; returns the exit status (0 completed, 1 job failed/cancelled, 2 bad input)."""
    path = Path(args.csv)
    try:
        data = path.read_bytes()
    except OSError as exc:
        err.write(f"cannot read {path}: {exc.strerror}\n")
        return 2
    parsed = read_recipients_csv(data)
    if parsed.errors:
        err.write(f"{path}: {len(parsed.errors)} problem(s); nothing was sent:\n")
        for e in parsed.errors[:200]:
            err.write(f"  {e}\n")
        return 2
    if not parsed.recipients:
        err.write(f"{path}: no recipients found below the header\n")
        return 2
    if not args.token:
        err.write("give an admin token with --token or LMS_TOKEN\n")
        return 2
    client = GatewayClient(args.gateway_url, args.token)
    try:
        job = client.query(START, input={"courseId": args.course, "recipients": parsed.recipients})["startBulkIssue"]
        err.write(f"job {job['id']}: {job['total']} recipients\n")
        width = shutil.get_terminal_size((100, 20)).columns - 1
        while True:
            err.write("\r" + render_bar(job, width))
            err.flush()
            if job["status"] in FINISHED:
                break
            time.sleep(POLL_SECONDS)
            job = client.query(JOB, id=job["id"])["bulkIssueJob"]
        err.write("\n")
        if "failures" not in job:
            job = client.query(JOB, id=job["id"])["bulkIssueJob"]
    except (GraphQLError, httpx.HTTPError) as exc:
        err.write(f"\nthe gateway refused or failed: {exc}\n")
        return 1
    finally:
        client.close()
    print_failures(job.get("failures") or [], out)
    out.write(
        f"\n{job['status']}: issued {job['issued']}, skipped {job['skipped']}, failed {job['failed']} "
        f"of {job['total']}\n"
    )
    return 0 if job["status"] == "COMPLETED" else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m certificates.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    bulk = sub.add_parser("bulk-issue", help="issue certificates to the people in a CSV file")
    bulk.add_argument("--course", required=True, help="the course id")
    bulk.add_argument("--csv", required=True, help="CSV with a header: name, email, learnerId, org, municipality")
    bulk.add_argument(
        "--gateway-url",
        default=os.environ.get("LMS_PUBLIC_URL", "http://127.0.0.1:8000"),
        help="the gateway (default: $LMS_PUBLIC_URL)",
    )
    bulk.add_argument("--token", default=os.environ.get("LMS_TOKEN", ""), help="admin bearer token ($LMS_TOKEN)")
    bulk.set_defaults(func=bulk_issue)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
