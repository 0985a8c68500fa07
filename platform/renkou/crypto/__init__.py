"""Encryption of sensitive personal data at rest (DESIGN.md §6).

Envelope encryption: every town has its own random data key, stored only wrapped (AES-GCM) under the
master key from the environment. Sensitive columns are encrypted with the town's data key; look-ups
use a keyed hash (blind index) derived from it. Deleting a town's key makes its data and its backups
unreadable (crypto-shredding on offboarding).
"""
