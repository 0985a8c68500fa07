"""Messages from the higher bureau: the signed push endpoint, replay protection, targets applied all or
nothing, 协查 requests and 通报 notices routed to towns with their deadlines, the towns' pages, replies
delivered signed to the stand-in bureau over loopback HTTP by real RQ workers, the scheduled pull, and the
monthly report's schedule."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from rq import Worker
from sqlalchemy import func, select

from renkou import jobs
from renkou.audit.models import AuditEvent
from renkou.exchange import signing
from renkou.extensions import db
from renkou.inbound.models import InboundMessage, Lookup, Notice, Reply
from renkou.targets.models import Target
from renkou.timezone import local
from renkou.types import utcnow
from tests.conftest import build_app, login, post_form, reset_storage
from workers.exchange.standin_bureau import StandinBureau
from workers.exchange.standin_inbox import MESSAGES_PATH, REPLIES_PATH

SECRET = "county-and-bureau-shared-secret"
ENDPOINT = "/api/v1/bureau/messages"
REGISTERED_ID = "11010519491231002X"
SHANGHAI = ZoneInfo("Asia/Shanghai")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(first_17: str) -> str:
    return first_17 + "10X98765432"[sum(int(d) * w for d, w in zip(first_17, WEIGHTS, strict=True)) % 11]


UNKNOWN_ID = resident_id("41152419900307004")


@pytest.fixture
def bureau():
    server = StandinBureau(SECRET, org_unit="411524").start()
    yield server
    server.stop()


@pytest.fixture
def app(settings, bureau):
    """The app pointed at the stand-in: submissions, fetched messages and replies; retries wait 0 s."""
    application = build_app(dataclasses.replace(
        settings, bureau_url=bureau.url, bureau_secret=SECRET, bureau_messages_url=bureau.base_url + MESSAGES_PATH,
        bureau_replies_url=bureau.base_url + REPLIES_PATH, bureau_retry_intervals=(0, 0, 0),
        bureau_timeout_seconds=10))
    yield application
    reset_storage(application)


def push(client, document: dict, *, message_id: str | None = None, now: float | None = None, secret: str = SECRET,
         body: bytes | None = None, drop: str | None = None):
    """POST ``document`` signed as the bureau would (or with ``body`` sent in its place, or a header dropped)."""
    raw = json.dumps(document, ensure_ascii=False).encode("utf-8")
    headers = signing.sign(secret, raw, now=now, message_id=message_id)
    headers.pop(drop, None)
    return client.post(ENDPOINT, data=raw if body is None else body,
                       headers={**headers, "Content-Type": "application/json"})


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def rows(app, model, *where):
    with app.app_context():
        found = list(db.session.scalars(select(model).where(*where).order_by(model.id)))
        db.session.expunge_all()
        return found


def run_worker(app) -> None:
    """A real RQ worker in burst mode on the queues of this area: exchange (fetches, replies) and default
    (the towns' searches for a person)."""
    with app.app_context():
        jobs.bind_app(app)
        queues = [jobs.get_queue("exchange"), jobs.get_queue("default")]
        Worker(queues, connection=queues[0].connection).work(burst=True)


def county_today(app) -> date:
    with app.app_context():
        return local(utcnow()).date()


def request_doc(number: str = REGISTERED_ID, town: str | None = None, urgent: bool = False) -> dict:
    document = {"kind": "verification_request", "reference": "豫卫协〔2026〕12号", "title": "婚育情况协查",
                "urgent": urgent, "person": {"name": "王小红", "resident_id": number},
                "request": "请核实其现居住地及婚育情况。"}
    if town:
        document["town"] = town
    return document


def notification_doc(towns: list[str] | None = None) -> dict:
    document = {"kind": "notification", "reference": "豫卫通〔2026〕3号", "title": "关于做好出生人口监测的通报",
                "text": "请于30日内报告落实情况。"}
    if towns is not None:
        document["towns"] = towns
    return document


# ---------------------------------------------------------------------------------------------------------
# Signatures and replays


def test_unsigned_tampered_stale_and_replayed_messages_are_refused_and_nothing_is_stored(app, client):
    document = notification_doc()
    tampered = json.dumps({**document, "title": "改过的标题"}, ensure_ascii=False).encode("utf-8")
    assert push(client, document, body=tampered).status_code == 401
    assert push(client, document, now=time.time() - 3600).status_code == 401
    assert push(client, document, secret="not-the-secret").status_code == 401
    for header in (signing.TIMESTAMP, signing.MESSAGE_ID, signing.SIGNATURE):
        response = push(client, document, drop=header)
        assert response.status_code == 401 and response.get_json()["errors"]["_schema"]
    assert count(app, InboundMessage) == 0 and count(app, Notice) == 0

    first = push(client, document, message_id="msg-0001")
    assert first.status_code == 201, first.get_json()
    again = push(client, document, message_id="msg-0001")  # freshly signed, same message id: a replay
    assert again.status_code == 409 and again.get_json()["errors"]
    assert count(app, InboundMessage) == 1 and count(app, Notice) == 1
    with app.app_context():
        refusals = db.session.scalars(select(AuditEvent.detail)
                                      .where(AuditEvent.action == "bureau_message.refuse")).all()
    assert sorted(detail["reason"] for detail in refusals) == sorted(
        ["bad_signature", "stale", "bad_signature", "missing", "missing", "missing", "replay"])


class UnreadBody(io.BytesIO):
    """A request body of ``size`` bytes, as its length says (the test client measures it by seeking to its
    end), that records whether anyone read it."""

    def __init__(self, size: int):
        super().__init__(b"{}")
        self.size, self.at_end, self.was_read = size, False, False

    def seek(self, offset, whence=io.SEEK_SET):
        self.at_end = whence == io.SEEK_END
        return self.size if self.at_end else super().seek(offset, whence)

    def tell(self):
        return self.size if self.at_end else super().tell()

    def read(self, size=-1):
        self.was_read = True
        return super().read(size)

    def readline(self, size=-1):
        self.was_read = True
        return super().readline(size)

    def readinto(self, buffer):
        self.was_read = True
        return super().readinto(buffer)


def test_unsigned_stale_and_oversized_messages_are_refused_before_the_body_is_read(app, client):
    """A 63 MB body is not read, let alone hashed, when its headers already say it is refused."""
    declared = 63 * 1024 * 1024
    fresh = signing.sign(SECRET, b"{}")
    stale = signing.sign(SECRET, b"{}", now=time.time() - 3600)
    for headers, status, reason in (({}, 401, "missing"), (stale, 401, "stale"), (fresh, 413, "too_large")):
        body = UnreadBody(declared)
        response = client.post(ENDPOINT, input_stream=body,
                               headers={**headers, "Content-Type": "application/json"})
        assert (response.status_code, body.was_read) == (status, False), reason
        assert response.get_json()["errors"]["_schema"]
    assert count(app, InboundMessage) == 0
    with app.app_context():
        refusals = db.session.scalars(select(AuditEvent.detail)
                                      .where(AuditEvent.action == "bureau_message.refuse")).all()
    assert sorted(detail["reason"] for detail in refusals) == ["missing", "stale", "too_large"]


def test_a_bad_body_is_refused_with_reasons_and_not_stored(app, client):
    response = push(client, {"kind": "notification", "title": "无编号", "towns": ["12"]})
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert set(errors) >= {"reference", "text", "towns"}
    assert push(client, {"kind": "gossip"}).status_code == 400
    assert push(client, request_doc("110105194912310021")).get_json()["errors"]["person"]["resident_id"]
    assert count(app, InboundMessage) == 0


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_same_message_sent_twice_at_once_is_stored_once(app, factory):
    """The unique message id is the lock: of two requests racing with one message, one is taken."""
    raw = json.dumps(notification_doc(), ensure_ascii=False).encode("utf-8")
    headers = {**signing.sign(SECRET, raw, message_id="race-1"), "Content-Type": "application/json"}
    barrier, statuses = threading.Barrier(2), []

    def send():
        barrier.wait()
        statuses.append(app.test_client().post(ENDPOINT, data=raw, headers=headers).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409]
    assert count(app, InboundMessage) == 1 and count(app, Notice) == 1


# ---------------------------------------------------------------------------------------------------------
# Targets


def test_targets_are_applied_with_the_bureau_as_source(app, client, factory):
    town = factory.town()
    response = push(client, {"kind": "targets", "reference": "豫卫指〔2026〕1号", "targets": [
        {"indicator": "registration_rate", "period": "2026", "town": "county", "value": "95"},
        {"indicator": "registration_rate", "period": "2026", "town": town.code, "value": 97.5, "note": "市下达"}]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["outcome"] == {"created": 2, "updated": 0, "removed": 0, "unchanged": 0}
    targets = rows(app, Target)
    assert [(t.scope, t.value, t.source) for t in targets] == [("county", Decimal(95), "bureau"),
                                                                (town.code, Decimal("97.5"), "bureau")]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "target.create").limit(1))
        assert event.actor_name == "bureau" and event.detail["source"] == "bureau"


def test_a_targets_message_with_one_bad_item_is_refused_whole(app, client, factory):
    town = factory.town()
    good = {"indicator": "registration_rate", "period": "2026", "town": town.code, "value": "96"}
    response = push(client, {"kind": "targets", "targets": [
        good,
        {"indicator": "birth_rate", "period": "2026", "town": "county", "value": "10"},  # monitored, never a target
        {"indicator": "registration_rate", "period": "2026", "town": "411524999", "value": "90"},
        {"indicator": "registration_rate", "period": "2026Q5", "town": "county", "value": "120"}]},
        message_id="targets-1")
    assert response.status_code == 400
    by_item = response.get_json()["errors"]["targets"]
    assert set(by_item) == {"1", "2", "3"}
    assert "indicator" in by_item["1"] and "town" in by_item["2"] and "period" in by_item["3"]
    assert count(app, Target) == 0 and count(app, InboundMessage) == 0
    # Nothing was kept, not even the message id: the corrected message goes through under the same id.
    assert push(client, {"kind": "targets", "targets": [good]}, message_id="targets-1").status_code == 201
    assert count(app, Target) == 1


# ---------------------------------------------------------------------------------------------------------
# 协查 verification requests and 通报 notifications


@pytest.mark.parametrize("urgent, days", [(True, 15), (False, 30)])
def test_a_request_naming_its_town_is_that_towns_task_due_in_15_or_30_days(app, client, factory, urgent, days):
    town, other = factory.town(), factory.town()
    person_id = factory.person(town, name="王小红", resident_id=REGISTERED_ID)
    response = push(client, request_doc(town=town.code, urgent=urgent))
    assert response.status_code == 201 and response.get_json()["status"] == "routed"
    [notice] = rows(app, Notice)
    assert (notice.scope, notice.town_id, notice.urgent) == (town.code, town.id, urgent)
    assert notice.received_on == county_today(app)
    assert notice.due_on == notice.received_on + timedelta(days=days)
    assert (notice.person_masked, notice.resident_id_masked) == ("王**", "110105********002X")
    assert REGISTERED_ID.encode() not in notice.personal and "王小红".encode() not in notice.personal
    with app.app_context():
        stored = db.session.get(InboundMessage, notice.inbound_id)
        assert "person" not in stored.content and REGISTERED_ID not in json.dumps(stored.content)
    run_worker(app)  # the town's search links the task to the person on its register
    [notice] = rows(app, Notice)
    assert (notice.located, notice.person_id) == ("found", person_id)
    assert [lookup.town_id for lookup in rows(app, Lookup)] == [town.id] and other.id != town.id
    assert all(lookup.personal is None for lookup in rows(app, Lookup))


def test_a_request_without_a_town_goes_to_the_town_that_has_the_person(app, client, factory):
    town_a, town_b, town_c = factory.town(), factory.town(), factory.town()
    person_id = factory.person(town_b, name="王小红", resident_id=REGISTERED_ID)
    response = push(client, request_doc())
    assert response.status_code == 201 and response.get_json()["status"] == "locating"
    lookups = rows(app, Lookup)
    assert sorted(lookup.town_id for lookup in lookups) == sorted([town_a.id, town_b.id, town_c.id])
    assert count(app, Notice) == 0
    run_worker(app)  # one job per town, each reading only its own register
    [notice] = rows(app, Notice)
    assert (notice.scope, notice.located, notice.person_id) == (town_b.code, "found", person_id)
    assert notice.due_on == notice.received_on + timedelta(days=30)
    [message] = rows(app, InboundMessage)
    assert message.status == "routed" and message.outcome["found_in"] == [town_b.code]
    assert {lookup.town_id: lookup.state for lookup in rows(app, Lookup)} == {
        town_a.id: "absent", town_b.id: "found", town_c.id: "absent"}
    assert all(lookup.personal is None for lookup in rows(app, Lookup))  # no copies left behind
    with app.app_context():
        located = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "bureau_notice.locate"))
        assert (located.town_code, located.record_id) == (town_b.code, str(person_id))
    run_worker(app)  # nothing left to do; a search run again records nothing twice
    assert count(app, Notice) == 1


