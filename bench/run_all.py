"""``make bench``: every benchmark in turn, each printing its own table (median of several runs).

Benchmarks are not tests: they measure, and print figures with the machine they ran on. Each starts
its own stack in a temporary folder, so nothing else should be loading the machine meanwhile.
Pass benchmark names to run a subset: ``python bench/run_all.py progress gateway``.

Every reference a benchmark names must be there, whichever way the benchmarks are started: before
running, each chosen benchmark's references are checked in a fresh interpreter (WeasyPrint renders a
page, so a missing system library shows too); a missing one is installed from
``requirements/bench.txt``, and a reference still missing after that stops the run with the reason,
instead of a table without its ratio.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH_REQUIREMENTS = HERE.parent / "requirements" / "bench.txt"
# What each reference needs to work, run in a fresh interpreter of the same venv.
REFERENCES = {
    "fpdf2": "import fpdf",
    "WeasyPrint": "import weasyprint; weasyprint.HTML(string='<p>Şəhər</p>').write_pdf()",
}
NEEDS = {"certificate_render": ("fpdf2", "WeasyPrint"), "certificates": ("fpdf2", "WeasyPrint")}
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


def missing_references(names: set[str]) -> dict[str, str]:
    """The references among ``names`` that do not work here, with the last line of their error."""
    missing = {}
    for name in sorted(names):
        probe = subprocess.run([sys.executable, "-c", REFERENCES[name]], capture_output=True, text=True)
        if probe.returncode:
            lines = probe.stderr.strip().splitlines()
            missing[name] = lines[-1] if lines else f"exit {probe.returncode}"
    return missing


def ensure_references(chosen: list[str]) -> bool:
    needed = {ref for name in chosen for ref in NEEDS.get(name, ())}
    missing = missing_references(needed)
    if missing:
        print(f"installing {BENCH_REQUIREMENTS.name} for {', '.join(missing)}", flush=True)
        subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", "-r", str(BENCH_REQUIREMENTS)])
        missing = missing_references(set(missing))
    for name, reason in missing.items():
        print(f"reference {name} unavailable after installing {BENCH_REQUIREMENTS}: {reason}", file=sys.stderr)
    return not missing


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    unknown = [c for c in chosen if c not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    if not ensure_references(chosen):
        return 1
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
