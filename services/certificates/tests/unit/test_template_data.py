"""Templates as admin-editable data: what the API accepts, refuses, and how it becomes a template."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from certificates.service_layer.templates import build_template, save_template, template_json
from lms_shared.errors import BadInput

pytestmark = pytest.mark.unit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class FakeSession:
    """Records the upsert instead of talking to Postgres."""

    def __init__(self) -> None:
        self.statements: list[Any] = []

    async def execute(self, statement: Any) -> None:
        self.statements.append(statement)


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
    saved: dict[str, bytes] = {}

    async def save_image(key: str, data: bytes) -> None:
        saved[key] = data

    session = FakeSession()
    body = {
        "issuerNames": {"en": "Academy"},
        "signatories": [
            {"name": "A. B.", "titles": {"en": "Rector"}, "signatureImage": base64.b64encode(PNG).decode()}
        ],
        "logos": [base64.b64encode(PNG).decode()],
    }
    result = await save_template(session, "academy", body, "admin-1", save_image)  # type: ignore[arg-type]
    assert result["id"] == "academy" and result["logoCount"] == 1
    assert result["signatories"][0]["hasSignatureImage"] is True
    assert len(saved) == 2 and all(k.startswith("templates/academy/") for k in saved)
    assert len(session.statements) == 1


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
    async def save_image(key: str, data: bytes) -> None:
        raise AssertionError("nothing is stored for a refused template")

    with pytest.raises(BadInput) as info:
        await save_template(FakeSession(), "t", body, "admin", save_image)  # type: ignore[arg-type]
    assert message in info.value.message


def test_json_shape_never_contains_image_bytes() -> None:
    shown = template_json("t", {"logoKeys": ["a", "b"], "signatories": [{"name": "X", "titles": {}}]}, None)
    assert shown["logoCount"] == 2 and shown["signatories"][0]["hasSignatureImage"] is False
