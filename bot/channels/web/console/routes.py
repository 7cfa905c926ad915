"""Console routes: login/logout, the handoff inbox and one request's page (claim, reply, close).

The console is one more agent front end of the ONE handoff service: an agent's action becomes an
`Inbound` from the request's own support chat (`/claim <id>`, `/close <id>`, or a reply addressed by the
request's forum topic or card message, exactly as a Telegram agent's would be), goes through the core and
the service's atomic claim, and the resulting Outbounds are delivered by the web channel — to web chats
directly, to Telegram chats through `elsewhere` when this process can reach Telegram. A console agent and
a Telegram-group agent therefore race on the same conditional UPDATE: only one claim wins.
Insights, catalog upload, copy and the audit log are in `bot.channels.web.console.tools`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bot.channels.signing import Signer
from bot.channels.web.console.guard import (
    COOKIE,
    COOKIE_PATH,
    Refused,
    Staff,
    check_form,
    current_staff,
    same_origin,
)
from bot.channels.web.delivery import WebDelivery
from bot.coordination.ratelimit import RateDecision, RateLimiter
from bot.domain.messages import Inbound, MessageRef, Outbound, Role
from bot.domain.protocols import ConversationCore
from bot.handoff import HandoffService
from bot.handoff.cards import card_text, display_name, reason_label
from bot.handoff.state import Handoff, Status
from bot.staff.auth import StaffAuth

log = logging.getLogger(__name__)
_TEMPLATES = resources.files("bot.channels.web.console") / "templates"
_STATIC = resources.files("bot.channels.web.console") / "static"
MAX_REPLY_CHARS = 4000


@dataclass
class ConsoleDeps:
    """What the console works with (built by `bot.wiring.build_web_app`).

    `reachable` names the channels whose customers this process can write to (web always; telegram when
    a bot token is configured); requests from other channels are shown read-only. Tools are optional."""

    auth: StaffAuth
    core: ConversationCore
    handoff: HandoffService
    delivery: WebDelivery
    secret: str
    reachable: frozenset[str] = frozenset({"web"})
    login_limiter: RateLimiter | None = None
    insights: Any | None = None  # bot.insights.service.InsightsService
    copy: Any | None = None  # bot.copywriting.CopyService
    ingest: Callable[[Path], Any] | None = None  # blocking: knowledge.ingest.ingest_path bound to the index
    catalog_lookup: Callable[[str], Any] | None = None  # sku → Product | None
    clock: Callable[[], float] = time.time
    flash: Signer = field(init=False)

    def __post_init__(self) -> None:
        self.flash = Signer(self.secret, "xiaoer-console-flash", tag_chars=16)


def _stamp(at: float | None) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC") if at else "—"


def build_console_router(deps: ConsoleDeps) -> APIRouter:
    templates = Jinja2Templates(directory=str(_TEMPLATES))
    templates.env.filters["stamp"] = _stamp
    router = APIRouter()
    service = deps.handoff
    messages = service.messages
    lang = service.config.support_language

    def page(request: Request, name: str, staff: Staff | None, status: int = 200, **values: Any) -> Response:
        flash = (
            deps.flash.verify(request.query_params.get("flash"))
            if request.query_params.get("flash")
            else None
        )
        context = {"staff": staff, "flash": flash, "path": request.url.path, **values}
        response = templates.TemplateResponse(request, name, context, status_code=status)
        response.headers["Cache-Control"] = "no-store"
        return response

    def back(url: str, flash: str = "") -> RedirectResponse:
        target = url + (f"?{urlencode({'flash': deps.flash.sign(flash[:300])})}" if flash else "")
        return RedirectResponse(target, status_code=303)

    def refused(request: Request, exc: Refused) -> Response:
        wants_page = request.method == "GET" and not request.url.path.endswith(".json")
        if exc.status == 401 and wants_page:
            return RedirectResponse("/console/login", status_code=303)
        if wants_page or request.method == "POST":
            return page(request, "refused.html", None, status=exc.status, reason=exc.reason)
        return JSONResponse({"error": exc.reason}, status_code=exc.status)

    async def guarded(request: Request, staff_only: bool = False) -> Staff:
        return await current_staff(request, deps.auth, staff_only=staff_only)

    # --- static ---------------------------------------------------------------------------------------
    @router.get("/static/{name}")
    async def static(name: str) -> Response:
        types = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"}
        if name not in types:
            return Response(status_code=404)
        return Response((_STATIC / name).read_bytes(), media_type=types[name])

    # --- login ----------------------------------------------------------------------------------------
    @router.get("/login")
    async def login_form(request: Request) -> Response:
        return page(request, "login.html", None, error="")

    @router.post("/login")
    async def login(request: Request, name: str = Form(""), password: str = Form("")) -> Response:
        if not same_origin(request):
            return page(request, "refused.html", None, status=403, reason="cross-site request refused")
        address = request.client.host if request.client else "?"
        name = name.strip()[:64]  # one spelling for the throttle and the lookup: "li " is "li"
        if deps.login_limiter is not None:
            for key in (f"console-login:{address}", f"console-login-name:{name.casefold()}"):
                decision = (await deps.login_limiter.check(key)).decision
                if decision is not RateDecision.ALLOW:
                    if decision is RateDecision.WARN:  # once per window: a flood must not grow the log
                        await deps.auth.audit(name or "?", "login.limited", address)
                    return page(request, "login.html", None, status=429, error="too_many")
        result = await deps.auth.login(name, password[:1024], address)
        if result is None:
            return page(request, "login.html", None, status=401, error="wrong")
        token, session = result
        response = RedirectResponse("/console/", status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(session.expires_at - session.created_at),
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @router.post("/logout")
    async def logout(request: Request, csrf: str = Form("")) -> Response:
        try:
            staff = await guarded(request)
            check_form(request, staff, csrf)
        except Refused as exc:
            return refused(request, exc)
        await deps.auth.logout(staff.session)
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
        return response

    # --- inbox ----------------------------------------------------------------------------------------
    def row(h: Handoff) -> dict[str, Any]:
        return {
            "id": h.id,
            "short_id": h.short_id,
            "channel": h.channel,
            "customer": display_name(h),
            "reason": reason_label(messages, h.reason, lang),
            "status": h.status.value,
            "agent": h.agent_name,
            "created": _stamp(h.created_at),
            "waiting_min": max(0, round((deps.clock() - h.created_at) / 60)),
            "reachable": h.channel in deps.reachable,
        }

    async def open_rows() -> list[dict[str, Any]]:
        return [row(h) for h in await asyncio.to_thread(service.store.list_open)]

    @router.get("/")
    async def inbox(request: Request) -> Response:
        try:
            staff = await guarded(request)
        except Refused as exc:
            return refused(request, exc)
        return page(request, "inbox.html", staff, rows=await open_rows())

    @router.get("/inbox.json")
    async def inbox_json(request: Request) -> Response:
        try:
            await guarded(request)
        except Refused as exc:
            return refused(request, exc)
        return JSONResponse({"rows": await open_rows()}, headers={"Cache-Control": "no-store"})

    # --- one request ----------------------------------------------------------------------------------
    async def load(handoff_id: str) -> Handoff:
        handoff = await asyncio.to_thread(service.store.get, handoff_id[:64])
        if handoff is None:
            raise Refused(404, "no such request")
        return handoff

    async def transcript(handoff: Handoff) -> list[dict[str, Any]]:
        entries = await asyncio.to_thread(service.store.transcript, handoff.id)
        return [
            {"who": e.who, "author": e.author, "text": e.text or e.attachment_kind, "at": _stamp(e.at)}
            for e in entries
        ]

    @router.get("/handoffs/{handoff_id}")
    async def handoff_page(request: Request, handoff_id: str) -> Response:
        try:
            staff = await guarded(request)
            handoff = await load(handoff_id)
        except Refused as exc:
            return refused(request, exc)
        context: dict[str, object] = {}
        if service.context_provider is not None:
            probe = Inbound(chat_id=handoff.chat_id, user_id=handoff.user_id, channel=handoff.channel)
            context = await service.context_provider(probe)
        card = card_text(messages, handoff, context, lang, topic=True).rsplit("\n", 1)[0]  # no Telegram help
        await deps.auth.audit(staff.name, "handoff.view", handoff.id)
        return page(
            request,
            "handoff.html",
            staff,
            h=row(handoff),
            handoff=handoff,
            card=card,
            entries=await transcript(handoff),
            open=handoff.open,
            mine=handoff.status == Status.CLAIMED and handoff.agent_id == agent_id(staff),
            max_chars=MAX_REPLY_CHARS,
        )

    @router.get("/handoffs/{handoff_id}/events.json")
    async def handoff_events(request: Request, handoff_id: str) -> Response:
        try:
            await guarded(request)
            handoff = await load(handoff_id)
        except Refused as exc:
            return refused(request, exc)
        body = {
            "status": handoff.status.value,
            "agent": handoff.agent_name,
            "entries": await transcript(handoff),
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    def agent_id(staff: Staff) -> str:
        return f"console:{staff.name}"

    def agent_inbound(staff: Staff, handoff: Handoff, text: str) -> Inbound:
        """What a Telegram agent's message in the request's topic (or reply to its card) would be."""
        reply_to = None
        if handoff.thread_id is None and handoff.card_message_id is not None:
            reply_to = MessageRef(handoff.support_chat_id, handoff.card_message_id)
        return Inbound(
            chat_id=handoff.support_chat_id,
            user_id=agent_id(staff),
            text=text,
            role=Role.AGENT,
            channel="web",
            user_name=staff.name,
            thread_id=handoff.thread_id,
            reply_to=reply_to,
            is_group=True,
        )

    async def act(request: Request, handoff_id: str, csrf: str, action: str, text: str = "") -> Response:
        try:
            staff = await guarded(request)
            check_form(request, staff, csrf)
            handoff = await load(handoff_id)
        except Refused as exc:
            return refused(request, exc)
        url = f"/console/handoffs/{handoff.id}"
        if handoff.channel not in deps.reachable:
            return back(url, f"read-only: this server cannot reach {handoff.channel} customers")
        if action == "reply":
            text = text.strip()[:MAX_REPLY_CHARS]
            if not text:
                return back(url, "empty reply: nothing sent")
            if handoff.thread_id is None and handoff.card_message_id is None:
                return back(url, "this request has no card to reply under yet; claim it from its channel")
            inbound = agent_inbound(staff, handoff, text)
        else:
            inbound = agent_inbound(staff, handoff, f"/{action} {handoff.id}")
        outbounds = await deps.core.handle(inbound)
        await deps.delivery.deliver(outbounds)
        await deps.auth.audit(staff.name, f"handoff.{action}", handoff.id, text[:200])
        return back(url, _notices(outbounds, handoff) or ("已发送 Sent" if action == "reply" else ""))

    @router.post("/handoffs/{handoff_id}/claim")
    async def claim(request: Request, handoff_id: str, csrf: str = Form("")) -> Response:
        return await act(request, handoff_id, csrf, "claim")

    @router.post("/handoffs/{handoff_id}/close")
    async def close(request: Request, handoff_id: str, csrf: str = Form("")) -> Response:
        return await act(request, handoff_id, csrf, "close")

    @router.post("/handoffs/{handoff_id}/reply")
    async def reply(
        request: Request, handoff_id: str, csrf: str = Form(""), text: str = Form("")
    ) -> Response:
        return await act(request, handoff_id, csrf, "reply", text)

    from bot.channels.web.console.tools import add_tool_routes

    add_tool_routes(router, deps, page, back, refused)
    return router


def _notices(outbounds: list[Outbound], handoff: Handoff) -> str:
    """What the service told the support side (claimed by …, taken by …, closed by …) as the flash."""
    said = [
        o.text for o in outbounds if o.chat_id == handoff.support_chat_id and o.kind == "notice" and o.text
    ]
    return " ".join(said)[:300]
