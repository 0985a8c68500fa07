"""The stand-in bureau over real HTTP on loopback: it checks signatures and formats strictly, stores each
idempotency key once, answers with an import summary, and fails, stalls or rejects when told to."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from renkou.exchange import signing
from renkou.indicators.periods import parse
from renkou.submissions import definitions, formats
from workers.exchange.standin_bureau import StandinBureau

SECRET = "stand-in-test-secret"
ORG_UNIT = "411524"


@pytest.fixture
def bureau():
    server = StandinBureau(SECRET, org_unit=ORG_UNIT).start()
    yield server
    server.stop()


def payload(period_id: str = "202607", report: str = definitions.MONTHLY, value: str = "3") -> dict:
    period = parse(period_id)
    definition = definitions.definition_for(report, period)
    totals = {element.source: Decimal(value) for element in definition.elements}
    return formats.data_value_set(definition, period, ORG_UNIT, date(2026, 8, 5), totals)


def post(bureau, body: bytes, *, key: str | None = "key-1", content_type: str = "application/json",
         secret: str = SECRET, headers: dict | None = None, signed_body: bytes | None = None, now: float | None = None):
    """POST to the stand-in; (status, JSON answer)."""
    sent = {**signing.sign(secret, signed_body if signed_body is not None else body, now=now),
            "Content-Type": content_type, **(headers or {})}
    if key is not None:
        sent[signing.IDEMPOTENCY_KEY] = key
    request = urllib.request.Request(bureau.url, data=body, headers=sent, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as answer:
        return answer.code, json.loads(answer.read())


def test_a_signed_data_value_set_is_imported_and_stored_once(bureau):
    body = formats.to_json(payload())
    status, answer = post(bureau, body)
    assert status == 200
    summary = answer["response"]
    assert summary["responseType"] == "ImportSummary" and summary["status"] == "SUCCESS"
    assert summary["importCount"] == {"imported": len(payload()["dataValues"]), "updated": 0, "ignored": 0,
                                      "deleted": 0}
    # The same submission again (a new message, the same key): the stored answer, nothing stored twice.
    status, again = post(bureau, body)
    assert status == 200 and again == answer
    assert bureau.times_stored("key-1") == 1 and len(bureau.accepted()) == 1
    # A new revision of the same period (a new key) updates the values it already holds.
    status, corrected = post(bureau, formats.to_json(payload(value="4")), key="key-2")
    assert status == 200
    assert corrected["response"]["importCount"]["updated"] == len(payload()["dataValues"])
    assert corrected["response"]["importCount"]["imported"] == 0


def test_a_key_reused_for_other_figures_is_refused(bureau):
    assert post(bureau, formats.to_json(payload()))[0] == 200
    status, answer = post(bureau, formats.to_json(payload(value="9")))
    assert status == 422 and "Idempotency-Key" in answer["message"]
    assert bureau.times_stored("key-1") == 1


def test_tampered_stale_replayed_or_unsigned_messages_are_refused(bureau):
    body = formats.to_json(payload())
    status, answer = post(bureau, body, signed_body=body.replace(b'"3"', b'"30"', 1))
    assert status == 401 and answer["message"].startswith("bad_signature")
    status, answer = post(bureau, body, secret="another-secret")
    assert status == 401 and answer["message"].startswith("bad_signature")
    status, answer = post(bureau, body, now=time.time() - signing.TOLERANCE_SECONDS - 60)
    assert status == 401 and answer["message"].startswith("stale")
    # The very same signed message sent twice: the second is a replay, even inside the window.
    headers = {**signing.sign(SECRET, body), "Content-Type": "application/json", signing.IDEMPOTENCY_KEY: "k"}
    first = urllib.request.Request(bureau.url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(first, timeout=10) as response:
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as replay:
        urllib.request.urlopen(urllib.request.Request(bureau.url, data=body, headers=headers, method="POST"),
                               timeout=10)
    assert replay.value.code == 401 and json.loads(replay.value.read())["message"].startswith("replay")
    unsigned = urllib.request.Request(bureau.url, data=body, method="POST",
                                      headers={"Content-Type": "application/json", signing.IDEMPOTENCY_KEY: "u"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)
    assert refused.value.code == 401
    assert bureau.times_stored("k") == 1 and bureau.times_stored("u") == 0


def test_the_shape_is_checked_strictly(bureau):
    assert post(bureau, b"not json")[0] == 400
    assert post(bureau, formats.to_json(payload()), key=None)[0] == 400  # no Idempotency-Key
    extra = {**payload(), "comment": "x"}
    status, answer = post(bureau, formats.to_json(extra), key="a")
    assert status == 400 and "comment" in answer["message"]
    bad_value = payload()
    bad_value["dataValues"][0]["value"] = "three"
    assert post(bureau, formats.to_json(bad_value), key="b")[0] == 400
    repeated = payload()
    repeated["dataValues"].append(dict(repeated["dataValues"][0]))
    assert post(bureau, formats.to_json(repeated), key="c")[0] == 400
    assert post(bureau, formats.to_json(payload()), key="d", content_type="text/plain")[0] == 415
    assert bureau.accepted() == []


def test_unknown_content_becomes_conflicts(bureau):
    partly = payload()
    partly["dataValues"].append({"dataElement": "RK_NOT_IN_THE_SET", "categoryOptionCombo": "default", "value": "1"})
    status, answer = post(bureau, formats.to_json(partly), key="partly")
    assert status == 200 and answer["response"]["status"] == "WARNING"
    assert answer["response"]["importCount"]["ignored"] == 1
    assert answer["response"]["conflicts"][0]["object"] == "RK_NOT_IN_THE_SET"
    wrong_period = payload()
    wrong_period["period"] = "2026Q3"  # a monthly data set does not take a quarter
    for value in wrong_period["dataValues"]:
        value["period"] = "2026Q3"  # each value carries its set's period
    status, answer = post(bureau, formats.to_json(wrong_period), key="quarter")
    assert status == 409 and answer["response"]["status"] == "ERROR"
    other_unit = {**payload(), "orgUnit": "999999"}
    other_unit["dataValues"] = [{**value, "orgUnit": "999999"} for value in other_unit["dataValues"]]
    status, answer = post(bureau, formats.to_json(other_unit), key="unit")
    assert status == 409 and answer["response"]["conflicts"][0]["object"] == "999999"
    assert bureau.times_stored("quarter") == bureau.times_stored("unit") == 0


def test_adx_is_read_with_its_disaggregation(bureau):
    document = payload("2026Q3", definitions.QUARTERLY)
    definition = definitions.definition_for(definitions.QUARTERLY, parse("2026Q3"))
    adx = formats.to_adx(document, definition, datetime(2026, 10, 6, 9, 0, tzinfo=UTC))
    status, answer = post(bureau, adx, key="adx", content_type="application/adx+xml")
    assert status == 200 and answer["response"]["status"] == "SUCCESS"
    assert answer["response"]["importCount"]["imported"] == len(document["dataValues"])
    # The same figures as JSON under the same key are the same submission.
    assert post(bureau, formats.to_json(document), key="adx")[1] == answer
    assert bureau.times_stored("adx") == 1
    bad = adx.replace(b"2026-07-01/P3M", b"2026-07-02/P3M")
    assert post(bureau, bad, key="bad", content_type="application/adx+xml")[0] == 400
    hostile = b'<?xml version="1.0"?><!DOCTYPE adx [<!ENTITY x "y">]><adx/>'
    assert post(bureau, hostile, key="dtd", content_type="application/adx+xml")[0] == 400


def test_it_fails_rejects_and_stalls_when_told_to(bureau):
    body = formats.to_json(payload())
    control = urllib.request.Request(bureau.base_url + "/control", data=json.dumps({"fail": 2}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(control, timeout=10) as response:
        assert json.loads(response.read())["behaviour"]["fail"] == 2
    assert post(bureau, body)[0] == 503
    assert post(bureau, body)[0] == 503
    bureau.configure(reject=1, reject_status=409)
    status, answer = post(bureau, body)
    assert status == 409 and answer["response"]["conflicts"]
    bureau.configure(reject=1, reject_status=400)
    assert post(bureau, body)[0] == 400
    assert bureau.accepted() == []
    # Stalled after storing: the sender gives up waiting, yet the submission is stored.
    bureau.configure(stall_seconds=30, stall_after_store=True)
    sent = {**signing.sign(SECRET, body), "Content-Type": "application/json", signing.IDEMPOTENCY_KEY: "stalled"}
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        urllib.request.urlopen(urllib.request.Request(bureau.url, data=body, headers=sent, method="POST"), timeout=1)
    bureau.release()
    for _ in range(200):  # the stand-in stored it before holding the answer back; wait for that, not a time
        if bureau.times_stored("stalled"):
            break
        time.sleep(0.05)
    assert bureau.times_stored("stalled") == 1
    with urllib.request.urlopen(bureau.base_url + "/submissions", timeout=10) as response:
        overview = json.loads(response.read())
    assert overview["stored"] == 1 and overview["submissions"][0]["key"] == "stalled"
