"""Family support: eligibility with reasons from the register, the yearly roll, the payment ledger (never
more than the yearly amount), childcare-subsidy intake with its working-day due date, 三结合 assistance,
the API, the pages, masked and audited exports, and the spreadsheet imports.

The data is made by hand so every answer is known. New messages are checked in English; reasons are in
Chinese, as the office writes them on the roll. Every test taking ``app`` runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tenants.registry.resident_id import check_character
from tests.conftest import bearer, in_town, login, post_form

CHECKED = {"checked_by": "王干事", "checked_on": date(2025, 1, 10)}


def resident_id(born: date, sequence: int, area: str = "411524") -> str:
    """A valid ID number (GB 11643) for a birth date; an odd sequence is a man, an even one a woman."""
    first = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first + check_character(first)


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    client.get("/lang/en")
    return client


@pytest.fixture
def family(factory, town):
    """Four households of 城关村 and one person without a household.

    H-1: 王大 (head, born 1964-03-01: 61 at the end of 2025), his wife 李秀 (born 1967-06-01: 58), their son.
    H-2: 赵父 (head, born 1960) and 赵母 (wife, born 1965-05-05); their only child died on 2020-03-01.
    H-3: 钱芳 (head, woman, born 1960) with three living children.
    H-4: 周老 (head, born 1950, one son) who died on 2024-05-01.
    孙某 (born 1950) is on no household.
    """
    village = factory.village(town, "201", "城关村")
    ids = {"village": village}
    homes = {number: factory.household(town, number, village_id=village) for number in ("H-1", "H-2", "H-3", "H-4")}
    ids.update(homes)

    def person(name, born, sex, home=None, relation="other", sequence=1):
        return factory.person(town, name=name, birth_date=born, sex=sex, household_id=homes.get(home),
                              relation=relation, resident_id=resident_id(born, sequence))

    ids["wang"] = person("王大", date(1964, 3, 1), "M", "H-1", "head", 11)
    ids["li"] = person("李秀", date(1967, 6, 1), "F", "H-1", "spouse", 22)
    ids["wang_son"] = person("王小", date(1990, 1, 1), "M", "H-1", "child", 31)
    ids["zhao"] = person("赵父", date(1960, 1, 1), "M", "H-2", "head", 13)
    ids["zhao_mother"] = person("赵母", date(1965, 5, 5), "F", "H-2", "spouse", 24)
    ids["zhao_child"] = person("赵子", date(1988, 8, 8), "M", "H-2", "child", 35)
    factory.movement(town, ids["zhao_child"], "death", date(2020, 3, 1))
    ids["qian"] = person("钱芳", date(1960, 2, 2), "F", "H-3", "head", 26)
    for number, born in enumerate((date(1982, 1, 1), date(1984, 1, 1), date(1986, 1, 1)), start=1):
        person(f"钱子{number}", born, "M", "H-3", "child", 40 + 2 * number + 1)
    ids["zhou"] = person("周老", date(1950, 1, 1), "M", "H-4", "head", 17)
    person("周子", date(1975, 1, 1), "M", "H-4", "child", 19)
    factory.movement(town, ids["zhou"], "death", date(2024, 5, 1))
    ids["sun"] = person("孙某", date(1950, 7, 7), "M", None, "other", 15)
    return ids


def english(function):
    """``function`` run with English messages (the services' errors are checked in English)."""
    from flask_babel import force_locale

    def run():
        with force_locale("en"):
            return function()

    return run


def judge(app, town, person_id, kind, year, declarations=None):
    from tenants.registry.models import Person
    from tenants.support.services import eligibility

    def run():
        result = eligibility.check(db.session.get(Person, person_id), kind, year, declarations)
        return {"eligible": result.eligible, "state": result.state, "amount_fen": result.amount_fen,
                "reasons": {reason.condition: (reason.status, reason.code, reason.text) for reason in result.reasons}}

    return in_town(app, town, run)


def count(app, town, model_name: str) -> int:
    from tenants.support import models

    model = getattr(models, model_name)
    return in_town(app, town, lambda: db.session.scalar(select(func.count()).select_from(model)))


# ---------------------------------------------------------------------------------------------------------
# Eligibility with reasons


def test_a_58_year_old_is_not_eligible_and_the_reason_says_so(app, town, family):
    result = judge(app, town, family["li"], "reward", 2025, {"rural_hukou": CHECKED})
    assert not result["eligible"] and result["state"] == "not_eligible"
    assert result["reasons"]["age"] == ("unmet", "age_below", "年龄未满60周岁（58岁）")
    # Everything else about her holds: the one reason is her age.
    assert result["reasons"]["children"] == ("met", "one_living_child", "现存子女1人")
    assert result["reasons"]["living"][0] == "met" and result["reasons"]["born"][0] == "met"
    # In 2027 she is 60.
    assert judge(app, town, family["li"], "reward", 2027, {"rural_hukou": CHECKED})["eligible"]


def test_a_61_year_old_is_eligible_once_the_rural_hukou_is_declared(app, town, family):
    pending = judge(app, town, family["wang"], "reward", 2025)
    assert pending["state"] == "to_declare" and not pending["eligible"]
    assert pending["reasons"]["age"] == ("met", "age_reached", "年满60周岁（61岁）")
    assert pending["reasons"]["rural_hukou"] == ("to_declare", "rural_hukou", "本人及配偶为农业户口或农村居民：待核实")

    declared = judge(app, town, family["wang"], "reward", 2025, {"rural_hukou": {"checked_by": "王干事",
                                                                                 "checked_on": "2025-01-10"}})
    assert declared["eligible"] and declared["amount_fen"] == 960_00
    assert declared["reasons"]["rural_hukou"] == ("declared", "rural_hukou",
                                                  "本人及配偶为农业户口或农村居民（王干事 2025-01-10核实）")


def test_children_and_deaths_come_from_the_register(app, town, family):
    three = judge(app, town, family["qian"], "reward", 2025, {"rural_hukou": CHECKED})
    assert three["reasons"]["children"] == ("unmet", "too_many_children", "现存子女3人，不属于独生子女或两女家庭")
    bereaved = judge(app, town, family["zhao_mother"], "reward", 2025, {"rural_hukou": CHECKED})
    assert bereaved["eligible"] and bereaved["reasons"]["children"][1] == "children_died"
    dead = judge(app, town, family["zhou"], "reward", 2025, {"rural_hukou": CHECKED})
    assert dead["reasons"]["living"] == ("unmet", "deceased", "本人已于2024年5月1日死亡")
    # On 1 January 2024 he was alive: that year's roll could pay him.
    assert judge(app, town, family["zhou"], "reward", 2024, {"rural_hukou": CHECKED})["eligible"]
    # No household: the register cannot say, so the office checks and declares it.
    alone = judge(app, town, family["sun"], "reward", 2025, {"rural_hukou": CHECKED})
    assert alone["reasons"]["children"] == ("to_declare", "children_unknown", "子女情况无法从户籍登记得出，需核实")
    assert judge(app, town, family["sun"], "reward", 2025, {"rural_hukou": CHECKED, "children": CHECKED})["eligible"]
    # A declaration never overrides what the register shows.
    both = {"rural_hukou": CHECKED, "children": CHECKED}
    assert not judge(app, town, family["qian"], "reward", 2025, both)["eligible"]


def test_special_support_and_its_amount_change_with_the_year(app, town, family):
    for year, amount, age in ((2023, 4080_00, 58), (2024, 7080_00, 59), (2025, 7080_00, 60)):
        result = judge(app, town, family["zhao"], "special_death", year)
        assert result["eligible"] and result["amount_fen"] == amount, year
        assert result["reasons"]["woman_age"] == ("met", "woman_age_reached", f"女方年满49周岁（{age}岁）")
        assert result["reasons"]["children"] == ("met", "only_child_died", "独生子女已死亡（2020年3月1日）")
    disabled = judge(app, town, family["zhao"], "special_disability", 2025, {"child_disability": CHECKED})
    assert disabled["reasons"]["children"][:2] == ("unmet", "only_child_deceased")
    living_child = judge(app, town, family["wang"], "special_death", 2025)
    assert living_child["reasons"]["children"][:2] == ("unmet", "only_child_living")
    assert living_child["reasons"]["woman_age"][2] == "女方年满49周岁（58岁）"

    from tenants.support.services import roll

    def confirm_both():
        return [roll.confirm({"person_id": family["zhao"], "kind": "special_death", "year": year}).amount_fen
                for year in (2023, 2024)]

    assert in_town(app, town, confirm_both) == [4080_00, 7080_00]


def test_confirming_refuses_who_is_not_eligible_and_a_second_entry(app, town, family):
    from renkou.errors import ConflictError, ServiceError
    from tenants.support.services import roll

    def attempt(data):
        try:
            return in_town(app, town, lambda: roll.confirm(data).id)
        except (ServiceError, ConflictError) as error:
            return error

    refused = attempt({"person_id": family["li"], "kind": "reward", "year": 2025,
                       "declarations": [{"code": "rural_hukou", **CHECKED}]})
    assert isinstance(refused, ServiceError) and refused.errors["eligibility"] == ["年龄未满60周岁（58岁）"]
    unchecked = attempt({"person_id": family["wang"], "kind": "reward", "year": 2025})
    assert unchecked.errors["eligibility"] == ["本人及配偶为农业户口或农村居民：待核实"]
    nameless = attempt({"person_id": family["wang"], "kind": "reward", "year": 2025,
                        "declarations": [{"code": "rural_hukou", "checked_by": " "}]})
    assert "checked_by" in nameless.errors
    entry_id = attempt({"person_id": family["wang"], "kind": "reward", "year": 2025,
                        "declarations": [{"code": "rural_hukou", **CHECKED}]})
    assert isinstance(entry_id, int)
    again = attempt({"person_id": family["wang"], "kind": "reward", "year": 2025,
                     "declarations": [{"code": "rural_hukou", **CHECKED}]})
    assert isinstance(again, ConflictError)
    assert count(app, town, "RollEntry") == 1

    from tenants.support.models import RollEntry

    entry = in_town(app, town, lambda: (lambda e: (e.amount_fen, e.declarations, e.reasons))(
        db.session.get(RollEntry, entry_id)))
    assert entry[0] == 960_00 and entry[1] == [
        {"code": "rural_hukou", "checked_by": "王干事", "checked_on": "2025-01-10", "note": ""}]
    assert {reason["condition"] for reason in entry[2]} == {"born", "living", "age", "children", "rural_hukou"}


# ---------------------------------------------------------------------------------------------------------
# The ledger


@pytest.fixture
def wang_on_roll(app, town, family):
    from tenants.support.services import roll

    return in_town(app, town, lambda: roll.confirm({"person_id": family["wang"], "kind": "reward", "year": 2025,
                                                    "declarations": [{"code": "rural_hukou", **CHECKED}]}).id)


def pay(app, town, entry_id, amount, reference, **values):
    from renkou.errors import ServiceError
    from tenants.support.services import payments

    values = {"roll_entry_id": entry_id, "paid_on": date(2025, 6, 30), "amount": Decimal(amount), "method": "bank",
              "reference": reference, **values}
    try:
        return in_town(app, town, english(lambda: payments.record_payment(values).id))
    except ServiceError as error:
        return error


def test_a_roll_entry_is_never_paid_more_than_its_yearly_amount(app, town, wang_on_roll):
    from tenants.support.models import RollEntry, SupportPayment
    from tenants.support.services import payments

    first = pay(app, town, wang_on_roll, "600", "FF-1")
    assert isinstance(first, int)
    too_much = pay(app, town, wang_on_roll, "400", "FF-2")
    assert too_much.errors == {"amount": ["This payment would pay more than the yearly amount: ¥960.00 a year, "
                                          "¥600.00 already paid, at most ¥360.00 more."]}
    assert isinstance(pay(app, town, wang_on_roll, "360", "FF-2"), int)
    assert pay(app, town, wang_on_roll, "0.01", "FF-3").errors["amount"][0].endswith("at most ¥0.00 more.")

    def state():
        entry = db.session.get(RollEntry, wang_on_roll)
        return entry.paid_fen, entry.outstanding_fen

    assert in_town(app, town, state) == (960_00, 0)
    # Raising a payment past what is left is refused the same way.
    def raise_second():
        second = payments.find_by_reference("FF-2")
        payments.update_payment(second, {"amount": Decimal("361")})

    with pytest.raises(Exception) as raised:
        in_town(app, town, english(raise_second))
    assert "at most ¥360.00 more" in str(raised.value)
    # The bank sends the 600 back: it no longer counts, and can be paid again.
    in_town(app, town, lambda: payments.return_payment(payments.find_by_reference("FF-1"), date(2025, 7, 5),
                                                       "账户已注销"))
    assert in_town(app, town, state) == (360_00, 600_00)
    assert isinstance(pay(app, town, wang_on_roll, "600", "FF-4", paid_on=date(2025, 7, 20)), int)
    assert pay(app, town, wang_on_roll, "1", "FF-4").errors.get("amount")  # full again (and the reference is taken)
    assert count(app, town, "SupportPayment") == 3

    totals = in_town(app, town, lambda: payments.year_totals(2025))
    reward = next(row for row in totals.kinds if row.kind == "reward")
    assert (reward.entries, reward.due_fen, reward.paid_fen, reward.returned_fen, reward.outstanding_fen) == (
        1, 960_00, 960_00, 600_00, 0)
    assert totals.total.paid_fen == 960_00 and len(totals.kinds) == 3
    statuses = in_town(app, town, lambda: sorted(db.session.scalars(select(SupportPayment.status))))
    assert statuses == ["paid", "paid", "returned"]


# ---------------------------------------------------------------------------------------------------------
# Childcare subsidy


@pytest.fixture
def toddler(factory, town, family):
    """A girl of H-1 born 2023-05-15 (three on 2026-05-15), a boy born 2021-05-15 (three in 2024) and a baby
    born 400 days ago (under three today, whenever the tests run)."""
    baby_born = date.today() - timedelta(days=400)

    def child(name, born, sequence):
        return factory.person(town, name=name, birth_date=born, household_id=family["H-1"], relation="grandchild",
                              resident_id=resident_id(born, sequence))

    return {"girl": child("王妞", date(2023, 5, 15), 2), "older": child("王哥", date(2021, 5, 15), 1),
            "baby": child("王宝", baby_born, 4), "baby_born": baby_born}


def test_subsidy_is_due_30_working_days_after_receipt_counting_the_holidays(app, town, family, toddler):
    from tenants.support import rules
    from tenants.support.services import subsidies

    # 15 September 2025: 30 weekdays later would be 27 October; the National Day holiday (1–8 October) and
    # the make-up working days (Sunday 28 September, Saturday 11 October) make it 31 October.
    assert rules.review_due(date(2025, 9, 15)) == date(2025, 10, 31)
    def take(data):
        application = subsidies.create_subsidy(data)
        return (application.due_on, application.status, application.subsidy_year, application.months,
                application.amount_fen, application.applicant_display, application.overdue)

    first = in_town(app, town, lambda: take({"child_id": toddler["girl"], "applicant_id": family["li"],
                                             "received_on": date(2025, 9, 15)}))
    # Still received long after its due date: overdue.
    assert first == (date(2025, 10, 31), "received", 2025, 12, 3600_00, "李秀", True)
    # The year she turns three covers January to April: 4 months.
    second = in_town(app, town, lambda: take({"child_id": toddler["girl"], "applicant_name": "王奶奶",
                                              "received_on": date(2026, 1, 5), "subsidy_year": 2026}))
    assert second[3:6] == (4, 1200_00, "王奶奶")
    assert rules.subsidy_fen(date(2025, 5, 15), 2025) == 2400_00  # born in May: May to December
    assert rules.subsidy_fen(date(2023, 5, 15), 2024) == 0  # before the scheme


def test_subsidy_intake_checks_and_status_flow(app, town, family, toddler):
    from renkou.errors import ConflictError, ServiceError
    from tenants.support.services import subsidies

    def attempt(function):
        try:
            return in_town(app, town, english(function))
        except (ServiceError, ConflictError) as error:
            return error

    too_old = attempt(lambda: subsidies.create_subsidy({"child_id": toddler["older"], "applicant_id": family["li"],
                                                        "received_on": date(2025, 3, 1)}))
    assert "not under 3" in too_old.errors["child_id"][0]
    nobody = attempt(lambda: subsidies.create_subsidy({"child_id": toddler["girl"], "received_on": date(2025, 3, 1)}))
    assert "applicant_name" in nobody.errors
    before = attempt(lambda: subsidies.create_subsidy({"child_id": toddler["girl"], "applicant_id": family["li"],
                                                       "received_on": date(2024, 12, 1)}))
    assert "received_on" in before.errors
    created = attempt(lambda: subsidies.create_subsidy({"child_id": toddler["girl"], "applicant_id": family["li"],
                                                        "received_on": date(2025, 3, 1)}).id)
    twice = attempt(lambda: subsidies.create_subsidy({"child_id": toddler["girl"], "applicant_id": family["wang"],
                                                      "received_on": date(2025, 4, 1)}))
    assert isinstance(twice, ConflictError)

    def step(action, **values):
        return attempt(lambda: subsidies.transition(subsidies.get_subsidy(created), action, **values).status)

    assert step("pay").errors["action"] == ["Only an approved application can be paid."]
    assert step("return").errors == {"reason": ["Say why the application is returned."]}
    assert step("return", reason="缺少监护人签字") == "returned"
    assert step("refile") == "received"
    refiled = in_town(app, town, lambda: (lambda a: (a.received_on, a.return_reason, a.overdue))(
        subsidies.get_subsidy(created)))
    assert refiled[0] >= date.today() - timedelta(days=1) and refiled[1:] == (None, False)
    assert step("review") == "under_review"
    assert step("approve") == "approved"
    assert "payment_reference" in step("pay").errors
    assert step("pay", payment_reference="YE-2025-01") == "paid"
    actions = in_town(app, town, lambda: sorted(set(db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.record_type == "childcare_subsidy")))))
    assert actions == ["childcare_subsidy.approve", "childcare_subsidy.create", "childcare_subsidy.pay",
                       "childcare_subsidy.refile", "childcare_subsidy.return", "childcare_subsidy.review"]


