"""The payment ledger of the roll: payments against roll entries, returns, and the yearly totals.

A roll entry is never paid more than its yearly amount: payments that are not returned add up to at most
the entry's amount, checked with the entry's row locked so two payments entered at once cannot both slip
through (PostgreSQL; SQLite lets one writer in at a time). A returned payment (the bank sent it back) no
longer counts, and the family can be paid again.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select

from renkou.audit import services as audit
from renkou.errors import ConflictError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from tenants.registry import resident_id as ids
from tenants.registry.models import Person
from tenants.support import labels, rules
from tenants.support.models import PAYMENT_METHODS, SUPPORT_KINDS, RollEntry, SupportPayment
from tenants.support.services.common import (
    apply_changes,
    filter_detail,
    in_village,
    matching_person,
    not_found,
    to_fen,
    village_name,
    yuan,
)

PAYMENT_FIELDS = ("paid_on", "amount_fen", "method", "reference", "note")


@dataclasses.dataclass
class PaymentFilter:
    year: int | None = None  # the roll's year
    kind: str | None = None
    status: str | None = None
    q: str = ""
    village_id: int | None = None
    roll_entry_id: int | None = None


PAYMENT_SORTS = {"paid_on": (SupportPayment.paid_on.asc(),), "-paid_on": (SupportPayment.paid_on.desc(),),
                 "amount": (SupportPayment.amount_fen.asc(),), "-amount": (SupportPayment.amount_fen.desc(),),
                 "name": (Person.name.asc(),), "-name": (Person.name.desc(),)}


def payments_statement(filters: PaymentFilter, sort: str = "-paid_on") -> Select:
    statement = (select(SupportPayment).join(RollEntry, SupportPayment.roll_entry_id == RollEntry.id)
                 .join(Person, RollEntry.person_id == Person.id)
                 .order_by(*PAYMENT_SORTS.get(sort, PAYMENT_SORTS["-paid_on"]), SupportPayment.id.desc()))
    for column, value in ((RollEntry.year, filters.year), (RollEntry.kind, filters.kind),
                          (SupportPayment.status, filters.status), (RollEntry.id, filters.roll_entry_id)):
        if value:
            statement = statement.where(column == value)
    return in_village(matching_person(statement, filters.q), filters.village_id)


def list_payments(filters: PaymentFilter, sort: str = "-paid_on", page: int = 1, per_page: int = 50) -> Page:
    """One page of the ledger."""
    return paginate(db.session, payments_statement(filters, sort), page, per_page)


def export_payments(filters: PaymentFilter, sort: str = "-paid_on") -> Sheet:
    """The payments the filters keep, for a spreadsheet: ID numbers masked, the export audited."""
    audit.record("support_payment.export", record_type="support_payment", detail={"filters": filter_detail(filters)})
    payments = db.session.scalars(payments_statement(filters, sort).limit(EXPORT_LIMIT))
    rows = ([p.roll_entry.year, rules.KINDS[p.roll_entry.kind], p.roll_entry.person.name,
             ids.mask(p.roll_entry.person.resident_id), village_name(p.roll_entry.person), p.paid_on,
             yuan(p.amount_fen), str(labels.PAYMENT_METHOD[p.method]), p.reference,
             str(labels.PAYMENT_STATUS[p.status]), p.returned_on, p.return_reason or "", p.note] for p in payments)
    headers = ["年度", "扶助类别", "姓名", "身份证号码", "村/社区", "发放日期", "金额（元）", "发放方式", "凭证号",
               "状态", "退回日期", "退回原因", "备注"]
    return Sheet(headers, rows, "发放台账")


def get_payment(payment_id: int) -> SupportPayment:
    payment = db.session.get(SupportPayment, payment_id)
    if payment is None:
        raise not_found(_l("No such payment."))
    return payment


def read_payment(payment_id: int) -> SupportPayment:
    payment = get_payment(payment_id)
    audit.record("support_payment.read", record_type="support_payment", record_id=payment.id)
    return payment


def find_by_reference(reference: str) -> SupportPayment | None:
    return db.session.scalar(select(SupportPayment).where(SupportPayment.reference == reference))


def record_payment(data: dict) -> SupportPayment:
    """Record a payment: ``roll_entry_id``, ``paid_on``, ``amount`` (yuan), ``method``, ``reference``,
    ``note``; ``status`` "returned" with ``returned_on`` and ``return_reason`` records one the bank sent
    back (an imported ledger has both kinds)."""
    values = _values(data)
    errors = {field: [str(_l("This field is required."))] for field in ("roll_entry_id", "paid_on", "amount_fen",
                                                                         "method", "reference")
              if values.get(field) in (None, "")}
    if errors:
        raise ServiceError({("amount" if k == "amount_fen" else k): v for k, v in errors.items()})
    entry = _locked_entry(values["roll_entry_id"])
    status = data.get("status") or "paid"
    _check(values, entry, None, status)
    payment = SupportPayment(**values, status=status)
    if status == "returned":
        _fill_return(payment, data.get("returned_on"), data.get("return_reason"))
    db.session.add(payment)
    db.session.flush()
    audit.record("support_payment.create", record_type="support_payment", record_id=payment.id,
                 detail={"fields": sorted(_public(k) for k, v in values.items() if v not in (None, "")),
                         "roll_entry_id": entry.id})
    return payment


def update_payment(payment: SupportPayment, changes: dict) -> SupportPayment:
    """Change a payment's date, amount, method, reference or note (never which entry it pays)."""
    values = _values(changes)
    values.pop("roll_entry_id", None)
    entry = _locked_entry(payment.roll_entry_id)
    merged = {field: values.get(field, getattr(payment, field)) for field in PAYMENT_FIELDS}
    _check(merged, entry, payment, payment.status)
    changed = apply_changes(payment, values, PAYMENT_FIELDS)
    if changed:
        db.session.flush()
        audit.record("support_payment.update", record_type="support_payment", record_id=payment.id,
                     detail={"fields": sorted(_public(field) for field in changed)})
    return payment


