"""Gift requests that name no kind of product: "送女朋友生日礼物", "给我爸买个礼物，预算500", "gift for a runner".

A search for 礼物 finds nothing (no product is called a present) and would echo the words back. Instead the
recipient and the interests the message mentions (the words of `bot/prompts/gifts.yaml`) pick the catalog's own
products that fit — one per category, so the list spans kinds — and the catalog's gift products (tags or
descriptions saying 送礼/礼盒/gift) rank first. When nothing says who it is for and the catalog has no gift
products, the answer is one question with examples of the kinds the shop sells. Pure functions over plain values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.prompts import PROMPTS_DIR
from knowledge.gender import gender_of_value, genders_in_text
from knowledge.models import Product
from knowledge.resources import normalise_text
from knowledge.traditional import to_simplified
from knowledge.yaml_data import load_yaml

GIFTS_FILE = PROMPTS_DIR / "gifts.yaml"
MAX_PICKS = 5


@dataclass(frozen=True)
class Recipient:
    """Who a present is for: the message words naming them, their gender (女/男 or ''), what they may like."""

    words: tuple[str, ...]
    gender: str
    likes: tuple[str, ...]


@dataclass(frozen=True)
class GiftWords:
    """The vocabulary of `bot/prompts/gifts.yaml` (see its header)."""

    cues: tuple[re.Pattern[str], ...]
    occasion: frozenset[str]
    gift_words: tuple[str, ...]
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True)
class GiftRequest:
    """A gift request read from a message: who it is for (their genders and likes); empty = not said."""

    genders: frozenset[str]
    likes: tuple[str, ...]

    @property
    def vague(self) -> bool:
        """Nothing says who the present is for or what they like."""
        return not self.likes


@lru_cache(maxsize=2)
def load_gift_words(path: Path = GIFTS_FILE) -> GiftWords:
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    return GiftWords(
        cues=tuple(re.compile(str(rx), re.IGNORECASE) for rx in data.get("cues") or ()),
        occasion=frozenset(normalise_text(str(w)) for w in data.get("occasion") or ()),
        gift_words=tuple(normalise_text(str(w)) for w in data.get("gift_words") or ()),
        recipients=tuple(
            Recipient(
                tuple(normalise_text(str(w)) for w in r.get("words") or ()),
                str(r.get("gender") or ""),
                tuple(normalise_text(str(w)) for w in r.get("likes") or ()),
            )
            for r in data.get("recipients") or ()
        ),
    )


def _says(text: str, word: str) -> bool:
    """The word is in the text: a substring for Chinese, a whole word (plural too) for Latin letters."""
    if word.isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}s?(?![a-z])", text) is not None
    return word in text


def gift_request(text: str, words: GiftWords | None = None) -> GiftRequest | None:
    """The gift request in `text` (a cleaned, Simplified message or search text), or None when it asks for
    no present."""
    words = words or load_gift_words()
    norm = normalise_text(to_simplified(text)[0])
    if not any(rx.search(norm) for rx in words.cues):
        return None
    genders: set[str] = set()
    likes: list[str] = []
    for recipient in words.recipients:
        if any(_says(norm, w) for w in recipient.words):
            if recipient.gender:
                genders.add(recipient.gender)
            likes += recipient.likes
    return GiftRequest(frozenset(genders), tuple(dict.fromkeys(likes)))


def is_gift_word(word: str, words: GiftWords | None = None) -> bool:
    """True for a word that only says who or what occasion a present is for ("女朋友", "生日", "runner")."""
    words = words or load_gift_words()
    w = normalise_text(word)
    if w in words.occasion or any(rx.fullmatch(w) for rx in words.cues):
        return True
    return any(w in r.words or any(x in w for x in r.words if len(x) >= 2) for r in words.recipients)


def _text_of(product: Product) -> str:
    return normalise_text(to_simplified(" ".join([product.title, product.category, *product.tags]))[0])


def _for_other_gender(product: Product, genders: frozenset[str]) -> bool:
    """The product is for the other gender only (a men's tee for a girlfriend); unisex and unsaid pass."""
    if len(genders) != 1:
        return False
    wanted = {"女": "female", "男": "male"}.get(next(iter(genders)), "")
    own = {gender_of_value(v) for v in product.attributes.values()} - {None}
    own |= {g for g, _ in genders_in_text(normalise_text(product.title))}
    return bool(own) and wanted not in own and "unisex" not in own


def _made_for(product: Product, genders: frozenset[str]) -> int:
    """1 when the product's own gender attribute or title says it is for the recipient's gender."""
    wanted = {"女": "female", "男": "male"}.get(next(iter(genders)), "") if len(genders) == 1 else ""
    own = {gender_of_value(v) for v in product.attributes.values()} - {None}
    own |= {g for g, _ in genders_in_text(normalise_text(product.title))}
    return int(bool(wanted) and wanted in own)


def gift_picks(
    products: Sequence[Product], request: GiftRequest, words: GiftWords | None = None
) -> list[Product]:
    """Up to five products for the request: those matching more of the recipient's likes first, the
    catalog's gift products first among equals, in stock before out of stock, one per category (a second
    round fills the list when fewer categories fit). Vague requests: the catalog's gift products only."""
    words = words or load_gift_words()

    def score(product: Product) -> tuple[int, int]:
        text = _text_of(product)
        described = f"{text} {normalise_text(product.description)}"
        likes = sum(1 for w in request.likes if _says(text, w))
        gifty = int(any(w in described for w in words.gift_words))
        return likes, gifty

    scored = [(p, score(p)) for p in products if not _for_other_gender(p, request.genders)]
    fitting = [(p, s) for p, s in scored if (s[1] if request.vague else s[0])]
    if not fitting and request.genders:  # none of the usual likes in this shop: its own gift products and
        # products made for the recipient's gender (a shop of appliances has no 口红 for a girlfriend)
        fitting = [(p, (_made_for(p, request.genders), s[1])) for p, s in scored]
        fitting = [(p, s) for p, s in fitting if s[0] or s[1]]
    fitting.sort(key=lambda item: (-item[1][0], -item[1][1], not item[0].in_stock))
    top = fitting[0][1][0] if fitting else 0
    # a cat lover: cat things (猫, 宠物, cat), not the dog food (宠物 only); one word of slack for synonyms
    best = [p for p, sc in fitting if sc[0] >= max(1, top - 1)]
    rest = [p for p, _ in fitting if p not in best]
    picks = _one_per_category(best, [])
    if len(picks) < 3:  # too few kinds fit best: other kinds that fit at all, before a second of one kind
        picks = _one_per_category(rest, picks)
    for product in [*best, *rest]:
        if len(picks) >= MAX_PICKS:
            break
        if product not in picks:
            picks.append(product)
    if len(picks) < 3 and request.genders and not request.vague:  # few likes here: the shop's own products
        made = [(p, (_made_for(p, request.genders), s[1])) for p, s in scored if p not in picks]
        made = sorted((item for item in made if item[1][0]), key=lambda i: (-i[1][1], not i[0].in_stock))
        picks = _one_per_category([p for p, _ in made], picks)  # made for the recipient's gender
    return picks[:MAX_PICKS]


def _one_per_category(products: Sequence[Product], picks: list[Product]) -> list[Product]:
    """`picks` extended with the first product of each category not yet picked, up to five."""
    out = list(picks)
    seen = {p.category for p in out}
    for product in products:
        if len(out) >= MAX_PICKS:
            break
        if product.category not in seen:
            out.append(product)
            seen.add(product.category)
    return out


def shop_kinds(products: Sequence[Product], limit: int = 6) -> list[str]:
    """The shop's kinds of product (category leaves), the most stocked first: examples for a question."""
    counts: dict[str, int] = {}
    for product in products:
        leaf = product.category.split("/")[-1].strip() if product.category else ""
        if leaf:
            counts[leaf] = counts.get(leaf, 0) + 1
    return sorted(counts, key=lambda k: -counts[k])[:limit]