def test_a_person_no_town_has_is_the_countys_task_masked(app, client, factory):
    factory.town()
    factory.town()
    assert push(client, request_doc(UNKNOWN_ID, urgent=True)).status_code == 201
    run_worker(app)
    [notice] = rows(app, Notice)
    assert (notice.scope, notice.town_id, notice.personal, notice.located) == ("county", None, None, "absent")
    assert notice.resident_id_masked == UNKNOWN_ID[:6] + "********" + UNKNOWN_ID[-4:]
    assert notice.due_on == notice.received_on + timedelta(days=15)


def test_a_notification_is_due_in_30_days_for_its_towns_or_the_county(app, client, factory):
    town_a, town_b = factory.town(), factory.town()
    assert push(client, notification_doc([town_a.code, town_b.code])).status_code == 201
    assert push(client, notification_doc()).status_code == 201
    notices = rows(app, Notice)
    assert [n.scope for n in notices] == [town_a.code, town_b.code, "county"]
    assert all(n.due_on == n.received_on + timedelta(days=30) for n in notices)
    unknown = push(client, notification_doc([town_a.code, "411524999"]))
    assert unknown.status_code == 400 and set(unknown.get_json()["errors"]["towns"]) == {"1"}
    archived_or_unknown = push(client, request_doc(town="411524999"))
    assert archived_or_unknown.status_code == 400 and archived_or_unknown.get_json()["errors"]["town"]
    assert count(app, InboundMessage) == 2