# ---------------------------------------------------------------------------------------------------------
# 三结合 assistance


def test_assistance_totals_by_year_and_kind(app, town, family):
    from renkou.errors import ConflictError
    from tenants.support.services import assistance

    def record_all():
        for household, kind, day, value in (("H-1", "training", date(2024, 3, 1), "800"),
                                            ("H-1", "microcredit", date(2024, 5, 1), "20000"),
                                            ("H-2", "training", date(2024, 3, 1), "800.50"),
                                            ("H-3", "goods", date(2025, 1, 2), "300")):
            assistance.create_assistance({"household_id": family[household], "kind": kind, "given_on": day,
                                          "value": Decimal(value)})
        return [(row.year, row.records, row.value_fen, row.by_kind) for row in assistance.totals_by_year()]

    years = in_town(app, town, record_all)
    assert [row[:3] for row in years] == [(2025, 1, 300_00), (2024, 3, 21600_50)]
    assert years[1][3] == {"training": (2, 1600_50), "microcredit": (1, 20000_00), "project": (0, 0),
                           "goods": (0, 0), "other": (0, 0)}
    with pytest.raises(ConflictError):
        in_town(app, town, lambda: assistance.create_assistance({
            "household_number": "H-1", "kind": "training", "given_on": date(2024, 3, 1), "value": Decimal("1")}))
    training = assistance.AssistanceFilter(year=2024, kind="training")
    total = in_town(app, town, lambda: assistance.filtered_total(training))
    assert total == {"records": 2, "value": Decimal("1600.50")}


