"""Responsibility agreements (责任书) between the town and a village committee or an agency.

An agreement holds items, each with points (weight) and a target. A veto item (一票否决) is only ever
about services, oversight (两非 cases) or data quality (false reports) — tenants.governance.rules —
and nothing about numbers of births is accepted. At the year's end every item is scored (0 to its
points); the total is computed and a broken veto item makes the outcome "vetoed".

The signed paper is scanned and kept in the town's own storage; uploads and downloads are audited.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import undefer

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from renkou.types import utcnow
from tenants.governance import rules
from tenants.governance.models import Agreement, AgreementItem
from tenants.governance.services.common import Ratio, apply_changes, today
from tenants.network.models import Village

RECORD_TYPE = "agreement"
HEADER_FIELDS = ("year", "village_id", "agency_name", "signed_on")
ITEM_FIELDS = ("description", "weight", "target", "veto", "veto_kind")


@dataclasses.dataclass
class AgreementFilter:
    year: int | None = None
    village_id: int | None = None
    signed: bool | None = None


def agreements_statement(filters: AgreementFilter) -> Select:
    """Agreements of a year (or all), villages first by code, then agencies by name."""
    statement = (select(Agreement).outerjoin(Agreement.village)
                 .order_by(Agreement.year.desc(), Agreement.village_id.is_(None), Village.code,
                           Agreement.agency_name, Agreement.id))
    if filters.year:
        statement = statement.where(Agreement.year == filters.year)
    if filters.village_id:
        statement = statement.where(Agreement.village_id == filters.village_id)
    if filters.signed is not None:
        statement = statement.where(Agreement.signed_on.is_not(None) if filters.signed else
                                    Agreement.signed_on.is_(None))
    return statement


def list_agreements(filters: AgreementFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of agreements (see agreements_statement)."""
    return paginate(db.session, agreements_statement(filters), page, per_page)


def find_agreement(year: int, village_id: int | None = None, agency_name: str | None = None) -> Agreement | None:
    """The agreement of ``year`` with the village, or with the agency of that name (one a year each)."""
    party = Agreement.village_id == village_id if village_id else Agreement.agency_name == (agency_name or "").strip()
    return db.session.scalar(select(Agreement).where(Agreement.year == year, party).order_by(Agreement.id).limit(1))


def agreement_years() -> list[int]:
    """The years agreements exist for, and this year, newest first (the year picker)."""
    years = set(db.session.scalars(select(Agreement.year).distinct()))
    years.add(today().year)
    return sorted(years, reverse=True)


def get_agreement(agreement_id: int) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFoundError(str(_l("No such agreement.")))
    return agreement


def create_agreement(data: dict) -> Agreement:
    """A new agreement with its items (``data["items"]``: description, weight, target, veto, veto_kind)."""
    values = _party({field: data.get(field) for field in HEADER_FIELDS})
    _check_header(values, existing=None)
    items = _checked_items(data.get("items") or [])
    agreement = Agreement(**values, party_kind="village" if values["village_id"] else "agency")
    agreement.items = [AgreementItem(position=number, **item) for number, item in enumerate(items, start=1)]
    db.session.add(agreement)
    db.session.flush()
    audit.record("agreement.create", record_type=RECORD_TYPE, record_id=agreement.id,
                 detail={"fields": sorted(k for k, v in values.items() if v not in (None, "")), "items": len(items)})
    return agreement


def update_agreement(agreement: Agreement, changes: dict) -> Agreement:
    """Change the header; ``changes["items"]``, when given and different, replaces every item (which is
    refused once the agreement has been evaluated: the scores belong to the items)."""
    merged = {field: getattr(agreement, field) for field in HEADER_FIELDS}
    if changes.get("village_id"):
        merged["agency_name"] = None
    if changes.get("agency_name"):
        merged["village_id"] = None
    merged.update({k: v for k, v in changes.items() if k in HEADER_FIELDS})
    values = _party(merged)
    _check_header(values, existing=agreement)
    changed = apply_changes(agreement, values, HEADER_FIELDS)
    agreement.party_kind = "village" if agreement.village_id else "agency"
    if "items" in changes:
        items = _checked_items(changes["items"] or [])
        if items != [{field: getattr(item, field) for field in ITEM_FIELDS} for item in agreement.items]:
            if agreement.evaluated:
                raise ConflictError.on("items", str(_l("The agreement has been evaluated: its items can no longer "
                                                       "be changed.")))
            agreement.items = [AgreementItem(position=number, **item) for number, item in enumerate(items, start=1)]
            changed.append("items")
    db.session.flush()
    if "village_id" in changed:
        db.session.expire(agreement, ["village"])
    audit.record("agreement.update", record_type=RECORD_TYPE, record_id=agreement.id, detail={"fields": changed})
    return agreement


def delete_agreement(agreement: Agreement) -> None:
    """Remove an agreement entered by mistake, with its items and scan."""
    audit.record("agreement.delete", record_type=RECORD_TYPE, record_id=agreement.id)
    db.session.delete(agreement)
    db.session.flush()


