"""What the family support area takes in and gives out, for pages and the API alike.

Amounts are yuan with at most two decimals (strings when dumped, "960.00"); ID numbers are dumped masked
(110105********002X) and the applicant's phone masked (*******0000).
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from renkou.schemas import AMOUNT_INVALID, FIELD_MESSAGES, BaseSchema, mask_phone, page_schema, phone, text
from tenants.registry import resident_id as ids
from tenants.support.models import (
    ASSISTANCE_KINDS,
    PAYMENT_METHODS,
    PAYMENT_STATUSES,
    SUBSIDY_STATUSES,
    SUPPORT_KINDS,
)
from tenants.support.services import subsidies
from tenants.support.services.common import yuan
from tenants.support.services.eligibility import DECLARABLE

MAX_AMOUNT = Decimal("99999999.99")
YEARS = validate.Range(2004, 2100, error=_l("Must be between {min} and {max}."))
CANDIDATE_STATES = ("possible", "eligible", "to_declare", "not_eligible", "on_roll", "all")
ROLL_PAYMENT_STATES = ("unpaid", "part_paid", "paid")


def choice(values, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(values, error=_l("Choose one of the listed values.")),
                         error_messages=FIELD_MESSAGES, **kwargs)


def year_field(**kwargs) -> fields.Integer:
    return fields.Integer(validate=YEARS, error_messages=FIELD_MESSAGES, **kwargs)


def date_field(**kwargs) -> fields.Date:
    return fields.Date(error_messages={**FIELD_MESSAGES, "invalid": _l("Write the date as 2020-01-31.")}, **kwargs)


class StoredDate(fields.Date):
    """A date, dumped as it is stored in a JSON column (already an ISO string) or from a date."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


def _two_decimals(value: Decimal) -> None:
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(str(_l("Give the amount in yuan with at most two decimals (fen).")))


def amount_field(**kwargs) -> fields.Decimal:
    """An amount in yuan: more than zero, at most two decimals; dumped as a string ("960.00")."""
    return fields.Decimal(places=None, as_string=True,
                          error_messages={**FIELD_MESSAGES, "invalid": AMOUNT_INVALID, "special": AMOUNT_INVALID},
                          validate=[validate.Range(min=Decimal("0.01"), max=MAX_AMOUNT,
                                                   error=_l("Must be between {min} and {max}.")), _two_decimals],
                          **kwargs)


def fen_as_yuan(attribute: str) -> fields.Function:
    return fields.Function(lambda record: str(yuan(getattr(record, attribute))), dump_only=True)


def masked_id(path: str) -> fields.Function:
    """The resident ID of the person at ``path`` ("person", "child"), masked."""
    return fields.Function(lambda record: ids.mask(getattr(record, path).resident_id) or None, dump_only=True)


def village_of(path: str) -> fields.Function:
    def name(record):
        someone = getattr(record, path)
        return someone.household.village.name if someone.household else None

    return fields.Function(name, dump_only=True)


# ---------------------------------------------------------------------------------------------------------
# Eligibility and candidates


class SupportReasonSchema(BaseSchema):
    """One condition of a scheme: ``status`` met, unmet, to_declare (the register cannot show it; staff
    check and declare it) or declared; ``code`` names the outcome; ``text`` is the reason in Chinese."""

    condition = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    code = fields.String(dump_only=True)
    text = fields.String(dump_only=True)


class SupportEligibilitySchema(BaseSchema):
    """A person's eligibility for a kind of support in a year, with a reason per condition."""

    person_id = fields.Integer(dump_only=True, attribute="person.id")
    person_name = fields.String(dump_only=True, attribute="person.name")
    kind = fields.String(dump_only=True)
    year = fields.Integer(dump_only=True)
    eligible = fields.Boolean(dump_only=True)
    state = fields.String(dump_only=True)
    amount = fen_as_yuan("amount_fen")
    reasons = fields.List(fields.Nested(SupportReasonSchema), dump_only=True)


