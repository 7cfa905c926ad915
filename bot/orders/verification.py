"""`OrderVerifier`: nothing about an order is revealed until the customer proves it is theirs.

Proof is the order number plus either the last 4 digits of the order's phone (or the whole phone) or the
order's whole e-mail (case-insensitive, NFKC: full-width digits and `＠` accepted), given alone or inside a
sentence ("手机尾号7788", "my email is …"; a sentence with two candidate proofs is asked again). Security properties, each
tested in tests/test_order_verification.py:

- no enumeration: an unknown order number and a wrong proof give the same `REJECTED` result, count the same
  failures (per user and per order number, known or not) and run the same comparisons;
- lockout: after `max_failures` failures within `window_s` by a customer (any numbers), further attempts by
  that customer are `LOCKED` (with the wait) without looking anything up; an order number failed by many
  customers is locked for everyone only after `max_failures × SHARED_FAILURES_FACTOR` failures within the
  window (distributed guessing stays capped, and one customer's mistakes — or a product model read as a
  number — never lock another customer out); attempts are reserved before the proof is checked, so
  parallel guesses cannot exceed the limits;
- scope: a success links the order to exactly (chat, user) until `ttl_s` has passed; another member of a
  group chat, or the same user in another chat, is not verified;
- privacy: logs carry only the outcome and an opaque user hash; metrics count `order_verification` events by
  outcome.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.domain import telemetry
from bot.orders.clock import Clock, system_clock
from bot.orders.contact import CustomerContact, is_valid_email, normalise_text, phone_digits
from bot.orders.errors import OrderSourceUnavailable
from bot.orders.order import Order, normalise_order_number
from bot.orders.source import OrderSource
from bot.orders.verification_store import VerificationStore, VerifiedLink, attempt_key

log = logging.getLogger(__name__)

SHARED_FAILURES_FACTOR = 4  # an order number's cap across customers, in multiples of one customer's

_PHONE_TEXT = re.compile(r"[\d\s+\-().]+")
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_DIGITS_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])\+?\d(?:[\d \-]*\d)?(?![A-Za-z0-9])")
_DECOY = CustomerContact(phone="00000000000", email="nobody@invalid.invalid")


class ProofKind(StrEnum):
    LAST_DIGITS = "last_digits"
    PHONE = "phone"
    EMAIL = "email"


@dataclass(frozen=True, repr=False)
class Proof:
    """What the customer offered as proof; never rendered (it is personal data)."""

    kind: ProofKind
    value: str

    def __repr__(self) -> str:
        return f"Proof({self.kind.value})"

    @classmethod
    def parse(cls, text: str) -> Proof | None:
        """'1234' / '１２３４' → last digits; '138 0000 1234' → phone; 'A＠x.com' → e-mail; anything else None."""
        cleaned = normalise_text(text)
        if not cleaned:
            return None
        if "@" in cleaned:
            return cls(ProofKind.EMAIL, cleaned) if is_valid_email(cleaned) and " " not in cleaned else None
        if not _PHONE_TEXT.fullmatch(cleaned):
            return None  # words mixed with digits are not a proof (the conversation extracts the token)
        digits = phone_digits(cleaned)
        if len(digits) == 4:
            return cls(ProofKind.LAST_DIGITS, digits)
        if len(digits) >= 7:
            return cls(ProofKind.PHONE, digits)
        return None

    @classmethod
    def find(cls, text: str) -> Proof | None:
        """The one proof inside a customer's sentence ("手机尾号7788", "后四位是 3579", "my email is a@x.com"),
        or None when there is none or more than one. Digits touching letters (an order number such as
        XE20261104004) are not a proof."""
        cleaned = normalise_text(text)
        emails = _EMAIL_IN_TEXT.findall(cleaned)
        if emails:
            return cls(ProofKind.EMAIL, emails[0]) if len(set(emails)) == 1 else None
        found = [proof for run in _DIGITS_IN_TEXT.findall(cleaned) if (proof := cls.parse(run)) is not None]
        return found[0] if len(found) == 1 else None

    def matches(self, contact: CustomerContact) -> bool:
        if self.kind is ProofKind.EMAIL:
            return contact.matches_email(self.value)
        if self.kind is ProofKind.PHONE:
            return contact.matches_phone(self.value)
        return contact.matches_last_digits(self.value)


class Outcome(StrEnum):
    VERIFIED = "verified"
    REJECTED = "rejected"  # unknown order number or wrong proof: deliberately indistinguishable
    LOCKED = "locked"
    NEED_ORDER_NUMBER = "need_order_number"
    NEED_PROOF = "need_proof"
    UNAVAILABLE = "unavailable"  # the order source could not answer; not counted against the customer


_MESSAGE_KEYS = {
    Outcome.VERIFIED: "order_verified",
    Outcome.REJECTED: "order_verify_failed",
    Outcome.LOCKED: "order_verify_locked",
    Outcome.NEED_ORDER_NUMBER: "order_ask_number",
    Outcome.NEED_PROOF: "order_ask_proof",
    Outcome.UNAVAILABLE: "order_unavailable",
}


@dataclass(frozen=True)
class VerificationResult:
    """The outcome for the customer; `order_number` only when VERIFIED, `retry_after_s` only when LOCKED."""

    outcome: Outcome
    order_number: str = ""
    retry_after_s: float = 0.0

    @property
    def verified(self) -> bool:
        return self.outcome is Outcome.VERIFIED

    @property
    def message_key(self) -> str:
        """The messages.yaml key that answers the customer (`retry_minutes` is the value LOCKED needs)."""
        return _MESSAGE_KEYS[self.outcome]

    @property
    def retry_minutes(self) -> int:
        return max(1, -(-int(self.retry_after_s) // 60)) if self.retry_after_s else 0


@dataclass(frozen=True)
class VerificationPolicy:
    """Lockout and link lifetime (XIAOER_ORDER_VERIFY_MAX_FAILURES / _WINDOW / _TTL)."""

    max_failures: int = 5
    window_s: float = 900.0
    ttl_s: float = 3600.0

    def __post_init__(self) -> None:
        if self.max_failures < 1 or self.window_s <= 0 or self.ttl_s <= 0:
            raise ValueError("verification needs max_failures >= 1, window_s > 0 and ttl_s > 0")


class OrderVerifier:
    """Proves ownership of orders and remembers it per (chat, user) for a while."""

    def __init__(
        self,
        source: OrderSource,
        store: VerificationStore,
        policy: VerificationPolicy | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.source = source
        self.store = store
        self.policy = policy or VerificationPolicy()
        self._clock = clock

    async def verify(self, chat_id: str, user_id: str, order_number: str, proof: str) -> VerificationResult:
        """Check `proof` for `order_number` on behalf of (chat, user); see the module docstring for the rules."""
        key = normalise_order_number(order_number)
        if not key:
            return VerificationResult(Outcome.NEED_ORDER_NUMBER)
        parsed = Proof.parse(proof) or Proof.find(proof)
        if parsed is None:
            return VerificationResult(Outcome.NEED_PROOF)
        user_key = attempt_key("user", user_id)
        try:
            return await self._check(chat_id, user_id, key, parsed, user_key)
        except (
            OrderSourceUnavailable
        ) as exc:  # fail closed: nothing verified, nothing held against the customer
            log.warning("order verification unavailable: %s (user %s)", exc.reason, user_key[:10])
            self._record(Outcome.UNAVAILABLE, user_key)
            return VerificationResult(Outcome.UNAVAILABLE)

    async def _check(
        self, chat_id: str, user_id: str, key: str, proof: Proof, user_key: str
    ) -> VerificationResult:
        now = self._clock().timestamp()
        ticket = await asyncio.to_thread(
            self.store.try_attempt,
            [user_key],
            now,
            self.policy.window_s,
            self.policy.max_failures,
        )
        if not ticket.allowed:
            self._record(Outcome.LOCKED, user_key)
            return VerificationResult(Outcome.LOCKED, retry_after_s=ticket.retry_after_s)
        shared = await asyncio.to_thread(  # the number's own cap, across customers: distributed guessing
            self.store.try_attempt,
            [attempt_key("order", key)],
            now,
            self.policy.window_s,
            self.policy.max_failures * SHARED_FAILURES_FACTOR,
        )
        if not shared.allowed:
            await asyncio.to_thread(self.store.clear_attempt, ticket.ids)
            self._record(Outcome.LOCKED, user_key)
            return VerificationResult(Outcome.LOCKED, retry_after_s=shared.retry_after_s)
        ticket = replace(ticket, ids=(*ticket.ids, *shared.ids))
        try:
            order = await self.source.get(key)
        except OrderSourceUnavailable:
            await asyncio.to_thread(
                self.store.clear_attempt, ticket.ids
            )  # the platform failed, not the customer
            raise
        # The same comparison runs whether or not the order exists (a decoy contact stands in).
        matched = proof.matches(order.contact if order is not None else _DECOY) and order is not None
        if not matched or order is None:
            self._record(Outcome.REJECTED, user_key)
            return VerificationResult(Outcome.REJECTED)
        await asyncio.to_thread(self.store.clear_attempt, ticket.ids)
        link = VerifiedLink(chat_id, user_id, order.key, now, now + self.policy.ttl_s)
        await asyncio.to_thread(self.store.save_link, link)
        self._record(Outcome.VERIFIED, user_key)
        return VerificationResult(Outcome.VERIFIED, order_number=order.order_id)

    async def verified_order(self, chat_id: str, user_id: str, order_number: str) -> Order | None:
        """The order if (chat, user) verified it and the link has not expired; else None (reveal nothing)."""
        key = normalise_order_number(order_number)
        if key not in await self.verified_keys(chat_id, user_id):
            return None
        return await self.source.get(key)

    async def verified_keys(self, chat_id: str, user_id: str) -> list[str]:
        """Order keys (chat, user) may see now, most recently verified first."""
        now = self._clock().timestamp()
        links = await asyncio.to_thread(self.store.links, chat_id, user_id, now)
        return [link.order_key for link in links]

    async def link_same_contact(
        self, chat_id: str, user_id: str, anchor: Order, others: Sequence[Order]
    ) -> list[Order]:
        """Open to (chat, user) the `others` whose recorded phone and e-mail are exactly the verified `anchor`'s
        (any proof that holds for the anchor holds for them), until the anchor's link expires. Returns them;
        nothing when the anchor itself is not verified for (chat, user)."""
        now = self._clock().timestamp()
        links = await asyncio.to_thread(self.store.links, chat_id, user_id, now)
        anchor_link = next((link for link in links if link.order_key == anchor.key), None)
        if anchor_link is None:
            return []
        same = [
            order
            for order in others
            if order.contact.phone_key == anchor.contact.phone_key
            and order.contact.email_key == anchor.contact.email_key
        ]
        for order in same:
            if order.key != anchor.key:
                link = VerifiedLink(chat_id, user_id, order.key, now, anchor_link.expires_at)
                await asyncio.to_thread(self.store.save_link, link)
        return same

    async def forget(self, chat_id: str, user_id: str) -> int:
        """End every verification of (chat, user) (the conversation was reset or closed)."""
        return await asyncio.to_thread(self.store.drop_links, chat_id, user_id)

    def _record(self, outcome: Outcome, user_key: str) -> None:
        telemetry.count("order_verification", outcome=outcome.value)
        if outcome in (Outcome.REJECTED, Outcome.LOCKED):
            log.info("order verification %s (user %s)", outcome.value, user_key[:10])
