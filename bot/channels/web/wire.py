"""The widget's wire format: `Outbound` → the JSON object the widget renders (always as text, never HTML).

Button data is signed with the channels' shared `CallbackSigner` (the same `d:<sku>`, `s:<sku>`,
`h:rate:<id>:<n>` the core understands on Telegram); links and images are kept only when they are
http(s) URLs, so a catalog row cannot smuggle a `javascript:` link into the page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bot.channels.signing import CallbackSigner
from bot.channels.web.history import Who
from bot.domain.messages import Button, Outbound, ProductCard

TEXT_LIMIT = 8000  # characters; longer texts are cut (the core's replies are far shorter)


def safe_url(url: str) -> str:
    """`url` when it is an absolute http(s) URL with a host, else "" (drops javascript:, data:, //x …)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def button_json(button: Button, signer: CallbackSigner) -> dict[str, str] | None:
    if button.url:
        url = safe_url(button.url)
        return {"label": button.label, "url": url} if url else None
    if button.data:
        return {"label": button.label, "data": signer.sign(button.data)}
    return None


def card_json(card: ProductCard, signer: CallbackSigner) -> dict[str, Any]:
    buttons = [b for b in (button_json(x, signer) for x in card.buttons) if b is not None]
    return {
        "sku": card.sku,
        "title": card.title,
        "price": card.price_text or "",
        "stock": card.stock_text or "",
        "image": safe_url(card.image_url),
        "url": safe_url(card.url),
        "summary": card.summary,
        "buttons": buttons,
    }


def outbound_payload(outbound: Outbound, signer: CallbackSigner) -> dict[str, Any]:
    """The stored/sent form of one Outbound: text, cards, buttons, and a file name for documents."""
    text = outbound.text[:TEXT_LIMIT]
    payload: dict[str, Any] = {"kind": outbound.kind, "text": text}
    if outbound.cards:
        payload["cards"] = [card_json(card, signer) for card in outbound.cards]
    buttons = [b for b in (button_json(x, signer) for x in outbound.buttons) if b is not None]
    if buttons:
        payload["buttons"] = buttons
    if outbound.document is not None:
        payload["file"] = outbound.document[0]
    return payload


def speaker(outbound: Outbound) -> Who:
    """Who the widget shows as the author: an agent's relayed words, or the shop's bot."""
    return "agent" if outbound.kind == "relay" else "bot"
