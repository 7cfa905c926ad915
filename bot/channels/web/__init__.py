"""The web channel: an embeddable chat widget for the shop's own site and the staff console.

The ASGI app (`bot.channels.web.app.build_web_app`) is the only place FastAPI/Starlette/uvicorn are used;
like the Telegram channel it only translates (widget frames → `Inbound`, `Outbound` → widget frames) and
leaves every decision to the conversation core and the handoff service.
"""

from bot.channels.web.config import WEB_SUPPORT_CHAT, WebConfig

__all__ = ["WEB_SUPPORT_CHAT", "WebConfig"]
