"""Fragment doubling (issue 13, finding 13): refused in linear time, before any rule walks the expansion."""

from __future__ import annotations

import time
from typing import Any

from graphql import parse

from gateway.complexity import fragment_budget
from tests.support.graphql import error_codes as codes

from .fakes import Harness, make_harness


def doubling(levels: int) -> str:
    """``F{n}`` spreads ``F{n-1}`` twice: 2**levels copies of ``F0``'s fields, in a few hundred bytes."""
    parts = ["fragment F0 on Viewer { id name }"]
    parts += [f"fragment F{i} on Viewer {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return f"query {{ viewer {{ ...F{levels} }} }} " + " ".join(parts)


def test_the_budget_counts_each_fragment_once() -> None:
    query = doubling(24)
    assert len(query) < 1100
    budget = fragment_budget(parse(query), max_fragments=100, max_fields=5000)
    assert budget.error is not None
    assert budget.error.extensions == {"code": "BAD_USER_INPUT"}
    # 2**24 copies of two fields, but the check looked at each of the document's 52 selections once
    # (F0's two fields, two spreads in each of F1..F24, the operation's viewer and its spread).
    assert budget.visited == 2 + 2 * 24 + 2
    assert budget.expanded_fields == 5001  # saturated just above the limit, never 2**25
    assert budget.sizes["F11"] == 2 * 2**11 and budget.sizes["F12"] == 5001


async def test_a_24_level_fragment_bomb_is_refused_at_once(gw: Harness, tok: Any) -> None:
    start = time.process_time()
    body = await gw.gql(doubling(24), tok())
    cpu = time.process_time() - start
    assert body["data"] is None
    assert codes(body) == {"BAD_USER_INPUT"}
    assert "expands to more than 5000 fields through its fragments" in body["errors"][0]["message"]
    assert gw.upstream_requests() == 0
    # Generous: the old rules needed minutes of CPU for this document.
    assert cpu < 1.0


async def test_fragment_cycles_are_refused(gw: Harness, tok: Any) -> None:
    body = await gw.gql(
        "query { viewer { ...A } } fragment A on Viewer { id ...B } fragment B on Viewer { ...A }", tok()
    )
    assert codes(body) == {"BAD_USER_INPUT"}
    assert "spreads itself" in body["errors"][0]["message"]


async def test_too_many_fragments_are_refused(tok: Any) -> None:
    h = make_harness(max_fragments=3)
    try:
        frags = " ".join(f"fragment G{i} on Viewer {{ id }}" for i in range(4))
        body = await h.gql("query { viewer { ...G0 ...G1 ...G2 ...G3 } } " + frags, tok())
        assert codes(body) == {"BAD_USER_INPUT"}
        assert "defines 4 fragments; the limit is 3" in body["errors"][0]["message"]
    finally:
        await h.aclose()


async def test_ordinary_fragments_still_work(gw: Harness, tok: Any) -> None:
    query = doubling(3) + " fragment Who on Viewer { roles ...F1 }"
    query = query.replace("...F3 }", "...F3 ...Who }", 1)
    body = await gw.gql(query, tok("u7", ["learner"]))
    assert body == {"data": {"viewer": {"id": "u7", "name": "Rəşad Əliyev", "roles": ["LEARNER"]}}}


async def test_a_spread_of_an_undefined_fragment_is_bad_user_input_not_a_crash(gw: Harness, tok: Any) -> None:
    """Found by fuzzing: the depth rule walked the unknown spread and raised KeyError (UNAVAILABLE)."""
    for query in ("query{ viewer { ...Nope } }", "fragment F1 on Viewer{ ...F0 } query{ viewer { ...F1 } }"):
        body = await gw.gql(query, tok("l1", ["learner"]))
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
        assert "Unknown fragment" in body["errors"][0]["message"]
