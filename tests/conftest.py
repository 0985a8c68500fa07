"""Test fixtures: real PostgreSQL and Redis, and the embedded SQLite mode.

Every test that takes ``app`` runs twice: once on PostgreSQL (a database of its own per test session,
emptied after each test) and once on SQLite files in a temporary folder. Redis is the machine's
Redis (127.0.0.1:6379), on a database number of the tests' own, emptied after each test.

Set RENKOU_TEST_BACKENDS=postgresql (or sqlite) to run one backend only.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import os
import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest
import redis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from renkou.app import create_app
from renkou.config import Settings
from renkou.extensions import db

PG_ADMIN_URL = os.environ.get("RENKOU_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RENKOU_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
BACKENDS = [b for b in os.environ.get("RENKOU_TEST_BACKENDS", "postgresql,sqlite").split(",") if b]
PASSWORD = "Test-password-42"
# Test runs side by side share the machine's Redis; each keeps to keys of its own.
REDIS_PREFIX = f"renkou-test-{os.getpid()}"
COUNTY_CODE = "411524"

# Property tests judge what is generated, not how fast: on a machine shared with other test processes the
# generation and each example can take longer than Hypothesis's defaults allow (200 ms a call), which
# failed runs for no fault of the code.
hypothesis_settings.register_profile("renkou", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("renkou")


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test process (test runs side by side never share one)."""
    name = f"renkou_test_{os.getpid()}_{_worker_suffix()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        _drop_abandoned_databases(admin)
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'DROP ROLE IF EXISTS "{_app_role_name()}"')


def _app_role_name() -> str:
    return f"renkou_app_{os.getpid()}_{_worker_suffix()}"


@pytest.fixture(scope="session")
def pg_app_url(pg_url):
    """The test database as the application's own role, which owns nothing (one role per test process)."""
    role = _app_role_name()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
            admin.execute(f'CREATE ROLE "{role}" LOGIN')
    return pg_url.replace("://postgres@", f"://{role}@", 1)


def _drop_abandoned_databases(admin) -> None:
    """Databases (and app roles) of test processes that died without cleaning up (the pid is in the name)."""
    names = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'renkou\\_test\\_%'").fetchall()
    for (name,) in names:
        pid = name.split("_")[2]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    roles = admin.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'renkou\\_app\\_%'").fetchall()
    for (role,) in roles:
        pid = role.split("_")[2]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture(scope="session")
def redis_url():
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    return REDIS_URL


def make_settings(backend: str, tmp_path, pg_url: str | None, redis_url: str, **overrides) -> Settings:
    settings = Settings(
        database_url=pg_url if backend == "postgresql" else None,
        data_dir=tmp_path / "var",
        redis_url=redis_url,
        redis_prefix=REDIS_PREFIX,
        secret_key="test-secret-" + uuid.uuid4().hex,
        county_code=COUNTY_CODE,
        secure_cookies=False,
        login_rate_limit="1000 per minute",
        api_rate_limit="10000 per minute",
        migrate_workers=2,
        testing=True,
    )
    return dataclasses.replace(settings, **overrides)


@pytest.fixture(params=BACKENDS, ids=lambda b: {"postgresql": "pg", "sqlite": "sqlite"}[b])
def backend(request):
    return request.param


@pytest.fixture
def settings(backend, tmp_path, request, redis_url):
    pg = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    return make_settings(backend, tmp_path, pg, redis_url)


@pytest.fixture
def app(settings):
    application = build_app(settings)
    yield application
    reset_storage(application)


def build_app(settings: Settings):
    """The app on ``settings`` with the shared schema at head. The shared tree is migrated once per test
    process: a PostgreSQL database keeps its schema between tests (they empty its tables), and a SQLite
    test starts from a copy of a shared.db migrated once."""
    from renkou.db import owner_engine
    from renkou.migrations.runner import app_role_of, upgrade_shared

    migrated = _clone_shared_sqlite(settings) if settings.database_url is None else \
        settings.database_url in _MIGRATED_DATABASES
    application = create_app(settings)
    if not migrated:
        with application.app_context():
            upgrade_shared(owner_engine(), app_role_of(settings))
        if settings.database_url is not None:
            _MIGRATED_DATABASES.add(settings.database_url)
    return application


