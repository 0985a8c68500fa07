"""Town-to-county monthly reports: submit, return, resubmit, approve and unlock; timeliness counts the first
submission; nothing is submitted or approved while its figures are stale; an approved month is locked
against register changes and skipped by the recomputation job; the county's grid and tallies."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from renkou.indicators import periods
from renkou.indicators.models import IndicatorValue, TownPeriod
from renkou.reporting.models import TownReport, TownReportEvent
from tests.conftest import bearer, csrf_token, in_town, login, post_form
from tests.test_indicators import compute, stored

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_today() -> date:
    return datetime.now(SHANGHAI).date()


def month_before(month_id: str, steps: int = 1) -> str:
    month = periods.parse(month_id)
    for _step in range(steps):
        month = month.previous()
    return month.id


@pytest.fixture
def town(factory):
    info = factory.town()
    info.last_month = factory.backdate_onboarding(info, months=6)
    return info


@pytest.fixture
def town_api(client, factory, town):
    """Call the town's API with a token of one of its members (the administrator by default)."""
    tokens = {}

    def call(method, path, username=None, **kwargs):
        username = username or town.admin_username
        if username not in tokens:
            tokens[username] = factory.token(username)
        headers = {**bearer(tokens[username]), "Accept-Language": "en"}
        return client.open(f"/api/v1/towns/{town.slug}{path}", method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def county_api(client, factory):
    factory.user("bureau_admin", "county_admin")
    factory.user("bureau_viewer", "county_viewer")
    tokens = {name: factory.token(name) for name in ("bureau_admin", "bureau_viewer")}

    def call(method, path, username="bureau_admin", **kwargs):
        headers = {**bearer(tokens[username]), "Accept-Language": "en"}
        return client.open(f"/api/v1/reports{path}", method=method, headers=headers, **kwargs)

    return call


def record_funding(town_api, day: date, voucher: str):
    return town_api("POST", "/funding-entries", json={"entry_date": day.isoformat(), "amount": "100.00",
                                                      "category": "publicity", "voucher_number": voucher})


def report_row(app, town, month_id: str) -> TownReport | None:
    with app.app_context():
        report = db.session.scalar(select(TownReport).where(TownReport.town_id == town.id,
                                                            TownReport.period == month_id))
        if report is not None:
            db.session.expunge(report)
        return report


def audit_actions(app, town) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.town_code == town.code, AuditEvent.action.like("town_report.%")).order_by(AuditEvent.id)))


def submit_and_approve(town_api, county_api, app, town, month_id: str) -> None:
    compute(app, town, month_id)
    assert town_api("POST", f"/reports/{month_id}/submit").status_code == 200
    assert county_api("POST", f"/{town.code}/{month_id}/approve").status_code == 200


# ---------------------------------------------------------------------------------------------------------
# The town's months


def test_the_town_lists_the_months_it_owes_with_their_due_day(app, client, town, town_api):
    listed = town_api("GET", "/reports").get_json()
    expected = [month_before(town.last_month, steps) for steps in range(6)]  # joined 6 months ago
    assert [item["period"] for item in listed["items"]] == expected
    newest = listed["items"][0]
    month = periods.parse(town.last_month)
    assert newest["due_on"] == date(month.end.year, month.end.month, 5).isoformat()
    assert (newest["status"], newest["first_submitted_at"], newest["on_time"], newest["locked"]) == (
        "draft", None, None, False)
    assert newest["overdue"] == (local_today().day > 5)
    this_month = periods.period_containing(periods.MONTH, local_today()).id
    assert town_api("GET", f"/reports/{this_month}").status_code == 404  # still running: nothing owed yet
    assert town_api("GET", f"/reports/{month_before(town.last_month, 6)}").status_code == 404  # before joining
    login(client, town.admin_username)
    page = client.get(f"/t/{town.slug}/reports/").get_data(as_text=True)
    assert f'data-period="{town.last_month}"' in page and f'data-period="{expected[-1]}"' in page


