"""From an understood message to a grounded reply: retrieval, the offline composer, then the LLM (if any).

The composer always builds the reply first (its cards and the products to remember are deterministic);
with an LLM configured the text is regenerated from the same facts, checked by `bot.conversation.grounding`,
regenerated once with a stricter prompt on a violation, and otherwise left as the composer wrote it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from bot.conversation.composer import OfflineComposer, Reply
from bot.conversation.grounding import GroundingFacts, Violation, amounts, check_reply
from bot.conversation.intents import RECOMMEND_RX, Intent
from bot.conversation.profile import rerank
from bot.conversation.prompting import ChatPrompts, answer_values, rewrite_query
from bot.conversation.store import ChatState, Turn
from bot.conversation.understanding import Understanding
from bot.domain import telemetry
from bot.domain.errors import LLMUnavailable
from bot.domain.messages import ReplyProgress
from bot.domain.protocols import ChatModel
from knowledge.models import PolicyDoc, Product, SearchHit
from knowledge.protocols import ProductIndex

log = logging.getLogger(__name__)
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_DIRECT_ASKS = frozenset({"price", "stock", "size", "colour"})
DRAFT_INTERVAL_S = 1.0  # at most one draft per second; a reply ready within a second gets none


class PolicyLookup(Protocol):
    @property
    def docs(self) -> list[PolicyDoc]: ...

    def find(self, text: str, language: str = "zh", k: int = 2) -> list[PolicyDoc]: ...


@dataclass
class TurnContext:
    """Everything one message's answer may use."""

    text: str
    lang: str
    state: ChatState
    shown: list[Product]
    history: list[Turn] = field(default_factory=list)
    interests: list[tuple[str, float]] = field(default_factory=list)
    progress: ReplyProgress | None = None


@dataclass
class Answer:
    reply: Reply
    docs: list[PolicyDoc] = field(default_factory=list)
    hits: list[SearchHit] = field(default_factory=list)
    source: str = "composer"  # composer | llm


