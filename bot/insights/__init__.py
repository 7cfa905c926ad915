"""Insights for the shop: what customers ask, what we could not answer, what the catalog lacks."""

from bot.insights.analysis import InsightsReport, build_report
from bot.insights.pseudonym import Pseudonymizer
from bot.insights.records import InMemoryInsightsStore, InsightsStore, OutcomeEvent, TurnRecord
from bot.insights.store_sql import SqlInsightsStore

__all__ = [
    "InMemoryInsightsStore",
    "InsightsReport",
    "InsightsStore",
    "OutcomeEvent",
    "Pseudonymizer",
    "SqlInsightsStore",
    "TurnRecord",
    "build_report",
]