def return_payment(payment: SupportPayment, returned_on: date | None, reason: str | None) -> SupportPayment:
    """The bank sent the money back: the payment no longer counts towards the entry."""
    if payment.status != "paid":
        raise ServiceError.on("action", str(_l("Only a paid payment can be marked returned.")))
    _fill_return(payment, returned_on, reason)
    if payment.returned_on < payment.paid_on:
        raise ServiceError.on("returned_on", str(_l("The money came back before it was paid.")))
    payment.status = "returned"
    db.session.flush()
    audit.record("support_payment.return", record_type="support_payment", record_id=payment.id,
                 detail={"fields": ["status", "returned_on", "return_reason"]})
    return payment


def _fill_return(payment: SupportPayment, returned_on: date | None, reason: str | None) -> None:
    if not (reason or "").strip():
        raise ServiceError.on("return_reason", str(_l("Say why the money came back.")))
    returned_on = returned_on or rules.today()
    if returned_on > rules.today():
        raise ServiceError.on("returned_on", str(_l("The date is in the future.")))
    payment.returned_on, payment.return_reason = returned_on, reason.strip()


def _values(data: dict) -> dict:
    values = {field: data[field] for field in ("roll_entry_id", *PAYMENT_FIELDS)
              if field in data and field != "amount_fen"}
    if data.get("amount") is not None:
        values["amount_fen"] = to_fen(data["amount"])
    if "note" in values and values["note"] is None:
        values["note"] = ""
    return values


def _public(field: str) -> str:
    return "amount" if field == "amount_fen" else field


def _locked_entry(entry_id: int) -> RollEntry:
    """The roll entry, its row held until the transaction ends, its payments read afresh."""
    # Lock the entry's row alone (the person is joined on load, and an outer join cannot be locked).
    locked = db.session.scalar(select(RollEntry.id).where(RollEntry.id == entry_id).with_for_update())
    if locked is None:
        raise ServiceError.on("roll_entry_id", str(_l("No such roll entry.")))
    entry = db.session.get(RollEntry, locked, populate_existing=True)
    db.session.refresh(entry, ["payments"])
    return entry


def _check(values: dict, entry: RollEntry, existing: SupportPayment | None, status: str) -> None:
    errors: dict[str, list[str]] = {}
    if values.get("method") not in PAYMENT_METHODS:
        errors["method"] = [str(_l("Choose one of the listed values."))]
    if values["amount_fen"] <= 0:
        errors["amount"] = [str(_l("The amount must be more than zero."))]
    if values["paid_on"] > rules.today():
        errors["paid_on"] = [str(_l("The date is in the future."))]
    if errors:
        raise ServiceError(errors)
    if status == "paid":
        paid = sum(p.amount_fen for p in entry.payments if p.status == "paid" and p is not existing)
        left = entry.amount_fen - paid
        if values["amount_fen"] > left:
            raise ServiceError.on("amount", str(_l(
                "This payment would pay more than the yearly amount: ¥%(due)s a year, ¥%(paid)s already paid, "
                "at most ¥%(left)s more.", due=yuan(entry.amount_fen), paid=yuan(paid), left=yuan(max(left, 0)))))
    holder = find_by_reference(values["reference"])
    if holder is not None and holder is not existing:
        raise ConflictError.on("reference", str(_l("A payment with this reference is already recorded.")))


# ---------------------------------------------------------------------------------------------------------
# Yearly totals


@dataclasses.dataclass
class KindTotal:
    kind: str
    entries: int
    due_fen: int
    paid_fen: int
    returned_fen: int

    @property
    def outstanding_fen(self) -> int:
        return self.due_fen - self.paid_fen

    def as_dict(self) -> dict:
        return {"kind": self.kind, "entries": self.entries, "due": yuan(self.due_fen), "paid": yuan(self.paid_fen),
                "returned": yuan(self.returned_fen), "outstanding": yuan(self.outstanding_fen)}


@dataclasses.dataclass
class YearTotals:
    year: int
    kinds: list[KindTotal]

    @property
    def total(self) -> KindTotal:
        return KindTotal("all", sum(k.entries for k in self.kinds), sum(k.due_fen for k in self.kinds),
                         sum(k.paid_fen for k in self.kinds), sum(k.returned_fen for k in self.kinds))


def year_totals(year: int) -> YearTotals:
    """Every kind's roll of ``year``: entries, amount due, paid, returned and still to pay (fen)."""
    due = dict(db.session.execute(select(RollEntry.kind, func.count(RollEntry.id)).where(RollEntry.year == year)
                                  .group_by(RollEntry.kind)).all())
    amounts = dict(db.session.execute(select(RollEntry.kind, func.sum(RollEntry.amount_fen))
                                      .where(RollEntry.year == year).group_by(RollEntry.kind)).all())
    paid = {kind: (int(paid or 0), int(returned or 0)) for kind, paid, returned in db.session.execute(
        select(RollEntry.kind,
               func.sum(case((SupportPayment.status == "paid", SupportPayment.amount_fen), else_=0)),
               func.sum(case((SupportPayment.status == "returned", SupportPayment.amount_fen), else_=0)))
        .join(RollEntry, SupportPayment.roll_entry_id == RollEntry.id)
        .where(RollEntry.year == year).group_by(RollEntry.kind))}
    return YearTotals(year, [KindTotal(kind, int(due.get(kind, 0)), int(amounts.get(kind) or 0),
                                       *paid.get(kind, (0, 0))) for kind in SUPPORT_KINDS])
