"""National co-branding (issue 14, item 5): a state's variant of a template, chosen by the certificate's org."""

from __future__ import annotations

import base64
import dataclasses
import io
import os
import subprocess
import sys
import textwrap
from typing import Any

import pypdf
import pytest
from PIL import Image

from certificates.adapters.pdf import CertificateRenderer
from certificates.domain.cobranding import Partner, cobranded
from certificates.domain.templates import MAX_IMAGE_BYTES, Signatory, TemplateError, default_template
from certificates.service_layer import bulk, cobranding, printing, templates
from certificates.service_layer.issuing import Actor, IssueCertificate, issue_certificate
from certificates.service_layer.ports import Ports
from lms_shared.auth import Principal, Role
from lms_shared.errors import BadInput, Forbidden, NotFound

from .fakes import FakeObjects, FakeUnitOfWork, course, fake_ports

pytestmark = pytest.mark.unit

ADMIN = Actor("admin-1", "Aida Admin")
P_ADMIN = Principal(sub="admin-1", name="Aida Admin", roles=frozenset({Role.ADMIN}))
P_CA_AZ = Principal(sub="ca-az", name="Nigar Babayeva", roles=frozenset({Role.COUNTRY_ADMIN}), org="AZ")
P_CA_KZ = Principal(sub="ca-kz", name="Dana Omarova", roles=frozenset({Role.COUNTRY_ADMIN}), org="KZ")
P_TRAINER = Principal(sub="trainer-1", name="Timur Trainer", roles=frozenset({Role.TRAINER}))

PARTNER_AZ = "Şəhərsalma və Arxitektura üzrə Dövlət Komitəsi"
PARTNER_EN = "State Committee on Urban Planning and Architecture"
CHAIR = "Anar Quliyev"


def _png(colour: tuple[int, int, int] = (0, 100, 200)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 4), colour).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def az_variant(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "partnerNames": {"en": PARTNER_EN, "az": PARTNER_AZ},
        "partnerLogo": _png(),
        "signatories": [{"name": CHAIR, "titles": {"en": "Chairman", "az": "Sədr"}}],
    }
    return body | changes


@pytest.fixture(scope="module")
def renderer() -> CertificateRenderer:
    return CertificateRenderer()


@pytest.fixture
def world(renderer: CertificateRenderer) -> tuple[FakeUnitOfWork, Ports]:
    uow = FakeUnitOfWork()
    c = course(titles={"en": "Participatory budgeting", "az": "İştirakçı büdcə"}, languages=["en", "az"])
    uow.tables.courses[c.id] = c
    uow.work.courses[c.id] = c
    return uow, dataclasses.replace(fake_ports(), renderer=renderer)


def _text(pdf: bytes) -> str:
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def _stored_pdf(ports: Ports, key: str) -> bytes:
    assert isinstance(ports.pdfs, FakeObjects)
    return ports.pdfs.objects[key]


async def _issue(uow: FakeUnitOfWork, ports: Ports, learner: str, org: str, locale: str = "az") -> Any:
    recipient = {"name": f"Learner {learner}", "learnerId": learner, "org": org, "locale": locale}
    cert, _ = await issue_certificate(uow, ADMIN, IssueCertificate("course-1", recipient), ports)
    return cert


async def test_the_certificates_org_picks_its_states_variant_and_no_other_state_gets_it(
    world: tuple[FakeUnitOfWork, Ports],
) -> None:
    uow, ports = world
    saved = await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("default", "az", az_variant()), ports)
    assert saved["org"] == "AZ" and saved["version"] == 1 and saved["hasLogo"]

    az = await _issue(uow, ports, "l-az", "AZ")
    kz = await _issue(uow, ports, "l-kz", "KZ", locale="en")

    az_text, kz_text = _text(_stored_pdf(ports, az.pdf_key)), _text(_stored_pdf(ports, kz.pdf_key))
    assert PARTNER_AZ in az_text and CHAIR in az_text and "Sədr" in az_text
    assert PARTNER_AZ not in kz_text and PARTNER_EN not in kz_text and CHAIR not in kz_text
    assert az.printed["partner"] == {"org": "AZ", "version": 1, "digest": saved["digest"], "name": PARTNER_AZ}
    assert {"name": CHAIR, "title": "Sədr"} in az.printed["signatories"]
    assert "partner" not in kz.printed
    # The credential's issuer stays ours: the partner is on paper only.
    assert az.issuer_name == default_template().issuer_name("az")


