"""Human handoff: triggers, the request state machine, its stores, and the service the core consults."""

from bot.handoff.state import (
    ClaimResult,
    Event,
    Handoff,
    InvalidTransition,
    Status,
    TranscriptEntry,
    transition,
)
from bot.handoff.store import HandoffStore, InMemoryHandoffStore
from bot.handoff.store_sql import SqlHandoffStore
from bot.handoff.triggers import TriggerSet, detect_trigger

__all__ = [
    "ClaimResult",
    "Event",
    "Handoff",
    "HandoffStore",
    "InMemoryHandoffStore",
    "InvalidTransition",
    "SqlHandoffStore",
    "Status",
    "TranscriptEntry",
    "TriggerSet",
    "detect_trigger",
    "transition",
]
