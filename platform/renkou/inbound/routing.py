"""Where a message goes: targets are set, requests and notices become tasks of towns or of the county.

A 协查 request that names its town becomes that town's task at once. One that does not is searched for:
the person's data is sealed under each active town's key into a search row, and one job per town looks
the resident ID up in that town's register through its blind index (workers/exchange/inbound_jobs.py).
This request never reads a town's tables: web requests never read two towns (DESIGN.md §3). Each town
where the person is registered gets the task; if none has them, the county does.
"""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from rq import Retry
from sqlalchemy import func, select

from renkou import jobs
from renkou.crypto.keys import decrypt, encrypt
from renkou.extensions import db
from renkou.inbound import rules
from renkou.inbound.models import (
    ABSENT,
    APPLIED,
    COUNTY_SCOPE,
    FOUND,
    LOCATING,
    NOTIFICATION,
    PENDING,
    PERSONAL_PURPOSE,
    ROUTED,
    TARGETS,
    InboundMessage,
    Lookup,
    Notice,
)
from renkou.inbound.schemas import mask_id, mask_name, normalize_id
from renkou.targets import services as targets
from renkou.targets.models import SOURCE_BUREAU
from renkou.tenancy.models import TOWN_ACTIVE, Town
from renkou.types import utcnow

LOCATE_JOB = "workers.exchange.inbound_jobs.locate_person"
LOCATE_RETRY = Retry(max=3, interval=[10, 60, 300])


def initial_status(document: dict) -> str:
    if document["kind"] == TARGETS:
        return APPLIED
    if document["kind"] == NOTIFICATION or document.get("town"):
        return ROUTED
    return LOCATING


def route(message: InboundMessage, document: dict) -> None:
    {TARGETS: _apply_targets, NOTIFICATION: _route_notification}.get(message.kind, _route_request)(message, document)
    db.session.flush()


def _refuse(errors: dict):
    from renkou.inbound.receiving import Refused

    return Refused(400, "invalid", errors)


# ---------------------------------------------------------------------------------------------------------
# Targets: all or nothing, through the same service as the county's grid


def _apply_targets(message: InboundMessage, document: dict) -> None:
    inputs = [targets.TargetInput(item["indicator"], item["period"], None, item["value"], item.get("note"),
                                  key=index, town_code=None if item["town"] == COUNTY_SCOPE else item["town"])
              for index, item in enumerate(document["targets"])]
    try:
        outcome = targets.set_targets(inputs, SOURCE_BUREAU, actor=None)
    except targets.TargetsInvalid as invalid:
        raise _refuse(invalid.errors) from None
    message.outcome = {"created": outcome.created, "updated": outcome.updated, "removed": outcome.removed,
                       "unchanged": outcome.unchanged}


# ---------------------------------------------------------------------------------------------------------
# Notifications: the named towns, or the county


def _active_towns(codes: list[str], field: str) -> list[Town]:
    found = {town.code: town for town in db.session.scalars(select(Town).where(Town.code.in_(codes)))}
    errors = {}
    for index, code in enumerate(codes):
        town = found.get(code)
        if town is None or town.status != TOWN_ACTIVE:
            errors[str(index)] = [str(_l("No active town has the code %(code)s.", code=code))]
    if errors:
        raise _refuse({field: errors["0"] if field == "town" else errors})
    return [found[code] for code in codes]


def _route_notification(message: InboundMessage, document: dict) -> None:
    towns = _active_towns(document["towns"], "towns")
    due = rules.due_on(NOTIFICATION, message.received_on, False)
    common = {"kind": NOTIFICATION, "received_on": message.received_on, "due_on": due, "title": message.title,
              "text": document["text"], "urgent": False}
    for town in towns or [None]:
        message.notices.append(Notice(scope=town.code if town else COUNTY_SCOPE, town=town, **common))
    message.outcome = {"scopes": [town.code for town in towns] or [COUNTY_SCOPE]}


# ---------------------------------------------------------------------------------------------------------
# Verification requests: the named town, or every town searched


def seal(town_code: str, personal: dict) -> bytes:
    return encrypt(town_code, PERSONAL_PURPOSE, json.dumps(personal, ensure_ascii=False))


