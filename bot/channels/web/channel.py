"""Assemble the web channel from its parts (the way `bot.channels.telegram.app` builds PTB's Application).

`build_web_channel` gives the parts the widget and the console share (message log, live connections,
delivery, button signer); `WebChannel.app()` the ASGI app. The CLI (`xiaoer web`) passes the core from
`bot.wiring` and the typed settings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from bot.channels.signing import CallbackSigner
from bot.channels.web.app import build_web_app
from bot.channels.web.config import WebConfig
from bot.channels.web.delivery import DeliveryFeedback, OutboundSink, WebDelivery
from bot.channels.web.history import WebHistory
from bot.channels.web.hub import WebHub
from bot.channels.web.widget import WidgetEndpoint
from bot.coordination.ratelimit import RateLimiter
from bot.domain.protocols import ConversationCore
from bot.prompts import PROMPTS_DIR, Messages


def load_web_strings(prompts_dir: Path = PROMPTS_DIR) -> Messages:
    """The widget's and console's strings: `web.yaml` in the prompts folder, else the packaged one."""
    path = prompts_dir / "web.yaml"
    return Messages(path if path.is_file() else PROMPTS_DIR / "web.yaml")


@dataclass
class WebChannel:
    """The web channel's shared parts."""

    core: ConversationCore
    config: WebConfig
    history: WebHistory
    hub: WebHub
    delivery: WebDelivery
    signer: CallbackSigner
    strings: Messages
    endpoint: WidgetEndpoint

    def app(
        self, console: Any | None = None, periodic: Sequence[tuple[float, Callable[[], Awaitable[None]]]] = ()
    ) -> FastAPI:
        return build_web_app(
            self.endpoint, self.hub, self.config, self.strings, console=console, periodic=periodic
        )


def build_web_channel(
    core: ConversationCore,
    config: WebConfig,
    *,
    history: WebHistory,
    strings: Messages,
    handoff: DeliveryFeedback | None = None,
    elsewhere: OutboundSink | None = None,
    visitor_limiter: RateLimiter | None = None,
    ip_limiter: RateLimiter | None = None,
) -> WebChannel:
    signer = CallbackSigner(config.secret, limit=1024)
    hub = WebHub(history, config.poll_s)
    delivery = WebDelivery(history, hub, signer, handoff=handoff, elsewhere=elsewhere)
    endpoint = WidgetEndpoint(
        core,
        config,
        history=history,
        hub=hub,
        delivery=delivery,
        signer=signer,
        strings=strings,
        visitor_limiter=visitor_limiter,
        ip_limiter=ip_limiter,
    )
    return WebChannel(core, config, history, hub, delivery, signer, strings, endpoint)
