"""The web client's generated types come from a committed schema snapshot; it must be the gateway's live schema.

When this fails, regenerate: ``cd gateway/web && npm run schema && npm run codegen`` (then rebuild).
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

WEB = Path(__file__).resolve().parents[2] / "gateway" / "web"
REGENERATE = "cd gateway/web && npm run schema && npm run codegen"
OPERATION = re.compile(r"graphql\(`\s*(?:query|mutation|subscription|fragment)\s+(\w+)")


def _live_sdl() -> str:
    spec = importlib.util.spec_from_file_location("print_schema", WEB / "scripts" / "print_schema.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sdl: str = module.live_schema_sdl()
    return sdl


def test_the_committed_schema_snapshot_is_the_gateways_live_schema() -> None:
    committed = (WEB / "schema.graphql").read_text(encoding="utf-8")
    live = _live_sdl()
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True), live.splitlines(keepends=True), "schema.graphql", "live", n=1
        )
    )
    assert not diff, f"gateway/web/schema.graphql is stale; run `{REGENERATE}`:\n{diff[:4000]}"


def test_the_generated_types_name_every_operation_of_the_sources() -> None:
    # A new or renamed operation without `npm run codegen` would leave the client typed against nothing.
    operations = set()
    for path in (WEB / "src").rglob("*.ts*"):
        if "gql" in path.relative_to(WEB / "src").parts[:1]:
            continue
        operations |= set(OPERATION.findall(path.read_text(encoding="utf-8")))
    generated = (WEB / "src" / "gql" / "graphql.ts").read_text(encoding="utf-8")
    assert operations, "the sources define their operations with graphql(`...`)"
    missing = sorted(
        op for op in operations if not re.search(rf"\bexport const {op}(?:Document|FragmentDoc)\b", generated)
    )
    assert not missing, f"src/gql/graphql.ts lacks {missing}; run `cd gateway/web && npm run codegen`"


def test_the_generated_types_are_what_codegen_makes_of_the_snapshot_and_the_sources() -> None:
    codegen = WEB / "node_modules" / ".bin" / "graphql-codegen"
    if not codegen.is_file() or shutil.which("node") is None:
        pytest.skip("graphql-codegen is not installed: `cd gateway/web && npm ci`")
    # --check writes nothing; it exits 1 and names the files that would change.
    result = subprocess.run(
        [str(codegen), "--config", "codegen.yml", "--check"], cwd=WEB, capture_output=True, text=True, timeout=300
    )
    stale = result.stdout[-2000:]
    assert result.returncode == 0, f"src/gql is stale; run `cd gateway/web && npm run codegen`:\n{stale}"
