"""A cheap static cost estimate, checked at validation time before any resolver runs.

Each field costs 1; a list field multiplies the cost of its selection by its page size (``first``,
or 100 when it comes from a variable) or, for unpaginated lists, by an assumed length. Depth, alias
and token limits catch other shapes of abuse; this one catches wide fan-out (lists of lists).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)

ASSUMED_LIST_LENGTH = 5
PAGE_FROM_VARIABLE = 100


def _unwrap(t: Any) -> tuple[Any, bool]:
    is_list = False
    while isinstance(t, GraphQLNonNull | GraphQLList):
        if isinstance(t, GraphQLList):
            is_list = True
        t = t.of_type
    return t, is_list


def _multiplier(node: FieldNode) -> int:
    for arg in node.arguments or ():
        if arg.name.value == "first":
            if isinstance(arg.value, IntValueNode):
                return max(1, int(arg.value.value))
            return PAGE_FROM_VARIABLE
    return ASSUMED_LIST_LENGTH


def selection_cost(
    selection_set: SelectionSetNode | None,
    parent: Any,
    fragments: dict[str, FragmentDefinitionNode],
    schema: Any,
    seen: frozenset[str] = frozenset(),
) -> int:
    """The estimated number of values a selection can produce."""
    if selection_set is None or not isinstance(parent, GraphQLObjectType):
        return 0
    total = 0
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            field = parent.fields.get(sel.name.value)
            if field is None:
                continue  # unknown fields are reported by the standard rules
            inner, is_list = _unwrap(field.type)
            child = selection_cost(sel.selection_set, inner, fragments, schema, seen)
            total += (1 + child) * (_multiplier(sel) if is_list else 1)
        elif isinstance(sel, InlineFragmentNode):
            target = schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
            total += selection_cost(sel.selection_set, target, fragments, schema, seen)
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            frag = fragments.get(name)
            if frag is None or name in seen:
                continue  # cycles and unknown fragments are reported by the standard rules
            target = schema.get_type(frag.type_condition.name.value)
            total += selection_cost(frag.selection_set, target, fragments, schema, seen | {name})
    return total


def complexity_rule(max_cost: int) -> type[ValidationRule]:
    """A validation rule refusing operations whose estimated cost is above ``max_cost``."""

    class QueryComplexityRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            schema = self.context.schema
            root = schema.get_root_type(node.operation)
            fragments = {
                d.name.value: d for d in self.context.document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            cost = selection_cost(node.selection_set, root, fragments, schema)
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"This query is too expensive (estimated cost {cost}, limit {max_cost}): "
                        "ask for fewer fields, smaller pages (first), or split it.",
                        node,
                        extensions={"code": "BAD_USER_INPUT"},
                    )
                )

    return QueryComplexityRule
