from __future__ import annotations

from marshmallow import fields

from renkou.schemas import BaseSchema, digits, page_schema, text


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
