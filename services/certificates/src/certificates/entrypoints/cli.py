"""``python -m certificates.cli bulk-issue``: start a bulk issue from a CSV file and follow it.

For admins who prefer a terminal. It speaks to the gateway's public GraphQL API (the same contract
as the web client) and sends the file as it is: the server owns every rule (columns, delimiters,
names, e-mail addresses, country codes, duplicates), so the terminal, the web client and the API
never disagree about a row.

1. ``startBulkIssue(dryRun: true)`` previews the job: the server reads the CSV and answers what it
   would issue, skip or refuse, and why. Refused rows are printed with their line in the file, and
   nothing is started unless ``--allow-refused`` says to go ahead without them.
2. ``startBulkIssue`` starts the job, then ``bulkIssueJob`` twice a second draws a progress bar
   until it ends, and the rows that were refused, skipped or failed are printed with the reason.

The CSV needs a header row; see docs/rest-api.md for the column names the server understands
(``name`` is required; ``email``, ``learnerId``, ``org``, ``municipality`` and their aliases).
UTF-8, with or without a byte-order mark (Excel writes one); ``,`` ``;`` or tab between cells.
``--dry-run`` only previews.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import httpx

from certificates.domain.recipient_csv import CsvError, read_recipients_csv

FINISHED = ("COMPLETED", "FAILED", "CANCELLED")
POLL_SECONDS = 0.5
SHOWN_PROBLEMS = 200

PREVIEW = """mutation($input: BulkIssueInput!, $first: Int) {
  startBulkIssue(input: $input, dryRun: true) {
    dryRun total issued skipped refused failed
    rows(outcome: REFUSED, first: $first) { totalCount nodes { row name reasonCode reason } }
  }
}"""
START = """mutation($input: BulkIssueInput!) {
  startBulkIssue(input: $input) { id status total issued skipped refused failed }
}"""
JOB = """query($id: ID!) {
  bulkIssueJob(id: $id) {
    id status total issued skipped refused failed finishedAt failures { recipient reason }
  }
}"""


def read_text(data: bytes) -> tuple[str | None, str | None]:
    """The file as text, or why it cannot be sent (the API takes UTF-8 text)."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, f"line {line}: the file is not UTF-8 text (save it as 'CSV UTF-8')"


def line_numbers(text: str) -> dict[int, int]:
    """Data row -> line of the file, as the server numbers rows (the same reader), to point at lines."""
    try:
        return {r.row: r.line for r in read_recipients_csv(text).rows}
    except CsvError:
        return {}


def describe_refused(rows: Sequence[Mapping[str, Any]], lines: Mapping[int, int]) -> list[str]:
    """``line 7: email 'x' is not an e-mail address`` for each refused row of a preview."""
    out = []
    for r in rows:
        row = r.get("row")
        where = f"line {lines[row]}" if isinstance(row, int) and row in lines else f"row {row}"
        out.append(f"{where}: {r.get('reason') or r.get('reasonCode')}")
    return out


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
    done = int(job["issued"]) + int(job["skipped"]) + int(job.get("refused") or 0) + int(job["failed"])
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
    text, problem = read_text(data)
    if text is None:
        err.write(f"{path}: {problem}; nothing was sent\n")
        return 2
    if not args.token:
        err.write("give an admin token with --token or LMS_TOKEN\n")
        return 2
    given = {"courseId": args.course, "csv": text}
    client = GatewayClient(args.gateway_url, args.token)
    try:
        preview = client.query(PREVIEW, input=given, first=SHOWN_PROBLEMS)["startBulkIssue"]
        refused = preview["rows"]
        err.write(
            f"{path}: {preview['total']} rows: {preview['issued']} to issue, {preview['skipped']} to skip, "
            f"{preview['refused']} refused\n"
        )
        if refused["totalCount"]:
            err.write(f"{path}: {refused['totalCount']} row(s) refused:\n")
            for line in describe_refused(refused["nodes"], line_numbers(text)):
                err.write(f"  {line}\n")
            if refused["totalCount"] > len(refused["nodes"]):
                err.write(f"  … and {refused['totalCount'] - len(refused['nodes'])} more\n")
        if getattr(args, "dry_run", False):
            return 0
        if refused["totalCount"] and not getattr(args, "allow_refused", False):
            err.write("nothing was stored; fix the rows, or pass --allow-refused to issue to the others\n")
            return 2
        job = client.query(START, input=given)["startBulkIssue"]
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
    except GraphQLError as exc:
        err.write(f"\nthe gateway refused: {exc}\n")
        return 2 if "BAD_USER_INPUT" in str(exc) else 1
    except httpx.HTTPError as exc:
        err.write(f"\nthe gateway failed: {exc}\n")
        return 1
    finally:
        client.close()
    print_failures(job.get("failures") or [], out)
    out.write(
        f"\n{job['status']}: issued {job['issued']}, skipped {job['skipped']}, failed {job['failed']} "
        f"of {job['total']} (refused {job.get('refused') or 0})\n"
    )
    return 0 if job["status"] == "COMPLETED" else 1


async def _backfill_data_integrity(batch_size: int, out: TextIO) -> int:
    # Imported here: the other commands only speak HTTP and need none of the service's servers.
    from certificates import bootstrap
    from certificates.service_layer.data_integrity import backfill_batch

    container = await bootstrap.build(threads=1)
    total = 0
    try:
        while True:
            async with container.uow() as uow:
                result = await backfill_batch(uow, container.ports, batch_size)
            total += result.proved
            print(f"proved {total} certificate(s) so far", file=out, flush=True)
            if not result.remaining:
                break
    finally:
        await container.stop()
    print(f"done: {total} certificate(s) now carry a stored Data Integrity proof", file=out)
    return 0


def backfill_data_integrity(args: argparse.Namespace) -> int:
    """Store the eddsa-rdfc-2022 credential of every certificate issued before migration 0008."""
    if args.batch_size < 1:
        print("--batch-size must be at least 1", file=sys.stderr)
        return 2
    return asyncio.run(_backfill_data_integrity(args.batch_size, sys.stdout))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m certificates.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    bulk = sub.add_parser("bulk-issue", help="issue certificates to the people in a CSV file")
    bulk.add_argument("--course", required=True, help="the course id")
    bulk.add_argument("--csv", required=True, help="CSV with a header: name, email, learnerId, org, municipality")
    bulk.add_argument("--dry-run", action="store_true", help="only preview: what would be issued, skipped, refused")
    bulk.add_argument(
        "--allow-refused", action="store_true", help="start the job even if some rows are refused (they are listed)"
    )
    bulk.add_argument(
        "--gateway-url",
        default=os.environ.get("LMS_PUBLIC_URL", "http://127.0.0.1:8000"),
        help="the gateway (default: $LMS_PUBLIC_URL)",
    )
    bulk.add_argument("--token", default=os.environ.get("LMS_TOKEN", ""), help="admin bearer token ($LMS_TOKEN)")
    bulk.set_defaults(func=bulk_issue)
    backfill = sub.add_parser(
        "backfill-data-integrity",
        help="store the Data Integrity credential of certificates issued before it existed (where the service runs)",
    )
    backfill.add_argument("--batch-size", type=int, default=200, help="certificates per transaction (default 200)")
    backfill.set_defaults(func=backfill_data_integrity)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
