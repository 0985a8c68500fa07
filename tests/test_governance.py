"""Governance: the leadership group, responsibility agreements (veto kinds, scans, evaluation), cadre duties
and the two indicators (agreement_coverage, household_coverage), with hand-made data and known answers.

Messages new with this work are checked in English (the session or Accept-Language asks for it), so the
tests hold before and after the Chinese catalog has them. Every test taking ``app`` runs on PostgreSQL
and on SQLite.
"""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tenants.governance import rules
from tests.conftest import bearer, in_town, login, post_form

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# A real 1×1 PNG.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 32 + b"\xff\xd9"
VETO_MESSAGE = ("A veto item must be about services, oversight (两非 cases) or data quality (false reports); "
                "veto items about numbers of births are not allowed.")
PHONE = "13700137000"
MASKED = "*******7000"


@pytest.fixture
def village(factory, town):
    return factory.village(town, "201", "城关村")


@pytest.fixture
def signed_in(client, town):
    login(client, town.admin_username)
    client.get("/lang/en")
    return client


def url(town, path=""):
    return f"/t/{town.slug}/governance/{path}"


def items(*extra):
    return [{"description": "宣传品入户", "weight": 10, "target": "入户率≥95%"},
            {"description": "生育登记服务", "weight": 20, "target": "7个工作日内办结"},
            *extra]


def agree(api, village_id=None, year=2025, signed_on="2025-02-01", **values):
    body = {"year": year, "items": items({"description": "两非案件查处", "weight": 0, "veto": True,
                                          "veto_kind": "oversight"}), **values}
    if village_id is not None:
        body["village_id"] = village_id
    if signed_on:
        body["signed_on"] = signed_on
    response = api("POST", "/agreements", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def events(app, record_type):
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == record_type)
                                  .order_by(AuditEvent.id))
        return [SimpleNamespace(action=e.action, detail=e.detail, record_id=e.record_id) for e in rows]


# ---------------------------------------------------------------------------------------------------------
# The rules (pure configuration reading)


def test_veto_items_are_only_of_the_allowed_kinds(app):
    with app.test_request_context():
        for kind in ("service", "oversight", "data_quality"):
            assert rules.item_problems({"description": "x", "weight": 0, "veto": True, "veto_kind": kind}) == {}
        for kind in (None, "", "births", "birth_rate"):
            problems = rules.item_problems({"description": "x", "weight": 0, "veto": True, "veto_kind": kind})
            assert set(problems) == {"veto_kind"}
        assert set(rules.item_problems({"description": "x", "weight": 5, "veto_kind": "service"})) == {"veto_kind"}
        assert set(rules.item_problems({"description": "x", "weight": 0})) == {"weight"}
        # Nothing about numbers of births, veto or not, however it is spaced.
        assert set(rules.item_problems({"description": "控制 出生 人数", "weight": 5})) == {"description"}
        assert set(rules.item_problems({"description": "计生工作", "weight": 5,
                                        "target": "无政策外生育"})) == {"target"}
        assert rules.item_problems({"description": "两非案件查处", "weight": 5, "target": "零发生"}) == {}
    assert set(rules.VETO_KINDS) == {"service", "oversight", "data_quality"}


def test_scan_types_come_from_the_first_bytes():
    assert rules.scan_type(PDF) == ("application/pdf", "pdf")
    assert rules.scan_type(PNG) == ("image/png", "png")
    assert rules.scan_type(JPEG) == ("image/jpeg", "jpg")
    assert rules.scan_type(b"just some text named scan.pdf") is None
    assert rules.scan_type(b"PK\x03\x04") is None


# ---------------------------------------------------------------------------------------------------------
# Agreements in the API


