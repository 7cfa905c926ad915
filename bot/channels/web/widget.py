"""The widget's WebSocket: a visitor's frames become `Inbound`s, the core's `Outbound`s come back as frames.

Frames (JSON objects, `type` first):

    visitor → server   {"type": "hello", "session": "<token or empty>", "lang": "zh|en"}   (first frame)
                       {"type": "message", "text": "…"}
                       {"type": "press", "data": "<signed button data>"}
    server → visitor   {"type": "session", "session": "<token>", "resumed": bool, "history": [message…]}
                       {"type": "message", "id": n, "who": "visitor|bot|agent|system", "text": "…",
                        "cards": [...], "buttons": [...]}       (stored: also sent to the visitor's other tabs)
                       {"type": "typing"} {"type": "draft", "text": "…"} {"type": "done"}
                       {"type": "done", "refused": "rate_limited"}   (not admitted: the widget gives the
                                                                      visitor their words back to resend)
                       {"type": "notice", "text": "…"}    (rate limit, stale button: not stored)
                       {"type": "error", "code": "too_long|bad_frame", "text": "…"}

Like the Telegram handlers, this only translates: limits (size, rate per visitor and per IP address) and
button verification are the channel's business, every answer is the core's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.channels.signing import CallbackSigner
from bot.channels.web.config import WebConfig
from bot.channels.web.delivery import WebDelivery
from bot.channels.web.history import WebHistory
from bot.channels.web.hub import Connection, WebHub
from bot.channels.web.sessions import Visitor, VisitorSessions
from bot.coordination.ratelimit import RateDecision, RateLimiter
from bot.domain import telemetry
from bot.domain.language import normalise_hint
from bot.domain.messages import Inbound, MessageRef, Role
from bot.domain.protocols import ConversationCore
from bot.prompts import Messages

log = logging.getLogger(__name__)
HELLO_TIMEOUT_S = 15.0
TYPING_EVERY_S = 3.0
Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[str]]


class WebProgress:
    """The `ReplyProgress` of one inbound: typing and grounded drafts go to the socket that asked."""

    def __init__(self, send: Send, clock: Callable[[], float] = time.monotonic) -> None:
        self._send = send
        self._clock = clock
        self._last_typing = float("-inf")
        self._last_text = ""

    async def typing(self) -> None:
        now = self._clock()
        if now - self._last_typing >= TYPING_EVERY_S:
            self._last_typing = now
            await self._send({"type": "typing"})

    async def draft(self, text: str) -> None:
        text = text.strip()
        if text and text != self._last_text:
            self._last_text = text
            await self._send({"type": "draft", "text": text})


class WidgetEndpoint:
    """Serves one widget socket at a time per call of `serve` (the app calls it for every connection)."""

    def __init__(
        self,
        core: ConversationCore,
        config: WebConfig,
        *,
        history: WebHistory,
        hub: WebHub,
        delivery: WebDelivery,
        signer: CallbackSigner,
        strings: Messages,
        visitor_limiter: RateLimiter | None = None,
        ip_limiter: RateLimiter | None = None,
    ) -> None:
        self.core = core
        self.config = config
        self.history = history
        self.hub = hub
        self.delivery = delivery
        self.signer = signer
        self.strings = strings
        self.sessions = VisitorSessions(config.secret)
        self.visitor_limiter = visitor_limiter
        self.ip_limiter = ip_limiter

    async def serve(self, receive: Receive, send: Send, client_ip: str) -> None:
        """Run one connection until the visitor leaves (`receive` raises) — hello first, then frames."""
        hello = _parse(await asyncio.wait_for(receive(), HELLO_TIMEOUT_S), self.config.max_frame_bytes)
        if hello is None or hello.get("type") != "hello":
            await send({"type": "error", "code": "bad_frame", "text": "expected hello"})
            return
        visitor, resumed = self.sessions.resume_or_issue(hello.get("session"))
        lang = normalise_hint(str(hello.get("lang") or "")) or "zh"
        recent = await asyncio.to_thread(self.history.recent, visitor.chat_id, self.config.history_limit)
        await send(
            {
                "type": "session",
                "session": visitor.token,
                "resumed": resumed,
                "history": [m.frame() for m in recent],
            }
        )
        telemetry.count("web_session", resumed=str(resumed).lower())
        connection = self.hub.subscribe(visitor.chat_id, send, recent[-1].id if recent else 0)
        try:
            while True:
                frame = _parse(await receive(), self.config.max_frame_bytes)
                await self.on_frame(frame, visitor, lang, client_ip, connection, send)
        finally:
            self.hub.unsubscribe(connection)

    async def on_frame(
        self,
        frame: dict[str, Any] | None,
        visitor: Visitor,
        lang: str,
        client_ip: str,
        connection: Connection,
        send: Send,
    ) -> None:
        kind = frame.get("type") if frame else None
        if kind == "message" and isinstance(frame, dict) and isinstance(frame.get("text"), str):
            text = frame["text"].strip()
            if len(text) > self.config.max_chars:
                await send(
                    {
                        "type": "error",
                        "code": "too_long",
                        "text": self.strings.get(
                            "web_too_long", lang, length=len(text), limit=self.config.max_chars
                        ),
                    }
                )
                return
            if not text or not await self._admitted(visitor, client_ip, lang, send):
                return
            row = await asyncio.to_thread(self.history.append, visitor.chat_id, "visitor", {"text": text})
            self.hub.poke(visitor.chat_id)
            await connection.flush()  # the visitor's own words appear before the reply starts
            await self._handle(self._inbound(visitor, lang, text=text, ref=str(row.id)), connection, send)
        elif kind == "press" and isinstance(frame, dict):
            data = self.signer.verify(frame.get("data") if isinstance(frame.get("data"), str) else None)
            if data is None:
                log.info("refused forged or stale button data from visitor %s", visitor.id[:6])
                await send({"type": "notice", "text": self.strings.get("web_button_stale", lang)})
                await send({"type": "done"})
                return
            if not await self._admitted(visitor, client_ip, lang, send):
                return
            await self._handle(self._inbound(visitor, lang, callback_data=data), connection, send)
        elif kind != "ping":
            await send(
                {"type": "error", "code": "bad_frame", "text": self.strings.get("web_bad_frame", lang)}
            )

    def _inbound(
        self, visitor: Visitor, lang: str, *, text: str = "", callback_data: str | None = None, ref: str = ""
    ) -> Inbound:
        return Inbound(
            chat_id=visitor.chat_id,
            user_id=visitor.chat_id,
            text=text,
            role=Role.CUSTOMER,
            channel="web",
            user_name=f"web-{visitor.id[:6]}",
            language_hint=lang,
            callback_data=callback_data,
            ref=MessageRef(visitor.chat_id, ref) if ref else None,
        )

    async def _handle(self, inbound: Inbound, connection: Connection, send: Send) -> None:
        outbounds = await self.core.handle(inbound, WebProgress(send))
        await self.delivery.deliver(outbounds)
        await connection.flush()
        await send({"type": "done"})

    async def _admitted(self, visitor: Visitor, client_ip: str, lang: str, send: Send) -> bool:
        """Per-visitor and per-IP sliding windows; the first refused message of a flood gets the notice."""
        verdicts = []
        if self.visitor_limiter is not None:
            verdicts.append((await self.visitor_limiter.check(f"web:{visitor.id}")).decision)
        if self.ip_limiter is not None:
            verdicts.append((await self.ip_limiter.check(f"web-ip:{client_ip}")).decision)
        if all(v is RateDecision.ALLOW for v in verdicts):
            return True
        if RateDecision.WARN in verdicts:
            await send({"type": "notice", "text": self.strings.get("web_rate_limited", lang)})
        await send({"type": "done", "refused": "rate_limited"})
        return False


def _parse(raw: str, limit: int) -> dict[str, Any] | None:
    if len(raw) > limit:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
