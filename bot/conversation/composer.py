"""The offline grounded composer: a shop assistant's replies built only from retrieved facts and policies.

It is the default without an LLM and the fallback whenever the LLM fails or is not grounded, so every
sentence here comes from a `Product`, a `PolicyDoc` or `bot/prompts/replies.yaml` — nothing is invented.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import regex

from bot.conversation.asks import ATTRIBUTE_WORDS
from bot.conversation.attribute_answers import (
    attribute_lines,
    feature_lines,
    listed,
    qualified_lines,
    timed_clause,
    value_lines,
)
from bot.conversation.cards import Phrases, colours, first_sentence, has_size, sizes
from bot.conversation.claims.quote import quotable
from bot.conversation.intents import Intent
from bot.conversation.ordering import Ordering, order, value_of
from bot.conversation.other_item import names_other_item, unmatched_item
from bot.conversation.plurals import plural_phrase
from bot.conversation.sanitize import neutralise
from bot.conversation.understanding import Understanding
from bot.domain.messages import Button, ProductCard
from bot.prompts import Messages
from knowledge.compatible import compatible_models, fits
from knowledge.facets import colour_forms
from knowledge.models import PolicyDoc, PolicyHit, Product
from knowledge.script import HAN_RUN

MAX_CARDS = 5
POLICY_CHARS = 420


@dataclass(frozen=True)
class Reply:
    """What the core sends back for one message, plus what it should remember."""

    text: str
    cards: tuple[ProductCard, ...] = ()
    buttons: tuple[Button, ...] = ()
    shown: tuple[Product, ...] = ()  # becomes the chat's "last shown" list when non-empty
    focus: str = ""  # the product this reply was about
    answered: bool = True
    meta: dict[str, str] = field(default_factory=dict)


class OfflineComposer:
    """Builds replies from templates; one instance serves both languages."""

    def __init__(self, messages: Messages) -> None:
        self.messages = messages

    def phrases(self, lang: str) -> Phrases:
        return Phrases(self.messages, lang)

    def say(self, key: str, lang: str, **values: object) -> str:
        return self.messages.get(key, lang, **values)

    def recommend(
        self, products: Sequence[Product], u: Understanding, lang: str, interests: Sequence[str] = ()
    ) -> Reply:
        ph = self.phrases(lang)
        shown = list(products[:MAX_CARDS])
        intro = {
            "cheaper": "rec_intro_cheaper",
            "refined": "rec_intro_refined",
            "more": "rec_intro_more",
            "other_brand": "rec_intro_other_brand",
            "bigger": "rec_intro_bigger",
            "smaller": "rec_intro_smaller",
        }.get(u.mode, "rec_intro")
        lines = [ph.say(intro)]
        for n, product in enumerate(shown, 1):
            reasons = ph.reasons(product, u.keywords, u.size)
            lines.append(
                ph.say(
                    "rec_line",
                    n=n,
                    title=product.title,
                    price=ph.price(product),
                    reasons=ph.say("rec_reasons", reasons=ph.join(reasons)) if reasons else "",
                )
            )
        lines.append(ph.say("rec_outro"))
        if interests:
            lines.append(ph.say("rec_outro_personal", interests=ph.join(list(interests)[:3])))
        return Reply("\n".join(lines), tuple(ph.card(p) for p in shown), shown=tuple(shown))

    def not_found(
        self,
        query: str,
        alternatives: Sequence[Product],
        u: Understanding,
        lang: str,
        *,
        not_sold: bool = False,
        known: Sequence[str] | None = None,
    ) -> Reply:
        """Say plainly what we don't have — naming only the understood words (never the whole message,
        which may carry injected instructions) — then the closest products, labelled as such. `known`: the
        message's keywords some shown product has; when given and other words were not understood ("会飞",
        "写成"), they are not echoed: the closest products are introduced as such, no 'none' of a kind we sell."""
        ph = self.phrases(lang)
        unknown: tuple[str, ...] = ()
        if u.mode == "cheaper":  # honest: nothing cheaper, and which one is the cheapest (shown again)
            if not alternatives:
                return Reply(ph.say("not_found_cheaper"), answered=True)
            cheapest = alternatives[0]
            lines = [
                ph.say("not_found_cheaper"),
                ph.say("cheapest_is", title=cheapest.title, price=ph.price(cheapest)),
            ]
            # the card only: the list shown before stays what "这两款" / "第二个" refer to
            return Reply("\n".join(lines), (ph.card(cheapest),), focus=cheapest.sku)
        if u.missing:
            key = "not_sold" if not_sold else "not_found_named"  # "我们店目前不卖自行车"
            missing = quotable(u.missing).strip()[:40]
            if not_sold and lang == "en":  # a whole kind: "we don't sell jackets"
                missing = plural_phrase(missing)
            lines = [ph.say(key, query=missing)]
        elif known is not None and alternatives and set(u.keywords) - set(known):
            lines = []  # words we did not understand: never echoed, the closest products below say the rest
            unknown = tuple(w for w in u.keywords if w not in known)
        else:
            lines = [ph.say("not_found", query=quotable(understood(u, query)).strip()[:40])]
        shown = list(alternatives[:3])
        if shown:
            lines.append(ph.say("not_found_alternatives" if u.missing else "closest_intro"))
            for n, product in enumerate(shown, 1):
                reasons = ph.reasons(product, u.keywords)
                lines.append(
                    ph.say(
                        "rec_line",
                        n=n,
                        title=product.title,
                        price=ph.price(product),
                        reasons=ph.say("rec_reasons", reasons=ph.join(reasons)) if reasons else "",
                    )
                )
        lines.append(ph.say("offer_human"))
        # the words not understood are no constraint of the search kept for the next turn
        meta = {"unknown_words": " ".join(unknown)} if unknown else {}
        return Reply(
            "\n".join(lines), tuple(ph.card(p) for p in shown), shown=tuple(shown), answered=False, meta=meta
        )

    def answer(self, targets: Sequence[Product], u: Understanding, lang: str) -> Reply:
        """Direct answers about specific products: price, stock, size, colour, or the details."""
        ph = self.phrases(lang)
        asks = u.asks or frozenset({"colour"} if u.colour else {"details"})
        lines: list[str] = []
        if u.mode == "context" and asks & {"price", "stock"} and names_other_item(u.text, targets[0]):
            # guard: never a price/stock sentence about the focused product for a message naming another item
            item = quotable(unmatched_item(u.text))
            return Reply(ph.say("which_item", item=item, title=targets[0].title))
        for product in targets[:MAX_CARDS]:
            lines += self._facts(ph, product, asks, u)
        focus = targets[0].sku if len(targets) == 1 else ""
        cards = (
            tuple(ph.card(p) for p in targets[:MAX_CARDS]) if len(targets) == 1 or "details" in asks else ()
        )
        return Reply("\n".join(lines), cards, focus=focus)

    def compatibility(self, product: Product, thing: str, facts: Sequence[str], lang: str) -> Reply:
        """Whether the product works with `thing`: the listing's own words about it (`facts`), or a plain
        "the listing does not say" followed by the product's details (see `bot.conversation.compatibility`)."""
        ph = self.phrases(lang)
        verdict, device = fits(product, thing)
        if verdict is not None:  # the listing names the devices it fits: yes or no from that list
            key = "compat_listed_yes" if verdict else "compat_listed_no"
            models = ph.join(list(compatible_models(product)))
            text = ph.say(key, thing=quotable(device).strip()[:30], title=product.title, models=models)
            return Reply(text, (ph.card(product),), focus=product.sku)
        thing = quotable(thing).strip()[:20]
        if facts:
            text = ph.say("compat_stated", thing=thing, title=product.title, facts=ph.join(list(facts)))
            return Reply(text, (ph.card(product),), focus=product.sku)
        details = self._facts(
            ph, product, frozenset({"details"}), Understanding(Intent.PRODUCT_QUESTION, thing)
        )
        text = "\n".join([ph.say("compat_unknown", thing=thing, title=product.title), *details])
        return Reply(text, (ph.card(product),), focus=product.sku)

    def _facts(self, ph: Phrases, product: Product, asks: frozenset[str], u: Understanding) -> list[str]:
        title, lines = product.title, []
        if "size" in asks or u.size:
            options = sizes(product)
            if not options:
                lines.append(ph.say("answer_size_unknown", title=title))
            elif u.size:
                stock = {0: "answer_size_stock_out", None: "answer_size_stock_unknown"}.get(
                    product.stock, "answer_size_stock_in"
                )
                if product.stock is not None and product.stock < 0:
                    stock = "answer_size_stock_out"
                lines.append(
                    ph.say("answer_size_yes", title=title, size=u.size, stock=ph.say(stock) if stock else "")
                    if has_size(product, u.size)
                    else ph.say("answer_size_no", title=title, size=u.size, sizes=ph.join(options))
                )
            else:
                lines.append(ph.say("answer_size_list", title=title, sizes=ph.join(options)))
        if "colour" in asks or (u.colour and "size" not in asks):
            options = colours(product)
            if not options:
                lines.append(ph.say("answer_colour_unknown", title=title))
            elif u.colour:
                wanted = [f.lower() for f in colour_forms(u.colour)]  # "pink" is 粉色 in a Chinese catalog
                key = (
                    "answer_colour_yes"
                    if any(w in c.lower() or c.lower() in w for c in options for w in wanted)
                    else "answer_colour_no"
                )
                lines.append(ph.say(key, title=title, colour=u.colour, colours=ph.join(options)))
            elif excluded := _excluded_colours(u):  # "除了黑色还有什么颜色": the others (亮黑色 is black too)
                others = [c for c in options if not any(x in c.lower() for x in excluded)]
                key = "answer_colour_others" if others else "answer_colour_only"
                ruled_out = ph.join([v for k, v in u.filters.exclude_attributes])
                shown = others or options
                lines.append(ph.say(key, title=title, excluded=ruled_out, colours=ph.join(shown)))
            else:
                lines.append(ph.say("answer_colour_list", title=title, colours=ph.join(options)))
        if "price" in asks:
            key = "answer_price" if product.price is not None else "answer_price_unknown"
            lines.append(ph.say(key, title=title, price=ph.price(product)))
        if "stock" in asks and not ("size" in asks and u.size):
            lines.append(self._stock_line(ph, product))
        values, answered_keys = value_lines(ph, product, asks)
        lines += values
        names = sorted(a[5:] for a in asks if a.startswith("attr:") and a[5:] not in answered_keys)
        if any(a.startswith("feature:") for a in asks):  # "内胆是什么材质": the part's line says it
            names = [n for n in names if listed(product, n)]
        qualified, by_phrase = qualified_lines(ph, product, u.text, names, ATTRIBUTE_WORDS)
        lines += qualified + attribute_lines(
            ph, product, [n for n in names if n not in by_phrase], ATTRIBUTE_WORDS
        )
        lines += feature_lines(ph, product, sorted(a[8:] for a in asks if a.startswith("feature:")))
        timed = timed_clause(product, u.text) if asks & {"details", "duration"} and not lines else ""
        if timed:  # "做一壶要多久": the description's own figure, quoted, not a dump of every field
            lines.append(ph.say("answer_described_time", title=title, clause=timed))
        elif asks == {"duration"} and not lines:  # a duration nothing in the listing states
            lines.append(ph.say("answer_time_unknown", title=title))
        if "details" in asks and not lines:
            colon = ": " if ph.lang == "en" else "："
            facts = ph.join([f"{ph.label(k)}{colon}{ph.value(v)}" for k, v in product.attributes.items()][:5])
            summary = " ".join(part for part in (first_sentence(product.description, 80), facts) if part)
            lines.append(
                ph.say(
                    "answer_details",
                    title=title,
                    price=ph.price(product),
                    stock=ph.stock(product) or "—",
                    facts=summary,
                )
            )
        return list(dict.fromkeys(lines))

    @staticmethod
    def _stock_line(ph: Phrases, product: Product) -> str:
        if product.stock is None:
            return ph.say("answer_stock_unknown", title=product.title)
        if product.stock <= 0:
            return ph.say("answer_stock_out", title=product.title)
        if product.stock <= 5:
            return ph.say("answer_stock_low", title=product.title, count=product.stock)
        return ph.say("answer_stock_in", title=product.title)

    def compare(
        self, a: Product, b: Product, lang: str, ordering: Ordering | None = None, asked: Sequence[str] = ()
    ) -> Reply:
        """Two products side by side; the asked attribute first, with a verdict when it can be ordered."""
        ph = self.phrases(lang)
        dash = ph.say("label_unknown")
        verdict = self._verdict(ph, a, b, ordering) if ordering is not None else ""
        rows = [
            ("label_title", a.title, b.title),
            ("label_price", ph.price(a), ph.price(b)),
            ("label_brand", a.brand or dash, b.brand or dash),
            ("label_stock", ph.stock(a) or dash, ph.stock(b) or dash),
        ]
        lines = [ph.say("compare_intro")]
        first = [k for k in (ordering.attribute if ordering else "", *asked) if k and k != "price"]
        listed = {k.lower() for k in [*a.attributes, *b.attributes]}
        unlisted = [k for k in dict.fromkeys(first) if k.lower() not in listed]
        if unlisted:  # "which is lighter" when neither lists a weight: say so, do not only repeat the table
            lines = [ph.say("compare_not_listed", label=ph.label(unlisted[0]))]
        if verdict:
            lines.append(verdict)
        lines += [ph.say("compare_row", label=ph.say(label), a=x, b=y) for label, x, y in rows]
        keys = [k for k in dict.fromkeys([*a.attributes, *b.attributes]) if k.lower() not in first]
        present = [k for k in dict.fromkeys([*a.attributes, *b.attributes]) if k.lower() in first]
        for key in [*present, *keys][:7]:
            x, y = (ph.value(p.attributes[key]) if key in p.attributes else dash for p in (a, b))
            lines.append(ph.say("compare_row", label=ph.label(key), a=x, b=y))
        if a.price is not None and b.price is not None and a.currency.upper() != b.currency.upper():
            lines.append(ph.say("compare_currency", a=ph.price(a), b=ph.price(b)))
        elif a.price is not None and b.price is not None:
            if a.price == b.price:
                lines.append(ph.say("compare_same_price"))
            else:
                cheaper, dearer = (a, b) if a.price < b.price else (b, a)
                diff = Product(
                    sku="_",
                    title="_",
                    price=(dearer.price or Decimal(0)) - (cheaper.price or Decimal(0)),
                    currency=cheaper.currency,
                ).price_text()
                lines.append(ph.say("compare_cheaper", title=cheaper.title, diff=diff))
        return Reply("\n".join(lines), (ph.card(a), ph.card(b)), shown=(a, b))

    def _verdict(self, ph: Phrases, a: Product, b: Product, ordering: Ordering) -> str:
        ranked = order([a, b], ordering)
        if len(ranked) < 2 or ranked[0][1].amount == ranked[1][1].amount:
            return ""
        winner = ranked[0][0]
        x, y = (value_of(p, ordering.attribute) for p in (a, b))
        return ph.say(
            "compare_winner",
            label=ph.label(ordering.attribute),
            title=winner.title,
            direction=direction(ph, ordering),
            a_title=a.title,
            b_title=b.title,
            a=x.text if x else "—",
            b=y.text if y else "—",
        )

    def ranked(self, products: Sequence[Product], ordering: Ordering, u: Understanding, lang: str) -> Reply:
        """The winner of a superlative ("最轻的是 …（200g）") and the runners-up, by the attribute asked."""
        ph = self.phrases(lang)
        ranked = order(products, ordering)
        if not ranked:
            return Reply(ph.say("rank_none", label=ph.label(ordering.attribute)), answered=False)
        if ordering.rank > len(ranked):  # "第三便宜的" of two comparable products
            return Reply(ph.say("rank_short", count=len(ranked), rank=ordering.rank), answered=True)
        winner, value = ranked[ordering.rank - 1]
        if ordering.attribute == "price":
            lines = [
                ph.say(
                    "rank_winner_price",
                    direction=direction(ph, ordering),
                    title=winner.title,
                    value=value.text,
                )
            ]
        else:
            lines = [
                ph.say(
                    "rank_winner",
                    label=ph.label(ordering.attribute),
                    direction=direction(ph, ordering),
                    title=winner.title,
                    value=value.text,
                    price=ph.price(winner),
                )
            ]
        others = [p for p in products if p.sku != winner.sku and value_of(p, ordering.attribute) is not None]
        if len(others) != len(ranked) - 1:
            ranked_skus = {x.sku for x, _ in ranked}
            skipped = [p.title for p in products if p.sku not in ranked_skus and p.price is not None][:3]
            if skipped and ordering.attribute == "price":
                lines.append(ph.say("rank_currency_note", others=ph.join(skipped)))
        return Reply("\n".join(lines), (ph.card(winner),), shown=(winner,), focus=winner.sku)

    def which_one(self, shown: Sequence[Product], lang: str) -> Reply:
        """ "Which one do you mean?" with the shown products numbered (titles only): a reference like "那个"
        / "that one" that nothing singles out among several. No product is shown again (no cards)."""
        ph = self.phrases(lang)
        lines = [ph.say("which_one")]
        lines += [f"{n}. {p.title}" for n, p in enumerate(shown[:5], 1)]
        return Reply("\n".join(lines), answered=True)

    def after_sales(
        self,
        bullets: Sequence[PolicyHit],
        lang: str,
        intro: str = "after_sales_intro",
        *,
        numbered: bool = False,
    ) -> Reply:
        """The matching policy lines for a problem with an order, and how a person takes it from here;
        `numbered`: the message gave its order number, so only the proof of identity is asked for."""
        ph = self.phrases(lang)
        outro = {
            "after_sales_intro": "after_sales_outro",
            "after_sales_terms_intro": "policy_outro",
            "order_status_intro": "order_status_outro_numbered" if numbered else "order_status_outro",
        }
        lines = [ph.say(intro), *(f"- {b.text}" for b in bullets)]
        if intro in outro:
            lines.append(ph.say(outro[intro]))
        return Reply("\n".join(lines), answered=bool(bullets))

    def no_such_offer(self, products: Sequence[Product], lang: str) -> Reply:
        """ "No such offer" to a question about a discount, gift or coupon the catalog and policies do not
        have (`bot.conversation.offers`); with one product in question, its listed price and card."""
        ph = self.phrases(lang)
        lines = [ph.say("no_such_offer")]
        if len(products) == 1 and products[0].price is not None:
            product = products[0]
            lines.append(ph.say("listed_price", title=product.title, price=ph.price(product)))
            return Reply("\n".join(lines), (ph.card(product),), focus=product.sku)
        return Reply("\n".join(lines))

    def listed_prices(self, products: Sequence[Product], lang: str) -> str:
        """One "<title> is listed at <price>" line per product with a price ('' when none has one)."""
        ph = self.phrases(lang)
        return "\n".join(
            ph.say("listed_price", title=p.title, price=ph.price(p)) for p in products if p.price is not None
        )

    def offer_answer(
        self,
        kind: str,
        products: Sequence[Product],
        lang: str,
        *,
        standalone: bool,
        included: tuple[Product, str] | None = None,
    ) -> Reply:
        """The answer to an offer question (`bot.conversation.offer_questions`): an included item the
        product's description states (quoted), else "no such offer" / "no lower price" / "no bulk pricing"
        (with the offer of a person) / "no price matching". `standalone` (the message asked nothing else):
        with one product in question, its listed price and card too."""
        ph = self.phrases(lang)
        if included is not None:
            product, quote = included
            text = ph.say("offer_included", title=product.title, quote=quote)
            return Reply(text, (ph.card(product),) if standalone else (), focus=product.sku)
        key = {
            "bargain": "no_bargain",
            "bulk": "no_bulk",
            "price_match": "no_price_match",
            "authenticity": "no_authenticity_policy",
            "hold": "no_hold",
        }.get(kind, "no_such_offer")
        lines = [ph.say(key)]
        if standalone and len(products) == 1 and products[0].price is not None:
            product = products[0]
            lines.append(ph.say("listed_price", title=product.title, price=ph.price(product)))
            return Reply("\n".join(lines), (ph.card(product),), focus=product.sku)
        return Reply("\n".join(lines))

    def policy(self, docs: Sequence[PolicyDoc], lang: str, question: str = "") -> Reply:
        ph = self.phrases(lang)
        if not docs:
            return Reply(ph.say("policy_none"), answered=False)
        lines: list[str] = []
        for doc in docs[:2]:
            lines.append(ph.say("policy_intro", title=doc.title))
            text = plain(
                neutralise(doc.text)
            )  # a policy file is data too: its instruction-like spans are cut
            lines.append(relevant_part(text, question) or clip(text, POLICY_CHARS))
        lines.append(ph.say("policy_outro"))
        return Reply("\n".join(lines))

    def text(self, key: str, lang: str, *, answered: bool = True, **values: object) -> Reply:
        return Reply(self.say(key, lang, **values), answered=answered)


