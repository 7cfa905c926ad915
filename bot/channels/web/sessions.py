"""Anonymous visitors: a random id, HMAC-signed, kept by the widget in the page's localStorage.

The signed id is all a visitor holds; the server derives the chat from it (`web:<id>`), so a reload keeps
the conversation and nobody can open another visitor's chat without stealing that visitor's token. The tag
is 128 bits of HMAC under a key of its own purpose (a signed button is not a session id).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from bot.channels.signing import Signer
from bot.channels.web.config import WEB_CHAT_PREFIX

SESSION_PURPOSE = "xiaoer-web-session"
_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Visitor:
    """One anonymous visitor: `id` (random, URL-safe) and the token the widget stores."""

    id: str
    token: str

    @property
    def chat_id(self) -> str:
        return f"{WEB_CHAT_PREFIX}{self.id}"


class VisitorSessions:
    """Issue and verify visitor tokens (`<id>|<tag>`)."""

    def __init__(self, secret: str) -> None:
        self._signer = Signer(secret, SESSION_PURPOSE, tag_chars=22)

    def issue(self) -> Visitor:
        visitor_id = secrets.token_urlsafe(16)
        return Visitor(visitor_id, self._signer.sign(visitor_id))

    def verify(self, token: object) -> Visitor | None:
        """The visitor a token names, or None for anything forged, malformed or missing."""
        if not isinstance(token, str) or len(token) > 128:
            return None
        visitor_id = self._signer.verify(token)
        if visitor_id is None or not _ID.match(visitor_id):
            return None
        return Visitor(visitor_id, token)

    def resume_or_issue(self, token: object) -> tuple[Visitor, bool]:
        """(visitor, resumed): the token's visitor, or a new one when it does not verify."""
        visitor = self.verify(token)
        return (visitor, True) if visitor is not None else (self.issue(), False)
