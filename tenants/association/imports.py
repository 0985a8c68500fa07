"""Spreadsheet import of the association's members (kind "association_members"), Chinese headers and values.

A member is found again by their member number, so a re-upload updates instead of duplicating. A row
with an ID number is linked to that person of the registry (the name must be the registry's); a row
without one is a member by name only. The village is given by its 12-digit code or its name, the group
by its name in that village; no village means a member of the town (a council member, say).

The columns are the export's (tenants.association.sheets): in an exported list uploaded again, the
masked name and ID number keep who the member is, and a masked phone keeps the stored number.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, pre_load, validate
from sqlalchemy import select

from renkou.errors import ServiceError
from renkou.extensions import db
from renkou.imports.engine import ImportSpec, register
from renkou.schemas import FIELD_MESSAGES, BaseSchema, TrimmedString, phone, text
from tenants.association.models import MEMBER_ROLES, MEMBER_STATUSES, MemberGroup
from tenants.association.services import members
from tenants.association.sheets import MEMBER_COLUMNS, ROLE_WORDS, STATUS_WORDS
from tenants.network.lookups import village_in_cell
from tenants.registry import resident_id as ids
from tenants.registry import services as registry
from tenants.registry.resident_id import mask_name

DATE_MESSAGES = {"invalid": _l("Write the date as 2020-01-31."), "required": _l("This field is required.")}


class MemberRow(BaseSchema):
    member_number = text(required=True, max_length=32)
    name = text(required=True, max_length=64)
    resident_id = TrimmedString(load_default=None, error_messages=FIELD_MESSAGES)
    village = text(max_length=64, load_default=None)
    group_name = text(max_length=100, load_default=None)
    joined_on = fields.Date(required=True, error_messages=DATE_MESSAGES)
    role = fields.String(load_default="member", validate=validate.OneOf(
        MEMBER_ROLES, error=_l("Write 会员, 小组长, 理事 or 志愿者.")))
    phone = phone()
    status = fields.String(load_default=None, validate=validate.OneOf(MEMBER_STATUSES,
                                                                      error=_l("Write 在会 or 退会.")))
    left_on = fields.Date(load_default=None, error_messages=DATE_MESSAGES)
    note = text(max_length=500, load_default="")

    @pre_load
    def _chinese_values(self, data, **kwargs):
        data = dict(data)
        for field, table in (("role", ROLE_WORDS), ("status", STATUS_WORDS)):
            if field in data:
                data[field] = table.get(data[field].strip(), data[field].strip())
        if "*" in data.get("phone", ""):
            del data["phone"]  # masked by an export: the stored number stays
        return data


def apply_member(row: dict, cache: dict) -> str:
    existing = members.find_by_number(row["member_number"])
    values = {"member_number": row["member_number"], "joined_on": row["joined_on"], "role": row["role"],
              "note": row["note"]}
    values.update(_identity(row, existing))
    values.update(_place(row, cache))
    for field in ("phone", "status", "left_on"):
        if row.get(field) is not None:
            values[field] = row[field]
    if existing is not None:
        members.update_member(existing, values)
        return "updated"
    members.create_member(values)
    return "created"


def _identity(row: dict, existing) -> dict:
    """person_id (the row's ID number, found in the registry) or the typed name; nothing when the member
    stays who they are."""
    if "*" in row["name"] or "*" in (row.get("resident_id") or ""):
        _check_same_as_exported(row, existing)
        return {}
    if not row.get("resident_id"):
        if existing is not None and existing.person_id and existing.name == row["name"]:
            return {}  # the same registry person as before: the link stays
        return {"name": row["name"]}
    try:
        ids.parse(row["resident_id"])
    except ids.InvalidResidentId as invalid:
        raise ServiceError.on("resident_id", str(invalid)) from invalid
    person = registry.find_by_resident_id(row["resident_id"])
    if person is None:
        raise ServiceError.on("resident_id", str(_l("No person with this ID number in the registry: add them "
                                                    "first, or leave the ID number out.")))
    if person.name != row["name"]:
        raise ServiceError.on("name", str(_l("The name is not the registry's name for this ID number.")))
    return {"person_id": person.id}


def _check_same_as_exported(row: dict, existing) -> None:
    """A masked name or ID number (as an export writes them) keeps an existing member as they are: the
    cells must be that member's."""
    if existing is None:
        raise ServiceError.on("name", str(_l("Write the full name and ID number of a new member: masked ones "
                                             "only keep an existing member as they are.")))
    if row["name"] not in (existing.name, mask_name(existing.name)):
        raise ServiceError.on("name", str(_l("The masked name is not this member's: write the full name.")))
    stored_id = existing.person.resident_id if existing.person is not None else None
    if row.get("resident_id") and row["resident_id"] not in (stored_id, ids.mask(stored_id)):
        raise ServiceError.on("resident_id", str(_l("The ID number is not this member's: write the full number, "
                                                    "or leave it out.")))


def _place(row: dict, cache: dict) -> dict:
    """village_id and group_id from the village (its code or name) and the group's name in it."""
    village = village_in_cell(row.get("village"), "village", cache)
    if village is None:
        if row.get("group_name"):
            raise ServiceError.on("village", str(_l("Give the village of the group.")))
        return {"village_id": None, "group_id": None}
    village_id, group_id = village.id, None
    if row.get("group_name"):
        group_id = db.session.scalar(select(MemberGroup.id).where(MemberGroup.village_id == village_id,
                                                                  MemberGroup.name == row["group_name"]))
        if group_id is None:
            raise ServiceError.on("group_name", str(_l("No member group of this name in the village.")))
    return {"village_id": village_id, "group_id": group_id}


MEMBERS = register(ImportSpec(
    kind="association_members",
    title=_l("Association members"),
    columns=MEMBER_COLUMNS,
    schema=MemberRow,
    apply=apply_member,
    key=lambda row: ("member_number", row["member_number"]),
    tables=("association_members",),
    hint=_l("A member with the same member number is updated. With an ID number the member is that person of "
            "the registry."),
))
