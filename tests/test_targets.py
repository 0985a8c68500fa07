"""Targets (shared.targets): the service, the county grid page, its spreadsheet template and import, the API,
and who may reach them. New messages are checked in English. Every test taking ``app`` runs on PostgreSQL
and SQLite.
"""

from __future__ import annotations

import base64
import io
import re
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from renkou.audit.models import AuditEvent
from renkou.errors import ServiceError
from renkou.extensions import db
from renkou.targets import services
from renkou.targets.models import Target
from tests.conftest import bearer, csrf_token, login, post_form

GRID = "/county/targets"


@pytest.fixture
def towns(factory):
    return [factory.town(), factory.town()]


@pytest.fixture
def admin(factory):
    factory.user("bureau_admin", "county_admin")
    factory.user("bureau_viewer", "county_viewer")
    return "bureau_admin"


def d(text) -> Decimal:
    return Decimal(str(text))


def stored(app) -> dict[tuple[str, str, str], Decimal]:
    with app.app_context():
        return {(t.indicator, t.period, t.scope): t.value.normalize() for t in db.session.scalars(select(Target))}


def target_events(app) -> list[AuditEvent]:
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "target")
                                         .order_by(AuditEvent.id)))
        db.session.expunge_all()
        return events


def as_admin(app, function):
    """Run ``function(actor)`` in a request of the county administrator and commit, like a request does."""
    from renkou.accounts.services import find_user

    # An API path: the API takes its language from Accept-Language, so messages come in English.
    with app.test_request_context("/api/v1/targets", headers={"Accept-Language": "en"}):
        actor = find_user("bureau_admin")
        try:
            return function(actor)
        finally:
            db.session.commit()


# ---------------------------------------------------------------------------------------------------------
# The service


def test_set_target_creates_changes_and_removes_with_audited_history(app, admin, towns):
    town = towns[0]

    def run(actor):
        county = services.set_target("registration_rate", "2026", None, d(95), "county", actor, note="县计划")
        own = services.set_target("registration_rate", "2026", town.id, d("97.5"), "county", actor)
        assert (county.scope, county.town_id, own.scope, own.town_id) == ("county", None, town.code, town.id)
        assert own.set_by.username == "bureau_admin" and own.set_at is not None
        services.set_target("registration_rate", "2026", town.id, d(98), "bureau", actor)
        services.set_target("registration_rate", "2026", town.id, d(98), "county", actor)  # unchanged
        assert services.set_target("registration_rate", "2026", None, None, "county", actor) is None

    as_admin(app, run)
    assert stored(app) == {("registration_rate", "2026", town.code): d(98)}
    events = target_events(app)
    assert [event.action for event in events] == ["target.create", "target.create", "target.update",
                                                  "target.delete"]
    update = events[2]
    assert (update.town_code, update.record_id, update.actor_name) == (town.code, f"registration_rate:2026:{town.code}",
                                                                      "bureau_admin")
    assert (update.detail["old"], update.detail["new"], update.detail["source"]) == ("97.5", "98", "bureau")
    assert events[3].town_code is None and events[3].detail["old"] == "95"
    with app.app_context():
        assert db.session.scalar(select(Target.source)) == "bureau"  # resubmitting the value changed nothing


def test_the_bureau_sets_targets_from_a_job_without_a_user(app, towns):
    """Inbound bureau messages are handled by jobs: no request, no user; source "bureau"."""
    with app.app_context():
        target = services.set_target("registration_rate", "2026", towns[0].id, d(96), "bureau", None,
                                     note="市局下达")
        db.session.commit()
        assert (target.source, target.set_by_id, target.note) == ("bureau", None, "市局下达")
    event = target_events(app)[0]
    assert (event.action, event.actor_id, event.detail["source"]) == ("target.create", None, "bureau")


def test_monitored_indicators_are_never_targeted(app, admin):
    for code in ("birth_rate", "natural_increase"):
        with pytest.raises(ServiceError) as caught:
            as_admin(app, lambda actor, code=code: services.set_target(code, "2026", None, d(10), "county", actor))
        assert "never targeted: a target on it would be a birth quota" in caught.value.errors["indicator"][0]
    assert stored(app) == {}