# ---------------------------------------------------------------------------------------------------------
# The pages


def test_a_town_sees_its_own_tasks_masked_and_every_read_is_audited(app, client, factory):
    town, other = factory.town(), factory.town()
    assert push(client, request_doc(town=town.code, urgent=True)).status_code == 201
    assert push(client, notification_doc([other.code])).status_code == 201
    [mine, theirs] = rows(app, Notice)
    login(client, town.admin_username)
    page = client.get(f"/t/{town.slug}/notices/").get_data(as_text=True)
    assert f'id="notice-{mine.id}"' in page and f'id="notice-{theirs.id}"' not in page
    assert "110105********002X" in page and REGISTERED_ID not in page
    assert client.get(f"/t/{town.slug}/notices/{theirs.id}").status_code == 404
    assert client.get(f"/t/{other.slug}/notices/{theirs.id}").status_code == 404
    detail = client.get(f"/t/{town.slug}/notices/{mine.id}").get_data(as_text=True)
    assert "110105********002X" in detail and "请核实其现居住地及婚育情况。" in detail and REGISTERED_ID not in detail
    revealed = client.get(f"/t/{town.slug}/notices/{mine.id}?reveal=person").get_data(as_text=True)
    assert REGISTERED_ID in revealed and "王小红" in revealed
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.record_type == "bureau_notice", AuditEvent.record_id == str(mine.id))).all()
    assert sorted(actions) == ["bureau_notice.read", "bureau_notice.reveal"]
    export = client.get(f"/t/{town.slug}/notices/export.xlsx?kind=verification_request")
    sheet = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert sheet[0][:6] == ("文号", "类别", "紧急", "标题", "姓名", "身份证号码") and len(sheet) == 2
    assert sheet[1][4:6] == ("王**", "110105********002X")
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "bureau_notice.export")).town_code \
            == town.code


