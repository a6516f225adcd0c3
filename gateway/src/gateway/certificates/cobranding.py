"""National co-branding of certificates (addition, issue 14 item 5): a member state's variant of a template.

Backed by the certificates service's ``/v1/templates/{id}/variants`` routes, which authorize every
call again: admins list, save and remove variants; admins, and a state's own country admin, preview
it. Images travel as base64 (PNG or JPEG); the service checks their type and size.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

import strawberry

from gateway.clients import seg
from gateway.context import Info, ctx_of
from gateway.types import DateTime, Json, LocalizedText, LocalizedTextInput, localized
from lms_shared.errors import DomainError, ErrorCode

DEFAULT_TEMPLATE = "default"
LangArg = Annotated[str | None, strawberry.argument(description="Answer in this language if the text has it.")]


def _pairs(texts: Any) -> list[LocalizedText]:
    return [LocalizedText(lang=k, text=v) for k, v in sorted((texts or {}).items())]


def _signatory_title(root: strawberry.Parent[Json], info: Info, lang: LangArg = strawberry.UNSET) -> str | None:
    return localized(root.get("titles"), lang, ctx_of(info).locale, "en")


def _signatory_titles(root: strawberry.Parent[Json]) -> list[LocalizedText]:
    return _pairs(root.get("titles"))


@strawberry.type(description="Addition: a national partner's signatory printed on a state's certificates.")
class VariantSignatory:
    name: str | None = strawberry.field(description="The name as printed (Latin script).")
    title: str | None = strawberry.field(resolver=_signatory_title, description="Their title, in a language.")
    titles: list[LocalizedText] = strawberry.field(resolver=_signatory_titles, description="Their title per language.")
    hasSignatureImage: bool = strawberry.field(description="Whether a signature image is printed above the name.")


def _partner_name(root: strawberry.Parent[Json], info: Info, lang: LangArg = strawberry.UNSET) -> str:
    return localized(root.get("partnerNames"), lang, ctx_of(info).locale, "en") or ""


def _partner_names(root: strawberry.Parent[Json]) -> list[LocalizedText]:
    return _pairs(root.get("partnerNames"))


@strawberry.type(
    description="Addition: a member state's co-branding of a certificate template: its national partner's name,"
    " logo and signatories, printed next to the issuer's on the certificates of that state's learners."
)
class CertificateVariant:
    templateId: strawberry.ID = strawberry.field(description="The template it varies.")
    org: str = strawberry.field(description="The member state (ISO 3166 alpha-2) whose learners get it.")
    version: int = strawberry.field(description="Each save is a new version; issued certificates keep theirs.")
    partnerName: str = strawberry.field(resolver=_partner_name, description="The partner's name, in a language.")
    partnerNames: list[LocalizedText] = strawberry.field(resolver=_partner_names, description="Per language.")
    hasLogo: bool = strawberry.field(description="Whether the partner's logo is printed.")
    signatories: list[VariantSignatory] = strawberry.field(description="The partner's signatories.")
    createdAt: DateTime = strawberry.field(description="When this version was saved.")


@strawberry.input(description="Addition: a national partner's signatory.")
class VariantSignatoryInput:
    name: str = strawberry.field(description="The name as printed (Latin script).")
    titles: list[LocalizedTextInput] = strawberry.field(description="Their title per language (at least en).")
    signatureImage: str | None = strawberry.field(
        default=None, description="A PNG or JPEG signature, base64-encoded (no data: prefix)."
    )
    keepSignatureImage: bool = strawberry.field(
        default=False,
        description="Without signatureImage: keep the current version's signature at the same position.",
    )


@strawberry.input(description="Addition: a state's co-branding, saved as a new version of its variant.")
class CertificateVariantInput:
    partnerNames: list[LocalizedTextInput] = strawberry.field(description="The partner's name per language, incl. en.")
    partnerLogo: str | None = strawberry.field(
        default=None, description="The partner's logo, PNG or JPEG, base64-encoded (no data: prefix)."
    )
    keepLogo: bool = strawberry.field(
        default=False, description="Without partnerLogo: keep the current version's logo (an edit of the texts)."
    )
    signatories: list[VariantSignatoryInput] = strawberry.field(
        default_factory=list, description="The partner's signatories, printed after the issuer's."
    )


def _body(input: CertificateVariantInput) -> dict[str, Any]:
    body: dict[str, Any] = {
        "partnerNames": {t.lang: t.text for t in input.partnerNames},
        "signatories": [
            {"name": s.name, "titles": {t.lang: t.text for t in s.titles}}
            | ({"signatureImage": s.signatureImage} if s.signatureImage else {})
            | ({"keepSignatureImage": True} if s.keepSignatureImage and not s.signatureImage else {})
            for s in input.signatories
        ],
    }
    if input.partnerLogo:
        body["partnerLogo"] = input.partnerLogo
    elif input.keepLogo:
        body["keepLogo"] = True
    return body


def _path(templateId: str | None, org: str | None = None) -> str:
    path = f"/v1/templates/{seg(templateId or DEFAULT_TEMPLATE)}/variants"
    return f"{path}/{seg(org)}" if org is not None else path


async def certificate_variants(info: Info, templateId: strawberry.ID | None = None) -> list[CertificateVariant]:
    """Every state's co-branding of a template (the default template unless named)."""
    ctx = ctx_of(info)
    try:
        body: Json = await ctx.state.clients.certificates.request("GET", _path(templateId), token=ctx.token)
    except DomainError as exc:
        if exc.code is ErrorCode.NOT_FOUND:
            return []
        raise
    nodes: list[CertificateVariant] = body["nodes"]
    return nodes


async def save_certificate_variant(
    info: Info, org: str, input: CertificateVariantInput, templateId: strawberry.ID | None = None
) -> CertificateVariant:
    """Set a state's co-branding: a new version of its variant, used for certificates issued from now on."""
    ctx = ctx_of(info)
    result: CertificateVariant = await ctx.state.clients.certificates.request(
        "PUT", _path(templateId, org), token=ctx.token, json=_body(input)
    )
    return result


async def remove_certificate_variant(info: Info, org: str, templateId: strawberry.ID | None = None) -> bool:
    """The state's certificates go back to the template without a partner; issued ones keep theirs."""
    ctx = ctx_of(info)
    await ctx.state.clients.certificates.request("DELETE", _path(templateId, org), token=ctx.token)
    return True


async def preview_certificate_variant(
    info: Info,
    org: str,
    input: CertificateVariantInput | None = None,
    templateId: strawberry.ID | None = None,
    lang: str | None = None,
) -> str:
    """A sample certificate of that state, marked PREVIEW, as a ``data:application/pdf;base64,…`` URL.

    With ``input``, the draft as it would print (nothing is stored); without it, the stored variant.
    """
    ctx = ctx_of(info)
    params = {"lang": (lang or ctx.locale or "en").split("-")[0].lower()}
    pdf = await ctx.state.clients.certificates.request_bytes(
        "POST",
        f"{_path(templateId, org)}/preview",
        token=ctx.token,
        params=params,
        json=_body(input) if input is not None else None,
    )
    return "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")
