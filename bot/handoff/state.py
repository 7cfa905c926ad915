"""The handoff state machine: which events may move a request from which status, and to where.

Kept pure (no I/O) so the rules are tested on their own and every store applies the same ones: the SQL
store turns `sources(event)` into a conditional `UPDATE … WHERE status IN (…)`, which is what makes
concurrent claims atomic.

    request → WAITING ──claim──→ CLAIMED ──close──→ CLOSED
                │  ╲                 ↑    ╲leave
                │   timeout → TIMED_OUT ──claim (late pick-up)
                └──close / leave──────────────────→ CLOSED

WAITING and CLAIMED *hold* the chat (the bot stays silent, messages are relayed). TIMED_OUT is still open
(visible in /queue, an agent can pick it up) but the bot answers again meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    WAITING = "waiting"
    CLAIMED = "claimed"
    TIMED_OUT = "timed_out"
    CLOSED = "closed"


class Event(StrEnum):
    CLAIM = "claim"
    TIMEOUT = "timeout"
    CLOSE = "close"  # an agent hands the chat back
    LEAVE = "leave"  # the customer ends it (or left the chat)


HELD = frozenset({Status.WAITING, Status.CLAIMED})
OPEN = frozenset({Status.WAITING, Status.CLAIMED, Status.TIMED_OUT})

_TRANSITIONS: dict[Event, tuple[frozenset[Status], Status]] = {
    Event.CLAIM: (frozenset({Status.WAITING, Status.TIMED_OUT}), Status.CLAIMED),
    Event.TIMEOUT: (frozenset({Status.WAITING}), Status.TIMED_OUT),
    Event.CLOSE: (OPEN, Status.CLOSED),
    Event.LEAVE: (OPEN, Status.CLOSED),
}


class InvalidTransition(ValueError):
    """An event that the current status does not allow (e.g. claiming a closed request)."""

    def __init__(self, status: Status, event: Event) -> None:
        super().__init__(f"cannot {event.value} a handoff that is {status.value}")
        self.status = status
        self.event = event


def sources(event: Event) -> frozenset[Status]:
    """The statuses from which `event` is allowed."""
    return _TRANSITIONS[event][0]


def target(event: Event) -> Status:
    """The status `event` leads to."""
    return _TRANSITIONS[event][1]


def transition(status: Status, event: Event) -> Status:
    """The next status, or InvalidTransition."""
    allowed, to = _TRANSITIONS[event]
    if status not in allowed:
        raise InvalidTransition(status, event)
    return to


@dataclass(frozen=True)
class Handoff:
    """One customer conversation handed to people: who, why, where it lives in the support chat, status."""

    id: str
    chat_id: str  # the customer's chat
    user_id: str
    channel: str
    reason: str
    status: Status = Status.WAITING
    user_name: str = ""
    language: str = "zh"
    summary: str = ""
    support_chat_id: str = ""
    thread_id: str | None = None  # forum topic, when the desk created one
    card_message_id: str | None = None  # the request card in the support chat (reply-to fallback)
    agent_id: str | None = None
    agent_name: str = ""
    created_at: float = 0.0
    claimed_at: float | None = None
    closed_at: float | None = None
    closed_by: str = ""  # agent id, or "customer"
    rating: int | None = None
    note_pending: bool = False  # timed out and the customer chose to leave a message

    @property
    def held(self) -> bool:
        return self.status in HELD

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def short_id(self) -> str:
        return self.id[:6]


@dataclass(frozen=True)
class TranscriptEntry:
    """One line of the human exchange: who said what, when, and what kind of attachment came with it."""

    handoff_id: str
    who: str  # "customer", "agent", "bot" or "system"
    text: str
    at: float
    author: str = ""
    attachment_kind: str = ""


@dataclass(frozen=True)
class ClaimResult:
    """What a claim attempt did: `ok` for the winner; otherwise the current state explains why not."""

    ok: bool
    handoff: Handoff | None
    reason: str = ""  # "", "taken", "mine", "closed", "missing"