# ---------------------------------------------------------------------------------------------------------
# API


def test_api_round_trip(app, api, town, family, toddler):
    judged = api("GET", f"/support/eligibility/{family['li']}?kind=reward&year=2025")
    assert judged.status_code == 200
    body = judged.get_json()
    assert body["eligible"] is False and body["state"] == "not_eligible" and body["amount"] == "960.00"
    assert {"condition": "age", "status": "unmet", "code": "age_below",
            "text": "年龄未满60周岁（58岁）"} in body["reasons"]
    assert api("GET", "/support/eligibility/999999").status_code == 404
    assert api("GET", f"/support/eligibility/{family['li']}?kind=fines").status_code == 422

    candidates = api("GET", "/support/candidates?kind=reward&year=2025&state=all&sort=birth_date").get_json()
    names = [item["name"] for item in candidates["items"]]
    assert names == ["周老", "孙某", "赵父", "钱芳", "王大", "赵母", "李秀"]  # oldest first; 58 and over only
    assert candidates["items"][-1]["resident_id"].startswith("411524********")
    possible = api("GET", "/support/candidates?kind=reward&year=2025").get_json()
    assert {item["name"]: item["state"] for item in possible["items"]} == {
        "王大": "to_declare", "赵母": "to_declare", "赵父": "to_declare", "孙某": "to_declare"}

    refused = api("POST", "/support/roll", json={"person_id": family["li"], "kind": "reward", "year": 2025})
    assert refused.status_code == 422 and "年龄未满60周岁（58岁）" in refused.get_json()["errors"]["eligibility"]
    created = api("POST", "/support/roll", json={
        "person_id": family["wang"], "kind": "reward", "year": 2025,
        "declarations": [{"code": "rural_hukou", "checked_by": "王干事", "checked_on": "2025-01-10"}]})
    assert created.status_code == 201, created.get_json()
    entry = created.get_json()
    assert entry["amount"] == "960.00" and entry["declarations"][0]["checked_on"] == "2025-01-10"
    assert entry["resident_id"].startswith("411524********") and len(entry["resident_id"]) == 18
    assert api("POST", "/support/roll", json={**{"person_id": family["wang"], "kind": "reward", "year": 2025},
                                              "declarations": [{"code": "rural_hukou", "checked_by": "王"}]}
               ).status_code == 409

    paid = api("POST", "/support/payments", json={"roll_entry_id": entry["id"], "paid_on": "2025-06-30",
                                                  "amount": "900", "method": "bank", "reference": "FF-9"})
    assert paid.status_code == 201 and paid.get_json()["amount"] == "900.00"
    over = api("POST", "/support/payments", json={"roll_entry_id": entry["id"], "paid_on": "2025-06-30",
                                                  "amount": "60.01", "method": "cash", "reference": "FF-10"})
    assert over.status_code == 422 and "at most ¥60.00 more" in over.get_json()["errors"]["amount"][0]
    returned = api("POST", f"/support/payments/{paid.get_json()['id']}/return", json={"return_reason": "账户冻结"})
    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
    ledger = api("GET", "/support/ledger?year=2025").get_json()
    reward = next(row for row in ledger["kinds"] if row["kind"] == "reward")
    assert reward == {"kind": "reward", "entries": 1, "due": "960.00", "paid": "0.00", "returned": "900.00",
                      "outstanding": "960.00"}
    assert api("GET", "/support/roll?year=2025&payment=unpaid").get_json()["meta"]["total"] == 1
    assert api("GET", "/support/payments?status=returned").get_json()["items"][0]["reference"] == "FF-9"

    subsidy = api("POST", "/support/subsidies", json={"child_id": toddler["girl"], "applicant_id": family["li"],
                                                      "applicant_phone": "13812345678", "received_on": "2025-09-15"})
    assert subsidy.status_code == 201, subsidy.get_json()
    application = subsidy.get_json()
    assert application["due_on"] == "2025-10-31" and application["amount"] == "3600.00"
    assert application["applicant_phone"] == "*******5678" and application["overdue"] is True
    full = api("GET", f"/support/subsidies/{application['id']}").get_json()
    assert full["applicant_phone"] == "13812345678"
    listed = api("GET", "/support/subsidies?overdue=1").get_json()
    assert [item["id"] for item in listed["items"]] == [application["id"]]
    stepped = api("POST", f"/support/subsidies/{application['id']}/transitions", json={"action": "approve"})
    assert stepped.get_json()["status"] == "approved"
    assert api("GET", "/support/subsidies?overdue=1").get_json()["meta"]["total"] == 0

    help_given = api("POST", "/support/assistance", json={"household_number": "H-2", "kind": "project",
                                                          "given_on": "2025-04-01", "value": "5000"})
    assert help_given.status_code == 201 and help_given.get_json()["household_number"] == "H-2"
    assert api("PATCH", f"/support/assistance/{help_given.get_json()['id']}", json={"value": "4500.5"}
               ).get_json()["value"] == "4500.50"
    summary = api("GET", "/support/assistance/summary").get_json()
    assert summary["years"][0]["year"] == 2025 and summary["years"][0]["value"] == "4500.50"
    assert api("GET", "/support/assistance?q=H-9").get_json()["meta"]["total"] == 0


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_candidates_page_shows_reasons_and_confirms_with_a_declaration(app, signed_in, town, family):
    base = f"/t/{town.slug}/support/"
    page = signed_in.get(base + "candidates?kind=reward&year=2025&state=all").get_data(as_text=True)
    row = page[page.index(f'id="candidate-{family["li"]}"'):]
    assert "年龄未满60周岁（58岁）" in row[:row.index("</tr>")]
    wang_row = page[page.index(f'id="candidate-{family["wang"]}"'):]
    wang_row = wang_row[:wang_row.index("</tr>")]
    assert "年满60周岁（61岁）" in wang_row and 'name="declared" value="rural_hukou"' in wang_row

    confirm_url = base + "candidates/confirm?kind=reward&year=2025&state=all"
    unchecked = post_form(signed_in, confirm_url, {"person_id": family["wang"], "kind": "reward", "year": "2025",
                                                   "checked_by": "", "declared": "rural_hukou"}, token_from=base)
    assert unchecked.status_code == 422 and "Say who checked the declared facts." in unchecked.get_data(as_text=True)
    done = post_form(signed_in, confirm_url, {"person_id": family["wang"], "kind": "reward", "year": "2025",
                                              "checked_by": "王干事", "checked_on": "2025-01-10",
                                              "declared": "rural_hukou"}, token_from=base)
    assert done.status_code == 302
    roll = signed_in.get(base + "?year=2025").get_data(as_text=True)
    assert "王大" in roll and "960.00" in roll and "411524********" in roll
    assert "1 on the roll: ¥960.00 due, ¥0.00 paid, ¥960.00 still to pay." in roll
    eligibility = signed_in.get(base + f"eligibility/{family['li']}?year=2025").get_data(as_text=True)
    assert "年龄未满60周岁（58岁）" in eligibility and 'id="kind-special_disability"' in eligibility