_MIGRATED_DATABASES: set[str] = set()


def _clone_shared_sqlite(settings: Settings) -> bool:
    """Copy the process's migrated shared.db into a new data folder; False if the folder has one already
    (a second app of the same test), which then gets the usual upgrade."""
    import sqlite3

    target = settings.data_dir / "shared.db"
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(_shared_sqlite_template()) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return True


@functools.cache
def _shared_sqlite_template() -> str:
    import shutil
    import tempfile

    from renkou.migrations.runner import upgrade_shared

    folder = Path(tempfile.mkdtemp(prefix="renkou-shared-template-"))
    atexit.register(shutil.rmtree, folder, True)
    template = create_app(make_settings("sqlite", folder, None, REDIS_URL))
    with template.app_context():
        upgrade_shared(db.engine)
        db.engine.dispose()
    return str(folder / "var" / "shared.db")


def reset_storage(application) -> None:
    """Leave PostgreSQL and Redis as they were found (SQLite files go with tmp_path)."""
    with application.app_context():
        db.session.remove()
        engines = application.extensions["renkou.town_engines"]
        if not engines.is_sqlite:
            from renkou.db import owner_engine

            with owner_engine().begin() as connection:
                schemas = connection.execute(
                    text("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'town\\_%'")
                ).scalars()
                for schema in list(schemas):
                    connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                tables = connection.execute(
                    text("SELECT tablename FROM pg_tables "
                         "WHERE schemaname = 'shared' AND tablename != 'alembic_version'")
                ).scalars()
                names = ", ".join(f'shared."{name}"' for name in tables)
                if names:
                    connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        engines.dispose()
    settings = application.config["RENKOU_SETTINGS"]
    client = redis.Redis.from_url(settings.redis_url)
    keys = list(client.scan_iter(f"*{settings.redis_prefix}*"))
    if keys:
        client.delete(*keys)
    forget_rq_traces(client, settings.redis_prefix)


def forget_rq_traces(client, prefix: str) -> None:
    """What RQ keeps of this run under keys of its own naming: queue, worker and cron-job names in its
    global sets, and the jobs and results of cron ticks and unnamed workers (random ids). Other runs'
    entries stay."""
    for key in ("rq:queues", "rq:workers"):
        members = [member for member in client.smembers(key) if prefix.encode() in member]
        if members:
            client.srem(key, *members)
    for key in ("rq:cron_jobs", "rq:cron_schedulers"):
        if client.type(key) == b"zset":
            members = [member for member in client.zrange(key, 0, -1) if prefix.encode() in member]
            if members:
                client.zrem(key, *members)
    for pattern, field in (("rq:job:*", "origin"), ("rq:worker:*", "queues")):
        keys = list(client.scan_iter(pattern, count=1000))
        if not keys:
            continue
        with client.pipeline(transaction=False) as pipeline:
            for key in keys:
                pipeline.type(key)
            kinds = pipeline.execute()
            keys = [key for key, kind in zip(keys, kinds, strict=True) if kind == b"hash"]
            for key in keys:
                pipeline.hget(key, field)
            owners = pipeline.execute()
        ours = [key for key, owner in zip(keys, owners, strict=True) if owner and prefix.encode() in owner]
        ours += [b"rq:results:" + key.removeprefix(b"rq:job:") for key in ours if key.startswith(b"rq:job:")]
        if ours:
            client.delete(*ours)


@pytest.fixture
def client(app):
    return app.test_client()


# ---------------------------------------------------------------------------------------------------------
# Factories


@dataclasses.dataclass
class TownInfo:
    id: int
    code: str
    slug: str
    name: str
    admin_username: str


