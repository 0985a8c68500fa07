"""Accounts: creating users and memberships, passwords, sign-in with lockout, API tokens.

Services flush and never commit; the request, job or CLI wrapper commits once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from renkou.accounts import passwords
from renkou.accounts.models import ApiToken, LoginAttempt, Membership, User
from renkou.accounts.roles import COUNTY_ROLES, TOWN_ADMIN, TOWN_ROLES
from renkou.audit import services as audit
from renkou.audit.models import OUTCOME_DENIED, OUTCOME_FAILURE
from renkou.errors import ConflictError, NotFoundError, PermissionDenied, ServiceError
from renkou.extensions import db
from renkou.tenancy.models import Town
from renkou.types import utcnow

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
TOKEN_PREFIX = "rk_"
# A token's last use is written at most once a minute: not a write per API request.
TOKEN_USE_PRECISION = timedelta(minutes=1)


# ---------------------------------------------------------------------------------------------------------
# Users and memberships


def username_errors(username: str) -> list[str]:
    if not USERNAME_PATTERN.fullmatch(username or ""):
        return [str(_l("A username has 3 to 64 letters, digits, dots, dashes or underscores."))]
    return []


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def create_user(username: str, password: str, *, county_role: str | None = None, display_name: str = "") -> User:
    """Create an account; raises ServiceError for a bad name, role or password, ConflictError if taken."""
    errors = {}
    if username_errors(username):
        errors["username"] = username_errors(username)
    if policy := passwords.policy_errors(password):
        errors["password"] = policy
    if county_role is not None and county_role not in COUNTY_ROLES:
        errors["role"] = [str(_l("Unknown role."))]
    if errors:
        raise ServiceError(errors)
    if find_user(username) is not None:
        raise ConflictError.on("username", str(_l("This username is already taken.")))
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=passwords.hash_password(password),
        county_role=county_role,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("account.create", record_type="user", record_id=user.id, detail={"username": username,
                 "county_role": county_role})
    return user


def grant_membership(user: User, town: Town, role: str) -> Membership:
    """Give ``user`` ``role`` in ``town`` (or change the role of an existing membership)."""
    if role not in TOWN_ROLES:
        raise ServiceError.on("role", str(_l("Unknown role.")))
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.town_id == town.id)
    )
    if membership is None:
        membership = Membership(user=user, town=town, role=role)
        db.session.add(membership)
    membership.role = role
    membership.active = True
    db.session.flush()
    audit.record("account.grant", record_type="user", record_id=user.id, town_code=town.code,
                 detail={"username": user.username, "role": role})
    return membership


def town_members(town: Town) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership).join(Membership.user).where(Membership.town_id == town.id).order_by(User.username)
        )
    )


def towns_of(user: User) -> list[Town]:
    """The active towns where ``user`` holds an active membership, by code."""
    towns = [m.town for m in user.memberships if m.active and m.town.is_active]
    return sorted(towns, key=lambda town: town.code)


def get_town_membership(town: Town, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.town_id != town.id:
        raise NotFoundError(str(_l("No such account in this town.")))
    return membership


def _check_town_admin_may_manage(membership: Membership, acting_user: User) -> None:
    """A town administrator manages accounts that belong to the town alone.

    An account with a county role or memberships elsewhere is the county's to manage: resetting its
    password from one town would hand that town the keys to the others.
    """
    user = membership.user
    if user.id == acting_user.id:
        raise PermissionDenied(str(_l("You cannot change your own account here.")))
    other_towns = [m for m in user.memberships if m.town_id != membership.town_id and m.active]
    if user.county_role or other_towns:
        raise PermissionDenied(str(_l("This account also belongs elsewhere; ask the county administrator.")))


def reset_password(membership: Membership, new_password: str, acting_user: User) -> None:
    """An administrator sets a temporary password: the user must choose their own at the next sign-in."""
    _check_town_admin_may_manage(membership, acting_user)
    set_password(membership.user, new_password, town_code=membership.town.code, temporary=True)


def set_password(user: User, new_password: str, town_code: str | None = None, *, temporary: bool = False,
                 action: str = "account.reset_password") -> None:
    """Replace the password; every session and API token of the user ends."""
    if policy := passwords.policy_errors(new_password):
        raise ServiceError({"password": policy})
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = temporary
    end_sessions(user)
    revoke_all_tokens(user)
    db.session.flush()
    audit.record(action, record_type="user", record_id=user.id, town_code=town_code,
                 detail={"username": user.username})


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    """The user replaces their own password (also how a temporary one is replaced)."""
    if not passwords.verify_password(user.password_hash, current_password):
        raise ServiceError.on("current_password", str(_l("The current password is wrong.")))
    if passwords.verify_password(user.password_hash, new_password):
        raise ServiceError.on("password", str(_l("Choose a password different from the current one.")))
    set_password(user, new_password, action="account.change_password")


def end_sessions(user: User) -> None:
    """Sign out every browser session of ``user``: the version in their session cookies no longer matches."""
    user.session_version += 1


def set_membership_active(membership: Membership, active: bool, acting_user: User) -> None:
    _check_town_admin_may_manage(membership, acting_user)
    membership.active = active
    end_sessions(membership.user)
    db.session.flush()
    audit.record("account.enable" if active else "account.disable", record_type="user",
                 record_id=membership.user_id, town_code=membership.town.code,
                 detail={"username": membership.user.username})


def add_town_account(town: Town, *, username: str, password: str, role: str, display_name: str = "") -> Membership:
    """A town administrator adds a new account to the town (never an administrator: that is the county's)."""
    if role == TOWN_ADMIN or role not in TOWN_ROLES:
        raise ServiceError.on("role", str(_l("Choose staff or viewer.")))
    user = create_user(username, password, display_name=display_name)
    user.must_change_password = True  # the administrator chose it; the person chooses their own
    return grant_membership(user, town, role)


# ---------------------------------------------------------------------------------------------------------
# Sign-in with lockout


@dataclasses.dataclass
class SignInRefused(Exception):
    reason: str  # "invalid" or "locked"
    retry_at: datetime | None = None


def locked_until(username: str, now: datetime | None = None, pending_failure: datetime | None = None
                 ) -> datetime | None:
    """When ``username`` may try again, if 5 failures fell within the last 15 minutes.

    ``pending_failure`` is a failure of this request, not yet written (it is written after the
    request's transaction ends).
    """
    now = now or utcnow()
    recent = list(
        db.session.scalars(
            select(LoginAttempt.attempted_at)
            .where(
                LoginAttempt.username == username,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > now - LOCKOUT_WINDOW,
                LoginAttempt.attempted_at > _last_success(username),
            )
            .order_by(LoginAttempt.attempted_at.desc())
            .limit(LOCKOUT_FAILURES)
        )
    )
    if pending_failure is not None:
        recent = [pending_failure, *recent][:LOCKOUT_FAILURES]
    if len(recent) < LOCKOUT_FAILURES:
        return None
    return recent[-1] + LOCKOUT_WINDOW


def _last_success(username: str):
    last = db.session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
        )
    )
    return last or datetime(1970, 1, 1, tzinfo=utcnow().tzinfo)


