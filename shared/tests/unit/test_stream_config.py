"""Stream settings are merged into what exists, never overwriting an operator's choices."""

from __future__ import annotations

import dataclasses

import pytest
from nats.js.api import DiscardPolicy, StreamConfig

from lms_shared.jetstream import DLQ_STREAM, EVENTS_STREAM, JOBS_STREAM, merged_config, stream_configs
from lms_shared.settings import Settings

pytestmark = pytest.mark.unit


def ours(name: str = EVENTS_STREAM, **settings: object) -> StreamConfig:
    return next(c for c in stream_configs(Settings(**settings)) if c.name == name)  # type: ignore[arg-type]


def test_a_stream_as_we_left_it_is_not_updated() -> None:
    assert merged_config(ours(), ours()) is None


def test_replicas_set_by_an_operator_are_never_lowered() -> None:
    """Before: every start rewrote replicas to 1, undoing the documented --replicas 3."""
    existing = dataclasses.replace(ours(), num_replicas=3)
    assert merged_config(existing, ours()) is None
    grown = merged_config(ours(), ours(nats_replicas=3))
    assert grown is not None and grown.num_replicas == 3


def test_settings_we_do_not_manage_are_kept_and_subjects_only_grow() -> None:
    existing = dataclasses.replace(ours(), max_msgs=123_456, subjects=["lms.>", "legacy.>"], max_bytes=1024)
    merged = merged_config(existing, ours(events_max_bytes=4096))
    assert merged is not None
    assert merged.max_msgs == 123_456, "an operator's own limit stays"
    assert sorted(merged.subjects or []) == ["legacy.>", "lms.>"], "a subject added by hand is not taken away"
    assert merged.max_bytes == 4096


def test_every_stream_has_a_size_limit_and_queues_never_drop_work() -> None:
    configs = {c.name: c for c in stream_configs(Settings())}
    assert set(configs) == {EVENTS_STREAM, JOBS_STREAM, DLQ_STREAM}
    assert all((c.max_bytes or 0) > 0 for c in configs.values())
    assert configs[JOBS_STREAM].discard is DiscardPolicy.NEW
    assert configs[DLQ_STREAM].discard is DiscardPolicy.NEW
    assert (configs[DLQ_STREAM].max_age or 0) >= 365 * 24 * 3600
