"""Process-wide jieba data shared by every extractor: the prefix dictionary, the generic IDF, the POS tags.

Loading them costs about a second, so they are read once per process and copied (or shared read-only)
into each extractor's private `jieba.Tokenizer`; nothing here touches jieba's global tokenizer state.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import jieba

jieba.setLogLevel(logging.WARNING)

_BASE_LOCK = threading.Lock()
_BASE: dict[str, Any] = {}


def base_dictionary() -> tuple[dict[str, int], int]:
    """jieba's own prefix dictionary, loaded once per process (≈0.5 s) and copied into each private tokenizer."""
    with _BASE_LOCK:
        if "freq" not in _BASE:
            base = jieba.Tokenizer()
            base.initialize()
            _BASE["freq"], _BASE["total"] = base.FREQ, base.total
        return _BASE["freq"], _BASE["total"]


def generic_idf() -> tuple[dict[str, float], float, float]:
    """jieba's generic IDF table (word → idf, median, max), read from its data file once per process."""
    with _BASE_LOCK:
        if "idf" not in _BASE:
            path = Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"
            table: dict[str, float] = {}
            for line in path.read_text(encoding="utf-8").splitlines():
                word, _, value = line.strip().rpartition(" ")
                if word:
                    table[word] = float(value)
            ordered = sorted(table.values())
            _BASE["idf"] = (table, ordered[len(ordered) // 2], ordered[-1])
        return _BASE["idf"]


def pos_tagger(tokenizer: jieba.Tokenizer) -> Any:
    """A POS tokenizer on our private tokenizer, reusing jieba's loaded word-tag table instead of re-reading it."""
    import jieba.posseg  # heavy (loads the tag table): only when TextRank is asked for

    tagger = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
    tagger.tokenizer = tokenizer
    tagger.word_tag_tab = dict(jieba.posseg.dt.word_tag_tab)
    return tagger


def dictionary_tag(word: str) -> str:
    """jieba's dictionary part-of-speech tag for `word` ("n" common noun, "nr" person name, "ns" place …), or ""
    when `word` is not a dictionary word. The tag table (≈350k words) loads with `jieba.posseg` on first use."""
    import jieba.posseg

    return str(jieba.posseg.dt.word_tag_tab.get(word, ""))


def dictionary_frequency(word: str) -> int:
    """How often `word` occurs in jieba's dictionary corpus (its count in the prefix dictionary; 0 when it is
    not a dictionary word)."""
    return int(base_dictionary()[0].get(word) or 0)
