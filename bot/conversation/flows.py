"""The seam for guided conversations a feature runs inside the core (orders: "where is my order?", returns).

The conversation layer sits below the features, so the core cannot import `bot.orders`; instead the
composition root passes a `ConversationFlow` to `SupportBot(flow=...)`. The core offers the flow each customer
message first (with the intent it read), each photo, and each button press it does not know; the flow either
takes the turn (`FlowReply`: the one reply, plus anything for other chats and an optional handoff) or returns
None and the core answers as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.domain.messages import Button, Inbound, MessageRef, Outbound


@dataclass(frozen=True)
class FlowTurn:
    """One customer message offered to a flow: `text` is cleaned ("" for a bare photo), `lang` zh|en,
    `intent` the core's intent value for it ("" when the core did not classify it, e.g. a photo)."""

    inbound: Inbound
    text: str
    lang: str
    intent: str = ""


@dataclass(frozen=True)
class FlowHandoff:
    """Ask the core to open a handoff for this turn: `reason` (a handoff reason id), `summary` for the
    agents' card, `card_lines` (structured lines the card shows), `buttons` on the card (e.g. approve /
    reject) and `copies` (customer messages, e.g. photos, copied into the support chat beside the card)."""

    reason: str
    summary: str = ""
    card_lines: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    copies: tuple[MessageRef, ...] = ()


@dataclass(frozen=True)
class FlowReply:
    """The flow's answer: `text` (+ `buttons`) to the customer; `memory_text` is what the chat's memory
    keeps of the customer's words (proofs masked) and `remembered_reply` of the reply (order facts are not
    kept in the shared chat memory); `handoff` opens a request; `intent` labels the turn for insights."""

    text: str
    intent: str
    memory_text: str
    remembered_reply: str
    buttons: tuple[Button, ...] = ()
    handoff: FlowHandoff | None = None
    open: bool = False  # the dialogue waits for this customer's next message
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FlowWithdrawal:
    """The customer took back something the flow had filed ("算了，不退了"): `text` is the one reply to the
    customer, `agent_text` the line for the agents handling it (put beside the customer's relayed words when
    a handoff is open), `intent` labels the turn."""

    text: str
    agent_text: str
    intent: str


class ConversationFlow(Protocol):
    """A guided conversation the core consults before its own answer (see the module docstring)."""

    def may_start(self, turn: FlowTurn) -> bool:
        """Whether this message could open a dialogue (no I/O): the core consults `take` only then, or when
        the customer has a dialogue open (`ChatState.flow_users`), so other messages cost nothing."""
        ...

    async def take(self, turn: FlowTurn) -> FlowReply | None:
        """The reply when the flow owns this message (an open dialogue, or one it starts); else None."""
        ...

    def may_withdraw(self, turn: FlowTurn) -> bool:
        """Whether this message could take back a filed request (no I/O); the core then asks `withdraw`
        before a handoff relays the message, since a filed request usually has one open."""
        ...

    async def withdraw(self, turn: FlowTurn) -> FlowWithdrawal | None:
        """The withdrawal when this customer has a filed request still waiting for review; else None."""
        ...

    async def on_callback(self, inbound: Inbound, lang: str) -> list[Outbound] | None:
        """Outbounds for a button press the flow owns (its own data prefix); None when not its button."""
        ...

    async def forget(self, chat_id: str, user_id: str) -> None:
        """Drop the (chat, user) dialogue and anything verified in it (/reset, /forget)."""
        ...
