"""JSON Schema snapshots of every event payload, and the compatibility rule they are held to.

``python -m lms_shared.events.snapshot --write`` refreshes ``schemas/``; the contract test compares
the live payload classes against those files. Within a major version a payload may only grow:
every property a consumer may rely on keeps its name and type, and no new property is required.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from lms_shared.events.catalogue import CATALOGUE

SCHEMA_DIR = Path(__file__).with_name("schemas")


def current_schemas() -> dict[str, dict[str, Any]]:
    return {t: cls.model_json_schema(mode="serialization") for t, cls in sorted(CATALOGUE.items())}


def snapshot_path(event_type: str) -> Path:
    return SCHEMA_DIR / f"{event_type}.json"


def _resolve(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _resolve(defs[name], defs)
        return {k: _resolve(v, defs) for k, v in node.items() if k not in ("$defs", "title", "description")}
    if isinstance(node, list):
        return [_resolve(v, defs) for v in node]
    return node


def _types(node: dict[str, Any]) -> set[str]:
    if "type" in node:
        t = node["type"]
        return set(t) if isinstance(t, list) else {t}
    out: set[str] = set()
    for key in ("anyOf", "oneOf"):
        for sub in node.get(key, []):
            out |= _types(sub)
    if "enum" in node or "const" in node:
        out.add("enum")
    return out


def incompatibilities(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """Why ``new`` cannot replace ``old`` within one major version (empty when it can)."""
    old_r = _resolve(old, old.get("$defs", {})) if "$defs" in old else old
    new_r = _resolve(new, new.get("$defs", {})) if "$defs" in new else new
    return _compare(old_r, new_r, path or "$")


def _compare(old: dict[str, Any], new: dict[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    old_t, new_t = _types(old), _types(new)
    if old_t and new_t and not old_t <= new_t:
        problems.append(f"{path}: type changed from {sorted(old_t)} to {sorted(new_t)}")
    if "enum" in old and "enum" in new and not set(old["enum"]) <= set(new["enum"]):
        problems.append(f"{path}: enum values removed: {sorted(set(old['enum']) - set(new['enum']))}")
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, sub in old_props.items():
        if name not in new_props:
            problems.append(f"{path}.{name}: removed")
        else:
            problems += _compare(sub, new_props[name], f"{path}.{name}")
    added_required = set(new.get("required", [])) - set(old.get("required", [])) - set()
    for name in sorted(added_required):
        if name not in old_props:
            problems.append(f"{path}.{name}: new property is required (must be optional within a major)")
        elif name not in set(old.get("required", [])):
            problems.append(f"{path}.{name}: became required")
    for key in ("items",):
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            problems += _compare(old[key], new[key], f"{path}[]")
    for key in ("anyOf", "oneOf"):
        # Optional fields are anyOf[X, null]: compare the non-null branches pairwise by position.
        olds = [s for s in old.get(key, []) if s.get("type") != "null"]
        news = [s for s in new.get(key, []) if s.get("type") != "null"]
        for i, (o, n) in enumerate(zip(olds, news, strict=False)):
            problems += _compare(o, n, f"{path}<{i}>")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write snapshots for new event types / refresh all")
    args = parser.parse_args()
    SCHEMA_DIR.mkdir(exist_ok=True)
    failed = False
    for event_type, schema in current_schemas().items():
        path = snapshot_path(event_type)
        if path.exists():
            problems = incompatibilities(json.loads(path.read_text()), schema)
            if problems:
                failed = True
                print(f"{event_type}: INCOMPATIBLE\n  " + "\n  ".join(problems))
                continue
        if args.write:
            path.write_text(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
            print(f"{event_type}: written")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