def test_agreement_round_trip_and_the_veto_rule(app, api, factory, town, village):
    created = agree(api, village)
    assert (created["year"], created["party_kind"], created["party_name"]) == (2025, "village", "城关村")
    assert created["signed"] is True and created["total_weight"] == 30 and created["has_scan"] is False
    assert [(i["position"], i["veto"], i["veto_kind"]) for i in created["items"]] == [
        (1, False, None), (2, False, None), (3, True, "oversight")]
    assert created["outcome"] is None and created["total_score"] is None
    assert api("GET", f"/agreements/{created['id']}").get_json()["items"][2]["description"] == "两非案件查处"

    # A veto item without a kind, with a kind about births, or a kind without veto: refused, clearly.
    for item, field, message in (
        ({"description": "x", "weight": 0, "veto": True}, "veto_kind", VETO_MESSAGE),
        ({"description": "x", "weight": 0, "veto": True, "veto_kind": "births"}, "veto_kind", VETO_MESSAGE),
        ({"description": "x", "weight": 5, "veto_kind": "service"}, "veto_kind", "Only a veto item has a veto kind."),
        ({"description": "出生人数不超过计划", "weight": 0, "veto": True, "veto_kind": "data_quality"}, "description",
         "Agreements may not set targets on numbers of births, quotas, permits or fees (“出生人数”)."),
    ):
        refused = api("POST", "/agreements", json={"year": 2026, "village_id": village, "items": items(item)})
        assert refused.status_code == 422, item
        assert refused.get_json()["errors"] == {"items": {"2": {field: [message]}}}, item
    # Allowed kinds are accepted (service, data quality), the other party kind too.
    agency = agree(api, year=2025, agency_name="县妇幼保健院", signed_on=None,
                   items=items({"description": "虚报瞒报", "weight": 0, "veto": True, "veto_kind": "data_quality"},
                               {"description": "拒绝服务", "weight": 0, "veto": True, "veto_kind": "service"}))
    assert agency["party_kind"] == "agency" and agency["party_name"] == "县妇幼保健院" and agency["signed"] is False

    # The party: one of the two; a village once a year; an agency by name once a year.
    for body in ({"year": 2025, "items": items()}, {"year": 2025, "village_id": village, "agency_name": "x",
                                                    "items": items()}):
        refused = api("POST", "/agreements", json=body)
        assert refused.status_code == 422 and "village_id" in refused.get_json()["errors"]
    assert api("POST", "/agreements", json={"year": 2025, "village_id": 99999, "items": items()}).get_json()[
        "errors"] == {"village_id": ["No such village."]}
    assert api("POST", "/agreements", json={"year": 2025, "village_id": village, "items": items()}).status_code == 409
    assert api("POST", "/agreements", json={"year": 2025, "agency_name": "县妇幼保健院",
                                            "items": items()}).status_code == 409
    empty = api("POST", "/agreements", json={"year": 2025, "agency_name": "乡镇卫生院", "items": []})
    assert empty.status_code == 422 and empty.get_json()["errors"]["items"] == ["Add at least one item."]
    future = api("POST", "/agreements", json={"year": 2025, "agency_name": "乡镇卫生院", "signed_on": "2099-01-01",
                                              "items": items()})
    assert future.status_code == 422 and "signed_on" in future.get_json()["errors"]

    # Listing by year; changing; errors.
    agree(api, village, year=2024, signed_on="2024-02-01")
    assert {a["year"] for a in api("GET", "/agreements?year=2025").get_json()["items"]} == {2025}
    assert api("GET", "/agreements").get_json()["meta"]["total"] == 3
    assert api("GET", "/agreements?signed=0").get_json()["items"][0]["id"] == agency["id"]
    patched = api("PATCH", f"/agreements/{agency['id']}", json={"signed_on": "2025-03-01",
                                                               "items": items()})
    assert patched.status_code == 200 and patched.get_json()["signed_on"] == "2025-03-01"
    assert len(patched.get_json()["items"]) == 2
    moved = api("PATCH", f"/agreements/{agency['id']}", json={"village_id": village})
    assert moved.status_code == 409  # the village has its 2025 agreement already
    assert api("GET", "/agreements/999999").status_code == 404
    assert api("PATCH", "/agreements/999999", json={}).status_code == 404
    assert api("DELETE", f"/agreements/{agency['id']}").status_code == 204
    assert api("GET", f"/agreements/{agency['id']}").status_code == 404


