"""Copywriting for staff: platform-aware, grounded, advertising-law-compliant copy (chat and bulk)."""

from __future__ import annotations

from bot.copywriting.commands import register_copy_commands
from bot.copywriting.models import CopyResult, Description, Flag, KeywordReport, ProductFacts
from bot.copywriting.platforms import CopyLibrary
from bot.copywriting.service import CopyRequestError, CopyService

__all__ = [
    "CopyLibrary",
    "CopyRequestError",
    "CopyResult",
    "CopyService",
    "Description",
    "Flag",
    "KeywordReport",
    "ProductFacts",
    "register_copy_commands",
]
