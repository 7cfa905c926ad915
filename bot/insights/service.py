"""Insights as one service used by the CLI and the staff `/insights` command."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.clock import utcnow
from bot.domain.commands import STAFF_ONLY, CommandRegistry
from bot.domain.messages import Inbound, Outbound
from bot.insights.analysis import InsightsReport, Window, parse_period, report_for
from bot.insights.lexicon import CatalogWords
from bot.insights.records import InsightsStore
from bot.insights.render import summary_text
from bot.insights.suggestions import Suggestions, build_suggestions
from bot.prompts import Messages
from knowledge.protocols import ProductIndex


@dataclass
class InsightsService:
    store: InsightsStore
    messages: Messages
    index: ProductIndex | None = None

    def catalog(self) -> tuple[list[str], CatalogWords]:
        """SKUs and the catalog's whole words (titles, brands, categories, tags, attribute values)."""
        if self.index is None:
            return [], CatalogWords(())
        skus = sorted(self.index.skus())
        products = [p for sku in skus if (p := self.index.get(sku)) is not None]
        return skus, CatalogWords.from_products(products)

    def category_of(self, sku: str) -> str | None:
        """The category leaf of a SKU (synonym evidence: customers' word resolved to this category)."""
        product = self.index.get(sku) if self.index is not None else None
        path = product.category_path if product is not None else []
        return path[-1] if path else None

    def analyse(self, period: timedelta, now: datetime | None = None) -> tuple[InsightsReport, Suggestions]:
        window = Window.read(self.store, period, now or utcnow())
        skus, words = self.catalog()
        report = report_for(window, catalog_skus=skus, catalog=words)
        category_of = self.category_of if self.index is not None else None
        suggestions = build_suggestions(
            window.current, set(words.words), catalog=words, category_of=category_of
        )
        return report, suggestions

    async def on_insights(self, inbound: Inbound) -> list[Outbound]:
        # matplotlib costs ~1 s of CPU to import: loaded only when charts are asked for, not at start-up.
        from bot.domain.language import detect_language
        from bot.insights.charts import render_charts

        lang = detect_language(inbound.command_args or inbound.text, inbound.language_hint)
        try:
            period = parse_period(inbound.command_args or "7d")
        except ValueError:
            return [Outbound(chat_id=inbound.chat_id, text=self.messages.get("insights_bad_period", lang))]
        report, _ = await asyncio.to_thread(self.analyse, period)
        charts = await asyncio.to_thread(render_charts, report)
        return [
            Outbound(
                chat_id=inbound.chat_id,
                text=summary_text(report, self.messages, lang),
                images=tuple(charts.items()),
                thread_id=inbound.thread_id,
            )
        ]


def register_insights_command(registry: CommandRegistry, service: InsightsService) -> None:
    registry.register(
        "insights",
        service.on_insights,
        roles=STAFF_ONLY,
        zh="店铺数据洞察（如 /insights 7d）",
        en="Shop insights (e.g. /insights 7d)",
    )
