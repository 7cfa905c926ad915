"""The customer's writing system — Simplified Chinese, Traditional Chinese or English — and conversion between
the two Chinese scripts (OpenCC, through the knowledge layer's `knowledge.traditional`), so a reply is written the
way the customer writes.

Why a script, not a language: 有沒有適合跑步的耳機 and 有没有适合跑步的耳机 are the same language and the same
question; the knowledge layer sees the Simplified form, the customer reads the Traditional one.
"""

from __future__ import annotations

from typing import Literal

from bot.domain.language import detect_language
from knowledge import traditional

Script = Literal["hans", "hant", "en"]


def to_simplified(text: str) -> str:
    """Traditional → Simplified (Simplified text and non-Chinese text pass unchanged)."""
    return traditional.to_simplified(text)[0] if text else text


def to_traditional(text: str) -> str:
    """Simplified → Traditional (Latin text, digits and prices pass unchanged)."""
    return traditional.to_traditional(text) if text else text


def _differences(a: str, b: str) -> int:
    if len(a) == len(b):
        return sum(1 for x, y in zip(a, b, strict=True) if x != y)
    return abs(len(a) - len(b)) + 1  # a phrase changed length: at least one convertible character


def script_evidence(text: str) -> tuple[int, int]:
    """(characters only Traditional writes, characters only Simplified writes) in `text`."""
    return _differences(text, to_simplified(text)), _differences(text, to_traditional(text))


def chinese_script(text: str) -> Literal["hans", "hant"]:
    """'hant' when the text has more characters that only Traditional uses than Simplified-only ones."""
    traditional, simplified = script_evidence(text)
    return "hant" if traditional > simplified else "hans"


def detect_script(text: str, hint: str | None = None) -> Script:
    """'en' for English (see `bot.domain.language.detect_language`), else the Chinese script used."""
    if detect_language(text, hint) == "en":
        return "en"
    return chinese_script(text)


def in_script(text: str, script: str) -> str:
    """A reply written in Simplified, rendered for a customer who writes `script` ('hant' converts)."""
    return to_traditional(text) if script == "hant" else text
