from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.db import SHARED_SCHEMA
from renkou.extensions import db
from renkou.tenancy.models import Town
from renkou.types import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = {"schema": SHARED_SCHEMA}

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    county_role: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on sign-out, password change or reset, and disable: every session of the user ends.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A temporary password set by an administrator: the user must choose their own at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Two-factor sign-in: the TOTP secret, encrypted (renkou.accounts.totp); enabled once a code confirmed it.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The time step of the last accepted code: a code is good once (no replay within its 30 s window).
    totp_last_step: Mapped[int | None] = mapped_column()

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", lazy="selectin")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login
        return f"{self.id}.{self.session_version}"

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    def membership_in(self, town_id: int) -> Membership | None:
        for membership in self.memberships:
            if membership.town_id == town_id and membership.active:
                return membership
        return None

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class Membership(db.Model):
    """A user's role in one town."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "town_id"), {"schema": SHARED_SCHEMA})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.users.id", ondelete="CASCADE"))
    town_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.towns.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    town: Mapped[Town] = relationship(lazy="joined")


class ApiToken(db.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = {"schema": SHARED_SCHEMA}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # None only for tokens made before expiry existed; new tokens expire (RENKOU_TOKEN_LIFETIME_DAYS).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class RecoveryCode(db.Model):
    """A single-use code that stands in for a TOTP code when the phone is lost; stored as SHA-256."""

    __tablename__ = "recovery_codes"
    __table_args__ = {"schema": SHARED_SCHEMA}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginAttempt(db.Model):
    """Every sign-in attempt, for the lockout rule (5 failures in 15 minutes)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "attempted_at"), {"schema": SHARED_SCHEMA})

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False)
    client_addr: Mapped[str] = mapped_column(String(64), default="")
