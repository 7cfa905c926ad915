"""Input hygiene: what happens to a message before the core thinks about it.

Control characters are stripped, whitespace collapsed, and empty, over-long, emoji-only or binary
messages are classified so the core can answer them politely instead of searching for nonsense.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.domain.language import unsupported_script

DEFAULT_MAX_CHARS = 2000


@dataclass(frozen=True)
class Cleaned:
    text: str
    problem: str | None = None  # "empty" | "too_long" | "emoji_only" | "garbage" | "other_language"
    length: int = 0


def _usual(ch: str) -> bool:
    """Characters a zh/en shopper types: ASCII, CJK, CJK/full-width punctuation, general punctuation, emoji."""
    code = ord(ch)
    return (
        code < 0x80
        or 0x2000 <= code <= 0x206F
        or 0x2E80 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or 0x3000 <= code <= 0x303F
        or unicodedata.category(ch) in ("So", "Sk", "Sc", "Sm")
        or code >= 0x1F000
    )


def clean(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> Cleaned:
    """Normalise a message and say what, if anything, is wrong with it."""
    raw = unicodedata.normalize("NFC", text or "")
    controls = sum(1 for ch in raw if unicodedata.category(ch) == "Cc" and ch not in "\n\t\r")
    kept = "".join(
        ch for ch in raw if unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn") or ch in "\n\t\r"
    )
    kept = "".join(ch for ch in kept if unicodedata.category(ch) != "Cf" or ch == "\u200d")
    cleaned = " ".join(kept.split())
    if not cleaned:
        return Cleaned("", "garbage" if controls else "empty")
    if len(cleaned) > max_chars:
        return Cleaned(cleaned, "too_long", len(cleaned))
    if (controls > 2 and controls / max(1, len(raw)) > 0.1) or "\ufffd" * 3 in cleaned:
        return Cleaned(cleaned, "garbage", len(cleaned))
    if unsupported_script(cleaned):  # Korean, Russian …: readable, in a language the bot does not answer in
        return Cleaned(cleaned, "other_language", len(cleaned))
    unusual = sum(1 for ch in cleaned if not _usual(ch))
    if unusual / len(cleaned) > 0.3:
        return Cleaned(cleaned, "garbage", len(cleaned))
    if not any(unicodedata.category(ch)[0] in "LN" for ch in cleaned):
        emoji = any(unicodedata.category(ch) == "So" or ord(ch) >= 0x1F000 for ch in cleaned)
        return Cleaned(cleaned, "emoji_only" if emoji else "garbage", len(cleaned))
    return Cleaned(cleaned, None, len(cleaned))