def _party(values: dict) -> dict:
    values["agency_name"] = (values.get("agency_name") or "").strip() or None
    values["village_id"] = values.get("village_id") or None
    return values


def _check_header(values: dict, existing: Agreement | None) -> None:
    errors: dict[str, list[str]] = {}
    if not values.get("year") or not rules.YEARS[0] <= values["year"] <= rules.YEARS[1]:
        errors["year"] = [str(_l("Must be between {min} and {max}.")).format(min=rules.YEARS[0], max=rules.YEARS[1])]
    if bool(values["village_id"]) == bool(values["agency_name"]):
        errors["village_id"] = [str(rules.PARTY_MESSAGE)]
    elif values["village_id"] and db.session.get(Village, values["village_id"]) is None:
        errors["village_id"] = [str(_l("No such village."))]
    if values.get("signed_on") and values["signed_on"] > today():
        errors["signed_on"] = [str(_l("The signing date is in the future."))]
    if errors:
        raise ServiceError(errors)
    same = select(Agreement.id).where(Agreement.year == values["year"])
    if values["village_id"]:
        same = same.where(Agreement.village_id == values["village_id"])
    else:
        same = same.where(Agreement.agency_name == values["agency_name"])
    if existing is not None:
        same = same.where(Agreement.id != existing.id)
    if db.session.scalar(same) is not None:
        field = "village_id" if values["village_id"] else "agency_name"
        raise ConflictError.on(field, str(_l("There is an agreement of this year with this party already.")))


def _checked_items(items: list[dict]) -> list[dict]:
    """The items as they will be stored; the same rules as the schema (services are called directly too).
    Errors are keyed "items.<index>.<field>"."""
    if not items:
        raise ServiceError.on("items", str(_l("Add at least one item.")))
    errors: dict[str, list[str]] = {}
    checked = []
    for index, item in enumerate(items):
        values = {field: item.get(field) for field in ITEM_FIELDS}
        values["target"] = values["target"] or ""
        values["veto"] = bool(values["veto"])
        values["veto_kind"] = values["veto_kind"] or None
        if not values["description"]:
            errors[f"items.{index}.description"] = [str(_l("This field is required."))]
        weight = values["weight"]
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= rules.MAX_ITEM_WEIGHT:
            errors[f"items.{index}.weight"] = [str(_l("Must be between {min} and {max}.")).format(
                min=0, max=rules.MAX_ITEM_WEIGHT)]
        for field, message in rules.item_problems(values).items():
            errors.setdefault(f"items.{index}.{field}", [str(message)])
        checked.append(values)
    if errors:
        raise ServiceError(errors)
    return checked


# ---------------------------------------------------------------------------------------------------------
# The scan of the signed paper


def scan_limit() -> int:
    return current_app.config["RENKOU_SETTINGS"].scan_max_bytes


def check_scan_size(size: int | None) -> None:
    """Refuse a scan over the configured limit before reading it (the size a request announces)."""
    if size is not None and size > scan_limit():
        raise ServiceError.on("scan", str(_l("The scan is larger than %(limit)s.", limit=size_text(scan_limit()))))


def attach_scan(agreement: Agreement, content: bytes) -> Agreement:
    """Keep ``content`` as the agreement's scan: a PDF, PNG or JPEG by its first bytes (never by a file
    name), at most the configured size. A new scan replaces the old one."""
    if not content:
        raise ServiceError.on("scan", str(_l("The file is empty.")))
    check_scan_size(len(content))
    found = rules.scan_type(content)
    if found is None:
        raise ServiceError.on("scan", str(_l("The scan must be a PDF, PNG or JPEG file.")))
    replaced = agreement.has_scan
    agreement.scan = content
    agreement.scan_content_type = found[0]
    agreement.scan_size = len(content)
    agreement.scan_uploaded_at = utcnow()
    db.session.flush()
    audit.record("agreement.scan_upload", record_type=RECORD_TYPE, record_id=agreement.id,
                 detail={"fields": ["scan"], "content_type": found[0], "size": len(content), "replaced": replaced})
    return agreement


@dataclasses.dataclass(frozen=True)
class Scan:
    content: bytes
    content_type: str
    filename: str


def download_scan(agreement_id: int) -> Scan:
    """The scan's bytes, type and a file name for the download; every download is audited."""
    agreement = db.session.scalar(select(Agreement).where(Agreement.id == agreement_id)
                                  .options(undefer(Agreement.scan)))
    if agreement is None:
        raise NotFoundError(str(_l("No such agreement.")))
    if not agreement.has_scan or agreement.scan is None:
        raise NotFoundError(str(_l("No scan has been uploaded for this agreement.")))
    extension = next(ext for _magic, kind, ext in rules.SCAN_TYPES if kind == agreement.scan_content_type)
    audit.record("agreement.scan_download", record_type=RECORD_TYPE, record_id=agreement.id)
    return Scan(bytes(agreement.scan), agreement.scan_content_type,
                f"agreement-{agreement.year}-{agreement.id}.{extension}")


