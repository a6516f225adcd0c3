"""Static limits on a document, checked before any resolver runs.

First :func:`fragment_budget`, in linear time: fragments can double a document's size per line
(``fragment F1 on Viewer { ...F0 ...F0 }``), so every rule that walks the expanded tree (depth,
aliases, cost, and graphql-core's own overlapping-fields rule) would take exponential time. The
budget counts the fields each fragment expands to once per fragment, bottom-up, refuses cycles, too
many fragments and too large an expansion, and :class:`BoundedValidation` runs it before validation.

Then the cost estimate: each field costs 1; a list field multiplies the cost of its selection by its
page size (``first``, or 100 when it comes from a variable) or, for unpaginated lists, by an assumed
length. Depth, alias and token limits catch other shapes of abuse; this one catches wide fan-out
(lists of lists).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
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
from strawberry.extensions import ValidationCache
from strawberry.types.graphql import OperationType

from gateway.subscriptions import ONLY_SUBSCRIPTIONS, over_websocket

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


@dataclasses.dataclass
class FragmentBudget:
    """What :func:`fragment_budget` found: ``error`` is None when the document is within the limits."""

    error: GraphQLError | None = None
    fragments: int = 0
    # The largest number of fields one operation expands to (saturated just above the limit).
    expanded_fields: int = 0
    # Selection nodes the check looked at: each node of the document at most once.
    visited: int = 0
    sizes: dict[str, int] = dataclasses.field(default_factory=dict)


def _refusal(message: str, node: Any) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": "BAD_USER_INPUT"})


def fragment_budget(document: DocumentNode, max_fragments: int, max_fields: int) -> FragmentBudget:
    """Count the fields each operation expands to, in time linear in the document's size.

    Each fragment's expanded size is computed once (memoised, depth first: its spreads' sizes first)
    and sizes saturate at ``max_fields + 1``, so no number grows with the expansion. A fragment
    spread that reaches itself is refused here, because nothing later could walk it safely.
    """
    budget = FragmentBudget()
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    budget.fragments = len(fragments)
    if len(fragments) > max_fragments:
        budget.error = _refusal(
            f"This document defines {len(fragments)} fragments; the limit is {max_fragments}. "
            "Use fewer fragments or split the request.",
            None,
        )
        return budget
    cap = max_fields + 1
    sizes = budget.sizes
    in_progress: set[str] = set()

    def local(selection_set: SelectionSetNode | None) -> tuple[int, list[FragmentSpreadNode]]:
        """Fields of a selection (inline fragments included) and the fragment spreads it makes."""
        count, spreads = 0, []
        stack = [selection_set] if selection_set is not None else []
        while stack:
            current = stack.pop()
            for sel in current.selections:
                budget.visited += 1
                if isinstance(sel, FieldNode):
                    count += 1
                    if sel.selection_set is not None:
                        stack.append(sel.selection_set)
                elif isinstance(sel, InlineFragmentNode):
                    stack.append(sel.selection_set)
                elif isinstance(sel, FragmentSpreadNode):
                    spreads.append(sel)
        return count, spreads

    class Cycle(Exception):
        def __init__(self, spread: FragmentSpreadNode) -> None:
            self.spread = spread

    class Unknown(Exception):
        def __init__(self, spread: FragmentSpreadNode) -> None:
            self.spread = spread

    def size_of(selection_set: SelectionSetNode | None) -> int:
        count, spreads = local(selection_set)
        total = count
        for spread in spreads:
            total = min(cap, total + fragment_size(spread))
        return min(cap, total)

    def fragment_size(spread: FragmentSpreadNode) -> int:
        name = spread.name.value
        if name in sizes:
            return sizes[name]
        frag = fragments.get(name)
        if frag is None:
            # Refused here, not left to the standard rules: some of them (the depth limit) walk
            # spreads assuming every fragment exists.
            raise Unknown(spread)
        if name in in_progress:
            raise Cycle(spread)
        in_progress.add(name)
        sizes[name] = size_of(frag.selection_set)
        in_progress.discard(name)
        return sizes[name]

    try:
        # Every fragment, used or not, so an unused cycle cannot reach the standard rules either.
        for frag in fragments.values():
            if frag.name.value not in sizes:
                in_progress.add(frag.name.value)
                sizes[frag.name.value] = size_of(frag.selection_set)
                in_progress.discard(frag.name.value)
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                expanded = size_of(definition.selection_set)
                budget.expanded_fields = max(budget.expanded_fields, expanded)
                if expanded > max_fields:
                    budget.error = _refusal(
                        f"This operation expands to more than {max_fields} fields through its fragments; "
                        "ask for fewer fields or spread each fragment fewer times.",
                        definition,
                    )
                    return budget
    except Unknown as unknown:
        budget.error = _refusal(
            f'Unknown fragment "{unknown.spread.name.value}": define it in the document or remove the spread.',
            unknown.spread,
        )
    except Cycle as cycle:
        budget.error = _refusal(
            f'Fragment "{cycle.spread.name.value}" spreads itself (directly or through other fragments); '
            "remove the cycle.",
            cycle.spread,
        )
    return budget


class _PassedBudgets:
    """Query texts (with the limits) whose document passed :func:`fragment_budget`: a bounded LRU.

    Only passes are kept, keyed by the exact text the document was parsed from, so a changed text is
    checked again and a refused one is refused (with a fresh error) every time.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._keys: OrderedDict[tuple[str, int, int], None] = OrderedDict()

    def __contains__(self, key: tuple[str, int, int]) -> bool:
        if key in self._keys:
            self._keys.move_to_end(key)
            return True
        return False

    def add(self, key: tuple[str, int, int]) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.maxsize:
            self._keys.popitem(last=False)


_PASSED: dict[int, _PassedBudgets] = {}


class BoundedValidation(ValidationCache):
    """Validation (cached per document) behind the linear :func:`fragment_budget` check.

    A document over the budget is refused without running any validation rule, so depth, alias and
    cost rules (and graphql-core's) only ever walk documents whose expansion is bounded. Over a
    WebSocket, anything but a subscription is refused here too, before validation. The budget of a
    query text that passed is remembered (bounded LRU), like its validation.
    """

    def __init__(self, max_fragments: int, max_fields: int, maxsize: int = 512) -> None:
        super().__init__(maxsize=maxsize)
        self.max_fragments = max_fragments
        self.max_fields = max_fields
        self._passed = _PASSED.setdefault(maxsize, _PassedBudgets(maxsize))

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        if over_websocket(ec.context) and ec.operation_type is not OperationType.SUBSCRIPTION:
            ec.pre_execution_errors = [_refusal(ONLY_SUBSCRIPTIONS, None)]
            yield
            return
        if ec.graphql_document is not None:
            key = (ec.query or "", self.max_fragments, self.max_fields)
            if not ec.query or key not in self._passed:
                budget = fragment_budget(ec.graphql_document, self.max_fragments, self.max_fields)
                if budget.error is not None:
                    ec.pre_execution_errors = [budget.error]
                    yield
                    return
                if ec.query:
                    self._passed.add(key)
        yield from super().on_validate()
