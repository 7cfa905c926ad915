"""Terms that exist in a policy but not for this product: "拆封后也支持7天无理由退货" about opened snacks.

The claims ledger backs a term when some policy states it; this module checks that the term applies to the
product the sentence is about, with the conditions the shop declares in its policies' front matter
(`knowledge.policy_terms`, editable per shop; a term whose condition is not declared is not checked):
- no-reason returns (无理由退货, "return it for any reason") about a product of a category the returns policy
  excludes (`excluded_categories`), or of one excluded once opened (`excluded_when_opened`) when the sentence
  says it is opened or used (拆封, 用过, opened, used);
- instalments (花呗, 分期, "instalments") about products that all cost less than `instalment_min_order` (a
  sentence restating a condition must restate that minimum), or priced in another currency (a USD price
  cannot be compared with a CNY minimum);
- SF Express by default (默认发顺丰, "ships with SF Express") about products that all cost less than
  `sf_default_min_order` and belong to none of `sf_default_categories` — or, with no product in view, said to
  be the default without that minimum or those categories ("默认发顺丰，满 ¥88 包邮": ¥88 is no SF condition);
- a size/colour exchange (换一次尺码, 换颜色, "exchanged once for another size") about products none of whose
  categories `exchange_once_categories` lists, or naming a class of goods other than shoes/clothing (床品可以换
  一次尺寸): the exchange rule's subject is the policy's, not any product's;
- a class the policy excludes from no-reason returns (贴身衣物, 定制) claimed for a product of another category
  ("瑜伽裤是贴身衣物，所以不能无理由退"): the class membership is the reply's, not the policy's;
- a restriction of one class of goods quoted for a product of another: "拆封后不支持无理由退货" (opened food,
  skincare: `excluded_when_opened`) about headphones, "一经售出不退" (`excluded_categories`: tea ware, custom
  goods) about a kettle — only for a sentence that names the product (a sentence naming a class quotes the
  policy for that class);
- a return of goods excluded once opened (`excluded_when_opened`) granted when the sentence says they are opened
  and names no fault ("拆封试用过…也可以退");
- a cancellation granted to a shipped order when `cancellable_statuses` does not list "shipped" ("已发货也能取消");
- a warranty period (一年内坏了免费换新, "covered for two years") longer than `warranty_days_by_category` gives
  the product's category (shoes 30 days, electronics a year).
A sentence that states the condition ("满 ¥600 可分期", "orders of ¥500 or more") or denies the term
("已拆封的零食不支持无理由退货") restates the policy and passes. Prices compared are CNY prices.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import regex

from bot.conversation.claims.extract import ClaimKind, extract_claims
from bot.conversation.claims.facts import Violation
from bot.conversation.claims.figures import figures
from knowledge.models import Product
from knowledge.policy_terms import PolicyTerms, ReturnTerms, WarrantyTerms, category_matches

_NO_REASON = regex.compile(
    r"无理由(?:退|换)?|\bno[-\s]reason\b|\bfor\s+any\s+reason\b|\bchange\s+of\s+mind\b|\bno\s+questions?\s+asked\b",
    regex.I,
)
_OPENED = regex.compile(
    r"(?<![未没不别])(?:拆封|开封|打开|拆开|开过|用过|使用过|已使用|试用过|吃过|喝过|拆了|拆过|已拆|拆包|拆袋|撕开|玩过|穿过|戴过)"
    r"|\bopened\b|\bused\b|\btried\b|\bunsealed\b",
    regex.I,
)
_INSTALMENTS = regex.compile(r"花呗|分期|\binstal{1,2}ments?\b|\bhuabei\b|\bpay\s+in\s+\d+\b", regex.I)
_SF = regex.compile(r"顺丰|\bSF(?:\s+Express)?\b", regex.I)
_SF_EXTRA = regex.compile(r"补差价|加\s*[¥￥]?\s*\d+|指定|\bextra\b|\bcosts?\b|\bsurcharge\b", regex.I)
# A sentence that names the condition restates the policy ("订单满 ¥600 可使用花呗分期").
_CONDITION = regex.compile(
    r"满|以上|起|门槛|或购买|\bor\s+more\b|\bover\b|\babove\b|\bat\s+least\b|\borders?\s+of\b|\bfrom\s+[¥￥]",
    regex.I,
)
_DENIAL = regex.compile(
    r"不支持|不能|不可以|不可|无法|不了|没法|没办法|不行|不适用|不享受|不包括|除外|不在|没有|\bnot\b|\bcannot\b|n[’']t\b|\bno\s+longer\b|\bexcept\b|\bexclud",
    regex.I,
)


# a sentence saying instalments work ("可以分期", "Huabei instalments are available"), not one deferring
_AFFIRMS = regex.compile(
    r"可以|能(?!否)|支持|可用|\bcan\b|\bavailable\b|\bqualif|\beligible\b|\bsplit\b|\bpay\s+in\b|\bworks?\b|\byes\b",
    regex.I,
)


# A size/colour exchange (the returns policy's "换货" bullet), in either script and in English.
_EXCHANGE = regex.compile(
    r"[换換](?:一次|一下|个|個)?\s*(?:其他|别的|另一个)?\s*(?:尺码|尺碼|尺寸|码|碼|颜色|顏色|色|款式)|可[换換]一次|"
    r"\bexchang(?:e|ed|es|ing)\b[^.。!?]{0,60}\b(?:size|colou?r)s?\b|\bswap(?:ped)?\b[^.。!?]{0,40}\b(?:size|colou?r)\b",
    regex.I,
)
# Shoes and clothing named in a sentence (the demo's 鞋服类: 运动鞋、服装); 客服 and 服务 name no clothes.
_SHOES_CLOTHES = regex.compile(
    r"鞋|(?<!客)服(?!务)|衣|裤|T恤|\b(?:shoes?|trainers|sneakers|cloth(?:es|ing)|apparel)\b", regex.I
)
# The classes the returns bullet excludes from no-reason returns, named as what a product is.
_EXCLUDED_CLASS = regex.compile(
    r"贴身|內衣|内衣|袜子|襪子|定制|訂製|\b(?:underwear|intimates?|socks|custom[-\s]made|made[-\s]to[-\s]order)\b",
    regex.I,
)


_RETURN_WORD = regex.compile(r"退|[换換]|\breturn|\brefund|\bexchang", regex.I)
_RETURNABLE = regex.compile(r"(?:可以|能|可)(?:申请)?退|退货|退款|\breturn(?:ed|able)?\b|\brefund", regex.I)
_QUALITY = regex.compile(
    r"质量|質量|破损|破損|损坏|損壞|发错|發錯|少发|少發|故障|瑕疵|\bfault|\bdamaged?\b|\bdefect|\bwrong\s+items?\b",
    regex.I,
)
_CANCEL = regex.compile(r"取消|撤单|撤單|撤销|撤銷|\bcancel", regex.I)
# an order said to be shipped ("已经发货也能取消"), not one that is not ("还没发货", "发货前", "before it ships")
_SHIPPED = regex.compile(
    r"(?<![未没沒])(?:发货|發貨|发出|發出|寄出|出库|出庫)(?!前|之前|以前)|(?<!not\s|n't\s|yet\s)\b(?:shipped|dispatched)\b",
    regex.I,
)


def _cancel_after_shipping(sentence: str, statuses: tuple[str, ...]) -> list[Violation]:
    """A cancellation granted to a shipped order when the policy cancels only in `statuses` (pending, paid)."""
    cancel, shipped = _CANCEL.search(sentence), _SHIPPED.search(sentence)
    if cancel is None or shipped is None or "shipped" in statuses:
        return []
    return [Violation("returns", f"{cancel.group(0)} ({shipped.group(0)}: only {'/'.join(statuses)})")]


def _cny(product: Product) -> Decimal | None:
    return product.price if product.price is not None and product.currency.upper() in ("", "CNY") else None


# A sentence naming a kind of goods quotes the policy for that kind ("数码产品 1 年保修"), not the product in focus.
_CATEGORY_WORDS = regex.compile(
    r"数码|电子|耳机|充电|手表|家电|锅|鞋服|床品|服装|食品|护肤|"
    r"\b(?:electronics|earphones|chargers|power\s+banks|smartwatches|appliances|cookware|clothing|bedding|shoes)\b",
    regex.I,
)


def inapplicable_terms(
    sentence: str,
    products: Sequence[Product],
    terms: PolicyTerms | None,
    *,
    named: bool = False,
    before: str = "",
) -> list[Violation]:
    """The policy terms `sentence` grants to `products` (the products it is about; `named` when the sentence
    names them, else they are the customer's focus) that the shop's declared conditions exclude; [] when no
    product or no condition is known. `before` is the previous sentence ("Used it? … returns apply" says
    "opened" there). Shapes: the ledger's `Violation`s."""
    if terms is None:
        return []
    returns = terms.returns
    no_reason = _NO_REASON.search(sentence)
    denied = bool(_DENIAL.search(sentence))
    found: list[Violation] = []
    if returns is not None and returns.cancellable_statuses and not denied:
        found += _cancel_after_shipping(sentence, returns.cancellable_statuses)
    if not products:
        return found + (_default_carrier(sentence, terms) if not denied else [])
    if denied:
        if not (no_reason or _RETURN_WORD.search(sentence)):
            return []
        found = _excluded_class(sentence, products, returns)
        return found or (_restricted_class(sentence, products, returns) if named else [])
    if returns is not None and returns.exchange_once_categories:
        found += _exchange(sentence, products, returns.exchange_once_categories)
    opened = bool(_OPENED.search(sentence) or _OPENED.search(before))
    # "拆封用过也可以退" of goods excluded once opened, no fault named
    if (
        returns is not None
        and not no_reason
        and opened
        and _RETURNABLE.search(sentence)
        and not _QUALITY.search(sentence)
    ):
        for product in products:
            rule = category_matches(product.category, returns.excluded_when_opened)
            if rule is not None:
                found.append(Violation("returns", f"opened ({product.sku}: {rule})"))
    if returns is not None and no_reason:
        for product in products:
            rule = category_matches(product.category, returns.excluded_categories) or (
                category_matches(product.category, returns.excluded_when_opened) if opened else None
            )
            if rule is not None:
                found.append(Violation("returns", f"{no_reason.group(0)} ({product.sku}: {rule})"))
    conditioned = bool(_CONDITION.search(sentence))
    prices = [_cny(p) for p in products]
    payment = terms.payment
    instalments = _INSTALMENTS.search(sentence)
    if payment is not None and payment.instalment_min_order is not None and instalments:
        minimum = payment.instalment_min_order
        # the condition restated is the policy's own minimum ("满600可分期"), not another ("满499就能分期")
        stated = conditioned and minimum in figures(sentence.replace(",", ""))
        if not stated and all(price is not None and price < minimum for price in prices):
            found.append(Violation("promise", f"{instalments.group(0)} (< ¥{minimum})"))
        elif _AFFIRMS.search(sentence) and any(
            price is None and p.price is not None for p, price in zip(products, prices, strict=True)
        ):
            # a price in another currency cannot be compared with a CNY minimum: affirming is unsupported
            found.append(Violation("promise", f"{instalments.group(0)} ({products[0].currency} price)"))
    shipping = terms.shipping
    sf = _SF.search(sentence)
    if (
        shipping is not None
        and shipping.sf_default_min_order is not None
        and sf
        and not _sf_condition_stated(sentence, shipping.sf_default_min_order)
        and not _SF_EXTRA.search(sentence)
    ):
        minimum = shipping.sf_default_min_order
        if all(
            price is not None
            and price < minimum
            and category_matches(product.category, shipping.sf_default_categories) is None
            for product, price in zip(products, prices, strict=True)
        ):
            found.append(Violation("delivery", f"{sf.group(0)} (< ¥{minimum})"))
    warranty = terms.warranty
    if warranty is not None and (named or not _CATEGORY_WORDS.search(sentence)):
        found += _warranty(sentence, products, warranty)
    return found


def _sf_condition_stated(sentence: str, minimum: Decimal) -> bool:
    """Whether the sentence states the SF condition itself ("订单满 ¥500 默认顺丰"), not another threshold
    ("默认发顺丰，满 ¥88 包邮" restates the free-shipping one)."""
    return bool(_CONDITION.search(sentence)) and minimum in figures(sentence.replace(",", ""))


_DEFAULT = regex.compile(r"默认|默認|\bby\s+default\b|\bdefault\b", regex.I)


def _default_carrier(sentence: str, terms: PolicyTerms) -> list[Violation]:
    """SF Express said to be the default carrier with no product in view, when the policy makes it the default
    only from an order amount (`sf_default_min_order`) the sentence does not state."""
    shipping = terms.shipping
    sf = _SF.search(sentence)
    if shipping is None or shipping.sf_default_min_order is None or sf is None:
        return []
    if not _DEFAULT.search(sentence) or _SF_EXTRA.search(sentence):
        return []
    if _sf_condition_stated(sentence, shipping.sf_default_min_order):
        return []
    if any(part in sentence for rule in shipping.sf_default_categories for part in rule.split("/") if part):
        return []  # "数码类默认顺丰": the category condition restated
    return [Violation("delivery", f"{sf.group(0)} by default (from ¥{shipping.sf_default_min_order} only)")]


def _exchange(sentence: str, products: Sequence[Product], classes: tuple[str, ...]) -> list[Violation]:
    """A size/colour exchange granted to products outside `classes` (or to a class of goods the sentence names
    that is not shoes/clothing); [] when the sentence names the shoes/clothing the rule is for."""
    match = _EXCHANGE.search(sentence)
    if match is None or _names_class(sentence, classes):
        return []
    named_other = _CATEGORY_WORDS.search(sentence)
    if named_other is None and any(category_matches(p.category, classes) for p in products):
        return []
    return [Violation("returns", f"{match.group(0)} ({products[0].sku}: {'/'.join(classes)} only)")]


def _names_class(sentence: str, classes: tuple[str, ...]) -> bool:
    """Whether the sentence names one of `classes` (a part of its path, "头盔" of 骑行/头盔), or shoes/clothing
    when the classes are those."""
    parts = [part for rule in classes for part in rule.split("/") if part]
    if any(part in sentence for part in parts):
        return True
    return any(regex.search(r"鞋|服", part) for part in parts) and bool(_SHOES_CLOTHES.search(sentence))


def _excluded_class(
    sentence: str, products: Sequence[Product], returns: ReturnTerms | None
) -> list[Violation]:
    """A product said to be of a class the returns policy excludes (贴身衣物, 定制) when its category is not."""
    match = _EXCLUDED_CLASS.search(sentence)
    if returns is None or match is None or not returns.excluded_categories:
        return []
    if any(category_matches(p.category, returns.excluded_categories) for p in products):
        return []
    return [
        Violation(
            "returns", f"{match.group(0)} ({products[0].sku}: not {'/'.join(returns.excluded_categories)})"
        )
    ]


# A return refused because the goods are opened (not used: "未使用" is every product's condition), or refused
# once sold whatever the state ("一经售出不退", "final sale").
_OPENING = regex.compile(
    r"(?<![未没不别])(?:拆封|開封|开封|拆开|拆開|打开|打開|已拆|拆了|拆过|拆過|拆包|拆袋|撕开|撕開|开过|開過)"
    r"|\b(?:opened|unsealed|open(?:s|ed)?\s+the\s+(?:box|package|seal)|once\s+(?:it'?s|it\s+is)\s+open)\b",
    regex.I,
)
_SOLD_FINAL = regex.compile(
    r"一经售出|一經售出|售出不退|概不退|不退不换|不退不換|\bfinal\s+sale\b|\bnon-returnable\b|\bonce\s+sold\b",
    regex.I,
)


def _restricted_class(
    sentence: str, products: Sequence[Product], returns: ReturnTerms | None
) -> list[Violation]:
    """A return refusal the policy makes for other classes of goods, said of products of none of them: refused
    once opened (`excluded_when_opened` or `excluded_categories` must list the category) or once sold
    (`excluded_categories`). A fault named ("质量问题除外") or a time limit is no class rule."""
    if returns is None or _QUALITY.search(sentence):
        return []
    if _SOLD_FINAL.search(sentence):
        classes = returns.excluded_categories
    elif _OPENING.search(sentence):
        classes = (*returns.excluded_categories, *returns.excluded_when_opened)
    else:
        return []
    if not classes or any(category_matches(p.category, classes) for p in products):
        return []
    return [Violation("returns", f"{products[0].sku}: only {'/'.join(classes)}")]


_DAYS_PER = {"day": Decimal(1), "month": Decimal(30), "hour": Decimal(1) / 24}


def _warranty(sentence: str, products: Sequence[Product], warranty: WarrantyTerms) -> list[Violation]:
    """A warranty period longer than the one the policy gives every product the sentence is about."""
    found: list[Violation] = []
    for claim in extract_claims(sentence):
        if claim.kind is not ClaimKind.WARRANTY or claim.negated or not isinstance(claim.value, tuple):
            continue
        value = (
            claim.value[1:] if claim.value[:1] == ("replace",) else claim.value
        )  # a replacement period too
        if value == ("lifetime",):
            claimed = Decimal(10**6)
        elif len(value) == 2 and value[0] in _DAYS_PER:
            claimed = Decimal(value[1]) * _DAYS_PER[value[0]]
        else:
            continue
        allowed = [warranty.days_of(p.category, p.attributes) for p in products]
        if allowed and all(days is not None and claimed > days for days in allowed):
            found.append(Violation("warranty", f"{claim.text} (> {max(d or 0 for d in allowed)} days)"))
        elif (
            allowed
            and warranty.warranty_days_by_category
            and all(days is None and not _own_warranty(p) for days, p in zip(allowed, products, strict=True))
        ):  # the policy gives warranties by category, and none to these products' categories
            found.append(Violation("warranty", f"{claim.text} ({products[0].category}: none declared)"))
    return found


_WARRANTY_FIELD = regex.compile(r"warrant|guarantee|保修|质保|保固", regex.I)


def _own_warranty(product: Product) -> bool:
    """Whether the product's structured fields state a warranty of their own (an `attr_warranty` column)."""
    return any(_WARRANTY_FIELD.search(k) and str(v).strip() for k, v in product.attributes.items())