class Factory:
    """Makes towns, users and villages through the real services, each committed like a request."""

    def __init__(self, app):
        self.app = app
        self._next_town = 101

    def town(self, code: str | None = None, slug: str | None = None, name: str | None = None) -> TownInfo:
        from renkou.tenancy.services import onboard_town

        if code is None:
            code = f"{COUNTY_CODE}{self._next_town:03d}"
            self._next_town += 1
        slug = slug or f"town{code[-3:]}"
        admin = f"{slug}_admin"
        with self.app.app_context():
            town = onboard_town(code=code, name=name or f"测试{code[-3:]}镇", slug=slug, admin_username=admin,
                                admin_password=PASSWORD)
            db.session.commit()
            info = TownInfo(town.id, town.code, town.slug, town.name, admin)
            db.session.remove()
        return info

    def user(self, username: str, role: str, town: TownInfo | None = None) -> str:
        from renkou.accounts import services as accounts
        from renkou.tenancy.services import get_town_by_slug

        with self.app.app_context():
            user = accounts.find_user(username)
            if user is None:
                user = accounts.create_user(username, PASSWORD, county_role=None if town else role)
            if town is not None:
                accounts.grant_membership(user, get_town_by_slug(town.slug), role)
            db.session.commit()
            db.session.remove()
        return username

    def token(self, username: str) -> str:
        from renkou.accounts import services as accounts

        with self.app.app_context():
            token = accounts.create_token(accounts.find_user(username), "test")
            db.session.commit()
            db.session.remove()
        return token

    def backdate_onboarding(self, town: TownInfo, months: int = 6) -> str:
        """Move the town's joining back to the first day of the month ``months`` months ago, so that it owes
        monthly reports; returns last month's id (a month it now owes a report for)."""
        from datetime import datetime, time

        from renkou.indicators.periods import MONTH, period_containing
        from renkou.tenancy.models import Town
        from renkou.timezone import county_tz

        with self.app.app_context():
            this_month = period_containing(MONTH, datetime.now(county_tz()).date())
            joined = this_month
            for _step in range(months):
                joined = joined.previous()
            db.session.get(Town, town.id).created_at = datetime.combine(joined.start, time(), tzinfo=county_tz())
            db.session.commit()
            db.session.remove()
        return this_month.previous().id

    def village(self, town: TownInfo, suffix: str = "201", name: str = "测试村") -> int:
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.network.services import create_village

        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                village_id = create_village(town.code + suffix, name).id
        return village_id

    def group(self, town: TownInfo, village_id: int, code: str = "001", name: str = "第一组") -> int:
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.network.group_services import create_group

        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                return create_group(village_id, code, name).id

    def staff(self, town: TownInfo, village_id: int, name: str = "李四", position: str = "村计生专干",
              duties: str = "", phone: str | None = None) -> int:
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.network.staff_services import create_staff

        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                return create_staff(village_id, name, position, duties, phone).id

    def household(self, town: TownInfo, number: str = "H001", village_id: int | None = None,
                  address: str = "测试路1号", group_id: int | None = None) -> int:
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.network.services import all_villages
        from tenants.registry.services import create_household

        if village_id is None:
            village_id = self.village(town, str(200 + len(number) + hash(number) % 700)[-3:], f"{number}村")
        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                assert all_villages()
                return create_household(number, village_id, address, group_id).id

    def person(self, town: TownInfo, **values) -> int:
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.registry.services import create_person

        values.setdefault("name", "张三")
        if not values.get("resident_id"):
            values.setdefault("sex", "M")
            values.setdefault("birth_date", date(1990, 1, 1))
        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                return create_person(values).id

    def birth_records(self, town: TownInfo, mother_id: int, **registration) -> dict[str, int]:
        """A birth registration, and a birth with a notice (which opens the follow-up tasks) of ``mother_id``:
        {"registration_id", "birth_id", "notice_id", "task_id"} (the first task)."""
        from datetime import UTC, datetime, timedelta

        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.births.services import births, registrations

        registration.setdefault("timing", "before_birth")
        registration.setdefault("expected_date", date.today() + timedelta(days=90))
        registration.setdefault("child_order", 1)
        born_at = datetime.now(UTC) - timedelta(hours=30)
        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                applied = registrations.create_registration({"mother_id": mother_id, **registration})
                notice = births.receive_notice(
                    source="卫生院", received_at=born_at + timedelta(hours=3),
                    birth={"mother_id": mother_id, "born_at": born_at, "sex": "F", "birth_order": 2})
                return {"registration_id": applied.id, "birth_id": notice.birth_id, "notice_id": notice.id,
                        "task_id": notice.tasks[0].id}


    def counselling_visit(self, town: TownInfo, person_id: int, **values) -> int:
        """A counselling visit of ``person_id`` (by default: the condom discussed and chosen, with consent)."""
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.contraception.services import create_visit

        values.setdefault("methods_discussed", ["condom"])
        values.setdefault("method_chosen", "condom")
        values.setdefault("consent", values["method_chosen"] is not None)
        values.setdefault("counsellor", "测试咨询员")
        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                return create_visit({"person_id": person_id, **values}).id

    def follow_up_visit(self, town: TownInfo, person_id: int, kind: str = "after_marriage", **values) -> int:
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.contraception.services import create_follow_up

        values.setdefault("content", "随访")
        values.setdefault("visitor", "测试随访员")
        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                return create_follow_up({"person_id": person_id, "kind": kind, **values}).id

    def movement(self, town: TownInfo, person_id: int | None, kind: str, event_date: date, **values) -> int:
        """A death, move out or move in (``place`` defaults to somewhere) of ``person_id``."""
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.movements.services import record_movement

        if kind != "death":
            values.setdefault("place", "外县")
        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                return record_movement(kind=kind, event_date=event_date, person_id=person_id, **values).id

    def clinic_records(self, town: TownInfo, village_id: int | None = None) -> dict[str, int]:
        """A private clinic offering terminations (which raises a finding), a licence of it and an inspection
        of it with one failed item (another finding): {"unit_id", "licence_id", "inspection_id", "finding_id"}
        (the finding the inspection raised)."""
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.clinics import rules
        from tenants.clinics.services import inspections, licences, units

        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                unit = units.create_unit({"kind": "private", "name": "测试诊所", "village_id": village_id,
                                          "contact_name": "赵医生", "contact_phone": "13900139000",
                                          "services": ["termination", "outpatient"]})
                licence = licences.create_licence({"unit_id": unit.id, "kind": "practice", "number": "PDY-0001",
                                                   "issuer": "县卫生健康局", "valid_to": date(2030, 12, 31)})
                items = [{"code": code, "result": "pass"} for code in rules.checklist_on(rules.today())]
                items[0] = {"code": items[0]["code"], "result": "fail", "note": "未登记"}
                inspection = inspections.create_inspection({"unit_id": unit.id, "inspectors": "测试检查员",
                                                            "items": items})
                return {"unit_id": unit.id, "licence_id": licence.id, "inspection_id": inspection.id,
                        "finding_id": inspection.findings[0].id}

    def governance_records(self, town: TownInfo, village_id: int, household_id: int) -> dict[str, int]:
        """A leadership group member, a signed agreement with ``village_id`` (a veto item and a PDF scan) and
        a 包户 duty of the member covering ``household_id``: {"member_id", "agreement_id", "assignment_id"}."""
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.governance.services import agreements, duties, members

        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                member = members.create_member({"name": "测试书记", "position": "党委书记", "group_role": "leader",
                                                "phone": "13700137000"})
                agreement = agreements.create_agreement({
                    "year": 2025, "village_id": village_id, "signed_on": date(2025, 2, 1),
                    "items": [{"description": "宣传品入户", "weight": 10, "target": "入户率≥95%"},
                              {"description": "两非案件", "weight": 0, "veto": True, "veto_kind": "oversight"}]})
                agreements.attach_scan(agreement, b"%PDF-1.4\n%test scan\n")
                duty = duties.create_assignment({"kind": "household", "member_id": member.id,
                                                 "household_ids": [household_id]})
                return {"member_id": member.id, "agreement_id": agreement.id, "assignment_id": duty.id}

    def association_records(self, town: TownInfo, village_id: int, household_id: int,
                            person_id: int) -> dict[str, int]:
        """A member home and a member group of ``village_id``, ``person_id`` as a member leading the group,
        and a liaison of theirs with ``household_id``:
        {"home_id", "member_group_id", "association_member_id", "liaison_id"}."""
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.association.services import groups, homes, liaisons, members

        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                home = homes.create_home({"name": "测试会员之家", "village_id": village_id, "address": "村委会二楼",
                                          "opened_on": date(2020, 5, 1)})
                member = members.create_member({"member_number": "XH-0001", "person_id": person_id,
                                                "village_id": village_id, "joined_on": date(2021, 1, 1),
                                                "role": "group_leader", "phone": "13600136000"})
                group = groups.create_group({"name": "第一会员小组", "village_id": village_id, "home_id": home.id,
                                             "leader_id": member.id, "founded_on": date(2021, 1, 1)})
                liaison = liaisons.assign_households(member.id, [household_id], date(2021, 2, 1))[0]
                return {"home_id": home.id, "member_group_id": group.id, "association_member_id": member.id,
                        "liaison_id": liaison.id}

    def support_records(self, town: TownInfo, household_id: int, person_id: int) -> dict[str, int]:
        """``person_id`` (60 or over in 2025) confirmed onto the 2025 reward-support roll with the rural hukou
        and the children declared, a payment of half the year's amount, a childcare-subsidy application for a
        new child of ``household_id``, and 三结合 training for the household:
        {"roll_entry_id", "support_payment_id", "subsidy_id", "assistance_id"}."""
        from datetime import timedelta
        from decimal import Decimal

        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.registry.services import create_person
        from tenants.support.services import assistance, payments, roll, subsidies

        checked = {"checked_by": "测试干事", "checked_on": date(2025, 1, 10)}
        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                entry = roll.confirm({"person_id": person_id, "kind": "reward", "year": 2025,
                                      "declarations": [{"code": "rural_hukou", **checked},
                                                       {"code": "children", **checked}]})
                payment = payments.record_payment({"roll_entry_id": entry.id, "paid_on": date(2025, 6, 30),
                                                   "amount": Decimal("480.00"), "method": "bank",
                                                   "reference": "FF-2025-0001"})
                child = create_person({"name": "测试的孩子", "sex": "F", "household_id": household_id,
                                       "relation": "grandchild", "birth_date": date.today() - timedelta(days=200)})
                application = subsidies.create_subsidy({"child_id": child.id, "applicant_id": person_id,
                                                        "applicant_phone": "13500135000"})
                help_given = assistance.create_assistance({"household_id": household_id, "kind": "training",
                                                           "given_on": date(2025, 4, 1), "value": Decimal("800")})
                return {"roll_entry_id": entry.id, "support_payment_id": payment.id, "subsidy_id": application.id,
                        "assistance_id": help_given.id}

    def bureau_notice(self, town: TownInfo) -> int:
        """A notification from the bureau routed to ``town`` (a task on its notices page); its id."""
        from renkou.inbound import rules
        from renkou.inbound.models import NOTIFICATION, ROUTED, InboundMessage, Notice

        today = date.today()
        with self.app.app_context():
            message = InboundMessage(message_id=uuid.uuid4().hex, kind=NOTIFICATION, channel="push",
                                     reference="通报-测试", title="测试通报", received_on=today, status=ROUTED,
                                     content={"towns": [town.code]}, outcome={})
            message.notices.append(Notice(kind=NOTIFICATION, scope=town.code, town_id=town.id, received_on=today,
                                          due_on=rules.due_on(NOTIFICATION, today, False), title="测试通报",
                                          text="请各乡镇落实。"))
            db.session.add(message)
            db.session.commit()
            notice_id = message.notices[0].id
            db.session.remove()
        return notice_id

    def import_batch(self, town: TownInfo) -> int:
        """A checked import of one person, as the dry run leaves it."""
        from renkou.imports import uploads
        from renkou.imports.engine import run_batch
        from renkou.imports.models import ImportBatch
        from renkou.imports.spreadsheets import write_xlsx
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug

        content = write_xlsx(["姓名", "身份证号码"], [["导入的人", "34052419800101001X"]])
        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                batch = ImportBatch(kind="people", filename="people.xlsx", content=uploads.seal(content),
                                    total_rows=1)
                db.session.add(batch)
                db.session.flush()
                run_batch(batch.id, commit=False)
                return batch.id

    def funding_entry(self, town: TownInfo, voucher_number: str = "2025-001", **values) -> int:
        """A funding entry (by default ¥1,000.00 of equipment on 1 March 2025)."""
        from decimal import Decimal

        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.funding.services import create_entry

        values.setdefault("entry_date", date(2025, 3, 1))
        values.setdefault("amount", Decimal("1000.00"))
        values.setdefault("category", "equipment")
        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                return create_entry({"voucher_number": voucher_number, **values}).id

    def outreach_records(self, town: TownInfo, village_id: int, household_id: int) -> dict[str, int]:
        """One outreach record of each kind in ``village_id``, the delivery reaching ``household_id``:
        {"activity_id", "material_id", "delivery_id", "slogan_id", "session_id"}."""
        from renkou.tenancy.context import town_session
        from renkou.tenancy.services import get_town_by_slug
        from tenants.outreach.services import materials, records

        day = date(2025, 4, 1)
        with self.app.app_context():
            with town_session(get_town_by_slug(town.slug)):
                material = materials.create_material("婚育新风宣传册", "booklet")
                return {
                    "activity_id": records.create_activity({"kind": "lecture", "activity_date": day,
                                                            "village_id": village_id, "participants": 30}).id,
                    "material_id": material.id,
                    "delivery_id": materials.deliver(material_id=material.id, village_id=village_id,
                                                     delivery_date=day, household_ids=[household_id]).id,
                    "slogan_id": records.create_slogan({"place": "村委会墙", "content": "关爱女孩", "slogan_date": day,
                                                        "village_id": village_id}).id,
                    "session_id": records.create_session({"topic": "优生优育", "session_date": day,
                                                          "village_id": village_id, "attendance": 25}).id,
                }


