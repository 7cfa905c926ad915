"""The text the claims ledger reads: obfuscations undone before any claim is extracted.

`surface(text)` is what spans refer to: NFKC (full-width digits and letters, circled numbers ⑧ → 8), with the
characters an attacker hides claims behind dropped or spelled out — zero-width characters and soft hyphens
(加微\u200b信), emoji variation selectors and keycaps (5️⃣折 → 5折), 🆓 / 🔟 / 💯. `scanned(text)` is the same
text in Simplified script (滿200減50 → 满200减50, 終身保固 → 终身保固) when OpenCC converts it character for
character, so every pattern, written once in Simplified, also reads Traditional replies; spans stay valid
because the length is kept (a phrase conversion that changes the length leaves the text as it was).
"""

from __future__ import annotations

from bot.privacy.phones import normalise
from knowledge.traditional import to_simplified

# Invisible characters (zero-width space/joiners, word joiner, BOM, soft hyphen) and emoji modifiers.
_DROP = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0e\ufe0f\u20e3"), None)
_EMOJI = {"🆓": "FREE", "🔟": "10", "💯": "100", "🈹": "折扣", "🉐": "优惠", "🈶": "有", "🈚": "无"}
_TABLE = {**_DROP, **{ord(k): v for k, v in _EMOJI.items()}}


def surface(text: str) -> str:
    """NFKC with invisible characters and emoji modifiers removed and number/offer emoji spelled out
    (lengths may change; idempotent)."""
    return normalise(text).translate(_TABLE)


def scanned(text: str) -> str:
    """`text` (already `surface`d) in Simplified script, same length; unchanged when OpenCC would change it."""
    simple, changed = to_simplified(text)
    return simple if changed and len(simple) == len(text) else text
