"""The order conversation's dialogue state per (chat, user): what the customer wants and which slot is next.

`OrderDialogue` is a plain value (purpose, stage, order number, reason, photos). It never holds a proof (the
last 4 digits or the e-mail are used once, in the turn that gives them, and never stored). A dialogue older
than `DIALOGUE_TTL_S` is over. Kept per (chat, user): in a group chat two members each have their own.
The `DialogueStore` seam has an in-memory implementation here and an SQL one in `bot.orders.dialogue_sql`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Protocol

DIALOGUE_TTL_S = 1800.0  # an unanswered question from the bot is forgotten after 30 minutes
STATUS = "status"  # purpose: "where is my order"; else a `RequestKind` value


class Stage(StrEnum):
    NUMBER = "number"  # waiting for the order number
    PROOF = "proof"  # waiting for the last 4 digits of the phone or the e-mail
    REASON = "reason"  # after-sales: waiting for the reason
    PHOTOS = "photos"  # after-sales: collecting photos until the customer says done
    FOLLOW = "follow"  # answered about the verified order: follow-ups (when, where, items …) are about it


@dataclass(frozen=True)
class OrderDialogue:
    """`purpose` is STATUS or a RequestKind value; `photos` channel file ids; `photo_refs`
    "chat_id/message_id[/thread]" of the photo messages (copied to the agents); `updated_at` epoch seconds."""

    purpose: str
    stage: Stage
    updated_at: float
    order_number: str = ""
    reason: str = ""
    photos: tuple[str, ...] = ()
    photo_refs: tuple[str, ...] = ()
    failures: int = 0  # rejected proofs in this dialogue (the verifier's lockout is the real limit)
    lang: str = ""  # the language the dialogue started in (a bare number or proof says nothing about it)
    opened: bool = False  # the customer said the goods were opened (food, skincare: the returns rule)
    opened_words: str = ""  # the message that said so (which items: "坚果拆开吃了一袋")

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> OrderDialogue:
        data = json.loads(text)
        return cls(
            purpose=str(data["purpose"]),
            stage=Stage(data["stage"]),
            updated_at=float(data["updated_at"]),
            order_number=str(data.get("order_number", "")),
            reason=str(data.get("reason", "")),
            photos=tuple(str(p) for p in data.get("photos", ())),
            photo_refs=tuple(str(p) for p in data.get("photo_refs", ())),
            failures=int(data.get("failures", 0)),
            lang=str(data.get("lang", "")),
            opened=bool(data.get("opened", False)),
            opened_words=str(data.get("opened_words", "")),
        )


class DialogueStore(Protocol):
    """Where dialogues live (blocking calls; the flow runs them off the event loop)."""

    def get(self, chat_id: str, user_id: str, now: float) -> OrderDialogue | None:
        """The live dialogue of (chat, user), or None (none, or older than DIALOGUE_TTL_S)."""
        ...

    def put(self, chat_id: str, user_id: str, dialogue: OrderDialogue) -> None: ...

    def drop(self, chat_id: str, user_id: str) -> None: ...


class InMemoryDialogueStore:
    """`DialogueStore` in a dict (tests, single-process runs without a database)."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], OrderDialogue] = {}
        self._lock = threading.Lock()

    def get(self, chat_id: str, user_id: str, now: float) -> OrderDialogue | None:
        with self._lock:
            dialogue = self._rows.get((chat_id, user_id))
        if dialogue is None or now - dialogue.updated_at > DIALOGUE_TTL_S:
            return None
        return dialogue

    def put(self, chat_id: str, user_id: str, dialogue: OrderDialogue) -> None:
        with self._lock:
            self._rows[(chat_id, user_id)] = dialogue

    def drop(self, chat_id: str, user_id: str) -> None:
        with self._lock:
            self._rows.pop((chat_id, user_id), None)