def test_monitored_message_is_chinese_in_the_chinese_ui(app, admin):
    from renkou.indicators import catalog

    with app.test_request_context("/api/v1/targets", headers={"Accept-Language": "zh-CN"}):
        message = services.not_targetable_message(catalog.get("birth_rate"))
    assert "出生率" in message


@pytest.mark.parametrize(("indicator", "period", "value", "field", "message"), [
    ("registration_rate", "2026", "100.01", "value", "Must be between 0 and 100"),
    ("registration_rate", "2026", "-1", "value", "Must be between 0 and 100"),
    ("registration_rate", "2026", "95.555", "value", "At most two decimals"),
    ("srb", "2026", "79", "value", "Must be between 80 and 130"),
    ("srb", "2026", "131", "value", "Must be between 80 and 130"),
    ("funding_per_capita", "2026", "-0.01", "value", "Must be between 0 and"),
    ("registration_rate", "2026Q5", "95", "period", "Not a period id"),
    ("registration_rate", "2025Mar", "95", "period", "statistical year starts in month 10"),
    ("agreement_coverage", "202611", "95", "period", "is not measured by this kind of period"),
    ("no_such_thing", "2026", "95", "indicator", "Unknown indicator"),
])
def test_values_periods_and_indicators_are_checked(app, admin, indicator, period, value, field, message):
    with pytest.raises(ServiceError) as caught:
        as_admin(app, lambda actor: services.set_target(indicator, period, None, d(value), "county", actor))
    assert message in " ".join(caught.value.errors[field])
    assert stored(app) == {}


def test_plausible_values_are_taken(app, admin):
    def run(actor):
        services.set_target("srb", "2026", None, d(107), "county", actor)
        services.set_target("funding_per_capita", "2025Oct", None, d("12.50"), "county", actor)
        services.set_target("registration_rate", "2026S2", None, d(100), "county", actor)
        services.set_target("registration_rate", "202611", None, d(0), "county", actor)

    as_admin(app, run)
    assert len(stored(app)) == 4


def test_archived_and_unknown_towns_are_refused(app, admin, towns):
    from renkou.tenancy.services import archive_town, get_town_by_slug

    with app.app_context():
        archive_town(get_town_by_slug(towns[0].slug))
        db.session.commit()
    with pytest.raises(ServiceError) as caught:
        as_admin(app, lambda actor: services.set_target("registration_rate", "2026", towns[0].id, d(90), "county",
                                                        actor))
    assert "archived" in caught.value.errors["town"][0]
    with pytest.raises(ServiceError) as caught:
        as_admin(app, lambda actor: services.set_target("registration_rate", "2026", 99999, d(90), "county", actor))
    assert caught.value.errors["town"] == ["No such town."]


def test_a_batch_is_written_whole_or_not_at_all(app, admin, towns):
    good = services.TargetInput("registration_rate", "2026", None, d(95), key="a")
    bad = services.TargetInput("registration_rate", "2026", None, d(101), key="b", town_code=towns[0].code)
    twice = services.TargetInput("registration_rate", "2026", None, d(96), key="c")
    with pytest.raises(services.TargetsInvalid) as caught:
        as_admin(app, lambda actor: services.set_targets([good, bad, twice], "county", actor))
    assert set(caught.value.by_key) == {"b", "c"}
    assert "more than once" in caught.value.by_key["c"]["_schema"][0]
    assert stored(app) == {} and target_events(app) == []


def test_one_county_target_per_indicator_and_period_in_the_database(app):
    """The unique key holds for county targets too (scope is never NULL), on both backends."""
    with app.app_context():
        for _ in range(2):
            db.session.add(Target(indicator="registration_rate", period="2026", period_kind="year", scope="county",
                                  town_id=None, value=d(90), source="county", note=""))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_county_scope_with_a_town_is_refused_by_the_database(app, towns):
    with app.app_context():
        db.session.add(Target(indicator="registration_rate", period="2026", period_kind="year", scope="county",
                              town_id=towns[0].id, value=d(90), source="county", note=""))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