def authenticate(username: str, password: str, client_addr: str) -> User:
    """Check a sign-in. Failures are recorded at once (they must outlive the request's rollback)."""
    retry_at = locked_until(username)
    if retry_at is not None:
        audit.record_now("auth.login", outcome=OUTCOME_DENIED, actor_name=username,
                         detail={"reason": "locked", "retry_at": retry_at.isoformat()})
        raise SignInRefused("locked", retry_at)
    user = find_user(username)
    # The hash is checked whether or not the user exists (against a dummy hash if not), so that the
    # time taken does not tell which usernames exist.
    password_ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.active:
        refuse_sign_in(username, client_addr, user)
    return user


def refuse_sign_in(username: str, client_addr: str, user: User | None, step: str = "password") -> None:
    """Record a failed step of a sign-in (it counts towards the lockout) and raise SignInRefused."""
    failed_at = utcnow()
    _record_attempt_now(username, client_addr, failed_at)
    audit.record_now("auth.login", outcome=OUTCOME_FAILURE, actor_name=username,
                     actor_id=user.id if user else None, detail={"step": step} if step != "password" else None)
    retry_at = locked_until(username, pending_failure=failed_at)
    raise SignInRefused("locked" if retry_at else "invalid", retry_at)


def complete_sign_in(user: User, client_addr: str) -> None:
    """Every step passed: record the success (which restarts the lockout count) and audit it.

    Recorded only now, not after the password: a success after the password alone would reset the
    failure count and give unlimited guesses at the second step.
    """
    db.session.add(LoginAttempt(username=user.username, succeeded=True, client_addr=client_addr))
    audit.record("auth.login", actor=user, record_type="user", record_id=user.id)


