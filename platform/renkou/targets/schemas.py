"""What the targets, indicators, indicator values and comparisons API takes in and gives out.

Decimals travel as strings ("95.50") so no float rounding creeps in.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from renkou.schemas import FIELD_MESSAGES, BaseSchema, TrimmedString, page_schema, text

MAX_BATCH = 2000


def decimal(**kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, places=None, **kwargs)


class IndicatorTownSchema(BaseSchema):
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    slug = fields.String(dump_only=True)


class TargetSchema(BaseSchema):
    """A target: for the county (``scope`` "county", ``town`` null) or one town (``scope`` its code)."""

    id = fields.Integer(dump_only=True)
    indicator = fields.String(dump_only=True)
    period = fields.String(dump_only=True, metadata={"description": "DHIS2 period id: 2026, 2026S2, 2026Q4, "
                                                                      "202611, 2025Oct"})
    period_kind = fields.String(dump_only=True)
    scope = fields.String(dump_only=True)
    town = fields.Nested(IndicatorTownSchema, dump_only=True, allow_none=True)
    value = decimal(dump_only=True)
    source = fields.String(dump_only=True, metadata={"enum": ["county", "bureau"]})
    note = fields.String(dump_only=True)
    set_by = fields.Function(lambda target: target.set_by.username if target.set_by else None, dump_only=True)
    set_at = fields.DateTime(dump_only=True)


TargetPageSchema = page_schema(TargetSchema)


class TargetInputSchema(BaseSchema):
    """One target to set. ``town`` is the town's 9-digit code, or null for the county's target; ``value``
    null removes the target."""

    indicator = TrimmedString(required=True, error_messages=FIELD_MESSAGES)
    period = TrimmedString(required=True, error_messages=FIELD_MESSAGES)
    town = TrimmedString(load_default=None, allow_none=True, error_messages=FIELD_MESSAGES,
                         validate=validate.Regexp(r"^\d{9}$", error=_l("Must be exactly %(count)s digits.",
                                                                        count=9)))
    value = fields.Decimal(required=True, allow_none=True, places=None, allow_nan=False,
                           error_messages={**FIELD_MESSAGES, "special": _l("Not a valid value.")})
    note = text(max_length=500, load_default=None, allow_none=True,
                metadata={"description": "left out: the note there is stays"})


class TargetBatchSchema(BaseSchema):
    """Targets to set together: all of them, or none when any is wrong."""

    targets = fields.List(fields.Nested(TargetInputSchema), required=True, error_messages=FIELD_MESSAGES,
                          validate=validate.Length(min=1, max=MAX_BATCH,
                                                   error=_l("Give between {min} and {max} targets.")))


class TargetBatchResultSchema(BaseSchema):
    created = fields.Integer(dump_only=True)
    updated = fields.Integer(dump_only=True)
    removed = fields.Integer(dump_only=True)
    unchanged = fields.Integer(dump_only=True)
    items = fields.List(fields.Nested(TargetSchema), dump_only=True,
                        metadata={"description": "the targets as stored (removed ones left out)"})


class TargetListArgs(BaseSchema):
    period = TrimmedString(load_default=None)
    town = TrimmedString(load_default=None, metadata={"description": "a town's code or slug, or county"})
    indicator = TrimmedString(load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class IndicatorSchema(BaseSchema):
    """An indicator of the catalog: value = numerator / denominator × scale."""

    code = fields.String(dump_only=True)
    name_zh = fields.String(dump_only=True)
    name_en = fields.String(dump_only=True)
    numerator = fields.String(dump_only=True)
    denominator = fields.String(dump_only=True)
    unit = fields.String(dump_only=True, metadata={"enum": ["%", "‰", "ratio", "¥"]})
    scale = fields.Integer(dump_only=True)
    direction = fields.String(dump_only=True, metadata={"enum": ["higher", "lower", "range", "monitored"]})
    normal_low = decimal(dump_only=True, allow_none=True)
    normal_high = decimal(dump_only=True, allow_none=True)
    periods = fields.List(fields.String(), dump_only=True)
    targetable = fields.Boolean(dump_only=True)
    stock = fields.Boolean(dump_only=True, metadata={"description": "measured at the end of the period"})
    annualised = fields.Boolean(dump_only=True, metadata={
        "description": "a yearly rate: over a shorter period the value is scaled by 12 / months"})
    help_text = fields.String(dump_only=True, allow_none=True, metadata={"description": "how to read the value"})


class IndicatorListSchema(BaseSchema):
    items = fields.List(fields.Nested(IndicatorSchema))


class PeriodArgs(BaseSchema):
    period = TrimmedString(required=True, error_messages=FIELD_MESSAGES)


class IndicatorValueArgs(PeriodArgs):
    town = TrimmedString(load_default=None, metadata={"description": "a town's code or slug"})
    indicator = TrimmedString(load_default=None)


class IndicatorValueSchema(BaseSchema):
    """One indicator's figures for a town, or for the county (``scope`` "county": Σ numerators /
    Σ denominators over the towns). ``value`` is null when the denominator is zero."""

    scope = fields.String(dump_only=True)
    town = fields.Nested(IndicatorTownSchema, dump_only=True, allow_none=True)
    indicator = fields.String(dump_only=True)
    period = fields.String(dump_only=True)
    numerator = decimal(dump_only=True, allow_none=True)
    denominator = decimal(dump_only=True, allow_none=True)
    value = decimal(dump_only=True, allow_none=True)


class IndicatorValueListSchema(BaseSchema):
    period = fields.String(dump_only=True)
    items = fields.List(fields.Nested(IndicatorValueSchema))


class ComparisonCellSchema(BaseSchema):
    indicator = fields.String(dump_only=True)
    numerator = decimal(dump_only=True, allow_none=True)
    denominator = decimal(dump_only=True, allow_none=True)
    value = decimal(dump_only=True, allow_none=True)
    target = decimal(dump_only=True, allow_none=True)
    target_scope = fields.String(dump_only=True, allow_none=True,
                                 metadata={"description": "town: its own target; county: the county's"})
    attainment = decimal(dump_only=True, allow_none=True, metadata={"description": "percent of the target"})
    gap = decimal(dump_only=True, allow_none=True, metadata={"description": "value − target"})
    status = fields.String(dump_only=True, metadata={"enum": ["met", "at_risk", "missed", "outside_range",
                                                              "no_target", "no_data", "monitored", "too_few"]})
    rank = fields.Integer(dump_only=True, allow_none=True)
    previous = decimal(dump_only=True, allow_none=True, metadata={"description": "value of the previous period"})
    change = decimal(dump_only=True, allow_none=True, metadata={"description": "value − previous"})


class ComparisonRowSchema(BaseSchema):
    scope = fields.String(dump_only=True)
    town = fields.Nested(IndicatorTownSchema, dump_only=True, allow_none=True)
    cells = fields.List(fields.Nested(ComparisonCellSchema), dump_only=True)


class ComparisonSchema(BaseSchema):
    """Every town and the county against the period's targets (see renkou.indicators.comparisons)."""

    period = fields.String(dump_only=True)
    period_kind = fields.String(dump_only=True)
    previous_period = fields.String(dump_only=True)
    at_risk_threshold = decimal(dump_only=True, metadata={"description": "attainment (%) from which a target "
                                                                         "not yet met is at risk, not missed"})
    indicators = fields.List(fields.String(), dump_only=True)
    towns = fields.List(fields.Nested(ComparisonRowSchema), dump_only=True)
    county = fields.Nested(ComparisonRowSchema, dump_only=True)


def comparison_document(comparison) -> dict:
    """The comparison in the shape ComparisonSchema dumps (rows with their cells as lists)."""

    def row(item) -> dict:
        return {"scope": item.scope, "town": item.town, "cells": list(item.cells.values())}

    return {"period": comparison.period.id, "period_kind": comparison.period.kind,
            "previous_period": comparison.previous_period.id, "at_risk_threshold": comparison.at_risk_threshold,
            "indicators": [indicator.code for indicator in comparison.indicators],
            "towns": [row(item) for item in comparison.towns], "county": row(comparison.county)}
