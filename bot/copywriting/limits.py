"""Count copy length the way each platform does, and trim over-long copy at a natural boundary.

Two units: `char` counts user-perceived characters (grapheme clusters: a Chinese character, a letter or
one emoji — even a ZWJ family emoji — is 1), which is what 小红书, Amazon, WeChat and Douyin limit. `width`
counts like Taobao's 60-byte title rule (GBK bytes): a wide character (Chinese, full-width punctuation,
emoji) is 2, a narrow one (ASCII letters, digits, spaces) is 1 — so 60 width = 30 Chinese characters.
Trimming cuts at the last sentence end that fits, else the last phrase break (，、；space), else before
the last whole word/number/emoji that fits; it never splits a grapheme or an ASCII word.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

import regex

Unit = Literal["char", "width"]

_GRAPHEME = regex.compile(r"\X")
_SENTENCE_END = "。！？!?…\n"
_PHRASE_BREAK = "，、；;,：:｜|/ "
_CLOSERS = "”’」』）)】》"
_WORD_CHAR = regex.compile(r"[\p{Latin}\p{N}'’_\-\.%]")


def graphemes(text: str) -> list[str]:
    return _GRAPHEME.findall(text)


def _width(cluster: str) -> int:
    first = cluster[0]
    if len(cluster) > 1 and any(unicodedata.category(c) == "So" for c in cluster):
        return 2  # emoji sequences
    return (
        2 if unicodedata.east_asian_width(first) in ("W", "F") or unicodedata.category(first) == "So" else 1
    )


def measure(text: str, unit: Unit = "char") -> int:
    """Length of `text` in the platform's unit."""
    clusters = graphemes(text)
    if unit == "width":
        return sum(_width(cluster) for cluster in clusters)
    return len(clusters)


def fits(text: str, limit: int | None, unit: Unit = "char") -> bool:
    return limit is None or measure(text, unit) <= limit


def _prefix_lengths(clusters: list[str], unit: Unit) -> list[int]:
    total, out = 0, []
    for cluster in clusters:
        total += _width(cluster) if unit == "width" else 1
        out.append(total)
    return out


def trim(text: str, limit: int, unit: Unit = "char") -> str:
    """`text` shortened to at most `limit` units at the best natural boundary (unchanged when it fits)."""
    text = text.strip()
    if measure(text, unit) <= limit:
        return text
    clusters = graphemes(text)
    lengths = _prefix_lengths(clusters, unit)
    fit = sum(1 for length in lengths if length <= limit)  # clusters that fit
    if fit == 0:
        return ""
    head = clusters[:fit]
    # A sentence end is preferred while it keeps half the room; a phrase break while it keeps a third.
    for breaks, keep_break, share in ((_SENTENCE_END, True, 2), (_PHRASE_BREAK, False, 3)):
        cut = _last_break(head, breaks, keep_break)
        if cut and cut >= fit // share:
            return _finish("".join(head[:cut]))
    return _finish("".join(head[: _word_safe_cut(clusters, fit)]))


def _last_break(head: list[str], breaks: str, keep_break: bool) -> int:
    """Index after the last break character in `head` (including trailing closing quotes)."""
    for index in range(len(head) - 1, 0, -1):
        if head[index] in breaks:
            end = index + 1 if keep_break else index
            while keep_break and end < len(head) and head[end] in _CLOSERS:
                end += 1
            return end
    return 0


def _word_safe_cut(clusters: list[str], fit: int) -> int:
    """Largest cut ≤ fit that does not split a Latin word or a number."""
    cut = fit
    while 0 < cut < len(clusters) and _WORD_CHAR.match(clusters[cut]) and _WORD_CHAR.match(clusters[cut - 1]):
        cut -= 1
    return cut if cut > 0 else 0


def _finish(text: str) -> str:
    """Drop dangling phrase punctuation/spaces a cut may leave behind."""
    return text.rstrip(_PHRASE_BREAK + "-–— ")
