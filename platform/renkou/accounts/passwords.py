"""Password hashing (Argon2id through argon2-cffi) and the password policy."""

from __future__ import annotations

import functools
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
REQUIRED_CLASSES = 3

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username does not exist, so that both cases take the same time. Made
    on first use, not at import: a hash costs as much as a sign-in, and commands never need it."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def policy_errors(password: str) -> list[str]:
    """Why ``password`` breaks the policy: at least 10 characters from at least 3 character classes."""
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(str(_l("The password must be at least %(count)s characters long.", count=MIN_LENGTH)))
    if _class_count(password) < REQUIRED_CLASSES:
        errors.append(
            str(_l("The password must mix at least 3 of: lower-case letters, upper-case letters, digits, symbols."))
        )
    return errors


def _class_count(password: str) -> int:
    classes = (
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    )
    return sum(classes)


def generate_password(length: int = 16) -> str:
    """A random password that meets the policy."""
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*-_=+"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if not policy_errors(candidate):
            return candidate
