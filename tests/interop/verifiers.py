"""Our credentials, handed to verifiers that are not ours.

* :func:`node_checks` runs ``tests/interop/node/verify.mjs`` under Node: Digital Bazaar's
  ``@digitalbazaar/vc`` with the ``eddsa-rdfc-2022`` cryptosuite for Data Integrity proofs,
  ``@digitalbazaar/vc-bitstring-status-list`` for revocation, and the npm ``jose`` for VC-JWTs.
  The versions are pinned in ``node/package.json`` and its lock file (``make interop``).
* :func:`schema_errors` validates against the Open Badges 3.0 JSON Schema of
  ``AchievementCredential`` (1EdTech's published file, vendored in ``schemas/``) with the Python
  ``jsonschema`` package.

Nothing here imports our signing or verifying code: the Python side only collects documents (the
credential, our DID document and JWKS, the status list) and the JSON-LD contexts we vendor, which
the Node loader serves offline. A context we do not vendor is a failure, never a network fetch.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

import jsonschema

HERE: Final = Path(__file__).resolve().parent
NODE_DIR: Final = HERE / "node"
SCHEMA_FILE: Final = HERE / "schemas" / "ob_v3p0_achievementcredential_schema.json"
SCHEMA_URL: Final = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
# SHA-256 of the vendored file, byte for byte (tests/interop/test_ob_schema.py checks it).
SCHEMA_SHA256: Final = "b7358e895f492e74055dc6bfc7ffc420d0e497f90c4579fb83d9519b86d393ea"
NODE_TIMEOUT_SECONDS: Final = 120


class VerifierSetupError(RuntimeError):
    """Node or the pinned npm packages are missing: run ``make interop``."""


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise VerifierSetupError("Node 20+ is needed for tests/interop; install it, then `make interop`")
    if not (NODE_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        raise VerifierSetupError(f"the verifiers are not installed: run `make interop` (npm ci in {NODE_DIR})")
    return node


def node_checks(
    checks: list[dict[str, Any]],
    *,
    contexts: Mapping[str, Any] | None = None,
    documents: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Run ``checks`` (see verify.mjs for the kinds) in one Node process; one result per check."""
    job = {"contexts": dict(contexts or {}), "documents": dict(documents or {}), "checks": checks}
    done = subprocess.run(
        [_node(), str(NODE_DIR / "verify.mjs")],
        input=json.dumps(job, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=NODE_DIR,
        timeout=NODE_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"verify.mjs exited {done.returncode}: {done.stderr.strip()}")
    results: list[dict[str, Any]] = json.loads(done.stdout)["results"]
    assert len(results) == len(checks), results
    return results


def node_check(check: dict[str, Any], **job: Any) -> dict[str, Any]:
    (result,) = node_checks([check], **job)
    return result


# --- JSON-LD contexts: ours, vendored, served to the Node loader ---------------------------------


def context_urls(*documents: Any) -> set[str]:
    """Every context URL named in ``@context`` anywhere inside ``documents``."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "@context":
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, str):
                            found.add(item)
                        else:
                            walk(item)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for document in documents:
        walk(document)
    return found


def vendored_contexts(urls: Iterable[str]) -> dict[str, Any]:
    """The contexts at ``urls`` from the certificates service's vendored copies (never the network).

    Contexts those contexts import are added too, so the Node loader has everything it may ask for.
    A URL we do not vendor raises: the Node side would refuse it anyway.
    """
    from certificates.adapters import jsonld_contexts

    served: dict[str, Any] = {}
    pending = list(urls)
    while pending:
        url = pending.pop()
        if url in served:
            continue
        document = jsonld_contexts.document_loader(url, {})["document"]
        if isinstance(document, (str, bytes)):
            document = json.loads(document)
        served[url] = document
        pending.extend(context_urls(document) - served.keys())
    return served


def loader_job(
    *, did_documents: Iterable[Mapping[str, Any]], credentials: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """``contexts`` and ``documents`` for the Node loader.

    ``credentials``: the JSON-LD credentials the checks will meet (certificates and status lists);
    their contexts come from our vendored copies, and status list credentials are served at their
    ``id`` (the URL a certificate's ``statusListCredential`` names). ``did_documents``: served by DID.
    DID documents are read as JSON by the verifiers (their ``@context`` starts with DID v1), so their
    contexts are not needed and not served.
    """
    credentials = list(credentials)
    documents: dict[str, Any] = {doc["id"]: dict(doc) for doc in did_documents}
    for credential in credentials:
        if "BitstringStatusListCredential" in credential.get("type", []):
            documents[credential["id"]] = dict(credential)
    return {"contexts": vendored_contexts(context_urls(*credentials)), "documents": documents}


def did_web_document_url(did: str, scheme: str = "https") -> str:
    """Where did:web resolution reads a DID document (did:web method specification, section 3.2):
    ``did:web:example.com%3A8443:a:b`` -> ``https://example.com:8443/a/b/did.json``, and a bare host
    -> ``https://host/.well-known/did.json``. ``scheme`` is ``http`` only for the tests' loopback stack."""
    prefix = "did:web:"
    if not did.startswith(prefix) or "#" in did:
        raise ValueError(f"not a did:web DID: {did!r}")
    host, *path = did[len(prefix) :].split(":")
    host = unquote(host)
    segments = [unquote(part) for part in path]
    return f"{scheme}://{host}/{'/'.join(segments)}/did.json" if segments else f"{scheme}://{host}/.well-known/did.json"


# --- tampering -----------------------------------------------------------------------------------


def one_character_changed(name: str) -> str:
    """``name`` with its last letter swapped for another (same length)."""
    last = name[-1]
    return name[:-1] + ("x" if last != "x" else "y")


def with_learner_name(credential: Mapping[str, Any], name: str) -> dict[str, Any]:
    tampered = copy.deepcopy(dict(credential))
    tampered["credentialSubject"]["name"] = name
    return tampered


def with_broken_proof_value(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The same credential with one character of its base58btc ``proofValue`` changed."""
    broken = copy.deepcopy(dict(credential))
    proof = broken["proof"]
    value: str = proof["proofValue"]
    middle = len(value) // 2
    replacement = "2" if value[middle] != "2" else "3"  # both base58btc digits
    proof["proofValue"] = value[:middle] + replacement + value[middle + 1 :]
    return broken


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def jwt_payload(token: str) -> dict[str, Any]:
    """The payload of a compact JWS, unverified (for schema checks and for tampering)."""
    payload: dict[str, Any] = json.loads(_b64url_decode(token.split(".")[1]))
    return payload


def jwt_with_learner_name(token: str, name: str) -> str:
    """The JWS with the payload's learner name changed and the original signature kept."""
    header, _, signature = token.split(".")
    payload = jwt_payload(token)
    payload["credentialSubject"]["name"] = name
    body = _b64url(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return f"{header}.{body}.{signature}"


def jwt_with_broken_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(_b64url_decode(signature))
    raw[len(raw) // 2] ^= 0x01
    return f"{header}.{payload}.{_b64url(bytes(raw))}"


# --- the Open Badges 3.0 JSON Schema --------------------------------------------------------------


def schema_sha256() -> str:
    return hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest()


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_bytes())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(credential: Mapping[str, Any]) -> list[str]:
    """Why ``credential`` is not a valid ``AchievementCredential`` (empty when it is)."""
    errors = sorted(_validator().iter_errors(dict(credential)), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]
