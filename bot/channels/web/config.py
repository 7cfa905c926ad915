"""The typed slice of settings the web channel needs (the CLI fills it from `Settings`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.handoff.outbox import WEB_SUPPORT_CHAT  # the console: the desk for web visitors' handoffs

WEB_CHAT_PREFIX = "web:"
__all__ = ["WEB_CHAT_PREFIX", "WEB_SUPPORT_CHAT", "WebConfig"]


@dataclass(frozen=True)
class WebConfig:
    """Limits and security settings of `xiaoer web`.

    `origins` are the sites allowed to embed the widget (scheme://host[:port], no trailing slash); the
    server's own origin (the demo page, the console) is always allowed. `secret` signs visitor session ids
    and button data. Rate limits are sliding windows: `visitor_messages` per `window_s` seconds for one
    visitor, `ip_messages` per `window_s` for one IP address (several visitors behind one address);
    one address holds at most `ip_sockets` open widget sockets per process.
    `max_chars` is the longest message accepted from a visitor (characters); `max_frame_bytes` caps a
    WebSocket frame before it is parsed; `max_body_bytes` caps an HTTP request body (console forms; the
    catalog upload has its own, larger limit). Console logins last `console_session_s` seconds."""

    secret: str
    origins: tuple[str, ...] = ()
    visitor_messages: int = 6
    ip_messages: int = 60
    ip_sockets: int = 50
    window_s: float = 10.0
    max_chars: int = 2000
    max_frame_bytes: int = 32 * 1024
    max_body_bytes: int = 256 * 1024
    history_limit: int = 50
    console_session_s: float = 8 * 3600.0
    poll_s: float = 1.0  # how often other processes' messages (agents' replies) are looked for

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("the web channel needs a signing secret")
        object.__setattr__(self, "origins", tuple(o.rstrip("/") for o in self.origins))
