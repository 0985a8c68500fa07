"""Importing people and households set-based: the rules of registry.services, applied to a chunk of rows
with one look-up per kind and one write per kind (see renkou.imports.bulk).

The rules are those of ``services._validated_person_values`` and ``services.create_household``: an ID
number vouches for the birth date and sex, a person without one needs both, no birth date in the
future, one person per ID number in the town, a household's village and group exist. A row finds its
record by its record number (编号, from an export) or else by the full ID number (its blind index); a
household by its number. Unchanged records are left alone (no write, no audit entry).
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import LargeBinary, bindparam, select, type_coerce, update

from renkou.crypto.keys import Indexer, Sealed
from renkou.extensions import db
from renkou.imports.bulk import Row, Run, audit_many, insert_many
from renkou.types import utcnow
from tenants.network.models import Village, VillageGroup
from tenants.registry import resident_id as ids
from tenants.registry.models import Household, Person
from tenants.registry.services import ID_PURPOSE, PERSON_FIELDS

PHONE_PURPOSE = "people.phone"
# The columns an import writes, in the order services._validated_person_values gives them.
PERSON_VALUES = (*PERSON_FIELDS, "resident_id_legacy", "resident_id_index")
ENCRYPTED = ("resident_id", "phone")
KEEP = object()  # an encrypted value the row leaves as stored: its ciphertext is written back unopened


# ---------------------------------------------------------------------------------------------------------
# People


def apply_people(rows: list[Row], run: Run) -> None:
    """Check a chunk of people against the register and, when the run commits, write it."""
    index = Indexer(run.town_code, ID_PURPOSE)
    parsed: dict[int, ids.ResidentId] = {}
    for position, row in enumerate(rows):
        if row.data.get("resident_id"):
            try:
                parsed[position] = ids.parse(row.data["resident_id"])
            except ids.InvalidResidentId as invalid:
                row.refuse("resident_id", invalid)
    indexes = {position: index(resident.value) for position, resident in parsed.items()}
    households = _household_ids(run, {row.data["household_number"] for row in rows if row.data.get("household_number")})
    by_id = _people(Person.id.in_({row.data["record_number"] for row in rows if row.data.get("record_number")}))
    by_index = {person["resident_id_index"]: person
                for person in _people(Person.resident_id_index.in_(set(indexes.values()))).values()}

    creates, updates = [], []
    for position, row in enumerate(rows):
        existing = _existing_person(row, indexes.get(position), by_id, by_index)
        values = _person_values(row, run, parsed.get(position), indexes.get(position), existing, households, by_index)
        if not row.ok:
            continue
        if existing is None:
            run.refuse_locked(row, "birth_date", [values["birth_date"]])
            if row.ok:
                creates.append(values)
            continue
        run.updated += 1
        changed = _changed_fields(existing, values, run)
        if changed:
            run.refuse_locked(row, "birth_date", [values["birth_date"]])
            if row.ok:
                updates.append((existing, values, changed))
    if run.commit:
        _write_people(run, creates, updates)
    else:
        run.created += len(creates)


def _existing_person(row: Row, index: str | None, by_id: dict, by_index: dict) -> dict | None:
    record_number = row.data.get("record_number")
    if record_number:
        existing = by_id.get(record_number)
        if existing is None:
            row.refuse("record_number", _l("No person with this record number in this town."))
        return existing
    existing = by_index.get(index) if index else None
    if existing is None and row.masked:
        row.refuse_masked()
    return existing


def _person_values(row: Row, run: Run, resident: ids.ResidentId | None, index: str | None, existing: dict | None,
                   households: dict[str, int | None], by_index: dict) -> dict:
    """The person's values after this row: the stored ones where the row leaves a cell blank or masked
    (``KEEP`` for an encrypted one), the row's otherwise. Refuses the row as the register's form would."""
    data = row.data
    if existing is None:
        values = dict.fromkeys(PERSON_VALUES)
        values["resident_id_legacy"] = False
    else:
        values = {field: KEEP if field in ENCRYPTED else existing[field] for field in PERSON_VALUES}
    values.update({field: data[field] for field in ("name", "sex", "birth_date", "relation", "marital_status",
                                                    "phone") if data.get(field) is not None})
    number = data.get("household_number")
    if number:
        values["household_id"] = households.get(number)
        if values["household_id"] is None:
            row.refuse("household_number", _l("No household with this number: import the households first."))
    if resident is not None:
        holder = by_index.get(index)
        if holder is not None and (existing is None or holder["id"] != existing["id"]):
            row.refuse("resident_id", _l("A person with this ID number is already registered in this town."))
        values.update(resident_id=resident.value, resident_id_legacy=resident.legacy, resident_id_index=index)
    elif existing is not None and existing["resident_id_index"] and (data.get("sex") or data.get("birth_date")):
        resident = ids.parse(_stored(existing, "resident_id", run))  # the stored number still vouches
    if "resident_id" in row.errors:
        return values  # a wrong ID number is the one thing to fix; do not also ask for what it would have given
    if resident is not None:
        _match_id(row, resident, values)
    for field in ("sex", "birth_date"):
        if not values.get(field) and field not in row.errors:
            row.refuse(field, _l("This field is required (or give an ID number)."))
    if values.get("birth_date") and values["birth_date"] > date.today():
        row.refuse("birth_date", _l("The birth date is in the future."))
    return values


def _match_id(row: Row, resident: ids.ResidentId, values: dict) -> None:
    if values.get("birth_date") and values["birth_date"] != resident.birth_date:
        row.refuse("birth_date", _l("The birth date does not match the ID number (%(date)s).",
                                    date=resident.birth_date.isoformat()))
    if values.get("sex") and values["sex"] != resident.sex:
        row.refuse("sex", _l("The sex does not match the ID number."))
    values["birth_date"] = values.get("birth_date") or resident.birth_date
    values["sex"] = values.get("sex") or resident.sex


def _changed_fields(existing: dict, values: dict, run: Run) -> list[str]:
    changed = []
    for field in PERSON_VALUES:
        if values[field] is KEEP:
            continue
        if field == "resident_id":
            if values["resident_id_index"] != existing["resident_id_index"]:
                changed.append(field)
        elif _stored(existing, field, run) != values[field]:
            changed.append(field)
    return changed


def _stored(existing: dict, field: str, run: Run):
    """A stored value as the row's values hold it: encrypted columns are opened (once) with the run's cipher."""
    if field not in ENCRYPTED:
        return existing[field]
    opened = f"_{field}"
    if opened not in existing:
        purpose = ID_PURPOSE if field == "resident_id" else PHONE_PURPOSE
        existing[opened] = run.sealer(purpose).open(existing[field])
    return existing[opened]


def _people(condition) -> dict[int, dict]:
    """{id: stored values} of the people matching ``condition``; encrypted columns stay sealed."""
    table = Person.__table__
    columns = [table.c.id, *(type_coerce(table.c[field], LargeBinary).label(field) if field in ENCRYPTED
                             else table.c[field] for field in PERSON_VALUES)]
    return {row["id"]: dict(row) for row in db.session.execute(select(*columns).where(condition)).mappings()}


def _household_ids(run: Run, numbers: set[str]) -> dict[str, int | None]:
    """{household number: id or None}, looked up once per run for every number the file names."""
    known = run.cache.setdefault("household_ids", {})
    missing = numbers - known.keys()
    if missing:
        statement = select(Household.number, Household.id).where(Household.number.in_(missing))
        found = dict(db.session.execute(statement).all())
        known.update({number: found.get(number) for number in missing})
    return known


def _write_people(run: Run, creates: list[dict], updates: list[tuple[dict, dict, list[str]]]) -> None:
    table = Person.__table__
    id_sealer, phone_sealer = run.sealer(ID_PURPOSE), run.sealer(PHONE_PURPOSE)
    now = utcnow()

    def sealed(values: dict, existing: dict | None = None) -> dict:
        row = dict(values)
        for field, sealer in (("resident_id", id_sealer), ("phone", phone_sealer)):
            if values[field] is KEEP:
                row[field] = Sealed(existing[field]) if existing[field] is not None else None
            else:
                row[field] = sealer.seal(values[field])
        return row

    if creates:
        rows = [{**sealed(values), "status": "resident", "created_at": now, "updated_at": now} for values in creates]
        new_ids = insert_many(table, rows)
        audit_many("person.create", "person", [
            (person_id, {"fields": sorted(k for k, v in values.items() if v not in (None, ""))})
            for person_id, values in zip(new_ids, creates, strict=True)])
        run.created += len(creates)
        run.wrote(table, creates)
    if updates:
        statement = (update(table).where(table.c.id == bindparam("b_id"))
                     .values({field: bindparam(f"b_{field}") for field in (*PERSON_VALUES, "updated_at")}))
        rows = []
        for existing, values, _changed in updates:
            row = sealed(values, existing)
            rows.append({"b_id": existing["id"], "b_updated_at": now, **{f"b_{k}": row[k] for k in PERSON_VALUES}})
        db.session.execute(statement, rows)
        audit_many("person.update", "person", [(existing["id"], {"fields": changed})
                                               for existing, _values, changed in updates])
        run.wrote(table, [values for _existing, values, _changed in updates])


# ---------------------------------------------------------------------------------------------------------
# Households


def apply_households(rows: list[Row], run: Run) -> None:
    """Check a chunk of households (village and group by code) and, when the run commits, write it."""
    villages, groups = _places(run)
    table = Household.__table__
    numbers = {row.data["number"] for row in rows}
    existing = {row["number"]: dict(row) for row in db.session.execute(
        select(table.c.id, table.c.number, table.c.village_id, table.c.group_id, table.c.address)
        .where(table.c.number.in_(numbers))).mappings()}
    creates, updates = [], []
    for row in rows:
        village_id = villages.get(row.data["village_code"])
        if village_id is None:
            row.refuse("village_code", _l("No village with this code in this town."))
            continue
        group_id = None
        if row.data.get("group_code"):
            group_id = groups.get((village_id, row.data["group_code"]))
            if group_id is None:
                row.refuse("group_code", _l("No such group in this village."))
                continue
        values = {"number": row.data["number"], "village_id": village_id, "group_id": group_id,
                  "address": row.data["address"]}
        stored = existing.get(row.data["number"])
        if stored is None:
            creates.append(values)
            continue
        run.updated += 1
        changed = [field for field in ("village_id", "group_id", "address") if stored[field] != values[field]]
        if changed:
            updates.append((stored["id"], values, changed))
    if run.commit:
        _write_households(run, creates, updates)
    else:
        run.created += len(creates)


def _places(run: Run) -> tuple[dict[str, int], dict[tuple[int, str], int]]:
    """The town's villages by code and groups by (village, code), read once per run."""
    if "villages" not in run.cache:
        run.cache["villages"] = dict(db.session.execute(select(Village.code, Village.id)).all())
        run.cache["groups"] = {(village_id, code): group_id for group_id, village_id, code in db.session.execute(
            select(VillageGroup.id, VillageGroup.village_id, VillageGroup.code))}
    return run.cache["villages"], run.cache["groups"]


def _write_households(run: Run, creates: list[dict], updates: list[tuple[int, dict, list[str]]]) -> None:
    table = Household.__table__
    now = utcnow()
    if creates:
        rows = [{**values, "created_at": now, "updated_at": now} for values in creates]
        new_ids = insert_many(table, rows)
        audit_many("household.create", "household", [(household_id, {"number": values["number"]})
                                                     for household_id, values in zip(new_ids, creates, strict=True)])
        run.created += len(creates)
        run.wrote(table, creates)
    if updates:
        statement = (update(table).where(table.c.id == bindparam("b_id"))
                     .values(village_id=bindparam("b_village_id"), group_id=bindparam("b_group_id"),
                             address=bindparam("b_address"), updated_at=bindparam("b_updated_at")))
        db.session.execute(statement, [{"b_id": household_id, "b_updated_at": now,
                                        **{f"b_{k}": values[k] for k in ("village_id", "group_id", "address")}}
                                       for household_id, values, _changed in updates])
        audit_many("household.update", "household", [(household_id, {"fields": changed})
                                                     for household_id, _values, changed in updates])
        run.wrote(table, [values for _id, values, _changed in updates])
