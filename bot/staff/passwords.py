"""Password hashing with argon2id (argon2-cffi, the only module that imports it)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10


class Passwords:
    """`hash(pw)` → an encoded argon2id hash (salt and parameters inside); `verify(hash, pw)` → bool.

    The library's default parameters (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4) cost ~50 ms per
    check on this machine's cores, which is what makes a stolen hash expensive to guess."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy = self._hasher.hash("xiaoer-dummy-password")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Constant work whether or not the account exists (a missing one checks a dummy hash)."""
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def weak_reason(password: str, name: str) -> str | None:
    """Why a new password is refused, or None: at least MIN_LENGTH characters and not the account name."""
    if len(password) < MIN_LENGTH:
        return f"the password needs at least {MIN_LENGTH} characters"
    if password.lower() == name.lower() or password.lower() in ("password12", "1234567890", "0123456789"):
        return "the password is too easy to guess"
    return None
