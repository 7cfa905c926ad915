"""The front-end contract: plain values in (`Inbound`) and out (`Outbound`), never a Telegram type.

Front ends translate their updates into `Inbound`, await `SupportBot.handle`, and deliver each
`Outbound` natively (text, product cards, buttons, relayed copies, files).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, Protocol


class Role(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"  # may use staff commands (/copy, /keywords, /describe, /ingest, /stats …)
    AGENT = "agent"  # a support agent writing in the support group


AttachmentKind = Literal[
    "photo", "document", "sticker", "voice", "audio", "video", "location", "contact", "other"
]


@dataclass(frozen=True)
class Attachment:
    """A non-text part of a message; `file_id` lets a channel re-send or download it."""

    kind: AttachmentKind
    file_id: str = ""
    file_name: str = ""
    mime_type: str = ""


@dataclass(frozen=True)
class MessageRef:
    """Where a message lives in its channel, for replies and for relaying copies."""

    chat_id: str
    message_id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One message, command or button press from a person, as the core sees it."""

    chat_id: str
    user_id: str
    text: str = ""
    role: Role = Role.CUSTOMER
    channel: str = "terminal"
    user_name: str = ""
    language_hint: str | None = None  # e.g. Telegram's language_code
    callback_data: str | None = None  # set when a button was pressed
    attachment: Attachment | None = None
    ref: MessageRef | None = None  # this message in its channel
    reply_to: MessageRef | None = None  # the message it answers, if any
    thread_id: str | None = None  # forum topic in a support group
    is_group: bool = False
    update_id: int | None = None
    document_bytes: bytes | None = None  # a downloaded attachment (e.g. /ingest), when the channel fetched it
    # False when the channel already knows no handoff is open for this chat (a replica learns it with the
    # update's admission); None = unknown, handoff looks it up.
    handoff_open: bool | None = None

    @property
    def command(self) -> str | None:
        """'/copy SKU taobao' → 'copy' (a '@botname' suffix is dropped); None for plain text."""
        text = self.text.strip()
        if not text.startswith("/") or len(text) < 2:
            return None
        return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() or None

    @property
    def command_args(self) -> str:
        text = self.text.strip()
        parts = text.split(maxsplit=1)
        return parts[1].strip() if self.command and len(parts) > 1 else ""


# The most button data (UTF-8 bytes) every channel can carry: Telegram's callback_data limit, the strictest
# (https://core.telegram.org/bots/api#inlinekeyboardbutton; telegram.constants.InlineKeyboardButtonLimit).
BUTTON_DATA_MAX_BYTES = 64


def fits_button(data: str) -> bool:
    """True when `data` can be a button's callback data on every channel."""
    return len(data.encode("utf-8")) <= BUTTON_DATA_MAX_BYTES


@dataclass(frozen=True)
class Button:
    """An inline button: either a callback (`data`, ≤ `BUTTON_DATA_MAX_BYTES`) or a link (`url`)."""

    label: str
    data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ProductCard:
    """A product as a channel shows it: photo + caption where an image exists, else formatted text."""

    sku: str
    title: str
    price_text: str | None = None
    stock_text: str | None = None
    image_url: str = ""
    url: str = ""
    summary: str = ""
    buttons: tuple[Button, ...] = ()


# reply: the one answer to a customer message; relay: a held chat's message copied across; notice: a side
# effect (support-group card, timeout); copy: a verbatim copy.
OutboundKind = Literal["reply", "relay", "notice", "copy"]

# `Outbound.meta[ERASED] == "chat"`: the customer's records were just erased (/forget); a channel that keeps
# its own copy of the chat (the web widget's message log) erases it before delivering this reply.
ERASED = "erased"


@dataclass(frozen=True)
class Outbound:
    """One thing to deliver. `chat_id` is the destination, which may be another chat (handoff relay)."""

    chat_id: str
    text: str = ""
    cards: tuple[ProductCard, ...] = ()
    buttons: tuple[Button, ...] = ()
    thread_id: str | None = None
    reply_to: MessageRef | None = None
    copy_of: MessageRef | None = None  # relay: copy that message here instead of sending text
    document: tuple[str, bytes] | None = None  # (file name, content), e.g. a transcript
    images: tuple[tuple[str, bytes], ...] = ()  # (file name, PNG bytes), e.g. insight charts
    kind: OutboundKind = "reply"
    meta: dict[str, str] = field(default_factory=dict)


class ReplyProgress(Protocol):
    """Optional hooks a channel gives the core to show progress while a reply is prepared."""

    async def typing(self) -> None:
        """The bot is working (retrieving, generating)."""
        ...

    async def draft(self, text: str) -> None:
        """A partial reply so far (streamed LLM output); the final Outbound replaces it."""
        ...
