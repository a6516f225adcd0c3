"""Positions after a move, opaque cursors, and the configuration caps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from courses.config import CoursesSettings
from courses.entrypoints.views import decode_cursor, encode_cursor, texts
from courses.service_layer.authoring import _placed
from lms_shared.errors import BadInput

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("position", "expected"),
    [(None, ["a", "b", "x"]), (1, ["x", "a", "b"]), (2, ["a", "x", "b"]), (99, ["a", "b", "x"]), (0, ["x", "a", "b"])],
)
def test_a_new_item_lands_where_asked_and_never_outside_the_list(position: int | None, expected: list[str]) -> None:
    assert _placed(["a", "b"], "x", position) == expected


def test_moving_an_existing_item_keeps_every_other_in_order() -> None:
    assert _placed(["a", "b", "c", "d"], "d", 2) == ["a", "d", "b", "c"]
    assert _placed(["a", "b", "c", "d"], "a", None) == ["b", "c", "d", "a"]


def test_cursors_round_trip_and_garbage_is_a_bad_input() -> None:
    key = (datetime(2026, 11, 27, 2, 0, 1, 123456, tzinfo=UTC), "a1b2")
    assert decode_cursor(encode_cursor(key)) == key
    # not base64, empty, [], {"x":1}, ["2026-01-01", 5], ["yesterday", "id"], a naive timestamp
    for bad in (
        "not-a-cursor",
        "",
        "W10",
        "eyJ4IjoxfQ",
        "WyIyMDI2LTAxLTAxIiw1XQ",
        "WyJ5ZXN0ZXJkYXkiLCJpZCJd",
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwiaWQiXQ",
    ):
        with pytest.raises(BadInput):
            decode_cursor(bad)


def test_localized_lists_follow_the_suite_language_order() -> None:
    assert [x["lang"] for x in texts({"ru": "б", "hu": "c", "az": "a", "en": "e"})] == ["en", "az", "ru", "hu"]


def test_upload_urls_never_live_longer_than_15_minutes() -> None:
    assert CoursesSettings(material_upload_ttl_seconds=3600).material_upload_ttl_seconds == 900
    assert CoursesSettings(material_upload_ttl_seconds=120).material_upload_ttl_seconds == 120
