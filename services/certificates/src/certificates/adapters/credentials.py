"""The issuer as the service uses it: which key, which identity, which status list a certificate uses.

Signing itself (Open Badges 3.0 as a ``vc+jwt``, did:web, JWKS) lives in ``signing.py`` and the
Bitstring Status List encoding in ``status_list.py``; this module binds them to our settings and to
the database's status-list slots.

Slots and positions: the database hands out consecutive *slots* from a sequence (cheap, never
reused, safe across workers). Slot ``n`` lives in list ``n // LIST_SIZE``; its bit position inside
the list is a fixed permutation of ``n % LIST_SIZE``, so consecutive certificates do not sit in
consecutive bits and a revoked bit does not reveal issue order (the herd privacy the status list
specification asks for).
"""

from __future__ import annotations

import base64
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from certificates.adapters.data_integrity import verify_data_integrity
from certificates.adapters.signing import (
    CredentialVerificationError,
    IssuerKey,
    IssuerPublicKey,
    build_did_document,
    build_jwks,
    build_open_badge_credential,
    did_web_for,
    envelope_credential,
    token_payload,
    verification_method_id,
    verify_credential_jwt,
)
from certificates.adapters.status_list import (
    MIN_LIST_BITS,
    build_status_list_credential,
    sign_status_list_credential,
    status_list_entry,
)
from certificates.config import CertificatesSettings
from certificates.domain.participation import PARTICIPATION, PrintedEvent
from certificates.domain.templates import format_date_range
from certificates.service_layer.ports import CredentialFacts, SignedCredential
from lms_shared.db import utcnow

LIST_SIZE: Final = MIN_LIST_BITS
# An odd multiplier is a bijection modulo a power of two; the offset moves slot 0 off bit 0.
_PERMUTE_MULTIPLIER: Final = 0x9E3B
_PERMUTE_OFFSET: Final = 0x5A5A
CRITERIA: Final = "Completed every required lesson and passed every required quiz of the course."
# A certificate of participation (issue 15). Open Badges 3.0's AchievementType vocabulary has no term
# for attending an event (``Certificate`` and ``CertificateOfCompletion`` say more than attendance), and
# the vocabulary is extended by the ``ext:`` naming convention its schema allows.
PARTICIPATION_ACHIEVEMENT_TYPE: Final = "ext:Participation"
PARTICIPATION_CRITERIA: Final = "Took part in the event: attended every required session"
# JWT claims that are not part of the credential itself (tokens before issue 17 also carried ``jti``).
_JWT_ONLY_CLAIMS: Final = ("iss", "jti")


def participation_criteria(event: PrintedEvent | None) -> str:
    """``criteria.narrative`` of a certificate of participation: attendance, and when and where (as printed)."""
    if event is None:
        return f"{PARTICIPATION_CRITERIA}."
    when = format_date_range(event.first_day, event.last_day, "en")
    venue = _without_controls(event.venue or "")
    return f"{PARTICIPATION_CRITERIA} ({when}, {event.timezone}{', ' + venue if venue else ''})."


def _without_controls(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or unicodedata.category(ch) != "Cc").strip()


def achievement_description(summary: str | None, course_title: str, kind: str = "COMPLETION") -> str:
    """``achievement.description``: the course summary, or a sentence naming the course if it has none.

    Control characters other than tab and line breaks are dropped: the summary comes from the
    course's authors as it is, and RDFC-1.0 implementations escape those characters differently,
    so a proof over them would not verify elsewhere (``rdfc`` refuses them).
    """
    text = _without_controls(summary or "")
    if kind == PARTICIPATION:
        return text or f"Participation in the event {course_title}."
    return text or f"Completion of the course {course_title}."


def bit_position(slot: int) -> int:
    """The bit of a slot inside its list (a permutation of ``slot % LIST_SIZE``)."""
    return (_PERMUTE_MULTIPLIER * (slot % LIST_SIZE) + _PERMUTE_OFFSET) % LIST_SIZE


def load_issuer_key(settings: CertificatesSettings) -> IssuerKey:
    """The issuer key: ``LMS_ISSUER_PRIVATE_KEY`` (production), else a PEM kept in the data folder."""
    if settings.issuer_private_key.strip():
        return IssuerKey.from_pem(settings.issuer_private_key)
    if settings.env == "production":
        raise RuntimeError(
            "Set LMS_ISSUER_PRIVATE_KEY to the issuer's Ed25519 private key (PKCS#8 PEM) from your secret store; "
            "production never generates one, or every restart would invalidate the issued credentials."
        )
    return IssuerKey.load_or_generate(Path(settings.data_dir) / "keys" / "issuer-ed25519.pem")


RETIRED_KEYS_FOLDER: Final = Path("keys") / "retired"


