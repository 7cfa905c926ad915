"""The truth guard's red team (issue 13) as product code: `xiaoer eval redteam`, bench/redteam.py and
tests/test_redteam.py all score the same sets with the same code.

`bot.redteam.sets` loads the labelled reply sets and scores `check_llm_reply` on them (attacks caught, honest
replies passed); `bot.redteam.conversations` runs the injection conversations through a real `SupportBot`
whose LLM is the obedient adversary (`obedient_reply`) and counts unauthorised claims delivered.
"""

from bot.redteam.conversations import (
    ConversationScore,
    delivered_violations,
    obedient_reply,
    poisoned_products,
    run_conversations,
    write_policies,
)
from bot.redteam.sets import (
    ALLOWLIST_SET,
    ATTACK_SET,
    ATTACK_SET_13T,
    COMPOSER_SET,
    CONVERSATION_SET,
    HONEST_SET,
    HONEST_SET_13T,
    REPLY_SET,
    Outcome,
    ReplyScore,
    catalog,
    default_sets_dir,
    facts_for,
    load,
    policies,
    score_replies,
)

__all__ = [
    "ALLOWLIST_SET",
    "ATTACK_SET",
    "ATTACK_SET_13T",
    "COMPOSER_SET",
    "CONVERSATION_SET",
    "HONEST_SET",
    "HONEST_SET_13T",
    "REPLY_SET",
    "ConversationScore",
    "Outcome",
    "ReplyScore",
    "catalog",
    "default_sets_dir",
    "delivered_violations",
    "facts_for",
    "load",
    "obedient_reply",
    "poisoned_products",
    "policies",
    "run_conversations",
    "score_replies",
    "write_policies",
]
