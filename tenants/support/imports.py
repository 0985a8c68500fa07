"""Spreadsheet imports of the family support area, with Chinese headers and values:

- "support_assistance": 三结合 assistance to households, found again by household, day and kind;
- "support_payments": the payment ledger of the roll, found again by the voucher number. A payment names
  the person by full ID number and the roll by year and kind; the person must already be on that roll.

Both go through the import engine (renkou.imports): a dry run lists every bad row with its column and
reason, and the commit writes the valid rows in one transaction. A re-upload updates instead of
duplicating. A payment row that would pay more than the yearly amount is a bad row like any other.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, pre_load, validate

from renkou.errors import ServiceError
from renkou.imports.engine import ImportSpec, register
from renkou.imports.spreadsheets import Column
from renkou.schemas import BaseSchema, text
from tenants.registry import services as registry
from tenants.support.models import ASSISTANCE_KINDS, PAYMENT_METHODS, PAYMENT_STATUSES, SUPPORT_KINDS
from tenants.support.schemas import amount_field
from tenants.support.services import assistance, payments, roll

DATE_MESSAGES = {"invalid": _l("Write the date as 2020-01-31."), "required": _l("This field is required.")}

ASSISTANCE_WORDS = {"技术培训": "training", "培训": "training", "小额贷款帮扶": "microcredit",
                    "小额贷款": "microcredit", "贷款": "microcredit", "项目扶持": "project", "项目": "project",
                    "物资": "goods", "实物": "goods",
                    "其他": "other", "其它": "other"}
KIND_WORDS = {"奖励扶助": "reward", "奖扶": "reward", "农村部分计划生育家庭奖励扶助": "reward",
              "特别扶助（死亡）": "special_death", "特别扶助(死亡)": "special_death", "特扶死亡": "special_death",
              "独生子女死亡": "special_death", "特别扶助（伤残）": "special_disability",
              "特别扶助(伤残)": "special_disability", "特扶伤残": "special_disability",
              "独生子女伤残": "special_disability"}
METHOD_WORDS = {"银行": "bank", "银行代发": "bank", "银行转账": "bank", "一卡通": "card", "社保卡": "card",
                "惠民惠农一卡通": "card", "现金": "cash", "其他": "other", "其它": "other"}
STATUS_WORDS = {"已发放": "paid", "发放": "paid", "已发": "paid", "退回": "returned", "已退回": "returned"}


def _words(data: dict, field: str, words: dict[str, str]) -> None:
    if field in data:
        value = data[field].strip()
        data[field] = words.get(value, value)


def _yuan_text(data: dict, field: str) -> None:
    if field in data:  # "¥12,000.50元" as people type it
        data[field] = data[field].replace(",", "").replace("，", "").strip("¥￥元 ")


# ---------------------------------------------------------------------------------------------------------
# 三结合 assistance


class AssistanceRow(BaseSchema):
    household_number = text(required=True, max_length=32)
    given_on = fields.Date(required=True, error_messages=DATE_MESSAGES)
    kind = fields.String(required=True, validate=validate.OneOf(
        ASSISTANCE_KINDS, error=_l("Write one of 技术培训, 小额贷款帮扶, 项目扶持, 物资, 其他.")))
    value = amount_field(required=True)
    provider = text(max_length=100, load_default="")
    description = text(max_length=500, load_default="")

    @pre_load
    def _chinese_values(self, data, **kwargs):
        data = dict(data)
        _words(data, "kind", ASSISTANCE_WORDS)
        _yuan_text(data, "value")
        return data


def apply_assistance(row: dict, cache: dict) -> str:
    key = ("household", row["household_number"])
    household_id = cache[key] = cache.get(key) or assistance.household_id_of(row["household_number"])
    data = {**row, "household_id": household_id}
    data.pop("household_number")
    existing = assistance.find_assistance(household_id, row["given_on"], row["kind"])
    if existing is not None:
        assistance.update_assistance(existing, data)
        return "updated"
    assistance.create_assistance(data)
    return "created"


ASSISTANCE_IMPORT = register(ImportSpec(
    kind="support_assistance",
    title=_l("Assistance combined with development (三结合)"),
    columns=[
        Column("household_number", "户编号", required=True, example="H001"),
        Column("given_on", "日期", required=True, example="2026-03-15"),
        Column("kind", "帮扶类别", required=True, example="技术培训"),
        Column("value", "价值（元）", required=True, example="800.00"),
        Column("provider", "帮扶单位", example="县农业农村局"),
        Column("description", "说明", example="食用菌种植培训"),
    ],
    schema=AssistanceRow,
    apply=apply_assistance,
    key=lambda row: ("household_number", f"{row['household_number']} {row['given_on']} {row['kind']}"),
    tables=("support_assistance",),
    hint=_l("A row with the same household, date and kind updates the record."),
))

# ---------------------------------------------------------------------------------------------------------
# Payments of the roll


class PaymentRow(BaseSchema):
    resident_id = text(required=True, max_length=18)
    name = text(max_length=64, load_default="")
    year = fields.Integer(required=True,
                          validate=validate.Range(2004, 2100, error=_l("Must be between {min} and {max}.")),
                          error_messages={"invalid": _l("Not a valid value."),
                                          "required": _l("This field is required.")})
    kind = fields.String(required=True, validate=validate.OneOf(
        SUPPORT_KINDS, error=_l("Write one of 奖励扶助, 特别扶助（死亡）, 特别扶助（伤残）.")))
    paid_on = fields.Date(required=True, error_messages=DATE_MESSAGES)
    amount = amount_field(required=True)
    method = fields.String(required=True, validate=validate.OneOf(
        PAYMENT_METHODS, error=_l("Write one of 银行代发, 一卡通, 现金, 其他.")))
    reference = text(required=True, max_length=64)
    status = fields.String(load_default="paid", validate=validate.OneOf(
        PAYMENT_STATUSES, error=_l("Write 已发放 or 退回.")))
    returned_on = fields.Date(load_default=None, error_messages=DATE_MESSAGES)
    return_reason = text(max_length=500, load_default="")
    note = text(max_length=500, load_default="")

    @pre_load
    def _chinese_values(self, data, **kwargs):
        data = dict(data)
        _words(data, "kind", KIND_WORDS)
        _words(data, "method", METHOD_WORDS)
        _words(data, "status", STATUS_WORDS)
        _yuan_text(data, "amount")
        if "year" in data:
            data["year"] = data["year"].removesuffix("年").strip()
        return data


def apply_payment(row: dict, cache: dict) -> str:
    someone = registry.find_by_resident_id(row["resident_id"])
    if someone is None:
        raise ServiceError.on("resident_id", str(_l("No one on the register has this ID number.")))
    if row["name"] and row["name"] != someone.name:
        raise ServiceError.on("name", str(_l("The name does not match the person with this ID number.")))
    entry = roll.find_entry(someone.id, row["kind"], row["year"])
    if entry is None:
        raise ServiceError.on("kind", str(_l("This person is not on the roll of that year and kind.")))
    existing = payments.find_by_reference(row["reference"])
    if existing is None:
        payments.record_payment({**row, "roll_entry_id": entry.id})
        return "created"
    if existing.roll_entry_id != entry.id:
        raise ServiceError.on("reference", str(_l("A payment with this reference is already recorded.")))
    payments.update_payment(existing, row)
    if row["status"] != existing.status:
        if row["status"] == "paid":
            raise ServiceError.on("status", str(_l("A returned payment is not paid again; record a new payment.")))
        payments.return_payment(existing, row["returned_on"], row["return_reason"])
    return "updated"


PAYMENTS_IMPORT = register(ImportSpec(
    kind="support_payments",
    title=_l("Support payments (奖励扶助/特别扶助发放)"),
    columns=[
        Column("resident_id", "身份证号码", required=True, example="11010519491231002X"),
        Column("name", "姓名", example="张三"),
        Column("year", "年度", required=True, example="2026"),
        Column("kind", "扶助类别", required=True, example="奖励扶助"),
        Column("paid_on", "发放日期", required=True, example="2026-06-30"),
        Column("amount", "金额（元）", required=True, example="960.00"),
        Column("method", "发放方式", required=True, example="银行代发"),
        Column("reference", "凭证号", required=True, example="FF-2026-0001"),
        Column("status", "状态", example="已发放"),
        Column("returned_on", "退回日期", example=""),
        Column("return_reason", "退回原因", example=""),
        Column("note", "备注", example=""),
    ],
    schema=PaymentRow,
    apply=apply_payment,
    key=lambda row: ("reference", row["reference"]),
    tables=("support_payments",),
    hint=_l("The person must be on the roll of that year and kind; a row with the same voucher number updates "
            "the payment."),
))
