"""The authorization matrix (issue 13): every mutation, query and route × every caller × own and foreign objects.

``test_*_complete`` (no servers) fail when the schema or an app has a field or route without a row in
matrix.py, or matrix.py a row for something that is gone. ``test_matrix_on_the_live_stack`` runs every
cell through the gateway (GraphQL) and straight against the services' ports (REST: each service must
refuse on its own), and prints the matrix's size.
"""

from __future__ import annotations

import asyncio
import importlib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.authz.matrix import (
    ANONYMOUS_CHANGES,
    FORBIDDEN,
    HIDDEN,
    NOT_FOUND,
    OK,
    ROWS,
    UNAUTH,
    GqlRow,
    Hole,
    RestRow,
)
from tests.authz.world import OBJECTS, RELATION_OF, RELATIONS, ROLES, World, WorldClient, reset_rate_limits

SERVICES = ("courses", "progress", "certificates", "notifications")
# Operations outside the matrix, each with the reason and where it is tested instead.
OUTSIDE = {
    "Subscription.bulkIssueProgress": "WebSocket only (admins); see gateway/tests/integration/test_subscriptions.py",
    "Subscription.notificationReceived": "WebSocket only (the viewer's own); see"
    " gateway/tests/unit/test_notifications.py and gateway/tests/integration/test_notifications_live.py",
    "LiveSession.onlineUrl": "the world has no LIVE lesson; progress decides it (GET /v1/courses/{id}/live, a row"
    " below) and services/progress/tests/integration/test_attendance.py checks who gets the link",
}
DENIALS = {UNAUTH: 401, FORBIDDEN: 403, NOT_FOUND: 404}
CONCURRENCY = 24


# Fields of object types that not everyone may read, beyond those their description marks (below).
SENSITIVE = {"Course.enrollment"}
RESTRICTED = re.compile(r"\bonly\b.*\b(admins?|trainers?|holder)\b|\b(admins?|trainers?|holder)\b.*\bonly\b", re.I)


def live_fields() -> set[str]:
    """Every root field, and every field of an object type whose description restricts who reads it."""
    from graphql import GraphQLObjectType

    from gateway.config import GatewaySettings
    from gateway.schema import build_schema

    schema = build_schema(GatewaySettings(jwt_secret="x" * 40))._schema
    roots = [t for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t is not None]
    out = set()
    for kind in roots:
        out |= {f"{kind.name}.{name}" for name in kind.fields}
    for name, kind in schema.type_map.items():
        if isinstance(kind, GraphQLObjectType) and kind not in roots and not name.startswith("__"):
            for field, definition in kind.fields.items():
                if f"{name}.{field}" in SENSITIVE or RESTRICTED.search(definition.description or ""):
                    out.add(f"{name}.{field}")
    return out


def live_routes() -> set[str]:
    from lms_shared.openapi import api_routes

    out = set()
    for service in SERVICES:
        app = importlib.import_module(f"{service}.entrypoints.api").app
        for path, route in api_routes(app.routes):
            for method in route.methods or ():
                if method != "HEAD":
                    out.add(f"{service} {method} {path}")
    return out


@pytest.mark.unit
def test_every_graphql_operation_has_a_row_and_every_row_an_operation() -> None:
    rows = [r.field for r in ROWS.gql]
    assert len(rows) == len(set(rows)), "a field has two rows"
    live = live_fields()
    missing = sorted(live - set(rows) - set(OUTSIDE))
    gone = sorted((set(rows) | set(OUTSIDE)) - live)
    assert missing == [], f"add a row to tests/authz/matrix.py for: {missing}"
    assert gone == [], f"these rows name fields the schema no longer has: {gone}"


@pytest.mark.unit
def test_every_service_route_has_a_row_and_every_row_a_route() -> None:
    rows = [r.route for r in ROWS.rest]
    assert len(rows) == len(set(rows)), "a route has two rows"
    live = live_routes()
    assert len(live) > 40
    missing = sorted(live - set(rows))
    gone = sorted(set(rows) - live)
    assert missing == [], f"add a row to tests/authz/matrix.py for: {missing}"
    assert gone == [], f"these rows name routes the services no longer have: {gone}"


OUTCOMES = {OK, HIDDEN, UNAUTH, FORBIDDEN, NOT_FOUND}


