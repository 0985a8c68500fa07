"""Column types that encrypt with the current town's data key."""

from __future__ import annotations

from flask import g
from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

from renkou.crypto.keys import Sealed, decrypt, encrypt


def _town_code() -> str:
    town = g.get("town")
    if town is None:
        raise RuntimeError("encrypted columns are read and written only while serving a town")
    return town.code


class EncryptedString(TypeDecorator):
    """A string stored as AES-256-GCM ciphertext under the town's data key.

    ``purpose`` (e.g. "person.resident_id") is bound into the ciphertext, so a value copied into
    another column, or another town, does not decrypt.
    """

    impl = LargeBinary
    cache_ok = True

    def __init__(self, purpose: str):
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, Sealed):  # encrypted already, by a Sealer of the same town and purpose
            return bytes(value)
        return encrypt(_town_code(), self.purpose, value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return decrypt(_town_code(), self.purpose, bytes(value))
