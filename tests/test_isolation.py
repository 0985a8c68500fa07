"""Each town's rows are physically apart: another schema on PostgreSQL, another file on SQLite."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select, text

from renkou.db import NoTownSelected
from renkou.extensions import db
from tenants.network.models import Village


def test_village_lives_in_its_own_towns_storage_only(app, factory):
    town_a = factory.town()
    town_b = factory.town()
    factory.village(town_a, "201", "甲村")
    engines = app.extensions["renkou.town_engines"]
    if engines.is_sqlite:
        rows = {}
        for town in (town_a, town_b):
            with sqlite3.connect(engines.town_file(town.code)) as connection:
                rows[town.code] = connection.execute("SELECT code, name FROM villages").fetchall()
        assert rows[town_a.code] == [(town_a.code + "201", "甲村")]
        assert rows[town_b.code] == []
        with sqlite3.connect(engines.shared_file) as connection:
            tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "villages" not in tables
    else:
        with app.app_context(), db.engine.connect() as connection:
            in_a = connection.execute(text(f'SELECT name FROM "town_{town_a.code}".villages')).scalars().all()
            in_b = connection.execute(text(f'SELECT name FROM "town_{town_b.code}".villages')).scalars().all()
            in_public = connection.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_name = 'villages' "
                     "AND table_schema NOT LIKE 'town\\_%'")
            ).scalar()
        assert in_a == ["甲村"]
        assert in_b == []
        assert in_public == 0


def test_a_session_without_a_town_refuses_town_tables(app, factory):
    factory.town()
    with app.app_context():
        with pytest.raises(NoTownSelected):
            db.session.scalars(select(Village)).all()


def test_a_session_serves_one_town_for_its_life(app, factory):
    from renkou.db import bind_town

    town_a = factory.town()
    town_b = factory.town()
    with app.app_context():
        bind_town(db.session, town_a.code)
        with pytest.raises(RuntimeError):
            bind_town(db.session, town_b.code)


def test_town_engines_are_cached_per_town(app, factory):
    town = factory.town()
    engines = app.extensions["renkou.town_engines"]
    assert engines.engine_for(town.code) is engines.engine_for(town.code)