class SupportCandidateSchema(BaseSchema):
    """A candidate for a year's roll: ``state`` eligible, to_declare, not_eligible or on_roll."""

    person_id = fields.Integer(dump_only=True, attribute="person.id")
    name = fields.String(dump_only=True, attribute="person.name")
    resident_id = masked_id("person")
    sex = fields.String(dump_only=True, attribute="person.sex")
    birth_date = fields.Date(dump_only=True, attribute="person.birth_date")
    village_name = village_of("person")
    state = fields.String(dump_only=True)
    eligible = fields.Boolean(dump_only=True, attribute="eligibility.eligible")
    amount = fields.Function(lambda c: str(c.eligibility.amount), dump_only=True)
    reasons = fields.List(fields.Nested(SupportReasonSchema), dump_only=True, attribute="eligibility.reasons")
    roll_entry_id = fields.Function(lambda c: c.entry.id if c.entry is not None else None, dump_only=True)


SupportCandidatePageSchema = page_schema(SupportCandidateSchema)


class SupportCandidateListArgs(BaseSchema):
    kind = choice(SUPPORT_KINDS, load_default="reward")
    year = year_field(load_default=None)
    q = text(max_length=64, load_default="")
    village_id = fields.Integer(load_default=None)
    state = choice(CANDIDATE_STATES, load_default=None)
    sort = fields.String(load_default="name")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


# ---------------------------------------------------------------------------------------------------------
# The roll


class SupportDeclarationSchema(BaseSchema):
    """A condition the register cannot show, declared by the staff member who checked it: rural_hukou,
    child_disability, woman_age or children."""

    code = choice(DECLARABLE, required=True)
    checked_by = text(required=True, max_length=64)
    checked_on = StoredDate(load_default=None, error_messages={**FIELD_MESSAGES,
                                                               "invalid": _l("Write the date as 2020-01-31.")})
    note = text(max_length=200, load_default="")


class SupportRollEntrySchema(BaseSchema):
    """A person on a year's roll of a kind of support. Confirming takes ``person_id``, ``kind``, ``year``
    and the ``declarations`` the register cannot show; the amount is the scheme's for the year."""

    id = fields.Integer(dump_only=True)
    person_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    person_name = fields.String(dump_only=True, attribute="person.name")
    resident_id = masked_id("person")
    village_name = village_of("person")
    kind = choice(SUPPORT_KINDS, required=True)
    year = year_field(required=True)
    amount = fen_as_yuan("amount_fen")
    paid = fen_as_yuan("paid_fen")
    outstanding = fen_as_yuan("outstanding_fen")
    reasons = fields.List(fields.Nested(SupportReasonSchema), dump_only=True)
    declarations = fields.List(fields.Nested(SupportDeclarationSchema), load_default=list)
    note = text(max_length=500, load_default="")
    confirmed_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


SupportRollEntryPageSchema = page_schema(SupportRollEntrySchema)


class SupportRollConfirmFormSchema(BaseSchema):
    """The roll page's confirm form: the ticked declarations come as ``declared`` (one value each)."""

    person_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    kind = choice(SUPPORT_KINDS, required=True)
    year = year_field(required=True)
    checked_by = text(max_length=64, load_default="")
    checked_on = date_field(load_default=None)
    note = text(max_length=500, load_default="")


class SupportRollListArgs(BaseSchema):
    year = year_field(load_default=None)
    kind = choice(SUPPORT_KINDS, load_default=None)
    q = text(max_length=64, load_default="")
    village_id = fields.Integer(load_default=None)
    payment = choice(ROLL_PAYMENT_STATES, load_default=None)
    sort = fields.String(load_default="name")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


# ---------------------------------------------------------------------------------------------------------
# Payments


