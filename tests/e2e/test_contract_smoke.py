"""The brief's outside-in smoke check (``../shared/smoke/slice.py``), run against our test stack.

It is written against the public contract only; when it passes, the walking skeleton works the way
the contract means it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SMOKE = Path(__file__).resolve().parents[3] / "shared" / "smoke" / "slice.py"


@pytest.mark.skipif(not SMOKE.exists(), reason="the brief's shared/smoke folder is not beside this checkout")
def test_the_briefs_slice_smoke_check_passes(stack_env: dict[str, str]) -> None:
    env = {**os.environ, "GATEWAY_URL": stack_env["LMS_PUBLIC_URL"], "JWT_SECRET": stack_env["LMS_JWT_SECRET"]}
    run = subprocess.run(
        [sys.executable, str(SMOKE)],
        cwd=SMOKE.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    summary = run.stdout.strip().splitlines()[-1:] or ["no output"]
    assert run.returncode == 0, f"{summary[0]}\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
    assert "FAIL" not in run.stdout