def parse_retired_keys(text: str) -> list[IssuerPublicKey]:
    """The public keys in ``LMS_ISSUER_RETIRED_KEYS``.

    Accepted forms: a JSON list whose items are public JWKs or ``PUBLIC KEY`` PEM strings; a JWK
    Set (``{"keys": [...]}``, e.g. a saved copy of our own ``/.well-known/jwks.json``); or plain
    text with one or more ``PUBLIC KEY`` PEM blocks. Private keys are refused: this setting is
    configuration, not a secret. Raises ValueError naming the offending item.
    """
    text = text.strip()
    if not text:
        return []
    if text[0] not in "[{":
        blocks = [b for b in text.split("-----END PUBLIC KEY-----") if b.strip()]
        if not blocks or any("-----BEGIN PUBLIC KEY-----" not in b for b in blocks):
            raise ValueError(
                "LMS_ISSUER_RETIRED_KEYS must be a JSON list of public JWKs or PEM strings, a JWK Set, "
                "or PUBLIC KEY PEM blocks"
            )
        items: list[Any] = [b + "-----END PUBLIC KEY-----" for b in blocks]
    else:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"LMS_ISSUER_RETIRED_KEYS is not valid JSON: {exc}") from None
        if isinstance(document, dict):
            if not isinstance(document.get("keys"), list):
                raise ValueError("LMS_ISSUER_RETIRED_KEYS: a JSON object must be a JWK Set with a 'keys' list")
            document = document["keys"]
        if not isinstance(document, list):
            raise ValueError("LMS_ISSUER_RETIRED_KEYS must be a JSON list")
        items = document
    keys: list[IssuerPublicKey] = []
    for number, item in enumerate(items, start=1):
        try:
            if isinstance(item, dict):
                keys.append(IssuerPublicKey.from_jwk(item))
            elif isinstance(item, str):
                keys.append(IssuerPublicKey.from_pem(item))
            else:
                raise ValueError(f"expected a JWK object or a PEM string, got {type(item).__name__}")
        except ValueError as exc:
            raise ValueError(f"LMS_ISSUER_RETIRED_KEYS key {number}: {exc}") from None
    return keys


def read_retired_key_files(folder: Path) -> list[IssuerPublicKey]:
    """Every ``*.pem`` in ``folder`` (private or public PEM; only the public half is kept), by name.

    Development rotates by moving the old key file here: see the README's key rotation section.
    """
    if not folder.is_dir():
        return []
    keys: list[IssuerPublicKey] = []
    for path in sorted(folder.glob("*.pem")):
        try:
            keys.append(IssuerPublicKey.from_pem(path.read_bytes(), allow_private=True))
        except ValueError as exc:
            raise ValueError(f"retired issuer key {path}: {exc}") from None
    return keys


def load_retired_keys(settings: CertificatesSettings) -> list[IssuerPublicKey]:
    """Retired issuer public keys: ``LMS_ISSUER_RETIRED_KEYS``, then ``{LMS_DATA_DIR}/keys/retired/*.pem``."""
    return parse_retired_keys(settings.issuer_retired_keys) + read_retired_key_files(
        Path(settings.data_dir) / RETIRED_KEYS_FOLDER
    )


def published_keys(current: IssuerKey, retired: Iterable[IssuerPublicKey]) -> list[IssuerPublicKey]:
    """The current key first, then each retired key once (a retired copy of the current key is dropped)."""
    keys = [current.public]
    seen = {current.key_id}
    for key in retired:
        if key.key_id not in seen:
            seen.add(key.key_id)
            keys.append(key)
    return keys


def jws_key_id(token: str) -> str | None:
    """The ``kid`` in a compact JWS's protected header, or None if there is none or it is unreadable."""
    header = token.split(".", 1)[0]
    try:
        kid = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))).get("kid")
    except (ValueError, AttributeError):
        return None
    return kid if isinstance(kid, str) else None


