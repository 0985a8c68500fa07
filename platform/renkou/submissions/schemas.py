"""What submissions take in and give out: the dataValueSets payload, the bureau's import summary, the API."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates, validates_schema

from renkou.indicators import periods
from renkou.schemas import FIELD_MESSAGES, BaseSchema, TrimmedString, page_schema, text
from renkou.submissions.definitions import REPORTS
from renkou.submissions.models import STATES

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class DataValueSchema(BaseSchema):
    dataElement = fields.String(required=True, validate=validate.Length(min=1, max=64))  # noqa: N815
    categoryOptionCombo = fields.String(required=True, validate=validate.Length(min=1, max=64))  # noqa: N815
    value = fields.String(required=True, validate=validate.Regexp(NUMBER, error="not a number"))
    # The value's own period and org unit, as DHIS2 allows; the set's must agree (checked below).
    period = fields.String(load_default=None)
    orgUnit = fields.String(load_default=None, validate=validate.Length(min=1, max=64))  # noqa: N815


class DataValueSetSchema(BaseSchema):
    """DHIS2's dataValueSets document, as the county sends it. Checked before it is stored and sent."""

    dataSet = fields.String(required=True, validate=validate.Length(min=1, max=64))  # noqa: N815
    period = fields.String(required=True)
    orgUnit = fields.String(required=True, validate=validate.Length(min=1, max=64))  # noqa: N815
    completeDate = fields.Date(required=True)  # noqa: N815
    dataValues = fields.List(fields.Nested(DataValueSchema), required=True,  # noqa: N815
                             validate=validate.Length(min=1))

    @validates("period")
    def _period(self, value: str, **_kwargs) -> None:
        try:
            periods.parse(value)
        except periods.PeriodError as error:
            raise ValidationError(str(error)) from None

    @validates("dataValues")
    def _unique(self, values: list[dict], **_kwargs) -> None:
        keys = [(item["dataElement"], item["categoryOptionCombo"]) for item in values]
        if len(keys) != len(set(keys)):
            raise ValidationError("a data element and category option combo appear twice")

    @validates_schema
    def _values_of_this_set(self, data: dict, **_kwargs) -> None:
        for item in data.get("dataValues") or []:
            for name in ("period", "orgUnit"):
                if item.get(name) not in (None, data.get(name)):
                    raise ValidationError(f"a data value's {name} differs from the set's", "dataValues")


class ImportCountSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    imported = fields.Integer(load_default=0)
    updated = fields.Integer(load_default=0)
    ignored = fields.Integer(load_default=0)
    deleted = fields.Integer(load_default=0)


class ConflictSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    object = fields.String(load_default="")
    value = fields.String(load_default="")


class ImportSummarySchema(Schema):
    """The bureau's answer (DHIS2's ImportSummary). Fields it adds that are not used here are ignored."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(required=True, validate=validate.OneOf(("SUCCESS", "WARNING", "ERROR")))
    description = fields.String(load_default="")
    importCount = fields.Nested(ImportCountSchema, load_default=dict)  # noqa: N815
    conflicts = fields.List(fields.Nested(ConflictSchema), load_default=list)
    reference = fields.String(load_default=None, allow_none=True)


# ---------------------------------------------------------------------------------------------------------
# The API and the forms


class SubmissionCreateSchema(BaseSchema):
    report = TrimmedString(required=True, error_messages=FIELD_MESSAGES,
                           validate=validate.OneOf(REPORTS, error=_l("Not a valid value.")),
                           metadata={"enum": list(REPORTS)})
    period = TrimmedString(required=True, error_messages=FIELD_MESSAGES,
                           metadata={"description": "DHIS2 period id of the report's kind: 202611 (monthly), "
                                                    "2026Q4 (quarterly), 2026S2 (half-yearly), 2025Oct (annual, "
                                                    "statistical year)"})


class CorrectionSchema(BaseSchema):
    reason = text(required=True, max_length=500, metadata={"description": "why the figures are corrected"})


class SubmissionListArgs(BaseSchema):
    report = fields.String(load_default=None, validate=validate.OneOf(REPORTS))
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))
    q = text(max_length=16, load_default="", metadata={"description": "part of a period id, e.g. 2026"})
    sort = fields.String(load_default="-created", validate=validate.OneOf(
        ("created", "-created", "period", "-period", "state", "-state")))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PayloadArgs(BaseSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "adx")))


class AttemptSchema(Schema):
    attempt_no = fields.Integer()
    delivery_round = fields.Integer()
    format = fields.String()
    message_id = fields.String()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    http_status = fields.Integer(allow_none=True)
    response_excerpt = fields.String(allow_none=True)
    error = fields.String(allow_none=True)


class ImportSummaryOutSchema(Schema):
    status = fields.String(attribute="summary_status")
    imported = fields.Integer()
    updated = fields.Integer()
    ignored = fields.Integer()
    deleted = fields.Integer()
    conflicts = fields.List(fields.Dict())
    reference = fields.String(attribute="bureau_reference", allow_none=True)


class SubmissionSchema(Schema):
    id = fields.Integer()
    report = fields.String()
    period = fields.String()
    revision = fields.Integer()
    definition_version = fields.String()
    data_set = fields.String()
    org_unit = fields.String()
    idempotency_key = fields.String()
    state = fields.String(metadata={"enum": list(STATES)})
    towns_included = fields.Integer()
    reason = fields.String()
    created_by = fields.Function(lambda s: s.created_by.username if s.created_by else None)
    created_at = fields.DateTime()
    state_changed_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    import_summary = fields.Function(lambda s: ImportSummaryOutSchema().dump(s) if s.has_summary else None,
                                     metadata={"description": "the bureau's answer; null until it answers"})


class SubmissionDetailSchema(SubmissionSchema):
    payload = fields.Dict(metadata={"description": "the DHIS2 dataValueSet as built"})
    sources = fields.Dict(metadata={"description": "each town's figures: {code: {name, figures: {source: value}}}"})
    attempts = fields.List(fields.Nested(AttemptSchema))


SubmissionPageSchema = page_schema(SubmissionSchema)


class MissingMonthSchema(Schema):
    town_code = fields.String()
    town_name = fields.String()
    months = fields.List(fields.String())