def test_submit_return_resubmit_approve(app, town, town_api, county_api, factory):
    compute(app, town, town.last_month)
    staff = factory.user("cg_staff", "town_staff", town)
    assert town_api("POST", f"/reports/{town.last_month}/submit", username=staff).status_code == 403

    submitted = town_api("POST", f"/reports/{town.last_month}/submit")
    assert submitted.status_code == 200, submitted.get_json()
    body = submitted.get_json()
    assert body["status"] == "submitted" and body["first_submitted_at"] and body["figures_state"] == "current"
    assert {figure["indicator"] for figure in body["figures"]} >= {"srb", "household_coverage"}
    first = body["first_submitted_at"]
    assert town_api("POST", f"/reports/{town.last_month}/submit").status_code == 409  # already with the county

    assert county_api("POST", f"/{town.code}/{town.last_month}/return", json={"reason": " "}).status_code == 422
    assert county_api("POST", f"/{town.code}/{town.last_month}/return", username="bureau_viewer",
                      json={"reason": "核对"}).status_code == 403
    returned = county_api("POST", f"/{town.code}/{town.last_month}/return", json={"reason": "出生数与卫生院不符"})
    assert returned.get_json()["status"] == "returned"
    assert returned.get_json()["return_reason"] == "出生数与卫生院不符"
    assert county_api("POST", f"/{town.code}/{town.last_month}/approve").status_code == 409  # not submitted

    again = town_api("POST", f"/reports/{town.last_month}/submit").get_json()
    assert again["status"] == "submitted" and again["return_reason"] is None
    assert again["first_submitted_at"] == first and again["submitted_at"] >= first  # the first one is kept

    approved = county_api("POST", f"/{town.code}/{town.last_month}/approve")
    assert approved.status_code == 200 and approved.get_json()["locked"] is True
    assert [event["action"] for event in approved.get_json()["events"]] == [
        "approved", "submitted", "returned", "submitted"]
    assert audit_actions(app, town) == ["town_report.submit", "town_report.return", "town_report.submit",
                                        "town_report.approve"]

    from renkou.reporting.services import approved_figures, is_locked

    with app.app_context():
        figures = approved_figures(town.id, town.last_month)
        assert is_locked(town.id, town.last_month) and not is_locked(town.id, month_before(town.last_month))
        assert approved_figures(town.id, month_before(town.last_month)) is None
    assert figures == {code: (numerator, denominator)
                       for code, (numerator, denominator, _value) in stored(app, town.id, town.last_month).items()}
    listed = county_api("GET", f"?period={town.last_month}").get_json()["items"]
    assert [(item["town"]["code"], item["status"]) for item in listed] == [(town.code, "approved")]
    assert county_api("GET", "?period=2026-13").status_code == 400


def test_timeliness_counts_the_first_submission(app, town, factory):
    """A report first submitted by its due day stays on time after a return and a late resubmission; one
    first submitted after its due day is late."""
    from renkou.accounts.services import find_user
    from renkou.reporting import services, workflow
    from renkou.tenancy.models import Town

    early, late = month_before(town.last_month, 3), month_before(town.last_month, 2)
    for month_id in (early, late):
        compute(app, town, month_id)
    county_user = factory.user("bureau_admin", "county_admin")
    due_early = services.due_on(periods.parse(early))
    with app.app_context():
        record, admin, bureau = (db.session.get(Town, town.id), find_user(town.admin_username),
                                 find_user(county_user))
        workflow.submit(record, early, admin, now=datetime.combine(due_early, time(16), tzinfo=SHANGHAI))
        db.session.commit()
    # The first submission moved report timeliness of its day's periods, `late` among them.
    compute(app, town, late)
    with app.app_context():
        record, admin, bureau = (db.session.get(Town, town.id), find_user(town.admin_username),
                                 find_user(county_user))
        workflow.return_report(record, early, bureau, "请补充说明")
        workflow.submit(record, early, admin)  # today: long after the due day
        workflow.submit(record, late, admin)
        db.session.commit()
        rows = {row.period: row for row in services.town_months(record).items}
        assert rows[early].on_time is True and rows[late].on_time is False
        assert rows[early].first_submitted_at.astimezone(SHANGHAI).date() == due_early
    # Each report falls due in the month after its own; the indicator counts first submissions by the due day.
    compute(app, town, month_before(town.last_month, 2))  # the month `early` fell due in
    compute(app, town, month_before(town.last_month, 1))  # the month `late` fell due in
    assert stored(app, town.id, month_before(town.last_month, 2))["report_timeliness"] == (1, 1, Decimal("100.00"))
    assert stored(app, town.id, month_before(town.last_month, 1))["report_timeliness"] == (0, 1, Decimal("0.00"))


