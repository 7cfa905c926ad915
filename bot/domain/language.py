"""Per-message reply language: Chinese or English, decided from the text itself.

Customers switch languages mid-conversation, so the language is detected on every message; the
channel's hint (e.g. Telegram's language_code) only breaks ties for text without letters. The *script* says
how a Chinese customer writes (有沒有適合跑步的耳機 is the same question as 有没有适合跑步的耳机): the knowledge
layer reads the Simplified form, the reply goes back in the customer's script (`knowledge.traditional`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import lru_cache
from typing import Literal

from bot.domain.messages import Button, Outbound
from knowledge import traditional
from knowledge.script import HAN_CHAR

Language = Literal["zh", "en"]
Script = Literal["hans", "hant", "en"]

_CJK = HAN_CHAR
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*[A-Za-z0-9]")  # a model number is one word ("wh1000xm5")


# Chinese grammar words: a sentence built with them is Chinese however many English model names it carries
# ("WF-1000XM5呢"); Chinese nouns alone in an English sentence ("do you sell these 耳机 here") are not
_ZH_GRAMMAR = re.compile(r"[呢吗吧啊呀哪和跟比了没怎么什多少几]|的(?![A-Za-z])")
# A whole English clause (a question or request of five or more English words: "and can you give me a 20%
# student discount?"): the customer switched to English, whatever Chinese grammar the product part has.
_EN_CLAUSE = re.compile(
    r"(?i)\b(?:and|but|also|so|can|could|would|will|do|does|is|are|please)\s+(?:[a-z']+\s+(?:\d+%?\s+)?){3,}[a-z']+"
)


# Scripts of languages the bot does not answer in (it answers in Chinese and English only).
_OTHER_SCRIPTS = (
    "HIRAGANA",
    "KATAKANA",
    "HANGUL",
    "CYRILLIC",
    "ARABIC",
    "THAI",
    "HEBREW",
    "DEVANAGARI",
    "GREEK",
)


def unsupported_script(text: str) -> bool:
    """True when `text` is written mostly in a script of a language the bot does not answer in (Japanese kana,
    Korean Hangul, Cyrillic, Arabic, Thai …): at least two such letters, and more of them than Chinese
    characters and Latin letters together ("ペガサス41はいくらですか", "할인 쿠폰 주세요"); "ユニクロ的T恤衫多少钱" stays Chinese.
    Runs twice per message: ASCII text has no such letter, and each character's class is remembered."""
    if text.isascii():
        return False
    other = native = 0
    for ch in text:
        kind = _letter_kind(ch)
        if kind == _OTHER:
            other += 1
        elif kind == _NATIVE:
            native += 1
    return other >= 2 and other > native


_NATIVE, _OTHER = 1, 2


@lru_cache(maxsize=8192)
def _letter_kind(ch: str) -> int:
    """`_OTHER` for a letter of a script in `_OTHER_SCRIPTS` (by its Unicode name), `_NATIVE` for a Chinese
    character or an ASCII letter, 0 for anything else (one character; a few thousand distinct ones at most)."""
    if not ch.isalpha():
        return 0
    name = unicodedata.name(ch, "")
    if name.startswith(_OTHER_SCRIPTS) and not name.startswith("KATAKANA-HIRAGANA PROLONGED"):
        return _OTHER
    return _NATIVE if _CJK.match(ch) or ch.isascii() else 0


def detect_language(text: str, hint: str | None = None) -> Language:
    """'zh' when the text has Chinese characters that outweigh English words, else 'en' if it has words.

    A Chinese sentence with a brand name ("有没有Nike的跑鞋") stays Chinese, and so does one built with Chinese
    grammar around English model names ("WF-1000XM5呢", "AirPods Pro 2 和 Sony WF-1000XM5 哪个好"); text
    without letters
    (numbers, emoji) falls back to the hint, then to Chinese (the shop's home language).
    """
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(text))
    english_clause = words > cjk and _EN_CLAUSE.search(text) is not None
    if cjk and (
        cjk >= words or (_ZH_GRAMMAR.search(text) and not english_clause)
    ):  # "AirPods Pro 2 和 …哪个好"
        return "zh"
    if words:
        return "en"
    return normalise_hint(hint)


def normalise_hint(hint: str | None) -> Language:
    """Map a channel's language code ('en-US', 'zh-hans', None) onto zh/en."""
    if hint and hint.lower().startswith("en"):
        return "en"
    return "zh"


def detect_script(text: str, hint: str | None = None) -> Script:
    """'en' for English (see `detect_language`), else the Chinese script used ('hans' or 'hant')."""
    if detect_language(text, hint) == "en":
        return "en"
    return traditional.chinese_script(text)


def in_script(text: str, script: str) -> str:
    """A reply written in Simplified, rendered for a customer who writes `script` ('hant' converts)."""
    return traditional.to_traditional(text) if script == "hant" else text


def outbound_in_script(outbound: Outbound, script: str) -> Outbound:
    """Everything a customer sees in one outbound — text, card titles, summaries and stock words, button labels —
    in `script` ('hant' converts; anything else is returned as it is). Prices, SKUs, URLs and button data
    are not text to convert and stay as they are."""
    if script != "hant":
        return outbound

    def buttons(items: tuple[Button, ...]) -> tuple[Button, ...]:
        return tuple(replace(b, label=in_script(b.label, script)) for b in items)

    cards = tuple(
        replace(
            c,
            title=in_script(c.title, script),
            summary=in_script(c.summary, script),
            stock_text=in_script(c.stock_text, script) if c.stock_text else c.stock_text,
            buttons=buttons(c.buttons),
        )
        for c in outbound.cards
    )
    return replace(
        outbound, text=in_script(outbound.text, script), cards=cards, buttons=buttons(outbound.buttons)
    )
