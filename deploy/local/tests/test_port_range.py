"""Random ports stay in the range a parallel test worker was given (LMS_RANDOM_PORT_RANGE)."""

from __future__ import annotations

import pytest

from lms_local.config import random_port_range, random_ports

pytestmark = pytest.mark.unit


def test_without_a_range_ports_come_from_below_the_ephemeral_range() -> None:
    assert random_port_range({}) == (20000, 32000)


def test_every_port_of_a_stack_stays_inside_its_workers_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMS_RANDOM_PORT_RANGE", "26000-32000")
    ports = random_ports()
    assert ports and all(26000 <= p < 32000 for p in ports.values()), ports


@pytest.mark.parametrize("value", ["26000", "a-b", "32000-26000", "80-9000", "26000-70000"])
def test_a_malformed_range_is_refused_with_what_is_expected(value: str) -> None:
    with pytest.raises(ValueError, match="LMS_RANDOM_PORT_RANGE"):
        random_port_range({"LMS_RANDOM_PORT_RANGE": value})
