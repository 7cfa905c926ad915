"""Conversation evaluation: cases from a YAML file, a harness that runs them through the core, and checks."""

from bot.evaluation.cases import Case, CaseFile, CaseFormatError, load_cases
from bot.evaluation.runner import PENDING_ORDERS, CaseResult, EvalReport, run_conversations

__all__ = [
    "PENDING_ORDERS",
    "Case",
    "CaseFile",
    "CaseFormatError",
    "CaseResult",
    "EvalReport",
    "load_cases",
    "run_conversations",
]