class Drafts:
    """Forward a streamed reply to the channel as drafts, throttled by time: at most one draft per
    `interval_s` (seconds on `clock`, counted from the start of the reply, so a reply that is ready within
    `interval_s` gets no draft at all), and only whole sentences that pass the grounding check.

    The final reply is never a draft: it is sent by the channel when the answer is done, whatever was
    drafted. A draft that fails the grounding check stops the drafts of this reply.
    """

    def __init__(
        self,
        progress: ReplyProgress | None,
        facts: GroundingFacts,
        *,
        interval_s: float = DRAFT_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.progress, self.facts, self.interval_s, self.clock = progress, facts, interval_s, clock
        self.sent, self.blocked, self.count = "", False, 0
        self._last = clock()

    async def on_text(self, text: str) -> None:
        """Streaming callback (`text` is the reply so far)."""
        if self.progress is None or self.blocked:
            return
        now = self.clock()
        if now - self._last < self.interval_s:
            return
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        prefix = text[: ends[-1]].strip() if ends else ""
        if not prefix or prefix == self.sent:
            return
        if check_reply(prefix, self.facts):
            self.blocked = True
            return
        self.sent, self._last, self.count = prefix, now, self.count + 1
        await self.progress.draft(prefix)


class Answerer:
    def __init__(
        self,
        index: ProductIndex,
        composer: OfflineComposer,
        policies: PolicyLookup | None,
        llm: ChatModel | None,
        prompts: ChatPrompts | None,
    ) -> None:
        self.index, self.composer, self.policies, self.llm, self.prompts = (
            index,
            composer,
            policies,
            llm,
            prompts,
        )
        self.violations = 0
        self.draft_clock: Callable[[], float] = time.monotonic  # drafts' clock (tests step it by hand)

    async def search(
        self,
        query: str,
        u: Understanding | None = None,
        *,
        k: int = 5,
        include_weak: bool = False,
        with_filters: bool = True,
    ) -> list[SearchHit]:
        filters = u.filters if (u is not None and with_filters and not u.filters.is_empty()) else None
        with telemetry.stage("retrieval"):
            return await asyncio.to_thread(
                self.index.search, query, k=k, filters=filters, include_weak=include_weak
            )

    async def products(self, u: Understanding, ctx: TurnContext) -> Answer:
        """Product questions, comparisons and recommendations."""
        c, lang = self.composer, ctx.lang
        if u.mode == "no_context":
            return Answer(c.text("answer_no_context", lang))
        if u.out_of_range:
            return Answer(c.text("ordinal_out_of_range", lang, count=len(ctx.shown)))
        if u.intent is Intent.COMPARISON:
            targets = list(u.targets)
            if len(targets) < 2:
                targets = [h.product for h in await self.search(u.search_text, u, k=2)]
            if len(targets) < 2:
                return Answer(c.text("compare_need_two", lang, answered=False))
            return await self._llm(ctx, Answer(c.compare(targets[0], targets[1], lang)), targets[:2], u)
        if u.intent is Intent.PRODUCT_QUESTION and u.targets:
            return await self._llm(ctx, Answer(c.answer(u.targets, u, lang)), list(u.targets), u)
        hits = await self.search(u.search_text, u)
        if not hits and u.mode == "fresh":
            hits, u = await self._rewritten(u)
        if not hits:
            return await self._not_found(u, ctx)
        if u.asks & _DIRECT_ASKS and not RECOMMEND_RX.search(ctx.text) and u.mode == "fresh":
            top = hits[0].product
            reply = replace(c.answer([top], u, lang), shown=tuple(h.product for h in hits[:5]))
            return await self._llm(ctx, Answer(reply, hits=hits), [top], u)
        ranked = rerank(hits, ctx.interests)
        lifted = [w for w, _ in ctx.interests[:3]] if [h.sku for h in ranked] != [h.sku for h in hits] else []
        reply = c.recommend([h.product for h in ranked], u, lang, lifted)
        return await self._llm(ctx, Answer(reply, hits=ranked), list(reply.shown), u)

    async def _rewritten(self, u: Understanding) -> tuple[list[SearchHit], Understanding]:
        """Second chance with an LLM: search again with the model's keywords (same filters)."""
        if self.llm is None or self.prompts is None:
            return [], u
        try:
            keywords = await rewrite_query(self.llm, self.prompts, u.text)
        except LLMUnavailable as exc:
            log.info("query rewrite unavailable: %s", exc)
            return [], u
        if not keywords or keywords == u.search_text:
            return [], u
        rewritten = replace(u, search_text=keywords, keywords=tuple(keywords.split()), mode="fresh")
        return await self.search(keywords, rewritten), rewritten

    async def _not_found(self, u: Understanding, ctx: TurnContext) -> Answer:
        if u.intent is Intent.UNKNOWN and u.mode == "fresh":
            return Answer(
                self.composer.text(
                    "out_of_scope", ctx.lang, answered=False, example=self.composer.say("example_1", ctx.lang)
                )
            )
        if await asyncio.to_thread(self.index.count) == 0:
            return Answer(self.composer.text("no_catalog", ctx.lang, answered=False))
        weak = (
            []
            if u.mode == "cheaper"
            else await self.search(u.search_text, u, k=3, include_weak=True, with_filters=False)
        )
        reply = self.composer.not_found(u.text, [h.product for h in weak], u, ctx.lang)
        answer = await self._llm(ctx, Answer(reply, hits=weak), list(reply.shown), u)
        answer.reply = replace(answer.reply, answered=False)
        return answer

    async def policy(self, ctx: TurnContext) -> Answer:
        docs = self.policies.find(ctx.text, ctx.lang) if self.policies is not None else []
        answer = Answer(self.composer.policy(docs, ctx.lang, ctx.text), docs=docs)
        return await self._llm(ctx, answer, [], None) if docs else answer

    def contact_text(self, lang: str) -> str:
        doc = None
        if self.policies is not None:
            doc = next((d for d in self.policies.find("contact 联系方式", lang, k=1)), None)
        return doc.text[:300] if doc else self.composer.say("human_contact_default", lang)

    async def _llm(
        self, ctx: TurnContext, answer: Answer, products: Sequence[Product], u: Understanding | None
    ) -> Answer:
        if self.llm is None or self.prompts is None:
            return answer
        known = {p.sku: p for p in [*products, *answer.reply.shown, *ctx.shown]}
        all_docs = list(self.policies.docs) if self.policies is not None else []
        budget = amounts([u.filters.min_price, u.filters.max_price]) if u is not None else frozenset()
        facts = GroundingFacts(
            products=tuple(known.values()),
            policies=tuple(all_docs),
            allowed_amounts=budget,
            known_sku=lambda sku: self.index.get(sku) is not None,
            secret_lines=self.prompts.secrets(),
            focus=tuple(p.sku for p in products) if u is not None and u.targets else (),
            quoted=ctx.text,
        )
        prompt_products = list(products) or list(answer.reply.shown)
        values = answer_values(ctx.lang, prompt_products, answer.docs, ctx.history, ctx.text)
        text = await self._grounded(values, facts, ctx.progress)
        if text is None:
            return answer
        return Answer(replace(answer.reply, text=text.strip()), answer.docs, answer.hits, "llm")

    async def _grounded(
        self, values: dict[str, str], facts: GroundingFacts, progress: ReplyProgress | None
    ) -> str | None:
        assert self.llm is not None and self.prompts is not None
        violations: list[Violation] = []
        for attempt, spec in enumerate((self.prompts.answer, self.prompts.answer_strict)):
            extra = {"violations": "; ".join(map(str, violations))} if attempt else {}
            drafts = Drafts(progress if attempt == 0 else None, facts, clock=self.draft_clock)
            try:
                text = await self.llm.stream(spec, {**values, **extra}, drafts.on_text)
            except LLMUnavailable as exc:
                log.warning("llm unavailable (%s), using the offline composer: %s", exc.kind, exc)
                telemetry.count("llm_fallback", reason="unavailable")
                return None
            with telemetry.stage("grounding"):
                violations = await asyncio.to_thread(check_reply, text, facts)
            if not violations:
                return text
            self.violations += len(violations)
            for violation in violations:
                telemetry.count("grounding_violation", kind=violation.kind)
            log.warning("grounding violation (attempt %d): %s", attempt + 1, "; ".join(map(str, violations)))
        telemetry.count("llm_fallback", reason="grounding")
        return None
