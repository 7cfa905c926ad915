"""Staff/agent command `/order <number>`: the whole order at a glance, for people helping a customer.

Registered on the shared command registry for agents and staff only (the core refuses customers before the
handler runs). Staff see more than customers — the city, the status history, after-sales requests — but
even here the phone shows only its last 4 digits and the e-mail only `a***@domain`: chat messages get
forwarded and screenshotted.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from bot.domain.commands import AGENTS, CommandRegistry
from bot.domain.messages import Inbound, Outbound
from bot.orders.aftersales_service import AfterSalesService
from bot.orders.carriers import CarrierBook, default_carriers
from bot.orders.errors import OrderSourceUnavailable
from bot.orders.notes import agent_note, customer_title
from bot.orders.order import Order
from bot.orders.replies import note_lines
from bot.orders.source import OrderSource
from bot.orders.view import TitleLookup, money_text
from bot.prompts import Messages
from knowledge.script import has_han

log = logging.getLogger(__name__)
_NONE = "—"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else _NONE


@dataclass
class OrderCommands:
    """The `/order` handler over any `OrderSource`."""

    source: OrderSource
    messages: Messages
    carriers: CarrierBook
    titles: TitleLookup | None = None
    aftersales: AfterSalesService | None = None
    support_language: str = "zh"  # the shop's configured support language (XIAOER_SUPPORT_LANGUAGE)

    def language(self, inbound: Inbound) -> str:
        """The staff member's language: Chinese words in the command → zh, English words → en, else the
        shop's configured support language (a bare "/order XE…" says nothing about the writer)."""
        rest = inbound.command_args.split(maxsplit=1)[1] if len(inbound.command_args.split()) > 1 else ""
        if has_han(inbound.command_args):
            return "zh"
        if len(re.findall(r"[A-Za-z]{2,}", rest)) >= 2:
            return "en"
        return "en" if self.support_language == "en" else "zh"

    def register(self, registry: CommandRegistry) -> None:
        registry.register(
            "order",
            self.on_order,
            roles=AGENTS,
            zh=self.messages.get("order_cmd_order", "zh"),
            en=self.messages.get("order_cmd_order", "en"),
        )

    async def on_order(self, inbound: Inbound) -> list[Outbound]:
        lang = self.language(inbound)
        number = inbound.command_args.split(maxsplit=1)[0] if inbound.command_args else ""
        if not number:
            return [self._reply(inbound, self.messages.get("order_staff_usage", lang))]
        try:
            order = await self.source.get(number)
        except OrderSourceUnavailable as exc:
            log.warning("/order lookup failed: %s", exc.reason)
            return [self._reply(inbound, self.messages.get("order_unavailable", lang))]
        if order is None:
            shown = number[:64]
            return [self._reply(inbound, self.messages.get("order_staff_not_found", lang, order_id=shown))]
        lines = self.card(order, lang)
        if self.aftersales is not None:
            requests = await self.aftersales_summary(order, lang)
            if requests:
                lines.append(self.messages.get("order_staff_aftersales", lang, requests=requests))
        return [self._reply(inbound, "\n".join(lines))]

    def card(self, order: Order, lang: str) -> list[str]:
        """The order as staff read it (masked contact), one line per part."""
        get = self.messages.get
        lines = [
            get(
                "order_staff_header",
                lang,
                order_id=order.order_id,
                status=get(f"order_status_{order.status}", lang),
            ),
            get(
                "order_staff_dates",
                lang,
                placed=_when(order.placed_at),
                paid=_when(order.paid_at),
                shipped=_when(order.shipped_at),
                delivered=_when(order.delivered_at),
            ),
        ]
        for item in order.items:
            title = customer_title(item.title, self.titles(item.sku) if self.titles else "", item.sku)
            lines.append(
                get(
                    "order_staff_item",
                    lang,
                    title=title,
                    sku=item.sku,
                    quantity=item.quantity,
                    price=money_text(item.unit_price, order.currency),
                )
            )
        lines.append(get("order_staff_total", lang, total=money_text(order.total, order.currency)))
        carrier = self.carriers.get(order.carrier) if order.carrier else None
        carrier_name = carrier.name(lang) if carrier else order.carrier_name
        if carrier_name or order.tracking_number:
            lines.append(
                get(
                    "order_staff_shipping",
                    lang,
                    carrier=carrier_name or _NONE,
                    tracking=order.tracking_number,
                )
            )
            link = order.tracking_url or (carrier.tracking_link(order.tracking_number) if carrier else "")
            if link:
                lines.append(link)
        else:
            lines.append(get("order_staff_not_shipped", lang))
        lines.append(
            get(
                "order_staff_contact",
                lang,
                city=order.city or _NONE,
                phone=order.contact.masked_phone or _NONE,
                email=order.contact.masked_email or _NONE,
            )
        )
        note, suspect = agent_note(order.note)
        return lines + note_lines(self.messages, note, suspect, lang)

    async def aftersales_summary(self, order: Order, lang: str) -> str:
        assert self.aftersales is not None
        requests = await self.aftersales.for_order(order.key)
        return "; ".join(
            f"{r.id[:8]} {self.messages.get(f'aftersales_kind_{r.kind.value}', lang)} "
            f"{self.messages.get(f'aftersales_status_{r.status.value}', lang)}"
            for r in requests
        )

    def _reply(self, inbound: Inbound, text: str) -> Outbound:
        return Outbound(chat_id=inbound.chat_id, text=text, thread_id=inbound.thread_id)


def register_order_commands(
    registry: CommandRegistry,
    *,
    source: OrderSource,
    messages: Messages,
    carriers: CarrierBook | None = None,
    titles: TitleLookup | None = None,
    aftersales: AfterSalesService | None = None,
    support_language: str = "zh",
) -> OrderCommands:
    """Wire `/order` (agents and staff only) to an order source."""
    commands = OrderCommands(
        source, messages, carriers or default_carriers(), titles, aftersales, support_language
    )
    commands.register(registry)
    return commands