def test_submitting_waits_for_current_figures(app, town, town_api):
    waiting = town_api("POST", f"/reports/{town.last_month}/submit")  # onboarding queued the whole window
    assert waiting.status_code == 409 and "being recomputed" in str(waiting.get_json()["errors"])
    with app.app_context():  # a town whose month was never computed nor marked
        db.session.execute(TownPeriod.__table__.delete().where(TownPeriod.town_id == town.id,
                                                              TownPeriod.period == town.last_month))
        db.session.commit()
    not_computed = town_api("POST", f"/reports/{town.last_month}/submit")
    assert not_computed.status_code == 409 and "not been computed" in str(not_computed.get_json()["errors"])
    compute(app, town, town.last_month)
    last_month = periods.parse(town.last_month)
    assert record_funding(town_api, last_month.start, "DIRTY-1").status_code == 201  # moves last month
    refused = town_api("POST", f"/reports/{town.last_month}/submit")
    assert refused.status_code == 409
    assert "being recomputed" in " ".join(refused.get_json()["errors"]["_schema"])
    assert report_row(app, town, town.last_month) is None  # nothing was kept of the refused submission
    compute(app, town, town.last_month)
    assert town_api("POST", f"/reports/{town.last_month}/submit").status_code == 200


def test_an_approved_month_is_locked_until_the_county_unlocks_it(app, client, town, town_api, county_api):
    submit_and_approve(town_api, county_api, app, town, town.last_month)
    in_locked_month = periods.parse(town.last_month).start

    refused = record_funding(town_api, in_locked_month, "LOCKED-1")
    assert refused.status_code == 409
    assert town.last_month in refused.get_json()["errors"]["_schema"][0]
    assert in_town(app, town, _vouchers) == []
    with app.app_context():
        denied = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "town_report.locked_change_refused"))
        assert denied.outcome == "denied" and denied.detail["months"] == [town.last_month]
    assert record_funding(town_api, local_today(), "TODAY-1").status_code == 201  # today's work goes on

    # The same refusal through a browser form: the page says why and nothing is saved.
    login(client, town.admin_username)
    page = post_form(client, f"/t/{town.slug}/funding/new", {
        "entry_date": in_locked_month.isoformat(), "amount": "50.00", "category": "training",
        "voucher_number": "LOCKED-2"}, token_from=f"/t/{town.slug}/funding/new")
    assert page.status_code == 409 and town.last_month in page.get_data(as_text=True)
    assert in_town(app, town, _vouchers) == ["TODAY-1"]

    assert county_api("POST", f"/{town.code}/{town.last_month}/unlock", json={}).status_code == 422
    unlocked = county_api("POST", f"/{town.code}/{town.last_month}/unlock", json={"reason": "乡镇需更正经费"})
    assert unlocked.get_json()["status"] == "unlocked" and unlocked.get_json()["locked"] is False
    assert unlocked.get_json()["unlock_reason"] == "乡镇需更正经费"
    assert record_funding(town_api, in_locked_month, "LOCKED-3").status_code == 201
    assert sorted(in_town(app, town, _vouchers)) == ["LOCKED-3", "TODAY-1"]
    from renkou.reporting.services import approved_figures

    with app.app_context():
        assert approved_figures(town.id, town.last_month) is None
    assert town_api("POST", f"/reports/{town.last_month}/submit").status_code == 409  # recomputing first
    submit_and_approve(town_api, county_api, app, town, town.last_month)
    assert stored(app, town.id, town.last_month)["funding_per_capita"][0] == Decimal("100")
    assert audit_actions(app, town)[-3:] == ["town_report.unlock", "town_report.submit", "town_report.approve"]


