"""The terminal channel: the same core as Telegram, in a console (interactive or piped stdin).

It only translates: a typed line becomes an `Inbound`, each `Outbound` is rendered with rich (product
cards as compact panels, buttons numbered so `:b N` presses one). `:as staff|agent|customer` switches
roles (agent mode writes as the support group, chat "terminal:support"); `:quit` or EOF ends.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.domain.messages import Button, Inbound, Outbound, ProductCard, Role
from bot.domain.protocols import ConversationCore

CUSTOMER_CHAT = "terminal"
SUPPORT_CHAT = "terminal:support"
_ROLES = {"customer": Role.CUSTOMER, "staff": Role.STAFF, "agent": Role.AGENT}
RATING_PREFIX = "h:rate:"  # the handoff's rating buttons (bot/handoff/cards.py)


@dataclass
class TerminalSession:
    """Who is typing and which buttons the last reply offered."""

    role: Role = Role.CUSTOMER
    user_id: str = "terminal-user"
    user_name: str = "terminal"
    buttons: list[Button] = field(default_factory=list)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    # chat → {"5": callback data}: a rating prompt was just sent there, so a bare "5" is a rating, not a search
    ratings: dict[str, dict[str, str]] = field(default_factory=dict)
    customer_chat: str = CUSTOMER_CHAT  # `xiaoer ask` uses a fresh one per question

    @property
    def chat_id(self) -> str:
        return SUPPORT_CHAT if self.role is Role.AGENT else self.customer_chat


class TerminalChannel:
    def __init__(
        self,
        core: ConversationCore,
        console: Console | None = None,
        *,
        language_hint: str | None = None,
        prompt: bool | None = None,
    ) -> None:
        self.core = core
        self.console = console or Console(highlight=False, soft_wrap=False)
        self.session = TerminalSession()
        self.language_hint = language_hint
        self.prompt = sys.stdin.isatty() if prompt is None else prompt

    def inbound(self, text: str = "", callback_data: str | None = None) -> Inbound:
        s = self.session
        agent = s.role is Role.AGENT
        return Inbound(
            chat_id=s.chat_id,
            user_id="terminal-agent" if agent else s.user_id,
            text=text,
            role=s.role,
            channel="terminal",
            user_name=s.user_name,
            language_hint=self.language_hint,
            callback_data=callback_data,
            is_group=agent,
            update_id=next(s.counter),
        )

    async def on_line(self, line: str) -> bool:
        """Handle one typed line; False means stop."""
        text = line.rstrip("\n")
        stripped = text.strip()
        if stripped in (":quit", ":q", ":exit"):
            return False
        if stripped.startswith(":as "):
            role = _ROLES.get(stripped[4:].strip().lower())
            if role is None:
                self.console.print("[yellow]use :as customer | staff | agent[/]")
            else:
                self.session.role = role
                self.console.print(f"[dim](now writing as {role.value} in chat {self.session.chat_id})[/]")
            return True
        if stripped.startswith(":b "):
            return await self._press(stripped[3:].strip())
        pending = self.session.ratings.pop(self.session.chat_id, {})
        if stripped in pending:  # "5" right after the rating prompt presses the ★5 button
            await self.deliver(await self.core.handle(self.inbound(callback_data=pending[stripped])))
            return True
        await self.deliver(await self.core.handle(self.inbound(text)))
        return True

    async def _press(self, which: str) -> bool:
        buttons = [b for b in self.session.buttons if b.data]
        if not which.isdigit() or not 1 <= int(which) <= len(buttons):
            self.console.print(f"[yellow]no button {which}; the last reply had {len(buttons)}[/]")
            return True
        await self.deliver(await self.core.handle(self.inbound(callback_data=buttons[int(which) - 1].data)))
        return True

    async def deliver(self, outbounds: list[Outbound]) -> None:
        buttons: list[Button] = []
        for out in outbounds:
            mine = out.chat_id == self.session.chat_id
            rating = {
                b.data.rsplit(":", 1)[-1]: b.data
                for b in out.buttons
                if b.data and b.data.startswith(RATING_PREFIX)
            }
            if rating:
                self.session.ratings[out.chat_id] = rating
            if not mine:
                self.console.print(Text(f"→ [{out.chat_id}] {out.text}", style="dim"))
                continue
            if out.text:
                self.console.print(Text(out.text))
            if len(out.cards) == 1:
                self.console.print(render_card(out.cards[0], len(buttons)))
                buttons += [b for b in out.cards[0].buttons if b.data]
            elif out.cards:
                self.console.print(render_card_table(out.cards, len(buttons)))
                buttons += [b for card in out.cards for b in card.buttons if b.data]
            extra = [b for b in out.buttons if b.data]
            if extra:
                self.console.print(render_buttons(extra, len(buttons)))
                buttons += extra
            if out.document:
                self.console.print(Text(f"[file: {out.document[0]}]", style="dim"))
            for name, _ in out.images:
                self.console.print(Text(f"[image: {name}]", style="dim"))
        if buttons:
            self.session.buttons = buttons
        self.console.print()

    async def run(self, read_line: Callable[[], str] | None = None) -> None:
        """Read lines until `:quit` or end of input; one reply is printed per line before the next is read."""
        reader = read_line or self._read
        while True:
            try:
                line = await asyncio.to_thread(reader)
            except (EOFError, KeyboardInterrupt):
                break
            if line == "":
                break  # EOF on a pipe
            if not await self.on_line(line):
                break

    def _read(self) -> str:
        if self.prompt:
            label = {Role.CUSTOMER: "你", Role.STAFF: "staff", Role.AGENT: "agent"}[self.session.role]
            return self.console.input(f"[bold cyan]{label}>[/] ") + "\n"
        return sys.stdin.readline()


def render_card(card: ProductCard, offset: int = 0) -> Panel:
    """A compact panel: title, price · stock, summary, link, numbered buttons."""
    grid = Table.grid(padding=(0, 1))
    facts = " · ".join(part for part in (card.price_text, card.stock_text) if part)
    if facts:
        grid.add_row(Text(facts, style="bold green"))
    if card.summary:
        grid.add_row(Text(card.summary))
    if card.url:
        grid.add_row(Text(card.url, style="blue underline"))
    parts: list[RenderableType] = [grid]
    data_buttons = [b for b in card.buttons if b.data]
    if data_buttons:
        parts.append(render_buttons(data_buttons, offset))
    return Panel(
        Group(*parts),
        title=Text(f"{card.title}", style="bold"),
        subtitle=card.sku,
        expand=False,
        title_align="left",
        subtitle_align="right",
    )


def render_buttons(buttons: list[Button], offset: int = 0) -> Text:
    return Text("  ".join(f"[{offset + n}] {b.label}" for n, b in enumerate(buttons, 1)), style="cyan")


def render_card_table(cards: tuple[ProductCard, ...], offset: int = 0) -> Table:
    """Several products as one compact table (one row per card, its buttons numbered)."""
    table = Table(show_header=False, box=None, pad_edge=False)
    for _ in range(5):
        table.add_column(overflow="fold")
    n = offset
    for card in cards:
        data_buttons = [b for b in card.buttons if b.data]
        labels = " ".join(f"[{n + i}]{b.label}" for i, b in enumerate(data_buttons, 1))
        n += len(data_buttons)
        table.add_row(
            card.sku,
            Text(card.title, style="bold"),
            Text(card.price_text or "", style="green"),
            card.stock_text or "",
            Text(labels, style="cyan"),
        )
    return table
