"""Every in-process memo of the claims ledger that can hold text a customer wrote or a reply said, found and
forgotten together (`/forget`, the retention purge).

The ledger memoises pure functions of text (`functools.lru_cache`): claims extracted from replies and quoted
customer messages, surface forms, unit readings, product facts, quotable spans, content words. Until evicted an
entry keeps that raw text in memory, so `/forget` must drop them all, not only the extraction memo (right to
erasure, PIPL art. 47, GDPR art. 17). The memos are found by walking the package's modules for `lru_cache`d
functions — a memo added later is forgotten too without being listed here. Loaders without arguments (the
lexicon, content words, place lists: `maxsize=1` of shipped data) hold no customer text and are kept.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

_PACKAGE = __name__.rpartition(".")[0]  # bot.conversation.claims (not imported: it imports this module)
_PACKAGE_DIR = str(Path(__file__).resolve().parent)


class _Memo(Protocol):
    def cache_info(self) -> Any: ...

    def cache_clear(self) -> None: ...

    __call__: Callable[..., Any]


def text_memos() -> list[_Memo]:
    """Every `lru_cache` of the modules of `bot.conversation.claims` whose size is not 1 (see module docstring)."""
    memos: dict[int, _Memo] = {}
    for info in pkgutil.iter_modules([_PACKAGE_DIR], f"{_PACKAGE}."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) or not str(getattr(value, "__module__", "")).startswith(_PACKAGE):
                continue
            info_of = getattr(value, "cache_info", None)
            if callable(info_of) and callable(getattr(value, "cache_clear", None)) and info_of().maxsize != 1:
                memos[id(value)] = value
    return list(memos.values())


def forget_claim_memos() -> int:
    """Clear every text memo of the claims ledger (`text_memos`, and the lexicon's memo of marked texts);
    returns how many entries they held."""
    from bot.conversation.claims.lexicon import lexicon

    dropped = lexicon().forget_marked()
    for memo in text_memos():
        dropped += memo.cache_info().currsize
        memo.cache_clear()
    return dropped


def held_entries() -> int:
    """How many entries the text memos hold now (0 right after `forget_claim_memos`)."""
    from bot.conversation.claims.lexicon import lexicon

    return len(lexicon()._marked) + sum(memo.cache_info().currsize for memo in text_memos())