class SupportPaymentSchema(BaseSchema):
    """A payment against a roll entry; payments not returned add up to at most the entry's amount."""

    id = fields.Integer(dump_only=True)
    roll_entry_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    person_name = fields.String(dump_only=True, attribute="roll_entry.person.name")
    kind = fields.String(dump_only=True, attribute="roll_entry.kind")
    year = fields.Integer(dump_only=True, attribute="roll_entry.year")
    paid_on = date_field(required=True)
    amount = amount_field(required=True)
    method = choice(PAYMENT_METHODS, required=True)
    reference = text(required=True, max_length=64)
    note = text(max_length=500, load_default="")
    status = fields.String(dump_only=True)
    returned_on = fields.Date(dump_only=True)
    return_reason = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)

    def get_attribute(self, obj, attr, default):
        if attr == "amount":
            return yuan(obj.amount_fen)
        return super().get_attribute(obj, attr, default)


class SupportPaymentUpdateSchema(SupportPaymentSchema):
    """PATCH: every field optional; the entry a payment pays never changes."""

    roll_entry_id = fields.Integer(dump_only=True)
    paid_on = date_field()
    amount = amount_field()
    method = choice(PAYMENT_METHODS)
    reference = text(max_length=64)
    note = text(max_length=500)


SupportPaymentPageSchema = page_schema(SupportPaymentSchema)


class SupportPaymentReturnSchema(BaseSchema):
    """The bank sent a payment back: when (default today) and why."""

    returned_on = date_field(load_default=None)
    return_reason = text(required=True, max_length=500)


class SupportPaymentListArgs(BaseSchema):
    year = year_field(load_default=None)
    kind = choice(SUPPORT_KINDS, load_default=None)
    status = choice(PAYMENT_STATUSES, load_default=None)
    q = text(max_length=64, load_default="")
    village_id = fields.Integer(load_default=None)
    roll_entry_id = fields.Integer(load_default=None)
    sort = fields.String(load_default="-paid_on")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class SupportYearArgs(BaseSchema):
    year = year_field(load_default=None)


class SupportKindTotalSchema(BaseSchema):
    kind = fields.String(dump_only=True)
    entries = fields.Integer(dump_only=True)
    due = fields.Decimal(as_string=True, dump_only=True)
    paid = fields.Decimal(as_string=True, dump_only=True)
    returned = fields.Decimal(as_string=True, dump_only=True)
    outstanding = fields.Decimal(as_string=True, dump_only=True)


class SupportLedgerSummarySchema(BaseSchema):
    """A year's roll by kind (every kind listed): entries, amount due, paid, returned and still to pay."""

    year = fields.Integer(dump_only=True)
    kinds = fields.List(fields.Nested(SupportKindTotalSchema), dump_only=True)
    total = fields.Nested(SupportKindTotalSchema, dump_only=True)


# ---------------------------------------------------------------------------------------------------------
# Childcare subsidy