def _vouchers() -> list[str]:
    from tenants.funding.models import FundingEntry

    return list(db.session.scalars(select(FundingEntry.voucher_number).order_by(FundingEntry.id)))


def test_the_job_skips_a_locked_month(app, town, town_api, county_api, factory):
    submit_and_approve(town_api, county_api, app, town, town.last_month)
    before = stored(app, town.id, town.last_month)
    factory.household(town, "H-NEW")  # households are counted as recorded now: coverage would move
    assert compute(app, town, town.last_month) == compute(app, town, town.last_month)
    assert stored(app, town.id, town.last_month) == before
    with app.app_context():
        computed_at = db.session.scalar(select(func.max(IndicatorValue.computed_at)).where(
            IndicatorValue.town_id == town.id, IndicatorValue.period == town.last_month))
    county_api("POST", f"/{town.code}/{town.last_month}/unlock", json={"reason": "重新核对"})
    compute(app, town, town.last_month)
    assert stored(app, town.id, town.last_month)["household_coverage"][1] == before["household_coverage"][1] + 1
    with app.app_context():
        assert db.session.scalar(select(func.max(IndicatorValue.computed_at)).where(
            IndicatorValue.town_id == town.id, IndicatorValue.period == town.last_month)) > computed_at


def test_approved_figures_of_a_quarter_once_every_month_is_approved(app, town, town_api, county_api):
    from renkou.reporting.services import approved_figures

    quarter = periods.period_containing(periods.QUARTER, local_today()).previous()
    months = periods.periods_between(quarter.start, quarter.last_day, kinds=(periods.MONTH,))
    compute(app, town, quarter.id)
    for month in months:
        with app.app_context():
            assert approved_figures(town.id, quarter.id) is None
        submit_and_approve(town_api, county_api, app, town, month.id)
    with app.app_context():
        figures = approved_figures(town.id, quarter.id)
    assert figures == {code: (numerator, denominator)
                       for code, (numerator, denominator, _value) in stored(app, town.id, quarter.id).items()}


# ---------------------------------------------------------------------------------------------------------
# Pages and roles


def test_town_roles_on_the_pages(app, client, town, factory):
    compute(app, town, town.last_month)
    viewer = factory.user("cg_viewer", "town_viewer", town)
    staff = factory.user("cg_staff", "town_staff", town)
    page = f"/t/{town.slug}/reports/{town.last_month}"

    login(client, viewer)
    shown = client.get(page).get_data(as_text=True)
    assert 'id="report-figures"' in shown and 'id="submit-form"' not in shown and 'id="note-form"' not in shown
    assert client.post(f"{page}/submit", data={"csrf_token": csrf_token(client, page)}).status_code == 403

    client.post("/logout", data={"csrf_token": csrf_token(client, page)})
    login(client, staff)
    assert 'id="note-form"' in client.get(page).get_data(as_text=True)
    saved = post_form(client, f"{page}/note", {"note": "本月出生数偏低：两户外出务工"}, token_from=page)
    assert saved.status_code == 303
    assert report_row(app, town, town.last_month).status == "draft"
    assert post_form(client, f"{page}/submit", {}, token_from=page).status_code == 403

    client.post("/logout", data={"csrf_token": csrf_token(client, page)})
    login(client, town.admin_username)
    done = post_form(client, f"{page}/submit", {}, token_from=page)
    assert done.status_code == 303
    report = report_row(app, town, town.last_month)
    assert (report.status, report.note) == ("submitted", "本月出生数偏低：两户外出务工")
    shown = client.get(page).get_data(as_text=True)
    assert "本月出生数偏低" in shown and 'id="submit-form"' not in shown


def test_the_page_refuses_submission_while_recomputing(app, client, town, town_api):
    compute(app, town, town.last_month)
    record_funding(town_api, periods.parse(town.last_month).start, "DIRTY-2")
    login(client, town.admin_username)
    page = f"/t/{town.slug}/reports/{town.last_month}"
    refused = post_form(client, f"{page}/submit", {}, token_from=page)
    assert refused.status_code == 409 and 'class="error form-error"' in refused.get_data(as_text=True)
    assert report_row(app, town, town.last_month) is None


