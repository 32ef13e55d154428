"""Password hashing with Argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

from functools import cache

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's recommended parameters (RFC 9106, low memory): 64 MiB, 3 passes, 4 lanes.
PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PARAMETERS)


@cache
def _dummy_hash() -> str:
    # Verified against when the e-mail is unknown, so both paths cost the same time.
    return _hasher.hash("not a password anyone has")


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; constant-ish time even for unknown users."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with older parameters."""
    return _hasher.check_needs_rehash(password_hash)


def use_parameters(parameters: Parameters) -> None:
    """Hash new passwords with ``parameters`` from now on, in this process (the test suite's
    cheap ones); hashes made with others still verify and are re-hashed at the next sign-in."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(parameters)
    _dummy_hash.cache_clear()