def test_entry_page_payments_and_the_overpayment_error(app, signed_in, town, wang_on_roll):
    entry_url = f"/t/{town.slug}/support/roll/{wang_on_roll}"
    page = signed_in.get(entry_url).get_data(as_text=True)
    assert "本人及配偶为农业户口或农村居民（王干事 2025-01-10核实）" in page and 'value="960.00"' in page
    form = {"paid_on": "2025-06-30", "method": "bank", "reference": "FF-7"}
    over = post_form(signed_in, entry_url + "/payments", {**form, "amount": "960.01"}, token_from=entry_url)
    assert over.status_code == 422 and "at most ¥960.00 more" in over.get_data(as_text=True)
    assert 'value="960.01"' in over.get_data(as_text=True)  # the form keeps what was typed
    saved = post_form(signed_in, entry_url + "/payments", {**form, "amount": "960"}, token_from=entry_url)
    assert saved.status_code == 302
    after = signed_in.get(entry_url).get_data(as_text=True)
    assert 'id="entry-outstanding">¥0.00' in after and "Record a payment" not in after
    ledger = signed_in.get(f"/t/{town.slug}/support/payments?year=2025").get_data(as_text=True)
    assert "FF-7" in ledger and "王大" in ledger


def test_subsidy_pages_highlight_overdue(app, signed_in, town, family, toddler):
    from tenants.support import rules

    new_url = f"/t/{town.slug}/support/subsidies/new"
    form = signed_in.get(new_url).get_data(as_text=True)
    assert "王宝" in form and "王哥" not in form  # under three today only
    received = date.today() - timedelta(days=100)
    due = rules.review_due(received).isoformat()
    saved = post_form(signed_in, new_url, {"child_id": toddler["baby"], "applicant_id": family["li"],
                                           "received_on": received.isoformat(), "applicant_phone": "13812345678"},
                      token_from=new_url)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    listing = signed_in.get(f"/t/{town.slug}/support/subsidies/").get_data(as_text=True)
    row = listing[listing.index('<tr class="overdue">'):]
    assert due in row[:row.index("</tr>")] and "*******5678" in row and "13812345678" not in listing
    detail = signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    assert "13812345678" in detail and due in detail
    refused = post_form(signed_in, saved.headers["Location"] + "/transition", {"action": "return"},
                        token_from=saved.headers["Location"])
    assert refused.status_code == 422 and "Say why the application is returned." in refused.get_data(as_text=True)


