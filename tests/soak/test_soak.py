"""The short soak in ``make test``: one fault of each kind under load, then nothing lost or doubled.

The long version is ``make soak`` (tests/soak/__main__.py). Both count the outcome from the services'
own databases, the bucket and the streams (see tests/soak/harness.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.soak.harness import ALL_KINDS, run_soak, short_plan

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]


def test_the_plan_has_one_fault_of_each_kind() -> None:
    assert short_plan().kinds == set(ALL_KINDS)


async def test_short_soak_loses_and_doubles_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = await run_soak(tmp_path / "soak", short_plan())
    with capsys.disabled():
        print("\n" + report.table())
    assert not report.failures(), report.table()