@pytest.mark.unit
def test_every_row_decides_every_relation() -> None:
    for row in [*ROWS.gql, *ROWS.rest]:
        assert set(row.expect) == set(RELATIONS), row
        for expected in row.expect.values():
            values = (expected.should, expected.today) if isinstance(expected, Hole) else (expected,)
            assert set(values) <= OUTCOMES, (row, expected)
        changes = row.field.startswith("Mutation.") if isinstance(row, GqlRow) else " GET " not in row.route
        if changes and getattr(row, "route", None) not in ANONYMOUS_CHANGES:  # nobody changes anything unsigned
            assert row.expect["anonymous"] == UNAUTH, row


# --- running the cells ------------------------------------------------------------------------------


@dataclass
class Cell:
    row: GqlRow | RestRow
    role: str
    obj: str
    expected: str | Hole
    prepared: dict[str, str]
    observed: str = ""
    detail: str = ""

    @property
    def name(self) -> str:
        what = self.row.field if isinstance(self.row, GqlRow) else self.row.route
        return f"{what} | {self.role} on {self.obj} ({RELATION_OF[self.role][self.obj]})"

    @property
    def allowed(self) -> bool:
        e = self.expected
        return OK in ((e.should, e.today) if isinstance(e, Hole) else (e,))


def classify_graphql(status: int, body: Any, row: GqlRow, shows: str | None) -> tuple[str, str]:
    if not isinstance(body, dict):
        return f"ERROR:{status}", str(body)[:200]
    errors = body.get("errors") or []
    codes = {(e.get("extensions") or {}).get("code", "") for e in errors}
    denial = codes & set(DENIALS)
    if denial:
        return (denial.pop() if len(denial) == 1 else f"ERROR:{sorted(denial)}"), errors[0].get("message", "")
    # A refusal of the input while resolving (it has a path) passed authorization; a document the
    # schema does not validate (no path) means the row is out of date.
    if codes - {"CONFLICT", "BAD_USER_INPUT"} or any(not e.get("path") for e in errors):
        return f"ERROR:{sorted(codes)}", str(errors)[:300]
    if errors:
        return OK, errors[0].get("message", "")
    data = body.get("data") or {}
    value = row.pick(data) if row.pick else data.get(row.field.split(".")[1])
    if value is None:
        return HIDDEN, ""
    if shows is not None and shows not in str(value):
        return HIDDEN, ""
    return OK, ""


def classify_rest(response: httpx.Response, shows: str | None) -> tuple[str, str]:
    s = response.status_code
    for code, status in DENIALS.items():
        if s == status:
            return code, response.text[:200]
    if s in (409, 422):
        return OK, response.text[:200]
    if 200 <= s < 300:
        if shows is not None and shows not in response.text:
            return HIDDEN, ""
        return OK, ""
    return f"ERROR:{s}", response.text[:300]


class _ReusedConnectionClosed(Exception):
    """A kept-alive connection the server closed just as it was reused (before any response byte)."""


async def run_cell(http: httpx.AsyncClient, world: World, cell: Cell) -> None:
    try:
        await _run_cell(http, world, cell)
    except _ReusedConnectionClosed:
        # The request never got an answer; sent again once, as a browser does on a reused connection.
        try:
            await _run_cell(http, world, cell)
        except _ReusedConnectionClosed as exc:
            cell.observed, cell.detail = "ERROR:transport", repr(exc.__cause__)


async def _run_cell(http: httpx.AsyncClient, world: World, cell: Cell) -> None:
    obj = world.objects[cell.obj]
    token = world.tokens[cell.role]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    row = cell.row
    shows = row.shows(obj) if row.shows else None
    try:
        if isinstance(row, GqlRow):
            variables = row.variables(obj, cell.prepared)
            r = await http.post(
                f"{world.urls['gateway']}/graphql",
                json={"query": row.document, "variables": variables},
                headers=headers,
            )
            try:
                body = r.json()
            except ValueError:
                body = r.text
            cell.observed, cell.detail = classify_graphql(r.status_code, body, row, shows)
        else:
            req = row.request(obj, cell.prepared)
            r = await http.request(
                req.method, world.urls[row.service] + req.path, json=req.json, params=req.params, headers=headers
            )
            cell.observed, cell.detail = classify_rest(r, shows)
    except httpx.RemoteProtocolError as exc:
        raise _ReusedConnectionClosed from exc
    except httpx.ReadError as exc:
        # Only a read (GET) is sent again on a reset: a write may have been carried out.
        if isinstance(row, RestRow) and req.method in ("GET", "HEAD"):
            raise _ReusedConnectionClosed from exc
        cell.observed, cell.detail = "ERROR:transport", repr(exc)
    except httpx.HTTPError as exc:
        cell.observed, cell.detail = "ERROR:transport", repr(exc)


