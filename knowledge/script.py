r"""One definition of "Chinese character" for the whole project: Unicode's Han script.

A Han character is one whose Unicode Script property is Han (`\p{Han}`, Unicode Standard Annex #24): the CJK
Unified Ideographs with all their extension blocks, the compatibility ideographs, radicals and the marks 々 〇
that behave as ideographs. Modules that need it in a larger pattern compile with the `regex` module and embed
`HAN` (e.g. `regex.compile(rf"[A-Za-z{HAN}]")`); everyone else uses the helpers below.
"""

from __future__ import annotations

import regex

HAN = r"\p{Han}"  # for embedding in `regex` patterns, inside or outside a character class
HAN_CHAR = regex.compile(HAN)
HAN_RUN = regex.compile(rf"{HAN}+")


def is_han(ch: str) -> bool:
    """True for one Han character."""
    return HAN_CHAR.fullmatch(ch) is not None


def has_han(text: str) -> bool:
    """True when `text` contains at least one Han character."""
    return HAN_CHAR.search(text) is not None


def han_runs(text: str, min_length: int = 1) -> list[str]:
    """Maximal runs of Han characters in `text`, at least `min_length` long."""
    return [run for run in HAN_RUN.findall(text) if len(run) >= min_length]


__all__ = ["HAN", "HAN_CHAR", "HAN_RUN", "han_runs", "has_han", "is_han"]