def test_overdue_tasks_are_highlighted_for_the_town_and_the_county(app, client, factory):
    town = factory.town()
    assert push(client, notification_doc([town.code])).status_code == 201
    with app.app_context():
        notice = db.session.scalar(select(Notice))
        notice.received_on, notice.due_on = date(2026, 1, 1), date(2026, 1, 31)
        db.session.commit()
    login(client, town.admin_username)
    page = client.get(f"/t/{town.slug}/notices/?overdue=1").get_data(as_text=True)
    assert 'class="overdue"' in page and "2026-01-31" in page
    factory.user("county_boss", "county_admin")
    boss = app.test_client()
    login(boss, "county_boss")
    county = boss.get("/county/notices?overdue=1").get_data(as_text=True)
    assert 'class="overdue"' in county and town.name in county


# ---------------------------------------------------------------------------------------------------------
# Replies to the bureau


def test_a_reply_is_delivered_signed_to_the_bureau_exactly_once(app, client, factory, bureau):
    town = factory.town()
    assert push(client, request_doc(town=town.code)).status_code == 201
    [notice] = rows(app, Notice)
    login(client, town.admin_username)
    path = f"/t/{town.slug}/notices/{notice.id}"
    response = post_form(client, f"{path}/reply", {"result": "confirmed", "text": "经核实，王小红现居本镇。"},
                         token_from=path)
    assert response.status_code == 303
    [reply] = rows(app, Reply)
    assert reply.state == "queued" and "王小红".encode() not in reply.text_sealed
    run_worker(app)
    [reply] = rows(app, Reply)
    assert (reply.state, reply.attempts, reply.http_status) == ("delivered", 1, 200) and reply.bureau_reference
    [notice] = rows(app, Notice)
    assert notice.status == "replied" and notice.replied_at
    [stored] = bureau.inbox.replies.values()
    assert stored["key"] == reply.idempotency_key
    assert stored["reply"]["text"] == "经核实，王小红现居本镇。" and stored["reply"]["town"]["code"] == town.code
    [message] = rows(app, InboundMessage)
    assert stored["reply"]["in_reply_to"] == message.message_id
    # Delivered at least once: the same job again sends nothing more.
    with app.app_context():
        from renkou.inbound import replies
        replies.enqueue_delivery(reply.id)
    run_worker(app)
    assert len(bureau.inbox.replies) == 1 and len(bureau.inbox.requests_for(reply.idempotency_key)) == 1
    # The task is answered: a second reply is refused.
    again = post_form(client, f"{path}/reply", {"result": "confirmed", "text": "再次答复"}, token_from=path)
    assert again.status_code == 409 and count(app, Reply) == 1


