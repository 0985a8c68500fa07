"""Spreadsheet import of the funding ledger (kind "funding"), with Chinese headers and category names.

A re-upload is idempotent: an entry is found again by its voucher number and updated, never duplicated.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, pre_load, validate

from renkou.imports.engine import ImportSpec, register
from renkou.imports.spreadsheets import Column
from renkou.schemas import BaseSchema, text
from tenants.funding import services
from tenants.funding.models import FUNDING_CATEGORIES
from tenants.funding.schemas import amount_field

CATEGORY_WORDS = {"设备": "equipment", "设备购置": "equipment", "技术服务": "technical_services",
                  "儿童保健": "child_health", "宣传": "publicity", "宣传教育": "publicity", "培训": "training",
                  "网络建设": "network", "网络": "network", "其他": "other", "其它": "other"}


class FundingRow(BaseSchema):
    voucher_number = text(required=True, max_length=32)
    entry_date = fields.Date(required=True, error_messages={"invalid": _l("Write the date as 2020-01-31."),
                                                            "required": _l("This field is required.")})
    amount = amount_field(required=True)
    category = fields.String(required=True, validate=validate.OneOf(
        FUNDING_CATEGORIES, error=_l("Write one of 设备, 技术服务, 儿童保健, 宣传, 培训, 网络建设, 其他.")))
    description = text(max_length=500, load_default="")

    @pre_load
    def _chinese_values(self, data, **kwargs):
        data = dict(data)
        if "category" in data:
            data["category"] = CATEGORY_WORDS.get(data["category"].strip(), data["category"].strip())
        if "amount" in data:  # "¥12,000.50元" as people type it
            data["amount"] = data["amount"].replace(",", "").replace("，", "").strip("¥￥元 ")
        return data


def apply_entry(row: dict, cache: dict) -> str:
    existing = services.find_by_voucher(row["voucher_number"])
    if existing is not None:
        services.update_entry(existing, row)
        return "updated"
    services.create_entry(row)
    return "created"


FUNDING = register(ImportSpec(
    kind="funding",
    title=_l("Funding entries"),
    columns=[
        Column("voucher_number", "凭证号", required=True, example="2026-001"),
        Column("entry_date", "日期", required=True, example="2026-03-15"),
        Column("amount", "金额（元）", required=True, example="12000.50"),
        Column("category", "类别", required=True, example="设备"),
        Column("description", "摘要", example="购置服务站电脑"),
    ],
    schema=FundingRow,
    apply=apply_entry,
    key=lambda row: ("voucher_number", row["voucher_number"]),
    hint=_l("An entry with the same voucher number is updated."),
))
