"""What no answer may ever be, whatever was sent (issue 13: findings 12, 15, 16)."""

from __future__ import annotations

import re
from typing import Any

# A stack trace, an internal address or a Python exception's name in an error means an exception
# escaped the error handlers (or its text was passed on).
LEAKS = re.compile(
    r"Traceback|File \"|https?://(127\.0\.0\.1|localhost|0\.0\.0\.0)(:\d+)?|postgres(ql)?(\+asyncpg)?://|nats://|redis://"
    r"|\basyncpg\b|\bsqlalchemy\b|\bpydantic_core\b|\b(ValueError|TypeError|KeyError|AttributeError|IndexError"
    r"|RuntimeError|AssertionError|UnicodeDecodeError|UnicodeEncodeError|IntegrityError|DataError|ProgrammingError"
    r"|OperationalError|JSONDecodeError|NotImplementedError|OverflowError|RecursionError|ZeroDivisionError"
    r"|CharacterNotInRepertoireError|UntranslatableCharacterError|InvalidTextRepresentationError"
    r"|StringDataRightTruncationError|NumericValueOutOfRangeError)\b"
)
# GraphQL codes that mean the server, not the request, failed (the stack is healthy meanwhile).
SERVER_CODES = frozenset({"INTERNAL", "INTERNAL_SERVER_ERROR", "UNAVAILABLE"})


def rest_problems(status: int, text: str) -> list[str]:
    problems = []
    if status >= 500:
        problems.append(f"status {status}")
    if status >= 400:
        leak = LEAKS.search(text)
        if leak:
            problems.append(f"leaks {leak.group(0)!r}")
    return problems


def graphql_problems(status: int, body: Any, text: str) -> list[str]:
    problems = []
    if status >= 500:
        problems.append(f"status {status}")
    errors = body.get("errors") if isinstance(body, dict) else None
    if status >= 400 and not errors:
        problems.append(f"status {status} without GraphQL errors (no extensions.code): {text[:120]!r}")
    for error in errors or []:
        code = (error.get("extensions") or {}).get("code")
        if code in SERVER_CODES:
            problems.append(f"{code}: {error.get('message', '')[:200]}")
        if not code:
            problems.append(f"an error without extensions.code: {error.get('message', '')[:200]}")
    if errors:
        leak = LEAKS.search(str(errors))
        if leak:
            problems.append(f"leaks {leak.group(0)!r}")
    return problems