def test_a_reply_is_retried_on_5xx_and_not_on_4xx(app, client, factory, bureau):
    town = factory.town()
    assert push(client, notification_doc([town.code])).status_code == 201
    [notice] = rows(app, Notice)
    login(client, town.admin_username)
    path = f"/t/{town.slug}/notices/{notice.id}"
    bureau.inbox.configure(fail=2)
    post_form(client, f"{path}/reply", {"result": "done", "text": "已落实。"}, token_from=path)
    run_worker(app)
    [reply] = rows(app, Reply)
    assert (reply.state, reply.attempts) == ("delivered", 3)
    assert len(bureau.inbox.requests_for(reply.idempotency_key)) == 3

    assert push(client, notification_doc([town.code])).status_code == 201
    second = rows(app, Notice)[-1]
    path = f"/t/{town.slug}/notices/{second.id}"
    bureau.inbox.configure(reject=1, reject_status=400)
    post_form(client, f"{path}/reply", {"result": "noted", "text": "已知悉。"}, token_from=path)
    run_worker(app)
    refused = rows(app, Reply, Reply.notice_id == second.id)[0]
    assert (refused.state, refused.attempts, refused.http_status) == ("failed", 1, 400)
    assert rows(app, Notice, Notice.id == second.id)[0].status == "open"  # it can be answered again
    answered = post_form(client, f"{path}/reply", {"result": "noted", "text": "已知悉。"}, token_from=path)
    assert answered.status_code == 303
    run_worker(app)
    assert [r.state for r in rows(app, Reply, Reply.notice_id == second.id)] == ["failed", "delivered"]


def test_the_county_answers_its_own_tasks(app, client, factory, bureau):
    factory.user("county_boss", "county_admin")
    assert push(client, notification_doc()).status_code == 201
    [notice] = rows(app, Notice)
    login(client, "county_boss")
    path = f"/county/notices/{notice.inbound_id}"
    page = client.get(path).get_data(as_text=True)
    assert f'id="reply-form-{notice.id}"' in page
    bad = post_form(client, f"/county/notices/tasks/{notice.id}/reply", {"result": "confirmed", "text": "x"},
                    token_from=path)
    assert bad.status_code == 422  # not an answer to a notification
    ok = post_form(client, f"/county/notices/tasks/{notice.id}/reply", {"result": "done", "text": "全县已落实。"},
                   token_from=path)
    assert ok.status_code == 303
    run_worker(app)
    [stored] = bureau.inbox.replies.values()
    assert stored["reply"]["town"] is None and stored["reply"]["text"] == "全县已落实。"


# ---------------------------------------------------------------------------------------------------------
# The scheduled pull


