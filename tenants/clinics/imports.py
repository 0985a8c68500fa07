"""Spreadsheet import of medical units (kind "clinic_units") and their licences (kind "clinic_licences").

Rows go through the same services as the forms, so the same rules hold: a private clinic recorded as
offering deliveries, IUD insertion or removal, terminations or sterilisation gets a finding; a licence
number is unique per kind of licence. A re-upload is idempotent: a unit is found again by its name, a
licence by its kind and number, and updated instead of duplicated. A blank cell keeps what is stored.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, pre_load, validates_schema

from renkou.errors import ServiceError
from renkou.imports.cells import Choice, ChoiceList, Day, YesNo, columns_for
from renkou.imports.engine import ImportSpec, register
from renkou.imports.spreadsheets import Column
from renkou.schemas import BaseSchema, phone, text
from tenants.clinics import labels, rules
from tenants.clinics.models import MedicalUnit
from tenants.clinics.services import licences, units
from tenants.network.lookups import village_in_cell

# The official names first (the error message suggests them), then what people also write.
UNIT_KIND_WORDS = {**{name: code for code, name in rules.UNIT_KINDS.items()},
                   "卫生院": "health_centre", "中心卫生院": "health_centre", "卫生室": "village_clinic",
                   "个体诊所": "private", "民营医疗机构": "private", "诊所": "private", "私人诊所": "private",
                   "民营医院": "private"}
OWNERSHIP_WORDS = {"公立": "public", "民营": "private", "公办": "public", "集体": "public", "个体": "private",
                   "私立": "private", "私营": "private"}
SERVICE_WORDS = {**{service.name_zh: code for code, service in rules.SERVICES.items()},
                 "接生": "delivery", "上环": "iud_insertion", "取环": "iud_removal", "人流": "termination",
                 "人工流产": "termination", "终止妊娠": "termination", "引产": "termination",
                 "结扎术": "sterilisation", "B超": "ultrasound", "超声": "ultrasound", "孕产妇保健": "prenatal_care",
                 "避孕药具": "contraceptive_supply", "门诊": "outpatient"}
LICENCE_KIND_WORDS = {**{name: code for code, name in rules.LICENCE_KINDS.items()},
                      "执业许可证": "practice", "母婴保健许可证": "maternal_infant",
                      "计划生育技术服务许可证": "family_planning", "其他许可证": "other"}
PRIVATE_KIND_MESSAGE = _l("A privately owned unit is recorded as 个体诊所/民营医疗机构: write that kind or "
                          "leave the kind blank.")


class UnitRow(BaseSchema):
    name = text(required=True, max_length=100)
    kind = Choice(UNIT_KIND_WORDS, labels.UNIT_KIND, load_default=None)
    ownership = Choice(OWNERSHIP_WORDS, load_default=None)
    village = text(max_length=64, load_default=None)
    address = text(max_length=200, load_default=None)
    contact_name = text(max_length=64, load_default=None)
    contact_phone = phone()
    services = ChoiceList(SERVICE_WORDS, labels.SERVICE, load_default=None)
    active = YesNo(yes=("在营", "在业", "营业", "正常"), no=("停业", "已停业", "关闭", "注销"), load_default=None)

    @pre_load
    def _masked_phone(self, data: dict, **kwargs) -> dict:
        """An exported list shows phones masked (*******9000); such a cell keeps the stored number."""
        if "*" in data.get("contact_phone", ""):
            data = {field: value for field, value in data.items() if field != "contact_phone"}
        return data

    @validates_schema
    def _kind_and_ownership(self, data: dict, **kwargs) -> None:
        """The kind decides what a unit may do; 民营 in the ownership column means the private kind."""
        if data.get("ownership") == "private":
            if data.get("kind") not in (None, "private"):
                raise ValidationError(str(PRIVATE_KIND_MESSAGE), "kind")
        elif data.get("kind") is None:
            raise ValidationError(str(_l("This field is required.")), "kind")
        elif data.get("ownership") == "public" and data["kind"] == "private":
            raise ValidationError(str(_l("个体诊所/民营医疗机构 is not publicly owned: correct the kind or the "
                                         "ownership.")), "ownership")


def apply_unit(row: dict, cache: dict) -> str:
    """Add the unit, or update the one with the same name; restricted services raise findings either way."""
    if row.pop("ownership", None) == "private":
        row["kind"] = "private"
    village = village_in_cell(row.pop("village", None), "village", cache)
    values = {field: value for field, value in row.items() if value is not None}
    if village is not None:
        values["village_id"] = village.id
    existing = _unit_named(row["name"], "name")
    with columns_for({"village_id": "village"}):
        if existing is not None:
            units.update_unit(existing, values)
            return "updated"
        units.create_unit(values)
    return "created"


def _unit_named(name: str, field: str) -> MedicalUnit | None:
    found = units.units_named(name)
    if len(found) > 1:
        raise ServiceError.on(field, str(_l("Several medical units have this name: change it on the units' "
                                            "pages so that each is unique, then import again.")))
    return found[0] if found else None


UNITS = register(ImportSpec(
    kind="clinic_units",
    title=_l("Medical units"),
    columns=[
        Column("name", "机构名称", required=True, example="城关镇仁和诊所"),
        Column("kind", "机构类别", required=True, example="个体诊所/民营医疗机构"),
        Column("ownership", "所有制", example="民营"),
        Column("village", "村/社区", example="城关村"),
        Column("address", "地址", example="城关镇解放路12号"),
        Column("contact_name", "联系人", example="赵医生"),
        Column("contact_phone", "联系电话", example="13900139000", maskable=True),
        Column("services", "服务项目", example="普通门诊、避孕药具发放"),
        Column("active", "是否在营", example="在营"),
    ],
    schema=UnitRow,
    apply=apply_unit,
    key=lambda row: ("name", row["name"]),
    hint=_l("A unit with the same name is updated. A private clinic listing a restricted service gets a "
            "finding."),
))


class LicenceRow(BaseSchema):
    unit = text(required=True, max_length=100)
    kind = Choice(LICENCE_KIND_WORDS, labels.LICENCE_KIND, required=True)
    number = text(required=True, max_length=64)
    issuer = text(required=True, max_length=100)
    valid_from = Day(load_default=None)
    valid_to = Day(load_default=None)


def apply_licence(row: dict, cache: dict) -> str:
    """Add the licence to the named unit, or update the one of the same kind and number."""
    unit = _unit_named(row.pop("unit"), "unit")
    if unit is None:
        raise ServiceError.on("unit", str(_l("No medical unit with this name: import or add the unit first.")))
    values = {**{field: value for field, value in row.items() if value is not None}, "unit_id": unit.id}
    existing = licences.find_licence(row["kind"], row["number"])
    with columns_for({"unit_id": "unit"}):
        if existing is not None:
            licences.update_licence(existing, values)
            return "updated"
        licences.create_licence(values)
    return "created"


LICENCES = register(ImportSpec(
    kind="clinic_licences",
    title=_l("Medical unit licences"),
    columns=[
        Column("unit", "机构名称", required=True, example="城关镇仁和诊所"),
        Column("kind", "证照类别", required=True, example="医疗机构执业许可证"),
        Column("number", "证照编号", required=True, example="PDY411524-0001"),
        Column("issuer", "发证机关", required=True, example="商城县卫生健康局"),
        Column("valid_from", "有效期起", example="2024-01-01"),
        Column("valid_to", "有效期止", example="2028-12-31"),
    ],
    schema=LicenceRow,
    apply=apply_licence,
    key=lambda row: ("number", f"{row['kind']}:{row['number']}"),
    hint=_l("A licence of the same kind and number is updated."),
))