def _excluded_colours(u: Understanding) -> list[str]:
    """Every spelling of the colours the message rules out ("黑色" → 黑色, 黑, black …), lower-cased."""
    values = [v for k, v in u.filters.exclude_attributes if k.lower() in ("color", "colour", "颜色")]
    forms = {f.lower() for v in values for f in colour_forms(v)}
    return sorted(forms | {f.removesuffix("色") for f in forms if len(f) > 2 and f.endswith("色")})


_PLACES_EN = {2: "second", 3: "third", 4: "fourth", 5: "fifth"}
_PLACES_ZH = {2: "第二", 3: "第三", 4: "第四", 5: "第五"}


def direction(ph: Phrases, ordering: Ordering) -> str:
    """ "最便宜" / "lightest" …: the winner's side of an ordering, in the reply's language; a place after the
    first ("第二便宜" / "second cheapest") when the ordering asks for one."""
    side = "most" if ordering.descending else "least"
    key = f"dir_{side}_{ordering.attribute}"
    said = ph.say(key) if key in ph.messages else ph.say(f"dir_{side}")
    if ordering.rank <= 1:
        return said
    if ph.lang == "en":
        return f"{_PLACES_EN.get(ordering.rank, f'#{ordering.rank}')} {said}"
    place = _PLACES_ZH.get(ordering.rank, f"第{ordering.rank}")
    return f"{place}{said[1:]}" if said.startswith("最") else f"{place}{said}"


