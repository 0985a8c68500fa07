"""The master key and each town's data key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from renkou.crypto.models import TownKey
from renkou.extensions import db
from renkou.tenancy.models import Town

NONCE_BYTES = 12
FORMAT_V1 = b"\x01"


class KeyringError(RuntimeError):
    """The master key is missing or wrong, or a town has no data key."""


def decode_master_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyringError("RENKOU_MASTER_KEY is not base64") from exc
    if len(key) != 32:
        raise KeyringError("RENKOU_MASTER_KEY must encode 32 bytes")
    return key


def generate_master_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


class Keyring:
    """Unwraps and caches the data keys of towns for one application."""

    def __init__(self, master_key: bytes):
        self._master = AESGCM(master_key)
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def wrap(self, town_code: str, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_V1 + nonce + self._master.encrypt(nonce, data_key, _aad(town_code, "data-key"))

    def unwrap(self, town_code: str, wrapped: bytes) -> bytes:
        nonce, body = wrapped[1 : 1 + NONCE_BYTES], wrapped[1 + NONCE_BYTES :]
        try:
            return self._master.decrypt(nonce, body, _aad(town_code, "data-key"))
        except Exception as exc:  # InvalidTag: the wrong master key, or a key of another town
            raise KeyringError(f"cannot unwrap the data key of town {town_code}: wrong master key?") from exc

    def data_key(self, town_code: str) -> bytes:
        key = self._cache.get(town_code)
        if key is None:
            wrapped = db.session.scalar(
                select(TownKey.wrapped_key).join(Town, Town.id == TownKey.town_id).where(Town.code == town_code)
            )
            if wrapped is None:
                raise KeyringError(f"town {town_code} has no data key")
            key = self.unwrap(town_code, wrapped)
            with self._lock:
                self._cache[town_code] = key
        return key

    def index_key(self, town_code: str, purpose: str) -> bytes:
        cache_key = f"{town_code}:index:{purpose}"
        key = self._cache.get(cache_key)
        if key is None:
            key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=f"renkou blind index {purpose}".encode()).derive(self.data_key(town_code))
            with self._lock:
                self._cache[cache_key] = key
        return key

    def forget(self, town_code: str) -> None:
        with self._lock:
            for cache_key in [k for k in self._cache if k == town_code or k.startswith(f"{town_code}:")]:
                del self._cache[cache_key]


def _aad(town_code: str, purpose: str) -> bytes:
    return f"renkou:{town_code}:{purpose}".encode()


def keyring() -> Keyring:
    return current_app.extensions["renkou.keyring"]


def create_town_key(town: Town) -> None:
    """Give a new town a fresh data key (onboarding). Flushes, never commits."""
    wrapped = keyring().wrap(town.code, AESGCM.generate_key(bit_length=256))
    db.session.add(TownKey(town_id=town.id, wrapped_key=wrapped))
    db.session.flush()


def encrypt(town_code: str, purpose: str, plaintext: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    cipher = AESGCM(keyring().data_key(town_code))
    return FORMAT_V1 + nonce + cipher.encrypt(nonce, plaintext.encode(), _aad(town_code, purpose))


def decrypt(town_code: str, purpose: str, stored: bytes) -> str:
    if stored[:1] != FORMAT_V1:
        raise KeyringError("unknown ciphertext format")
    nonce, body = stored[1 : 1 + NONCE_BYTES], stored[1 + NONCE_BYTES :]
    return AESGCM(keyring().data_key(town_code)).decrypt(nonce, body, _aad(town_code, purpose)).decode()


class Sealer:
    """Encrypts (and decrypts) many values of one purpose for one town with a single cipher object, as an
    import of thousands of rows does; the values are the same as ``encrypt`` gives, ready for the column
    (``Sealed`` passes an ``EncryptedString`` column as it is)."""

    def __init__(self, town_code: str, purpose: str):
        self._cipher = AESGCM(keyring().data_key(town_code))
        self._aad = _aad(town_code, purpose)

    def seal(self, plaintext: str | None) -> Sealed | None:
        if plaintext is None:
            return None
        nonce = os.urandom(NONCE_BYTES)
        return Sealed(FORMAT_V1 + nonce + self._cipher.encrypt(nonce, plaintext.encode(), self._aad))

    def seal_bytes(self, plaintext: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_V1 + nonce + self._cipher.encrypt(nonce, plaintext, self._aad)

    def open_bytes(self, stored: bytes) -> bytes:
        if stored[:1] != FORMAT_V1:
            raise KeyringError("unknown ciphertext format")
        return self._cipher.decrypt(stored[1 : 1 + NONCE_BYTES], stored[1 + NONCE_BYTES :], self._aad)

    def open(self, stored: bytes | None) -> str | None:
        return None if stored is None else self.open_bytes(bytes(stored)).decode()


class Sealed(bytes):
    """Ciphertext made by a ``Sealer``: an encrypted column stores it without encrypting it again."""


class Indexer:
    """The blind index of many values of one purpose, with the town's index key read once."""

    def __init__(self, town_code: str, purpose: str):
        self._key = keyring().index_key(town_code, purpose)

    def __call__(self, normalized: str) -> str:
        return hmac.digest(self._key, normalized.encode(), "sha256").hex()  # equals blind_index's, one call


def blind_index(town_code: str, purpose: str, normalized: str) -> str:
    """A keyed hash for exact-match look-ups: equal inputs match, nothing else can be learnt from it."""
    return hmac.new(keyring().index_key(town_code, purpose), normalized.encode(), hashlib.sha256).hexdigest()


def ensure_town_keys() -> list[str]:
    """Create the data key of every town that has none (towns onboarded before keys existed)."""
    missing = db.session.scalars(
        select(Town).outerjoin(TownKey, TownKey.town_id == Town.id).where(TownKey.id.is_(None))
    ).all()
    for town in missing:
        create_town_key(town)
    return [town.code for town in missing]
