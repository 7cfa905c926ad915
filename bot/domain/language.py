"""Per-message reply language: Chinese or English, decided from the text itself.

Customers switch languages mid-conversation, so the language is detected on every message; the
channel's hint (e.g. Telegram's language_code) only breaks ties for text without letters.
"""

from __future__ import annotations

import re
from typing import Literal

from knowledge.script import HAN_CHAR

Language = Literal["zh", "en"]

_CJK = HAN_CHAR
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str, hint: str | None = None) -> Language:
    """'zh' when the text has Chinese characters that outweigh English words, else 'en' if it has words.

    A Chinese sentence with a brand name ("有没有Nike的跑鞋") stays Chinese; text without letters
    (numbers, emoji) falls back to the hint, then to Chinese (the shop's home language).
    """
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(text))
    if cjk and cjk >= words:
        return "zh"
    if words:
        return "en"
    return normalise_hint(hint)


def normalise_hint(hint: str | None) -> Language:
    """Map a channel's language code ('en-US', 'zh-hans', None) onto zh/en."""
    if hint and hint.lower().startswith("en"):
        return "en"
    return "zh"