async def test_a_certificate_re_renders_with_the_variant_version_it_was_issued_with(
    world: tuple[FakeUnitOfWork, Ports],
) -> None:
    uow, ports = world
    before = await _issue(uow, ports, "l-early", "AZ")  # no variant yet
    await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("default", "AZ", az_variant()), ports)
    v1 = await _issue(uow, ports, "l-v1", "AZ")
    renamed = az_variant(partnerNames={"en": "Another committee", "az": "Başqa komitə"}, partnerLogo=_png((9, 9, 9)))
    second = await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("default", "AZ", renamed), ports)
    assert second["version"] == 2
    v2 = await _issue(uow, ports, "l-v2", "AZ")
    assert "Başqa komitə" in _text(_stored_pdf(ports, v2.pdf_key))

    originals = {c.id: _stored_pdf(ports, c.pdf_key) for c in (before, v1, v2)}
    await cobranding.remove_variant(uow, ADMIN, "default", "AZ")
    for cert in (before, v1, v2):
        again = await printing.rerender_certificate(uow, ports, cert.id)
        assert again == originals[cert.id], f"{cert.learner_name} re-rendered differently"
    after = await _issue(uow, ports, "l-after", "AZ")
    assert "partner" not in after.printed and PARTNER_AZ not in _text(_stored_pdf(ports, after.pdf_key))


async def test_saving_the_same_variant_again_stores_no_new_version(world: tuple[FakeUnitOfWork, Ports]) -> None:
    uow, ports = world
    first = await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("default", "AZ", az_variant()), ports)
    again = await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("default", "AZ", az_variant()), ports)
    assert again["version"] == first["version"] == 1 and len(uow.tables.variants) == 1
    assert [a.action for a in uow.tables.audit] == ["template_variant_update"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"partnerNames": {}}, "partnerNames is required"),
        ({"partnerNames": {"az": PARTNER_AZ}}, "must include 'en'"),
        ({"partnerNames": {"en": "x" * 201}}, "the limit is 200"),
        ({"partnerNames": {"EN": "x"}}, "lowercase ISO 639"),
        ({"colour": "#FFFFFF"}, "unknown fields: colour"),
        ({"partnerLogo": "not base64!"}, "partnerLogo is not valid base64"),
        ({"partnerLogo": base64.b64encode(b"GIF89a....").decode()}, "neither a PNG nor a JPEG"),
        (
            {"partnerLogo": base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * MAX_IMAGE_BYTES).decode()},
            "the limit is 2097152",
        ),
        ({"signatories": [{"name": "A", "titles": {"en": "T"}}] * 3}, "at most 2 signatories"),
        ({"signatories": [{"name": "A", "titles": {"en": "T"}, "rank": 1}]}, "unknown fields: rank"),
        ({"signatories": [{"name": "", "titles": {"en": "T"}}]}, "signatory.name must be a non-empty string"),
        ({"signatories": "Anar"}, "signatories must be a list"),
    ],
)
async def test_a_bad_variant_is_refused_with_the_field_and_the_reason(
    world: tuple[FakeUnitOfWork, Ports], body: dict[str, Any], message: str
) -> None:
    uow, ports = world
    with pytest.raises(BadInput, match=message):
        await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("default", "AZ", az_variant(**body)), ports)
    assert not uow.tables.variants and uow.commits == 0


async def test_bad_state_unknown_template_and_removing_nothing_are_refused(world: tuple[FakeUnitOfWork, Ports]) -> None:
    uow, ports = world
    with pytest.raises(BadInput, match="two-letter country code"):
        await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("default", "AZE", az_variant()), ports)
    with pytest.raises(NotFound, match="no certificate template 'nope'"):
        await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("nope", "AZ", az_variant()), ports)
    with pytest.raises(NotFound, match="no variant for KZ"):
        await cobranding.remove_variant(uow, ADMIN, "default", "KZ")


