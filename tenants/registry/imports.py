"""Spreadsheet import of households and people, with Chinese headers and values.

A re-upload is idempotent: a person is found again by the full ID number (its blind index), a
household by its number, and updated instead of duplicated.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, pre_load, validate

from renkou.imports.engine import ImportSpec, register
from renkou.imports.spreadsheets import Column
from renkou.schemas import FIELD_MESSAGES, BaseSchema, TrimmedString, digits, phone, text
from tenants.registry import labels, registry_bulk
from tenants.registry import resident_id as ids

SEX_WORDS = {"男": "M", "女": "F", "M": "M", "F": "F"}
MARITAL_WORDS = {"未婚": "unmarried", "已婚": "married", "初婚": "married", "再婚": "married", "离婚": "divorced",
                 "丧偶": "widowed"}
RELATION_WORDS = {"户主": "head", "本人": "head", "配偶": "spouse", "妻": "spouse", "夫": "spouse", "子": "child",
                  "女": "child", "子女": "child", "父母": "parent", "父亲": "parent", "母亲": "parent",
                  "孙子女": "grandchild", "孙子": "grandchild", "孙女": "grandchild", "兄弟姐妹": "sibling",
                  "其他": "other"}


def _words(value: str, table: dict[str, str], shown: dict[str, object]) -> str:
    """The code of a word people write, or of the label the pages and exports show (in their language)."""
    value = value.strip()
    if value in table:
        return table[value]
    return next((code for code, label in shown.items() if value == str(label)), value)


class PersonRow(BaseSchema):
    name = text(required=True, max_length=64)
    resident_id = TrimmedString(load_default=None, error_messages=FIELD_MESSAGES)
    sex = fields.String(load_default=None, validate=validate.OneOf(["M", "F"], error=_l("Write 男 or 女.")))
    birth_date = fields.Date(load_default=None, error_messages={"invalid": _l("Write the date as 2020-01-31.")})
    household_number = TrimmedString(load_default=None)
    relation = fields.String(load_default="other", validate=validate.OneOf(
        list(set(RELATION_WORDS.values())), error=_l("Not a relation this knows (e.g. 户主, 配偶, 子女).")))
    marital_status = fields.String(load_default="unmarried", validate=validate.OneOf(
        list(set(MARITAL_WORDS.values())), error=_l("Write 未婚, 已婚, 离婚 or 丧偶.")))
    phone = phone()
    # The record number an export gives (编号): the row updates that person.
    record_number = fields.Integer(load_default=None, strict=False, error_messages=FIELD_MESSAGES)

    @pre_load
    def _chinese_values(self, data, **kwargs):
        data = dict(data)
        for field, table, shown in (("sex", SEX_WORDS, labels.SEX), ("marital_status", MARITAL_WORDS,
                                                                     labels.MARITAL_STATUS),
                                    ("relation", RELATION_WORDS, labels.RELATION)):
            if field in data:
                data[field] = _words(data[field], table, shown)
        return data


PEOPLE = register(ImportSpec(
    kind="people",
    title=_l("People"),
    columns=[
        Column("name", "姓名", required=True, example="李梅"),
        Column("resident_id", "身份证号码", example="411524199003070028", maskable=True),
        Column("sex", "性别", example="女"),
        Column("birth_date", "出生日期", example="1990-03-07"),
        Column("household_number", "户编号", example="CG-001"),
        Column("relation", "与户主关系", example="户主"),
        Column("marital_status", "婚姻状况", example="已婚"),
        Column("phone", "联系电话", example="13800138000", maskable=True),
        Column("record_number", "编号"),
    ],
    schema=PersonRow,
    apply_rows=registry_bulk.apply_people,
    key=lambda row: ("resident_id", ids.normalize(row["resident_id"])) if row.get("resident_id") else None,
    tables=("people",),
))


class HouseholdRow(BaseSchema):
    number = text(required=True, max_length=32)
    village_code = digits(12, required=True)
    group_code = digits(3, load_default=None)
    address = text(required=True, max_length=200)


HOUSEHOLDS = register(ImportSpec(
    kind="households",
    title=_l("Households"),
    columns=[
        Column("number", "户编号", required=True, example="CG-001"),
        Column("village_code", "村/社区代码", required=True, example="411524101201"),
        Column("group_code", "村民小组代码", example="001"),
        Column("address", "地址", required=True, example="城关村一组3号"),
    ],
    schema=HouseholdRow,
    apply_rows=registry_bulk.apply_households,
    key=lambda row: ("number", row["number"]),
    tables=("households",),
))
