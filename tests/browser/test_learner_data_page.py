"""A learner's data from the learner directory (issue 14, item 6), in a real browser.

A country admin of AZ exports one of their state's learners as a JSON file and erases another; the
directory then shows the pseudonym, and the erased learner's certificate is revoked "erased on
request". A trainer sees the directory of their courses' learners without these two buttons.
Azerbaijani for the country admin (the page speaks their language throughout), English for the trainer.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import httpx

from tests.browser.support import (
    Api,
    assert_accessible,
    complete_course,
    enrol,
    letters_tag,
    publish_course,
    uid,
    wait_until,
)

CATALOGUES = Path(__file__).resolve().parents[2] / "gateway" / "web" / "src" / "i18n"
AZ = json.loads((CATALOGUES / "az.json").read_text())
EN = json.loads((CATALOGUES / "en.json").read_text())

DIRECTORY = """query($s: String) { learners(search: $s, first: 5) { totalCount nodes { id name } } }"""
CERTS = """query($c: ID!) { certificates(courseId: $c) { code learnerName status revocationReason } }"""


def test_a_country_admin_exports_and_erases_their_states_learner_in_azerbaijani(
    page_for: Any, person: Any, api: Any, tmp_path: Path
) -> None:
    tag = letters_tag()
    course = publish_course(api("trainer"), f"Açıq büdcə {uid('priv')}", learner=api("learner"))
    kept_name, erased_name = f"Nərmin Quliyeva {tag}", f"Tural Həsənov {tag}"
    _, kept = person(kept_name, "AZ", "Şəki")
    _, erased = person(erased_name, "AZ", "Şəki")
    enrol(kept, course.id)
    complete_course(erased, course, enrol(erased, course.id))
    ca_token, ca = person(f"Nigar Babayeva {tag}", "AZ", "Bakı", roles=["country_admin"], locale="az")
    admin: Api = api("admin")

    def certified() -> bool:
        rows = admin.q(CERTS, c=course.id)["certificates"]
        return any(r["learnerName"] == erased_name and r["status"] == "VALID" for r in rows)

    wait_until(certified, timeout=120, interval=2)
    wait_until(lambda: ca.q(DIRECTORY, s=tag)["learners"]["totalCount"] == 2, timeout=90, interval=2)

    page = page_for(ca_token, "az")
    page.goto("/admin/learners")
    page.get_by_label(AZ["learners.search"], exact=True).fill(tag)
    page.get_by_role("button", name=AZ["learners.searchButton"], exact=True).click()
    cards = page.locator(".learner-card")
    wait_until(lambda: cards.count() == 2, timeout=20, interval=0.3)
    kept_card = cards.filter(has_text=kept_name)
    erased_card = cards.filter(has_text=erased_name)

    # Export: a JSON file with what every service holds about the learner, and their certificate's PDF.
    with page.expect_download() as download_info:
        erased_card.get_by_role("button", name=AZ["learners.export"]).click()
    saved = tmp_path / "export.json"
    download_info.value.save_as(saved)
    assert download_info.value.suggested_filename.endswith(".json")
    exported = json.loads(saved.read_text())
    assert exported["org"] == "AZ" and set(exported["services"]) == {"progress", "certificates", "courses"}
    assert erased_name in json.dumps(exported, ensure_ascii=False)
    erased_card.get_by_text(AZ["learners.exported"]).wait_for()
    (code,) = [c["code"] for c in exported["services"]["certificates"]["certificates"]]
    link = erased_card.get_by_role("link", name=AZ["learners.exportPdf"].replace("{code}", code))
    pdf = httpx.get(link.get_attribute("href") or "", timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert kept_card.get_by_role("button", name=AZ["learners.export"]).count() == 1

    # Erase: a confirmation dialog first; Cancel changes nothing.
    erased_card.get_by_role("button", name=AZ["learners.erase"]).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text(AZ["learners.eraseExplain"]).wait_for()
    assert_accessible(page, "the erasure dialog")
    dialog.get_by_role("button", name=AZ["learners.eraseCancel"]).click()
    assert page.get_by_role("dialog").count() == 0
    assert certified()

    reason = f"Müraciət {secrets.token_hex(3)}"
    erased_card.get_by_role("button", name=AZ["learners.erase"]).click()
    page.get_by_label(AZ["learners.eraseReason"]).fill(reason)
    page.get_by_role("dialog").get_by_role("button", name=AZ["learners.eraseConfirm"]).click()
    notice = erased_card_after = page.locator(".learner-card").filter(has=page.locator(".notice"))
    notice.wait_for()
    pseudonym = erased_card_after.locator("h2").inner_text().strip()
    assert pseudonym and pseudonym != erased_name
    assert AZ["learners.erased"].replace("{pseudonym}", pseudonym) in erased_card_after.inner_text()
    assert erased_name not in erased_card_after.inner_text()
    # The dialog closed, and the erased learner has no buttons left.
    assert page.get_by_role("dialog").count() == 0
    assert erased_card_after.get_by_role("button").count() == 0

    def revoked_as_erased() -> list[dict[str, Any]]:
        rows = admin.q(CERTS, c=course.id)["certificates"]
        return [r for r in rows if r["status"] == "REVOKED" and r["revocationReason"] == "erased on request"]

    gone = wait_until(revoked_as_erased, timeout=120, interval=2)
    assert len(gone) == 1 and gone[0]["learnerName"] != erased_name
    assert erased_name not in json.dumps(admin.q(CERTS, c=course.id), ensure_ascii=False)
    assert not page.js_errors, page.js_errors


def test_a_trainer_sees_their_learners_without_export_or_erase(page_for: Any, people: Any, api: Any) -> None:
    course = publish_course(api("trainer"), f"Urban mobility {uid('priv')}", learner=api("learner"))
    enrol(api("learner"), course.id)
    admin: Api = api("admin")
    learner_name = people["learner"].name
    wait_until(lambda: admin.q(DIRECTORY, s=learner_name)["learners"]["totalCount"] >= 1, timeout=90, interval=2)
    page = page_for(people["trainer"].token, "en")
    page.goto("/admin/learners")
    page.get_by_label(EN["learners.search"], exact=True).fill(learner_name)
    page.get_by_role("button", name=EN["learners.searchButton"], exact=True).click()
    card = page.locator(".learner-card").filter(has_text=course.title)
    card.first.wait_for()
    assert card.first.get_by_role("button", name=EN["learners.export"]).count() == 0
    assert card.first.get_by_role("button", name=EN["learners.erase"]).count() == 0
    assert not page.js_errors, page.js_errors
