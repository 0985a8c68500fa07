"""Unbound extension objects; renkou.app binds them to an application."""

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from renkou.db import TenantSession

# Stable constraint names so that Alembic migrations can name what they drop.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",  # the same in a schema (shared) and without (towns)
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, session_options={"class_": TenantSession})

# Tables of a town live in that town's schema (PostgreSQL) or file (SQLite); they are declared without a
# schema and a separate MetaData, so each Alembic tree sees exactly its own tables.
town_metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TownModel(db.Model):
    __abstract__ = True
    metadata = town_metadata


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def _api_rate_limit() -> str:
    return current_app.config["RENKOU_SETTINGS"].api_rate_limit


def _not_api() -> bool:
    return not request.path.startswith("/api/")


# Every API route gets the API limit; pages are limited only where they say so (sign-in). The limits are
# callables reading the current app's settings: Flask-Limiter keeps the first app's defaults otherwise.
limiter = Limiter(key_func=get_remote_address, default_limits=[_api_rate_limit], default_limits_exempt_when=_not_api)