def cells_of(rows: list[GqlRow] | list[RestRow]) -> list[Cell]:
    out = []
    for row in rows:
        for role in ROLES:
            for obj in OBJECTS:
                out.append(Cell(row, role, obj, row.expect[RELATION_OF[role][obj]], {}))
    return out


async def prepare(client: WorldClient, world: World, cells: list[Cell]) -> None:
    gate = asyncio.Semaphore(8)

    async def one(cell: Cell) -> None:
        row = cell.row
        if row.prepare is None:
            return
        if not (cell.allowed or (isinstance(row, RestRow) and row.prepare_all)):
            return
        async with gate:
            cell.prepared = await row.prepare(client, world.objects[cell.obj])

    await asyncio.gather(*(one(c) for c in cells))


# Anonymous requests share one per-IP budget of the gateway (120 a minute); the matrix has more
# anonymous cells than that, so it runs them in rounds and starts each with a clean budget.
ANONYMOUS_PER_ROUND = 80


def rounds(cells: list[Cell]) -> list[list[Cell]]:
    """The cells in order, cut so that no round holds more than ANONYMOUS_PER_ROUND anonymous ones."""
    out: list[list[Cell]] = [[]]
    anonymous = 0
    for cell in cells:
        if cell.role == "anonymous":
            if anonymous == ANONYMOUS_PER_ROUND:
                out.append([])
                anonymous = 0
            anonymous += 1
        out[-1].append(cell)
    return out


async def run_all(http: httpx.AsyncClient, world: World, cells: list[Cell], redis_url: str) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(cell: Cell) -> None:
        async with gate:
            await run_cell(http, world, cell)

    for part in rounds(cells):
        await reset_rate_limits(redis_url)
        await asyncio.gather(*(one(c) for c in part))


def verdict(cell: Cell) -> str:
    """'' when the cell answered as expected; else why not."""
    e = cell.expected
    if isinstance(e, Hole):
        if cell.observed == e.today:
            return ""
        if cell.observed == e.should:
            return ""  # closed meanwhile (reported by the test, to be written as a plain expectation)
        return f"expected {e.should!r} (known hole: {e.today!r}), got {cell.observed!r} {cell.detail}"
    return "" if cell.observed == e else f"expected {e!r}, got {cell.observed!r} {cell.detail}"


async def test_matrix_on_the_live_stack(
    authz_world: World, stack_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    world = authz_world
    gql_cells = cells_of(ROWS.gql)
    rest_cells = cells_of(ROWS.rest)
    cells = gql_cells + rest_cells
    # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) would close them under us.
    limits = httpx.Limits(max_connections=CONCURRENCY * 2, keepalive_expiry=2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        client = WorldClient(http, world)
        await prepare(client, world, cells)
        await run_all(http, world, [c for c in cells if c.row.phase == 1], stack_env["LMS_REDIS_URL"])
        # Phase 2: withdrawing, after everything that needs the enrolments active; then enrol again.
        await run_all(http, world, [c for c in cells if c.row.phase == 2], stack_env["LMS_REDIS_URL"])
        for role, obj in (("learner", "A"), ("other_learner", "B")):
            await client.enroll(role, world.objects[obj].course)
        await reset_rate_limits(stack_env["LMS_REDIS_URL"])

    failures = [(c, why) for c in cells if (why := verdict(c))]
    holes = [c for c in cells if isinstance(c.expected, Hole) and c.observed == c.expected.today]
    closed = [c for c in cells if isinstance(c.expected, Hole) and c.observed == c.expected.should]
    country = sum(RELATION_OF[c.role][c.obj] in ("ca_same", "ca_other") for c in cells)
    outcomes = Counter(c.observed for c in cells)
    with capsys.disabled():
        print(
            f"\nauthorization matrix: GraphQL {len(ROWS.gql)} rows × {len(ROLES)} roles × {len(OBJECTS)} objects"
            f" = {len(gql_cells)} cells; REST {len(ROWS.rest)} routes × {len(ROLES)} × {len(OBJECTS)}"
            f" = {len(rest_cells)} cells; {len(cells)} cells run ({dict(outcomes)});"
            f" {country} of them country admins' (issue 14); {len(holes)} known holes"
        )
        for cell in holes:
            assert isinstance(cell.expected, Hole)
            hole = cell.expected
            print(f"  known hole (finding {hole.finding}): {cell.name}: {cell.observed}, should be {hole.should}")
        for cell in closed:
            print(f"  hole closed, write the expectation without Hole() in matrix.py: {cell.name}")
    assert not failures, "\n" + "\n".join(f"{c.name}: {why}" for c, why in failures)
