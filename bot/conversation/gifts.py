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

import regex

from bot.prompts import PROMPTS_DIR
from knowledge.gender import gender_of_value, genders_in_text
from knowledge.models import Product
from knowledge.resources import normalise_text
from knowledge.traditional import to_simplified
from knowledge.yaml_data import load_yaml

GIFTS_FILE = PROMPTS_DIR / "gifts.yaml"
MAX_PICKS = 5


GIFT_MARK = "礼物"  # what a chat keeps of a gift request that names no one ("想送个礼物")


@dataclass(frozen=True)
class Recipient:
    """Who a present is for: the message words naming them, their gender (女/男 or ''), what they may like.
    `interest`: the words name what they like (a hobby: 喝茶, hiking), not who they are (爸爸)."""

    words: tuple[str, ...]
    gender: str
    likes: tuple[str, ...]
    interest: bool = False


@dataclass(frozen=True)
class GiftWords:
    """The vocabulary of `bot/prompts/gifts.yaml` (see its header)."""

    cues: tuple[re.Pattern[str], ...]
    occasion: frozenset[str]
    gift_words: tuple[str, ...]
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True)
class GiftRequest:
    """A gift request read from a message: who it is for (their genders and likes); empty = not said.
    `interests`: what the message says they like ("他喜欢喝茶" → 茶, "she loves hiking" → 户外 …) — picks
    that match one of them come before the recipient's usual likes."""

    genders: frozenset[str]
    likes: tuple[str, ...]
    interests: tuple[str, ...] = ()
    browse: bool = False  # "随便推荐点": no present asked, just the shop's picks (and what it sells)
    said: tuple[str, ...] = ()  # the hobby as the customer said it ("烘焙"): products it names come first
    age: int | None = None  # "送给10岁男孩", "gift for a 3 year old": products for another age are left out

    @property
    def vague(self) -> bool:
        """Nothing says who the present is for or what they like."""
        return not self.likes and not self.interests


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
                bool(r.get("interest")),
            )
            for r in data.get("recipients") or ()
        ),
    )


def _says(text: str, word: str) -> bool:
    """The word is in the text: a substring for Chinese, a whole word (plural too) for Latin letters."""
    if word.isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}s?(?![a-z])", text) is not None
    return word in text


# "他喜欢喝茶", "爱跑步的男朋友", "she loves hiking", "he's into basketball": what the recipient likes.
_LIKES_ZH = regex.compile(
    r"(?:喜欢|爱好是?|热爱|酷爱|迷上了?|爱)(?:喝|吃|玩|做|打|看|练|穿|用|听|去|拍)?"
    r"((?:[a-z]+|[^\sa-z的了，,。！!？?、和与及也还就]){1,4})"  # a Latin word is one unit ("拍vlog" → vlog)
)
_LIKES_EN = regex.compile(
    r"\b(?:likes?|loves?|enjoys?|is into|are into|into|(?:a |big )?fan of|passionate about)\s+"
    r"(?:to\s+)?([a-z]+(?:\s+[a-z]+)?)",
    regex.IGNORECASE,
)
_NOT_A_LIKE = frozenset(
    {"什么", "啥", "的", "这个", "那个", "it", "them", "this", "that", "something", "things"}
)


def liked_things(text: str) -> tuple[str, ...]:
    """What a message says someone likes ("他喜欢喝茶" → 茶, "she loves hiking" → hiking), normalised."""
    norm = normalise_text(to_simplified(text)[0])
    found = [m.group(1) for m in _LIKES_ZH.finditer(norm)] + [m.group(1) for m in _LIKES_EN.finditer(norm)]
    return tuple(dict.fromkeys(w.strip() for w in found if w.strip() and w.strip() not in _NOT_A_LIKE))


def without_likes(text: str) -> str:
    """The text with its "喜欢X" / "loves X" phrases blanked: what else it asks for ("送老婆礼物，她喜欢护肤" asks
    for a present, not for the skincare category)."""
    norm = normalise_text(to_simplified(text)[0])
    return _LIKES_EN.sub(" ", _LIKES_ZH.sub(" ", norm))


