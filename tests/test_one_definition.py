"""Shared concepts are defined once: "Chinese character" is Unicode's Han script (`knowledge/script.py`).

Code-point ranges such as U+4E00–U+9FFF miss the extension blocks (𠀾, 𡃁 …) and differ from module to module;
patterns write `\\p{Han}` with the `regex` module instead. This reads the source, so a new range fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import regex

from knowledge.script import has_han, is_han

REPO = Path(__file__).resolve().parents[1]
# A character class bound written with a CJK code point: \u4e00, \u3400, \U00020000, 一-龥 …
_RANGE = re.compile(r"\\u(?:4e00|3400|9fff|9fa5|f900|faff)|\\U0002[0-9a-f]{4}|一-[龥龟鿿]", re.I)


def test_no_module_writes_its_own_han_range() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for root in ("bot", "knowledge")
        for path in sorted((REPO / root).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _RANGE.search(line)
    ]
    assert offenders == []


def test_han_covers_the_extension_blocks_a_range_missed() -> None:
    assert is_han("𠀾") and is_han("〇") and has_han("SOD蜜") and not has_han("ｓｏｄ")
    assert regex.fullmatch(r"\p{Han}{2}", "𡃁仔") is not None
    assert re.fullmatch(r"[\u4e00-\u9fff]{2}", "𡃁仔") is None  # what the old ranges got wrong