def test_fetched_messages_are_processed_once_even_when_fetched_twice(app, factory, bureau):
    from workers.exchange.inbound_jobs import pull_messages

    town = factory.town()
    message_id = bureau.inbox.queue(notification_doc([town.code]))
    bureau.inbox.queue({"kind": "notification"})  # not a valid message: refused, with reasons, and acknowledged
    jobs.bind_app(app)
    assert pull_messages() == {"fetched": 2, "accepted": 1, "refused": 1}
    assert bureau.inbox.waiting == {}
    assert [item["status"] for item in bureau.inbox.acknowledged] == ["accepted", "refused"]
    bureau.inbox.queue(notification_doc([town.code]), message_id=message_id)  # handed out again
    assert pull_messages() == {"fetched": 1, "duplicate": 1}
    assert count(app, InboundMessage) == 1 and count(app, Notice) == 1
    [message] = rows(app, InboundMessage)
    assert (message.message_id, message.channel) == (message_id, "pull")


def test_the_pull_schedule_is_off_unless_the_bureau_is_pulled_and_queues_one_fetch(app, settings, bureau):
    from renkou.scheduling import services as scheduling
    from workers.schedules import run_due

    with app.app_context():
        switches = {item.name: item.enabled for item in scheduling.effective_schedules()}
    assert switches["bureau_pull"] is False and switches["monthly_bureau_report"] is True
    pulled = build_app(dataclasses.replace(app.config["RENKOU_SETTINGS"], bureau_pull=True))
    try:
        bureau.inbox.queue(notification_doc())
        jobs.bind_app(pulled)
        with pulled.app_context():
            assert {item.name: item.enabled for item in scheduling.effective_schedules()}["bureau_pull"] is True
            now = datetime(2026, 3, 2, 1, 0, 30, tzinfo=SHANGHAI)
            assert run_due(now)["bureau_pull"] == 1
            assert "bureau_pull" not in run_due(now)  # the slot is claimed: a second tick does nothing
        run_worker(pulled)
        assert count(pulled, InboundMessage) == 1
    finally:
        jobs.bind_app(app)
        with pulled.app_context():
            db.session.remove()
            pulled.extensions["renkou.town_engines"].dispose()


# ---------------------------------------------------------------------------------------------------------
# The monthly report's schedule


def test_the_monthly_dispatcher_run_twice_builds_one_revision(app, factory):
    from renkou.submissions.models import Submission
    from tests.test_submissions import COUNTY_ADMIN, approve, joined_long_ago, record_birth
    from workers.exchange.bureau_schedules import monthly_report

    factory.user(COUNTY_ADMIN, "county_admin")
    town = factory.town()
    joined_long_ago(app, town)
    record_birth(app, town, "F", date(2026, 7, 10))
    slot = datetime(2026, 8, 5, 2, 0, tzinfo=SHANGHAI)
    with app.app_context():
        assert monthly_report(slot) == 0  # July is not approved: nothing is built, and that is recorded
        db.session.commit()
        skipped = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "submission.scheduled_skip"))
        assert skipped.detail["period"] == "202607" and skipped.detail["missing"][0]["town"] == town.code
    assert count(app, Submission) == 0
    approve(app, town, ["202607"])
    with app.app_context():
        assert monthly_report(slot) == 1
        db.session.commit()
        assert monthly_report(slot) == 0
        db.session.commit()
    [submission] = rows(app, Submission)
    assert (submission.report, submission.period, submission.revision, submission.state) == (
        "monthly", "202607", 1, "queued")


def test_the_county_sees_every_message_and_its_routing_masked(app, client, factory):
    town = factory.town()
    factory.person(town, name="王小红", resident_id=REGISTERED_ID)
    factory.user("county_reader", "county_viewer")
    assert push(client, {"kind": "targets", "reference": "豫卫指〔2026〕1号", "targets": [
        {"indicator": "registration_rate", "period": "2026", "town": "county", "value": "95"}]}).status_code == 201
    assert push(client, request_doc()).status_code == 201
    assert push(client, request_doc(UNKNOWN_ID)).status_code == 201
    run_worker(app)
    login(client, "county_reader")
    listing = client.get("/county/notices").get_data(as_text=True)
    messages = rows(app, InboundMessage)
    assert all(f'id="message-{message.id}"' in listing for message in messages)
    for message in messages:
        page = client.get(f"/county/notices/{message.id}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert REGISTERED_ID not in text and UNKNOWN_ID not in text and "王小红" not in text
        assert "reply-form" not in text  # a viewer reads only
    unknown = rows(app, Notice, Notice.scope == "county")[0]
    assert post_form(client, f"/county/notices/tasks/{unknown.id}/reply", {"result": "not_found", "text": "查无此人"},
                     token_from="/county/notices").status_code == 403
    assert client.get("/county/notices/9999").status_code == 404
    assert client.get("/county/notices?kind=targets").get_data(as_text=True).count('id="message-') == 1
