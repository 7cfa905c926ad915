"""Agents decide after-sales requests by typing: `/approve <id> [note]`, `/reject <id> <reason>`,
`/complete <id> [note]`, and `/requests` lists the open ones.

The same decisions as the card's approve / reject / complete buttons (`OrderConversation.decide`), for
channels where an agent cannot press the card's buttons — the terminal console, where the card is printed
into the support chat — or simply prefers typing. `<id>` is the request id as the card shows it (its
first 8 characters) or whole. Registered for AGENT and STAFF roles only: the core refuses customers before a
handler runs. Replies are in the configured support language, like the cards.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.commands import AGENTS, CommandRegistry
from bot.domain.messages import Inbound, Outbound
from bot.orders.conversation import OrderConversation
from bot.prompts import Messages

_ACTIONS = {"approve": "approve", "reject": "reject", "complete": "complete"}


@dataclass
class DecisionCommands:
    flow: OrderConversation
    messages: Messages

    @property
    def lang(self) -> str:
        return self.flow.support_language

    def register(self, registry: CommandRegistry) -> None:
        for name in (*_ACTIONS, "requests"):
            if name in registry:
                continue
            key = f"aftersales_cmd_{name}"
            registry.register(
                name,
                self.on_requests if name == "requests" else self.on_decision,
                roles=AGENTS,
                zh=self.messages.get(key, "zh"),
                en=self.messages.get(key, "en"),
            )

    async def on_decision(self, inbound: Inbound) -> list[Outbound]:
        """`/approve|/reject|/complete <id> [note]`; a rejection needs its reason (the customer reads it)."""
        action = _ACTIONS[inbound.command or ""]
        ref, _, note = (inbound.command_args or "").strip().partition(" ")
        if not ref or (action == "reject" and not note.strip()):
            return [self._say(inbound, self.messages.get(f"aftersales_usage_{action}", self.lang))]
        return await self.flow.decide(inbound, action, ref, note.strip())

    async def on_requests(self, inbound: Inbound) -> list[Outbound]:
        """The open after-sales requests, oldest first: id, kind, order, state, what the rules said."""
        get, lang = self.messages.get, self.lang
        requests = await self.flow.desk.aftersales.queue()
        if not requests:
            return [self._say(inbound, get("aftersales_queue_empty", lang))]
        lines = [get("aftersales_queue_header", lang, count=len(requests))]
        for request in requests:
            lines.append(
                get(
                    "aftersales_queue_line",
                    lang,
                    request_id=request.id[:8],
                    kind=get(f"aftersales_kind_{request.kind.value}", lang),
                    order_id=request.order_key,
                    status=get(f"aftersales_status_{request.status.value}", lang),
                    verdict=get(f"aftersales_decision_{request.verdict_decision}", lang)
                    if request.verdict_decision
                    else "—",
                )
            )
        lines.append(get("aftersales_queue_hint", lang))
        return [self._say(inbound, "\n".join(lines))]

    def _say(self, inbound: Inbound, text: str) -> Outbound:
        return Outbound(chat_id=inbound.chat_id, text=text, thread_id=inbound.thread_id, kind="notice")


def register_decision_commands(
    registry: CommandRegistry, flow: OrderConversation, messages: Messages
) -> DecisionCommands:
    """Wire `/approve` `/reject` `/complete` `/requests` (agents and staff) to the order flow."""
    commands = DecisionCommands(flow, messages)
    commands.register(registry)
    return commands
