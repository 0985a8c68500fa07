from __future__ import annotations

from marshmallow import fields, post_dump

from renkou.schemas import FIELD_MESSAGES, BaseSchema, digits, mask_phone, page_schema, phone, text


class VillageSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = digits(12, required=True)
    name = text(required=True, max_length=64)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class VillageUpdateSchema(VillageSchema):
    """PATCH: every field optional."""

    code = digits(12)
    name = text(max_length=64)


VillagePageSchema = page_schema(VillageSchema)


class VillageListArgs(BaseSchema):
    q = text(max_length=64, load_default="")
    sort = fields.String(load_default="code")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


# ---------------------------------------------------------------------------------------------------------
# Village groups (村民小组)


class GroupSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    village_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    code = digits(3, required=True)
    name = text(required=True, max_length=64)
    full_code = fields.String(dump_only=True)
    village_name = fields.String(dump_only=True, attribute="village.name")
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class GroupUpdateSchema(GroupSchema):
    """PATCH: every field optional."""

    village_id = fields.Integer(error_messages=FIELD_MESSAGES)
    code = digits(3)
    name = text(max_length=64)


GroupPageSchema = page_schema(GroupSchema)


class GroupListArgs(BaseSchema):
    q = text(max_length=64, load_default="")
    village_id = fields.Integer(load_default=None)
    sort = fields.String(load_default="code")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


# ---------------------------------------------------------------------------------------------------------
# Village staff (村级工作人员)


class StaffSchema(BaseSchema):
    """A staff member. The phone is dumped masked (``*******1234``) unless ``full_phone=True``: only the
    audited record read shows it in full."""

    id = fields.Integer(dump_only=True)
    village_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    name = text(required=True, max_length=64)
    position = text(required=True, max_length=64)
    duties = text(max_length=500, load_default="")
    phone = phone()
    active = fields.Boolean(load_default=True, error_messages=FIELD_MESSAGES)
    village_name = fields.String(dump_only=True, attribute="village.name")
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


class StaffUpdateSchema(StaffSchema):
    """PATCH: every field optional."""

    village_id = fields.Integer(error_messages=FIELD_MESSAGES)
    name = text(max_length=64)
    position = text(max_length=64)
    duties = text(max_length=500)
    active = fields.Boolean(error_messages=FIELD_MESSAGES)


StaffPageSchema = page_schema(StaffSchema)


class StaffListArgs(BaseSchema):
    q = text(max_length=64, load_default="")
    village_id = fields.Integer(load_default=None)
    active = fields.Boolean(load_default=None)
    sort = fields.String(load_default="village")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)

