"""Every spreadsheet the platform hands out opens: each import template and each town export, read back.

The routes come from the app's URL map, so a template or export added later is covered without editing
this test. Sheet names must be ones Excel accepts (no / \\ ? * [ ] :, at most 31 characters).

Every test runs on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from renkou.imports import engine
from renkou.imports.spreadsheets import safe_sheet_title, write_xlsx
from tests.conftest import login

FORBIDDEN = re.compile(r"[/\\?*\[\]:]")
TOWN_PAGES = "/t/<town_slug>/"


@pytest.mark.parametrize(("title", "expected"), [
    ("扶助金发放（奖励扶助/特别扶助）", "扶助金发放（奖励扶助、特别扶助）"),
    ("a:b?c*d[e]f\\g", "a b c d e f g"),
    ("很" * 40, "很" * 31),
    ("/", "、"),
    ("[]", "Sheet1"),
    ("", "Sheet1"),
])
def test_sheet_titles_are_made_safe_for_excel(title, expected):
    assert safe_sheet_title(title) == expected
    sheet = load_workbook(io.BytesIO(write_xlsx(["表头"], [["值"]], title))).active
    assert sheet.title == expected


def xlsx_rules(app):
    """The town routes that answer a spreadsheet: exports (…/export.xlsx) and templates (<kind>.xlsx)."""
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith(TOWN_PAGES) and rule.rule.endswith(".xlsx") and "GET" in rule.methods]
    assert len(rules) >= 30, "the town's spreadsheet routes were not found in the URL map"
    return rules


def urls(app, slug: str):
    for rule in xlsx_rules(app):
        path = rule.rule.replace("<town_slug>", slug)
        arguments = rule.arguments - {"town_slug"}
        if not arguments:
            yield path
        elif arguments == {"kind"}:
            kinds = [spec.kind for spec in engine.all_specs()]
            assert len(kinds) >= 15
            for kind in kinds:
                yield path.replace("<kind>", kind)
        else:
            raise AssertionError(f"{rule.rule}: say which {sorted(arguments)} to download it with")


@pytest.fixture
def records(factory, town):
    """One record of most kinds, so the exports write rows, not only a header."""
    village = factory.village(town, "201", "城关村")
    household = factory.household(town, "H-001", village_id=village)
    mother = factory.person(town, name="王芳", resident_id="11010519491231002X", household_id=household)
    factory.birth_records(town, mother)
    factory.counselling_visit(town, mother)
    factory.follow_up_visit(town, mother)
    factory.movement(town, mother, "move_out", date(2025, 3, 1))
    factory.clinic_records(town, village)
    factory.funding_entry(town)
    factory.outreach_records(town, village, household)
    factory.governance_records(town, village, household)
    factory.association_records(town, village, household, mother)
    factory.support_records(town, household, mother)
    factory.bureau_notice(town)


def test_every_template_and_export_downloads_as_a_workbook_excel_opens(app, client, town, records):
    login(client, town.admin_username)
    checked = 0
    for url in urls(app, town.slug):
        response = client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        workbook = load_workbook(io.BytesIO(response.data))
        for sheet in workbook.worksheets:
            assert not FORBIDDEN.search(sheet.title) and len(sheet.title) <= 31, f"{url}: sheet {sheet.title!r}"
        assert workbook.active.max_row >= 1 and workbook.active.max_column >= 1, url
        checked += 1
    assert checked >= 45


def test_template_download_names_are_chinese(app, client, town):
    login(client, town.admin_username)
    response = client.get(f"/t/{town.slug}/imports/templates/people.xlsx")
    disposition = response.headers["Content-Disposition"]
    assert "template" not in disposition
    assert "filename*=UTF-8''%E4%BA%BA%E5%91%98" in disposition  # 人员…
    assert "%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx" in disposition  # …导入模板.xlsx
