"""Human handoff: triggers, the request state machine, its stores, and the service the core consults."""

from bot.handoff.commands import register_handoff_commands
from bot.handoff.desk import NoTopicsDesk, SupportDesk
from bot.handoff.service import HandoffService
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
    "HandoffService",
    "HandoffStore",
    "InMemoryHandoffStore",
    "InvalidTransition",
    "NoTopicsDesk",
    "SqlHandoffStore",
    "Status",
    "SupportDesk",
    "TranscriptEntry",
    "TriggerSet",
    "detect_trigger",
    "register_handoff_commands",
    "transition",
]
