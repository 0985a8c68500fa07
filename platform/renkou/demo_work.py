"""The town's work records of the demo's sample registers (renkou.demo_data builds the people first):
outreach, governance, clinics, funding, the association and family support, through the areas' services.

Each step reads the Seeder (its random generator, the households and people it made, ``latest`` as
today) and dates everything this year so far or last year, never in the future.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

AGREEMENT_ITEMS = [
    {"description": "宣传品入户", "weight": 20, "target": "入户率≥95%"},
    {"description": "生育登记服务", "weight": 30, "target": "7个工作日内办结"},
    {"description": "出生信息及时报送", "weight": 20, "target": "24小时内报送"},
    {"description": "包户联系服务", "weight": 30, "target": "包户覆盖率≥90%"},
    {"description": "两非案件", "weight": 0, "veto": True, "veto_kind": "oversight"},
    {"description": "虚报、瞒报统计数据", "weight": 0, "veto": True, "veto_kind": "data_quality"},
]
# Yuan a year per category: the range one voucher falls in.
# Scaled to the sample's population: about 15–25 yuan a head a year.
FUNDING = {"equipment": (300, 1000, "计生服务设备购置"), "technical_services": (200, 700, "技术服务补助"),
           "child_health": (100, 500, "婴幼儿照护服务"), "publicity": (100, 400, "宣传品印制"),
           "training": (100, 300, "村计生专干培训"), "network": (100, 200, "村级网络运行")}


def seed_work(s) -> dict:
    """Every area's records for the seeder's town; how many of each kind were made."""
    made = {"deliveries": outreach(s)}
    made.update(governance(s))
    made["clinics"] = clinics(s)
    made["funding_entries"] = funding(s)
    made["association_members"] = association(s)
    made["support_roll"] = support(s)
    return made


def this_year(s, low: float = 0.0, high: float = 1.0) -> date:
    """A day of this year so far, between the fractions ``low`` and ``high`` of the days gone."""
    first = date(s.latest.year, 1, 1)
    span = (s.latest - first).days
    return first + timedelta(days=int(span * s.rng.uniform(low, high)))


def last_year(s, first_month: int = 1, last_month: int = 12) -> date:
    return date(s.latest.year - 1, s.rng.randint(first_month, last_month), s.rng.randint(1, 28))


def outreach(s) -> int:
    """Three material campaigns (last year, earlier this year, lately) reaching most households of each
    village, an activity, a population-school session each year and two slogans."""
    from tenants.outreach.services import materials, records

    lately = max(date(s.latest.year, 1, 1), s.latest - timedelta(days=s.rng.randint(5, 25)))
    # (material, day, share of households reached, only households the campaign before reached): the
    # calendar follows the leaflet, so this year's coverage stays below 100 % as it does in practice.
    campaigns = [(materials.create_material("婚育新风进万家宣传册", "booklet"), last_year(s, 3, 11), 0.9, False),
                 (materials.create_material("生育支持政策明白纸", "leaflet"), this_year(s, 0.1, 0.5), 0.93, False),
                 (materials.create_material("优生优育挂历", "calendar"), lately, 0.6, True)]
    deliveries, reached = 0, set()
    for material, day, share, follows in campaigns:
        earlier, reached = reached, set()
        for village in s.villages:
            here = [h.id for h in s.households if h.village_id == village.id and s.arrived.get(h.id, day) <= day]
            if follows:
                here = [household_id for household_id in here if household_id in earlier]
            chosen = s.rng.sample(here, round(len(here) * min(1.0, s.rng.uniform(share - 0.05, share + 0.06))))
            if chosen:
                materials.deliver(material_id=material.id, village_id=village.id, delivery_date=day,
                                  household_ids=chosen)
                reached.update(chosen)
                deliveries += 1
    records.create_activity({"kind": "new_customs_performance", "activity_date": this_year(s, 0.2, 0.8),
                             "participants": s.rng.randint(180, 400), "description": "婚育新风进万家文艺演出"})
    records.create_activity({"kind": "consultation_day", "activity_date": last_year(s, 5, 9),
                             "village_id": s.villages[0].id, "participants": s.rng.randint(40, 90),
                             "description": "优生优育咨询日"})
    records.create_session({"topic": "生育支持政策解读", "session_date": this_year(s, 0.3, 0.9),
                            "village_id": s.rng.choice(s.villages).id, "attendance": s.rng.randint(25, 60)})
    records.create_session({"topic": "婴幼儿照护与科学育儿", "session_date": last_year(s, 4, 11),
                            "attendance": s.rng.randint(30, 70)})
    for content, place in (("生男生女都一样，女儿也是传后人", "村委会外墙"), ("优生优育，幸福万家", "集镇主街")):
        records.create_slogan({"content": content, "place": place, "slogan_date": last_year(s, 3, 10),
                               "village_id": s.rng.choice(s.villages).id})
    return deliveries


def governance(s) -> dict:
    """The leadership group, agreements with the villages for last year (all) and this year (most), and
    duties: the leader covers the town (包片), members a village each (包村), the village officers most
    households of their village (包户)."""
    from tenants.governance.services import agreements, duties, members

    group = [members.create_member({"name": s.name(sex, 48), "position": position, "group_role": role,
                                    "phone": s.phone(), "sort_order": n})
             for n, (sex, position, role) in enumerate((("M", "党委书记", "leader"), ("M", "镇长", "deputy"),
                                                       ("F", "分管副镇长", "member"), ("F", "计生办主任", "member")))]
    signed = 0
    for year, share in ((s.latest.year - 1, 1.0), (s.latest.year, 0.85)):
        for index, village in enumerate(s.villages):
            if index and s.rng.random() > share:
                continue
            signed_on = min(date(year, 2, s.rng.randint(10, 28)), s.latest)
            agreements.create_agreement({"year": year, "village_id": village.id, "signed_on": signed_on,
                                         "items": AGREEMENT_ITEMS})
            signed += 1
    duties.create_assignment({"kind": "area", "member_id": group[0].id, "area_name": "全镇",
                              "village_ids": [village.id for village in s.villages]})
    for index, village in enumerate(s.villages):
        duties.create_assignment({"kind": "village", "member_id": group[1 + index % 3].id,
                                  "village_ids": [village.id]})
        here = [h.id for h in s.households if h.village_id == village.id]
        covered = s.rng.sample(here, round(len(here) * s.rng.uniform(0.85, 1.0)))
        if covered:
            duties.create_assignment({"kind": "household", "staff_id": s.staff[village.id].id,
                                      "household_ids": covered})
    return {"leadership_members": len(group), "agreements": signed}


def clinics(s) -> int:
    """The health centre and one or two village clinics, their licences (one expiring within 30 days),
    and 两非 inspections last year and this year, one with a failed item."""
    from tenants.clinics import rules
    from tenants.clinics.services import inspections, licences, units

    centre = units.create_unit({
        "kind": "health_centre", "name": f"{s.town.name}卫生院", "contact_name": s.name("M", 50),
        "contact_phone": s.phone(), "services": ["delivery", "prenatal_care", "iud_insertion", "iud_removal",
                                                 "ultrasound", "contraceptive_supply", "child_health", "outpatient"]})
    clinics_made = [centre] + [units.create_unit({
        "kind": "village_clinic", "name": f"{village.name}卫生室", "village_id": village.id,
        "contact_name": s.name("M", 45), "services": ["outpatient", "contraceptive_supply", "child_health"]})
        for village in s.villages[:s.rng.randint(1, 2)]]
    for index, unit in enumerate(clinics_made):
        expiring = index == len(clinics_made) - 1
        valid_to = s.latest + timedelta(days=s.rng.randint(8, 25)) if expiring else \
            date(s.latest.year + s.rng.randint(1, 4), 12, 31)
        licences.create_licence({"unit_id": unit.id, "kind": "practice", "number": f"PDY{s.rng.randrange(10**8):08d}",
                                 "issuer": "县卫生健康委员会", "valid_from": date(valid_to.year - 5, 1, 1),
                                 "valid_to": valid_to})
    licences.create_licence({"unit_id": centre.id, "kind": "maternal_infant", "issuer": "县卫生健康委员会",
                             "number": f"MY{s.rng.randrange(10**6):06d}", "valid_from": date(s.latest.year - 2, 3, 1),
                             "valid_to": date(s.latest.year + 1, 2, 28)})
    inspectors = f"{s.counsellors[0]}、{s.name('M', 40)}"
    for unit in clinics_made:
        for day in (last_year(s, 4, 11), this_year(s, 0.2, 0.95)):
            items = [{"code": code, "result": "pass"} for code in rules.checklist_on(day)]
            if unit is centre and day.year == s.latest.year:
                items[-2] = {"code": items[-2]["code"], "result": "fail", "note": "禁止两非公示牌未张贴"}
            inspections.create_inspection({"unit_id": unit.id, "inspection_date": day, "inspectors": inspectors,
                                           "items": items})
    return len(clinics_made)


def funding(s) -> int:
    """One or two vouchers per category, last year and this year so far."""
    from tenants.funding.services import create_entry

    made = 0
    for year in (s.latest.year - 1, s.latest.year):
        for category, (low, high, description) in FUNDING.items():
            for _ in range(s.rng.randint(1, 2)):
                made += 1
                day = last_year(s) if year < s.latest.year else this_year(s)
                create_entry({"entry_date": day, "category": category, "description": description,
                              "amount": Decimal(s.rng.randint(low, high) // 10 * 10),
                              "voucher_number": f"{year}-{made:03d}"})
    return made


def association(s) -> int:
    """A member home and a member group in the first village, its members (one leading the group) and the
    households each member keeps in touch with."""
    from tenants.association.services import groups, homes, liaisons, members

    village = s.villages[0]
    home = homes.create_home({"name": f"{village.name}计生协会员之家", "village_id": village.id,
                              "address": "村委会二楼", "opened_on": date(2019, 5, 20), "facilities": "活动室、图书角"})
    adults = [p for p in s.people if p.household and p.household.village_id == village.id and p.status == "resident"
              and 25 <= p.age_on(s.latest) <= 65]
    chosen = s.rng.sample(adults, min(len(adults), s.rng.randint(5, 8)))
    made = []
    for number, person in enumerate(chosen, start=1):
        made.append(members.create_member({
            "member_number": f"XH-{number:04d}", "person_id": person.id, "village_id": village.id,
            "joined_on": date(s.rng.randint(2016, 2022), s.rng.randint(1, 12), 1),
            "role": "group_leader" if number == 1 else s.rng.choice(("member", "member", "volunteer"))}))
    if made:
        groups.create_group({"name": "第一会员小组", "village_id": village.id, "home_id": home.id,
                             "leader_id": made[0].id, "founded_on": date(2022, 3, 1)})
    households = [h.id for h in s.households if h.village_id == village.id]
    for member in made:
        liaisons.assign_households(member.id, s.rng.sample(households, min(len(households), 3)),
                                   member.joined_on + timedelta(days=30))
    return len(made)


def support(s) -> int:
    """Older couples with one child on the reward-support roll of last year and this year (the rural
    hukou declared as checked), with the half-yearly payments made so far; 三结合 help for two households."""
    from tenants.support.services import assistance, payments, roll

    entries = 0
    for year in (s.latest.year - 1, s.latest.year):
        checked = {"checked_by": s.counsellors[0], "checked_on": min(date(year, 1, 10), s.latest)}
        for head, wife, _household in s.roll_couples[:3]:
            for person in (head, wife):
                if person.age_on(date(year, 12, 31)) < 60:
                    continue
                entry = roll.confirm({"person_id": person.id, "kind": "reward", "year": year,
                                      "declarations": [{"code": "rural_hukou", **checked}]})
                entries += 1
                for half, paid_on in enumerate((date(year, 6, 28), date(year, 12, 20)), start=1):
                    if paid_on <= s.latest:
                        payments.record_payment({"roll_entry_id": entry.id, "paid_on": paid_on, "method": "bank",
                                                 "amount": Decimal(entry.amount_fen) / 200,
                                                 "reference": f"JLFZ-{year}-{entry.id:04d}-{half}"})
    for household in s.rng.sample(s.households, 2):
        kind = s.rng.choice(("training", "microcredit", "project"))
        assistance.create_assistance({"household_id": household.id, "kind": kind, "given_on": this_year(s),
                                      "value": Decimal(s.rng.randint(5, 30) * 100), "provider": "镇计生协会",
                                      "description": "计生家庭发展帮扶"})
    return entries