def gift_request(text: str, words: GiftWords | None = None, *, asked: bool = False) -> GiftRequest | None:
    """The gift request in `text` (a cleaned, Simplified message or search text), or None when it asks for
    no present. `asked`: the conversation already asks for a present ("他喜欢喝茶" after "给爸爸买点什么好"),
    so no gift word is needed in `text`."""
    words = words or load_gift_words()
    norm = normalise_text(to_simplified(text)[0])
    if not asked and not any(rx.search(norm) for rx in words.cues):
        return None
    genders: set[str] = set()
    likes: list[str] = []
    interests: list[str] = []
    for recipient in words.recipients:
        if any(_says(norm, w) for w in recipient.words):
            if recipient.gender:
                genders.add(recipient.gender)
            (interests if recipient.interest else likes).extend(recipient.likes)
    interests += [w for w in liked_things(norm) if not is_gift_word(w, words)]
    # the customer's own word for what they like ("她喜欢烘焙"): before the words of its group (厨房, 锅 …)
    own = tuple(w for w in liked_things(norm) if _interest_word(w, words))
    age = asked_age(norm)
    if age is not None and age <= _CHILD_AGE and not likes:  # "a 3 year old": a child's things
        likes += [w for r in words.recipients if "kids" in r.words for w in r.likes]
    return GiftRequest(
        frozenset(genders), tuple(dict.fromkeys(likes)), tuple(dict.fromkeys(interests)), said=own, age=age
    )


