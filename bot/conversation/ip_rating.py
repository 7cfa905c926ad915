"""What an IP code ("IPX8", "IP67", "IPX4") says about water, for "防水吗" / "is it waterproof".

Source: IEC 60529 (Degrees of protection provided by enclosures, IP Code). The second characteristic numeral
is protection against water: 0 none, 1 vertically dripping, 2 dripping when tilted 15°, 3 spraying, 4 splashing,
5 water jets, 6 powerful jets, 7 temporary immersion (up to 1 m, 30 min), 8 continuous immersion beyond 1 m
(conditions stated by the maker), 9 (9K) high-pressure, high-temperature jets. Shops and customers call 4 and
up "water resistant / 防泼溅" and 7–8 "waterproof / 可浸水"; 0–3 is not waterproof in the everyday sense.
"""

from __future__ import annotations

import re

_IP = re.compile(r"\bIP([0-6X])([0-9])K?\b", re.IGNORECASE)
WATER_WORDS = ("防水", "防泼", "防溅", "waterproof", "water resistant", "water-resistant", "splash")

_MEANING = {
    "zh": {
        "none": "不防水",
        "drip": "只防滴水，不算防水",
        "splash": "防泼溅（淋雨、溅水没问题），但不能泡水",
        "jets": "防喷水（大雨、冲洗没问题），但不能泡水",
        "immersion": "可短时浸水（约 1 米深、30 分钟）",
        "submersible": "可持续浸水（1 米以上）",
    },
    "en": {
        "none": "no protection against water",
        "drip": "dripping water only, not waterproof",
        "splash": "splash resistant (rain is fine), not for submersion",
        "jets": "protected against water jets, not for submersion",
        "immersion": "survives temporary immersion (about 1 m for 30 minutes)",
        "submersible": "survives continuous immersion beyond 1 m",
    },
}


def water_level(value: str) -> int | None:
    """The IEC 60529 water numeral (0–9) of the first IP code in `value` ("IPX8" → 8), else None."""
    m = _IP.search(value or "")
    return int(m.group(2)) if m else None


def asks_water(word: str) -> bool:
    """True for a word asking whether something is waterproof ("防水", "waterproof")."""
    lowered = word.lower()
    return any(w in lowered for w in WATER_WORDS)


def water_meaning(level: int, lang: str) -> tuple[bool, str]:
    """(waterproof in the everyday sense — numeral 4 or more, what the numeral means in `lang` ("zh"/"en"))."""
    kind = (
        "none"
        if level == 0
        else "drip"
        if level <= 3
        else "splash"
        if level == 4
        else "jets"
        if level <= 6
        else "immersion"
        if level == 7
        else "submersible"
    )
    table = _MEANING.get(lang, _MEANING["en"])
    return level >= 4, table[kind]
