"""Traditional ↔ Simplified Chinese with OpenCC: the one module that imports `opencc`.

Customers write 有沒有適合跑步的耳機; the catalog and every rule are Simplified, so queries are converted first, and
the reply goes back in the customer's script. OpenCC (the C++ core, `opencc` on PyPI) was measured against the
pure-Python `opencc-python-reimplemented` on this machine: the same conversions on our phrases, ~1 µs vs ~16 µs
per short message, 0.1 s vs 0.05 s to load both dictionaries, and OpenCC is the maintained one (2026 release vs
2023). Phrase-level dictionaries matter: 头发 → 頭髮 but 发货 → 發貨.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Literal

from knowledge.script import HAN_CHAR

_HAN = HAN_CHAR


class ScriptConverter:
    """Simplified ↔ Traditional conversion; the dictionaries load on first use (≈0.1 s), then ~1 µs a message."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._t2s: Any = None
        self._s2t: Any = None

    def _load(self) -> None:
        with self._lock:
            if self._t2s is None:
                import opencc

                # s2tw, not s2t: s2t writes the OpenCC standard forms 爲/裏/着, which Taiwan and Hong Kong
                # readers see as odd; s2tw writes the common 為/裡/著, character by character (no phrase
                # rewrites such as 信息 → 資訊, so product words and policy figures stay as written).
                self._t2s, self._s2t = opencc.OpenCC("t2s"), opencc.OpenCC("s2tw")

    def to_simplified(self, text: str) -> tuple[str, bool]:
        """(Simplified text, True when the text had Traditional characters that changed)."""
        if not _HAN.search(text):
            return text, False
        if self._t2s is None:
            self._load()
        simplified = str(self._t2s.convert(text))
        return simplified, simplified != text

    def to_traditional(self, text: str) -> str:
        """Traditional text for a customer who wrote Traditional (non-Chinese text is left as it is)."""
        if not _HAN.search(text):
            return text
        if self._s2t is None:
            self._load()
        return str(self._s2t.convert(text))


_SHARED = ScriptConverter()


# A message's texts are converted many times per turn (reading, scripts, grounding: ~27 conversions per message
# in an offline profile at 100k SKUs); the conversion is a pure function of the text, so the last few thousand
# are remembered.
@functools.lru_cache(maxsize=4096)
def to_simplified(text: str) -> tuple[str, bool]:
    """Module-level convenience on one shared converter: (Simplified text, was Traditional)."""
    return _SHARED.to_simplified(text)


@functools.lru_cache(maxsize=4096)
def to_traditional(text: str) -> str:
    """Module-level convenience on one shared converter (for replies in the customer's script)."""
    return _SHARED.to_traditional(text)


def _differences(a: str, b: str) -> int:
    if len(a) == len(b):
        return sum(1 for x, y in zip(a, b, strict=True) if x != y)
    return abs(len(a) - len(b)) + 1  # a phrase changed length: at least one convertible character


def script_evidence(text: str) -> tuple[int, int]:
    """(characters only Traditional writes, characters only Simplified writes) in `text`."""
    return _differences(text, to_simplified(text)[0]), _differences(text, to_traditional(text))


def chinese_script(text: str) -> Literal["hans", "hant"]:
    """'hant' when the text has more characters only Traditional writes than Simplified-only ones
    (有沒有適合跑步的耳機 → hant; text without Chinese, or written the same in both scripts → hans)."""
    traditional, simplified = script_evidence(text)
    return "hant" if traditional > simplified else "hans"