def test_asking_for_a_first_computation_marks_the_month(app, client, town):
    with app.app_context():  # a month never marked (onboarding marks the recompute window, not older months)
        db.session.execute(TownPeriod.__table__.delete().where(TownPeriod.town_id == town.id,
                                                              TownPeriod.period == town.last_month))
        db.session.commit()
    login(client, town.admin_username)
    page = f"/t/{town.slug}/reports/{town.last_month}"
    assert f'action="{page}/compute"' in client.get(page).get_data(as_text=True)
    assert post_form(client, f"{page}/compute", {}, token_from=page).status_code == 303
    with app.app_context():
        mark = db.session.scalar(select(TownPeriod).where(TownPeriod.town_id == town.id,
                                                          TownPeriod.period == town.last_month))
        assert mark.dirty_since is not None
    compute(app, town, town.last_month)
    assert post_form(client, f"{page}/submit", {}, token_from=page).status_code == 303


def test_county_pages(app, client, town, factory, town_api, county_api):
    other = factory.town()  # joined today: owes nothing yet
    compute(app, town, town.last_month)
    town_api("POST", f"/reports/{town.last_month}/submit")

    login(client, town.admin_username)
    assert client.get("/county/reports").status_code == 403
    assert client.get(f"/county/reports/{town.code}/{town.last_month}").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, f"/t/{town.slug}/reports/")})

    login(client, "bureau_viewer")
    grid = client.get("/county/reports").get_data(as_text=True)
    assert f'data-town="{town.code}"' in grid and f'data-town="{other.code}"' in grid
    assert f'<td data-period="{town.last_month}" data-status="submitted">' in grid
    report_page = f"/county/reports/{town.code}/{town.last_month}"
    shown = client.get(report_page).get_data(as_text=True)
    assert 'id="report-figures"' in shown and 'id="decision"' not in shown
    assert post_form(client, f"{report_page}/approve", {}, token_from=report_page).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, report_page)})

    login(client, "bureau_admin")
    assert 'id="decision"' in client.get(report_page).get_data(as_text=True)
    missing_reason = post_form(client, f"{report_page}/return", {"reason": ""}, token_from=report_page)
    assert missing_reason.status_code == 422
    assert post_form(client, f"{report_page}/approve", {}, token_from=report_page).status_code == 303
    grid = client.get("/county/reports").get_data(as_text=True)
    assert f'<td data-period="{town.last_month}" data-status="approved">' in grid
    assert client.get(f"/county/reports/{town.code}/2026Q1").status_code == 404
    assert client.get(f"/county/reports/999999999/{town.last_month}").status_code == 404


def test_completeness_and_timeliness_by_year(app, town, factory, town_api, county_api):
    from renkou.reporting import summary

    compute(app, town, town.last_month)
    town_api("POST", f"/reports/{town.last_month}/submit")
    factory.town()  # joined today: nothing due, nothing counted
    last = periods.parse(town.last_month)
    due_day = date(last.end.year, last.end.month, 5)
    with app.app_context():
        rows, county = summary.year_tallies(due_day.year)
        tally = {row_town.code: row_tally for row_town, row_tally in rows}[town.code]
    # Due in that year (by today): the reports of the months since joining whose due day has come.
    joined = periods.parse(month_before(town.last_month, 5)).start
    due_months = [m for m in periods.periods_between(joined, last.last_day, kinds=(periods.MONTH,))
                  if date(m.end.year, m.end.month, 5).year == due_day.year and date(m.end.year, m.end.month, 5)
                  <= local_today()]
    assert tally.due == len(due_months) == county.due
    received = 1 if due_day <= local_today() else 0  # not counted before it falls due
    on_time = 1 if due_day == local_today() else 0  # submitted today: on time only on the due day itself
    assert (tally.received, tally.on_time) == (received, on_time)
    assert tally.completeness == (Decimal(received * 100) / len(due_months)).quantize(Decimal("0.01"))


def test_reports_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/towns/{town_slug}/reports", "/api/v1/towns/{town_slug}/reports/{month}/submit",
                 "/api/v1/reports", "/api/v1/reports/{town_code}/{month}/approve",
                 "/api/v1/reports/{town_code}/{month}/return", "/api/v1/reports/{town_code}/{month}/unlock"):
        assert path in paths, path


