"""`OrderConversation`: "where is my order?" and after-sales requests as a guided dialogue inside the core.

Implements `bot.conversation.flows.ConversationFlow`. Per (chat, user) it keeps an `OrderDialogue` (what
they want, the order number, the reason, photos) and fills it across turns:

    want (status | return | exchange | refund | damaged | wrong | missing | cancel)
      → order number (given up front or asked) → proof (last 4 of the phone or the e-mail; never stored)
      → OrderDesk.verify → status answer                          (status)
                         → eligibility → reason → photos → request + handoff card   (after-sales)
      → FOLLOW: follow-ups about that order ("什么时候能到", "which carrier?", "不想要了") are answered from
        it, or start a request on it, until the customer talks about something else.

State-aware after-sales: an order with an open request gets that request's state, not a second one; a
refunded or cancelled order says so with its date and amount; "cancel" before shipment is a cancellation
request, after delivery a return (the policy's `cancellable_statuses` decides).

Security: nothing about an order is said before `OrderDesk` has a verified link for exactly this (chat,
user); a rejected proof and an unknown number get the same words; the verifier's lockout limits guesses.
Status answers pass the truth guard (`check_reply` with the verified order's facts) or are replaced by a
safe line. The shared chat memory keeps the customer's words with personal data redacted, proofs masked and no
order facts.
Agents decide requests with the card's buttons (`o:a:<id>` approve, `o:r:<id>` reject, `o:c:<id>` complete);
the customer is told each change of state.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from bot.conversation.flows import FlowHandoff, FlowReply, FlowTurn, FlowWithdrawal
from bot.conversation.grounding import GroundingFacts, check_reply
from bot.domain import telemetry
from bot.domain.messages import Button, Inbound, MessageRef, Outbound, Role
from bot.orders.aftersales import AfterSalesRequest, Notification, RequestStatus
from bot.orders.clock import Clock, system_clock
from bot.orders.desk import OrderDesk
from bot.orders.dialogue import STATUS, DialogueStore, OrderDialogue, Stage
from bot.orders.eligibility import QUALITY_KINDS, Decision, RequestKind, Verdict
from bot.orders.errors import InvalidTransition, OrderSourceUnavailable, RequestNotFound
from bot.orders.order import OrderStatus, normalise_order_number
from bot.orders.phrases import (
    ORDER_WORD_RX,
    RULE_QUESTION_RX,
    SHOPPING_RX,
    asks_other_orders,
    asks_private,
    asks_request_status,
    follow_up,
    gives_proof,
    is_cancel,
    is_done,
    is_request,
    mask_proofs,
    order_numbers,
    purpose_of,
    request_kind,
    says_opened,
    says_withdraw,
    single_token,
    switched_kind,
)
from bot.orders.replies import card_lines, day, follow_up_text, status_text, verdict_text
from bot.orders.verification import Outcome, Proof
from bot.orders.view import money_text
from bot.privacy.names import NAME, redact_names
from bot.privacy.redaction import redact_keeping_orders
from bot.prompts import Messages
from knowledge.models import Mention, PolicyDoc, Product
from knowledge.script import has_han

log = logging.getLogger(__name__)
CALLBACK_PREFIX = "o"
ORDER_INTENTS = frozenset({"order_status", "after_sales"})
_NOT_OURS = frozenset({"human", "injection", "greeting", "small_talk"})
_NEVER_OURS = frozenset({"human", "injection"})
_NO_ANSWER = frozenset(
    {"out_of_scope", "unknown"}
)  # what the core could only answer with "can't help"  # not even a dialogue's expected short answer
_SHOPPING = frozenset({"recommendation", "product_question", "comparison"})
_ACTIONS = {"a": "approve", "r": "reject", "c": "complete"}
_SHOWN = "[order details shown to the verified customer]"
_MAX_PHOTOS = 10
_MAX_LISTED = 5  # after-sales requests listed in a status answer
# Follow-ups that may reopen the talk about the order a customer verified earlier ("什么时候能到" later on).
_FRESH_FOLLOW_UPS = frozenset({"late", "eta", "where", "carrier"})


class EventSink(Protocol):
    """Where after-sales outcomes go for insights (`bot.insights.recorder.TurnRecorder` fits)."""

    def event(self, *, channel: str, chat_id: str, kind: str, value: str) -> None: ...


class OrderConversation:
    """The order flow over an `OrderDesk` (see the module docstring). `language_of(chat_id)` gives the
    customer's last language for notices sent on an agent's button; `support_language` is the card's."""

    def __init__(
        self,
        desk: OrderDesk,
        dialogues: DialogueStore,
        messages: Messages,
        *,
        support_language: str = "zh",
        language_of: Callable[[str], str] | None = None,
        events: EventSink | None = None,
        policies: Sequence[PolicyDoc] = (),
        products: Callable[[str], Product | None] | None = None,
        named: Callable[[str], Sequence[Mention]] | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.desk, self.dialogues, self.messages = desk, dialogues, messages
        self.support_language = "en" if support_language == "en" else "zh"
        self.language_of = language_of
        self.events = events
        self.policies = tuple(policies)  # evidence for the dispatch/delivery rules a reply quotes
        self.products = products  # the catalog, so item titles ("SPF50+", "A20i") are known words
        self.named = (
            named  # products a text names (`ProductIndex.find_mentions`): model numbers are no orders
        )
        self._clock = clock

    # -- the customer's side ----------------------------------------------------------------------------
    async def take(self, turn: FlowTurn) -> FlowReply | None:
        inbound = turn.inbound
        if inbound.role is Role.AGENT:
            return None
        now = self._clock().timestamp()
        chat, user = inbound.chat_id, inbound.user_id
        try:
            dialogue = await asyncio.to_thread(self.dialogues.get, chat, user, now)
            if dialogue is None:
                if asks_other_orders(turn.text) and turn.intent not in _NOT_OURS:
                    listed = await self._orders_list(turn)
                    if listed is not None:
                        return listed
                dialogue = await self._start(turn, now)
                if dialogue is None:
                    return await self._follow_up_later(turn, now)
                if dialogue.purpose == STATUS and not await self.desk.has_orders():
                    return None  # no orders to look up: the core answers from the shipping policy + a person
                return await self._advance(turn, dialogue, fresh=True)
            turn = replace(turn, lang=_language(turn, dialogue.lang))
            # the answer the bot asked for is not small talk: 「好了」 at the photo step, "ok the email is …"
            expected = turn.intent not in _NEVER_OURS and _answers(dialogue.stage, turn.text)
            if not expected and (turn.intent in _NOT_OURS or is_cancel(turn.text)):
                await asyncio.to_thread(self.dialogues.drop, chat, user)
                if turn.intent in _NOT_OURS:
                    return None
                text = self.messages.get("order_flow_cancelled", turn.lang)
                return self._reply(turn, text, purpose=dialogue.purpose)
            return await self._advance(turn, replace(dialogue, updated_at=now), fresh=False)
        except OrderSourceUnavailable as exc:
            log.warning("order conversation unavailable: %s", exc.reason)
            return self._reply(turn, self.messages.get("order_unavailable", turn.lang))

    def may_start(self, turn: FlowTurn) -> bool:
        if turn.inbound.role is Role.AGENT:
            return False
        return (
            self._opening(turn) is not None
            or self._later_follow_up(turn) is not None
            or asks_other_orders(turn.text)
        )

    def may_withdraw(self, turn: FlowTurn) -> bool:
        return turn.inbound.role is not Role.AGENT and says_withdraw(turn.text)

    async def withdraw(self, turn: FlowTurn) -> FlowWithdrawal | None:
        """Withdraw this (chat, user)'s latest request still waiting for review — of the kind the words name
        ("不换了": an exchange) when one is — and drop the dialogue; None when there is none (or an agent
        decided it meanwhile). The customer is told; the agents get `agent_text`."""
        inbound = turn.inbound
        service = self.desk.aftersales
        mine = [
            r
            for r in await service.queue(limit=1000)
            if r.chat_id == inbound.chat_id
            and r.user_id == inbound.user_id
            and r.status is RequestStatus.REQUESTED
        ]
        if not mine:
            return None
        kind = request_kind(turn.text)
        named = [r for r in mine if kind is not None and _same_want(r.kind, kind)]
        target = max(named or mine, key=lambda r: r.created_at)
        try:
            request, notice = await service.withdraw(target.id, by=inbound.user_name or inbound.user_id)
        except (InvalidTransition, RequestNotFound):
            return None
        await asyncio.to_thread(self.dialogues.drop, inbound.chat_id, inbound.user_id)
        self._event_for(request, "aftersales_outcome", f"{request.kind.value}:{request.status.value}")
        telemetry.count("aftersales_decision", status=request.status.value)
        agent = Notification(notice.chat_id, notice.user_id, "aftersales_withdrawn_agent", notice.values)
        return FlowWithdrawal(
            text=notice.render(self.messages, turn.lang),
            agent_text=agent.render(self.messages, self.support_language),
            intent="order_withdraw",
        )

    def _later_follow_up(self, turn: FlowTurn) -> str | None:
        """A delivery follow-up ("什么时候能到") that may be about an order verified earlier (no I/O)."""
        if not turn.text or turn.intent in _NOT_OURS or turn.intent in _SHOPPING:
            return None
        topic = follow_up(turn.text)
        return topic if topic in _FRESH_FOLLOW_UPS else None

    async def _follow_up_later(self, turn: FlowTurn, now: float) -> FlowReply | None:
        """ "什么时候能到" with no dialogue open: about the order this (chat, user) verified last, if any;
        else None (the core answers, e.g. from the shipping policy)."""
        if self._later_follow_up(turn) is None:
            return None
        number = await self._verified_default(turn.inbound.chat_id, turn.inbound.user_id)
        if not number:
            return None
        dialogue = OrderDialogue(STATUS, Stage.FOLLOW, now, order_number=number, lang=turn.lang)
        return await self._on_follow(turn, dialogue)

    async def _start(self, turn: FlowTurn, now: float) -> OrderDialogue | None:
        """A new dialogue when this message asks about an order; None leaves it to the core."""
        purpose = self._opening(turn)
        if purpose is None:
            return None
        return OrderDialogue(
            purpose,
            Stage.NUMBER,
            now,
            lang=turn.lang,
            opened=says_opened(turn.text),
            opened_words=turn.text if says_opened(turn.text) else "",
            reason=_described(turn.text),
        )

    def _order_numbers(self, text: str) -> list[str]:
        """`order_numbers(text)` without the catalog's model numbers: "Sony WH-1000XM5 几天到" names a product
        (a title of the catalog contains the token), so no order is looked up and no attempt is counted."""
        numbers = order_numbers(text)
        if not numbers or self.named is None or self.products is None:
            return numbers
        return [n for n in numbers if not self._is_model(n)]

    def _is_model(self, token: str) -> bool:
        named, lookup = self.named, self.products
        if named is None or lookup is None:
            return False
        key = normalise_order_number(token)
        for mention in named(token):
            product = lookup(mention.sku)
            if product is not None and key in normalise_order_number(f"{product.title} {product.sku}"):
                return True
        return False

    def _opening(self, turn: FlowTurn) -> str | None:
        """The purpose of a dialogue this message opens (STATUS or a request kind), or None."""
        text = turn.text
        if not text or turn.intent in _NEVER_OURS:
            return None
        # "你好，我叫欧阳娜娜，手机 139…" / "Hi, I'm Robert Paulson, phone …" introduces the customer with contact
        # details: no question about an order
        introduces = NAME in redact_names(text)
        if turn.intent in _NOT_OURS:  # "ok the email is a@x.com" after a detour is still a proof
            return STATUS if gives_proof(text) and not self._order_numbers(text) and not introduces else None
        purpose = purpose_of(text)
        if purpose is None and SHOPPING_RX.search(text):
            return None  # "跑鞋推荐一下，订单号 …": the product request is answered first
        numbers = self._order_numbers(text)
        if asks_other_orders(text) and not numbers:
            return STATUS  # "我所有的订单" before any proof: which order, and its proof, first
        if asks_request_status(text):
            return STATUS  # "我的换货申请到哪一步了": the order's answer lists its requests, no new one
        shopping = turn.intent in _SHOPPING  # "跑鞋推荐一下，订单号 …": a product request naming an order
        if purpose is None and not numbers and not shopping and not introduces and gives_proof(text):
            # "the email is a@x.com" after a detour: the open question for a proof, if any; a shopping question
            # that gives a phone number ("有没有500以内的跑鞋？我电话138…") is answered as one
            return STATUS
        about_order = (
            bool(numbers)
            and not shopping
            and (_has_proof(text, numbers) or ORDER_WORD_RX.search(text) is not None)
        )
        if purpose is None and (turn.intent == "order_status" or about_order):
            purpose = STATUS  # "XE7005 尾号7788" alone asks about that order
        if purpose is None:
            return None
        kind = request_kind(text)
        if kind is RequestKind.CANCEL and not numbers and SHOPPING_RX.search(text):
            return None  # "这款不想要了，推荐个别的": a product choice, not an order
        if kind is not None and not numbers and turn.intent != "order_status":
            # A question about the rules ("能退货吗", "耳机坏了怎么办") is the policy's to answer; a request
            # ("我要退货", "收到的锅是破的", with an order number) starts the dialogue.
            if not is_request(text):
                return None
        elif purpose == STATUS and turn.intent not in ORDER_INTENTS and not numbers and not _status_cue(text):
            return None
        return purpose

    async def _advance(self, turn: FlowTurn, dialogue: OrderDialogue, *, fresh: bool) -> FlowReply | None:
        inbound, text, lang = turn.inbound, turn.text, turn.lang
        chat, user = inbound.chat_id, inbound.user_id
        if not fresh and dialogue.stage in (Stage.NUMBER, Stage.PROOF):
            switched = purpose_of(text)
            if switched is not None and switched != dialogue.purpose:
                dialogue = replace(dialogue, purpose=switched)
        if dialogue.stage is Stage.FOLLOW:
            return await self._on_follow(turn, dialogue)
        if dialogue.stage is Stage.REASON:
            return await self._on_reason(turn, dialogue)
        if dialogue.stage is Stage.PHOTOS:
            return await self._on_photos(turn, dialogue)
        numbers = self._order_numbers(text)
        if not fresh and not numbers and dialogue.stage in (Stage.NUMBER, Stage.PROOF) and _asks_rule(text):
            # "涂层掉了能换吗" while the order number or its proof is awaited: the policy's rule for that defect
            # is the core's to answer; the open question stays (the number or proof can still come next)
            await self._save(chat, user, dialogue)
            return None
        if not numbers and dialogue.stage is Stage.NUMBER and not fresh:
            token = single_token(text)
            numbers = [token] if token else []
        number = numbers[0] if numbers else dialogue.order_number
        if not number:
            number = await self._verified_default(chat, user) if fresh else ""
        if not number:
            if not fresh and not _about_orders(text):
                await asyncio.to_thread(self.dialogues.drop, chat, user)
                return None  # the customer moved on to something else
            await self._save(chat, user, replace(dialogue, stage=Stage.NUMBER))
            return self._reply(turn, self._ask_number(dialogue, lang), purpose=dialogue.purpose, open=True)
        dialogue = replace(dialogue, order_number=normalise_order_number(number))
        if await self.desk.view(chat, user, dialogue.order_number) is not None:
            return await self._verified(turn, dialogue)
        proof_text = _without(text, numbers)
        if Proof.parse(proof_text) is None and Proof.find(proof_text) is None:
            moved_on = len(text) > 12 or turn.intent in _SHOPPING  # "第二个多少钱" is no proof
            if not fresh and not numbers and not _about_orders(text) and moved_on:
                # the question for the proof stays open (30 minutes), so "the email is …" after "is it
                # urgent?" still verifies this order; a real question (a product, a policy) is the core's
                await self._save(chat, user, replace(dialogue, stage=Stage.PROOF))
                if turn.intent in _NO_ANSWER:  # "please, just say yes or no": nothing before the proof
                    first = self.messages.get("order_flow_proof_first", lang, order_id=dialogue.order_number)
                    return self._reply(turn, first, purpose=dialogue.purpose, open=True)
                return None
            await self._save(chat, user, replace(dialogue, stage=Stage.PROOF))
            asked = self.messages.get("order_flow_ask_proof", lang, order_id=dialogue.order_number)
            return self._reply(turn, asked, purpose=dialogue.purpose, open=True)
        result = await self.desk.verify(chat, user, dialogue.order_number, proof_text)
        telemetry.count("order_flow", step=f"verify_{result.outcome.value}")
        if result.outcome is Outcome.VERIFIED:
            return await self._verified(turn, dialogue)
        if result.outcome is Outcome.LOCKED:
            await asyncio.to_thread(self.dialogues.drop, chat, user)
            text_out = self.messages.get(result.message_key, lang, retry_minutes=result.retry_minutes)
            return self._reply(turn, text_out, purpose=dialogue.purpose)
        if result.outcome is Outcome.REJECTED:
            dialogue = replace(dialogue, stage=Stage.PROOF, failures=dialogue.failures + 1)
        await self._save(chat, user, dialogue)
        return self._reply(
            turn, self.messages.get(result.message_key, lang), purpose=dialogue.purpose, open=True
        )

    async def _verified_default(self, chat: str, user: str) -> str:
        """The order (chat, user) verified most recently, when there is one (no need to ask again)."""
        keys = await self.desk.verifier.verified_keys(chat, user)
        return keys[0] if keys else ""

    async def _verified(self, turn: FlowTurn, dialogue: OrderDialogue) -> FlowReply:
        chat, user, lang = turn.inbound.chat_id, turn.inbound.user_id, turn.lang
        view = await self.desk.view(chat, user, dialogue.order_number)
        assert view is not None
        follow = replace(dialogue, stage=Stage.FOLLOW, reason="", photos=(), photo_refs=())
        if dialogue.purpose == STATUS:
            await self._save(chat, user, follow)
            text = status_text(self.messages, view, lang)
            text = await self._grounded(chat, user, text, view.order_id, lang)
            requests = await self._requests_text(chat, user, view.order_id, lang, always=False)
            text = "\n".join(filter(None, (text, requests)))
            telemetry.count("order_flow", step="status")
            return self._reply(turn, text, shown=True, purpose=dialogue.purpose, open=True)
        kind = RequestKind(dialogue.purpose)
        prefix = ""
        if kind is RequestKind.CANCEL and view.status is OrderStatus.DELIVERED:
            # "不想要了" / "cancel" after delivery: too late to cancel; the return rules decide
            prefix = self.messages.get("order_flow_cancel_delivered", lang, order_id=view.order_id) + "\n"
            kind = RequestKind.RETURN
            dialogue = replace(dialogue, purpose=kind.value)
            follow = replace(follow, purpose=kind.value)
        terms = self.desk.terms.returns
        cancellable = terms is not None and view.status.value in terms.cancellable_statuses
        if kind is RequestKind.REFUND and view.status is OrderStatus.PAID and cancellable:
            # "我要退款" before shipment: the policy's cancellation (payment back), not a case for review
            prefix = self.messages.get("order_flow_refund_is_cancel", lang) + "\n"
            kind = RequestKind.CANCEL
            dialogue = replace(dialogue, purpose=kind.value)
            follow = replace(follow, purpose=kind.value)
        pending = [
            r
            for r in await self.desk.open_requests(chat, user, dialogue.order_number)
            if _same_want(r.kind, kind)
        ]
        if pending:  # one request per want and order: say where the open one stands instead of a second
            await self._save(chat, user, follow)
            telemetry.count("order_flow", step="request_already_open")
            text = self._open_request_text(pending[-1], view.order_id, lang)
            return self._reply(turn, text, shown=True, purpose=dialogue.purpose, open=True)
        opened = True if dialogue.opened else None
        verdict = await self.desk.eligibility(
            chat, user, dialogue.order_number, kind, opened=opened, opened_words=dialogue.opened_words
        )
        assert verdict is not None
        text = prefix + verdict_text(self.messages, view, verdict, lang)
        title = self._policy_title("returns", lang)
        if title:
            text += self.messages.get("order_flow_policy_ref", lang, policy=title)
        warranty = self._policy_title("warranty", lang)
        if verdict.rule == "window_passed" and kind in QUALITY_KINDS and warranty:
            text += "\n" + self.messages.get("order_flow_warranty_hint", lang, policy=warranty)
        if verdict.decision is Decision.NOT_ELIGIBLE:  # follow-ups, or another order number for the same want
            await self._save(chat, user, follow)
            self._event(turn.inbound, "aftersales_refused", f"{kind.value}:{verdict.rule}")
        else:
            await self._save(chat, user, replace(dialogue, stage=Stage.REASON))
        text = await self._grounded(chat, user, text, view.order_id, lang, (verdict,))
        return self._reply(turn, text, shown=True, purpose=dialogue.purpose, open=True)

    async def _on_reason(self, turn: FlowTurn, dialogue: OrderDialogue) -> FlowReply:
        chat, user, lang = turn.inbound.chat_id, turn.inbound.user_id, turn.lang
        dialogue = _with_photo(dialogue, turn.inbound)
        if not turn.text:
            await self._save(chat, user, dialogue)
            return self._reply(
                turn, self.messages.get("order_flow_photo_not_now", lang), purpose=dialogue.purpose, open=True
            )
        switched = switched_kind(turn.text)
        if switched is not None and switched.value != dialogue.purpose:
            # "I want to cancel it" at the reason step of a refund: the rules decide the new want instead
            return await self._verified(turn, replace(dialogue, purpose=switched.value, stage=Stage.FOLLOW))
        said = turn.text if not dialogue.reason else f"{dialogue.reason} / {turn.text}"
        dialogue = replace(dialogue, reason=said[:500])
        if RequestKind(dialogue.purpose) in QUALITY_KINDS:
            await self._save(chat, user, replace(dialogue, stage=Stage.PHOTOS))
            return self._reply(
                turn, self.messages.get("order_flow_ask_photos", lang), purpose=dialogue.purpose, open=True
            )
        return await self._open_request(turn, dialogue)

    async def _on_photos(self, turn: FlowTurn, dialogue: OrderDialogue) -> FlowReply:
        chat, user, lang = turn.inbound.chat_id, turn.inbound.user_id, turn.lang
        before = len(dialogue.photos)
        dialogue = _with_photo(dialogue, turn.inbound)
        if turn.text and is_done(turn.text):
            return await self._open_request(turn, dialogue)
        if turn.text and len(dialogue.photos) == before:
            dialogue = replace(dialogue, reason=(dialogue.reason + " / " + turn.text)[:500])
        await self._save(chat, user, dialogue)
        if len(dialogue.photos) > before:
            count = len(dialogue.photos)
            return self._reply(
                turn,
                self.messages.get("order_flow_photo_received", lang, count=count),
                purpose=dialogue.purpose,
                open=True,
            )
        return self._reply(
            turn, self.messages.get("order_flow_ask_photos", lang), purpose=dialogue.purpose, open=True
        )

    async def _open_request(self, turn: FlowTurn, dialogue: OrderDialogue) -> FlowReply:
        inbound, lang = turn.inbound, turn.lang
        chat, user = inbound.chat_id, inbound.user_id
        kind = RequestKind(dialogue.purpose)
        opened = await self.desk.request(
            chat,
            user,
            dialogue.order_number,
            kind,
            reason=dialogue.reason,
            photos=dialogue.photos,
            opened=True if dialogue.opened else None,
            opened_words=dialogue.opened_words,
        )
        view = await self.desk.view(chat, user, dialogue.order_number)
        if opened is None or view is None:  # the link expired while the customer was typing
            await asyncio.to_thread(self.dialogues.drop, chat, user)
            return self._reply(turn, self.messages.get("order_ask_proof", lang), purpose=dialogue.purpose)
        await self._save(
            chat, user, replace(dialogue, stage=Stage.FOLLOW, reason="", photos=(), photo_refs=())
        )
        request, notice, verdict = opened
        self._event(inbound, "aftersales", kind.value)
        telemetry.count("aftersales_request", kind=kind.value, verdict=verdict.decision.value)
        note = await self.desk.agent_note(chat, user, dialogue.order_number)
        lines = card_lines(self.messages, request, view, verdict, self.support_language, note)
        handoff = FlowHandoff(
            reason="aftersales",
            summary=lines[0],
            card_lines=lines,
            buttons=self._decision_buttons(request),
            copies=tuple(ref for ref in (_ref(text) for text in dialogue.photo_refs) if ref is not None),
        )
        return self._reply(
            turn,
            notice.render(self.messages, lang),
            shown=True,
            handoff=handoff,
            purpose=dialogue.purpose,
            open=True,
        )

    async def _on_follow(self, turn: FlowTurn, dialogue: OrderDialogue) -> FlowReply | None:
        """A message after an answer about the verified order: another order number starts over with it; an
        after-sales want is checked on this order; a follow-up question is answered from it; anything else
        ends the dialogue (None: the core answers)."""
        chat, user, text, lang = turn.inbound.chat_id, turn.inbound.user_id, turn.text, turn.lang
        numbers = [n for n in self._order_numbers(text) if normalise_order_number(n) != dialogue.order_number]
        if numbers:
            purpose = purpose_of(text) or dialogue.purpose
            again = OrderDialogue(  # this message's
                purpose, Stage.NUMBER, dialogue.updated_at, lang=lang, reason=_described(text)
            )
            said = says_opened(text)
            again = replace(again, opened=said, opened_words=text if said else "")
            return await self._advance(turn, again, fresh=False)
        view = await self.desk.view(chat, user, dialogue.order_number)
        if view is not None and asks_other_orders(text):
            await self._save(chat, user, dialogue)
            listed = await self._orders_list(turn, keep_open=True)
            assert listed is not None  # this order is verified, so the list holds it at least
            return listed
        if view is not None and asks_request_status(text):
            await self._save(chat, user, dialogue)
            telemetry.count("order_flow", step="follow_up_requests")
            text_out = await self._requests_text(chat, user, view.order_id, lang, always=True)
            return self._reply(turn, text_out, purpose=STATUS, open=True)
        kind = request_kind(text)
        if kind is not None and follow_up(text) == "why":
            kind = None  # "为什么退款了": a question about the refund, not a request for one
        if view is not None and kind is None and asks_private(text):
            await self._save(chat, user, dialogue)
            telemetry.count("order_flow", step="follow_up_private")
            text_out = self.messages.get("order_flow_private", lang)
            return self._reply(turn, text_out, purpose=STATUS, open=True)
        topic = follow_up(text) if kind is None else None
        if topic is None and kind is None and purpose_of(text) == STATUS:
            topic = "where"
        if view is None or (kind is None and topic is None):
            await asyncio.to_thread(self.dialogues.drop, chat, user)
            return None  # the link ended, or the customer moved on
        if kind is not None:
            said = says_opened(text)
            words = text if said else dialogue.opened_words
            opened = dialogue.opened or said
            wanted = replace(
                dialogue, purpose=kind.value, opened=opened, opened_words=words, reason=_described(text)
            )
            return await self._verified(turn, wanted)
        assert topic is not None
        await self._save(chat, user, dialogue)
        answer = follow_up_text(self.messages, view, topic, lang)
        answer = await self._grounded(chat, user, answer, view.order_id, lang)
        telemetry.count("order_flow", step=f"follow_up_{topic}")
        return self._reply(turn, answer, shown=True, purpose=STATUS, open=True)

    async def _orders_list(self, turn: FlowTurn, *, keep_open: bool = False) -> FlowReply | None:
        """The verified customer's recent orders (same phone and e-mail as the one they proved), newest first;
        None when (chat, user) has verified nothing."""
        chat, user, lang = turn.inbound.chat_id, turn.inbound.user_id, turn.lang
        views = await self.desk.recent(chat, user)
        if not views:
            return None
        get = self.messages.get
        lines = [get("order_flow_orders_header", lang)]
        for view in views:
            status = get(f"order_status_{view.status.value}", lang)
            total = money_text(view.total, view.currency)
            placed = day(view.placed_at)
            lines.append(
                get(
                    "order_flow_orders_line",
                    lang,
                    order_id=view.order_id,
                    status=status,
                    total=total,
                    placed=placed,
                )
            )
        lines.append(get("order_flow_orders_footer", lang))
        text = await self._grounded(chat, user, "\n".join(lines), views[0].order_id, lang)
        telemetry.count("order_flow", step="orders_list")
        return self._reply(turn, text, shown=True, purpose=STATUS, open=keep_open)

    async def _requests_text(self, chat: str, user: str, order_id: str, lang: str, *, always: bool) -> str:
        """The verified order's after-sales requests and where each stands (newest last); with none, "no
        requests" when `always`, else ""."""
        get = self.messages.get
        requests = await self.desk.requests(chat, user, order_id)
        if not requests:
            return get("order_flow_requests_none", lang, order_id=order_id) if always else ""
        lines = [get("order_flow_requests_header", lang, order_id=order_id)]
        for request in requests[-_MAX_LISTED:]:
            status = get(f"aftersales_status_{request.status.value}", lang)
            kind = get(f"aftersales_kind_{request.kind.value}", lang)
            lines.append(
                get("order_flow_request_line", lang, request_id=request.id[:8], kind=kind, status=status)
            )
        return "\n".join(lines)

    def _open_request_text(self, request: AfterSalesRequest, order_id: str, lang: str) -> str:
        get = self.messages.get
        return get(
            "order_flow_request_open",
            lang,
            order_id=order_id,
            kind=get(f"aftersales_kind_{request.kind.value}", lang),
            request_id=request.id[:8],
            status=get(f"aftersales_status_{request.status.value}", lang),
        )

    async def _grounded(
        self, chat: str, user: str, text: str, order_id: str, lang: str, verdicts: tuple[Verdict, ...] = ()
    ) -> str:
        """`text` when every claim in it is a fact of the verified orders; else a safe line (logged)."""
        facts = await self.desk.facts(chat, user, verdicts)
        lookup = self.products
        items = tuple(p for sku in sorted(facts.skus) if lookup and (p := lookup(sku)) is not None)
        grounding = GroundingFacts(products=items, policies=self.policies, order=facts, focus=())
        violations = await asyncio.to_thread(check_reply, text, grounding)
        if not violations:
            return text
        log.warning("order reply not grounded (%s); sent the safe line", [v.kind for v in violations][:5])
        telemetry.count("order_flow", step="ungrounded")
        return self.messages.get("order_flow_unsafe", lang, order_id=order_id)

    # -- the agents' side -------------------------------------------------------------------------------
    async def on_callback(self, inbound: Inbound, lang: str) -> list[Outbound] | None:
        parts = (inbound.callback_data or "").split(":")
        if len(parts) != 3 or parts[0] != CALLBACK_PREFIX or parts[1] not in _ACTIONS:
            return None
        if inbound.role not in (Role.AGENT, Role.STAFF):  # a customer pressing a card's button: told why not
            log.warning("after-sales button refused: user=%s role=%s", inbound.user_id, inbound.role)
            return [self._agent_note(inbound, self.messages.get("aftersales_refused", lang))]
        return await self.decide(inbound, _ACTIONS[parts[1]], parts[2])

    async def decide(self, inbound: Inbound, action: str, request_ref: str, note: str = "") -> list[Outbound]:
        """An agent's decision — `action` approve | reject | complete — on the request whose id is (or starts
        with, ≥ 6 characters, as the card shows it) `request_ref`; `note` goes to the customer with it.
        Returns the agent's confirmation (with a "complete" button after an approval) and the customer's
        notice; an unknown or ambiguous id, or a move the state machine forbids, gets a note instead.
        Callers check the role (the card's buttons above, the `/approve` `/reject` `/complete` commands)."""
        lang = self.support_language
        service = self.desk.aftersales
        request_id = await self._resolve_request(request_ref)
        if request_id is None:
            return [self._agent_note(inbound, self.messages.get("aftersales_not_found", lang))]
        move = {"approve": service.approve, "reject": service.reject, "complete": service.complete}[action]
        agent = inbound.user_name or inbound.user_id
        try:
            request, notice = await move(request_id, by=agent, note=note)
        except InvalidTransition:
            return [self._agent_note(inbound, self.messages.get("aftersales_invalid_transition", lang))]
        except RequestNotFound:
            return [self._agent_note(inbound, self.messages.get("aftersales_not_found", lang))]
        self._event_for(request, "aftersales_outcome", f"{request.kind.value}:{request.status.value}")
        telemetry.count("aftersales_decision", status=request.status.value)
        status = self.messages.get(f"aftersales_status_{request.status.value}", lang)
        done = self.messages.get(
            "aftersales_agent_done", lang, request_id=request.id[:8], status=status, agent=agent
        )
        buttons: tuple[Button, ...] = ()
        if request.status.value == "approved":
            buttons = (
                Button(self.messages.get("aftersales_button_complete", lang), data=f"o:c:{request.id}"),
            )
        return [
            Outbound(
                chat_id=inbound.chat_id,
                text=done,
                buttons=buttons,
                thread_id=inbound.thread_id,
                kind="notice",
            ),
            await self._tell_customer(notice),
        ]

    async def _resolve_request(self, ref: str) -> str | None:
        """The full id of the request `ref` names: itself when stored, else the one open request whose id
        starts with it (the cards show 8 characters); None when unknown or ambiguous."""
        ref = ref.strip().lower()
        if not ref:
            return None
        service = self.desk.aftersales
        if await asyncio.to_thread(service.store.get, ref) is not None:
            return ref
        if len(ref) < 6:
            return None
        matches = [r.id for r in await service.queue(limit=1000) if r.id.startswith(ref)]
        return matches[0] if len(matches) == 1 else None

    async def _tell_customer(self, notice: Notification) -> Outbound:
        lang = "zh"
        if self.language_of is not None:
            lang = await asyncio.to_thread(self.language_of, notice.chat_id)
        return Outbound(chat_id=notice.chat_id, text=notice.render(self.messages, lang), kind="notice")

    def _decision_buttons(self, request: AfterSalesRequest) -> tuple[Button, ...]:
        get, lang = self.messages.get, self.support_language
        return (
            Button(get("aftersales_button_approve", lang), data=f"o:a:{request.id}"),
            Button(get("aftersales_button_reject", lang), data=f"o:r:{request.id}"),
        )

    async def forget(self, chat_id: str, user_id: str) -> None:
        await asyncio.to_thread(self.dialogues.drop, chat_id, user_id)
        await self.desk.verifier.forget(chat_id, user_id)

    # -- helpers ----------------------------------------------------------------------------------------
    def _ask_number(self, dialogue: OrderDialogue, lang: str) -> str:
        """Which order? For damaged / wrong / missing items with the returns policy's figures (from its front
        matter) and a human offered, since the customer is upset before anything is checked."""
        if dialogue.purpose == STATUS:
            return self.messages.get("order_flow_ask_number", lang)
        terms = self.desk.terms.returns
        title = self._policy_title("returns", lang)
        if RequestKind(dialogue.purpose) in QUALITY_KINDS and terms is not None and title:
            return self.messages.get(
                "order_flow_ask_number_quality",
                lang,
                policy=title,
                days=terms.quality_window_days,
                hours=terms.damage_report_hours or 48,
            )
        return self.messages.get(
            "order_flow_ask_number_request", lang, kind=self._kind(dialogue.purpose, lang)
        )

    def _policy_title(self, topic: str, lang: str) -> str:
        doc = next((d for d in self.policies if d.topic == topic), None)
        if doc is None:
            return ""
        english = {"returns": "returns and exchanges", "shipping": "shipping", "warranty": "warranty"}
        return english.get(topic, topic) if lang == "en" else doc.title

    def _kind(self, purpose: str, lang: str) -> str:
        return "" if purpose == STATUS else self.messages.get(f"aftersales_kind_{purpose}", lang)

    async def _save(self, chat: str, user: str, dialogue: OrderDialogue) -> None:
        await asyncio.to_thread(self.dialogues.put, chat, user, dialogue)

    def _reply(
        self,
        turn: FlowTurn,
        text: str,
        *,
        shown: bool = False,
        handoff: FlowHandoff | None = None,
        purpose: str | None = None,
        open: bool = False,
    ) -> FlowReply:
        purpose = purpose or purpose_of(turn.text)
        intent = "order_status" if purpose in (None, STATUS) else "after_sales"
        return FlowReply(
            text=text,
            intent=turn.intent if turn.intent in ORDER_INTENTS else intent,
            # personal data redacted first (an address's digits masked as proofs would hide it from redaction)
            memory_text=mask_proofs(redact_keeping_orders(turn.text)) if turn.text else "[photo]",
            remembered_reply=_SHOWN if shown else text,
            handoff=handoff,
            open=open,
        )

    def _agent_note(self, inbound: Inbound, text: str) -> Outbound:
        return Outbound(chat_id=inbound.chat_id, text=text, thread_id=inbound.thread_id, kind="notice")

    def _event(self, inbound: Inbound, kind: str, value: str) -> None:
        if self.events is not None:
            self.events.event(channel=inbound.channel, chat_id=inbound.chat_id, kind=kind, value=value)

    def _event_for(self, request: AfterSalesRequest, kind: str, value: str) -> None:
        if self.events is not None:
            channel = request.chat_id.split(":", 1)[0] if ":" in request.chat_id else "telegram"
            self.events.event(channel=channel, chat_id=request.chat_id, kind=kind, value=value)


def _same_want(a: RequestKind, b: RequestKind) -> bool:
    """Two requests that settle the same thing: the same kind, or both about giving the goods or the money
    back (return, exchange, refund, cancel); a damaged/wrong/missing claim is its own matter."""
    return a is b or (a not in QUALITY_KINDS and b not in QUALITY_KINDS)


def _described(text: str) -> str:
    """What a damaged / wrong / missing claim already says about the problem ("手环坏了，开不了机"), kept as the
    start of the request's reason for the agent (order numbers dropped, proofs masked); "" for other messages."""
    if request_kind(text) not in QUALITY_KINDS:
        return ""
    rest = " ".join(_without(mask_proofs(text), order_numbers(text)).split())
    return rest.strip(" ,，。.")[:200]


def _answers(stage: Stage, text: str) -> bool:
    """True when `text` is what the dialogue's open question asked for (a proof, or "done" after photos)."""
    if stage is Stage.PHOTOS:
        return is_done(text)
    if stage is Stage.PROOF:
        return gives_proof(text) or Proof.parse(text) is not None
    return False


def _has_proof(text: str, numbers: list[str]) -> bool:
    rest = _without(text, numbers)
    return Proof.parse(rest) is not None or Proof.find(rest) is not None


def _language(turn: FlowTurn, started: str) -> str:
    """The turn's language, or the dialogue's when the message is only a number, a proof or an e-mail."""
    rest = _without(mask_proofs(turn.text), order_numbers(turn.text))
    if (
        not started
        or has_han(rest)
        or len(re.findall(r"[A-Za-z]{2,}", rest.replace("[email]", "").replace("[digits]", ""))) >= 2
    ):
        return turn.lang
    return started


def _status_cue(text: str) -> bool:
    """Without the core's ORDER_STATUS intent, only clear "where is my parcel" wording starts a dialogue."""
    return purpose_of(text) == STATUS


def _asks_rule(text: str) -> bool:
    """True when `text` asks what the rules say about a defect it names ("涂层掉了能换吗", "生锈算质量问题吗"),
    not for something to be done and with no proof in it."""
    purpose = purpose_of(text)
    return (
        purpose is not None
        and purpose != STATUS
        and RULE_QUESTION_RX.search(text.strip()) is not None
        and not is_request(text)
        and not gives_proof(text)
    )


def _about_orders(text: str) -> bool:
    return purpose_of(text) is not None or bool(order_numbers(text)) or is_done(text)


def _without(text: str, numbers: list[str]) -> str:
    """The message without its order-number tokens (so their digits are never read as a proof)."""
    out = text
    for number in numbers:
        out = out.replace(number, " ").replace("#" + number, " ")
    return out


def _with_photo(dialogue: OrderDialogue, inbound: Inbound) -> OrderDialogue:
    attachment = inbound.attachment
    if attachment is None or attachment.kind != "photo" or len(dialogue.photos) >= _MAX_PHOTOS:
        return dialogue
    ref = inbound.ref
    refs = dialogue.photo_refs
    if ref is not None:
        refs = (*refs, "/".join((ref.chat_id, ref.message_id, ref.thread_id or "")))
    return replace(dialogue, photos=(*dialogue.photos, attachment.file_id or "photo"), photo_refs=refs)


def _ref(text: str) -> MessageRef | None:
    parts = text.split("/")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return None
    return MessageRef(parts[0], parts[1], parts[2] or None)
