"""Two-factor sign-in: TOTP codes (RFC 6238, pyotp) and single-use recovery codes.

Required of the county administrator and the audit administrator (等保2.0 level 3 asks it of
administrators), optional for everyone else. The TOTP secret is encrypted at rest with a key derived
from the master key; recovery codes are stored as SHA-256 (they are random, so a slow hash adds nothing).
Services flush and never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from renkou.accounts.models import RecoveryCode, User
from renkou.accounts.roles import AUDIT_ADMIN, COUNTY_ADMIN
from renkou.audit import services as audit
from renkou.crypto.keys import decode_master_key
from renkou.errors import ServiceError
from renkou.extensions import db
from renkou.types import utcnow

REQUIRED_ROLES = (COUNTY_ADMIN, AUDIT_ADMIN)
RECOVERY_CODES = 10
STEP_SECONDS = 30
# Codes of the previous and the next 30-second step are accepted too: phones' clocks drift.
DRIFT_STEPS = 1
_NONCE_BYTES = 12
_FORMAT_V1 = b"\x01"


def required_for(user: User) -> bool:
    return user.county_role in REQUIRED_ROLES


def second_step_needed(user: User) -> bool:
    """After the password: a code (enrolled users) or enrolment (required but not yet enrolled)."""
    return user.has_two_factor or required_for(user)


# ---------------------------------------------------------------------------------------------------------
# The secret, encrypted at rest


def _cipher() -> AESGCM:
    cipher = current_app.extensions.get("renkou.account_cipher")
    if cipher is None:
        master = decode_master_key(current_app.config["RENKOU_SETTINGS"].resolved_master_key())
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"renkou account secrets").derive(master)
        cipher = current_app.extensions["renkou.account_cipher"] = AESGCM(key)
    return cipher


def _aad(user_id: int) -> bytes:
    return f"renkou:user:{user_id}:totp".encode()


def seal_secret(user_id: int, secret: str) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return _FORMAT_V1 + nonce + _cipher().encrypt(nonce, secret.encode(), _aad(user_id))


def open_secret(user: User) -> str:
    stored = user.totp_secret
    nonce, body = stored[1 : 1 + _NONCE_BYTES], stored[1 + _NONCE_BYTES :]
    return _cipher().decrypt(nonce, body, _aad(user.id)).decode()


# ---------------------------------------------------------------------------------------------------------
# Enrolment


def start_enrolment(user: User) -> str:
    """A fresh secret for ``user`` (kept, encrypted, until a code confirms it); returns it for display."""
    secret = pyotp.random_base32()
    user.totp_secret = seal_secret(user.id, secret)
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.flush()
    return secret


def pending_secret(user: User) -> str:
    """The secret being enrolled (started now if there is none)."""
    if user.totp_secret is None or user.has_two_factor:
        return start_enrolment(user)
    return open_secret(user)


def provisioning_uri(user: User, secret: str) -> str:
    issuer = f"Renkou {current_app.config['RENKOU_SETTINGS'].county_name}"
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG data: URI, drawn here (the CSP allows images from data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def enrol_now(user: User) -> str:
    """Turn two-factor sign-in on with a fresh secret, without a confirming code (the demo's accounts,
    whose keys the demo prints); returns the secret."""
    secret = start_enrolment(user)
    user.totp_enabled_at = utcnow()
    db.session.flush()
    return secret


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on once ``code`` matches the pending secret; returns new recovery codes."""
    if user.totp_secret is None or user.has_two_factor or not _accept_totp(user, code):
        raise ServiceError.on("code", str(_l("The code is wrong or has expired. Enter the current code.")))
    user.totp_enabled_at = utcnow()
    codes = _replace_recovery_codes(user)
    db.session.flush()
    audit.record("account.two_factor_on", actor=user, record_type="user", record_id=user.id)
    return codes


def disable(user: User, acting_user: User) -> None:
    """Turn two-factor sign-in off (not allowed where it is required)."""
    if required_for(user):
        raise ServiceError.on("_schema", str(_l("Two-factor sign-in is required for your role.")))
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
    audit.record("account.two_factor_off", actor=acting_user, record_type="user", record_id=user.id)


# ---------------------------------------------------------------------------------------------------------
# Checking a code at sign-in


def verify(user: User, code: str) -> str | None:
    """``"totp"`` or ``"recovery"`` if ``code`` passes the second step, else None. A code is good once."""
    code = "".join(code.split())
    if user.has_two_factor and _accept_totp(user, code):
        return "totp"
    if user.has_two_factor and _use_recovery_code(user, code):
        return "recovery"
    return None


def _accept_totp(user: User, code: str, now: datetime | None = None) -> bool:
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(open_secret(user))
    current = totp.timecode(now or utcnow())
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue  # this code (or an older one) was used already: a replay
        if hmac.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            db.session.flush()
            return True
    return False


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(code)) for code in codes)
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    """Spend one recovery code; the UPDATE's condition makes a second use of the same code fail."""
    if not 8 <= len(code) <= 20:
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_code(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount == 1


def recovery_codes_left(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())
