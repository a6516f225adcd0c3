"""National co-branding (issue 14, item 5): a member state's partner printed next to the issuer.

A template may have one *variant* per member state (the learner's ``org``, ISO 3166 alpha-2): the
national partner's name in any of the languages, an optional logo and up to two signatories. A
certificate for a learner of that state is printed with the template plus its state's variant
(:func:`cobranded`): the partner's logo after the issuer's logos, its name under the issuer's name,
its signatories after the issuer's. The credential's issuer stays ours; the partner is on paper only.

Variants are versioned and never changed once stored: a certificate records the version it was
printed with (``partner_stamp``), so it re-renders to the same bytes after the variant changed or
was removed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from certificates.domain.templates import (
    MAX_SIGNATORY_SLOTS,
    CertificateTemplate,
    Signatory,
    TemplateError,
    _check_image,
    _checked_language_map,
)

MAX_PARTNER_SIGNATORIES: Final = 2
_ORG_RE: Final = re.compile(r"[A-Z]{2}")
PREVIEW_WATERMARK: Final = "PREVIEW"


def check_org(org: object) -> str:
    """A member state's code as variants are keyed: two letters, upper-cased; else :class:`TemplateError`."""
    if not isinstance(org, str) or not org.isascii() or not _ORG_RE.fullmatch(org.upper()):
        raise TemplateError(
            f"org must be a member state's two-letter country code (ISO 3166 alpha-2, e.g. AZ), got {org!r}"
        )
    return org.upper()


@dataclass(frozen=True)
class Partner:
    """One stored version of a state's variant: what the national partner adds to the page."""

    org: str
    version: int
    names: Mapping[str, str]
    """The partner's name per language; must include English, the fallback."""
    logo: bytes | None = None
    signatories: tuple[Signatory, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "org", check_org(self.org))
        object.__setattr__(self, "names", _checked_language_map("partnerNames", self.names))
        if self.logo is not None:
            _check_image("partnerLogo", self.logo)
        signatories = tuple(self.signatories)
        if len(signatories) > MAX_PARTNER_SIGNATORIES:
            raise TemplateError(f"a partner has at most {MAX_PARTNER_SIGNATORIES} signatories, got {len(signatories)}")
        if not all(isinstance(s, Signatory) for s in signatories):
            raise TemplateError("signatories must be Signatory objects")
        object.__setattr__(self, "signatories", signatories)

    @property
    def digest(self) -> str:
        """SHA-256 over everything the variant prints (images included): what a certificate records."""
        h = hashlib.sha256()

        def add(part: object) -> None:
            data = part if isinstance(part, bytes) else repr(part).encode()
            h.update(len(data).to_bytes(8, "big"))
            h.update(data)

        add(self.org)
        add(sorted(self.names.items()))
        add(hashlib.sha256(self.logo or b"").digest())
        for s in self.signatories:
            add((s.name, sorted(s.titles.items()), sorted(s.names.items())))
            add(hashlib.sha256(s.signature_image or b"").digest())
        return h.hexdigest()

    def stamp(self) -> dict[str, Any]:
        """What a certificate printed with this variant keeps in its ``printed`` data."""
        return {"org": self.org, "version": self.version, "digest": self.digest}


def cobranded(template: CertificateTemplate, partner: Partner) -> CertificateTemplate:
    """``template`` with ``partner`` beside the issuer; :class:`TemplateError` if the page cannot hold both."""
    signatories = template.signatories + partner.signatories
    if len(signatories) > MAX_SIGNATORY_SLOTS:
        raise TemplateError(
            f"the template has {len(template.signatories)} signatories and the {partner.org} partner "
            f"{len(partner.signatories)}; a co-branded certificate prints at most {MAX_SIGNATORY_SLOTS}"
        )
    return dataclasses.replace(
        template,
        logos=template.logos + ((partner.logo,) if partner.logo is not None else ()),
        signatories=signatories,
        partner_names=dict(partner.names),
        partner_stamp=partner.stamp(),
        variants={},
    )


def for_preview(template: CertificateTemplate) -> CertificateTemplate:
    """The same template with the preview watermark: never used for a real certificate."""
    return dataclasses.replace(template, watermark=PREVIEW_WATERMARK, variants={})