def test_another_towns_member_gets_404_and_the_events_table_is_the_towns_own(app, client, town, factory):
    other = factory.town()
    token = factory.token(other.admin_username)
    for method, path in (("GET", "/reports"), ("GET", f"/reports/{town.last_month}"),
                         ("POST", f"/reports/{town.last_month}/submit")):
        response = client.open(f"/api/v1/towns/{town.slug}{path}", method=method, headers=bearer(token))
        assert response.status_code == 404
    assert client.get("/api/v1/reports", headers=bearer(token)).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(TownReportEvent.id))) == 0


def test_an_import_refuses_the_rows_of_a_locked_month_row_by_row(app, client, town, town_api, county_api,
                                                                 monkeypatch):
    """The dry run names the rows dated in a locked month; the import writes the others, in the request and on
    a worker alike."""
    from renkou.imports import services as imports
    from tests.test_imports import run_worker, upload, xlsx

    submit_and_approve(town_api, county_api, app, town, town.last_month)
    locked_day = periods.parse(town.last_month).start.isoformat()
    headers = ["凭证号", "日期", "金额（元）", "类别", "摘要"]
    login(client, town.admin_username)

    def import_file(first: str, second: str) -> str:
        rows = [[first, local_today().isoformat(), "10", "宣传", ""], [second, locked_day, "20", "培训", ""]]
        batch_url = upload(client, town, xlsx(rows, headers), "funding.xlsx", kind="funding").headers["Location"]
        run_worker(app)  # nothing to do for a small file
        checked = client.get(batch_url).get_data(as_text=True)
        assert 'data-status="checked"' in checked and 'id="error-rows">1<' in checked
        assert town.last_month in checked
        post_form(client, batch_url + "/commit", {}, token_from=batch_url)
        run_worker(app)
        done = client.get(batch_url).get_data(as_text=True)
        assert 'data-status="committed"' in done and 'id="created-count">1<' in done
        return done

    import_file("IMP-1", "IMP-2")
    monkeypatch.setattr(imports, "BACKGROUND_ROWS", 1)
    import_file("IMP-3", "IMP-4")
    assert in_town(app, town, _vouchers) == ["IMP-1", "IMP-3"]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_change_committing_during_an_approval_waits_for_it_and_is_refused(app, town, town_api, factory):
    """The race the locks close: the county approves (figures read as current) while the town commits a change
    dated in that month. The change waits for the approval, then finds the month locked."""
    import threading
    import time

    from sqlalchemy import text

    from renkou.accounts.services import find_user
    from renkou.errors import ConflictError
    from renkou.reporting import workflow
    from renkou.tenancy.models import Town
    from tenants.funding.services import create_entry

    compute(app, town, town.last_month)
    assert town_api("POST", f"/reports/{town.last_month}/submit").status_code == 200
    factory.user("bureau_admin", "county_admin")
    approving, release, outcome = threading.Event(), threading.Event(), {}

    def approve():
        with app.app_context():
            workflow.approve(db.session.get(Town, town.id), town.last_month, find_user("bureau_admin"))
            approving.set()
            release.wait()
            db.session.commit()

    def change():
        try:
            in_town(app, town, lambda: create_entry({"voucher_number": "RACE-1", "amount": Decimal("5"),
                                                     "entry_date": periods.parse(town.last_month).start,
                                                     "category": "other"}))
            outcome["change"] = "written"
        except ConflictError:
            outcome["change"] = "refused"

    county, office = threading.Thread(target=approve), threading.Thread(target=change)
    county.start()
    assert approving.wait(60)
    office.start()
    with app.app_context():  # until the town's commit is waiting on the report row the approval holds
        while not db.session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                         "AND wait_event_type = 'Lock'")):
            db.session.rollback()
            assert office.is_alive(), outcome
            time.sleep(0.05)
    release.set()
    county.join(60)
    office.join(60)
    assert outcome == {"change": "refused"}
    assert report_row(app, town, town.last_month).status == "approved"
    assert in_town(app, town, _vouchers) == []
