"""Bureau submissions: built from approved figures only, rendered as dataValueSets JSON, ADX and XLSX,
corrected as new revisions, and delivered by real RQ workers to the stand-in bureau over loopback HTTP."""

from __future__ import annotations

import dataclasses
import io
import json
import multiprocessing
import time
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from rq import Worker
from sqlalchemy import select, update

from renkou import jobs
from renkou.extensions import db
from renkou.indicators import catalog
from renkou.indicators.periods import parse
from renkou.submissions import definitions, formats, services
from renkou.submissions.models import DeliveryAttempt, Submission
from renkou.submissions.schemas import DataValueSetSchema
from tests.conftest import bearer, build_app, login, post_form, reset_storage
from tests.processes import kill_with_descendants
from tests.test_indicators import at
from workers.exchange.standin_bureau import StandinBureau

SECRET = "county-and-bureau-shared-secret"
COUNTY_ADMIN = "county_boss"


@pytest.fixture
def bureau():
    server = StandinBureau(SECRET, org_unit="411524").start()
    yield server
    server.stop()


@pytest.fixture
def app(settings, bureau):
    """The app pointed at the stand-in; retries wait 0 s so a burst worker runs them at once."""
    application = build_app(dataclasses.replace(settings, bureau_url=bureau.url, bureau_secret=SECRET,
                                                bureau_retry_intervals=(0, 0, 0), bureau_timeout_seconds=10))
    yield application
    reset_storage(application)


# ---------------------------------------------------------------------------------------------------------
# Preparing approved figures through the real services


def record_birth(app, town, sex: str, day: date) -> None:
    from tenants.births.services import births
    from tenants.registry.services import create_person
    from tests.conftest import in_town

    def work():
        mother = create_person({"name": "母亲", "sex": "F", "birth_date": date(1992, 3, 3)}).id
        births.create_birth({"mother_id": mother, "born_at": at(day), "sex": sex})
    in_town(app, town, work)


def joined_long_ago(app, *towns) -> None:
    """Towns made by the factory join today; these joined in 2025, so they owe the months tested here."""
    from renkou.tenancy.models import Town

    with app.app_context():
        db.session.execute(update(Town).where(Town.id.in_([t.id for t in towns]))
                           .values(created_at=datetime(2025, 1, 1, tzinfo=UTC)))
        db.session.commit()


def approve(app, town, months: list[str], also_compute: tuple[str, ...] = ()) -> None:
    """Compute the months (and any longer periods), then the town submits each month and the county
    approves it, through renkou.reporting.workflow."""
    from renkou.accounts.services import find_user
    from renkou.reporting import workflow
    from renkou.tenancy.services import get_town_by_slug
    from workers.aggregation.compute import compute_town_period

    jobs.bind_app(app)
    for period_id in (*months, *also_compute):
        compute_town_period(town.code, period_id)
    with app.app_context():
        town_row = get_town_by_slug(town.slug)
        for month in months:
            workflow.submit(town_row, month, find_user(town.admin_username))
            workflow.approve(town_row, month, find_user(COUNTY_ADMIN))
        db.session.commit()


@pytest.fixture
def county(app, factory):
    """Two towns that joined in 2025 with births in July 2026 — 3 boys, 1 girl; 1 boy, 2 girls — and the
    county administrator."""
    factory.user(COUNTY_ADMIN, "county_admin")
    towns = [factory.town(), factory.town()]
    joined_long_ago(app, *towns)
    for town, (boys, girls) in zip(towns, [(3, 1), (1, 2)], strict=True):
        for _ in range(boys):
            record_birth(app, town, "M", date(2026, 7, 10))
        for _ in range(girls):
            record_birth(app, town, "F", date(2026, 7, 20))
    return towns


def value_of(payload: dict, data_element: str, combo: str = "default") -> str:
    return next(item["value"] for item in payload["dataValues"]
                if item["dataElement"] == data_element and item["categoryOptionCombo"] == combo)


def build(app, report: str, period_id: str) -> int:
    from renkou.accounts.services import find_user

    with app.app_context():
        submission = services.build(report, period_id, find_user(COUNTY_ADMIN))
        db.session.commit()
        return submission.id