@pytest.fixture
def factory(app):
    return Factory(app)


# ---------------------------------------------------------------------------------------------------------
# Browser-like helpers for the test client

CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


SECRET_PATTERN = re.compile(r'<code id="totp-secret">([A-Z2-7]+)</code>')
# The TOTP secret of each account a test signed in as (county administrators must use two-factor sign-in).
TOTP_SECRETS: dict[str, str] = {}
_USED_STEPS: dict[str, int] = {}


def totp_code(secret: str) -> str:
    """A code for ``secret`` the server has not seen yet (each code is good once): the current 30-second
    step's, or the next one's when the current one was used. Never the previous step's: on a busy machine
    the request may reach the server after one more step boundary, when that code has expired."""
    import pyotp

    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    step = max(now, _USED_STEPS.get(secret, now - 1) + 1)
    assert step <= now + 1, "signed in more than twice in 30 seconds with one TOTP secret"
    _USED_STEPS[secret] = step
    return totp.generate_otp(step)


def login(client, username: str, password: str = PASSWORD):
    """Sign in as a person would, passing the second step (or enrolling in it) where it is asked for."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    location = response.headers.get("Location", "")
    if response.status_code != 302 or not location.startswith(("/login/code", "/login/enrol")):
        return response
    page = client.get(location).get_data(as_text=True)
    if location.startswith("/login/enrol"):
        TOTP_SECRETS[username] = SECRET_PATTERN.search(page).group(1)
    form_token = CSRF_PATTERN.search(page).group(1)
    response = client.post(location, data={"code": totp_code(TOTP_SECRETS[username]), "csrf_token": form_token})
    if location.startswith("/login/enrol"):  # the recovery codes page; then on, as after any sign-in
        return client.get("/", follow_redirects=False)
    return response


def post_form(client, path: str, data: dict, token_from: str = "/", **kwargs):
    """POST a form the way a browser would: with the CSRF token of a page the user has open."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)}, **kwargs)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def town(factory):
    """A town for the test (a module may define its own ``town``)."""
    return factory.town()


@pytest.fixture
def api(client, factory, town):
    """Call ``town``'s JSON API as its administrator, in English: ``api("GET", "/people")``."""
    headers = {**bearer(factory.token(town.admin_username)), "Accept-Language": "en"}

    def call(method, path, **kwargs):
        return client.open(f"/api/v1/towns/{town.slug}{path}", method=method, headers=headers, **kwargs)

    return call


def in_town(app, town, function):
    """Run ``function()`` in a session bound to ``town`` and return what it returns."""
    from renkou.tenancy.context import town_session
    from renkou.tenancy.services import get_town_by_slug

    with app.app_context():
        with town_session(get_town_by_slug(town.slug)):
            return function()