class ChildcareSubsidySchema(BaseSchema):
    """A childcare-subsidy application for a child on the register, under three on the day it is received.
    ``subsidy_year`` defaults to the year of receipt; ``months`` and ``amount`` follow from the child's
    birth date. The applicant is on the register (``applicant_id``) or named (``applicant_name``)."""

    id = fields.Integer(dump_only=True)
    child_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    child_name = fields.String(dump_only=True, attribute="child.name")
    child_resident_id = masked_id("child")
    child_birth_date = fields.Date(dump_only=True, attribute="child.birth_date")
    village_name = village_of("child")
    applicant_id = fields.Integer(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES)
    applicant_name = text(max_length=64, allow_none=True, load_default=None)
    applicant_display = fields.String(dump_only=True)
    applicant_phone = phone()
    subsidy_year = year_field(allow_none=True, load_default=None)
    months = fields.Integer(dump_only=True)
    amount = fen_as_yuan("amount_fen")
    received_on = date_field(allow_none=True, load_default=None)
    due_on = fields.Date(dump_only=True)
    status = fields.String(dump_only=True)
    overdue = fields.Boolean(dump_only=True)
    return_reason = fields.String(dump_only=True)
    paid_on = fields.Date(dump_only=True)
    payment_reference = fields.String(dump_only=True)
    note = text(max_length=500, load_default="")
    created_at = fields.DateTime(dump_only=True)

    def __init__(self, *args, full_phone: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.full_phone = full_phone

    def get_attribute(self, obj, attr, default):
        value = super().get_attribute(obj, attr, default)
        if attr == "applicant_phone" and not self.full_phone:
            return mask_phone(value) or None
        return value


class ChildcareSubsidyUpdateSchema(ChildcareSubsidySchema):
    """PATCH: every field optional (an application that is received or under review)."""

    child_id = fields.Integer(error_messages=FIELD_MESSAGES)
    note = text(max_length=500)


ChildcareSubsidyPageSchema = page_schema(ChildcareSubsidySchema)


class ChildcareSubsidyTransitionSchema(BaseSchema):
    """review, approve, return (with a ``reason``), pay (``paid_on``, ``payment_reference``) or refile."""

    action = choice(tuple(subsidies.TRANSITIONS), required=True)
    reason = text(max_length=500, allow_none=True, load_default=None)
    paid_on = date_field(allow_none=True, load_default=None)
    payment_reference = text(max_length=64, allow_none=True, load_default=None)


class ChildcareSubsidyListArgs(BaseSchema):
    status = choice(SUBSIDY_STATUSES, load_default=None)
    overdue = fields.Boolean(load_default=False)
    year = year_field(load_default=None)
    q = text(max_length=64, load_default="")
    village_id = fields.Integer(load_default=None)
    sort = fields.String(load_default="due_on")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


# ---------------------------------------------------------------------------------------------------------
# 三结合 assistance


class SupportAssistanceSchema(BaseSchema):
    """Help given to a household under 三结合. The household is ``household_id`` or its
    ``household_number``; kinds: training (技术培训), microcredit (小额贷款帮扶), project (项目扶持), goods
    (物资), other."""

    id = fields.Integer(dump_only=True)
    household_id = fields.Integer(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES)
    household_number = fields.String(attribute="household.number", error_messages=FIELD_MESSAGES)
    village_name = fields.String(dump_only=True, attribute="household.village.name")
    kind = choice(ASSISTANCE_KINDS, required=True)
    given_on = date_field(required=True)
    value = amount_field(required=True)
    provider = text(max_length=100, load_default="")
    description = text(max_length=500, load_default="")
    created_at = fields.DateTime(dump_only=True)

    def get_attribute(self, obj, attr, default):
        if attr == "value":
            return yuan(obj.value_fen)
        return super().get_attribute(obj, attr, default)

    def load(self, data, *args, **kwargs):
        loaded = super().load(data, *args, **kwargs)
        # attribute="household.number" nests what was loaded; the service takes it flat.
        household = loaded.pop("household", None)
        if household and household.get("number"):
            loaded["household_number"] = household["number"].strip()
        return loaded


class SupportAssistanceUpdateSchema(SupportAssistanceSchema):
    """PATCH: every field optional."""

    kind = choice(ASSISTANCE_KINDS)
    given_on = date_field()
    value = amount_field()
    provider = text(max_length=100)
    description = text(max_length=500)


SupportAssistancePageSchema = page_schema(SupportAssistanceSchema)


class SupportAssistanceListArgs(BaseSchema):
    year = year_field(load_default=None)
    kind = choice(ASSISTANCE_KINDS, load_default=None)
    village_id = fields.Integer(load_default=None)
    q = text(max_length=64, load_default="")
    sort = fields.String(load_default="-given_on")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class SupportAssistanceKindTotalSchema(BaseSchema):
    kind = fields.String(dump_only=True)
    records = fields.Integer(dump_only=True)
    value = fields.Decimal(as_string=True, dump_only=True)


class SupportAssistanceYearSchema(BaseSchema):
    year = fields.Integer(dump_only=True)
    records = fields.Integer(dump_only=True)
    value = fields.Decimal(as_string=True, dump_only=True)
    kinds = fields.List(fields.Nested(SupportAssistanceKindTotalSchema), dump_only=True)


class SupportAssistanceSummarySchema(BaseSchema):
    """Assistance by year (latest first) and kind (every kind listed): records and value in yuan."""

    years = fields.List(fields.Nested(SupportAssistanceYearSchema), dump_only=True)
