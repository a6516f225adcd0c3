"""Compare a live schema with the published contract (shared/brief/schema.graphql).

Everything in the contract must be present with the same type; additions are allowed when they cannot
break an existing client (new types, new fields, new nullable or defaulted arguments and input
fields, new enum values). Used by the contract tests and by ``python -m gateway.contract``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    build_schema,
    value_from_ast,
)


def _default(item: GraphQLArgument | GraphQLInputField) -> object:
    """The default as a Python value, however graphql-core stored it (SDL literal or Python value)."""
    if item.default_value is not Undefined:
        return item.default_value
    holder = getattr(item, "default", None)
    if holder is not None:
        if getattr(holder, "value", Undefined) is not Undefined:
            return holder.value
        if getattr(holder, "literal", None) is not None:
            return value_from_ast(holder.literal, item.type)
    return None


def _kind(t: object) -> str:
    for cls, name in (
        (GraphQLObjectType, "object"),
        (GraphQLInterfaceType, "interface"),
        (GraphQLInputObjectType, "input"),
        (GraphQLEnumType, "enum"),
        (GraphQLScalarType, "scalar"),
    ):
        if isinstance(t, cls):
            return name
    return type(t).__name__


def _compare_inputs(
    where: str,
    expected: dict[str, GraphQLArgument] | dict[str, GraphQLInputField],
    actual: dict[str, GraphQLArgument] | dict[str, GraphQLInputField],
) -> list[str]:
    problems: list[str] = []
    for name, exp in expected.items():
        act = actual.get(name)
        if act is None:
            problems.append(f"{where}({name}) is missing")
            continue
        if str(exp.type) != str(act.type):
            problems.append(f"{where}({name}) is {act.type}, the contract says {exp.type}")
        if _default(exp) != _default(act):
            problems.append(f"{where}({name}) defaults to {_default(act)!r}, the contract says {_default(exp)!r}")
    for name, act in actual.items():
        if name not in expected and isinstance(act.type, GraphQLNonNull) and act.default_value is Undefined:
            problems.append(f"{where}({name}) is an added required input: existing clients would break")
    return problems


def contract_differences(expected: GraphQLSchema, actual: GraphQLSchema) -> list[str]:
    """Every way ``actual`` breaks ``expected``; empty when it honours the contract."""
    problems: list[str] = []
    for root in ("query_type", "mutation_type", "subscription_type"):
        exp_root, act_root = getattr(expected, root), getattr(actual, root)
        if exp_root is not None and (act_root is None or act_root.name != exp_root.name):
            problems.append(f"root {root} should be {exp_root.name}")
    for name, exp in expected.type_map.items():
        if name.startswith("__"):
            continue
        act = actual.type_map.get(name)
        if act is None:
            problems.append(f"type {name} is missing")
            continue
        if _kind(act) != _kind(exp):
            problems.append(f"type {name} is an {_kind(act)} type, the contract says {_kind(exp)}")
            continue
        if isinstance(exp, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(act, GraphQLObjectType | GraphQLInterfaceType)
            for fname, ef in exp.fields.items():
                af = act.fields.get(fname)
                if af is None:
                    problems.append(f"field {name}.{fname} is missing")
                    continue
                if str(ef.type) != str(af.type):
                    problems.append(f"field {name}.{fname} is {af.type}, the contract says {ef.type}")
                problems += _compare_inputs(f"{name}.{fname}", ef.args, af.args)
        elif isinstance(exp, GraphQLInputObjectType):
            assert isinstance(act, GraphQLInputObjectType)
            problems += _compare_inputs(f"input {name}", exp.fields, act.fields)
        elif isinstance(exp, GraphQLEnumType):
            assert isinstance(act, GraphQLEnumType)
            missing = set(exp.values) - set(act.values)
            if missing:
                problems.append(f"enum {name} lacks {sorted(missing)}")
        elif isinstance(exp, GraphQLScalarType):
            pass  # presence is all a scalar's contract says
    return problems


def load_contract(path: Path) -> GraphQLSchema:
    """The contract SDL as a graphql-core schema."""
    return build_schema(path.read_text(encoding="utf-8"))


def main() -> int:
    """``python -m gateway.contract [schema.graphql]``: print the differences; exit 1 if any."""
    from gateway.config import GatewaySettings
    from gateway.schema import build_schema as build_gateway_schema

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "tests/contract/schema.graphql"
    live = build_gateway_schema(GatewaySettings())._schema
    problems = contract_differences(load_contract(path), live)
    for p in problems:
        print(p)
    print(f"{len(problems)} difference(s) from {path}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