def send(app, submission_id: int) -> None:
    from renkou.accounts.services import find_user

    with app.app_context():
        services.send(services.get(submission_id), find_user(COUNTY_ADMIN))
        db.session.commit()


def run_worker(app) -> None:
    with app.app_context():
        jobs.bind_app(app)
        queue = jobs.get_queue("submissions")
        Worker([queue], connection=queue.connection).work(burst=True)


def stored(app, submission_id: int) -> Submission:
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        submission.attempts  # noqa: B018  (loaded before the session ends)
        db.session.expunge_all()
        return submission


# ---------------------------------------------------------------------------------------------------------
# Definitions


def test_every_definition_sends_each_indicator_of_its_period_as_numerator_and_denominator():
    for definition in definitions.DEFINITIONS:
        sources = {element.source for element in definition.elements}
        for indicator in catalog.applying_to(definition.period_kind):
            assert {f"{indicator.code}.numerator", f"{indicator.code}.denominator"} <= sources, definition
        keys = [(element.data_element, element.combo.id) for element in definition.elements]
        assert len(keys) == len(set(keys)), f"{definition.report} {definition.version} repeats a data element"


def test_a_period_is_reported_with_the_version_valid_on_its_first_day():
    assert definitions.definition_for("monthly", parse("202609")).version == "2020.1"
    assert definitions.definition_for("monthly", parse("202610")).version == "2026.1"
    assert definitions.definition_for("annual", parse("2025Oct")).version == "2020.1"
    assert definitions.definition_for("annual", parse("2026Oct")).version == "2026.1"
    with pytest.raises(definitions.NoDefinition):
        definitions.definition_for("quarterly", parse("202609"))


# ---------------------------------------------------------------------------------------------------------
# Assembly


def test_building_from_unapproved_months_is_refused_and_says_which(app, county):
    first, second = county
    approve(app, first, ["202607", "202608", "202609"], also_compute=("2026Q3",))
    approve(app, second, ["202607"])
    with app.app_context():
        from renkou.accounts.services import find_user

        with pytest.raises(services.assembly.NotReady) as refused:
            services.build("quarterly", "2026Q3", find_user(COUNTY_ADMIN))
        assert [(item.town_code, item.months) for item in refused.value.missing] == [
            (second.code, ["202608", "202609"])]
        with pytest.raises(services.assembly.NotReady):  # a period not over yet
            services.build("monthly", services.today().strftime("%Y%m"), find_user(COUNTY_ADMIN))
        assert db.session.scalar(select(Submission.id)) is None


def test_the_county_sums_numerators_and_denominators_of_approved_months(app, county):
    for town in county:
        approve(app, town, ["202607"])
    submission_id = build(app, "monthly", "202607")
    submission = stored(app, submission_id)
    payload = submission.payload
    DataValueSetSchema().load(payload)  # the JSON matches its schema
    assert set(payload) == {"dataSet", "period", "orgUnit", "completeDate", "dataValues"}
    assert (payload["dataSet"], payload["period"], payload["orgUnit"]) == ("RK_POP_MONTHLY", "202607", "411524")
    # Every value names its period and org unit too, so a value read on its own still says what it is.
    assert {(item["period"], item["orgUnit"]) for item in payload["dataValues"]} == {("202607", "411524")}
    assert value_of(payload, "RK_LIVE_BIRTHS_BY_SEX", "RK_SEX_M") == "4"  # 3 + 1 boys
    assert value_of(payload, "RK_LIVE_BIRTHS_BY_SEX", "RK_SEX_F") == "3"  # 1 + 2 girls
    assert value_of(payload, "RK_BIRTH_RATE_NUM") == "7"
    assert submission.definition_version == "2020.1" and submission.revision == 1
    assert submission.towns_included == 2 and submission.state == "draft"
    assert {town["figures"]["srb.numerator"] for town in submission.sources.values()} == {"3", "1"}
    assert submission.idempotency_key == "renkou-411524-monthly-202607-r1"