def sign_out(user: User) -> None:
    """Sign-out ends every session of the user: a copied session cookie stops working at once."""
    end_sessions(user)
    audit.record("auth.logout", actor=user, record_type="user", record_id=user.id)


def _record_attempt_now(username: str, client_addr: str, failed_at: datetime) -> None:
    """A failed attempt outlives the request's rollback."""
    audit.write_when_transaction_ends(LoginAttempt.__table__.insert().values(
        username=username, succeeded=False, client_addr=client_addr, attempted_at=failed_at))


# ---------------------------------------------------------------------------------------------------------
# API tokens: shown once, stored as SHA-256 (a token is random, so a slow hash adds nothing).


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "", lifetime_days: int | None = None) -> str:
    """A new token for ``user``, returned once; it expires after the configured days."""
    if len(name) > 64:
        raise ServiceError.on("name", str(_l("At most %(count)s characters.", count=64)))
    days = lifetime_days or current_app.config["RENKOU_SETTINGS"].token_lifetime_days
    token, now = TOKEN_PREFIX + secrets.token_urlsafe(32), utcnow()
    db.session.add(ApiToken(user=user, token_hash=_token_hash(token), prefix=token[:10], name=name,
                            created_at=now, expires_at=now + timedelta(days=days)))
    db.session.flush()
    audit.record("token.create", actor=user, record_type="user", record_id=user.id, detail={"name": name})
    return token


def user_for_token(token: str) -> User | None:
    """The owner of a live token (not revoked, not expired, owner active); records when it was last used."""
    now = utcnow()
    api_token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None))
    )
    if api_token is None or not api_token.user.active:
        return None
    if api_token.expires_at is not None and api_token.expires_at <= now:
        return None
    if api_token.last_used_at is None or now - api_token.last_used_at > TOKEN_USE_PRECISION:
        # In a transaction of its own: the request may roll back (or switch to a town's engine).
        audit.write_when_transaction_ends(
            update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now))
    return api_token.user


def tokens_of(user: User | None = None) -> list[ApiToken]:
    """The tokens of ``user`` (every user's when None), newest first, revoked ones included."""
    statement = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None:
        statement = statement.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(statement))


def find_token(token_id: int, owner: User | None = None) -> ApiToken:
    """A token by id; with ``owner``, only one of theirs (another user's token is not found)."""
    api_token = db.session.get(ApiToken, token_id)
    if api_token is None or (owner is not None and api_token.user_id != owner.id):
        raise NotFoundError(str(_l("No such token.")))
    return api_token


def revoke_token(api_token: ApiToken, acting_user: User | None = None) -> None:
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        db.session.flush()
        audit.record("token.revoke", actor=acting_user, record_type="user", record_id=api_token.user_id,
                     detail={"token": api_token.prefix, "name": api_token.name})


def revoke_all_tokens(user: User) -> int:
    """Revoke every live token of ``user`` (a password change or reset); how many."""
    result = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    return result.rowcount


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: ``<id>.<session_version>``; a reset password or disable ends old sessions."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def denied(action: str, **detail) -> None:
    audit.record_now(action, outcome=OUTCOME_DENIED, detail=detail)
