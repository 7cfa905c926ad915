"""`SupportBot`: the channel-independent conversation core every front end talks to.

One message's way: per-chat lock → handoff gate → callbacks → commands → input hygiene → handoff
triggers → intent → understanding (with follow-ups) → retrieval → composer/LLM → grounding → one reply.
It never raises to a channel: bugs are logged with context and answered with the generic apology
(tests pass `raise_errors=True` so they surface).

Built-in commands (/start /help /reset /human /profile /forget) are methods registered on the shared
command registry. Button data is short and verifiable: `d:<sku>` details, `s:<sku>` similar items, `q:<n>`
one of the /start example questions (answered as if typed); unknown, forged or stale data gets a polite answer.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, cast

from bot.conversation import policy_scope
from bot.conversation.answer import Answer, Answerer, PolicyLookup, TurnContext
from bot.conversation.claims import forget_claim_memos
from bot.conversation.composer import OfflineComposer, Reply
from bot.conversation.flows import ConversationFlow, FlowReply, FlowTurn, FlowWithdrawal
from bot.conversation.grounding import without_agreement
from bot.conversation.handoff_context import handoff_context, merge_customer_reply
from bot.conversation.hygiene import DEFAULT_MAX_CHARS, clean
from bot.conversation.intents import ABILITIES_RX, Intent, IntentGuess, classify
from bot.conversation.issue_followup import (
    ask_about,
    continues_issue,
    continues_order,
    late_parcel,
    lost_order_number,
    names_other_topic,
    other_item,
)
from bot.conversation.kind_words import english_kinds, native_kinds
from bot.conversation.locks import LocalChatLocks
from bot.conversation.multi_questions import is_question, question_parts, split_questions
from bot.conversation.offer_questions import (
    OfferAsk,
    asks_nothing,
    find_offer_ask,
    included_quote,
    policy_states,
)
from bot.conversation.offers import unbacked_offers
from bot.conversation.paid_time import paid_clock, ships_today
from bot.conversation.placement import run_step
from bot.conversation.profile import InterestProfile
from bot.conversation.prompting import ChatPrompts, classify_with_llm
from bot.conversation.rambling import focused, may_focus
from bot.conversation.reader import Reader
from bot.conversation.reading import read_message
from bot.conversation.refinements import asks_cheaper_items
from bot.conversation.regions import asked_region
from bot.conversation.request_match import request_matched
from bot.conversation.shop_range import asks_shop_range
from bot.conversation.side_questions import SHIPPING_ASK, side_question, states
from bot.conversation.size_advice import asks_size_advice
from bot.conversation.store import ChatMemory, ChatState, ConversationStore, Turn, trim_to_budget
from bot.conversation.thread_details import detail_question, thread_detail
from bot.conversation.understanding import (
    QueryParsing,
    Understanding,
    content_keywords,
    filters_to_state,
    understand,
)
from bot.domain.commands import EVERYONE, CommandRegistry
from bot.domain.erasure import ErasureRegistry
from bot.domain.errors import LLMUnavailable
from bot.domain.language import (
    Script,
    detect_language,
    detect_script,
    in_script,
    normalise_hint,
    outbound_in_script,
    unsupported_script,
)
from bot.domain.messages import ERASED, Button, Inbound, Outbound, ReplyProgress, Role, fits_button
from bot.domain.protocols import ChatModel, HandoffGate
from bot.domain.reply_budget import DEFAULT_BUDGET, ReplyBudget, first_token_deadline
from bot.privacy.redaction import forget_memos, redact, without_personal_data
from bot.prompts import Messages
from knowledge.models import Product, QueryFilters
from knowledge.money import NO_RATES, ExchangeRates
from knowledge.protocols import KeywordExtractor, ProductIndex
from knowledge.script import has_han
from knowledge.traditional import script_evidence, to_simplified

log = logging.getLogger(__name__)
# Intents answered with products: a payment, invoice or shipping-region question beside them is answered too.
_PRODUCT_INTENTS = frozenset(
    {Intent.PRODUCT_QUESTION, Intent.RECOMMENDATION, Intent.COMPARISON, Intent.UNKNOWN}
)
MEMORY_TURNS = 40  # turns of a chat read for each message
EXAMPLES = ("example_1", "example_2", "example_3")  # /start buttons: `q:<n>` asks example n
# Messages whose words say what the customer shops for (the interest profile learns only from these).
_SHOPPING_INTENTS = frozenset({Intent.PRODUCT_QUESTION, Intent.RECOMMENDATION, Intent.COMPARISON})
# Intents of a message that searches the catalog (a long one is searched by its request clauses only).
_SEARCH_INTENTS = frozenset({Intent.RECOMMENDATION, Intent.UNKNOWN})
# Intents answered from the shop's policies (a clause asking one of these is a rule question).
_RULE_INTENTS = frozenset({Intent.AFTER_SALES, Intent.POLICY, Intent.CONTACT})
_ANSWER_THEN_HANDOFF = frozenset({"damaged_goods", "refund_dispute"})  # answer with the policy, then a person
# Handoff triggers the flow may answer first (a damaged parcel is an after-sales request with photos).
_FLOW_FIRST = frozenset({None, "damaged_goods"})


# intents a short follow-up of an after-sales/policy issue may have been read as ("要多久内反馈": nothing)
def has_policy_answer(intent: Intent) -> bool:
    """True for the intents answered from the policies (after-sales, policy)."""
    return intent in (Intent.AFTER_SALES, Intent.POLICY)


_ISSUE_FOLLOWERS = frozenset(
    {Intent.AFTER_SALES, Intent.POLICY, Intent.OUT_OF_SCOPE, Intent.UNKNOWN, Intent.CONTACT}
)
# intents whose answered question stays the chat's thread (`ChatDialogue.issue`) for the follow-ups after it
_THREAD_INTENTS = frozenset({Intent.AFTER_SALES, Intent.POLICY, Intent.CONTACT, Intent.ORDER_STATUS})
_SMALL_TALK_KEYS = (
    (ABILITIES_RX, "small_talk_abilities"),
    (re.compile(r"谢|thank|thx", re.I), "small_talk_thanks"),
    (re.compile(r"拜|再见|bye", re.I), "small_talk_bye"),
    (re.compile(r"谁|机器人|真人|who|what are you|bot|robot|human", re.I), "small_talk_who"),
)


def _without_user(users: tuple[str, ...], user_id: str) -> tuple[str, ...]:
    return tuple(u for u in users if u != user_id)


class _Closable(Protocol):
    def close(self) -> None: ...


class TurnSink(Protocol):
    """Where finished customer turns go for insights (e.g. `bot.insights.recorder.TurnRecorder`); never raises
    for bad data (the core still guards the call)."""

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
    ) -> None: ...


@dataclass
class CoreStats:
    messages: int = 0
    errors: int = 0
    llm_replies: int = 0
    composer_replies: int = 0


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _one_latin_word(text: str) -> bool:
    """A message of one Latin word and no Chinese ("done", "ok", "iPhone") says nothing about the language."""
    return not has_han(text) and len(_LATIN_WORD.findall(text)) == 1


class SupportBot:
    """Implements `bot.domain.protocols.ConversationCore`; `commands` is the shared command registry."""

    def __init__(
        self,
        *,
        index: ProductIndex,
        store: ConversationStore,
        messages: Messages,
        replies: Messages,
        parser: QueryParsing | None = None,
        extractor: KeywordExtractor | None = None,
        policies: PolicyLookup | None = None,
        llm: ChatModel | None = None,
        prompts: ChatPrompts | None = None,
        handoff: HandoffGate | None = None,
        trigger_detector: Callable[[str], str | None] | None = None,
        recorder: TurnSink | None = None,
        raise_errors: bool = False,
        max_chars: int = DEFAULT_MAX_CHARS,
        history_token_budget: int = 1500,
        runtime: _Closable | None = None,
        clock: Callable[[], datetime] | None = None,
        cache_dir: Path | None = None,
        flow: ConversationFlow | None = None,
        erasure: ErasureRegistry | None = None,
        rates: ExchangeRates = NO_RATES,
        reply_budget: ReplyBudget = DEFAULT_BUDGET,
    ) -> None:
        self.index, self.store, self.messages, self.parser = index, store, messages, parser
        self.reply_budget = reply_budget  # the stalled-LLM promise: each message's first-token deadline
        self.extractor, self.policies, self.llm, self.handoff = extractor, policies, llm, handoff
        self.trigger_detector, self.recorder, self.raise_errors = trigger_detector, recorder, raise_errors
        self.max_chars, self.history_token_budget = max_chars, history_token_budget
        self.clock: Callable[[], datetime] = clock or (
            lambda: datetime.now(UTC)
        )  # "now" for time-aware answers
        self.composer = OfflineComposer(replies)
        self.prompts = prompts if llm is None or prompts is not None else None
        self.answerer = Answerer(index, self.composer, policies, llm, prompts, rates)
        self.understanding = Reader(index, parser, extractor, policies, self.answerer, cache_dir)
        self.profile = InterestProfile(store)
        self.commands = CommandRegistry()
        self.stats = CoreStats()
        self._locks = LocalChatLocks()
        self.runtime = runtime  # what the composition root opened for this bot (closed by `close()`)
        self.flow = (
            flow  # a guided conversation offered each message first (orders: bot/orders/conversation.py)
        )
        self.erasure = erasure or ErasureRegistry()  # the features' stores erased by /forget
        self._register_commands()

    def warm_up(self) -> None:
        """Build now what a first message would otherwise build — the index's lazy parts (mention index, material
        masks), the reader's exemplars and policy lines, the catalog's kind names, the policy bullets, jieba's
        dictionary and IDF table: ~2 s of CPU at 10k SKUs that no customer should wait for. Blocking and
        idempotent; meant for a background thread at start-up (`bot.wiring.build_support_bot` starts one).
        Raises whatever a part raises (the caller logs it; the first real use builds the part again)."""
        for part in (self.index, self.extractor, self.policies):
            warm = getattr(part, "warm_up", None)
            if callable(warm):
                warm()
        bullets = getattr(self.policies, "bullet_index", None)
        if callable(bullets):
            bullets()
        self.understanding.ready()
        self.answerer.warm_up()

    def close(self) -> None:
        """Dispose what the composition root opened for this bot (database engine, index …)."""
        if self.runtime is not None:
            self.runtime.close()

    async def aclose(self) -> None:
        """`close()` from the event loop (the database's async pool closes on the loop that used it)."""
        aclose = getattr(self.runtime, "aclose", None)
        if aclose is not None:
            await aclose()
        elif self.runtime is not None:
            await asyncio.to_thread(self.runtime.close)

    # -- entry point ------------------------------------------------------------------------------------
    async def handle(self, inbound: Inbound, progress: ReplyProgress | None = None) -> list[Outbound]:
        """One reply for one message. Every LLM call made for it waits for a first token no later than the
        reply budget allows from now (`bot.domain.reply_budget`): a stalled provider still leaves time for
        the offline answer and its send inside the promise."""
        arrived = asyncio.get_running_loop().time()
        with first_token_deadline(self.reply_budget.first_token_by(arrived)):
            return await self._handle(inbound, progress)

    async def _handle(self, inbound: Inbound, progress: ReplyProgress | None) -> list[Outbound]:
        async with self._locks.hold(inbound.chat_id):
            self.stats.messages += 1
            try:
                return await self._dispatch(inbound, progress)
            except Exception:
                self.stats.errors += 1
                log.exception(
                    "core failed: chat=%s user=%s update=%s channel=%s",
                    inbound.chat_id,
                    inbound.user_id,
                    inbound.update_id,
                    inbound.channel,
                )
                if self.raise_errors:
                    raise
                lang = detect_language(inbound.text, inbound.language_hint)
                return [self.reply(inbound, self.messages.get("error_generic", lang))]

    def reply(self, inbound: Inbound, text: str, reply: Reply | None = None, **meta: str) -> Outbound:
        """The one customer-facing Outbound for an inbound."""
        return Outbound(
            chat_id=inbound.chat_id,
            text=text,
            cards=reply.cards if reply else (),
            buttons=reply.buttons if reply else (),
            thread_id=inbound.thread_id,
            kind="reply",
            meta=dict(meta),
        )

    def say(self, key: str, lang: str, **values: object) -> str:
        return self.composer.say(key, lang, **values)

    async def language_for(self, inbound: Inbound, text: str = "") -> str:
        """Language of a message; for commands and buttons (no words) the chat's last language, and for a lone
        Latin word ("done", "ok", "iPhone") in a chat that already has a language, that language."""
        words = len(_LATIN_WORD.findall(text))
        if has_han(text) or words > 1:
            return detect_language(text, inbound.language_hint)
        if words == 0 and inbound.language_hint:
            return normalise_hint(inbound.language_hint)
        state = await asyncio.to_thread(self.store.state, inbound.chat_id)
        if state.language:
            return state.language
        return detect_language(text, inbound.language_hint) if words else "zh"

    async def _dispatch(self, inbound: Inbound, progress: ReplyProgress | None) -> list[Outbound]:
        withdrawn = await self._withdrawal(inbound)
        if withdrawn is not None:
            return withdrawn
        if self.handoff is not None:
            intercepted = await self.handoff.intercept(inbound)
            if intercepted is not None:
                return intercepted
        if inbound.callback_data is not None:
            return await self._on_callback(inbound, progress)
        if inbound.command:
            return await self._command(inbound)
        if inbound.role is Role.AGENT and inbound.is_group:
            return []  # support-group chatter that handoff did not claim is not addressed to the bot
        cleaned = clean(inbound.text, self.max_chars)
        readable = cleaned.problem in (None, "too_long")  # garbage says nothing about the customer's language
        lang = await self.language_for(inbound, cleaned.text if readable else "")
        if inbound.attachment is not None and not cleaned.text:
            if self.flow is not None and inbound.role is not Role.AGENT:  # e.g. photos of a damaged item
                memory, shown = await self._recall(inbound.chat_id, inbound.user_id)
                if inbound.user_id in memory.state.flow_users:
                    taken = await self.flow.take(FlowTurn(inbound, "", lang))
                    if taken is not None:
                        return await self._flow_reply(inbound, lang, taken, memory, shown)
            return [self.reply(inbound, self.say("attachment_only", lang), problem="attachment")]
        if cleaned.problem == "too_long":
            return [
                self.reply(
                    inbound,
                    self.say("too_long", lang, length=cleaned.length, limit=self.max_chars),
                    problem="too_long",
                )
            ]
        if cleaned.problem:
            key = {
                "empty": "empty_message",
                "emoji_only": "emoji_only",
                "other_language": "other_language",
            }.get(cleaned.problem, "garbage")
            return [
                self.reply(
                    inbound, self.say(key, lang, example=self.say("example_1", lang)), problem=cleaned.problem
                )
            ]
        return await self.converse(inbound, cleaned.text, lang, progress)

    async def _withdrawal(self, inbound: Inbound) -> list[Outbound] | None:
        """ "算了，不退了" after a request was filed: the flow withdraws it and tells the customer (the one reply);
        when a handoff holds the chat, the customer's words are still relayed and the agents get the flow's
        line beside them. None when the message takes nothing back."""
        if (
            self.flow is None
            or inbound.role is Role.AGENT
            or inbound.command
            or inbound.callback_data is not None
            or not inbound.text
        ):
            return None
        text = clean(inbound.text, self.max_chars).text
        lang = await self.language_for(inbound, text)
        turn = FlowTurn(inbound, text, lang)
        if not text or not self.flow.may_withdraw(turn):
            return None
        withdrawal: FlowWithdrawal | None = await self.flow.withdraw(turn)
        if withdrawal is None:
            return None
        relayed = (await self.handoff.intercept(inbound) or []) if self.handoff is not None else []
        agents = [o for o in relayed if o.chat_id != inbound.chat_id]
        places = dict.fromkeys((o.chat_id, o.thread_id) for o in agents)
        notes = [
            Outbound(chat_id=chat, thread_id=thread, text=withdrawal.agent_text, kind="notice")
            for chat, thread in places
        ]
        meta = {"intent": withdrawal.intent, "language": lang, "source": "flow"}
        reply = Outbound(
            chat_id=inbound.chat_id,
            text=withdrawal.text,
            thread_id=inbound.thread_id,
            kind="reply",
            meta=meta,
        )
        return [reply, *agents, *notes]

    def _product_words(self, keywords: list[str], filters: QueryFilters) -> list[str]:
        """The interest words of a shopping message: content keywords that name a kind of product or occur in
        a catalog title ("跑鞋", "pegasus") — never "much", "city" or "say" from a question about an order."""
        words = content_keywords(keywords, filters)
        names = self.understanding.mentions
        if names is None:
            return []
        return [w for w in words if names.is_kind(w) or names.mentions.knows(w)]

    async def _command(self, inbound: Inbound) -> list[Outbound]:
        name = inbound.command or ""
        command = self.commands.get(name)
        lang = await self.language_for(inbound, inbound.command_args)
        if command is None:
            return [self.reply(inbound, self.say("unknown_command", lang, name=name[:32]))]
        if not command.allowed(inbound.role):
            log.warning(
                "refused /%s: user=%s role=%s chat=%s", name, inbound.user_id, inbound.role, inbound.chat_id
            )
            return [self.reply(inbound, self.say("command_refused", lang, name=name))]
        return await command.handler(inbound)

    # -- conversation -----------------------------------------------------------------------------------
    async def converse(
        self, inbound: Inbound, text: str, lang: str, progress: ReplyProgress | None = None
    ) -> list[Outbound]:
        """Answer one cleaned customer message (also used for /start example buttons).

        The message is read in Simplified form; the reply is written in the customer's script. Memory is
        read once (`store.load`) and written once (`store.commit`: both turns, the new state and the
        interests); if answering fails, the customer's turn is still written before the error goes up."""
        chat, user = inbound.chat_id, inbound.user_id
        memory, shown = await self._recall(chat, user)
        said = Turn("user", text, user)
        try:
            out = await self._converse(inbound, text, progress, memory, shown, said)
        except Exception:
            try:  # the customer's words are kept even when answering them failed
                await self.store.commit_async(chat, user, [said], memory.state)
            except Exception:
                log.exception("could not keep the turn of chat %s after a failure", chat)
            raise
        script = self._script(text, inbound, memory.state)  # cards, buttons and notices too, not only text
        if script == "en" and self.parser is not None and self.parser.read_pinyin(text):
            script = "hans"  # "lanya erji": written in Latin letters, answered in Chinese
        return [outbound_in_script(o, script) if o.chat_id == chat else o for o in out]

    async def _with_side_answer(self, intent: Intent, ctx: TurnContext, answer: Answer) -> Answer:
        """`answer` with the payment/invoice question asked beside a product question answered too
        (`bot.conversation.side_questions`): "能开专票吗？买 Sony 耳机", "Sony 耳机多少钱，支持货到付款吗"."""
        if (
            ctx.region
            and intent in _PRODUCT_INTENTS
            and self.answerer.policies is not None
            and SHIPPING_ASK.search(ctx.text)
        ):  # "…Taipei 106 Pegasus 41 可以寄嗎": what the shipping policy says about that region, beside the item
            regional = await self.answerer.policy_lines(
                replace(ctx, text=f"寄到{ctx.region} 运费"), Intent.POLICY, None, k=2, composed=True
            )
            if regional.reply.answered:
                text = (
                    f"{answer.reply.text}\n{regional.reply.text}"
                    if answer.reply.text
                    else regional.reply.text
                )
                answer = Answer(replace(answer.reply, text=text), [*answer.docs, *regional.docs], answer.hits)
        side = side_question(ctx.text)
        if side is None or self.answerer.policies is None:
            return answer
        if intent is Intent.POLICY and answer.reply.answered and not states(side, answer.reply.text):
            # "能开纸质发票吗": the bullets quoted do not state that term: say so, and offer a person
            line = self.composer.say("policy_not_stated", ctx.lang, term=side.term)
            return Answer(
                replace(answer.reply, text=f"{line}\n{answer.reply.text}"),
                answer.docs,
                answer.hits,
                answer.source,
            )
        if intent not in _PRODUCT_INTENTS:
            return answer
        policy = await self.answerer.policy_lines(
            replace(ctx, text=side.text), Intent.POLICY, None, k=2, composed=True
        )
        lines = policy.reply.text if policy.reply.answered else ""
        if not lines or not states(side, lines):  # the policy's own invoice/payment bullets stay beside it
            missing = self.composer.say("policy_not_stated", ctx.lang, term=side.term or side.text)
            lines = f"{missing}\n{lines}" if lines else missing
        text = f"{answer.reply.text}\n{lines}" if answer.reply.text else lines
        return Answer(
            replace(answer.reply, text=text), [*answer.docs, *policy.docs], answer.hits, answer.source
        )

    def _asks_policy(self, part: str, lang: str) -> bool:
        """Blocking: the clause asks about a shop rule — the rules read it as after-sales, policy or contact,
        or it is an unsure question that a policy topic matches and that names no product."""
        guess = classify(part)
        if guess.intent in _RULE_INTENTS:
            return True
        return (
            not guess.sure
            and guess.intent is Intent.UNKNOWN
            and is_question(part)
            and self.policies is not None
            and bool(self.policies.find(part, lang, k=1))
            and not self.index.find_mentions(part, k=1)
        )

    def _asks_product(self, part: str, has_context: bool) -> bool:
        """Blocking: the clause asks about a product — it names one, or the rules read it as a product
        question (about the product in focus when there is one)."""
        if any(m.score >= 0.2 and m.end - m.start >= 3 for m in self.index.find_mentions(part, k=1)):
            return True
        guess = classify(part, has_context=has_context)
        return guess.sure and guess.intent in _PRODUCT_INTENTS and is_question(part)

    async def _each_question(
        self, intent: Intent, ctx: TurnContext
    ) -> tuple[Answer, Understanding | None] | None:
        """A message asking about a product AND a shop rule, each part answered in the message's order
        (`bot.conversation.multi_questions`): the rule clauses from the policies, the rest as one product
        question. None when the message does not ask both (then it is answered whole)."""
        if self.answerer.policies is None or intent in (Intent.INJECTION, Intent.HUMAN, Intent.GREETING):
            return None
        # one clause (most messages) asks no two things: found out on the loop, not after a thread hand-off
        if len(question_parts(ctx.text)) < 2:
            return None
        split = await run_step(
            split_questions,
            ctx.text,
            functools.partial(self._asks_policy, lang=ctx.lang),
            functools.partial(self._asks_product, has_context=bool(ctx.shown)),
        )
        if split is None:
            return None
        read = classify(split.rest, has_context=bool(ctx.shown)).intent
        product, u = await self._answer(
            read if read in _PRODUCT_INTENTS else Intent.PRODUCT_QUESTION,
            replace(ctx, text=split.rest, whole=ctx.whole or ctx.text),
        )
        rules: list[str] = []
        docs = list(product.docs)
        named = await run_step(self._named_in, split.rest)
        for part in split.policy:
            asked = classify(part).intent
            side = side_question(part)
            about = part if not named or self.index.find_mentions(part, k=1) else f"{named} {part}"
            answered = await self.answerer.policy_lines(
                replace(ctx, text=about),
                asked if asked in _RULE_INTENTS else Intent.POLICY,
                None,
                k=2,
                composed=True,
            )
            lines = answered.reply.text if answered.reply.answered else ""
            if not lines or (side is not None and not states(side, lines)):  # "能开纸质发票吗": not stated
                missing = self.composer.say("policy_not_stated", ctx.lang, term=(side and side.term) or part)
                lines = f"{missing}\n{lines}" if lines else missing
            if lines not in rules:
                rules.append(lines)
                docs.extend(d for d in answered.docs if d not in docs)
        texts = [*rules, product.reply.text] if split.policy_first else [product.reply.text, *rules]
        text = "\n".join(t for t in texts if t)
        return Answer(replace(product.reply, text=text, answered=True), docs, product.hits, product.source), u

    def _focused(self, text: str) -> str:
        """Blocking: `text` without the greetings and story around its request (`bot.conversation.rambling`)."""
        catalog = self.answerer.catalog_words()
        return focused(text, lambda clause: bool(catalog.item(clause).paths)) or text

    def _named_in(self, text: str) -> str:
        """Blocking: the words of `text` that name a product ("Pegasus 41"), '' when it names none."""
        named = [m for m in self.index.find_mentions(text, k=3) if m.score >= 0.2 and m.end - m.start >= 3]
        if not named:
            return ""
        best = max(m.score for m in named)
        return " ".join(dict.fromkeys(text[m.start : m.end] for m in named if m.score == best))

    def _still_named(self, written: str, read: str, lang: str) -> str:
        """`read` with the products `written` names only inside a clause that was cut (a demand, a role-play
        instruction, an offer or hold request): "give me 50% off the Sony WH-1000XM5 and tell me the final
        price", "角色扮演…老板说 Pegasus 41 只卖 500，对吧？", "hold a pair of Pegasus 41 until Friday? And what's
        the price?" still ask about that product — its real price is stated. A `read` that names a product or
        `written` that names none is returned as it is; one that asks nothing else becomes a price question."""
        named = [m for m in self.index.find_mentions(written, k=3) if m.score >= 0.2 and m.end - m.start >= 3]
        if not named or (read and self.index.find_mentions(read, k=1)):
            return read  # a weak mention ("B" of "B站" for "B5") names nothing
        best = max(m.score for m in named)
        names = " ".join(dict.fromkeys(written[m.start : m.end] for m in named if m.score == best))
        if not read or asks_nothing(read):
            return f"{names} 多少钱" if lang == "zh" else f"how much is the {names}?"
        return f"{read} {names}"

    @staticmethod
    def _script(text: str, inbound: Inbound, state: ChatState) -> Script:
        """The customer's script for this message ("done", "ok", "iPhone": the chat's own script)."""
        if state.dialogue.script in ("hans", "hant", "en") and _one_latin_word(text):
            return cast(Script, state.dialogue.script)
        spoken = without_personal_data(text) or text  # an address or a name is no evidence of the language
        script = detect_script(spoken, inbound.language_hint)
        if script == "hans" and state.dialogue.script == "hant" and script_evidence(text) == (0, 0):
            return "hant"  # "我要找真人客服" is written the same in both scripts: keep the chat's
        return script

    async def _converse(
        self,
        inbound: Inbound,
        text: str,
        progress: ReplyProgress | None,
        memory: ChatMemory,
        shown: list[Product],
        said: Turn,
    ) -> list[Outbound]:
        state, turns = memory.state, list(memory.turns)
        pinyin = self.parser.read_pinyin(text) if self.parser is not None else None
        script: Script = "hans" if pinyin else self._script(text, inbound, state)  # pinyin is Chinese
        lang = "en" if script == "en" else "zh"
        written = pinyin or to_simplified(text)[0]
        reading = read_message(written)  # no injected instruction, no personal data: the question itself
        if (
            self.parser is not None
        ):  # 电反煲 → 电饭煲 before anything else reads the message, but only once the
            fixed = self.parser.fix_typos(reading.text)  # personal data is out: "Priya" is no typo of "Proya"
            written = written if reading.changed else fixed
            reading = replace(reading, text=fixed)
        # only personal data ("13812345678" alone): nothing to search for, and its digits are no question
        read = reading.text if reading.text or reading.personal_removed else without_personal_data(written)
        ask = find_offer_ask(read) if read else None  # "满减吗", "… with my coupon X?": answered on its own
        bargained = next((d for d in reading.demands if d.kind == "price"), None)
        if ask is None and bargained is not None:  # "give me a discount" alone, or beside a real question
            ask = OfferAsk("bargain", bargained.text, "", "" if asks_nothing(read) else read)
        if ask is not None and ask.kind == "bargain" and len(shown) > 1 and asks_cheaper_items(read):
            ask = None  # "再便宜点" after a list: cheaper products (a refinement), not a lower price
        if ask is not None and ask.rest:
            read = ask.rest  # the real question, understood without the offer words
        if read != written:
            read = await run_step(self._still_named, written, read, lang)
        simplified = native_kinds(read)  # "想买个 air fryer" → "想买个 空气炸锅"
        # the rules read the message once; only a text the steps below rewrite is read again
        guessed, guess = simplified, classify(simplified, has_context=bool(shown))
        if may_focus(simplified) and guess.intent in _SEARCH_INTENTS:
            # a long story with the request in the middle: the clauses that ask, not the story, are searched
            # (a short message has none to cut: no thread hand-off for it)
            simplified = await run_step(self._focused, simplified)
        asked = simplified
        order_thread = (
            bool(state.dialogue.issue) and classify(state.dialogue.issue).intent is Intent.ORDER_STATUS
        )
        if state.dialogue.issue and not order_thread:  # "那电饭煲呢" after "耳机保修多久": about rice cookers
            simplified = await self._about_other_item(simplified, state.dialogue.issue)
        if simplified != guessed:
            guess = classify(simplified, has_context=bool(shown))
        in_flow_before = inbound.user_id in state.flow_users  # the order flow reads its own dialogue's turns
        if lost_order_number(simplified) or (
            order_thread
            and not in_flow_before
            and guess.intent not in (Intent.HUMAN, Intent.AFTER_SALES)
            and continues_order(simplified)
            and not self.answerer.catalog_words().item(simplified).paths
        ):  # "能帮我查一下吗" after "我的快递到哪了", "订单号我忘了": the order question goes on
            guess = IntentGuess(Intent.ORDER_STATUS, 0.85, "order")
            # the thread's words (its order number, the digits that verify it) are read again only in a private
            # chat: in a group another member wrote them, and the flow verifies each user by their own words
            if order_thread and not lost_order_number(simplified) and not inbound.is_group:
                simplified = f"{state.dialogue.issue}，{simplified}"
        reason = self.trigger_detector(text) if self.trigger_detector and self.handoff else None
        if reason is None and guess.intent is Intent.HUMAN and self.handoff is not None:
            reason = "requested"
        # the order flow may take this message (one without its order number is answered here: where to find it)
        flow_first = self.flow is not None and reason in _FLOW_FIRST and not lost_order_number(simplified)
        answer_first = reason in _ANSWER_THEN_HANDOFF and guess.intent is Intent.AFTER_SALES
        if reason is not None and not flow_first and not answer_first:
            return await self.request_handoff(inbound, reason, lang, state, shown, turns, said)
        if self.understanding.built():  # a sentence encoding and a route: less CPU than a thread hand-off
            vector, (intent, simplified, note) = self._read(guess, simplified, bool(shown))
        else:  # the first message after start-up or a catalog change builds the understanding layer
            vector, (intent, simplified, note) = await asyncio.to_thread(
                self._read, guess, simplified, bool(shown)
            )
        note = note or (reading.instructions_cut and intent is not Intent.INJECTION)
        # "帮我查查呗" / "it's been 5 days" while the order flow waits for the number: still the order question
        order_again = (
            in_flow_before
            and order_thread
            and intent in (Intent.OUT_OF_SCOPE, Intent.UNKNOWN, Intent.POLICY, Intent.RECOMMENDATION)
            and continues_order(simplified)
            and not self.answerer.catalog_words().item(simplified).paths
        )
        if self.flow is not None and flow_first:  # order status and after-sales requests: the order flow
            in_flow = inbound.user_id in state.flow_users
            # the flow reads what the customer wrote (it verifies them by phone number)
            turn = FlowTurn(inbound, written if reading.changed else simplified, lang, intent.value)
            if in_flow or self.flow.may_start(turn):
                taken = await self.flow.take(turn)
                if taken is not None and taken.open and not in_flow:
                    taken = await self._with_policy_line(taken, simplified, lang)
                if taken is not None:
                    # the problem or the order question the flow took up: short follow-ups continue it
                    threads = (Intent.AFTER_SALES.value, Intent.ORDER_STATUS.value)
                    about = redact(simplified) if taken.intent in threads else ""
                    return await self._flow_reply(inbound, lang, taken, memory, shown, script, about)
            if in_flow:  # the customer moved on: the dialogue is over
                state = replace(state, flow_users=_without_user(state.flow_users, inbound.user_id))
        if order_again:  # the flow did not take it: the shipping policy, what we need, and a person
            intent = Intent.ORDER_STATUS
        if reason is not None and not answer_first:
            return await self.request_handoff(inbound, reason, lang, state, shown, turns, said)
        if not guess.sure and intent is Intent.UNKNOWN and self.llm is not None and self.prompts is not None:
            decided = await run_step(self._decided_by_knowledge, simplified, lang)
            if decided is not None:  # the shop's policies or catalog know what this is: no model needed
                intent = decided
            else:
                try:
                    intent = await classify_with_llm(self.llm, self.prompts, simplified)
                except LLMUnavailable as exc:
                    log.info("llm intent classification unavailable: %s", exc)
        if asks_shop_range(simplified):  # "你们卖什么": the shop's range (answer.py), never "out of scope"
            intent = Intent.RECOMMENDATION
        issue = state.dialogue.issue
        # "用了两个月" / "我不小心摔的" / "要拍照吗" / "周末有人吗": a detail only the thread gives a meaning to
        detail = thread_detail(simplified) if issue and simplified == asked else None
        continued = (
            bool(issue)
            and simplified == asked  # a question rewritten about another item is a question of its own
            # "can I get a new one?" read as shopping: still the issue's when it names no item
            and (intent in _ISSUE_FOLLOWERS or detail is not None or intent is Intent.RECOMMENDATION)
            and (continues_issue(simplified) or detail is not None)
            # "可以退货吗" after "多久发货": a question of its own; "保修多久" after "电饭煲不加热了" is the
            # defect's own term (the rice cooker's bullet)
            and not (
                names_other_topic(simplified, issue) and not policy_scope.term_of_problem(simplified, issue)
            )
            and not self.answerer.catalog_words().item(simplified).paths  # "耳机保修多久" names its own item
        )
        if continued:  # "运费谁出" after "面霜瓶子碎了": the issue's item and problem, this question
            intent = Intent.AFTER_SALES if classify(issue).intent is Intent.AFTER_SALES else Intent.POLICY
            if (
                order_thread
            ):  # "已经五天了" after "我的订单怎么还没到"; "鞋底开胶了能换吗" after "订单…的鞋有问题"
                own = classify(simplified).intent
                intent = Intent.AFTER_SALES if own is Intent.AFTER_SALES else Intent.ORDER_STATUS
            if (
                detail is not None
            ):  # ranked by the policy's words for the detail (the window, the exclusions …)
                intent = Intent.CONTACT if detail == "hours" else intent
                simplified = detail_question(detail, f"{issue} {simplified}", lang)
        thread = issue if continued else ""
        if continued and policy_scope.names_new_problem(simplified, issue):
            # "涂层掉了能换吗" after "锅收到的时候是破的": the thread's item, this message's own problem
            catalog = await asyncio.to_thread(self.answerer.catalog_words)
            thread = " ".join(issue[s:e] for s, e in catalog.spans(issue))
        if progress is not None:
            await progress.typing()
        interests = self.profile.ranked(memory.interests, 5) if inbound.role is Role.CUSTOMER else []
        ctx = TurnContext(
            simplified,
            lang,
            state,
            shown,
            trim_to_budget(turns, self.history_token_budget),
            interests,
            progress,
            thread,
            "，".join(reading.context),
            asked_region(written),  # from the message as written: a redacted address still names its town
        )
        parts = await self._each_question(intent, ctx)
        paid = await self._paid_answer(ctx) if parts is None else None
        if (
            paid is not None
        ):  # "我下午5点付的款" (after "什么时候发货"): the dispatch rule applied to that time
            intent, (answer, u) = Intent.POLICY, (paid, None)
        elif (
            parts is not None
        ):  # "Pegasus 41 有42码吗？可以分期吗": the product part and the rule part, in order
            answer, u = parts
        else:
            answer, u = await self._answer(intent, ctx, vector)
            answer = await self._with_side_answer(intent, ctx, answer)
        offered = self._offer_answer(ask, read, lang, u, state, shown, answer)
        if offered is not None:  # "it's 50% off?": a plain no, besides the answer to the real question
            answer, alone = offered
            note = note and not alone
        if answer.source == "llm":
            self.stats.llm_replies += 1
        else:
            self.stats.composer_replies += 1
        reply = answer.reply
        if note:
            reply = replace(reply, text=f"{self.composer.say('injection_note', lang)}\n{reply.text}")
        lowered = ask is not None and ask.kind == "bargain" and offered is not None  # "no lower price" said
        if any(d.kind != "price" or not lowered for d in reading.demands):
            # answered around: say plainly what the bot will not do instead (a lower price was answered above)
            reply = replace(reply, text=f"{reply.text}\n{self.composer.say('demand_note', lang)}")
        reply = replace(reply, text=in_script(reply.text, script))
        unsold_other = bool(issue) and simplified != asked and not has_policy_answer(intent)
        refused = reply.meta.get("refusal") == "out_of_scope"  # outside the shop: refused, not a miss
        unanswered = 0 if reply.answered or unsold_other else state.unanswered + (0 if refused else 1)
        if u is None and intent in _THREAD_INTENTS and reply.answered:
            # kept in the chat state (no personal data); "什么时候发货" inside an order thread keeps the order
            keep = continued or (order_thread and intent in (Intent.POLICY, Intent.ORDER_STATUS))
            issue = issue if keep else redact(simplified)
        elif unsold_other:  # "那滑板车呢": we have none; "那电饭煲呢" next still asks the warranty question
            pass
        elif intent not in (Intent.GREETING, Intent.SMALL_TALK):
            issue = ""  # a product question or another topic ends the issue
        new_state = self._next_state(state, reply, u, script, lang, unanswered, issue)
        new_state = replace(new_state, flow_users=state.flow_users)
        out = [
            self.reply(
                inbound,
                reply.text,
                reply,
                intent=(u.intent if u else intent).value,
                language=lang,
                script=script,
                source=answer.source,
            )
        ]
        if reason is not None and self.handoff is not None:  # damaged goods: the policy lines, then a person
            extra = await self.handoff.request(
                inbound, reason, handoff_context(inbound, lang, turns, shown, text)
            )
            out = merge_customer_reply(out, extra, inbound.chat_id)
        elif unanswered >= 2 and self.handoff is not None:
            extra = await self.handoff.request(
                inbound, "unanswered", handoff_context(inbound, lang, turns, shown, text)
            )
            out = merge_customer_reply(out, extra, inbound.chat_id)
            new_state = replace(new_state, unanswered=0)
        await self._remember(inbound, reply, new_state, text, lang, u, intent, answer, memory, said)
        return out

    def _offer_answer(
        self,
        ask: OfferAsk | None,
        read: str,
        lang: str,
        u: Understanding | None,
        state: ChatState,
        shown: list[Product],
        answer: Answer,
    ) -> tuple[Answer, bool] | None:
        """The answer when the message asks about an offer (`bot.conversation.offer_questions`, else an offer
        the claims ledger finds unbacked in `read` — `bot.conversation.offers`), else None; with True when it
        stands alone. An offer question alone gets its own reply; beside a real question that was answered, its line comes
        first and the answer follows. The product in question: the one understood, else the one in focus,
        else the only one shown."""
        if ask is None and not unbacked_offers(read, [], ()):  # cheap first: no offer asked at all
            return None
        targets = list(u.targets) if u is not None else []
        if not targets and state.dialogue.focus:
            focused = self.index.get(state.dialogue.focus)
            targets = [focused] if focused is not None else []
        if not targets and len(shown) == 1:
            targets = list(shown)
        docs = tuple(self.answerer.policies.docs) if self.answerer.policies is not None else ()
        included = None
        if ask is not None:
            included = included_quote(ask.item, targets or shown) if ask.item else None
            if included is None and policy_states(ask, docs):
                return None
        elif not unbacked_offers(read, targets, docs, lambda sku: self.index.get(sku) is not None):
            return None
        if ask is not None:  # the rest of the message was answered on its own (even "we have none"): both
            refused = answer.reply.meta.get("refusal") == "out_of_scope"
            standalone = not ask.rest or not answer.reply.text.strip() or refused
        else:  # the offer is in the question itself ("Pegasus 41 it's 50% off?")
            standalone = not answer.reply.answered or not targets
        kind = ask.kind if ask is not None else "offer"
        offer = self.composer.offer_answer(kind, targets, lang, standalone=standalone, included=included)
        if standalone:
            return Answer(offer), True
        # after its plain "no", the answer must not open with agreement ("对，您说得对，…" would contradict it)
        rest = without_agreement(answer.reply.text)
        reply = replace(answer.reply, text=f"{offer.text}\n{rest}" if rest else offer.text)
        return Answer(reply, answer.docs, answer.hits, answer.source), False

    @staticmethod
    def _next_state(
        state: ChatState,
        reply: Reply,
        u: Understanding | None,
        script: str,
        lang: str,
        unanswered: int,
        issue: str = "",
    ) -> ChatState:
        """The dialogue after this reply (see `bot.conversation.dialogue_state` for the rules)."""
        dialogue = state.dialogue
        if u is not None and u.targets and u.mode in ("named", "reference", "context"):
            dialogue = dialogue.about(tuple(p.sku for p in u.targets))
            asked = (
                "colour" if u.colour or "colour" in u.asks else "size" if u.size or "size" in u.asks else ""
            )
            dialogue = replace(dialogue, asked=asked)
        if reply.shown and u is not None and u.scope and len(reply.shown) == 1:
            # "哪个容量最大" over the list shown: the winner is in focus and the list stays what the next
            # "最贵的那个呢" / "第二个" ranks and points at
            dialogue = replace(dialogue, focus=reply.shown[0].sku)
        elif reply.shown:
            dialogue = dialogue.shown_products(tuple(p.sku for p in reply.shown), reply.focus)
            if len(reply.shown) == 1:
                dialogue = dialogue.about((reply.shown[0].sku,))
        elif reply.focus:
            dialogue = replace(dialogue, focus=reply.focus)
        if (
            u is not None
            and not u.targets
            and not u.scope
            and ((reply.shown and not u.search.is_empty()) or (u.search.gift and not reply.shown))
        ):  # a present asked for with nothing shown yet ("想送个礼物"): "预算500左右" next is that present's
            search = u.search
            # words not understood ("会飞") are no constraint of the next turn ("有什么键盘")
            if unknown := set(reply.meta.get("unknown_words", "").split()):
                search = replace(
                    search,
                    words=tuple(w for w in search.words if w not in unknown),
                    required=tuple(w for w in search.required if w not in unknown),
                )
            dialogue = replace(dialogue.searched(search), focus=reply.focus or dialogue.focus)
        dialogue = replace(dialogue, script=script, issue=issue)
        return ChatState(
            last_skus=dialogue.shown,
            last_query=dialogue.search.text,
            last_filters=filters_to_state(dialogue.search.filters),
            focus_sku=dialogue.focus,
            unanswered=unanswered,
            language=lang,
            dialogue=dialogue,
        )

    async def _with_policy_line(self, taken: FlowReply, text: str, lang: str) -> FlowReply:
        """The flow's first "which order?" with the one policy line the message already asks about: the
        warranty bullet of the item's kind for a defect ("收到的鞋子开线了" → 鞋服 … 30 天), the delivery times for
        a late parcel ("下单一个星期了还没收到货"). Nothing about any order: the customer is not verified yet."""
        if taken.intent == Intent.AFTER_SALES.value:
            lines = await run_step(self.answerer.own_warranty_lines, text, lang)
            key = "own_warranty_intro"
        elif taken.intent == Intent.ORDER_STATUS.value and late_parcel(text):
            lines = await run_step(self.answerer.delivery_time_lines, lang)
            key = "delivery_time_intro"
        else:
            return taken
        if not lines:
            return taken
        return replace(taken, text="\n".join([taken.text, self.composer.say(key, lang), *lines]))

    async def _flow_reply(
        self,
        inbound: Inbound,
        lang: str,
        taken: FlowReply,
        memory: ChatMemory,
        shown: list[Product],
        script: str = "",
        issue: str = "",
    ) -> list[Outbound]:
        """Deliver a flow's reply: the one reply, a handoff with the flow's card when it asks for one (photos
        copied beside the card), memory (the flow's masked words) and insights. `issue`: the after-sales
        problem the flow took up (redacted), which short follow-ups continue."""
        out = [
            Outbound(
                chat_id=inbound.chat_id,
                text=in_script(taken.text, script) if script else taken.text,  # 繁體 in, 繁體 out
                buttons=taken.buttons,
                thread_id=inbound.thread_id,
                kind="reply",
                meta={"intent": taken.intent, "language": lang, "source": "flow", **taken.meta},
            )
        ]
        turns = list(memory.turns)
        if taken.handoff is not None and self.handoff is not None:
            ask = taken.handoff
            context = handoff_context(inbound, lang, turns, shown, taken.memory_text)
            context.update(summary=ask.summary, card_lines=list(ask.card_lines), buttons=list(ask.buttons))
            extra = await self.handoff.request(inbound, ask.reason, context)
            card = next((o for o in extra if o.meta.get("part") == "card"), None)
            if card is not None:
                extra += [
                    Outbound(
                        chat_id=card.chat_id,
                        thread_id=card.thread_id,
                        copy_of=ref,
                        kind="relay",
                        meta={"handoff_id": card.meta.get("handoff_id", "")},
                    )
                    for ref in ask.copies
                ]
            out = merge_customer_reply(out, extra, inbound.chat_id)
        mine = Turn("user", taken.memory_text, inbound.user_id)
        answered = Turn("assistant", taken.remembered_reply, inbound.user_id)
        users = _without_user(memory.state.flow_users, inbound.user_id)
        users = (*users, inbound.user_id) if taken.open else users
        dialogue = replace(memory.state.dialogue, issue=issue or memory.state.dialogue.issue)
        state = replace(memory.state, unanswered=0, language=lang, flow_users=users, dialogue=dialogue)
        await self.store.commit_async(inbound.chat_id, inbound.user_id, [mine, answered], state)
        if self.recorder is not None and inbound.role is Role.CUSTOMER:
            try:
                self.recorder.turn(
                    channel=inbound.channel,
                    user_id=inbound.user_id,
                    chat_id=inbound.chat_id,
                    text=taken.memory_text,
                    language=lang,
                    intent=taken.intent,
                )
            except Exception:
                log.exception("insights recorder failed")
        return out

    async def _answer(
        self, intent: Intent, ctx: TurnContext, vector: object = None
    ) -> tuple[Answer, Understanding | None]:
        c, lang = self.composer, ctx.lang
        if unsupported_script(ctx.text):  # Japanese, Korean, Russian …: say which languages we answer in
            return Answer(c.text("other_language", lang)), None
        if intent is Intent.GREETING:
            return Answer(c.text("greeting", lang)), None
        if intent is Intent.SMALL_TALK:
            key = next((k for rx, k in _SMALL_TALK_KEYS if rx.search(ctx.text)), "small_talk_ok")
            return Answer(c.text(key, lang)), None
        if intent is Intent.INJECTION:
            return Answer(c.text("injection", lang)), None
        if intent is Intent.OUT_OF_SCOPE:
            return Answer(
                c.text("out_of_scope", lang, example=await self.answerer.example_question(lang))
            ), None
        if intent is Intent.HUMAN:
            return Answer(c.text("human_no_gate", lang, contact=self.answerer.contact_text(lang))), None
        if intent is Intent.ORDER_STATUS and lost_order_number(ctx.text):  # where to find it, or a person
            return Answer(c.text("order_number_lost", lang)), None
        # "身高175体重70穿什么码": the chart in the product's own description, or plainly no chart
        sizing = intent not in (Intent.AFTER_SALES, Intent.ORDER_STATUS, Intent.CONTACT)
        if sizing and asks_size_advice(ctx.text):
            sized = self.answerer.size_advice(ctx)
            if sized is not None:
                return sized, None
        if intent in (Intent.AFTER_SALES, Intent.ORDER_STATUS, Intent.CONTACT):
            k = 3 if intent is Intent.AFTER_SALES else 2
            return await self.answerer.policy_lines(ctx, intent, vector, k=k), None
        if intent is Intent.POLICY:
            answer = await self.answerer.policy_lines(ctx, intent, vector)
            if answer.reply.answered and answer.docs:
                return answer, None
            intent = Intent.UNKNOWN  # "这款保修吗" with no policy match: treat as a product question
        understanding = self.understanding.ready()
        u = await run_step(
            understand,
            ctx.text,
            intent,
            ctx.state,
            ctx.shown,
            self.parser,
            understanding.mentions,
            self.index.get,
            understanding.kind_of,
            getattr(self.parser, "brands_in", None),
        )
        return await self.answerer.products(u, ctx), u

    async def _paid_answer(self, ctx: TurnContext) -> Answer | None:
        """The dispatch rule applied to the payment time the message states ("我下午5点付的款" → after the 16:00
        cut-off: the next working day), above the shipping policy's dispatch bullet; None when the message states
        no payment time or the shipping policy declares no cut-off (`dispatch_cutoff`)."""
        paid = paid_clock(ctx.text)
        terms = self.policies.terms if paid is not None and self.policies is not None else None
        cutoff = terms.shipping.dispatch_cutoff if terms is not None and terms.shipping is not None else None
        if paid is None or cutoff is None:
            return None
        now = self.clock()
        key = "paid_ships_today" if ships_today(paid, now, cutoff) else "paid_ships_next_working_day"
        line = self.composer.say(key, ctx.lang, paid=paid.strftime("%H:%M"), cutoff=cutoff.strftime("%H:%M"))
        rule = await self.answerer.policy_lines(
            replace(ctx, text=self.composer.say("dispatch_question", ctx.lang)), Intent.POLICY
        )
        text = f"{line}\n{rule.reply.text}" if rule.reply.answered else line
        return replace(rule, reply=replace(rule.reply, text=text, answered=True))

    async def _about_other_item(self, text: str, issue: str) -> str:
        """A "那X呢" / "and for X?" after an after-sales or policy question, as that question about X
        ("耳机保修多久" + "那电饭煲呢" → "电饭煲保修多久"); when the shop has no X at all, "有X吗" (answered: we don't
        sell it, never the other item's policy). Any other message comes back as it is."""
        item = other_item(text)
        if item is None:
            return text
        catalog = await asyncio.to_thread(self.answerer.catalog_words)
        english = " ".join(kind for _, _, kind in english_kinds(item))
        kind = catalog.item(item).paths or (english and catalog.item(english).paths)
        if not kind and not await asyncio.to_thread(self.index.search, item, k=1):
            return f"有{item}吗" if has_han(item) else f"do you sell {item}?"
        spans = catalog.spans(issue) or [(s, e) for s, e, _ in english_kinds(issue)]
        return ask_about(issue, item, spans)

    def _read(
        self, guess: IntentGuess, text: str, has_context: bool
    ) -> tuple[object, tuple[Intent, str, bool]]:
        """The understanding layer (built on first use: blocking), the message's sentence vector and its route —
        (vector, (intent, text to answer, whether instructions were cut out))."""
        understanding = self.understanding.ready()
        vector = understanding.vector(text)
        return vector, understanding.route(guess, text, vector, has_context)

    def _products(self, skus: tuple[str, ...]) -> list[Product]:
        return [p for sku in skus if (p := self.index.get(sku)) is not None]

    def _decided_by_knowledge(self, text: str, lang: str) -> Intent | None:
        """Blocking: when the rules are unsure, a policy topic or a product the message finds decides its
        intent (POLICY, or UNKNOWN — answered as a product question); None leaves it to the LLM."""
        if self.policies is not None and self.policies.find(text, lang, k=1):
            return Intent.POLICY
        if self.index.search(text, k=1):
            return Intent.UNKNOWN
        return None

    def memory_read(self, chat_id: str, user_id: str) -> object | None:
        """The read of a chat's memory as one that can ride along with a statement the channel makes anyway
        (the update's admission on PostgreSQL); None when the store cannot."""
        read_along = getattr(self.store, "read_along", None)
        return read_along(chat_id, user_id, MEMORY_TURNS) if read_along is not None else None

    async def _recall(self, chat_id: str, user_id: str) -> tuple[ChatMemory, list[Product]]:
        """The chat's memory (one read — or none, when it was read with the update's admission) and the
        products it last showed."""
        memory = await self.store.load_async(chat_id, user_id, MEMORY_TURNS)
        return memory, self._products(memory.state.dialogue.shown or memory.state.last_skus)

    async def _remember(
        self,
        inbound: Inbound,
        reply: Reply,
        state: ChatState,
        text: str,
        lang: str,
        u: Understanding | None,
        intent: Intent,
        answer: Answer,
        memory: ChatMemory,
        said: Turn,
    ) -> None:
        """Bookkeeping after a reply: memory and interests in one write, then insights (queued by the
        write-behind recorder; they never fail a reply)."""
        chat, user = inbound.chat_id, inbound.user_id
        redacted = redact(text).lower()  # interests keep no word of a phone, e-mail or address
        keywords: list[str] = [k for k in (u.keywords if u is not None else ()) if k.lower() in redacted]
        filters = u.filters if u is not None else None
        interests = None
        shopping = (u.intent if u is not None else intent) in _SHOPPING_INTENTS
        if inbound.role is Role.CUSTOMER and filters is not None and shopping:
            interests = self.profile.updated(memory.interests, self._product_words(keywords, filters))
        answered = Turn("assistant", reply.text, user, tuple(p.sku for p in reply.shown))
        await self.store.commit_async(chat, user, [said, answered], state, interests)
        if self.recorder is not None and inbound.role is Role.CUSTOMER:
            try:
                self.recorder.turn(
                    channel=inbound.channel,
                    user_id=user,
                    chat_id=chat,
                    text=text,
                    language=lang,
                    intent=(u.intent if u is not None else intent).value,
                    keywords=keywords,
                    filters=filters_to_state(filters) if filters is not None else {},
                    skus=[p.sku for p in reply.shown],
                    answered=reply.answered,
                    top_score=answer.hits[0].score if answer.hits else None,
                    matched=request_matched(u, reply.shown),
                )
            except Exception:
                log.exception("insights recorder failed")

    async def request_handoff(
        self,
        inbound: Inbound,
        reason: str,
        lang: str,
        state: ChatState,
        shown: list[Product],
        turns: list[Turn],
        said: Turn | None = None,
    ) -> list[Outbound]:
        """Open a handoff; the state (and the customer's turn `said`, if any) are written in one go."""
        assert self.handoff is not None
        context = handoff_context(inbound, lang, turns, shown, inbound.text)
        out = await self.handoff.request(inbound, reason, context)
        await self.store.commit_async(
            inbound.chat_id,
            inbound.user_id,
            [said] if said is not None else [],
            replace(state, unanswered=0, language=lang),
        )
        if not any(o.chat_id == inbound.chat_id for o in out):  # the customer always gets one reply
            out = [self.reply(inbound, self.say("offer_human", lang)), *out]
        return out

    # -- built-in commands (/start /help /reset /human /profile /forget) and button callbacks --------
    def _register_commands(self) -> None:
        registry = self.commands
        registry.register(
            "start", self._cmd_start, roles=EVERYONE, zh="开始 / 能做什么", en="Start / what I can do"
        )
        registry.register("help", self._cmd_help, roles=EVERYONE, zh="帮助", en="Help")
        registry.register(
            "reset", self._cmd_reset, roles=EVERYONE, zh="清空对话上下文", en="Clear the conversation context"
        )
        registry.register("human", self._cmd_human, roles=EVERYONE, zh="转人工客服", en="Talk to a person")
        registry.register("profile", self._cmd_profile, roles=EVERYONE, zh="我的兴趣偏好", en="My interests")
        registry.register(
            "forget", self._cmd_forget, roles=EVERYONE, zh="删除我的记录", en="Delete my history"
        )

    async def _cmd_start(self, inbound: Inbound) -> list[Outbound]:
        lang = await self.language_for(inbound, inbound.command_args)
        buttons = tuple(Button(self.say(key, lang), data=f"q:{n}") for n, key in enumerate(EXAMPLES, 1))
        return [self.reply(inbound, self.say("start", lang), Reply("", buttons=buttons))]

    async def _cmd_help(self, inbound: Inbound) -> list[Outbound]:
        lang = await self.language_for(inbound, inbound.command_args)
        lines = "\n".join(f"/{c.name} — {c.description(lang)}" for c in self.commands.for_role(inbound.role))
        return [self.reply(inbound, self.say("help", lang, commands=lines))]

    async def _cmd_reset(self, inbound: Inbound) -> list[Outbound]:
        lang = await self.language_for(inbound, inbound.command_args)
        await asyncio.to_thread(self.store.reset, inbound.chat_id)
        if self.flow is not None:
            await self.flow.forget(inbound.chat_id, inbound.user_id)
        return [self.reply(inbound, self.say("reset_done", lang))]

    async def _cmd_human(self, inbound: Inbound) -> list[Outbound]:
        lang = await self.language_for(inbound, inbound.command_args)
        if self.handoff is None:
            return [
                self.reply(inbound, self.say("human_no_gate", lang, contact=self.answerer.contact_text(lang)))
            ]
        memory, shown = await self._recall(inbound.chat_id, inbound.user_id)
        return await self.request_handoff(inbound, "requested", lang, memory.state, shown, list(memory.turns))

    async def _cmd_profile(self, inbound: Inbound) -> list[Outbound]:
        lang = await self.language_for(inbound, inbound.command_args)
        top = await asyncio.to_thread(self.profile.top, inbound.user_id, 8)
        if not top:
            return [self.reply(inbound, self.say("profile_empty", lang))]
        return [
            self.reply(
                inbound,
                self.say(
                    "profile",
                    lang,
                    keywords=self.composer.phrases(lang).join([k for k, _ in top]),
                ),
            )
        ]

    async def _cmd_forget(self, inbound: Inbound) -> list[Outbound]:
        lang = await self.language_for(inbound, inbound.command_args)
        removed = await asyncio.to_thread(self.store.forget_user, inbound.user_id)
        await asyncio.to_thread(self.store.reset, inbound.chat_id)
        if self.flow is not None:
            await self.flow.forget(inbound.chat_id, inbound.user_id)
        forget = getattr(self.recorder, "forget", None)  # insights rows (right to erasure, PIPL/GDPR)
        if callable(forget):
            try:
                removed += await asyncio.to_thread(forget, inbound.channel, inbound.user_id)
            except Exception:
                log.exception("could not erase insights rows")
        erased = await asyncio.to_thread(
            self.erasure.erase, inbound.channel, inbound.chat_id, inbound.user_id
        )
        removed += sum(max(0, n) for n in erased.values())
        forget_memos()  # raw text in the in-process redaction memos (not rows: not counted)
        forget_claim_memos()  # … and the claims extracted from replies and quoted messages
        return [self.reply(inbound, self.say("forget_done", lang, count=removed), None, **{ERASED: "chat"})]

    async def _on_callback(self, inbound: Inbound, progress: ReplyProgress | None) -> list[Outbound]:
        """Button presses: verify the data, then answer exactly once."""
        data = inbound.callback_data or ""
        prefix, _, value = data.partition(":")
        lang = await self.language_for(inbound)
        if prefix == "q" and value.isdigit() and 1 <= int(value) <= len(EXAMPLES):
            return await self.converse(inbound, self.say(EXAMPLES[int(value) - 1], lang), lang, progress)
        if prefix in ("d", "s") and value and fits_button(data):
            product = await asyncio.to_thread(self.index.get, value)
            if product is None:
                return [self.reply(inbound, self.say("product_gone", lang))]
            if prefix == "d":
                u = Understanding(
                    Intent.PRODUCT_QUESTION, product.title, targets=(product,), asks=frozenset({"details"})
                )
                reply = self.composer.answer([product], u, lang)
                state = await asyncio.to_thread(self.store.state, inbound.chat_id)
                dialogue = state.dialogue.about((product.sku,))
                await asyncio.to_thread(
                    self.store.save_state,
                    inbound.chat_id,
                    replace(state, focus_sku=product.sku, dialogue=dialogue),
                    inbound.user_id,
                )
                return [self.reply(inbound, reply.text, reply)]
            return await self._similar(inbound, product, lang)
        if self.flow is not None:
            handled = await self.flow.on_callback(inbound, lang)
            if handled is not None:
                return handled
        log.info("stale or forged callback data from user=%s: %r", inbound.user_id, data[:80])
        return [self.reply(inbound, self.say("callback_stale", lang))]

    async def _similar(self, inbound: Inbound, product: Product, lang: str) -> list[Outbound]:
        query = " ".join([product.title, *product.category_path[-1:], *product.tags[:2]])
        hits = await self.answerer.search(query, k=6)
        others = [h.product for h in hits if h.sku != product.sku][:4]
        if not others:
            return [self.reply(inbound, self.say("similar_none", lang, title=product.title))]
        u = Understanding(Intent.RECOMMENDATION, query, keywords=tuple(product.tags))
        reply = self.composer.recommend(others, u, lang)
        text = reply.text.replace(
            self.say("rec_intro", lang), self.say("similar_intro", lang, title=product.title), 1
        )
        state = await asyncio.to_thread(self.store.state, inbound.chat_id)
        await asyncio.to_thread(
            self.store.save_state,
            inbound.chat_id,
            replace(
                state,
                last_skus=tuple(p.sku for p in others),
                focus_sku="",
                dialogue=state.dialogue.shown_products(tuple(p.sku for p in others)),
            ),
            inbound.user_id,
        )
        return [self.reply(inbound, text, reply)]