def test_adx_has_the_namespace_attributes_canonical_period_and_parses_back(app, county):
    for town in county:
        approve(app, town, ["202607", "202608", "202609"], also_compute=("2026Q3",))
    submission = stored(app, build(app, "quarterly", "2026Q3"))
    with app.app_context():
        content, content_type = services.rendered(submission, "adx")
    assert content_type == "application/adx+xml"
    root = ET.fromstring(content)
    assert root.tag == "{urn:ihe:qrph:adx:2015}adx" and root.get("exported")
    group = root.find("{urn:ihe:qrph:adx:2015}group")
    assert (group.get("dataSet"), group.get("orgUnit"), group.get("period")) == (
        "RK_POP_QUARTERLY", "411524", "2026-07-01/P3M")
    males = [item for item in group if item.get("dataElement") == "RK_LIVE_BIRTHS_BY_SEX" and item.get("SEX") == "M"]
    assert len(males) == 1 and males[0].get("value") == "4"
    # Parsed back: the same figures as the JSON, disaggregation mapped to the same combos.
    (parsed,) = formats.parse_adx(content)
    assert parsed["period"] == "2026Q3"
    back = {(item["dataElement"], definitions.combo_for_attributes(item["attributes"]).id): item["value"]
            for item in parsed["dataValues"]}
    assert back == {(item["dataElement"], item["categoryOptionCombo"]): item["value"]
                    for item in submission.payload["dataValues"]}
    month = parse("202601")
    assert formats.adx_period(month) == "2026-01-01/P1M" and formats.period_from_adx("2026-01-01/P1M") == month
    assert formats.period_from_adx("2025-10-01/P1Y").id == "2025Oct"
    with pytest.raises(formats.FormatError):
        formats.period_from_adx("2026-02-01/P3M")


