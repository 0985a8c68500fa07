"""Governance in the browser: the office records a village's responsibility agreement with a veto item
(a veto without a kind is refused on the page), uploads the scan of the signed paper, and downloads it.

The governance pages are new and their Chinese catalog entries may not exist yet, so this test switches
the session to English (the language link every page has) after signing in.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import flash, sign_in, town_nav, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
VETO_MESSAGE = ("A veto item must be about services, oversight (两非 cases) or data quality (false reports); "
                "veto items about numbers of births are not allowed.")


def test_agreement_with_a_veto_item_and_its_scan(live_server, page, tmp_path):
    factory = live_server.factory
    town = factory.town(code="411524101", slug="chengguan", name="城关镇")
    village = factory.village(town, "201", "城关村")

    sign_in(page, town.admin_username, PASSWORD)
    page.goto("/lang/en")
    expect(page).to_have_url(url("/t/chengguan/"))

    town_nav(page, "城关镇").get_by_role("link", name="Organisation and leadership").click()
    expect(page).to_have_url(url("/t/chengguan/governance/"))
    page.get_by_role("navigation", name="Organisation and leadership").get_by_role(
        "link", name="Responsibility agreements").click()
    expect(page.locator("#agreement-coverage")).to_contain_text("0 of 1 villages have signed an agreement")
    page.get_by_role("link", name="New agreement").first.click()

    page.get_by_label("Year").fill("2025")
    page.locator("#f-village_id").select_option(str(village))
    page.get_by_label("Signed on").fill("2025-02-01")
    page.get_by_label("Item 1: description").fill("宣传品入户")
    page.get_by_label("Item 1: points").fill("10")
    page.get_by_label("Item 1: target").fill("入户率≥95%")
    page.get_by_label("Item 2: description").fill("两非案件查处")
    page.get_by_label("Item 2: points").fill("0")
    page.get_by_label("Item 2: veto item").check()
    page.get_by_role("button", name="Save").click()
    # A veto item without its kind is refused, and what was typed stays.
    expect(page.get_by_text(VETO_MESSAGE)).to_be_visible()
    expect(page.get_by_label("Item 1: description")).to_have_value("宣传品入户")
    page.get_by_label("Item 2: veto kind").select_option("oversight")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_have_text("Agreement with 城关村 saved.")
    items = page.locator("#items")
    expect(items.get_by_role("row").filter(has_text="两非案件查处")).to_contain_text("Oversight (两非 cases)")
    expect(page.locator("#scan")).to_contain_text("None uploaded")

    # A text file named .pdf is refused; the real PDF is kept and downloads as it was sent.
    fake = tmp_path / "scan.pdf"
    fake.write_text("not a pdf at all")
    page.get_by_label("Upload the scan of the signed agreement").set_input_files(str(fake))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("The scan must be a PDF, PNG or JPEG file.")).to_be_visible()
    real = tmp_path / "签字版.pdf"
    real.write_bytes(PDF)
    page.get_by_label("Upload the scan of the signed agreement").set_input_files(str(real))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(flash(page)).to_have_text("The scan of the signed agreement is saved.")
    expect(page.locator("#scan")).to_contain_text("application/pdf")
    with page.expect_download() as download_info:
        page.locator("#scan").get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert open(download.path(), "rb").read() == PDF
    page.reload()
    expect(page.locator(".history")).to_contain_text("Upload an agreement's scan")

    page.get_by_role("navigation", name="Organisation and leadership").get_by_role(
        "link", name="Responsibility agreements").click()
    page.get_by_label("Year").select_option("2025")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("row").filter(has_text="城关村")).to_contain_text("2025-02-01")
    expect(page.locator("#agreement-coverage")).to_contain_text("1 of 1 villages have signed an agreement for 2025")
    expect(page.locator("#agreement-coverage")).to_contain_text("100.0%")