class VcJwtSigner:
    """Signs certificates and status lists with the current issuer key, under our did:web identity.

    Only the current key signs. The DID document and the JWKS publish it together with every
    retired key, so credentials signed before a rotation keep verifying.
    """

    def __init__(
        self,
        key: IssuerKey,
        public_url: str,
        retired: Sequence[IssuerPublicKey] = (),
        *,
        data_integrity: bool = True,
    ) -> None:
        self.key = key
        self.data_integrity = data_integrity  # False: VC-JWT only at issue (LMS_DATA_INTEGRITY_PROOFS)
        self.public_url = public_url.rstrip("/")
        self.did = did_web_for(self.public_url)
        self.verification_method = verification_method_id(self.did, key)
        self.data_integrity_method = key.multikey_id(self.did)
        self.published = published_keys(key, retired)

    def status_list_url(self, list_number: int) -> str:
        """The public URL of a status list: the gateway serves it at ``/status-lists/{n}``."""
        return f"{self.public_url}/status-lists/{list_number}"

    def status_list_of(self, index: int) -> int:
        return index // LIST_SIZE

    def status_list_bounds(self, list_number: int) -> tuple[int, int]:
        return list_number * LIST_SIZE, (list_number + 1) * LIST_SIZE - 1

    def sign(self, facts: CredentialFacts) -> SignedCredential:
        """The certificate's Open Badges 3.0 credential, signed, in its enveloped JSON form."""
        list_number = self.status_list_of(facts.status_list_index)
        version = f"/versions/{facts.course_version}" if facts.course_version else ""
        credential = build_open_badge_credential(
            credential_id=facts.verify_url,
            issuer_id=self.did,
            issuer_name=facts.issuer_name,
            learner_name=facts.learner_name,
            achievement_id=f"{self.public_url}/courses/{facts.course_id}{version}",
            course_title=facts.course_title,
            description=achievement_description(facts.course_summary, facts.course_title, facts.kind),
            criteria=participation_criteria(facts.event) if facts.kind == PARTICIPATION else CRITERIA,
            valid_from=facts.issued_at,
            credential_status=status_list_entry(
                self.status_list_url(list_number), bit_position(facts.status_list_index)
            ),
            language=facts.lang,
            achievement_type=PARTICIPATION_ACHIEVEMENT_TYPE if facts.kind == PARTICIPATION else "Certificate",
        )
        jws = self.key.sign_credential(credential, verification_method=self.verification_method)
        return SignedCredential(
            credential=dict(envelope_credential(jws)),
            jws=jws,
            data_integrity=self._add_proof(credential, created=facts.issued_at) if self.data_integrity else None,
        )

    def _add_proof(self, credential: dict[str, Any], *, created: datetime | None = None) -> dict[str, Any]:
        return self.key.add_data_integrity_proof(
            credential, verification_method=self.data_integrity_method, created=created or utcnow()
        )

    def data_integrity_of(self, token: str, *, created: datetime | None = None) -> dict[str, Any]:
        """The Data Integrity form of a credential we signed as a VC-JWT (for certificates issued
        before issue 17): the token's credential, without its JWT-only claims, with a proof by the
        current key. The token's own signature is not checked here; it is ours, from our database.
        """
        payload = token_payload(token)
        credential = {name: value for name, value in payload.items() if name not in _JWT_ONLY_CLAIMS}
        return self._add_proof(credential, created=created)

    def _status_list_credential(self, list_number: int, revoked_indexes: list[int]) -> dict[str, Any]:
        return build_status_list_credential(
            list_url=self.status_list_url(list_number),
            issuer_id=self.did,
            revoked=[bit_position(i) for i in revoked_indexes],
            valid_from=utcnow(),
            ttl_ms=60_000,
        )

    def sign_status_list(self, list_number: int, revoked_indexes: list[int]) -> str:
        credential = self._status_list_credential(list_number, revoked_indexes)
        return sign_status_list_credential(self.key, credential, verification_method=self.verification_method)

    def sign_status_list_data_integrity(self, list_number: int, revoked_indexes: list[int]) -> dict[str, Any]:
        """The same BitstringStatusListCredential with an ``eddsa-rdfc-2022`` proof."""
        return self._add_proof(self._status_list_credential(list_number, revoked_indexes))

    def signed_with_current_key(self, token: str) -> bool:
        """Whether a JWS we stored names the current key (False after a rotation, so it is re-signed)."""
        return jws_key_id(token) == self.verification_method

    def proved_with_current_key(self, document: Mapping[str, Any]) -> bool:
        """Whether a stored Data Integrity document's proof names the current key."""
        proof = document.get("proof")
        return isinstance(proof, Mapping) and proof.get("verificationMethod") == self.data_integrity_method

    def verify_data_integrity(self, credential: Mapping[str, Any]) -> bool:
        """Whether the credential's ``eddsa-rdfc-2022`` proof verifies with a published key (current or retired)."""
        return verify_data_integrity(credential, self.published)

    def verify_jwt(self, token: str) -> bool:
        """Whether a VC-JWT's signature verifies with the published key its ``kid`` names."""
        kid = jws_key_id(token)
        key = next((k for k in self.published if verification_method_id(self.did, k) == kid), None)
        if key is None:
            return False
        try:
            verify_credential_jwt(token, key.public_jwk)
        except CredentialVerificationError:
            return False
        return True

    def did_document(self) -> dict[str, Any]:
        return build_did_document(self.public_url, self.published)

    def jwks(self) -> dict[str, Any]:
        return dict(build_jwks(self.published, did=self.did))
