"""Our RDFC-1.0 canonical N-Quads (the fast path of ``certificates.adapters.rdfc``) against
rdf-canonize, the JavaScript implementation the ``@digitalbazaar/vc`` verifiers hash.

``services/certificates/tests/unit/test_rdfc.py`` shows the fast path equals pyld byte for byte;
this shows both equal an implementation that is neither ours nor pyld, on the same varied
credentials and proof configurations, and pins the one place pyld and RDFC-1.0 part: control
characters, which :func:`rdfc.canonical_nquads` therefore refuses.
"""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from certificates.adapters import rdfc

from .verifiers import NODE_DIR, NODE_TIMEOUT_SECONDS, _node, context_urls, vendored_contexts

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services" / "certificates" / "tests" / "unit"))
import rdfc_samples


def rdf_canonize(documents: list[dict[str, Any]]) -> list[dict[str, str]]:
    job = {"contexts": vendored_contexts(context_urls(*documents)), "documents": documents}
    done = subprocess.run(
        [_node(), str(NODE_DIR / "canonize.mjs")],
        input=json.dumps(job, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=NODE_DIR,
        timeout=NODE_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"canonize.mjs exited {done.returncode}: {done.stderr.strip()}")
    results: list[dict[str, str]] = json.loads(done.stdout)["results"]
    assert len(results) == len(documents)
    return results


def test_varied_credentials_and_proof_configurations_canonicalise_as_rdf_canonize_does() -> None:
    rng = random.Random(2026)
    fast = rdfc.Canonicaliser()
    documents: list[dict[str, Any]] = []
    for _ in range(400):
        credential = rdfc_samples.credential(rng)
        documents += [credential, rdfc_samples.proof_configuration(rng, credential)]
    ours = [fast.canonical_nquads(document) for document in documents]
    theirs = rdf_canonize(documents)
    different = [
        (document, result)
        for document, mine, result in zip(documents, ours, theirs, strict=True)
        if result != {"nquads": mine}
    ]
    assert not different, f"{len(different)} of {len(documents)} differ; first: {different[0][0]!r}"
    assert fast.fast_hits >= 0.9 * len(documents)


def test_pyld_and_rdf_canonize_escape_control_characters_differently_so_we_refuse_them() -> None:
    characters = ["\x08", "\x0c", "\x0b", "\x1f", "\x7f"]
    documents = []
    for character in characters:
        document = rdfc_samples.credential(random.Random(8))
        document["credentialSubject"]["name"] = f"Ann{character}a"
        documents.append(document)
    for document, theirs in zip(documents, rdf_canonize(documents), strict=True):
        assert theirs["nquads"] != rdfc.pyld_canonical_nquads(document)  # the divergence is real
        with pytest.raises(rdfc.CanonicalisationError, match="control character"):
            rdfc.canonical_nquads(copy.deepcopy(document))
