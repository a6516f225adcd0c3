"""``make soak``: the long fault-injection soak (``python -m tests.soak --minutes 30``).

Prints the table of tests/soak/harness.py and exits non-zero when a row is not as expected.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from tests.soak.harness import long_plan, run, short_plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0, help="minutes of load with faults (10–30)")
    parser.add_argument("--seed", type=int, default=None, help="fault plan seed (default: random, printed)")
    parser.add_argument("--short", action="store_true", help="the ~3-minute plan of make test instead")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the stack's data and logs here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    plan = short_plan(args.seed or 0) if args.short else long_plan(args.minutes, args.seed)
    for fault in plan.faults:
        logging.info("planned: t=%5.0fs %s", fault.at, fault.name)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="kentbilim-soak-"))
    logging.info("stack data and logs: %s", data_dir)
    report = run(data_dir, plan)
    print(report.table())
    failures = report.failures()
    if failures:
        print(f"soak FAILED: {', '.join(r.what for r in failures)}", file=sys.stderr)
        return 1
    print("soak passed: nothing lost, nothing doubled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