async def test_the_page_holds_at_most_four_signatories_in_all(world: tuple[FakeUnitOfWork, Ports]) -> None:
    uow, ports = world
    three = [{"name": f"Signer {i}", "titles": {"en": "Rector"}} for i in range(3)]
    await templates.save_template(uow, ADMIN, templates.SaveTemplate("default", {"signatories": three}), ports)
    two = [{"name": f"Partner {i}", "titles": {"en": "Chair"}} for i in range(2)]
    with pytest.raises(BadInput, match="at most 4"):
        await cobranding.save_variant(
            uow, ADMIN, cobranding.SaveVariant("default", "AZ", az_variant(signatories=two)), ports
        )
    await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("default", "AZ", az_variant()), ports)
    # And the template cannot grow past what its variants leave room for.
    await templates.save_template(uow, ADMIN, templates.SaveTemplate("default", {"signatories": three}), ports)
    await templates.save_template(uow, ADMIN, templates.SaveTemplate("default", {"signatories": three[:2]}), ports)
    await cobranding.save_variant(
        uow, ADMIN, cobranding.SaveVariant("default", "AZ", az_variant(signatories=two)), ports
    )
    with pytest.raises(BadInput, match="the AZ variant adds 2 partner signatories"):
        await templates.save_template(uow, ADMIN, templates.SaveTemplate("default", {"signatories": three}), ports)


async def test_preview_renders_a_watermarked_sample_and_stores_nothing(world: tuple[FakeUnitOfWork, Ports]) -> None:
    uow, ports = world
    await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("default", "AZ", az_variant()), ports)
    assert isinstance(ports.pdfs, FakeObjects)
    objects, commits, variants = dict(ports.pdfs.objects), uow.commits, dict(uow.tables.variants)

    stored = await cobranding.preview_variant(
        uow, P_CA_AZ, cobranding.PreviewVariant("default", "AZ", lang="az"), ports
    )
    text = _text(stored)
    assert stored.startswith(b"%PDF-") and "PREVIEW" in text and PARTNER_AZ in text and CHAIR in text
    draft = az_variant(partnerNames={"en": "Draft partner"})
    drafted = _text(
        await cobranding.preview_variant(uow, P_ADMIN, cobranding.PreviewVariant("default", "AZ", draft), ports)
    )
    assert "Draft partner" in drafted and PARTNER_EN not in drafted
    plain = _text(await cobranding.preview_variant(uow, P_ADMIN, cobranding.PreviewVariant("default", "KZ"), ports))
    assert "PREVIEW" in plain and PARTNER_EN not in plain
    assert ports.pdfs.objects == objects and uow.commits == commits and uow.tables.variants == variants
    assert not uow.tables.certificates

    with pytest.raises(BadInput, match="unknown fields: x"):
        await cobranding.preview_variant(uow, P_ADMIN, cobranding.PreviewVariant("default", "AZ", {"x": 1}), ports)


@pytest.mark.parametrize(
    ("user", "org", "allowed"),
    [
        (P_ADMIN, "KZ", True),
        (P_CA_AZ, "AZ", True),
        (P_CA_AZ, "KZ", False),
        (P_CA_KZ, "AZ", False),
        (P_TRAINER, "AZ", False),
    ],
)
async def test_who_may_preview(world: tuple[FakeUnitOfWork, Ports], user: Principal, org: str, allowed: bool) -> None:
    uow, ports = world
    command = cobranding.PreviewVariant("default", org)
    if allowed:
        assert (await cobranding.preview_variant(uow, user, command, ports)).startswith(b"%PDF-")
    else:
        with pytest.raises(Forbidden):
            await cobranding.preview_variant(uow, user, command, ports)


def test_a_template_without_a_partner_prints_exactly_as_before() -> None:
    """Adding the fields kept the fingerprint (the renderer's cache key) of every existing template."""
    plain = default_template()
    partner = Partner(org="AZ", version=1, names={"en": PARTNER_EN})
    assert plain.partner_name("en") is None and plain.for_org("AZ") is plain
    co = cobranded(plain, partner)
    assert co.fingerprint != plain.fingerprint and co.partner_name("az") == PARTNER_EN
    with pytest.raises(TemplateError, match="at most 4"):
        signers = tuple(Signatory(name=f"S{i}", titles={"en": "T"}) for i in range(3))
        cobranded(
            dataclasses.replace(plain, signatories=signers),
            Partner(org="AZ", version=1, names={"en": "P"}, signatories=signers[:2]),
        )