def test_viewers_read_but_cannot_write(app, client, factory, town, family, wang_on_roll):
    viewer = factory.user("support_viewer", "town_viewer", town)
    login(client, viewer)
    base = f"/t/{town.slug}/support/"
    for path in ("", "candidates", f"roll/{wang_on_roll}", "payments", "subsidies/", "assistance/",
                 "assistance/summary"):
        assert client.get(base + path).status_code == 200, path
    for path in ("subsidies/new", "assistance/new"):
        assert client.get(base + path).status_code == 403, path
    refused = post_form(client, base + "candidates/confirm", {"person_id": family["li"]}, token_from=base)
    assert refused.status_code == 403
    headers = bearer(factory.token(viewer))
    assert client.post(f"/api/v1/towns/{town.slug}/support/roll", json={}, headers=headers).status_code == 403


# ---------------------------------------------------------------------------------------------------------
# Exports: masked and audited


def test_exports_are_masked_and_audited(app, signed_in, town, family, toddler, wang_on_roll):
    pay(app, town, wang_on_roll, "960", "FF-1")
    from tenants.support.services import subsidies

    in_town(app, town, lambda: subsidies.create_subsidy({"child_id": toddler["girl"], "applicant_id": family["li"],
                                                         "applicant_phone": "13812345678",
                                                         "received_on": date(2025, 9, 15)}))
    base = f"/t/{town.slug}/support/"
    sheets = {}
    for name, path in (("roll", "roll/export.xlsx?year=2025"), ("ledger", "payments/export.xlsx"),
                       ("subsidies", "subsidies/export.xlsx")):
        response = signed_in.get(base + path)
        assert response.status_code == 200, name
        rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
        sheets[name] = rows
    roll_rows = sheets["roll"]
    assert roll_rows[0][:4] == ("年度", "扶助类别", "姓名", "身份证号码") and len(roll_rows) == 2
    assert roll_rows[1][2] == "王大" and roll_rows[1][3].startswith("411524********")
    assert "1964" not in roll_rows[1][3] and roll_rows[1][8] in (960, "960.00", Decimal("960.00"))
    assert sheets["ledger"][1][3].startswith("411524********") and sheets["ledger"][1][8] == "FF-1"
    subsidy_row = sheets["subsidies"][1]
    assert subsidy_row[1].startswith("411524********") and subsidy_row[5] == "*******5678" and subsidy_row[12] == "是"
    actions = in_town(app, town, lambda: set(db.session.scalars(select(AuditEvent.action))))
    assert {"support_roll.export", "support_payment.export", "childcare_subsidy.export"} <= actions


