"""The live schema honours shared/brief/schema.graphql: nothing missing, nothing changed."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from graphql import build_client_schema, build_schema, get_introspection_query

from gateway.config import GatewaySettings
from gateway.contract import contract_differences, load_contract
from gateway.schema import build_schema as build_gateway_schema

CONTRACT = Path(__file__).parents[1] / "contract" / "schema.graphql"
# What the second-release contract still lacks, item by item, with the issue that adds it.
PENDING: dict[str, int] = runpy.run_path(str(CONTRACT.with_name("pending.py")))["PENDING"]
BRIEF_CANDIDATES = [
    Path(__file__).parents[3] / "shared" / "brief" / "schema.graphql",
    Path(__file__).parents[4] / "shared" / "brief" / "schema.graphql",
]


def _live_sdl() -> str:
    return build_gateway_schema(GatewaySettings(jwt_secret="x")).as_str()


def test_printed_schema_honours_the_contract() -> None:
    problems = contract_differences(load_contract(CONTRACT), build_schema(_live_sdl()))
    assert_only_pending(problems)


def assert_only_pending(problems: list[str]) -> None:
    """Nothing missing beyond the listed second-release items, and every listed item still missing."""
    unexpected = sorted(set(problems) - set(PENDING))
    landed = sorted(set(PENDING) - set(problems))
    assert unexpected == [], f"the live schema drifted from the contract: {unexpected}"
    assert landed == [], f"now served; remove them from the pending list (contract/pending.py): {landed}"


async def test_introspected_schema_honours_the_contract() -> None:
    schema = build_gateway_schema(GatewaySettings(jwt_secret="x"))
    result = await schema.execute(get_introspection_query())
    assert result.errors is None
    live = build_client_schema(result.data)  # type: ignore[arg-type]
    assert_only_pending(contract_differences(load_contract(CONTRACT), live))


def test_the_snapshot_is_the_brief() -> None:
    brief = next((p for p in BRIEF_CANDIDATES if p.is_file()), None)
    if brief is None:
        pytest.skip("the brief is not next to this checkout")
    assert CONTRACT.read_text() == brief.read_text(), "copy shared/brief/schema.graphql to gateway/tests/contract"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("  certificate: Certificate\n}", "}"), "field Enrollment.certificate is missing"),
        (("progressPercent: Float!", "progressPercent: Float"), "field Enrollment.progressPercent is Float"),
        (("first: Int = 20", "first: Int = 10"), "Query.courses(first) defaults to 10"),
        (("{ LEARNER TRAINER ADMIN COUNTRY_ADMIN }", "{ LEARNER ADMIN COUNTRY_ADMIN }"), "lacks ['TRAINER']"),
        (("verifyCertificate(code: String!)", "verifyCertificate(code: String!, pin: String!)"), "added required"),
    ],
)
def test_a_drifted_schema_is_reported(edit: tuple[str, str], expected: str) -> None:
    """The comparison can fail: a schema that drifts from the contract is reported."""
    contract = CONTRACT.read_text()
    assert edit[0] in contract
    drifted = build_schema(contract.replace(edit[0], edit[1], 1))
    problems = contract_differences(load_contract(CONTRACT), drifted)
    assert any(expected in p for p in problems), problems


def test_every_field_has_a_description() -> None:
    schema = build_gateway_schema(GatewaySettings(jwt_secret="x"))._schema
    missing = [
        f"{name}.{fname}"
        for name, t in schema.type_map.items()
        if not name.startswith("__") and hasattr(t, "fields")
        for fname, f in t.fields.items()
        if not f.description
    ]
    assert missing == []
