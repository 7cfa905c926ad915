"""Console logins: create accounts, check passwords, issue and expire sessions, record who did what.

A session is a random 256-bit token in an HttpOnly, SameSite=Strict cookie; the store keeps only its
SHA-256 digest and expiry (`session_s` seconds after login, default 8 hours, no sliding). Failed logins
are rate-limited per name and per address by the caller (the console) and are audited like every action.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable

from bot.staff.accounts import (
    NAME_PATTERN,
    AccountError,
    AuditEntry,
    ConsoleSession,
    StaffAccount,
    StaffRole,
    StaffStore,
)
from bot.staff.passwords import Passwords, weak_reason


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffAuth:
    def __init__(
        self,
        store: StaffStore,
        passwords: Passwords | None = None,
        *,
        session_s: float = 8 * 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.passwords = passwords or Passwords()
        self.session_s = session_s
        self.clock = clock

    # --- accounts (the CLI) ---------------------------------------------------------------------------
    def add_account(self, name: str, role: StaffRole, password: str) -> StaffAccount:
        """Raises AccountError for a bad or taken name or a weak password."""
        if not NAME_PATTERN.match(name):
            raise AccountError("names are 2–32 letters, digits, Chinese characters, '.', '_' or '-'")
        reason = weak_reason(password, name)
        if reason:
            raise AccountError(reason)
        account = StaffAccount(name, StaffRole(role), self.passwords.hash(password), self.clock())
        self.store.add_account(account)
        self.store.audit(AuditEntry(self.clock(), "cli", "account.add", name, role))
        return account

    def set_password(self, name: str, password: str) -> int:
        """New password; every open session of the account ends (a leaked password or cookie stops
        working at once). Returns how many sessions ended. Raises AccountError."""
        reason = weak_reason(password, name)
        if reason:
            raise AccountError(reason)
        if not self.store.set_password(name, self.passwords.hash(password)):
            raise AccountError(f"no account named {name!r}")
        ended = self.store.drop_sessions_of(name)
        self.store.audit(AuditEntry(self.clock(), "cli", "account.password", name, f"{ended} sessions ended"))
        return ended

    def set_disabled(self, name: str, disabled: bool) -> int:
        """Lock an account (no login, its sessions end) or unlock it; how many sessions ended.
        Raises AccountError when there is no such account."""
        if not self.store.set_disabled(name, disabled):
            raise AccountError(f"no account named {name!r}")
        ended = self.store.drop_sessions_of(name) if disabled else 0
        action = "account.disable" if disabled else "account.enable"
        self.store.audit(AuditEntry(self.clock(), "cli", action, name, f"{ended} sessions ended"))
        return ended

    # --- sessions (the console) -----------------------------------------------------------------------
    async def login(self, name: str, password: str, address: str = "") -> tuple[str, ConsoleSession] | None:
        """(cookie token, session) for the right password, else None. Hashing runs off the event loop."""
        account = await asyncio.to_thread(self.store.account, name)
        hashed = account.password_hash if account is not None and not account.disabled else None
        ok = await asyncio.to_thread(self.passwords.verify, hashed, password)
        if not ok or account is None:
            await self.audit(name or "?", "login.failed", address)
            return None
        token = secrets.token_urlsafe(32)
        now = self.clock()
        session = ConsoleSession(
            digest(token), account.name, account.role, secrets.token_urlsafe(24), now, now + self.session_s
        )
        await asyncio.to_thread(self.store.add_session, session)
        await asyncio.to_thread(self.store.drop_expired, now)
        await self.audit(account.name, "login", address)
        return token, session

    async def session(self, token: str | None) -> ConsoleSession | None:
        """The live session of a cookie token; None for a missing, unknown or expired one."""
        if not token or len(token) > 128:
            return None
        found = await asyncio.to_thread(self.store.session, digest(token))
        if found is None:
            return None
        if found.expires_at <= self.clock():
            await asyncio.to_thread(self.store.drop_session, found.token_digest)
            return None
        account = await asyncio.to_thread(self.store.account, found.name)
        if account is None or account.disabled:
            return None
        return found

    async def logout(self, session: ConsoleSession) -> None:
        await asyncio.to_thread(self.store.drop_session, session.token_digest)
        await self.audit(session.name, "logout")

    async def audit(self, who: str, action: str, target: str = "", detail: str = "") -> None:
        entry = AuditEntry(self.clock(), who, action, target[:200], detail[:500])
        await asyncio.to_thread(self.store.audit, entry)
