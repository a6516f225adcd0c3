"""``make bench``: every benchmark in turn, each printing its own table (median of several runs).

Benchmarks are not tests: they measure, and print figures with the machine they ran on. Each starts
its own stack in a temporary folder, so nothing else should be loading the machine meanwhile.
Pass benchmark names to run a subset: ``python bench/run_all.py progress gateway``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "certificate_render": ["bench_certificate_render.py"],
    "certificates": ["bench_certificates.py"],
    "progress": ["bench_progress.py"],
    "gateway": ["bench_gateway.py"],
    "courses": ["bench_courses.py"],
    "reports": ["bench_reports.py"],
    "checkin": ["bench_checkin.py"],
    "notifications": ["bench_notifications.py"],
}


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    unknown = [c for c in chosen if c not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = []
    for name in chosen:
        script, *args = BENCHMARKS[name]
        print(f"\n=== {name} ({script}) ===", flush=True)
        start = time.monotonic()
        code = subprocess.call([sys.executable, str(HERE / script), *args])
        print(f"=== {name}: exit {code} after {time.monotonic() - start:.0f} s ===", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
