"""Staff and agent accounts for the web console: who may log in, their login sessions, and the audit log.

The `StaffStore` seam has two implementations that one contract test runs over: `InMemoryStaffStore`
below and `SqlStaffStore` (`bot.staff.store_sql`). Passwords are never stored, only their argon2 hashes
(`bot.staff.passwords`); session tokens are stored as SHA-256 digests, so a leaked table opens no session.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

import regex

from bot.domain.errors import XiaoerError

NAME_PATTERN = regex.compile(r"^[A-Za-z0-9_.\-\p{Han}]{2,32}$")


class StaffRole(StrEnum):
    STAFF = "staff"  # everything: inbox, insights, catalog upload, copy generator
    AGENT = "agent"  # the handoff inbox only


class AccountError(XiaoerError):
    """A refused account operation (bad name, taken name, weak password); `str()` says why."""


@dataclass(frozen=True)
class StaffAccount:
    name: str
    role: StaffRole
    password_hash: str
    created_at: float = 0.0
    disabled: bool = False


@dataclass(frozen=True)
class ConsoleSession:
    """One login: `token_digest` = sha256(cookie token); `csrf` is the token every form must carry."""

    token_digest: str
    name: str
    role: StaffRole
    csrf: str
    created_at: float
    expires_at: float


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when (`at`: Unix seconds); `target` names the object (a handoff id, a file, a SKU)."""

    at: float
    who: str
    action: str
    target: str = ""
    detail: str = ""


@runtime_checkable
class StaffStore(Protocol):
    """Accounts, sessions and the audit log; every method is safe to call from several threads."""

    def add_account(self, account: StaffAccount) -> None:
        """Raises AccountError when the name is taken."""
        ...

    def account(self, name: str) -> StaffAccount | None: ...

    def accounts(self) -> list[StaffAccount]:
        """All accounts, by name."""
        ...

    def set_password(self, name: str, password_hash: str) -> bool: ...

    def set_disabled(self, name: str, disabled: bool) -> bool:
        """Lock (or unlock) an account; False when there is no such account."""
        ...

    def add_session(self, session: ConsoleSession) -> None: ...

    def session(self, token_digest: str) -> ConsoleSession | None: ...

    def drop_session(self, token_digest: str) -> None: ...

    def drop_expired(self, now: float) -> int:
        """Delete sessions expired before `now`; how many."""
        ...

    def drop_sessions_of(self, name: str) -> int:
        """Delete every session of account `name` (logs that person out everywhere); how many."""
        ...

    def audit(self, entry: AuditEntry) -> None: ...

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        """The newest `limit` entries, newest first."""
        ...


class InMemoryStaffStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, StaffAccount] = {}
        self._sessions: dict[str, ConsoleSession] = {}
        self._audit: list[AuditEntry] = []

    def add_account(self, account: StaffAccount) -> None:
        with self._lock:
            if account.name in self._accounts:
                raise AccountError(f"an account named {account.name!r} exists already")
            self._accounts[account.name] = account

    def account(self, name: str) -> StaffAccount | None:
        return self._accounts.get(name)

    def accounts(self) -> list[StaffAccount]:
        with self._lock:
            return sorted(self._accounts.values(), key=lambda a: a.name)

    def set_password(self, name: str, password_hash: str) -> bool:
        with self._lock:
            account = self._accounts.get(name)
            if account is None:
                return False
            self._accounts[name] = dataclasses.replace(account, password_hash=password_hash)
            return True

    def set_disabled(self, name: str, disabled: bool) -> bool:
        with self._lock:
            account = self._accounts.get(name)
            if account is None:
                return False
            self._accounts[name] = dataclasses.replace(account, disabled=disabled)
            return True

    def add_session(self, session: ConsoleSession) -> None:
        with self._lock:
            self._sessions[session.token_digest] = session

    def session(self, token_digest: str) -> ConsoleSession | None:
        return self._sessions.get(token_digest)

    def drop_session(self, token_digest: str) -> None:
        with self._lock:
            self._sessions.pop(token_digest, None)

    def drop_expired(self, now: float) -> int:
        with self._lock:
            expired = [k for k, s in self._sessions.items() if s.expires_at <= now]
            for key in expired:
                del self._sessions[key]
            return len(expired)

    def drop_sessions_of(self, name: str) -> int:
        with self._lock:
            theirs = [k for k, s in self._sessions.items() if s.name == name]
            for key in theirs:
                del self._sessions[key]
            return len(theirs)

    def audit(self, entry: AuditEntry) -> None:
        with self._lock:
            self._audit.append(entry)

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        with self._lock:
            return list(reversed(self._audit[-limit:])) if limit > 0 else []