def test_the_workbook_lists_data_values_and_each_towns_figures(app, county, client):
    from openpyxl import load_workbook

    for town in county:
        approve(app, town, ["202607"])
    submission_id = build(app, "monthly", "202607")
    login(client, COUNTY_ADMIN)
    response = client.get(f"/county/submissions/{submission_id}/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    data, towns = workbook["报送数据"], workbook["各乡镇"]
    rows = [[cell.value for cell in row] for row in data.iter_rows()]
    males = rows[[r[0] for r in rows].index("RK_LIVE_BIRTHS_BY_SEX")]
    assert ["RK_LIVE_BIRTHS_BY_SEX", "RK_SEX_M"] == males[:2]
    assert males[3] == 4  # a number, not the text "4": it sums and sorts
    facts = {row[0]: row[1] for row in rows if row and row[0]}
    assert facts["修订版本"] == 1 and isinstance(facts["完成日期"], datetime)  # dates are dates
    assert towns.max_row == 3  # a header and two towns
    figures = [cell.value for row in towns.iter_rows(min_row=2) for cell in row[2:]]
    assert figures and all(isinstance(value, int | float) or value is None for value in figures)


def test_the_standin_bureau_refuses_a_value_for_another_period_than_its_set():
    from workers.exchange import standin_import

    document = {"dataSet": "RK_POP_MONTHLY", "period": "202607", "orgUnit": "411524",
                "dataValues": [{"dataElement": "RK_BIRTH_RATE_NUM", "value": "7", "period": "202607",
                                "orgUnit": "411524"}]}
    assert standin_import.read_json(json.dumps(document).encode())[0].period == "202607"
    document["dataValues"][0]["period"] = "202608"
    with pytest.raises(standin_import.ShapeError):
        standin_import.read_json(json.dumps(document).encode())


def test_a_correction_is_a_new_revision_and_the_sent_one_never_changes(app, county, bureau):
    from renkou.accounts.services import find_user

    for town in county:
        approve(app, town, ["202607"])
    first_id = build(app, "monthly", "202607")
    with app.app_context():
        admin = find_user(COUNTY_ADMIN)
        with pytest.raises(services.ConflictError):  # a draft is rebuilt or sent, not corrected
            services.correct(services.get(first_id), "too early", admin)
        assert services.build("monthly", "202607", admin).id == first_id  # a draft is rebuilt in place
        db.session.commit()
    send(app, first_id)
    run_worker(app)
    before = stored(app, first_id)
    assert before.state == "accepted"
    with app.app_context():
        with pytest.raises(services.ConflictError):  # sent: building again is refused
            services.build("monthly", "202607", find_user(COUNTY_ADMIN))
        second = services.correct(services.get(first_id), "镇上补报了一例出生", find_user(COUNTY_ADMIN))
        db.session.commit()
        second_id = second.id
    after, second = stored(app, first_id), stored(app, second_id)
    assert (second.revision, second.state, second.reason) == (2, "draft", "镇上补报了一例出生")
    assert second.idempotency_key.endswith("-r2") and second.idempotency_key != before.idempotency_key
    assert (after.payload, after.state, after.revision) == (before.payload, "accepted", 1)
    send(app, second_id)
    run_worker(app)
    corrected = stored(app, second_id)
    assert corrected.state == "accepted" and corrected.updated == len(corrected.payload["dataValues"])


# ---------------------------------------------------------------------------------------------------------
# Delivery


@pytest.fixture
def draft(app, county):
    for town in county:
        approve(app, town, ["202607"])
    return build(app, "monthly", "202607")


def test_delivery_stores_the_receipt_and_import_summary(app, draft, bureau):
    send(app, draft)
    run_worker(app)
    submission = stored(app, draft)
    assert submission.state == "accepted" and submission.summary_status == "SUCCESS"
    assert submission.imported == len(submission.payload["dataValues"]) and submission.ignored == 0
    assert submission.bureau_reference and submission.delivered_at
    (attempt,) = submission.attempts
    assert attempt.http_status == 200 and attempt.finished_at and '"ImportSummary"' in attempt.response_excerpt
    assert bureau.times_stored(submission.idempotency_key) == 1
    # The stand-in checked the signature with the shared secret: what it stored is the payload as built.
    (kept,) = bureau.accepted(submission.idempotency_key)
    assert kept.sets[0]["period"] == "202607"


def test_the_bureau_down_for_several_attempts_then_up_gives_one_accepted_submission(app, draft, bureau):
    bureau.configure(fail=3)
    send(app, draft)
    run_worker(app)  # the retries wait 0 s here, so the one burst runs them all
    submission = stored(app, draft)
    assert submission.state == "accepted"
    assert [attempt.http_status for attempt in submission.attempts] == [503, 503, 503, 200]
    assert bureau.times_stored(submission.idempotency_key) == 1 and len(bureau.accepted()) == 1


def test_retries_run_out_and_the_submission_fails(app, draft, bureau):
    bureau.configure(fail=10)
    send(app, draft)
    run_worker(app)
    submission = stored(app, draft)
    assert submission.state == "failed" and "503" in submission.last_error
    assert len(submission.attempts) == 4  # the first try and 3 retries
    assert bureau.accepted() == []


def test_waits_between_retries_go_through_the_scheduler(app, draft, bureau):
    bureau.configure(fail=1)
    app.config["RENKOU_SETTINGS"] = dataclasses.replace(app.config["RENKOU_SETTINGS"], bureau_retry_intervals=(600,))
    send(app, draft)
    run_worker(app)
    submission = stored(app, draft)
    assert submission.state == "queued" and "503" in submission.last_error
    with app.app_context():
        assert len(jobs.get_queue("submissions").scheduled_job_registry.get_job_ids()) == 1


def test_a_4xx_fails_without_retries_and_is_shown(app, draft, bureau, client):
    bureau.configure(reject=1, reject_status=400)
    send(app, draft)
    run_worker(app)
    submission = stored(app, draft)
    assert submission.state == "failed" and len(submission.attempts) == 1
    assert submission.attempts[0].http_status == 400
    login(client, COUNTY_ADMIN)
    page = client.get(f"/county/submissions/{draft}").get_data(as_text=True)
    assert 'class="http-status">400<' in page and "(400)" in page


def test_a_409_with_conflicts_is_rejected_and_the_conflicts_are_kept(app, draft, bureau):
    bureau.configure(reject=1, reject_status=409,
                     conflicts=[{"object": "RK_BIRTH_RATE_NUM", "value": "期间已关闭"}])
    send(app, draft)
    run_worker(app)
    submission = stored(app, draft)
    assert submission.state == "rejected" and submission.summary_status == "ERROR"
    assert submission.conflicts == [{"object": "RK_BIRTH_RATE_NUM", "value": "期间已关闭"}]
    assert len(submission.attempts) == 1


def test_a_job_run_twice_never_sends_an_accepted_submission_again(app, draft, bureau):
    from workers.exchange.delivery import deliver_submission

    send(app, draft)
    run_worker(app)
    key = stored(app, draft).idempotency_key
    assert deliver_submission(draft, 1) == {"skipped": True, "state": "accepted"}
    assert len(bureau.requests_for(key)) == 1 and len(stored(app, draft).attempts) == 1


def test_a_resend_delivers_the_same_revision_which_the_bureau_stores_once(app, draft, bureau):
    from renkou.accounts.services import find_user

    send(app, draft)
    run_worker(app)
    first = stored(app, draft)
    with app.app_context():
        services.resend(services.get(draft), find_user(COUNTY_ADMIN))
        db.session.commit()
    run_worker(app)
    again = stored(app, draft)
    assert again.state == "accepted" and again.delivery_round == 2 and len(again.attempts) == 2
    assert again.bureau_reference == first.bureau_reference  # the stored answer, not a second import
    assert len(bureau.requests_for(again.idempotency_key)) == 2
    assert bureau.times_stored(again.idempotency_key) == 1


def _work_until_killed(app) -> None:
    """A forked child running a real worker (which forks a work horse per job)."""
    with app.app_context():
        queue = jobs.get_queue("submissions")
        Worker([queue], connection=queue.connection).work(burst=True)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_worker_killed_mid_delivery_still_gives_one_accepted_submission(app, draft, bureau):
    # The bureau stores the submission, then holds its answer back: the worker is killed while it waits,
    # the way a machine fails after the bureau took the data but before the county heard so.
    bureau.configure(stall_seconds=120, stall_after_store=True)
    app.config["RENKOU_SETTINGS"] = dataclasses.replace(app.config["RENKOU_SETTINGS"], bureau_timeout_seconds=300)
    send(app, draft)
    key = stored(app, draft).idempotency_key
    jobs.bind_app(app)
    worker = multiprocessing.get_context("fork").Process(target=_work_until_killed, args=(app,))
    worker.start()
    try:
        for _ in range(400):
            if bureau.requests_for(key):
                break
            time.sleep(0.05)
        assert bureau.times_stored(key) == 1, "the bureau never received the submission"
    finally:
        kill_with_descendants(worker.pid)
        worker.join()
    assert stored(app, draft).state == "sending"
    bureau.configure(reset=True)
    with app.app_context():
        started = jobs.get_queue("submissions").started_job_registry
        assert started.get_job_ids(), "the killed job is left started"
        # RQ fails a started job once its heartbeat lapses; move the clock on instead of waiting.
        started.cleanup(timestamp=time.time() + 3600)
    run_worker(app)
    submission = stored(app, draft)
    assert submission.state == "accepted"
    assert submission.attempts[0].error.startswith("interrupted") and submission.attempts[1].http_status == 200
    assert len(bureau.requests_for(key)) == 2 and bureau.times_stored(key) == 1 and len(bureau.accepted()) == 1


# ---------------------------------------------------------------------------------------------------------
# Pages and API


def test_pages_build_send_and_show_a_submission(app, county, client, factory, bureau):
    login(client, COUNTY_ADMIN)
    refused = post_form(client, "/county/submissions/new", {"report": "monthly", "period": "202607"},
                        token_from="/county/submissions/new")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="missing"' in page and county[0].name in page and county[1].name in page
    for town in county:
        approve(app, town, ["202607"])
    built = post_form(client, "/county/submissions/new", {"report": "monthly", "period": "202607"},
                      token_from="/county/submissions/new")
    assert built.status_code == 302
    detail_url = built.headers["Location"]
    page = client.get(detail_url).get_data(as_text=True)
    assert "RK_LIVE_BIRTHS_BY_SEX" in page and "urn:ihe:qrph:adx:2015" in page and 'id="by-town"' in page
    submission_id = int(detail_url.rstrip("/").rsplit("/", 1)[1])
    assert post_form(client, f"/county/submissions/{submission_id}/send", {}, token_from=detail_url).status_code == 302
    assert client.get(f"/county/submissions/{submission_id}/status").get_json()["state"] == "queued"
    run_worker(app)
    page = client.get(detail_url).get_data(as_text=True)
    assert 'id="receipt"' in page and 'data-count="imported"' in page
    listing = client.get("/county/submissions?state=accepted").get_data(as_text=True)
    assert f'id="submission-{submission_id}"' in listing
    assert client.get(f"/county/submissions/{submission_id}/payload.xml").mimetype == "application/adx+xml"
    # A county viewer reads, but neither builds nor sends.
    factory.user("county_reader", "county_viewer")
    viewer = app.test_client()
    login(viewer, "county_reader")
    assert viewer.get(detail_url).status_code == 200
    assert viewer.get("/county/submissions/new").status_code == 403
    assert post_form(viewer, f"/county/submissions/{submission_id}/resend", {}, token_from=detail_url
                     ).status_code == 403


def test_the_api_builds_sends_corrects_and_reads_submissions(app, county, client, factory, bureau):
    admin = bearer(factory.token(COUNTY_ADMIN))
    refused = client.post("/api/v1/submissions", json={"report": "monthly", "period": "202607"}, headers=admin)
    assert refused.status_code == 422
    assert {item["town_code"] for item in refused.get_json()["missing"]} == {town.code for town in county}
    assert client.post("/api/v1/submissions", json={"report": "monthly", "period": "2026Q3"},
                       headers=admin).status_code == 422
    assert client.post("/api/v1/submissions", json={"report": "weekly", "period": "202607"},
                       headers=admin).status_code == 422
    for town in county:
        approve(app, town, ["202607"])
    created = client.post("/api/v1/submissions", json={"report": "monthly", "period": "202607"}, headers=admin)
    assert created.status_code == 201
    body = created.get_json()
    assert body["state"] == "draft" and body["payload"]["dataSet"] == "RK_POP_MONTHLY"
    submission_id = body["id"]
    adx = client.get(f"/api/v1/submissions/{submission_id}/payload?format=adx", headers=admin)
    assert adx.mimetype == "application/adx+xml" and b"urn:ihe:qrph:adx:2015" in adx.data
    assert json.loads(client.get(f"/api/v1/submissions/{submission_id}/payload", headers=admin).data) == body["payload"]
    assert client.post(f"/api/v1/submissions/{submission_id}/send", headers=admin).get_json()["state"] == "queued"
    assert client.post(f"/api/v1/submissions/{submission_id}/send", headers=admin).status_code == 409
    run_worker(app)
    detail = client.get(f"/api/v1/submissions/{submission_id}", headers=admin).get_json()
    assert detail["state"] == "accepted" and detail["import_summary"]["status"] == "SUCCESS"
    assert detail["attempts"][0]["http_status"] == 200
    corrected = client.post(f"/api/v1/submissions/{submission_id}/corrections", json={"reason": "复核后更正"},
                            headers=admin)
    assert corrected.status_code == 201 and corrected.get_json()["revision"] == 2
    listing = client.get("/api/v1/submissions?report=monthly", headers=admin).get_json()
    assert [item["revision"] for item in listing["items"]] == [2, 1]
    factory.user("county_reader", "county_viewer")
    reader = bearer(factory.token("county_reader"))
    assert client.get(f"/api/v1/submissions/{submission_id}", headers=reader).status_code == 200
    assert client.post(f"/api/v1/submissions/{submission_id}/resend", headers=reader).status_code == 403
    assert client.get("/api/v1/submissions/999999", headers=admin).status_code == 404


def test_sending_needs_a_configured_bureau(app, draft):
    from renkou.accounts.services import find_user

    app.config["RENKOU_SETTINGS"] = dataclasses.replace(app.config["RENKOU_SETTINGS"], bureau_url=None)
    with app.app_context():
        with pytest.raises(services.ServiceError):
            services.send(services.get(draft), find_user(COUNTY_ADMIN))
    with app.app_context():
        assert db.session.scalar(select(DeliveryAttempt.id)) is None


def test_figures_are_written_without_exponents_or_trailing_zeros():
    assert [formats.number(Decimal(text)) for text in ("1234.5000", "100", "0.0000", "-3.00", "1E+3")] == [
        "1234.5", "100", "0", "-3", "1000"]
