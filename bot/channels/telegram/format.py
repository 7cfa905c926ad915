"""Telegram's size limits and HTML formatting, as pure functions (no API calls) so they are easy to test.

Telegram counts message lengths in UTF-16 code units after entity parsing: text ≤ 4096, captions ≤ 1024.
We split and trim the plain text, then HTML-escape it, so an `&` never breaks a limit or a tag.
"""

from __future__ import annotations

import html

from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from bot.domain.messages import ProductCard

TEXT_LIMIT: int = MessageLimit.MAX_TEXT_LENGTH
CAPTION_LIMIT: int = MessageLimit.CAPTION_LENGTH
CALLBACK_DATA_LIMIT: int = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
ELLIPSIS = "…"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (emoji and other astral characters count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-16 units (never splitting a surrogate pair)."""
    if utf16_len(text) <= limit:
        return text
    low, high = 0, min(len(text), limit)
    while low < high:
        mid = (low + high + 1) // 2
        if utf16_len(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    return text[:low]


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split into chunks within `limit`, preferring line breaks, then spaces, then a hard cut."""
    chunks: list[str] = []
    rest = text.strip("\n")
    while utf16_len(rest) > limit:
        head = _cut(rest, limit)
        cut = head.rfind("\n")
        if cut <= 0:
            cut = head.rfind(" ")
        if cut <= 0:
            cut = len(head)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip():
        chunks.append(rest)
    return chunks


def truncate(text: str, limit: int) -> str:
    """Trim to `limit` UTF-16 units with an ellipsis when something was cut."""
    if utf16_len(text) <= limit:
        return text
    return _cut(text, limit - 1).rstrip() + ELLIPSIS


def escape(text: str) -> str:
    """Escape for parse_mode=HTML (Telegram only needs &, < and >; quotes are harmless)."""
    return html.escape(text, quote=False)


def card_lines(card: ProductCard) -> tuple[str, str, str]:
    """(title, facts, summary) of a product card in plain text."""
    facts = " · ".join(part for part in (card.price_text, card.stock_text) if part)
    return card.title, facts, card.summary


def card_html(card: ProductCard, limit: int = CAPTION_LIMIT) -> str:
    """A card as HTML: bold title, price · stock, then the summary trimmed so the visible text fits `limit`."""
    title, facts, summary = card_lines(card)
    title = truncate(title, min(limit, 256))
    head = [f"<b>{escape(title)}</b>"] + ([escape(facts)] if facts else [])
    used = utf16_len(title) + (utf16_len(facts) + 1 if facts else 0)
    room = limit - used - 1
    if summary and room > 10:
        head.append(escape(truncate(summary, room)))
    return "\n".join(head)
