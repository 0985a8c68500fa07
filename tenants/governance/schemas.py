"""What the governance area takes in and gives out, for pages and the API alike."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_dump, validate, validates_schema

from renkou.schemas import FIELD_MESSAGES, BaseSchema, mask_phone, page_schema, phone, text
from tenants.governance import rules
from tenants.governance.models import DUTY_KINDS, GROUP_ROLES


def choice(values, message=None, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(values, error=message or _l("Choose one of the listed values.")),
                         error_messages=FIELD_MESSAGES, **kwargs)


def optional_int(**kwargs) -> fields.Integer:
    return fields.Integer(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES, **kwargs)


def optional_date(**kwargs) -> fields.Date:
    return fields.Date(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES, **kwargs)


def year_field(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(*rules.YEARS, error=_l("Must be between {min} and {max}.")),
                          error_messages=FIELD_MESSAGES, **kwargs)


def id_list(**kwargs) -> fields.List:
    return fields.List(fields.Integer(error_messages=FIELD_MESSAGES), error_messages=FIELD_MESSAGES, **kwargs)


# ---------------------------------------------------------------------------------------------------------
# Leadership group (领导小组)


class LeadershipMemberSchema(BaseSchema):
    """A member of the leadership group. `group_role`: leader (组长), deputy (副组长) or member (成员);
    `position` is the post in the town (党委书记, 镇长 …). The phone is dumped masked unless
    ``full_phone=True`` (only the audited read of one member)."""

    id = fields.Integer(dump_only=True)
    name = text(required=True, max_length=64)
    position = text(required=True, max_length=64)
    group_role = choice(GROUP_ROLES, required=True)
    phone = phone()
    sort_order = fields.Integer(load_default=0, error_messages=FIELD_MESSAGES,
                                validate=validate.Range(0, 999, error=_l("Must be between {min} and {max}.")))
    active = fields.Boolean(load_default=True, error_messages=FIELD_MESSAGES)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def __init__(self, *args, full_phone: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.full_phone = full_phone

    @post_dump
    def _mask_phone(self, data: dict, **kwargs) -> dict:
        if not self.full_phone and "phone" in data:
            data["phone"] = mask_phone(data["phone"])
        return data


class LeadershipMemberUpdateSchema(LeadershipMemberSchema):
    """PATCH: every field optional."""

    name = text(max_length=64)
    position = text(max_length=64)
    group_role = choice(GROUP_ROLES)
    sort_order = fields.Integer(error_messages=FIELD_MESSAGES,
                                validate=validate.Range(0, 999, error=_l("Must be between {min} and {max}.")))
    active = fields.Boolean(error_messages=FIELD_MESSAGES)


LeadershipMemberPageSchema = page_schema(LeadershipMemberSchema)


class MemberListArgs(BaseSchema):
    active = fields.Boolean(load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


# ---------------------------------------------------------------------------------------------------------
# Responsibility agreements (责任书)


class AgreementItemSchema(BaseSchema):
    """An item: what is to be done, its points (`weight`) and `target`. A `veto` item (一票否决) needs a
    `veto_kind` of service, oversight (两非 cases) or data_quality (false reports), and may carry 0 points;
    nothing about numbers of births is accepted."""

    id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True)
    description = text(required=True, max_length=500)
    weight = fields.Integer(required=True, error_messages=FIELD_MESSAGES,
                            validate=validate.Range(0, rules.MAX_ITEM_WEIGHT,
                                                    error=_l("Must be between {min} and {max}.")))
    target = text(max_length=500, load_default="")
    veto = fields.Boolean(load_default=False, error_messages=FIELD_MESSAGES)
    veto_kind = choice(tuple(rules.VETO_KINDS), message=rules.VETO_KIND_MESSAGE, allow_none=True, load_default=None)
    score = fields.Float(dump_only=True)
    veto_triggered = fields.Boolean(dump_only=True)

    @validates_schema
    def _rules(self, data: dict, **kwargs) -> None:
        problems = rules.item_problems(data)
        if problems:
            raise ValidationError({field: [str(message)] for field, message in problems.items()})


class AgreementSchema(BaseSchema):
    """An agreement of `year` with a village (`village_id`) or an agency (`agency_name`), one of them.
    `signed_on` stays empty until it is signed. Evaluation, totals and the scan are read-only here."""

    id = fields.Integer(dump_only=True)
    year = year_field(required=True)
    village_id = optional_int()
    agency_name = text(max_length=100, allow_none=True, load_default=None)
    signed_on = optional_date()
    items = fields.List(fields.Nested(AgreementItemSchema), required=True, error_messages=FIELD_MESSAGES,
                        validate=validate.Length(min=1, error=_l("Add at least one item.")))
    party_kind = fields.String(dump_only=True)
    party_name = fields.String(dump_only=True)
    signed = fields.Boolean(dump_only=True)
    has_scan = fields.Boolean(dump_only=True)
    scan_content_type = fields.String(dump_only=True)
    scan_size = fields.Integer(dump_only=True)
    scan_uploaded_at = fields.DateTime(dump_only=True)
    total_weight = fields.Integer(dump_only=True)
    total_score = fields.Float(dump_only=True)
    outcome = fields.String(dump_only=True)
    evaluated_on = fields.Date(dump_only=True)
    evaluator = fields.String(dump_only=True)
    evaluation_note = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @validates_schema
    def _one_party(self, data: dict, partial=False, **kwargs) -> None:
        if partial and "village_id" not in data and "agency_name" not in data:
            return
        if bool(data.get("village_id")) == bool(data.get("agency_name")):
            raise ValidationError(str(rules.PARTY_MESSAGE), "village_id")


class AgreementUpdateSchema(AgreementSchema):
    """PATCH: every field optional. `items`, when given, replace all items (not after the evaluation)."""

    year = year_field()
    items = fields.List(fields.Nested(AgreementItemSchema), error_messages=FIELD_MESSAGES,
                        validate=validate.Length(min=1, error=_l("Add at least one item.")))


AgreementPageSchema = page_schema(AgreementSchema)


class AgreementListArgs(BaseSchema):
    year = fields.Integer(load_default=None)
    village_id = fields.Integer(load_default=None)
    signed = fields.Boolean(load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class ItemScoreSchema(BaseSchema):
    """The score of one item: 0 to its weight, in steps of 0.1; `veto_triggered` for a broken veto item."""

    item_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    score = fields.Float(required=True, allow_nan=False, error_messages=FIELD_MESSAGES)
    veto_triggered = fields.Boolean(load_default=False, error_messages=FIELD_MESSAGES)


class EvaluationSchema(BaseSchema):
    """The year-end evaluation: every item scored once. The total is computed; any broken veto item makes
    the outcome "vetoed". `evaluated_on` defaults to today. Evaluating again replaces the evaluation."""

    evaluated_on = optional_date()
    evaluator = text(required=True, max_length=64)
    note = text(max_length=500, allow_none=True, load_default=None)
    items = fields.List(fields.Nested(ItemScoreSchema), required=True, error_messages=FIELD_MESSAGES)


class AgreementCoverageArgs(BaseSchema):
    year = fields.Integer(load_default=None)


class VillageRefSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)


class AgreementCoverageSchema(BaseSchema):
    """责任书签订率: villages with an agreement of `year` that is signed / villages of the town."""

    year = fields.Integer(dump_only=True)
    numerator = fields.Integer(dump_only=True)
    denominator = fields.Integer(dump_only=True)
    percent = fields.Float(dump_only=True)
    villages_without = fields.List(fields.Nested(VillageRefSchema), dump_only=True)


# ---------------------------------------------------------------------------------------------------------
# Cadre duties (包片, 包村, 包户)


class HouseholdRefSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True)
    village_id = fields.Integer(dump_only=True)


class CadreAssignmentSchema(BaseSchema):
    """A cadre's duty. `kind`: area (包片: `area_name` and `village_ids`), village (包村: one id in
    `village_ids`) or household (包户: `household_ids`). The cadre is a leadership group member
    (`member_id`), a village staff member (`staff_id`) or only a name (`cadre_name`); with an id the name
    is taken from the record."""

    id = fields.Integer(dump_only=True)
    kind = choice(DUTY_KINDS, required=True)
    cadre_name = text(max_length=64, allow_none=True, load_default=None)
    member_id = optional_int()
    staff_id = optional_int()
    area_name = text(max_length=100, allow_none=True, load_default=None)
    village_ids = id_list(load_default=list)
    household_ids = id_list(load_default=list)
    note = text(max_length=500, load_default="")
    active = fields.Boolean(load_default=True, error_messages=FIELD_MESSAGES)
    villages = fields.List(fields.Nested(VillageRefSchema), dump_only=True)
    households = fields.List(fields.Nested(HouseholdRefSchema), dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class CadreAssignmentUpdateSchema(CadreAssignmentSchema):
    """PATCH: every field optional; `village_ids` or `household_ids`, when given, replace the lists."""

    kind = choice(DUTY_KINDS)
    village_ids = id_list()
    household_ids = id_list()
    note = text(max_length=500)
    active = fields.Boolean(error_messages=FIELD_MESSAGES)


CadreAssignmentPageSchema = page_schema(CadreAssignmentSchema)


class AssignmentListArgs(BaseSchema):
    kind = choice(DUTY_KINDS, load_default=None)
    village_id = fields.Integer(load_default=None)
    q = text(max_length=64, load_default="")
    active = fields.Boolean(load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class RatioSchema(BaseSchema):
    numerator = fields.Integer(dump_only=True)
    denominator = fields.Integer(dump_only=True)
    percent = fields.Float(dump_only=True)


class VillageCoverageSchema(RatioSchema):
    village_id = fields.Integer(dump_only=True)
    village_code = fields.String(dump_only=True)
    village_name = fields.String(dump_only=True)
    leaders = fields.List(fields.String(), dump_only=True)


class HouseholdCoverageSchema(BaseSchema):
    """包户覆盖率: households with at least one active 包户 cadre / households, for the town and each village."""

    town = fields.Nested(RatioSchema, dump_only=True)
    villages = fields.List(fields.Nested(VillageCoverageSchema), dump_only=True)