def unseal(town_code: str, sealed: bytes) -> dict:
    return json.loads(decrypt(town_code, PERSONAL_PURPOSE, sealed))


def _route_request(message: InboundMessage, document: dict) -> None:
    person = document["person"]
    personal = {"name": person["name"], "resident_id": normalize_id(person["resident_id"]),
                "request": document.get("request", "")}
    if document.get("town"):
        [town] = _active_towns([document["town"]], "town")
        message.notices.append(_task(message, town, seal(town.code, personal), personal, located=PENDING))
        towns = [town]
    else:
        towns = list(db.session.scalars(select(Town).where(Town.status == TOWN_ACTIVE).order_by(Town.code)))
    for town in towns:
        message.lookups.append(Lookup(town=town, state=PENDING, personal=seal(town.code, personal)))
    if not towns:  # no town to search: the county answers
        message.status = ROUTED
        message.notices.append(_task(message, None, None, personal, located=ABSENT))
    db.session.flush()
    for town in towns:
        # The default queue, not exchange: the search never waits on the bureau, so a stalled bureau
        # must not hold it up (DESIGN.md §4).
        jobs.enqueue_after_commit("default", LOCATE_JOB, message.id, town.code,
                                  job_id=f"inbound-{message.id}-locate-{town.code}",
                                  description=f"bureau message {message.id}: search town {town.code}")
    message.outcome = {"searched": [town.code for town in towns]}


def _task(message: InboundMessage, town: Town | None, sealed: bytes | None, personal: dict,
          located: str) -> Notice:
    return Notice(inbound_id=message.id, kind=message.kind, scope=town.code if town else COUNTY_SCOPE, town=town,
                  urgent=message.urgent,
                  received_on=message.received_on, due_on=rules.due_on(message.kind, message.received_on,
                                                                         message.urgent),
                  title=message.title, text="", person_masked=mask_name(personal["name"]),
                  resident_id_masked=mask_id(personal["resident_id"]), personal=sealed, located=located)


def record_search(message_pk: int, town: Town, person_id: int | None) -> str | None:
    """What the search in ``town`` found (its register's person id, or None): the town's task is made (or,
    for a request routed to it, marked), and when it was the last town searched the request is settled.
    Returns the search's state, or None when it had been recorded already (a job run twice).

    The message row is locked first, so two towns finishing at once settle the request exactly once.
    """
    db.session.execute(select(InboundMessage.id).where(InboundMessage.id == message_pk).with_for_update())
    message = db.session.get(InboundMessage, message_pk)
    lookup = db.session.scalar(select(Lookup).where(Lookup.inbound_id == message_pk, Lookup.town_id == town.id))
    if message is None or lookup is None or lookup.state != PENDING:
        return None
    lookup.state, lookup.checked_at = (FOUND if person_id else ABSENT), utcnow()
    notice = db.session.scalar(select(Notice).where(Notice.inbound_id == message_pk, Notice.scope == town.code))
    if notice is not None:
        notice.located, notice.person_id = lookup.state, person_id
    elif person_id is not None:
        task = _task(message, town, lookup.personal, unseal(town.code, lookup.personal), located=FOUND)
        task.person_id = person_id
        db.session.add(task)
    db.session.flush()
    if not db.session.scalar(select(func.count()).select_from(Lookup)
                             .where(Lookup.inbound_id == message_pk, Lookup.state == PENDING)):
        _settle(message)
    return lookup.state


def _settle(message: InboundMessage) -> None:
    """Every town has been searched: a person found nowhere goes to the county (masked: the county sees
    people only so), and the search rows lose their copies of the person's data."""
    db.session.refresh(message)
    if message.status == LOCATING:
        if not message.notices:
            message.notices.append(_county_task(message))
        message.status = ROUTED
        message.outcome = {**message.outcome, "found_in": [n.scope for n in message.notices if n.town_id]}
    for lookup in message.lookups:
        lookup.personal = None
    db.session.flush()


def _county_task(message: InboundMessage) -> Notice:
    """The county's task for a person no town has: only the masked forms, taken from a town's copy."""
    sealed = next(lookup for lookup in message.lookups if lookup.personal is not None)
    personal = unseal(sealed.town.code, sealed.personal)
    return _task(message, None, None, personal, located=ABSENT)
