"""The materials catalogue and deliveries of materials to households (宣传品入户)."""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.pagination import Page, paginate
from renkou.search import text_matches
from tenants.outreach.models import MATERIAL_KINDS, MaterialDelivery, OutreachMaterial
from tenants.outreach.services.common import DatedFilter, check_common, filtered
from tenants.registry import services as registry
from tenants.registry.models import Household

# ---------------------------------------------------------------------------------------------------------
# The catalogue


def list_materials(q: str = "", kind: str | None = None, page: int = 1, per_page: int = 50) -> Page:
    statement = select(OutreachMaterial).order_by(OutreachMaterial.name, OutreachMaterial.id)
    if q:
        statement = statement.where(text_matches(q, OutreachMaterial.name))
    if kind:
        statement = statement.where(OutreachMaterial.kind == kind)
    return paginate(db.session, statement, page, per_page)


def all_materials() -> list[OutreachMaterial]:
    return list(db.session.scalars(select(OutreachMaterial).order_by(OutreachMaterial.name)))


def find_material(name: str) -> OutreachMaterial | None:
    """The material of the catalogue with this name (names are unique in the town), or None."""
    return db.session.scalar(select(OutreachMaterial).where(OutreachMaterial.name == name.strip()))


def get_material(material_id: int) -> OutreachMaterial:
    material = db.session.get(OutreachMaterial, material_id)
    if material is None:
        raise NotFoundError(str(_l("No such material.")))
    return material


def create_material(name: str, kind: str) -> OutreachMaterial:
    """Add a material to the catalogue; names are unique in the town."""
    if kind not in MATERIAL_KINDS:
        raise ServiceError.on("kind", str(_l("Choose one of the listed values.")))
    if db.session.scalar(select(OutreachMaterial.id).where(OutreachMaterial.name == name)) is not None:
        raise ConflictError.on("name", str(_l("A material with this name is in the catalogue already.")))
    material = OutreachMaterial(name=name, kind=kind)
    db.session.add(material)
    db.session.flush()
    audit.record("outreach_material.create", record_type="outreach_material", record_id=material.id,
                 detail={"fields": ["kind", "name"]})
    return material


# ---------------------------------------------------------------------------------------------------------
# Deliveries


@dataclasses.dataclass
class DeliveryFilter(DatedFilter):
    material_id: int | None = None


def deliveries_statement(filters: DeliveryFilter) -> Select:
    statement = filtered(select(MaterialDelivery).options(selectinload(MaterialDelivery.households)),
                         MaterialDelivery, MaterialDelivery.delivery_date, filters)
    if filters.material_id:
        statement = statement.where(MaterialDelivery.material_id == filters.material_id)
    return statement


def list_deliveries(filters: DeliveryFilter, page: int = 1, per_page: int = 50) -> Page:
    return paginate(db.session, deliveries_statement(filters), page, per_page)


def get_delivery(delivery_id: int) -> MaterialDelivery:
    delivery = db.session.get(MaterialDelivery, delivery_id)
    if delivery is None:
        raise NotFoundError(str(_l("No such delivery.")))
    return delivery


def deliver(*, material_id: int, village_id: int, delivery_date, household_ids: list[int] | None = None,
            all_households: bool = False, note: str = "") -> MaterialDelivery:
    """Record that a material reached households of a village on a day: every household of the village
    (``all_households``) or those in ``household_ids``, which must all be of that village. A household
    listed twice is reached once."""
    values = {"village_id": village_id, "delivery_date": delivery_date}
    errors: dict[str, list[str]] = {}
    if not village_id:
        errors["village_id"] = [str(_l("This field is required."))]
    check_common(values, "delivery_date", errors)
    if db.session.get(OutreachMaterial, material_id or 0) is None:
        errors["material_id"] = [str(_l("No such material."))]
    if errors:
        raise ServiceError(errors)
    households = _chosen_households(village_id, household_ids or [], all_households)
    delivery = MaterialDelivery(material_id=material_id, village_id=village_id, delivery_date=delivery_date,
                                note=note or "", households=households)
    db.session.add(delivery)
    db.session.flush()
    audit.record("material_delivery.create", record_type="material_delivery", record_id=delivery.id,
                 detail={"fields": ["material_id", "village_id", "delivery_date", "households",
                                    *(["note"] if note else [])],
                         "households": len(households)})
    return delivery


def _chosen_households(village_id: int, household_ids: list[int], all_households: bool) -> list:
    in_village = registry.village_households(village_id)
    if all_households:
        if not in_village:
            raise ServiceError.on("household_ids", str(_l("The village has no households on the register.")))
        return in_village
    if not household_ids:
        raise ServiceError.on("household_ids", str(_l("Choose the households reached, or deliver to every "
                                                      "household of the village.")))
    by_id = {household.id: household for household in in_village}
    strangers = sorted({household_id for household_id in household_ids if household_id not in by_id})
    if strangers:
        raise ServiceError.on("household_ids", str(_l("Not households of this village: %(ids)s.",
                                                      ids=", ".join(map(str, strangers)))))
    return [by_id[household_id] for household_id in dict.fromkeys(household_ids)]


def record_household_reached(*, material_id: int, household: Household, delivery_date, note: str = ""
                             ) -> tuple[MaterialDelivery, bool]:
    """Record that ``household`` received the material on that day (one row of an imported delivery list).

    The household joins the delivery of that material, day and village (the household's), which is made
    when there is none yet. Returns the delivery and whether the household is newly recorded as reached:
    recording it again changes nothing, so a re-upload counts no household twice. A note is kept on the
    delivery when it has none.
    """
    errors: dict[str, list[str]] = {}
    check_common({"delivery_date": delivery_date}, "delivery_date", errors)
    if db.session.get(OutreachMaterial, material_id or 0) is None:
        errors["material_id"] = [str(_l("No such material."))]
    if errors:
        raise ServiceError(errors)
    delivery = db.session.scalar(select(MaterialDelivery).where(
        MaterialDelivery.material_id == material_id, MaterialDelivery.village_id == household.village_id,
        MaterialDelivery.delivery_date == delivery_date).order_by(MaterialDelivery.id).limit(1))
    if delivery is None:
        return deliver(material_id=material_id, village_id=household.village_id, delivery_date=delivery_date,
                       household_ids=[household.id], note=note), True
    changed = []
    if household not in delivery.households:
        delivery.households.append(household)
        changed.append("households")
    if note and not delivery.note:
        delivery.note = note
        changed.append("note")
    db.session.flush()
    if changed:
        audit.record("material_delivery.update", record_type="material_delivery", record_id=delivery.id,
                     detail={"fields": changed, "households": len(delivery.households)})
    return delivery, "households" in changed
