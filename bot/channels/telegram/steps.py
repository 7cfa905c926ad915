"""The Bot API messages one `Outbound` becomes, in order (`plan`): what `TelegramDelivery` sends and what a
reply in doubt is probed for (`bot.channels.telegram.probe`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.telegram.cards import cards_text, preview
from bot.channels.telegram.format import split_text
from bot.channels.telegram.transport import Json
from bot.domain.messages import Outbound


@dataclass(frozen=True)
class Step:
    """One Bot API message an Outbound becomes (in order): a text chunk (escaped at send time; the last one
    carries the keyboard and the cards' link preview), an image or a document."""

    kind: str  # "text" | "image" | "document"
    chunk: str = ""
    markup: Json | None = None  # reply_markup (Bot API JSON)
    first: bool = False
    preview: Json | None = None  # link_preview_options (Bot API JSON)
    file: tuple[str, bytes] | None = None


def plan(outbound: Outbound, markup: Json | None) -> list[Step]:
    """The messages `TelegramDelivery.deliver_one` sends for an Outbound that is not a copy (or whose copy
    failed), in order — what a reply in doubt is probed for (`bot.channels.telegram.probe`)."""
    chunks = split_text(outbound.text or cards_text(outbound.cards))
    photo = preview(outbound.cards)
    last = len(chunks) - 1
    steps = [
        Step("text", chunk, markup if n == last else None, n == 0, photo if n == last else None)
        for n, chunk in enumerate(chunks)
    ]
    steps += [Step("image", file=image) for image in outbound.images]
    if outbound.document is not None:
        steps.append(Step("document", file=outbound.document))
    return steps
