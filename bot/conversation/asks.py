"""What a message asks about a product: price, stock, size, colour, details, or one of its attributes.

The words are data (`bot/prompts/attributes.yaml`, `asked:`), so a shop with other attributes (pages, author,
age) adds their words without code; sizes are read case-sensitively ("what's" is not size S).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.conversation.attribute_answers import english_word
from bot.conversation.ordering import ATTRIBUTES_FILE
from knowledge.script import is_han
from knowledge.yaml_data import load_yaml

# Apostrophes as people type them (ASCII, curly, modifier letter, backtick, acute, full-width, prime): the
# "S" of "IT`S" / "ITʼS 50% OFF" is a contraction, not size S.
_APOSTROPHES = "'’‘ʼ`´＇′"
_SIZE = re.compile(
    r"(?<![\d.])(\d{2}(?:\.5)?)\s*(?:码|号)|\b[Ss][Ii][Zz][Ee]\s*(\d{1,2}(?:\.5)?|X{0,3}[SML]|[2-5]XL)\b"
    rf"|(?<![A-Za-z0-9{_APOSTROPHES}])(?<![{_APOSTROPHES}]\s)"
    r"([2-5]XL|X{0,3}[SML]|XXL|[2-5]xl|x{0,3}[sml](?=\s*[码号]))"
    rf"(?![A-Za-z0-9{_APOSTROPHES}%])"
    # "do you have the Levi's 721 in 31?": a number after "in" that ends the question
    r"|\bin\s+(?:size\s+)?(\d{2}(?:\.5)?)\s*[?？]?\s*$"
)
_ASKS: dict[str, re.Pattern[str]] = {
    "price": re.compile(r"多少钱|价格|价钱|几块|多少米|贵不贵|how much|\bprice\b|\bcost", re.IGNORECASE),
    "stock": re.compile(r"有货|有库存|库存|现货|还有吗|卖完|缺货|in stock|available|sold out", re.IGNORECASE),
    "size": re.compile(r"\d{2}(?:\.5)?\s*码|尺码|码数|尺寸|几码|什么码|\bsizes?\b", re.IGNORECASE),
    "colour": re.compile(r"颜色|什么色|几种色|colou?rs?", re.IGNORECASE),
    # "烧开要几分钟", "充到一半要多长时间", "how long does it take": a duration the description may state
    "duration": re.compile(
        r"多久|多长时间|几分钟|几个?小时|多少(?:分钟|小时)|how long(?! is)|how many (?:minutes|hours)",
        re.IGNORECASE,
    ),
    "details": re.compile(
        r"介绍|详情|参数|规格|材质|特点|怎么样|details|specs?|material|tell me|about it|features",
        re.IGNORECASE,
    ),
}


# Attribute questions ("SPF多少", "what's the battery life"): catalog attribute name → words that ask for it,
# from `bot/prompts/attributes.yaml` (`asked:`), so a shop adds its own attributes without code.
def _asked_words() -> dict[str, tuple[str, ...]]:
    data = load_yaml(ATTRIBUTES_FILE.read_text(encoding="utf-8")) or {}
    return {str(k): tuple(str(w).lower() for w in v) for k, v in (data.get("asked") or {}).items()}


ATTRIBUTE_WORDS: dict[str, tuple[str, ...]] = _asked_words()


def asked_attribute_words(asks: Iterable[str], *, besides: str = "") -> tuple[str, ...]:
    """The words that ask for the attributes among `asks` ("attr:noise_cancelling" → 降噪, noise cancel), in
    order; the attribute `besides` (what a ranking orders by) left out. Other asks ("price", "stock") give none."""
    return tuple(
        word
        for name in asks
        if name.startswith("attr:") and name[5:] != besides
        for word in ATTRIBUTE_WORDS.get(name[5:], ())
    )


def _word_rx(words: tuple[str, ...]) -> re.Pattern[str]:
    """Chinese words anywhere; English words at a word start (`english_word`: "gas" is not in "Pegasus")."""
    parts = [re.escape(w) if not w[:1].isascii() else english_word(w).pattern for w in words]
    return re.compile("|".join(parts) or r"(?!)")


_ATTRIBUTE_RX = {name: _word_rx(words) for name, words in ATTRIBUTE_WORDS.items()}


# "时间多长" / "多长时间" ask how long something takes, never a length: read as "多久"
_DURATION = re.compile(r"时间多长|多长时间|时长多长|多长时长")


def attribute_asks(text: str) -> frozenset[str]:
    """The attributes a message asks for; a word inside a longer asked word of another attribute is not
    asked, nor one overlapping a longer or earlier one ("承重多少" asks the load, not the weight its 重多少
    spells)."""
    lowered = _DURATION.sub("多久", text.lower())
    spans = {
        name: [
            m.span()
            for m in rx.finditer(lowered)
            if m.end() > m.start() and not _names_no_ask(lowered, *m.span())
        ]
        for name, rx in _ATTRIBUTE_RX.items()
    }
    spans = {name: found for name, found in spans.items() if found}

    def inside_other(name: str) -> bool:  # every match of it overlaps an earlier (or as early, longer) one
        return all(
            any(
                o != name and a < e and s < b and (a < s or (a == s and (b - a) > (e - s)))
                for o in spans
                for a, b in spans[o]
            )
            for s, e in spans[name]
        )

    return frozenset(f"attr:{name}" for name in spans if not inside_other(name))


_PURPOSE_AFTER = re.compile(r"(?:时|的时候)?(?:用|戴|穿|带)的")  # "游泳用的耳塞": what it is for
_PRESENCE = re.compile(r"^(?:请问)?(?:有没有|有无|有卖|卖不卖|有)")  # "有相机电池吗": is it sold
_HOW_MUCH = re.compile(r"几|多少|多大|多长|多重|多久|什么|哪")
_PRESENCE_END = re.compile(r"(?:吗|嘛|么|呢)?[?？。!！\s]*$")


def _names_no_ask(text: str, start: int, end: int) -> bool:
    """The attribute word at text[start:end] asks for no value: the purpose of the thing asked for ("有没有游泳用的
    耳塞": 游泳 is what the earplugs are for, no waterproof rating), or the head of the kind a presence question
    names ("有相机电池吗": batteries are the kind, no battery life)."""
    if _PURPOSE_AFTER.match(text, end):
        return True
    presence = _PRESENCE.match(text)
    return (
        presence is not None
        and presence.end() < start
        and not _HOW_MUCH.search(text, presence.end(), start)  # "有几个接口": how many, a value asked
        and is_han(text[start - 1])
        and _PRESENCE_END.fullmatch(text, end) is not None
    )


def asked_size(text: str) -> str | None:
    m = _SIZE.search(text)
    found = next((g for g in m.groups() if g), None) if m else None
    return found.upper() if found and not found[0].isdigit() else found


def asks_in(text: str) -> frozenset[str]:
    return frozenset(name for name, rx in _ASKS.items() if rx.search(text)) | attribute_asks(text)
