"""National co-branding managed in the web client (issue 14, item 5), in a real browser.

An admin working in Azerbaijani sets a state's national partner (name, logo, a signatory), previews a
sample certificate (the PDF the page shows is read back and checked), saves it, edits a title without
sending the logo again (the logo is kept), and removes it. A country admin cannot open the page.
Turkmenistan (TM) is used because no other test issues certificates there: the suite shares one stack.
"""

from __future__ import annotations

import io
import json
import secrets
from pathlib import Path
from typing import Any

import pypdf
from PIL import Image

from tests.browser.support import Api, assert_accessible, wait_until

CATALOGUES = Path(__file__).resolve().parents[2] / "gateway" / "web" / "src" / "i18n"
AZ = json.loads((CATALOGUES / "az.json").read_text())
ORG = "TM"
VARIANTS = """query { certificateVariants {
  org version hasLogo partnerNames { lang text } signatories { titles { lang text } } } }"""


def _tm(admin: Api) -> dict[str, Any] | None:
    return next((v for v in admin.q(VARIANTS)["certificateVariants"] if v["org"] == ORG), None)


def _png(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (0, 120, 80)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _shown_pdf(page: Any, tmp_path: Path) -> bytes:
    """The PDF the page shows in its preview frame, saved through the page's own download link."""
    frame = page.locator(".cobranding-preview iframe")
    assert (frame.get_attribute("src") or "").startswith("blob:")
    with page.expect_download() as download:
        page.locator(".cobranding-preview a[download]").click()
    path = tmp_path / "preview.pdf"
    download.value.save_as(path)
    assert frame.get_attribute("src") == page.locator(".cobranding-preview a[download]").get_attribute("href")
    return path.read_bytes()


def test_an_admin_sets_previews_edits_and_removes_a_states_co_branding(
    page_for: Any, api: Any, people: Any, tmp_path: Path
) -> None:
    admin: Api = api("admin")
    if _tm(admin):
        admin.q("""mutation { removeCertificateVariant(org: "TM") }""")
    partner = f"Türkmenistanyň Gurluşyk ministrligi {secrets.token_hex(2)}"
    try:
        page = page_for(people["admin"].token, "az")
        page.goto("/admin/cobranding")
        page.get_by_role("heading", name=AZ["cobranding.title"]).wait_for()
        page.get_by_label(AZ["reports.state"]).select_option(ORG)
        page.locator("#partner-en").fill(f"{partner} (en)")
        page.locator("#partner-az").fill(partner)
        page.locator("#partner-logo").set_input_files(str(_png(tmp_path / "logo.png")))
        page.get_by_text(AZ["cobranding.logoNew"]).wait_for()
        page.get_by_role("button", name=AZ["cobranding.addSignatory"]).click()
        page.locator("#sig-name-0").fill("Merdan Annayev")
        page.locator("#sig-title-0-en").fill("Minister")
        page.locator("#sig-title-0-az").fill("Nazir")
        assert_accessible(page, "the co-branding page")

        page.get_by_role("button", name=AZ["cobranding.preview"]).click()
        page.locator(".cobranding-preview iframe").wait_for()
        pdf = _shown_pdf(page, tmp_path)
        assert pdf.startswith(b"%PDF-")
        text = " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
        assert "PREVIEW" in text and "Merdan Annayev" in text and partner.split()[0] in text, text
        assert _tm(admin) is None, "a preview stores nothing"

        page.get_by_role("button", name=AZ["cobranding.save"]).click()
        page.locator("[data-variant-version='1']").wait_for()
        first = wait_until(lambda: _tm(admin), timeout=20, interval=0.5)
        assert first["version"] == 1 and first["hasLogo"]
        assert {"lang": "az", "text": partner} in first["partnerNames"]

        # An edit of a title only: the logo is not sent again, and it is kept.
        page.locator("#sig-title-0-en").fill("Deputy Minister")
        page.get_by_text(AZ["cobranding.logoKept"]).wait_for()
        page.get_by_role("button", name=AZ["cobranding.save"]).click()
        page.locator("[data-variant-version='2']").wait_for()
        second = _tm(admin)
        assert second and second["version"] == 2 and second["hasLogo"], second
        assert {"lang": "en", "text": "Deputy Minister"} in second["signatories"][0]["titles"]

        page.get_by_role("button", name=AZ["cobranding.remove"]).click()
        page.locator("[data-variant-version='']").wait_for()
        tm_name = page.locator("#cobranding-state option:checked").inner_text()
        assert AZ["cobranding.none"].replace("{state}", tm_name) in page.locator(".cobranding-page").inner_text()
        assert _tm(admin) is None
        assert not page.js_errors, page.js_errors
    finally:
        if _tm(admin):
            admin.q("""mutation { removeCertificateVariant(org: "TM") }""")


def test_a_country_admin_cannot_open_the_co_branding_page(page_for: Any, person: Any) -> None:
    token, _ = person("Nigar Babayeva", "AZ", "Bakı", roles=["country_admin"], locale="az")
    page = page_for(token, "az")
    page.goto("/admin/cobranding")
    page.get_by_role("alert").filter(has_text=AZ["error.FORBIDDEN"]).wait_for()
    assert page.locator(".cobranding-form").count() == 0
    assert page.get_by_role("link", name=AZ["nav.cobranding"]).count() == 0
