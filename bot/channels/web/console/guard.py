"""Who may use the console: login sessions from the cookie, roles, CSRF tokens and Origin checks.

* Every page and action needs a live console session (cookie `xiaoer_console`: HttpOnly, SameSite=Strict,
  Secure over https, path /console). Without one, pages redirect to the login form and JSON/POST routes
  answer 401; a widget visitor's token is not a console session, so customers are refused the same way.
* Agents may use the handoff inbox; the shop tools (insights, catalog, copy, audit log) need role staff
  (403 for agents).
* State changes are POST only, and each must carry the session's CSRF token and an Origin (or Referer)
  of this server — the cookie alone changes nothing.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.requests import Request

from bot.channels.web.security import own_origin
from bot.staff.accounts import ConsoleSession, StaffRole
from bot.staff.auth import StaffAuth

COOKIE = "xiaoer_console"
COOKIE_PATH = "/console"


class Refused(Exception):
    """A request the console will not serve: `status` 401 (log in first), 403 (not allowed), 400."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Staff:
    """The logged-in person behind a request."""

    session: ConsoleSession

    @property
    def name(self) -> str:
        return self.session.name

    @property
    def role(self) -> StaffRole:
        return self.session.role

    @property
    def csrf(self) -> str:
        return self.session.csrf

    @property
    def is_staff(self) -> bool:
        return self.session.role is StaffRole.STAFF


def same_origin(request: Request) -> bool:
    """The request comes from a page of this server (Origin, or Referer when a browser sends no Origin)."""
    own = own_origin(request.url.scheme, request.headers.get("host", ""))
    origin = request.headers.get("origin")
    if origin:
        return origin.rstrip("/").lower() == own
    referer = request.headers.get("referer", "")
    return referer.lower().startswith(own + "/")


async def current_staff(request: Request, auth: StaffAuth, *, staff_only: bool = False) -> Staff:
    session = await auth.session(request.cookies.get(COOKIE))
    if session is None:
        raise Refused(401, "login required")
    if staff_only and session.role is not StaffRole.STAFF:
        raise Refused(403, "staff only")
    return Staff(session)


def check_form(request: Request, staff: Staff, token: str | None) -> None:
    """POSTs: this server's Origin and the session's CSRF token, or 403."""
    if not same_origin(request):
        raise Refused(403, "cross-site request refused")
    if not token or not hmac.compare_digest(token, staff.csrf):
        raise Refused(403, "missing or wrong form token")
