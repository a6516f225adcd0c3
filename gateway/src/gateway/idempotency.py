"""``Idempotency-Key`` on mutations: a retried request gets the first request's result.

The first request with a key claims it (SET NX, short TTL so a crash cannot wedge the key), runs, and
stores its response for ``LMS_IDEMPOTENCY_SECONDS`` (24 h). A retry with the same key and the same
request gets the stored response without running the mutation again; a retry while the first is
still running gets CONFLICT; the same key on a different request gets BAD_USER_INPUT. A first
attempt that failed is not stored, so the retry really retries. A dry run (every root field called
with ``dryRun: true``) changes nothing, so it is never stored: a retry answers from the current state.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    BooleanValueNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    ValueNode,
    VariableNode,
)
from redis.exceptions import RedisError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from lms_shared.logging import get_logger

log = get_logger(__name__)

PENDING_SECONDS = 120
MAX_KEY_LENGTH = 255
DRY_RUN_ARGUMENT = "dryRun"


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()


def _error(message: str, code: str) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])


def _is_true(value: ValueNode, variables: Mapping[str, Any], defaults: Mapping[str, ValueNode]) -> bool:
    if isinstance(value, VariableNode):
        name = value.name.value
        if name in variables:
            return variables[name] is True
        value = defaults.get(name, value)
    return isinstance(value, BooleanValueNode) and value.value


def only_dry_runs(ec: Any) -> bool:
    """Whether every root field of the operation to run is called with ``dryRun: true``."""
    document = ec.graphql_document
    if document is None:
        return False
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if ec.operation_name:
        ops = [o for o in ops if o.name is not None and o.name.value == ec.operation_name]
    if len(ops) != 1:
        return False
    op = ops[0]
    variables = ec.variables or {}
    defaults = {
        v.variable.name.value: v.default_value for v in op.variable_definitions or () if v.default_value is not None
    }
    fields = op.selection_set.selections
    return bool(fields) and all(
        isinstance(f, FieldNode)
        and any(a.name.value == DRY_RUN_ARGUMENT and _is_true(a.value, variables, defaults) for a in f.arguments or ())
        for f in fields
    )


@dataclass
class UpstreamKey:
    """The caller's key, passed on to every service mutation this request makes.

    Each upstream call gets ``<key>#<n>`` (n counts the request's mutating calls, in the order
    GraphQL runs root mutation fields, which is fixed), so a request with two mutations stores two
    answers in the services, and its retry finds both. The service stores the key with the effect in
    one transaction: a retry after a gateway timeout or a crash returns the first result there.
    """

    key: str
    calls: int = 0

    def next(self) -> str:
        self.calls += 1
        return f"{self.key}#{self.calls}"


upstream_key: ContextVar[UpstreamKey | None] = ContextVar("lms_upstream_idempotency_key", default=None)


class IdempotentMutations(SchemaExtension):
    """Replays the stored result of a mutation retried with the same ``Idempotency-Key``."""

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        ctx: Any = ec.context
        key = getattr(ctx, "idempotency_key", None)
        forwarded = None
        if (
            key
            and len(key) <= MAX_KEY_LENGTH - 8
            and key.isprintable()
            and ec.operation_type is OperationType.MUTATION
            and not only_dry_runs(ec)
        ):
            forwarded = upstream_key.set(UpstreamKey(key))
        try:
            async for step in self._replay_or_run():
                yield step
        finally:
            if forwarded is not None:
                upstream_key.reset(forwarded)

    async def _replay_or_run(self) -> AsyncIterator[None]:
        ec = self.execution_context
        ctx: Any = ec.context
        key = getattr(ctx, "idempotency_key", None)
        principal = getattr(ctx, "principal", None)
        if not key or principal is None or ec.operation_type is not OperationType.MUTATION or only_dry_runs(ec):
            yield
            return
        if len(key) > MAX_KEY_LENGTH or not key.isprintable():
            ec.result = _error("The Idempotency-Key header must be up to 255 printable characters.", "BAD_USER_INPUT")
            yield
            return
        redis = ctx.state.redis
        ttl = ctx.state.settings.idempotency_seconds
        slot = f"gw:idem:{_digest(principal.sub, key)}"
        fingerprint = _digest(
            ec.query or "",
            orjson.dumps(ec.variables or {}, option=orjson.OPT_SORT_KEYS).decode(),
            ec.operation_name or "",
        )
        try:
            claimed = await redis.set(slot, orjson.dumps({"fp": fingerprint}), nx=True, ex=PENDING_SECONDS)
            stored = None if claimed else await redis.get(slot)
        except RedisError as exc:
            # Without Redis the mutation still runs once; only the retry protection is lost.
            log.warning("idempotency.unavailable", error=type(exc).__name__)
            yield
            return
        if not claimed:
            entry = orjson.loads(stored) if stored else {}
            if entry.get("fp") != fingerprint:
                ec.result = _error(
                    "This Idempotency-Key was already used for a different request; use a new key for a new request.",
                    "BAD_USER_INPUT",
                )
            elif "response" not in entry:
                ec.result = _error(
                    "A request with this Idempotency-Key is still running; wait for its answer, then retry.",
                    "CONFLICT",
                )
            else:
                ec.result = ExecutionResult(data=entry["response"], errors=None)
            yield
            return
        yield
        result = ec.result
        try:
            if isinstance(result, ExecutionResult) and not result.errors:
                await redis.set(slot, orjson.dumps({"fp": fingerprint, "response": result.data}), ex=ttl)
            else:
                await redis.delete(slot)
        except RedisError as exc:
            log.warning("idempotency.store_failed", error=type(exc).__name__)