_ECHO_NOISE = regex.compile(r"[^\w\p{Han} .+-]")


def understood(u: Understanding, fallback: str = "") -> str:
    """The words we understood (content keywords), never the customer's raw message."""
    words = [w for w in u.keywords if not _ECHO_NOISE.search(w)][:4]
    return " ".join(words) or ("…" if fallback else "")


def plain(markdown: str) -> str:
    """Policy Markdown as chat text: no emphasis markers or heading hashes (channels escape the rest)."""
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), markdown)
    return re.sub(r"^#+\s*", "", text, flags=re.MULTILINE)


def _grams(text: str) -> set[str]:
    lowered = text.lower()
    cjk = HAN_RUN.findall(lowered)
    return {run[i : i + 2] for run in cjk for i in range(len(run) - 1)} | {
        w for w in re.findall(r"[a-z]{3,}", lowered) if w not in _EN_STOP
    }


_EN_STOP = frozenset(
    {"the", "and", "you", "your", "our", "are", "for", "can", "what", "how", "does", "with", "any"}
)


def relevant_part(text: str, question: str, keep: int = 2) -> str:
    """The policy bullet points that best match the question (rare shared words weigh more; earlier
    bullets win ties), in document order — or '' when nothing specific matches."""
    bullets = [line.strip() for line in text.splitlines() if line.strip().startswith(("-", "•", "*"))]
    wanted = _grams(question)
    if not bullets or not wanted:
        return ""
    grams = [_grams(b) for b in bullets]
    df = {g: sum(1 for bg in grams if g in bg) for g in wanted}
    scored = [
        (sum(1.0 / df[g] for g in wanted & bg if df[g] < len(bullets)), i) for i, bg in enumerate(grams)
    ]
    ranked = sorted(scored, key=lambda item: (-item[0], item[1]))
    best = [i for score, i in ranked[:keep] if score > 0]
    return "\n".join(bullets[i] for i in sorted(best))


def clip(text: str, limit: int) -> str:
    """Policy text up to `limit` characters, cut at a line or sentence boundary."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for mark in ("\n", "。", ". ", "；", ";"):
        at = cut.rfind(mark)
        if at > limit // 2:
            return cut[: at + len(mark)].rstrip() + " …"
    return cut.rstrip() + "…"