def test_services_and_the_database_refuse_a_veto_without_an_allowed_kind(app, town, village):
    from sqlalchemy.exc import IntegrityError

    from renkou.errors import ServiceError
    from tenants.governance.models import AgreementItem
    from tenants.governance.services import agreements

    def check():
        with pytest.raises(ServiceError) as refused:
            agreements.create_agreement({"year": 2025, "village_id": village, "items": [
                {"description": "ok", "weight": 5}, {"description": "no kind", "weight": 0, "veto": True}]})
        # Outside a request the message is in the default language, as the catalog has it.
        assert refused.value.errors == {"items.1.veto_kind": [str(rules.VETO_KIND_MESSAGE)]}
        created = agreements.create_agreement({"year": 2025, "village_id": village,
                                               "items": [{"description": "ok", "weight": 5}]})
        db.session.add(AgreementItem(agreement_id=created.id, position=2, description="births", weight=0,
                                     veto=True, veto_kind="births"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()

    in_town(app, town, check)


def test_scan_upload_by_magic_bytes_and_download_with_audit(app, api, town, village, settings):
    agreement = agree(api, village)
    scan_url = f"/agreements/{agreement['id']}/scan"
    assert api("GET", scan_url).status_code == 404  # nothing uploaded yet

    uploaded = api("PUT", scan_url, data=PDF, content_type="application/octet-stream")
    assert uploaded.status_code == 200, uploaded.get_json()
    body = uploaded.get_json()
    assert (body["has_scan"], body["scan_content_type"], body["scan_size"]) == (True, "application/pdf", len(PDF))
    replaced = api("PUT", scan_url, data=PNG, content_type="application/pdf")  # the header does not matter
    assert replaced.get_json()["scan_content_type"] == "image/png"

    download = api("GET", scan_url)
    assert download.status_code == 200 and download.data == PNG
    assert download.mimetype == "image/png"
    assert download.headers["Content-Disposition"] == f"attachment; filename=agreement-2025-{agreement['id']}.png"
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    text_named_pdf = api("PUT", scan_url, data=b"This is not a PDF, whatever its name.",
                         content_type="application/pdf")
    assert text_named_pdf.status_code == 422
    assert text_named_pdf.get_json()["errors"] == {"scan": ["The scan must be a PDF, PNG or JPEG file."]}
    assert api("PUT", scan_url, data=b"").get_json()["errors"] == {"scan": ["The file is empty."]}
    # Over the configured limit (10 MB unless configured): refused; one byte less is accepted.
    assert settings.scan_max_bytes == 10 * 1024 * 1024
    too_big = api("PUT", scan_url, data=PDF + b"\0" * (settings.scan_max_bytes + 1 - len(PDF)))
    assert too_big.status_code == 422 and too_big.get_json()["errors"] == {"scan": ["The scan is larger than 10 MB."]}
    app.config["RENKOU_SETTINGS"] = settings.replace(scan_max_bytes=1000)
    assert api("PUT", scan_url, data=JPEG + b"\0" * (1000 - len(JPEG))).status_code == 200
    over = api("PUT", scan_url, data=JPEG + b"\0" * (1001 - len(JPEG)))
    assert over.status_code == 422 and over.get_json()["errors"]["scan"] == ["The scan is larger than 0.977 KB."]
    assert api("GET", scan_url).mimetype == "image/jpeg"  # the refused uploads changed nothing
    assert api("PUT", "/agreements/999999/scan", data=PDF).status_code == 404

    audited = [(e.action, e.detail) for e in events(app, "agreement") if e.record_id == str(agreement["id"])]
    uploads = [detail for action, detail in audited if action == "agreement.scan_upload"]
    assert [d["content_type"] for d in uploads] == ["application/pdf", "image/png", "image/jpeg"]
    assert [action for action, _detail in audited].count("agreement.scan_download") == 2
    assert all("PDF" not in str(detail) for _action, detail in audited)


def test_scan_upload_and_download_in_the_browser(app, api, signed_in, town, village):
    agreement = agree(api, village)
    page_url = url(town, f"agreements/{agreement['id']}")
    page = signed_in.get(page_url).get_data(as_text=True)
    assert "None uploaded" in page and "PDF, PNG or JPEG, at most 10 MB." in page

    def upload(content, filename):
        return post_form(signed_in, f"{page_url}/scan", {"scan": (io.BytesIO(content), filename)},
                         token_from=page_url, content_type="multipart/form-data")

    refused = upload(b"%PD not really\nhello", "scan.pdf")
    assert refused.status_code == 422 and "The scan must be a PDF, PNG or JPEG file." in refused.get_data(as_text=True)
    assert upload(b"", "").status_code == 422
    accepted = upload(PDF, "扫描件.png")  # the name says PNG; the content is a PDF, and that is what counts
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith(page_url)
    page = signed_in.get(page_url).get_data(as_text=True)
    assert "application/pdf" in page and "Upload an agreement&#39;s scan" in page  # shown, and in the history
    download = signed_in.get(f"{page_url}/scan")
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    actions = [e.action for e in events(app, "agreement")]
    assert actions.count("agreement.scan_upload") == 1 and actions.count("agreement.scan_download") == 1


def test_evaluation_totals_and_refusals(app, api, signed_in, town, village):
    agreement = agree(api, village)
    ids = [item["id"] for item in agreement["items"]]  # weights 10, 20 and a veto item of 0

    def evaluate(*scores, **values):
        entries = [{"item_id": item_id, "score": score, **extra} for item_id, score, extra in scores]
        return api("POST", f"/agreements/{agreement['id']}/evaluation",
                   json={"evaluator": "王镇长", "evaluated_on": "2025-12-20", "items": entries, **values})

    done = evaluate((ids[0], 8.5, {}), (ids[1], 17.5, {}), (ids[2], 0, {}))
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["total_score"], body["total_weight"], body["outcome"]) == (26.0, 30, "passed")
    assert [i["score"] for i in body["items"]] == [8.5, 17.5, 0.0]
    assert (body["evaluator"], body["evaluated_on"]) == ("王镇长", "2025-12-20")

    above = evaluate((ids[0], 10.5, {}), (ids[1], 20, {}), (ids[2], 0, {}))
    assert above.status_code == 422
    assert above.get_json()["errors"] == {"items.0.score": ["The score must be between 0 and 10."]}
    assert evaluate((ids[0], 8.25, {}), (ids[1], 20, {}), (ids[2], 0, {})).get_json()["errors"] == {
        "items.0.score": ["Give the score in steps of 0.1."]}
    assert evaluate((ids[0], -1, {}), (ids[1], 20, {}), (ids[2], 0, {})).status_code == 422
    assert evaluate((ids[0], 1, {}), (ids[1], 20, {})).get_json()["errors"] == {
        "items": ["Score every item: 1 not scored."]}
    assert evaluate((ids[0], 1, {"veto_triggered": True}), (ids[1], 20, {}), (ids[2], 0, {})).get_json()[
        "errors"] == {"items.0.veto_triggered": ["Only a veto item can be found broken."]}
    assert evaluate((ids[0], 1, {}), (ids[0], 1, {}), (ids[2], 0, {})).status_code == 422
    assert evaluate((99999, 1, {}), (ids[1], 20, {}), (ids[2], 0, {})).status_code == 422
    assert evaluate((ids[0], 1, {}), (ids[1], 2, {}), (ids[2], 0, {}), evaluated_on="2024-01-01").status_code == 422
    missing = api("POST", f"/agreements/{agreement['id']}/evaluation", json={"items": []})
    assert missing.status_code == 422 and "evaluator" in missing.get_json()["errors"]
    # The refusals changed nothing.
    assert api("GET", f"/agreements/{agreement['id']}").get_json()["total_score"] == 26.0

    # A broken veto item: the outcome is vetoed whatever the total, which is still computed.
    vetoed = evaluate((ids[0], 10, {}), (ids[1], 19.9, {}), (ids[2], 0, {"veto_triggered": True})).get_json()
    assert (vetoed["total_score"], vetoed["outcome"]) == (29.9, "vetoed")
    locked = api("PATCH", f"/agreements/{agreement['id']}", json={"items": items()})
    assert locked.status_code == 409 and "items" in locked.get_json()["errors"]
    same_items = [{key: item[key] for key in ("description", "weight", "target", "veto", "veto_kind")}
                  for item in agreement["items"]]
    resigned = api("PATCH", f"/agreements/{agreement['id']}", json={"signed_on": "2025-02-02", "items": same_items})
    assert resigned.status_code == 200 and resigned.get_json()["total_score"] == 29.9
    unsigned = agree(api, year=2025, agency_name="县计生协会", signed_on=None)
    refused = api("POST", f"/agreements/{unsigned['id']}/evaluation",
                  json={"evaluator": "x", "items": [{"item_id": unsigned["items"][0]["id"], "score": 1}]})
    assert refused.status_code == 422 and refused.get_json()["errors"] == {
        "_schema": ["Only a signed agreement can be evaluated."]}

    # The same in the browser: a score above the points is refused on the page, then saved.
    form_url = url(town, f"agreements/{agreement['id']}/evaluation")
    assert 'value="19.9"' in signed_in.get(form_url).get_data(as_text=True)
    values = {"evaluator": "李书记", "evaluated_on": "2025-12-21", f"score-{ids[0]}": "11", f"score-{ids[1]}": "15",
              f"score-{ids[2]}": "0"}
    page = post_form(signed_in, form_url, values, token_from=form_url)
    assert page.status_code == 422 and "The score must be between 0 and 10." in page.get_data(as_text=True)
    blank = post_form(signed_in, form_url, {**values, f"score-{ids[0]}": ""}, token_from=form_url)
    assert blank.status_code == 422 and "This field is required." in blank.get_data(as_text=True)
    saved = post_form(signed_in, form_url, {**values, f"score-{ids[0]}": "9.5"}, token_from=form_url)
    assert saved.status_code == 302
    record = signed_in.get(url(town, f"agreements/{agreement['id']}")).get_data(as_text=True)
    assert "24.5 of 30 points" in record and "Passed" in record and "李书记" in record


def test_agreement_form_in_the_browser(app, signed_in, town, village):
    form_url = url(town, "agreements/new")
    form = signed_in.get(form_url).get_data(as_text=True)
    assert form.count('name="items-') == 3 * 5 and "城关村" in form
    more = post_form(signed_in, form_url, {"year": "2025", "items-0-description": "宣传", "add_rows": "1"},
                     token_from=form_url)
    page = more.get_data(as_text=True)
    assert more.status_code == 200 and 'name="items-3-description"' in page and 'value="宣传"' in page

    rows = {"year": "2025", "village_id": str(village), "signed_on": "2025-02-01",
            "items-0-description": "宣传品入户", "items-0-weight": "10", "items-0-target": "95%",
            "items-1-description": "", "items-1-weight": "",  # a blank row is skipped
            "items-2-description": "两非案件", "items-2-weight": "0", "items-2-veto": "y"}
    refused = post_form(signed_in, form_url, rows, token_from=form_url)
    assert refused.status_code == 422 and VETO_MESSAGE in refused.get_data(as_text=True)
    header_and_rows = post_form(signed_in, form_url, {**rows, "year": "", "village_id": ""}, token_from=form_url)
    text = header_and_rows.get_data(as_text=True)
    assert header_and_rows.status_code == 422 and VETO_MESSAGE in text and "This field is required." in text
    saved = post_form(signed_in, form_url, {**rows, "items-2-veto_kind": "oversight"}, token_from=form_url)
    assert saved.status_code == 302
    record = signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    assert "宣传品入户" in record and "Oversight (两非 cases)" in record and "2025-02-01" in record

    edit_url = saved.headers["Location"] + "/edit"
    edit = signed_in.get(edit_url).get_data(as_text=True)
    assert 'value="两非案件"' in edit
    changed = post_form(signed_in, edit_url, {**rows, "items-2-veto_kind": "service", "items-0-weight": "12"},
                        token_from=edit_url)
    assert changed.status_code == 302
    assert "Service" in signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    listing = signed_in.get(url(town, "agreements/?year=2025")).get_data(as_text=True)
    assert "城关村" in listing and "1 of 1 villages have signed an agreement for 2025" in listing


# ---------------------------------------------------------------------------------------------------------
# The indicators


@pytest.fixture
def three_villages(factory, town):
    """城关村 with 4 households, 河西村 with 2, 新村 with none."""
    a = factory.village(town, "201", "城关村")
    b = factory.village(town, "202", "河西村")
    c = factory.village(town, "203", "新村")
    households = {number: factory.household(town, number, village_id=a) for number in ("A1", "A2", "A3", "A4")}
    households.update({number: factory.household(town, number, village_id=b) for number in ("B1", "B2")})
    return SimpleNamespace(a=a, b=b, c=c, households=households)


def test_agreement_coverage_counts_villages_with_a_signed_agreement_of_the_year(app, api, signed_in, town,
                                                                                 three_villages):
    from tenants.governance.services.agreements import agreement_coverage

    v = three_villages
    agree(api, v.a, year=2025)
    agree(api, v.b, year=2025, signed_on=None)  # not signed: does not count
    agree(api, v.c, year=2024, signed_on="2024-01-15")  # another year
    agree(api, year=2025, agency_name="县妇幼保健院")  # agencies are not villages

    def ratio(year):
        result = agreement_coverage(year)
        return result.numerator, result.denominator, result.percent

    assert in_town(app, town, lambda: ratio(2025)) == (1, 3, 33.33)
    assert in_town(app, town, lambda: ratio(2024)) == (1, 3, 33.33)
    assert in_town(app, town, lambda: ratio(2023)) == (0, 3, 0.0)
    body = api("GET", "/agreements/coverage?year=2025").get_json()
    assert (body["year"], body["numerator"], body["denominator"], body["percent"]) == (2025, 1, 3, 33.33)
    assert [village["name"] for village in body["villages_without"]] == ["河西村", "新村"]
    api("PATCH", f"/agreements/{api('GET', '/agreements?year=2025&signed=0').get_json()['items'][0]['id']}",
        json={"signed_on": "2025-03-01"})
    assert api("GET", "/agreements/coverage?year=2025").get_json()["numerator"] == 2
    page = signed_in.get(url(town, "agreements/?year=2025")).get_data(as_text=True)
    assert "2 of 3 villages have signed an agreement for 2025" in page and "66.67%" in page


def test_household_coverage_by_village_and_for_the_town(app, api, signed_in, factory, town, three_villages):
    from tenants.governance.services.duties import coverage_by_village, household_coverage

    v, h = three_villages, three_villages.households
    leader = api("POST", "/leadership-members", json={"name": "王书记", "position": "党委书记",
                                                      "group_role": "leader"}).get_json()
    staff = factory.staff(town, v.a, name="刘专干")

    def duty(**body):
        response = api("POST", "/cadre-assignments", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    duty(kind="household", staff_id=staff, household_ids=[h["A1"], h["A2"]])
    duty(kind="household", cadre_name="张干部", household_ids=[h["A2"], h["A3"], h["B1"]])  # A2 twice: once
    ended = duty(kind="household", cadre_name="赵干部", household_ids=[h["A4"], h["B2"]], active=False)
    duty(kind="area", member_id=leader["id"], area_name="东片", village_ids=[v.a, v.b])  # covers no household
    duty(kind="village", cadre_name="孙镇长", village_ids=[v.c])
    assert ended["active"] is False

    def town_and_villages():
        town_ratio = household_coverage()
        per_village = {row.village_name: (row.numerator, row.denominator, row.percent, row.leaders)
                       for row in coverage_by_village()}
        one = household_coverage(v.c)
        return (town_ratio.numerator, town_ratio.denominator, town_ratio.percent), per_village, (
            one.numerator, one.denominator, one.percent)

    town_ratio, per_village, empty = in_town(app, town, town_and_villages)
    assert town_ratio == (4, 6, 66.67)
    assert per_village == {"城关村": (3, 4, 75.0, ["王书记"]), "河西村": (1, 2, 50.0, ["王书记"]),
                           "新村": (0, 0, None, ["孙镇长"])}
    assert empty == (0, 0, None)  # a village with no households: no share at all, not 0 %

    body = api("GET", "/cadre-assignments/coverage").get_json()
    assert body["town"] == {"numerator": 4, "denominator": 6, "percent": 66.67}
    assert [(row["village_name"], row["percent"]) for row in body["villages"]] == [
        ("城关村", 75.0), ("河西村", 50.0), ("新村", None)]
    page = signed_in.get(url(town, "duties/coverage")).get_data(as_text=True)
    assert "75.0%" in page and "66.67%" in page and "<td>0</td>" in page and "<td>—</td>" in page
    assert "4 of 6 households have a cadre" in signed_in.get(url(town, "duties/")).get_data(as_text=True)

    # The ended duty starts again: A4 and B2 are covered; a household deleted leaves the count.
    api("PATCH", f"/cadre-assignments/{ended['id']}", json={"active": True})
    assert api("GET", "/cadre-assignments/coverage").get_json()["town"]["numerator"] == 6
    assert api("DELETE", f"/households/{h['B2']}").status_code == 204
    assert api("GET", "/cadre-assignments/coverage").get_json()["town"] == {
        "numerator": 5, "denominator": 5, "percent": 100.0}
    assert [x["number"] for x in api("GET", f"/cadre-assignments/{ended['id']}").get_json()["households"]] == ["A4"]


def test_cadre_duties_are_checked(app, api, signed_in, factory, town, three_villages):
    v, h = three_villages, three_villages.households
    leader = api("POST", "/leadership-members", json={"name": "王书记", "position": "党委书记",
                                                      "group_role": "leader"}).get_json()
    staff = factory.staff(town, v.a, name="刘专干")
    for body, fields in (
        ({"kind": "area", "cadre_name": "x", "village_ids": [v.a]}, {"area_name"}),
        ({"kind": "area", "cadre_name": "x", "area_name": "东片"}, {"village_ids"}),
        ({"kind": "village", "cadre_name": "x", "village_ids": [v.a, v.b]}, {"village_ids"}),
        ({"kind": "household", "cadre_name": "x"}, {"household_ids"}),
        ({"kind": "household", "cadre_name": "x", "household_ids": [h["A1"]], "village_ids": [v.a]}, {"village_ids"}),
        ({"kind": "village", "village_ids": [v.a]}, {"cadre_name"}),
        ({"kind": "village", "member_id": leader["id"], "staff_id": staff, "village_ids": [v.a]}, {"member_id"}),
        ({"kind": "village", "member_id": 99999, "village_ids": [v.a]}, {"member_id"}),
        ({"kind": "household", "cadre_name": "x", "household_ids": [99999]}, {"household_ids"}),
        ({"kind": "team", "cadre_name": "x"}, {"kind"}),
    ):
        refused = api("POST", "/cadre-assignments", json=body)
        assert refused.status_code == 422, body
        assert set(refused.get_json()["errors"]) == fields, (body, refused.get_json())

    by_member = api("POST", "/cadre-assignments", json={"kind": "village", "member_id": leader["id"],
                                                        "village_ids": [v.a], "cadre_name": "ignored"}).get_json()
    assert by_member["cadre_name"] == "王书记" and [x["name"] for x in by_member["villages"]] == ["城关村"]
    by_staff = api("POST", "/cadre-assignments", json={"kind": "household", "staff_id": staff,
                                                       "household_ids": [h["B1"], h["A1"], h["A1"]]}).get_json()
    assert by_staff["cadre_name"] == "刘专干" and [x["number"] for x in by_staff["households"]] == ["A1", "B1"]
    renamed = api("PATCH", f"/cadre-assignments/{by_staff['id']}", json={"cadre_name": "刘新"}).get_json()
    assert (renamed["cadre_name"], renamed["staff_id"]) == ("刘新", None)
    assert api("PATCH", f"/cadre-assignments/{by_staff['id']}", json={"household_ids": []}).status_code == 422

    assert api("GET", "/cadre-assignments?kind=village").get_json()["meta"]["total"] == 1
    assert api("GET", f"/cadre-assignments?village_id={v.b}").get_json()["items"][0]["id"] == by_staff["id"]
    assert api("GET", "/cadre-assignments?q=王").get_json()["items"][0]["id"] == by_member["id"]
    # The member leaves the register (an entry made by mistake): the duty keeps the name.
    assert api("DELETE", f"/leadership-members/{leader['id']}").status_code == 204
    kept = api("GET", f"/cadre-assignments/{by_member['id']}").get_json()
    assert (kept["member_id"], kept["cadre_name"]) == (None, "王书记")
    assert api("DELETE", f"/cadre-assignments/{by_member['id']}").status_code == 204
    assert api("GET", f"/cadre-assignments/{by_member['id']}").status_code == 404

    # In the browser: a 包户 duty over the households of the picked village.
    form_url = url(town, f"duties/new?kind=household&household_village_id={v.b}")
    form = signed_in.get(form_url).get_data(as_text=True)
    assert "> B1 · " in form and "> B2 · " in form and "> A3 · " not in form
    saved = post_form(signed_in, form_url, {"kind": "household", "cadre_name": "周干部", "active": "y",
                                            "household_ids": [str(h["B1"]), str(h["B2"])]}, token_from=form_url)
    assert saved.status_code == 302
    record = signed_in.get(saved.headers["Location"]).get_data(as_text=True)
    assert "周干部" in record and "B2" in record and "Add cadre duty" in record
    refused = post_form(signed_in, url(town, "duties/new"), {"kind": "area", "cadre_name": "x"},
                        token_from=form_url)
    assert refused.status_code == 422 and "Name the area." in refused.get_data(as_text=True)
    edit_url = saved.headers["Location"] + "/edit"
    assert 'value="周干部"' in signed_in.get(edit_url).get_data(as_text=True)
    ended = post_form(signed_in, edit_url, {"kind": "household", "cadre_name": "周干部",
                                            "household_ids": [str(h["B1"])]}, token_from=edit_url)
    assert ended.status_code == 302 and "Ended" in signed_in.get(ended.headers["Location"]).get_data(as_text=True)


# ---------------------------------------------------------------------------------------------------------
# The leadership group


def test_leadership_group_with_masked_phones_and_audited_reads(app, api, signed_in, town):
    secretary = api("POST", "/leadership-members", json={"name": "王书记", "position": "党委书记",
                                                         "group_role": "leader", "phone": PHONE, "sort_order": 1})
    assert secretary.status_code == 201 and secretary.get_json()["phone"] == MASKED
    api("POST", "/leadership-members", json={"name": "李镇长", "position": "镇长", "group_role": "deputy",
                                             "sort_order": 1})
    api("POST", "/leadership-members", json={"name": "赵主任", "position": "计生办主任", "group_role": "member"})
    refused = api("POST", "/leadership-members", json={"name": "x", "position": "y", "group_role": "chief",
                                                       "phone": "abc"})
    assert refused.status_code == 422 and set(refused.get_json()["errors"]) == {"group_role", "phone"}

    listing = api("GET", "/leadership-members").get_json()
    assert [m["name"] for m in listing["items"]] == ["赵主任", "王书记", "李镇长"]  # order 0, then 1: 组长 first
    assert PHONE not in str(listing)
    member_id = secretary.get_json()["id"]
    assert api("GET", f"/leadership-members/{member_id}").get_json()["phone"] == PHONE
    left = api("PATCH", f"/leadership-members/{member_id}", json={"active": False})
    assert left.get_json()["active"] is False
    current = api("GET", "/leadership-members?active=true").get_json()["items"]
    assert [m["name"] for m in current] == ["赵主任", "李镇长"]
    assert api("GET", "/leadership-members/999999").status_code == 404

    page = signed_in.get(url(town)).get_data(as_text=True)
    assert MASKED in page and PHONE not in page and "Group leader" in page and "Organisation and leadership" in page
    assert PHONE in signed_in.get(url(town, f"members/{member_id}")).get_data(as_text=True)
    form_url = url(town, "members/new")
    saved = post_form(signed_in, form_url, {"name": "钱委员", "position": "副镇长", "group_role": "member",
                                            "sort_order": "5", "active": "y"}, token_from=form_url)
    assert saved.status_code == 302
    invalid = post_form(signed_in, form_url, {"name": "", "position": "x", "group_role": "member"},
                        token_from=form_url)
    assert invalid.status_code == 422
    actions = [e.action for e in events(app, "leadership_member") if e.record_id == str(member_id)]
    assert actions == ["leadership_member.create", "leadership_member.read", "leadership_member.update",
                       "leadership_member.read"]
    assert all(PHONE not in str(e.detail) for e in events(app, "leadership_member"))


def test_a_village_with_an_agreement_is_not_deleted(app, api, village):
    agree(api, village)
    refused = api("DELETE", f"/villages/{village}")
    assert refused.status_code == 409
    assert "responsibility agreements" in refused.get_json()["errors"]["_schema"][0]


# ---------------------------------------------------------------------------------------------------------
# Viewers


def test_viewers_read_but_cannot_write(app, client, factory, town, village):
    household = factory.household(town, "H-001", village_id=village)
    records = factory.governance_records(town, village, household)
    viewer = factory.user("gov_viewer", "town_viewer", town)
    login(client, viewer)
    agreement = records["agreement_id"]
    for path in ("", f"members/{records['member_id']}", "agreements/", f"agreements/{agreement}", "duties/",
                 "duties/coverage", f"duties/{records['assignment_id']}"):
        assert client.get(url(town, path)).status_code == 200, path
    assert client.get(url(town, f"agreements/{agreement}/scan")).status_code == 200  # reading (audited)
    for path in ("members/new", f"members/{records['member_id']}/edit", "agreements/new",
                 f"agreements/{agreement}/edit", f"agreements/{agreement}/evaluation", "duties/new",
                 f"duties/{records['assignment_id']}/edit"):
        assert client.get(url(town, path)).status_code == 403, path
    for path in ("members/new", f"members/{records['member_id']}/delete", "agreements/new",
                 f"agreements/{agreement}/delete", f"agreements/{agreement}/evaluation", "duties/new",
                 f"duties/{records['assignment_id']}/delete"):
        assert post_form(client, url(town, path), {"name": "x"}, token_from=url(town)).status_code == 403, path
    refused = post_form(client, url(town, f"agreements/{agreement}/scan"), {"scan": (io.BytesIO(PNG), "a.png")},
                        token_from=url(town), content_type="multipart/form-data")
    assert refused.status_code == 403

    headers = bearer(factory.token(viewer))
    base = f"/api/v1/towns/{town.slug}"
    for path in ("/leadership-members", "/agreements", f"/agreements/{agreement}", "/agreements/coverage",
                 "/cadre-assignments", "/cadre-assignments/coverage"):
        assert client.get(base + path, headers=headers).status_code == 200, path
    for method, path in (("POST", "/leadership-members"), ("PATCH", f"/leadership-members/{records['member_id']}"),
                         ("DELETE", f"/leadership-members/{records['member_id']}"), ("POST", "/agreements"),
                         ("PATCH", f"/agreements/{agreement}"), ("DELETE", f"/agreements/{agreement}"),
                         ("POST", f"/agreements/{agreement}/evaluation"), ("PUT", f"/agreements/{agreement}/scan"),
                         ("POST", "/cadre-assignments"), ("PATCH", f"/cadre-assignments/{records['assignment_id']}"),
                         ("DELETE", f"/cadre-assignments/{records['assignment_id']}")):
        assert client.open(base + path, method=method, json={}, headers=headers).status_code == 403, (method, path)
    assert client.get(f"{base}/agreements/{agreement}", headers=headers).get_json()["has_scan"] is True