def size_text(size: int) -> str:
    """10485760 → "10 MB", 1000 → "0.977 KB"."""
    return f"{size / 2**20:.3g} MB" if size >= 2**20 else f"{size / 2**10:.3g} KB"


# ---------------------------------------------------------------------------------------------------------
# The year-end evaluation


def evaluate(agreement: Agreement, evaluator: str, scores: list[dict], evaluated_on: date | None = None,
             note: str | None = None) -> Agreement:
    """Score every item once (``scores``: item_id, score 0..weight in steps of 0.1, veto_triggered for a
    veto item). The total is the sum of the scores; the outcome is "vetoed" when a veto item is broken.
    Evaluating again replaces the earlier evaluation. Errors are keyed "items.<index>.<field>"."""
    if not agreement.signed:
        raise ServiceError.on("_schema", str(_l("Only a signed agreement can be evaluated.")))
    evaluated_on = evaluated_on or today()
    errors: dict[str, list[str]] = {}
    if evaluated_on > today():
        errors["evaluated_on"] = [str(_l("The evaluation date is in the future."))]
    if agreement.signed_on and evaluated_on < agreement.signed_on:
        errors["evaluated_on"] = [str(_l("The evaluation date is before the signing date."))]
    if not (evaluator or "").strip():
        errors["evaluator"] = [str(_l("This field is required."))]
    tenths = _scored(agreement, scores, errors)
    if errors:
        raise ServiceError(errors)
    items = {item.id: item for item in agreement.items}
    for item_id, (value, triggered) in tenths.items():
        items[item_id].score_tenths = value
        items[item_id].veto_triggered = triggered
    agreement.evaluated_on = evaluated_on
    agreement.evaluator = evaluator.strip()
    agreement.evaluation_note = (note or "").strip() or None
    db.session.flush()
    audit.record("agreement.evaluate", record_type=RECORD_TYPE, record_id=agreement.id,
                 detail={"fields": ["evaluated_on", "evaluator", "scores"], "outcome": agreement.outcome})
    return agreement


def _scored(agreement: Agreement, scores: list[dict], errors: dict) -> dict[int, tuple[int, bool]]:
    items = {item.id: item for item in agreement.items}
    result: dict[int, tuple[int, bool]] = {}
    for index, entry in enumerate(scores):
        item = items.get(entry.get("item_id"))
        if item is None:
            errors[f"items.{index}.item_id"] = [str(_l("No such item in this agreement."))]
            continue
        if item.id in result:
            errors[f"items.{index}.item_id"] = [str(_l("This item is scored twice."))]
            continue
        score = entry.get("score")
        value = round(score * 10) if isinstance(score, int | float) and not isinstance(score, bool) else None
        if value is None or abs(score * 10 - value) > 1e-6:
            errors[f"items.{index}.score"] = [str(_l("Give the score in steps of 0.1."))]
        elif not 0 <= value <= item.weight * 10:
            errors[f"items.{index}.score"] = [str(_l("The score must be between 0 and %(weight)s.",
                                                     weight=item.weight))]
        triggered = bool(entry.get("veto_triggered"))
        if triggered and not item.veto:
            errors[f"items.{index}.veto_triggered"] = [str(_l("Only a veto item can be found broken."))]
        result[item.id] = (value or 0, triggered)
    missing = [item for item in agreement.items if item.id not in result]
    if missing and not any(key.endswith(".item_id") for key in errors):
        errors["items"] = [str(_l("Score every item: %(count)s not scored.", count=len(missing)))]
    return result


# ---------------------------------------------------------------------------------------------------------
# The indicator


def agreement_coverage(year: int) -> Ratio:
    """Agreement coverage (责任书签订率, DESIGN.md §7 agreement_coverage) for ``year``.

        numerator   = villages of the town with an agreement of ``year`` that has a signing date
        denominator = villages of the town
        rate        = numerator / denominator × 100 %

    Agreements with agencies do not count: the indicator is about village committees.
    """
    denominator = db.session.scalar(select(func.count(Village.id))) or 0
    numerator = db.session.scalar(
        select(func.count(func.distinct(Agreement.village_id)))
        .where(Agreement.year == year, Agreement.village_id.is_not(None), Agreement.signed_on.is_not(None))) or 0
    return Ratio(numerator, denominator)


def villages_without_agreement(year: int) -> list[Village]:
    """The villages with no signed agreement of ``year`` (what is left to do for the indicator)."""
    signed = (select(Agreement.village_id)
              .where(Agreement.year == year, Agreement.village_id.is_not(None), Agreement.signed_on.is_not(None)))
    return list(db.session.scalars(select(Village).where(Village.id.not_in(signed)).order_by(Village.code)))


def agreement_count_in_village(village_id: int) -> int:
    """How many agreements a village has (the network area asks before it deletes one)."""
    return db.session.scalar(select(func.count(Agreement.id)).where(Agreement.village_id == village_id)) or 0
