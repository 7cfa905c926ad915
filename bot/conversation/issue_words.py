"""How customers describe a problem → the words the shop's policies use for it ("锅是瘪的" → 破损).

Policy bullets are found by meaning and by shared words (`knowledge.policies.PolicyBook.find_bullets`); adding
the policy's own word to the question lets the right bullet win even when the customer and the policy share no
word. The pairs live in `bot/prompts/issue_words.yaml` (zh and en), editable without code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.prompts import PROMPTS_DIR
from knowledge.yaml_data import load_yaml

ISSUE_WORDS_FILE = PROMPTS_DIR / "issue_words.yaml"


@lru_cache(maxsize=2)
def issue_words(path: Path = ISSUE_WORDS_FILE) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(the policy's word, the customer's words for it) pairs, lower-cased."""
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    return tuple((str(k), tuple(str(w).lower() for w in v)) for k, v in data.items())


def with_policy_words(question: str) -> str:
    """The question plus the policy's own words for the problem it describes."""
    lowered = question.lower()
    extra = [word for word, said in issue_words() if any(s in lowered for s in said)]
    return " ".join([question, *extra])