_RENDER = textwrap.dedent(
    """
    import base64, hashlib, io
    from datetime import UTC, datetime
    from PIL import Image
    from certificates.adapters.pdf import CertificateRenderer
    from certificates.domain.cobranding import Partner, cobranded
    from certificates.domain.model import CertificateDocument
    from certificates.domain.templates import Signatory, default_template

    buffer = io.BytesIO()
    Image.new("RGB", (8, 4), (0, 100, 200)).save(buffer, "PNG")
    partner = Partner(org="AZ", version=1, names={"en": "State Committee", "az": "Dövlət Komitəsi"},
                      logo=buffer.getvalue(), signatories=(Signatory(name="Anar Quliyev", titles={"en": "Chair"}),))
    template = cobranded(default_template(), partner)
    doc = CertificateDocument(code="KB-7QX4-M9PA-K3TD", learner_name="Rəşad Əliyev", course_title="Budgets",
                              issued_at=datetime(2025, 3, 12, 9, 30, tzinfo=UTC),
                              verify_url="https://kentbilim.example.org/verify/KB-7QX4-M9PA-K3TD",
                              course_version=3, issuer_name=template.issuer_name("az"))
    print(hashlib.sha256(CertificateRenderer().render(doc, template, "az")).hexdigest())
    """
)


def test_a_co_branded_certificate_renders_to_the_same_bytes_in_fresh_processes() -> None:
    digests = set()
    for seed in ("1", "4242"):
        done = subprocess.run(
            [sys.executable, "-c", _RENDER],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1, digests


async def test_a_bulk_chunk_of_several_states_prints_each_row_with_its_own_states_variant(
    world: tuple[FakeUnitOfWork, Ports],
) -> None:
    uow, ports = world
    await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("default", "AZ", az_variant()), ports)
    orgs = ["AZ", "KZ", "AZ", "UZ", None]
    recipients = [
        {"name": f"Row {i}", "email": f"r{i}@ex.org", **({"org": o} if o else {})} for i, o in enumerate(orgs)
    ]
    job = await bulk.start_bulk_issue(uow, ADMIN, bulk.StartBulkIssue("course-1", recipients=recipients), ports)
    for _, _, body in list(uow.tables.queue):
        await bulk.process_chunk(uow, None, bulk.ProcessChunk(bulk.ChunkMessage.from_json(body)), ports)
    done, _ = await bulk.get_job(uow, job.id)
    assert done.issued == len(orgs)
    for row in uow.tables.certificates.values():
        text = _text(_stored_pdf(ports, row["pdf_key"]))
        if row["org"] == "AZ":
            assert PARTNER_EN in text and row["printed"]["partner"]["version"] == 1, row["learner_name"]
        else:
            assert PARTNER_EN not in text and "partner" not in row["printed"], row["learner_name"]


async def test_an_edit_keeps_the_current_logo_and_signature_when_it_asks_to(
    world: tuple[FakeUnitOfWork, Ports],
) -> None:
    """The admin page changes a title without sending the images again: keepLogo / keepSignatureImage."""
    uow, ports = world
    signed = {"name": CHAIR, "titles": {"en": "Chairman", "az": "Sədr"}, "signatureImage": _png((9, 9, 9))}
    first = await cobranding.save_variant(
        uow, ADMIN, cobranding.SaveVariant("default", "AZ", az_variant(signatories=[signed])), ports
    )
    assert first["hasLogo"] and first["signatories"][0]["hasSignatureImage"]
    retitled = {"name": CHAIR, "titles": {"en": "Chair", "az": "Sədr"}, "keepSignatureImage": True}
    body = {"partnerNames": {"en": PARTNER_EN, "az": PARTNER_AZ}, "keepLogo": True, "signatories": [retitled]}
    second = await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("default", "AZ", body), ports)
    assert second["version"] == 2 and second["hasLogo"] and second["signatories"][0]["hasSignatureImage"]
    assert second["signatories"][0]["titles"]["en"] == "Chair"
    # Without the flags the images go: an edit never keeps what it was not asked to keep.
    bare = {
        "partnerNames": {"en": PARTNER_EN, "az": PARTNER_AZ},
        "signatories": [{"name": CHAIR, "titles": {"en": "Chair"}}],
    }
    third = await cobranding.save_variant(uow, ADMIN, cobranding.SaveVariant("default", "AZ", bare), ports)
    assert not third["hasLogo"] and not third["signatories"][0]["hasSignatureImage"]
