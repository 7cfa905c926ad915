"""Records each customer turn for insights: pseudonymised ids, PII redacted before storage.

Recording must never cost a customer their reply: failures are logged and swallowed here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from bot.domain.clock import utcnow
from bot.insights.lexicon import Lexicon, default_lexicon, whole_in, without_function_words
from bot.insights.pseudonym import Pseudonymizer
from bot.insights.records import InsightsStore, OutcomeEvent, TurnRecord

log = logging.getLogger(__name__)


def derived_keywords(
    keywords: Iterable[str], redacted_text: str, redact: Callable[[str], str], lexicon: Lexicon | None = None
) -> tuple[str, ...]:
    """The keywords still present, whole, in the redacted text once its function words are blanked out: a word
    from an e-mail address, a street, a district or a name ("alice", "example.com", "建国路", "raman") is gone
    once the text says [email] / [address] / [name]; a stub a tokenizer cut ("pega" of "pegasus", "少钱" of
    "多少钱") and a function word ("much", "本人") are no demand (`bot.insights.lexicon`)."""
    lexicon = lexicon or default_lexicon()
    text = without_function_words(redacted_text, lexicon)
    kept = (k for k in (redact(k) for k in keywords) if k and not lexicon.is_function(k))
    return tuple(dict.fromkeys(k for k in kept if whole_in(k, text) or _plural_in(k, text)))


def _plural_in(word: str, text: str) -> bool:
    """An English keyword stemmed to its singular ("earbud", "accessory") written as a plural in the text."""
    if not word.isascii():
        return False
    stem = (
        re.escape(word.lower()[:-1]) + "ies"
        if word.lower().endswith("y")
        else re.escape(word.lower()) + "e?s"
    )
    return re.search(rf"(?<![a-z0-9]){stem}(?![a-z0-9])", text.lower()) is not None


class TurnRecorder:
    def __init__(
        self,
        store: InsightsStore,
        pseudonymize: Pseudonymizer,
        redact: Callable[[str], str],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self._pseudonymize = pseudonymize
        self._redact = redact
        self._clock = clock

    def turn(
        self,
        *,
        channel: str,
        user_id: str,
        chat_id: str,
        text: str,
        language: str,
        intent: str,
        keywords: Iterable[str] = (),
        filters: Mapping[str, object] | None = None,
        skus: Iterable[str] = (),
        answered: bool = True,
        top_score: float | None = None,
        matched: bool | None = None,
    ) -> None:
        try:
            redacted = self._redact(text)
            self.store.record_turn(
                TurnRecord(
                    at=self._clock(),
                    channel=channel,
                    user=self._pseudonymize(channel, user_id),
                    chat=self._pseudonymize(channel, chat_id),
                    text=redacted[:500],
                    language=language,
                    intent=intent,
                    keywords=derived_keywords(keywords, redacted, self._redact),
                    filters={k: str(v) for k, v in (filters or {}).items() if v not in (None, "", {}, False)},
                    skus=tuple(skus),
                    answered=answered,
                    top_score=top_score,
                    matched=matched,
                )
            )
        except Exception:  # insights are best-effort; the customer's reply is not
            log.exception("could not record an insights turn")

    def forget(self, channel: str, user_id: str) -> int:
        """Right to erasure: delete this customer's insights rows (turns, and the events of their chats)."""
        return self.store.forget(self._pseudonymize(channel, user_id))

    def event(self, *, channel: str, chat_id: str, kind: str, value: str) -> None:
        try:
            self.store.record_event(
                OutcomeEvent(
                    at=self._clock(), chat=self._pseudonymize(channel, chat_id), kind=kind, value=value
                )
            )
        except Exception:
            log.exception("could not record an insights event")