# ---------------------------------------------------------------------------------------------------------
# The grid page


@pytest.fixture
def signed_in(client, admin):
    login(client, admin)
    client.get("/lang/en")
    return client


def grid_form(client, period="2026", **cells):
    page = client.get(f"{GRID}?period={period}").get_data(as_text=True)
    names = re.findall(r'<input name="(t-[^"]+)"', page)
    values = dict(re.findall(r'<input name="(t-[^"]+)" id="[^"]+" class="short" inputmode="decimal"\s+value="([^"]*)"',
                             page))
    form = {name: values.get(name, "") for name in names}
    form.update(cells)
    return {**form, "period": period}


def test_grid_lists_towns_and_targetable_indicators_only(app, signed_in, towns):
    page = signed_in.get(GRID)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Whole county" in html and towns[0].name in html and towns[1].name in html
    assert 'name="t-county-registration_rate"' in html and f'name="t-{towns[0].code}-srb"' in html
    assert "t-county-birth_rate" not in html and "t-county-natural_increase" not in html
    assert 'href="/county/targets"' in html  # in the county navigation
    from renkou.indicators.periods import YEAR
    from renkou.targets.period_input import current

    with app.test_request_context():
        assert f"· {current(YEAR).id}" in html  # the current year by default
    monthly = signed_in.get(f"{GRID}?period=202611").get_data(as_text=True)
    assert "t-county-agreement_coverage" not in monthly and "t-county-registration_rate" in monthly