_CHILD_AGE = 14
_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_AGE_ZH = regex.compile(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*周?岁(?!以上|以下|\+)")
_AGE_EN = regex.compile(r"\b(\d{1,2})[\s-]*(?:years?|yrs?)[\s-]*old\b|\baged?\s+(\d{1,2})\b", regex.I)
# a product's ages: "3-8岁", "9岁以上", "6-12岁", "ages 3+", "18+"
_RANGE = regex.compile(
    r"(\d{1,2})\s*[-–~～至到]\s*(\d{1,2})\s*岁|(?:ages?\s*)?(\d{1,2})\s*(?:岁以上|岁\+|\+)"
)
_AGE_KEYS = frozenset({"age", "ages", "年龄", "适用年龄", "age_range", "适用年龄段"})


def _zh_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    tens, _, ones = text.partition("十")
    if "十" not in text:
        return _ZH_DIGITS.get(text) if len(text) == 1 else None
    return (_ZH_DIGITS.get(tens, 0) if tens else 1) * 10 + (_ZH_DIGITS.get(ones, 0) if ones else 0)


def asked_age(text: str) -> int | None:
    """The age a present is for ("送给10岁男孩" → 10, "三岁宝宝" → 3, "a 3 year old" → 3), None when unsaid."""
    norm = normalise_text(to_simplified(text)[0])
    match = _AGE_ZH.search(norm)
    if match:
        return _zh_number(match.group(1))
    match = _AGE_EN.search(norm)
    return int(match.group(1) or match.group(2)) if match else None


def age_range(product: Product) -> tuple[int, int] | None:
    """The ages a product is for (lowest, highest), from its age attribute, else its title or description
    ("适合6-12岁", "9岁以上" → (9, 99)); None when it says no age."""
    own = [v for k, v in product.attributes.items() if k.strip().lower().removeprefix("attr_") in _AGE_KEYS]
    for text in [*own, product.title, product.description]:
        match = _RANGE.search(normalise_text(text))
        if match:
            if match.group(3):
                return int(match.group(3)), 99
            return int(match.group(1)), int(match.group(2))
    return None


def fits_age(product: Product, age: int) -> bool | None:
    """True/False when the product says which ages it is for; None when it says nothing."""
    ages = age_range(product)
    return None if ages is None else ages[0] <= age <= ages[1]


def _interest_word(word: str, words: GiftWords) -> bool:
    """The word names a hobby of `gifts.yaml` (烘焙, hiking), not a person."""
    w = normalise_text(word)
    return any(r.interest and w in r.words for r in words.recipients)


# "随便推荐点", "你推荐点什么吧", "有啥推荐的", "surprise me": a request for anything — the shop's own picks, never a
# search for 随便 (the caller checks that no kind of product is named: "有什么耳机推荐" is a search).
_BROWSE = re.compile(
    r"随便(?:推荐|看看|来|挑|选|买|给)|(?:推荐|挑)(?:点|些|几个|几款|一下|几样)?(?:什么|啥|好的|东西)"
    r"|有(?:什么|啥)(?:好的?|值得)?(?:推荐|买的)|(?:你|您)(?:帮我)?(?:随便)?(?:推荐|挑)(?:点|些|几个|几款|一下)"
    r"|\bsurprise me\b|\banything (?:is )?fine\b|\brecommend (?:me )?(?:something|anything)\b"
    r"|\bwhat (?:do|would) you recommend\b",
    re.IGNORECASE,
)

_FILLER = re.compile(
    r"[\s，,。.!！?？~～…吧呢啊呀哦嘛点些的了吗你您我想就好看都行可以呗please]*", re.IGNORECASE
)


@lru_cache(maxsize=1)
def hobby_likes() -> frozenset[str]:
    """Every liked thing of the hobby groups of `gifts.yaml` (咖啡, coffee, 茶 …), lower-cased: what a gift
    request names as the recipient's hobby, never as the one kind of product asked for."""
    return frozenset(w.lower() for r in load_gift_words().recipients if r.interest for w in r.likes)


def browse_request(text: str) -> GiftRequest | None:
    """A request for anything at all ("随便推荐点"), as a vague gift request marked `browse`; None otherwise."""
    norm = normalise_text(to_simplified(text)[0])
    if not _BROWSE.search(norm) or not _FILLER.fullmatch(_BROWSE.sub(" ", norm)):
        return None  # "👶🍼 有什么推荐": the emoji ask for something
    return GiftRequest(frozenset(), (), (), browse=True)


def gift_words_in(text: str, words: GiftWords | None = None) -> tuple[str, ...]:
    """The words of `text` that say who a present is for or what they like ("爸爸", "喝茶", "hiking"): what a
    chat keeps of a gift request (no other word of the message, so nothing personal)."""
    words = words or load_gift_words()
    norm = normalise_text(to_simplified(text)[0])
    found = [w for r in words.recipients for w in r.words if _says(norm, w)]
    return tuple(dict.fromkeys([*found, *liked_things(norm)]))


def is_gift_word(word: str, words: GiftWords | None = None) -> bool:
    """True for a word that only says who or what occasion a present is for ("女朋友", "生日", "runner")."""
    words = words or load_gift_words()
    w = normalise_text(word)
    if w in words.occasion or any(rx.fullmatch(w) for rx in words.cues):
        return True
    return any(w in r.words or any(x in w for x in r.words if len(x) >= 2) for r in words.recipients)


def names_occasion(word: str, words: GiftWords | None = None) -> bool:
    """True for a word that is exactly an occasion or a person a present is for ("生日", "妈妈", "送") — not an
    interest ("瑜伽" of a yoga lover) nor a word containing one ("瑜伽垫" is a product)."""
    words = words or load_gift_words()
    w = normalise_text(word)
    return w in words.occasion or any(w in r.words for r in words.recipients if not r.interest)


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
    age = request.age
    if age is not None:  # "送给10岁男孩": an 18+ building set or a 3-8 suitcase is not for him
        products = [p for p in products if fits_age(p, age) is not False]

    def score(product: Product) -> tuple[int, int, int]:
        text = _text_of(product)
        described = f"{text} {normalise_text(product.description)}"
        named = normalise_text(to_simplified(" ".join([product.title, *product.tags]))[0])
        # a liked thing in the title or tags counts twice its category's ("茶" of 茶饮 alone: a soda water)
        interests = sum(2 if _says(named, w) else 1 for w in request.interests if _says(text, w))
        if (
            age is not None
            and age <= _CHILD_AGE
            and fits_age(product, age)
            and (interests or not request.interests)
        ):
            # made for a child of that age: before everything a child may merely like — among the products
            # of the hobby asked for ("露营用的礼物": a kids' sleeping bag, not a kids' thermos)
            interests += 2
        likes = sum(1 for w in request.likes if _says(text, w))
        gifty = int(any(w in described for w in words.gift_words))
        return interests, likes, gifty

    scored = [(p, score(p)) for p in products if not _for_other_gender(p, request.genders)]
    # "她喜欢烘焙": the shop's baking things before every kitchen thing the hobby's group names
    said = {p.sku for p, _ in scored if any(_says(_text_of(p), w) for w in request.said)}
    scored = [(p, (sc[0] + (1 if p.sku in said else 0), *sc[1:])) for p, sc in scored]
    if any(sc[0] for _, sc in scored):  # "他喜欢喝茶": the teas, the recipient's other likes only after them
        fitting = [(p, sc) for p, sc in scored if sc[0]]
        # what fits both the hobby and the person (a child's sleeping bag for a child who camps) first
        fitting.sort(
            key=lambda item: (
                item[0].sku not in said,
                not (item[1][0] and item[1][1]),
                -item[1][0],
                not item[0].in_stock,
                -item[1][1],
                -item[1][2],
            )
        )
        return [p for p, _ in fitting][:MAX_PICKS]
    fitting = [(p, sc) for p, sc in scored if (sc[2] if request.vague else sc[1])]
    if request.vague:
        # "随便看看": the shop's gift products that can be ordered now (never two sold-out picks of three); a
        # browse with fewer of them gets the best-stocked products of other kinds too
        ready = [(p, sc) for p, sc in fitting if p.in_stock is not False]
        if request.browse and len(ready) < 3:
            stocked = sorted((item for item in scored if item not in ready), key=lambda i: -(i[0].stock or 0))
            ready += [(p, (sc[0], sc[1], 0)) for p, sc in stocked if p.in_stock]
        fitting = ready or fitting
    if not fitting and request.genders:  # none of the usual likes in this shop: its own gift products and
        # products made for the recipient's gender (a shop of appliances has no 口红 for a girlfriend)
        fitting = [(p, (0, _made_for(p, request.genders), sc[2])) for p, sc in scored]
        fitting = [(p, sc) for p, sc in fitting if sc[1] or sc[2]]
    fitting.sort(key=lambda item: (-item[1][1], -item[1][2], not item[0].in_stock))
    top = fitting[0][1][1] if fitting else 0
    # a cat lover: cat things (猫, 宠物, cat), not the dog food (宠物 only); one word of slack for synonyms
    best = [p for p, sc in fitting if sc[1] >= max(1, top - 1)]
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


def budget_picks(products: Sequence[Product]) -> list[Product]:
    """When no product fits the recipient's usual likes but the customer said who or how much: the shop's
    own products (already within the budget and exclusions), one per category, in stock
    first, the dearest within the budget first (a present, not a refill) — never a question about what was
    already said."""
    ranked = sorted(products, key=lambda p: (p.in_stock is False, -(p.price or 0), p.sku))
    return _one_per_category(ranked, [])


def shop_kinds(products: Sequence[Product], limit: int = 6) -> list[str]:
    """The shop's kinds of product (category leaves), the most stocked first: examples for a question."""
    counts: dict[str, int] = {}
    for product in products:
        leaf = product.category.split("/")[-1].strip() if product.category else ""
        if leaf:
            counts[leaf] = counts.get(leaf, 0) + 1
    return sorted(counts, key=lambda k: -counts[k])[:limit]
