"""Templates as admin-editable data: what the API accepts, refuses, and how it becomes a template."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from certificates.service_layer.issuing import Actor
from certificates.service_layer.templates import SaveTemplate, build_template, save_template, template_json
from lms_shared.errors import BadInput

from .fakes import FakeObjects, FakeUnitOfWork, fake_ports

pytestmark = pytest.mark.unit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


ADMIN = Actor("admin-1", "Aida Admin")


def test_partial_texts_fall_back_to_the_built_in_wording() -> None:
    template = build_template("ministry", {"texts": {"kk": {"headline": "Құрмет грамотасы"}}}, {})
    assert template.texts_for("kk").headline == "Құрмет грамотасы"
    assert template.texts_for("kk").issued_on == "Берілген күні"
    assert template.texts_for("az").headline == "Kursu bitirmə sertifikatı"


def test_signatories_logos_and_issuer_names() -> None:
    data = {
        "issuerNames": {"en": "Ministry of Urban Development", "az": "Şəhərsalma Nazirliyi"},
        "signatories": [{"name": "Leyla Həsənova", "titles": {"en": "Director"}, "signatureImageKey": "k1"}],
        "logoKeys": ["k2"],
        "colours": {"primary": "#003366"},
    }
    template = build_template("ministry", data, {"k1": PNG, "k2": PNG})
    assert template.issuer_name("az") == "Şəhərsalma Nazirliyi"
    assert template.issuer_name("kk") == "Ministry of Urban Development"
    assert template.signatories[0].signature_image == PNG and template.logos == (PNG,)
    assert template.colours.primary == "#003366"


async def test_save_validates_and_stores_images() -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    body = {
        "issuerNames": {"en": "Academy"},
        "signatories": [
            {"name": "A. B.", "titles": {"en": "Rector"}, "signatureImage": base64.b64encode(PNG).decode()}
        ],
        "logos": [base64.b64encode(PNG).decode()],
    }
    result = await save_template(uow, ADMIN, SaveTemplate("academy", body), ports)
    assert result["id"] == "academy" and result["logoCount"] == 1
    assert result["signatories"][0]["hasSignatureImage"] is True
    assert isinstance(ports.images, FakeObjects)
    saved = ports.images.objects
    assert len(saved) == 2 and all(k.startswith("templates/academy/") for k in saved)
    stored = uow.tables.templates["academy"]
    assert stored.updated_by == "admin-1" and len(stored.data["logoKeys"]) == 1
    assert [(a.action, a.template_id) for a in uow.tables.audit] == [("template_update", "academy")]
    template = await ports.templates.get(uow, "academy")
    assert template.issuer_name("en") == "Academy" and template.logos == (PNG,)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"colours": {"primary": "red"}}, "colour 'primary' must look like #RRGGBB"),
        ({"signatories": [{"name": f"S{i}", "titles": {"en": "T"}} for i in range(4)]}, "at most 3 signatories"),
        ({"signatories": [{"name": "S", "titles": {"tr": "Müdür"}}]}, "must include 'en'"),
        ({"logos": ["not base64!"]}, "logos[0] is not valid base64"),
        ({"logos": [base64.b64encode(b"GIF89a").decode()]}, "neither a PNG nor a JPEG"),
        ({"colours": {"neon": "#FFFFFF"}}, "unknown field"),
    ],
)
async def test_bad_templates_are_refused_with_the_field_named(body: dict[str, Any], message: str) -> None:
    uow, ports = FakeUnitOfWork(), fake_ports()
    with pytest.raises(BadInput) as info:
        await save_template(uow, ADMIN, SaveTemplate("t", body), ports)
    assert message in info.value.message
    assert isinstance(ports.images, FakeObjects)
    assert not ports.images.objects and not uow.tables.templates, "nothing is stored for a refused template"


def test_json_shape_never_contains_image_bytes() -> None:
    shown = template_json("t", {"logoKeys": ["a", "b"], "signatories": [{"name": "X", "titles": {}}]}, None)
    assert shown["logoCount"] == 2 and shown["signatories"][0]["hasSignatureImage"] is False
