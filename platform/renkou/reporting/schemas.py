"""What the reports API and forms take in and give out. Decimals travel as strings ("150.00")."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from renkou.reporting.models import STATUSES
from renkou.schemas import FIELD_MESSAGES, BaseSchema, page_schema, text

MONTH_ID = validate.Regexp(r"^\d{4}(0[1-9]|1[0-2])$", error=_l("Not a month id such as 202610."))


def decimal(**kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, places=None, dump_only=True, **kwargs)


class ReportTownSchema(BaseSchema):
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    slug = fields.String(dump_only=True)


def _of_report(name: str) -> fields.Function:
    return fields.Function(lambda row: getattr(row.report, name) if row.report is not None else None,
                           dump_only=True)


class TownReportSchema(BaseSchema):
    """A town's report of one month. ``status`` is "draft" until the town first submits it; ``on_time`` is
    whether the first submission came by the due day (null before any); an approved month is ``locked``."""

    period = fields.String(dump_only=True, metadata={"description": "the month, e.g. 202610"})
    town = fields.Nested(ReportTownSchema, dump_only=True, allow_none=True)
    due_on = fields.Date(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": list(STATUSES)})
    first_submitted_at = fields.DateTime(dump_only=True, allow_none=True)
    on_time = fields.Boolean(dump_only=True, allow_none=True)
    overdue = fields.Boolean(dump_only=True)
    locked = fields.Boolean(dump_only=True)
    submitted_at = fields.Function(lambda row: _iso(row.report.submitted_at) if row.report else None,
                                   dump_only=True)
    decided_at = fields.Function(lambda row: _iso(row.report.decided_at) if row.report else None, dump_only=True)
    return_reason = _of_report("return_reason")
    note = _of_report("note")
    unlocked_at = fields.Function(lambda row: _iso(row.report.unlocked_at) if row.report else None, dump_only=True)
    unlock_reason = _of_report("unlock_reason")


def _iso(value):
    return value.isoformat() if value is not None else None


TownReportPageSchema = page_schema(TownReportSchema)


class FigureSchema(BaseSchema):
    """One indicator of the month: value = numerator / denominator × the indicator's scale."""

    indicator = fields.Function(lambda row: row.indicator.code, dump_only=True)
    name = fields.Function(lambda row: row.indicator.name(str(get_locale() or "zh")), dump_only=True)
    unit = fields.Function(lambda row: row.indicator.unit, dump_only=True)
    numerator = decimal()
    denominator = decimal()
    value = decimal(allow_none=True, metadata={"description": "null: nothing to measure (a zero denominator)"})


class ReportEventSchema(BaseSchema):
    action = fields.String(dump_only=True, metadata={"enum": ["submitted", "approved", "returned", "unlocked"]})
    occurred_at = fields.DateTime(dump_only=True)
    by = fields.String(dump_only=True)
    reason = fields.String(dump_only=True, allow_none=True)


class TownReportDetailSchema(TownReportSchema):
    """One report with the month's figures: the approved ones while it is approved, else the stored ones
    (``figures_state``: current, recomputing or not_computed)."""

    figures = fields.List(fields.Nested(FigureSchema), dump_only=True)
    figures_state = fields.String(dump_only=True, metadata={"enum": ["current", "recomputing", "not_computed"]})
    events = fields.List(fields.Nested(ReportEventSchema), dump_only=True)


class ReportListArgs(BaseSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES, error=_l("Choose one of the "
                                                                                         "listed values.")))
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=24)


class CountyReportListArgs(BaseSchema):
    period = fields.String(load_default=None, validate=MONTH_ID,
                           metadata={"description": "the month (default: last month)"})
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class ReasonSchema(BaseSchema):
    """Why the county returns or unlocks a report (shown to the town)."""

    reason = text(required=True, max_length=500)


class YearArgs(BaseSchema):
    year = fields.Integer(load_default=None, validate=validate.Range(2000, 2100, error=_l(
        "Must be between {min} and {max}.")), error_messages=FIELD_MESSAGES)
