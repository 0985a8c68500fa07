"""The audit trail's hash chain: verify finds an edited, removed or forged entry; concurrent writers never
fork a chain; the county page shows the chain's state; exports of a range are themselves audited; lists
of masked rows are not audited as reads."""

from __future__ import annotations

import csv
import io
import threading

from openpyxl import load_workbook
from sqlalchemy import func, select, text

from renkou.audit import chain
from renkou.audit import services as audit
from renkou.audit.models import AuditEvent
from renkou.extensions import db
from tests.conftest import login


def _verify(app):
    with app.app_context():
        with db.engine.connect() as connection:
            return {report.scope: report for report in chain.verify(connection, chain.current_key())}


def _cli_verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def _tamper(app, sql: str, **params) -> None:
    """Edit the trail as someone who got around the application (the owner, or a file editor on SQLite)."""
    with app.app_context():
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("ALTER TABLE shared.audit_events DISABLE TRIGGER USER")
                connection.execute(text(sql.replace("audit_events", "shared.audit_events")), params)
                connection.exec_driver_sql("ALTER TABLE shared.audit_events ENABLE TRIGGER USER")
            else:
                connection.exec_driver_sql("DROP TRIGGER shared.audit_events_no_update")
                connection.exec_driver_sql("DROP TRIGGER shared.audit_events_no_delete")
                connection.execute(text(sql.replace("audit_events", "shared.audit_events")), params)


def _town_entries(app, town_code):
    with app.app_context():
        table = AuditEvent.__table__
        return db.session.execute(select(table.c.id, table.c.seq, table.c.prev_hash, table.c.row_hash,
                                         table.c.occurred_at).where(table.c.town_code == town_code)
                                  .order_by(table.c.seq)).all()


def _some_entries(factory):
    town = factory.town()
    village = factory.village(town, "201", "东村")
    factory.household(town, "H-1", village_id=village)
    factory.person(town, name="王五")
    return town


def test_an_intact_trail_verifies(app, factory):
    town = _some_entries(factory)
    reports = _verify(app)
    assert reports[town.code].intact and reports[town.code].entries >= 3
    assert reports["county"].intact
    entries = _town_entries(app, town.code)
    assert [entry.seq for entry in entries] == list(range(1, len(entries) + 1))
    assert all(entry.prev_hash == before.row_hash for before, entry in zip(entries, entries[1:], strict=False))
    result = _cli_verify(app)
    assert result.exit_code == 0 and f"{town.code}: intact" in result.output


def test_verify_finds_an_edited_entry(app, factory):
    town = _some_entries(factory)
    target = _town_entries(app, town.code)[1]
    _tamper(app, "UPDATE audit_events SET actor_name = 'someone_else' WHERE id = :id", id=target.id)
    report = _verify(app)[town.code]
    assert not report.intact and report.entry_id == target.id and "altered" in report.problem
    result = _cli_verify(app)
    assert result.exit_code == 1 and f"BROKEN at entry {target.id}" in result.output


def test_verify_finds_a_removed_entry(app, factory):
    town = _some_entries(factory)
    entries = _town_entries(app, town.code)
    _tamper(app, "DELETE FROM audit_events WHERE id = :id", id=entries[1].id)
    report = _verify(app)[town.code]
    assert not report.intact and report.entry_id == entries[2].id and "missing" in report.problem


def test_verify_finds_a_forged_entry(app, factory):
    """An INSERT straight into the table (the app's role may insert) has no valid link."""
    town = _some_entries(factory)
    head = _town_entries(app, town.code)[-1]
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(AuditEvent.__table__.insert().values(
                occurred_at=head.occurred_at, actor_name="auditor", town_code=town.code, action="person.read",
                outcome="success", client_addr="", detail={}, scope=town.code, seq=head.seq + 1,
                prev_hash=head.row_hash, row_hash="0" * 64))
    report = _verify(app)[town.code]
    assert not report.intact and "altered" in report.problem
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(AuditEvent.__table__.insert().values(
                occurred_at=head.occurred_at, actor_name="x", town_code=None, action="auth.login", outcome="success",
                client_addr="", detail={}))  # no link at all
    assert not _verify(app)["county"].intact


def test_concurrent_writers_never_fork_a_chain(app, factory):
    town = factory.town()
    errors = []

    def write(worker: int):
        try:
            for number in range(8):
                with app.app_context():
                    audit.record("test.concurrent", town_code=town.code, detail={"worker": worker, "n": number})
                    audit.record("test.concurrent", town_code=None, detail={"worker": worker, "n": number})
                    db.session.commit()
        except Exception as exc:  # reported below; a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    reports = _verify(app)
    assert reports[town.code].intact and reports["county"].intact
    with app.app_context():
        count = db.session.scalar(select(func.count()).where(AuditEvent.action == "test.concurrent",
                                                             AuditEvent.town_code == town.code))
    assert count == 32


def test_the_audit_page_shows_the_chain_state(app, client, factory):
    town = _some_entries(factory)
    factory.user("auditor", "audit_admin")
    login(client, "auditor")
    assert "哈希链完整" in client.get("/county/audit/").get_data(as_text=True)
    client.get("/lang/en")
    assert "Hash chain intact" in client.get("/county/audit/").get_data(as_text=True)
    target = _town_entries(app, town.code)[0]
    _tamper(app, "UPDATE audit_events SET action = 'town.nothing' WHERE id = :id", id=target.id)
    page = client.get("/county/audit/").get_data(as_text=True)
    assert f"The hash chain of {town.code} is broken at entry {target.id}: an entry was altered" in page


def test_exports_of_a_range_are_audited(app, client, factory):
    town = _some_entries(factory)
    factory.user("auditor", "audit_admin")
    login(client, "auditor")
    response = client.get(f"/county/audit/export.csv?town_code={town.code}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "时间(UTC)" and len(rows) > 3 and all(row[2] == town.code for row in rows[1:])
    response = client.get(f"/county/audit/export.xlsx?town_code={town.code}")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet.max_row == len(rows)
    with app.app_context():
        exports = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "audit.export")).all()
    assert exports == [{"town_code": town.code}] * 2
    assert _verify(app)["county"].intact


def test_lists_of_masked_rows_are_not_audited_but_records_are(app, client, factory):
    town = factory.town()
    person = factory.person(town, name="王五", resident_id="11010519491231002X")
    login(client, town.admin_username)

    def count():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(AuditEvent))

    before = count()
    for path in ("/people/", "/households/", "/births/", "/clinics/", "/support/roll", "/people/childbearing-age"):
        response = client.get(f"/t/{town.slug}{path}")
        assert response.status_code in (200, 404), path
    assert count() == before
    assert client.get(f"/t/{town.slug}/people/{person}").status_code == 200
    assert count() == before + 1


def test_the_signed_in_user_and_memberships_are_read_once_per_request(app, client, factory, town):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    factory.person(town, name="王五")
    login(client, town.admin_username)
    statements = []

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        assert client.get(f"/t/{town.slug}/people/").status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    for table in ("users", "memberships"):
        reads = [s for s in statements if s.lstrip().startswith("SELECT") and f"FROM shared.{table}" in s]
        assert len(reads) == 1, f"{table} read {len(reads)} times"
