"""Product cards on Telegram: they ride on the reply message itself, so a reply is one Bot API call.

A reply with product cards used to be the text plus one photo message per card (five products: six
messages, six calls, a chat scrolled past the answer). Now it is one message that still works on a phone:

- the reply text, as the core wrote it (when an Outbound has cards but no text, the cards' own lines);
- above it, the first card's product photo as a large link preview (`link_preview_options`: Telegram fetches
  the image itself; an image it cannot fetch just shows no preview, so there is no failure to fall back
  from). A reply whose cards have no image gets no preview at all, rather than one of a random link;
- under it, an inline keyboard: with several products one full-width row per product, "n. title · price",
  numbered like the list in the text, opening that product's details (its own photo, price, stock, and its
  similar/link buttons); with one product that product's buttons in one row; then the Outbound's buttons.

Only the layout is decided here (rows of `Button`s and the preview options); `TelegramDelivery` signs the
buttons and sends. Sources: Bot API 7.0 `LinkPreviewOptions` (url, prefer_large_media, show_above_text,
is_disabled) and `InlineKeyboardMarkup`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.channels.telegram.format import card_lines, truncate
from bot.domain.messages import Button, Outbound, ProductCard

# Characters of a product's title in its button: a full-width button on a phone shows about 30 (CJK ~18),
# and the price after the title must stay visible.
TITLE_CHARS = 24


def product_row(number: int, card: ProductCard) -> list[Button]:
    """One product as one button: "n. title · price", opening its details (or its page, when it has no
    data button)."""
    label = f"{number}. {truncate(card.title, TITLE_CHARS)}"
    if card.price_text:
        label += f" · {card.price_text}"
    opener = next((b for b in card.buttons if b.data), None) or next((b for b in card.buttons if b.url), None)
    if opener is None:
        return []
    return [Button(label, data=opener.data, url=opener.url)]


def reply_rows(outbound: Outbound) -> list[list[Button]]:
    """The keyboard of a reply, as rows: its products (see the module docstring), then its own buttons."""
    rows: list[list[Button]] = []
    if len(outbound.cards) == 1:
        card_buttons = [b for b in outbound.cards[0].buttons if b.data or b.url]
        rows += [card_buttons] if card_buttons else []
    else:
        rows += [row for n, card in enumerate(outbound.cards, 1) if (row := product_row(n, card))]
    rows += [[button] for button in outbound.buttons if button.data or button.url]
    return rows


def cards_text(cards: Sequence[ProductCard]) -> str:
    """The text of a reply made of cards only: each card's title, price · stock and summary."""
    blocks = ["\n".join(part for part in card_lines(card) if part) for card in cards]
    return "\n\n".join(block for block in blocks if block)


def preview(cards: Sequence[ProductCard]) -> dict[str, Any] | None:
    """The `link_preview_options` (Bot API JSON): the first product photo, large and above the text;
    previews off when no card has a photo; None when the reply has no cards (Telegram's default stays)."""
    if not cards:
        return None
    image = next((card.image_url for card in cards if card.image_url), "")
    if not image:
        return {"is_disabled": True}
    return {"url": image, "prefer_large_media": True, "show_above_text": True}