# ---------------------------------------------------------------------------------------------------------
# Imports: dry run, bad rows, commit, re-upload


def xlsx(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, town, kind: str, content: bytes) -> tuple[str, str]:
    """(the page of the checked batch, its address)."""
    imports = f"/t/{town.slug}/imports/"
    response = post_form(client, imports, {"kind": kind, "file": (io.BytesIO(content), f"{kind}.xlsx")},
                         token_from=imports, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    batch_url = response.headers["Location"]
    return client.get(batch_url).get_data(as_text=True), batch_url


def commit(client, batch_url: str) -> str:
    return post_form(client, batch_url + "/commit", {}, token_from=batch_url, follow_redirects=True).get_data(
        as_text=True)


ASSISTANCE_HEADERS = ["户编号", "日期", "帮扶类别", "价值（元）", "帮扶单位", "说明"]


def test_assistance_import_dry_run_reports_bad_rows_and_writes_nothing(app, signed_in, town, family):
    assert signed_in.get(f"/t/{town.slug}/imports/templates/support_assistance.xlsx").status_code == 200
    rows = [["H-1", "2025-03-01", "技术培训", "¥1,200.50", "县农业农村局", "食用菌种植"],
            ["H-2", date(2025, 4, 1), "小额贷款", 20000, "", ""],
            ["H-9", "2025-04-01", "物资", "100", "", ""],           # no such household
            ["H-3", "2025-04-01", "罚款", "100", "", ""],           # not a kind of help
            ["H-3", "2025-04-31", "物资", "abc", "", ""],           # no such day, not an amount
            ["H-1", "2025-03-01", "培训", "50", "", ""]]            # the same as row 2
    checked, batch_url = upload(signed_in, town, "support_assistance", xlsx(ASSISTANCE_HEADERS, rows))
    assert 'id="error-rows">4<' in checked and 'id="valid-rows">2<' in checked
    errors = checked[checked.index('id="import-errors"'):]
    for row_number, column in ((4, "户编号"), (5, "帮扶类别"), (6, "日期"), (6, "价值（元）"), (7, "户编号")):
        assert f"<td>{row_number}</td>" in errors and column in errors
    assert "No household has this number." in errors and "The same as row 2 of this file." in errors
    assert count(app, town, "Assistance") == 0  # the dry run wrote nothing

    assert 'id="created-count">2<' in commit(signed_in, batch_url)
    assert count(app, town, "Assistance") == 2
    fixed = [rows[0][:3] + ["1300"] + rows[0][4:], rows[1]]
    _checked, batch_url = upload(signed_in, town, "support_assistance", xlsx(ASSISTANCE_HEADERS, fixed))
    assert 'id="updated-count">2<' in commit(signed_in, batch_url)
    from tenants.support.services import assistance

    years = in_town(app, town, assistance.totals_by_year)
    assert years[0].by_kind["training"] == (1, 1300_00) and years[0].value_fen == 21300_00


PAYMENT_HEADERS = ["身份证号码", "姓名", "年度", "扶助类别", "发放日期", "金额（元）", "发放方式", "凭证号", "状态",
                   "退回日期", "退回原因"]


def test_payment_import_checks_each_row_against_the_roll(app, signed_in, town, family, wang_on_roll):
    wang_id, li_id = resident_id(date(1964, 3, 1), 11), resident_id(date(1967, 6, 1), 22)
    rows = [[wang_id, "王大", "2025年", "奖扶", "2025-06-30", "480", "银行代发", "FF-1", "已发放", "", ""],
            [wang_id, "王大", 2025, "奖励扶助", "2025-12-20", "480.00", "一卡通", "FF-2", "", "", ""],
            [wang_id, "王大", 2025, "奖励扶助", "2025-12-21", "0.01", "现金", "FF-3", "", "", ""],    # too much
            [li_id, "李秀", 2025, "奖励扶助", "2025-06-30", "480", "银行", "FF-4", "", "", ""],       # not on roll
            [wang_id, "王小二", 2025, "奖扶", "2025-06-30", "1", "银行", "FF-5", "", "", ""],          # wrong name
            ["411524199901010000", "", 2025, "奖扶", "2025-06-30", "1", "银行", "FF-6", "", "", ""],  # unknown
            [wang_id, "", 2025, "奖扶", "2025-06-30", "1", "支票", "FF-7", "退回", "", ""]]           # method, reason
    checked, batch_url = upload(signed_in, town, "support_payments", xlsx(PAYMENT_HEADERS, rows))
    assert 'id="error-rows">5<' in checked and 'id="valid-rows">2<' in checked
    errors = checked[checked.index('id="import-errors"'):]
    assert "at most ¥0.00 more" in errors
    assert "This person is not on the roll of that year and kind." in errors
    assert "The name does not match the person with this ID number." in errors
    assert "No one on the register has this ID number." in errors
    assert "Write one of 银行代发, 一卡通, 现金, 其他." in errors
    assert count(app, town, "SupportPayment") == 0

    assert 'id="created-count">2<' in commit(signed_in, batch_url)
    assert count(app, town, "SupportPayment") == 2
    # A re-upload of the ledger with the bank's return of FF-2 updates it.
    returned = [rows[0], rows[1][:8] + ["退回", "2025-12-28", "账户已注销"]]
    _checked, batch_url = upload(signed_in, town, "support_payments", xlsx(PAYMENT_HEADERS, returned))
    assert 'id="updated-count">2<' in commit(signed_in, batch_url)
    from tenants.support.models import RollEntry

    entry = in_town(app, town, lambda: (lambda e: (e.paid_fen, e.outstanding_fen, [p.status for p in e.payments]))(
        db.session.get(RollEntry, wang_on_roll)))
    assert entry == (480_00, 480_00, ["paid", "returned"])