def test_grid_saves_every_cell_in_one_go(app, signed_in, towns):
    town = towns[0]
    form = grid_form(signed_in, **{"t-county-registration_rate": "95", f"t-{town.code}-registration_rate": "97%",
                                   "t-county-srb": "106", "t-county-funding_per_capita": "1,200.5"})
    response = signed_in.post(GRID, data={**form, "csrf_token": csrf_token(signed_in, GRID)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert stored(app) == {("registration_rate", "2026", "county"): d(95),
                           ("registration_rate", "2026", town.code): d(97),
                           ("srb", "2026", "county"): d(106),
                           ("funding_per_capita", "2026", "county"): d("1200.5")}
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 added, 0 changed, 0 removed" in page
    assert 'value="97"' in page
    # Clearing a cell removes that target; the others are resubmitted unchanged and not audited again.
    form = grid_form(signed_in, **{"t-county-srb": ""})
    before = len(target_events(app))
    assert signed_in.post(GRID, data={**form, "csrf_token": csrf_token(signed_in, GRID)}).status_code == 302
    assert ("srb", "2026", "county") not in stored(app)
    assert [event.action for event in target_events(app)[before:]] == ["target.delete"]
    history = signed_in.get(f"{GRID}?period=2026").get_data(as_text=True)
    assert 'id="targets-history"' in history and "bureau_admin" in history


def test_grid_with_a_bad_cell_saves_nothing_and_marks_each_bad_cell(app, signed_in, towns):
    form = grid_form(signed_in, **{"t-county-registration_rate": "95", "t-county-srb": "150",
                                   f"t-{towns[1].code}-household_coverage": "abc"})
    response = signed_in.post(GRID, data={**form, "csrf_token": csrf_token(signed_in, GRID)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was saved" in html
    assert 'id="e-t-county-srb"' in html and "Must be between 80 and 130" in html
    assert f'id="e-t-{towns[1].code}-household_coverage"' in html and "Not a number." in html
    assert 'value="abc"' in html  # what was typed stays
    assert stored(app) == {}


def test_bad_period_on_the_grid_is_400(app, signed_in):
    response = signed_in.get(f"{GRID}?period=2026Q9")
    assert response.status_code == 400 and "Not a period id" in response.get_data(as_text=True)


def test_viewer_reads_the_grid_but_cannot_write(app, client, admin, towns):
    login(client, "bureau_viewer")
    page = client.get(GRID)
    assert page.status_code == 200 and 'name="t-county-registration_rate"' not in page.get_data(as_text=True)
    assert client.get(f"{GRID}/template.xlsx?period=2026").status_code == 200
    for path in (GRID, f"{GRID}/import", f"{GRID}/import/commit"):
        response = post_form(client, path, {"period": "2026", "t-county-registration_rate": "90"}, token_from=GRID)
        assert response.status_code == 403, path
    assert stored(app) == {}


@pytest.mark.parametrize("role", ["town_admin", "town_staff", "town_viewer"])
def test_town_users_cannot_reach_the_targets_pages(app, client, factory, towns, role):
    username = factory.user(f"someone_{role}", role, towns[0])
    login(client, username)
    for path in (GRID, f"{GRID}?period=2026", f"{GRID}/template.xlsx"):
        assert client.get(path).status_code == 403, path
    for path in (GRID, f"{GRID}/import", f"{GRID}/import/commit"):
        assert post_form(client, path, {"period": "2026"}, token_from="/").status_code == 403, path


def test_auditor_cannot_reach_the_targets_pages(app, client, factory):
    factory.user("auditor", "audit_admin")
    login(client, "auditor")
    assert client.get(GRID).status_code == 403


def test_signed_out_is_sent_to_sign_in(app, client):
    response = client.get(GRID)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---------------------------------------------------------------------------------------------------------
# The spreadsheet


def workbook_bytes(rows, title="2026") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, period="2026", filename="targets.xlsx"):
    return client.post(f"{GRID}/import", data={"period": period, "csrf_token": csrf_token(client, GRID),
                                                 "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def test_template_has_a_row_per_town_a_county_row_and_the_targets_set(app, signed_in, towns):
    as_admin(app, lambda actor: services.set_target("registration_rate", "2026", towns[0].id, d("96.5"), "county",
                                                    actor))
    response = signed_in.get(f"{GRID}/template.xlsx?period=2026")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    assert sheet.title == "2026"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("乡镇代码", "乡镇名称", "srb") and "birth_rate" not in rows[0]
    assert [row[0] for row in rows[1:]] == ["county", towns[0].code, towns[1].code]
    assert rows[2][rows[0].index("registration_rate")] == 96.5
    assert workbook.worksheets[1].title == "指标说明"


def test_import_dry_run_lists_every_problem_and_writes_nothing(app, signed_in, towns):
    content = workbook_bytes([
        ["乡镇代码", "乡镇名称", "registration_rate", "srb", "birth_rate", "nonsense"],
        ["county", "全县", 95, 106, None, None],
        [towns[0].code, "别的名字", 101, None, None, None],
        ["411524999", "不存在", 90, None, None, None],
        [towns[1].code, towns[1].name, "九十", 150, None, None],
    ])
    response = upload(signed_in, content)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    problems = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", html)
    found = {(row, column) for row, column, _reason in problems}
    assert {("1", "birth_rate"), ("1", "nonsense"), ("3", "乡镇名称"), ("3", "registration_rate"),
            ("4", "乡镇代码"), ("5", "registration_rate"), ("5", "srb")} <= found
    reasons = " ".join(reason for _row, _column, reason in problems)
    assert "birth quota" in reasons and "Unknown column" in reasons and "No such town." in reasons
    assert stored(app) == {}


def test_import_dry_run_then_commit_writes_all(app, signed_in, towns):
    as_admin(app, lambda actor: services.set_target("srb", "2026", None, d(105), "county", actor))
    content = workbook_bytes([
        ["乡镇代码", "乡镇名称", "registration_rate", "household_coverage", "srb"],
        ["county", "全县", 95, 90, None],
        [towns[0].code, towns[0].name, 97.5, None, None],
    ])
    response = upload(signed_in, content)
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert re.search(r'id="import-created">3<', html) and re.search(r'id="import-removed">1<', html)
    assert stored(app) == {("srb", "2026", "county"): d(105)}  # a dry run writes nothing
    encoded = re.search(r'name="content" value="([^"]+)"', html).group(1)
    assert base64.b64decode(encoded) == content
    commit = signed_in.post(f"{GRID}/import/commit", data={"period": "2026", "filename": "targets.xlsx",
                                                            "content": encoded,
                                                            "csrf_token": csrf_token(signed_in, GRID)})
    assert commit.status_code == 302
    assert stored(app) == {("registration_rate", "2026", "county"): d(95),
                           ("household_coverage", "2026", "county"): d(90),
                           ("registration_rate", "2026", towns[0].code): d("97.5")}
    assert towns[1].code not in {scope for _i, _p, scope in stored(app)}


def test_import_reads_percent_formatted_cells_and_chinese_headers(app, signed_in, towns):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "2026"
    sheet.append(["乡镇代码", "生育登记率"])
    sheet.append(["全县", 0.955])
    sheet["B2"].number_format = "0.0%"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(signed_in, buffer.getvalue())
    encoded = re.search(r'name="content" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    signed_in.post(f"{GRID}/import/commit", data={"period": "2026", "filename": "t.xlsx", "content": encoded,
                                                  "csrf_token": csrf_token(signed_in, GRID)})
    assert stored(app) == {("registration_rate", "2026", "county"): d("95.5")}


def test_import_refuses_a_file_of_another_period_and_a_tampered_commit(app, signed_in, towns):
    content = workbook_bytes([["乡镇代码", "registration_rate"], ["county", 95]], title="2025")
    response = upload(signed_in, content)
    assert response.status_code == 422 and "The file is for 2025" in response.get_data(as_text=True)
    bad = workbook_bytes([["乡镇代码", "registration_rate"], ["county", 95], [towns[0].code, 200]])
    commit = signed_in.post(f"{GRID}/import/commit", data={
        "period": "2026", "filename": "t.xlsx", "content": base64.b64encode(bad).decode(),
        "csrf_token": csrf_token(signed_in, GRID)})
    assert commit.status_code == 422 and "Must be between 0 and 100" in commit.get_data(as_text=True)
    assert stored(app) == {}
    assert upload(signed_in, b"not a workbook", filename="t.csv").status_code == 422


# ---------------------------------------------------------------------------------------------------------
# The API


@pytest.fixture
def tokens(factory, admin, towns):
    return {"admin": {**bearer(factory.token("bureau_admin")), "Accept-Language": "en"},
            "viewer": {**bearer(factory.token("bureau_viewer")), "Accept-Language": "en"},
            "town": bearer(factory.token(towns[0].admin_username))}


def test_api_put_writes_many_or_none(app, client, tokens, towns):
    body = {"targets": [
        {"indicator": "registration_rate", "period": "2026", "town": None, "value": 95},
        {"indicator": "registration_rate", "period": "2026", "town": towns[0].code, "value": "97.5",
         "note": "镇里自报"},
        {"indicator": "birth_rate", "period": "2026", "town": None, "value": 10},
        {"indicator": "srb", "period": "2026", "town": "411524999", "value": 105},
    ]}
    response = client.put("/api/v1/targets", json=body, headers=tokens["admin"])
    assert response.status_code == 422
    errors = response.get_json()["errors"]["targets"]
    assert set(errors) == {"2", "3"} and "birth quota" in errors["2"]["indicator"][0]
    assert errors["3"]["town"] == ["No such town."]
    assert stored(app) == {}
    body["targets"] = body["targets"][:2]
    response = client.put("/api/v1/targets", json=body, headers=tokens["admin"])
    assert response.status_code == 200
    result = response.get_json()
    assert (result["created"], result["updated"], result["unchanged"]) == (2, 0, 0)
    assert result["items"][1]["town"]["code"] == towns[0].code and result["items"][1]["value"] == "97.5"
    assert result["items"][1]["note"] == "镇里自报" and result["items"][1]["set_by"] == "bureau_admin"
    again = client.put("/api/v1/targets", json=body, headers=tokens["admin"]).get_json()
    assert (again["created"], again["unchanged"]) == (0, 2)


def test_api_put_checks_types_first(app, client, tokens):
    response = client.put("/api/v1/targets", json={"targets": [{"indicator": "srb", "period": "2026",
                                                                "value": "abc"}]}, headers=tokens["admin"])
    assert response.status_code == 422 and response.get_json()["errors"]["targets"]["0"]["value"]
    assert client.put("/api/v1/targets", json={"targets": []}, headers=tokens["admin"]).status_code == 422


def test_api_post_one_target(app, client, tokens, towns):
    one = {"indicator": "household_coverage", "period": "2026Q4", "town": towns[1].code, "value": 80}
    created = client.post("/api/v1/targets", json=one, headers=tokens["admin"])
    assert created.status_code == 201 and created.get_json()["scope"] == towns[1].code
    changed = client.post("/api/v1/targets", json={**one, "value": 85}, headers=tokens["admin"])
    assert changed.status_code == 200 and changed.get_json()["value"] == "85"
    refused = client.post("/api/v1/targets", json={**one, "value": 120}, headers=tokens["admin"])
    assert refused.status_code == 422 and "value" in refused.get_json()["errors"]
    bad_period = client.post("/api/v1/targets", json={**one, "period": "2026Q7"}, headers=tokens["admin"])
    assert bad_period.status_code == 422 and "Not a period id" in bad_period.get_json()["errors"]["period"][0]
    removed = client.post("/api/v1/targets", json={**one, "value": None}, headers=tokens["admin"])
    assert removed.status_code == 204
    assert stored(app) == {}


def test_api_lists_and_filters_targets(app, client, tokens, towns):
    client.put("/api/v1/targets", headers=tokens["admin"], json={"targets": [
        {"indicator": "registration_rate", "period": "2026", "town": None, "value": 95},
        {"indicator": "registration_rate", "period": "2026", "town": towns[0].code, "value": 96},
        {"indicator": "srb", "period": "2026", "town": towns[0].code, "value": 106},
        {"indicator": "registration_rate", "period": "2025", "town": None, "value": 90}]})
    every = client.get("/api/v1/targets", headers=tokens["viewer"]).get_json()
    assert every["meta"]["total"] == 4
    assert [(item["period"], item["scope"]) for item in every["items"]][:2] == [("2026", "county"),
                                                                               ("2026", towns[0].code)]
    by_town = client.get(f"/api/v1/targets?town={towns[0].slug}&period=2026", headers=tokens["viewer"]).get_json()
    assert {item["indicator"] for item in by_town["items"]} == {"registration_rate", "srb"}
    county = client.get("/api/v1/targets?town=county&indicator=registration_rate", headers=tokens["viewer"])
    assert [item["period"] for item in county.get_json()["items"]] == ["2026", "2025"]
    assert client.get("/api/v1/targets?indicator=nope", headers=tokens["viewer"]).status_code == 400
    assert client.get("/api/v1/targets?town=411524999", headers=tokens["viewer"]).status_code == 404


def test_api_roles(app, client, tokens):
    one = {"indicator": "registration_rate", "period": "2026", "town": None, "value": 95}
    assert client.post("/api/v1/targets", json=one, headers=tokens["viewer"]).status_code == 403
    assert client.put("/api/v1/targets", json={"targets": [one]}, headers=tokens["viewer"]).status_code == 403
    assert client.get("/api/v1/targets", headers=tokens["viewer"]).status_code == 200
    for method in ("GET", "PUT", "POST"):
        assert client.open("/api/v1/targets", method=method, json={}, headers=tokens["town"]).status_code == 403
        assert client.open("/api/v1/targets", method=method, json={}).status_code == 401
    assert stored(app) == {}


def test_targets_are_in_the_openapi_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert set(document["paths"]["/api/v1/targets"]) == {"get", "put", "post"}
    for path in ("/api/v1/indicators", "/api/v1/indicator-values", "/api/v1/comparisons"):
        assert "get" in document["paths"][path]
    schemas = document["components"]["schemas"]
    assert {"Target", "TargetInput", "TargetBatch", "Indicator", "IndicatorValue", "Comparison",
            "ComparisonCell"} <= set(schemas)
    assert "status" in schemas["ComparisonCell"]["properties"]
