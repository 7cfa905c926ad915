"""Query understanding by rules: keywords + filters (price with currency, category, brand, colour, size, gender,
in stock) and exclusions (不要李宁的, not white, 除了耳机).

Rules first and exact on numbers (see `knowledge.prices`); names are matched against the catalog's own
vocabulary (and the synonym / colour / gender / brand-alias files), and a matched value is returned in the
catalog's own spelling, so filters compare equal to what the store holds. Negated scopes (`knowledge.negation`)
are read as exclusions and removed from the text before anything positive is read from it. When a
`TextNormalizer` is used (the default), Traditional script, pinyin, typos and emoji are normalised first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import regex

from knowledge.gender import gender_of_value, genders_in_text, is_gender_key
from knowledge.materials import material_asked
from knowledge.models import ParsedQuery, QueryFilters
from knowledge.money import CURRENCY_WORDS, LANGUAGE_CURRENCY, currency_code
from knowledge.names import Names, build_names, latin_ngrams
from knowledge.negation import Negation, find_negations
from knowledge.prices import parse_price
from knowledge.protocols import KeywordExtractor
from knowledge.resources import (
    brand_alias_groups,
    category_word_groups,
    colour_groups,
    normalise_text,
    synonym_groups,
)
from knowledge.script import HAN, HAN_CHAR
from knowledge.spelling import english_word
from knowledge.vocabulary import COLOUR_KEYS, SIZE_KEYS, Vocabulary

if TYPE_CHECKING:
    from knowledge.normalize import TextNormalizer

_CJK = HAN_CHAR
# a purpose around a category word: "适合露营的 …", "去露营用的 …", "露营时用的 …"
_PURPOSE_BEFORE = re.compile(r"(?:适合|适用于?|用于|去)\s*$")
_PURPOSE_AFTER = re.compile(r"\s*(?:时|的时候)?(?:用|穿|喝|带)的")
# "一本书", "两件T恤", "买一条项链": a count and its measure word before a noun say how many, not what
_A_UNIT = regex.compile(
    rf"(?<![\d.])(?:[一两几]|\d{{1,2}})\s*(?:本|件|条|双|只|台|套|瓶|支|盒|把|张)(?={HAN})"
)
# "under 8 oz", "at least 27 inches", "2 lbs": a measurement, never a price (the bare number before an imperial
# unit would otherwise be read as a budget in the language's currency); metric units are already kept out by the
# price parser. "pounds" is a weight only beside a weight word ("weighs under 2 pounds"), else it may be sterling.
_MEASUREMENT = re.compile(
    r"(?<![\d.])\d+(?:\.\d+)?\s*(?:lbs?|oz|ounces?|inch(?:es)?|ft|feet|foot|fl\.?\s*oz|quarts?|qt|gallons?|英寸|吋|\")"
    r"(?![a-z])",
    re.IGNORECASE,
)
# "at least 27 inches", "under 7 lbs": a bound on the measurement (not an exact size to filter on)
_BOUND_BEFORE = re.compile(
    r"(?:at least|at most|no more than|more than|less than|under|below|over|above|up to|minimum|maximum"
    r"|lighter than|heavier than|bigger than|smaller than|longer than|shorter than|至少|不超过|不到|以上|以下)\s*$",
    re.IGNORECASE,
)
_POUNDS = re.compile(r"(?<![\d.])\d+(?:\.\d+)?\s*pounds?\b", re.IGNORECASE)
_WEIGHT_WORD = re.compile(r"\b(?:weigh\w*|heavy|heavier|light|lighter|lightweight)\b", re.IGNORECASE)
# "真皮的包有吗", "拖把有没有": the asking 有 after a noun is no part of it (jieba reads "包有")
_ASKING_HAVE = regex.compile(rf"(?<={HAN})有(?=(?:吗|嘛|么|没有?|不)(?:[？?。！!，,\s]|$))")
_IN_STOCK = re.compile(r"有货|现货|有库存|库存充足|in[ -]?stock|available|ready to ship")
# "美元标价的耳机", "只看人民币的", "anything priced in USD?", "only yuan prices": the currency a product is priced in,
# asked for as a filter (an amount's own unit, "500美元以内", is read by the price parser first)
_ZH_CURRENCY = "美元|美金|人民币|欧元|港币|港元|英镑|日元"
_EN_CURRENCY = r"us\s?dollars?|usd|dollars?|yuan|rmb|cny|euros?|eur|pounds?|gbp|hkd|jpy"
PRICED_IN = re.compile(
    rf"(?:以|用|按)?({_ZH_CURRENCY})(?:标价|计价|定价|价格|的价|结算|的)"
    rf"|(?:priced|listed|sold|selling|prices?|costs?|paid|pay)\s+in\s+(?:us\s+)?({_EN_CURRENCY})\b"
    rf"|\b({_EN_CURRENCY})[- ](?:prices?|priced|pricing|only)\b|\bonly\s+(?:in\s+)?({_EN_CURRENCY})\b"
    rf"|\bin\s+(us\s?dollars?|usd|rmb|yuan|cny|euros?)\b",
    re.IGNORECASE,
)
_SIZE_PATTERNS = [
    re.compile(r"(?<![\d.])(\d{2}(?:\.5)?)\s*(?:码|号|yards?\b)"),
    re.compile(
        r"(?:(?<![a-z])(?:size|eu|us|uk)|尺码|码数|鞋码)\s*[:：]?\s*(\d{1,2}(?:\.5)?|[2-5]?x{0,3}[sml])(?![a-z0-9])"
    ),
    re.compile(r"(?<![a-z0-9])(\d{2,4})\s*(g|gb|t|tb)(?![a-z0-9])"),
    re.compile(r"(?<![a-z0-9])(\d{2,4})\s*(ml|l)(?![a-z0-9])"),
    re.compile(r"(?<![a-z0-9])(x{1,3}[sl]|[2-5]xl)(?![a-z0-9])"),
    re.compile(r"(?<![a-z0-9])([sml])\s*(?:码|号)"),
    # children's clothes by height (110码, 120cm); a belt's or a chain's length (95cm)
    re.compile(r"(?<![\d.])(\d{3})\s*(?:码|号)|(?<![\d.])(\d{2,3})\s*cm(?![a-z])"),
    # suitcases, screens, wheels: 24寸, 20英寸, 26 inch, 21in — read in whichever of these the catalog writes
    re.compile(r"(?<![\d.])(\d{2})\s*(寸|英寸|inch(?:es)?\b|in\b|\")"),
    # "the Levi's 721 in 31?", "in a 28": a size the catalog sells, after "in"
    re.compile(
        r"\bin\s+(?:an?\s+|size\s+)?(\d{2}(?:\.5)?)(?![\d.%])(?!\s*(?:yuan|usd|dollars?|元|块|cm|mm|inch|\"))"
    ),
]
_CATALOG_ONLY_SIZE_PATTERNS = (
    2,
    3,
    6,
    7,
    8,
)  # storage/weight, volume, inches: only when the catalog has that value
_INCH_SPELLINGS = ("寸", "英寸", "in", "inch", '"')
_INCH_PATTERN = 7  # index in _SIZE_PATTERNS
# Brand names that are also everyday English words: only a brand when capitalised or in a Chinese message.
_AMBIGUOUS_BRANDS = frozenset(
    {"keep", "peak", "champion", "lodge", "on", "dove", "coach", "gap", "next", "tiger"}
)
# Chinese brand names that are also food words: 苹果干 is dried apple, 小米粥 millet porridge.
_FOOD_NOT_BRAND = re.compile(r"苹果(?=[干味醋汁片脆])|小米(?=[粥锅椒饭])")
_SINGLE_COLOUR_BEFORE = set("要买选挑是款个双件只台")
_SINGLE_COLOUR_AFTER = set("色的款系")
# A negated catalog word is excluded only when it is distinctive: in at most this share of the catalog.
EXCLUDE_TERM_MAX_SHARE = 0.5


@dataclass
class _Exclusions:
    brands: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    attributes: list[tuple[str, str]] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)

    def add(self, bucket: list[Any], value: object) -> None:
        if value not in bucket:
            bucket.append(value)


def detect_language(text: str) -> str:
    """Say "zh" when Chinese characters weigh at least as much as English words (a CJK char ≈ half a word)."""
    cjk = len(_CJK.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]{2,}", text))
    if cjk == 0 and latin_words == 0:
        return "zh"
    return "zh" if cjk * 2 >= latin_words else "en"


_BARE_NOT = regex.compile(rf"不(?={HAN})")
_BARE_NOT_END = re.compile(r"[的，,。.；;！!？?\s\n]|吗|呢|吧|了")


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Replace spans with spaces (offsets of the rest stay valid)."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _whole_words(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans widened to whole Latin words: an amount in words read as digits ("under a thousand" → "under 1000")
    ends its span inside "thousand", and the rest ("ousand") must not stay behind as a keyword."""
    out = []
    for start, end in spans:
        while (
            0 < end < len(text)
            and text[end - 1].isascii()
            and text[end - 1].isalpha()
            and text[end].isalpha()
        ):
            end += 1
        out.append((start, end))
    return out


def _measurement_spans(text: str) -> list[tuple[int, int]]:
    """Spans of imperial measurements ("8 oz", "27 inches", "2 lbs", "3 pounds" beside a weight word)."""
    spans = [m.span() for m in _MEASUREMENT.finditer(text)]
    if _WEIGHT_WORD.search(text):
        spans += [m.span() for m in _POUNDS.finditer(text)]
    return spans


def _broad_target(group: tuple[str, ...], paths: list[list[str]]) -> str | None:
    """The one category path a group of broad words names: a path part equal to a member, else one containing
    a member of two or more characters ("护肤" in "美妆护肤"); None when no part or several parts fit."""
    members = {normalise_text(m) for m in group}
    for fits in (
        lambda part: part in members,
        lambda part: any(len(m) >= 2 and _CJK.search(m) and m in part for m in members),
    ):
        targets = {
            "/".join(path[: depth + 1])
            for path in paths
            for depth, part in enumerate(path)
            if fits(normalise_text(part))
        }
        if targets:
            return targets.pop() if len(targets) == 1 else None
    return None


def _in_text_order(keywords: list[str], text: str) -> list[str]:
    """The chosen keywords in the order they were written, so phrases stay phrases ("green tea", "arm sleeves")."""
    lowered = text.lower()
    position = {word: lowered.find(word.lower()) for word in keywords}
    return sorted(keywords, key=lambda word: (position[word] < 0, position[word]))


class QueryParser:
    """Turns a customer message into keywords + `QueryFilters` using the catalog's vocabulary."""

    def __init__(
        self,
        vocabulary: Vocabulary,
        extractor: KeywordExtractor,
        *,
        top_k: int = 8,
        normalizer: TextNormalizer | None = None,
        normalize: bool = True,
    ) -> None:
        """`normalize` builds a `TextNormalizer` for this vocabulary unless one is given (False: parse as written)."""
        self.vocabulary = vocabulary
        self.extractor = extractor
        self.top_k = top_k
        if normalizer is None and normalize:
            from knowledge.normalize import TextNormalizer

            normalizer = TextNormalizer(vocabulary, known_word=getattr(extractor, "is_word", None))
        self.normalizer = normalizer
        self._categories = self._category_names()
        self._brands = self._brand_names()
        self._colours = self._colour_names()
        self._attribute_values = self._attribute_value_names()
        self._genders = self._gender_values()
        self._terms = frozenset(normalise_text(t) for t in vocabulary.terms)
        # "不" + the next character of every catalog word starting with 不 (不粘锅, 不锈钢): `_bare_not` asks
        # whether a bare 不 starts a catalog word with one set lookup instead of a scan of the vocabulary
        self._not_starts = frozenset(w[:2] for w in vocabulary.doc_freq if w.startswith("不"))

    def _category_names(self) -> Names:
        groups = {normalise_text(m): group for group in synonym_groups() for m in group}
        pairs: dict[str, str] = {}
        paths = [path.split("/") for path in self.vocabulary.categories]
        for path in paths:
            for depth, part in enumerate(path):
                prefixes = {"/".join(p[: depth + 1]) for p in paths if len(p) > depth and p[depth] == part}
                if len(prefixes) != 1 and depth > 0:
                    continue  # "男款" under several parents: ambiguous, not a category filter
                target = "/".join(path[: depth + 1]) if len(prefixes) == 1 else part
                for form in {normalise_text(part), *groups.get(normalise_text(part), ())}:
                    form = normalise_text(form)
                    # deeper levels win a tie: a leaf name is more specific than its parent
                    if form not in pairs or pairs[form].count("/") < target.count("/"):
                        pairs[form] = target
        for term, named in self.vocabulary.term_categories.items():  # "吉他弦" names 乐器/配件, not 吉他
            pairs.setdefault(normalise_text(term), named)
        for name, named in self.vocabulary.kind_names.items():  # "bike computer" names 骑行/码表
            pairs.setdefault(normalise_text(name), named)
        for group in category_word_groups():  # broad words ("数码产品", "electronics"): never over a name
            broad = _broad_target(group, paths)
            for form in (normalise_text(m) for m in group) if broad else ():
                pairs.setdefault(form, broad or "")
        return build_names(pairs)

    def _brand_names(self) -> Names:
        pairs: dict[str, str] = {}
        aliases = [tuple(normalise_text(m) for m in group) for group in brand_alias_groups()]
        for brand in self.vocabulary.brands:
            own = normalise_text(brand)
            parts = [part for part in re.split(r"[\s/|()（）]+", own) if len(part) >= 2]
            # a part of a longer brand is a name of its own unless it is an everyday English word
            # ("Tor Books" is not "books", "Under Armour" is not "under")
            forms = {own, *(p for p in parts if len(parts) == 1 or not (p.isascii() and english_word(p)))}
            for group in aliases:
                if forms & set(group):
                    forms.update(group)
            for form in forms:
                pairs.setdefault(form, brand)
        for alias, brand in self.vocabulary.brand_aliases.items():  # "凯乐石" for KAILAS, learnt from titles
            pairs.setdefault(normalise_text(alias), brand)
        return build_names(pairs)

    def _colour_names(self) -> list[tuple[tuple[str, ...], str, dict[str, str]]]:
        """Each colour group with its catalog value (canonical first) and members the catalog spells itself."""
        catalog = {normalise_text(c): c for c in self.vocabulary.colors}
        out = []
        for group in colour_groups():
            members = tuple(sorted((normalise_text(m) for m in group), key=len, reverse=True))
            own = {m: catalog[m] for m in members if m in catalog}
            value = own.get(normalise_text(group[0])) or next(iter(own.values()), None)
            value = value or next((c for n, c in catalog.items() if any(m in n for m in members)), None)
            out.append((members, value or group[0], own))
        return out

    def _colour(self, text: str) -> str | None:
        """The colour asked for, in the catalog's spelling ("black" stays "black" if the catalog says so)."""
        grams = latin_ngrams(text)
        for members, value, own in self._colours:
            for member in members:
                if len(member) == 1:
                    for match in re.finditer(member, text):
                        before = text[match.start() - 1] if match.start() else " "
                        after = text[match.end()] if match.end() < len(text) else " "
                        ok_before = not _CJK.match(before) or before in _SINGLE_COLOUR_BEFORE
                        ok_after = not _CJK.match(after) or after in _SINGLE_COLOUR_AFTER
                        if ok_before and ok_after:
                            return own.get(member, value)
                elif (
                    member in text if _CJK.search(member) else member in grams
                ) and f"{member} tea" not in text:
                    return own.get(member, value)
        return None

    def _size(self, text: str) -> tuple[str, str, tuple[int, int]] | None:
        """(attribute key, value, span) of a size/capacity, keyed as the catalog stores it."""
        for number, pattern in enumerate(_SIZE_PATTERNS):
            match = pattern.search(text)
            if match:
                found = self._catalog_size("".join(g for g in match.groups() if g))
                if (
                    found is None and number == _INCH_PATTERN
                ):  # "20英寸" asked, "20寸" stored (or the reverse)
                    found = next(
                        (f for u in _INCH_SPELLINGS if (f := self._catalog_size(match.group(1) + u))), None
                    )
                if found is None and number in _CATALOG_ONLY_SIZE_PATTERNS and self.vocabulary.attributes:
                    continue  # "500g" is a weight unless the catalog sells it as a size
                size = "".join(g for g in match.groups() if g)
                key, value = found or ("size", size.upper() if re.search(r"[a-z]", size) else size)
                return key, value, match.span()
        return None

    def _catalog_size(self, size: str) -> tuple[str, str] | None:
        """(key, value) of the catalog's own spelling of a size ("42" → "42码" if that is what it stores)."""
        wanted = size.lower().replace("gb", "g").replace("tb", "t")
        keys = [k for k in SIZE_KEYS if k in self.vocabulary.attributes]
        for key in keys:
            for value in self.vocabulary.attributes[key]:
                plain = normalise_text(value).replace(" ", "").replace("gb", "g").replace("tb", "t")
                if plain == wanted or re.sub(r"^(eu|us|uk)|码$|号$|cm$", "", plain) == wanted:
                    return ("size" if key in ("size", "尺码", "尺寸") else key), value
        return None

    def _brand(self, original: str, norm: str) -> str | None:
        brand = self._brands.find(_FOOD_NOT_BRAND.sub("  ", norm))
        ambiguous = brand is not None and normalise_text(brand) in _AMBIGUOUS_BRANDS
        if (
            ambiguous
            and not _CJK.search(original)
            and not re.search(rf"\b{re.escape(str(brand))}\b", original)
        ):
            return None  # "keep me warm" is not the brand Keep
        return brand

    def brands_in(self, text: str) -> list[str]:
        """Every catalog brand the text names, in the order written, once each ("德龙和Nespresso" → ["德龙",
        "Nespresso"]); brand aliases, case and width as `parse` reads them. The text is taken as written (no
        pinyin or typo pass): pass a Simplified message."""
        norm = normalise_text(text)  # callers pass the message as `parse` saw it (Simplified, typos fixed)
        found = self._brands.find_all(_FOOD_NOT_BRAND.sub("  ", norm))
        out: list[str] = []
        for brand, _span in sorted(found, key=lambda item: item[1]):
            ambiguous = normalise_text(brand) in _AMBIGUOUS_BRANDS
            if ambiguous and not _CJK.search(text) and not re.search(rf"\b{re.escape(brand)}\b", text):
                continue  # "keep me warm" is not the brand Keep
            if brand not in out:
                out.append(brand)
        return out

    def _attribute_value_names(self) -> Names:
        """Catalog attribute values a shopper may name or rule out ("入耳式", "乳液"), encoded "key\0value".

        Colours, sizes and genders have their own readers; numbers and one-character values are not names.
        """
        skip = {*COLOUR_KEYS, *SIZE_KEYS}
        groups = {normalise_text(m): group for group in synonym_groups() for m in group}
        pairs: dict[str, str] = {}
        other: dict[str, str] = {}  # the value in the other language ("dry skin" names 干皮): synonym groups
        for key, values in self.vocabulary.attributes.items():
            if key in skip or is_gender_key(key):
                continue
            for value in values:
                form = normalise_text(value).strip()
                if len(form) >= 2 and not re.fullmatch(r"[\d.\s%+a-z]{0,3}|[\d.,\s]+[a-z%]*", form):
                    pairs.setdefault(form, f"{key}\0{value}")
                    for member in groups.get(form, ()):
                        other.setdefault(normalise_text(member).strip(), f"{key}\0{value}")
        return build_names({**other, **pairs})  # the catalog's own spelling wins

    def _material(self, text: str) -> str | None:
        """The material asked ("要100%棉的" → "纯棉"; see `knowledge.materials`), when this catalog says what
        its products are made of (a material attribute); None otherwise."""
        if not any(key in ("material", "材质") for key in self.vocabulary.attributes):
            return None
        ask = material_asked(text)
        return ask.value if ask is not None else None

    def _gender_values(self) -> dict[str, str]:
        """Canonical gender → the catalog's own spelling; empty when the catalog never speaks of gender."""
        values: dict[str, str] = {}
        for key, found in self.vocabulary.attributes.items():
            if is_gender_key(key):
                for value in found:
                    canonical = gender_of_value(value)
                    if canonical:
                        values.setdefault(canonical, value)
        if not values:
            words = [w for w in self.vocabulary.doc_freq if gender_of_value(w)]
            values = {gender_of_value(w): gender_of_value(w) for w in words}  # type: ignore[misc]
        return values

    def _gender(self, text: str) -> tuple[str, list[tuple[int, int]]] | None:
        """(catalog value, spans) of the gender asked for; None when not asked or the catalog has no gender."""
        found = genders_in_text(text)
        if not found:
            return None
        canonical = found[0][0]
        if self.vocabulary.doc_count and not self._genders:
            return None  # the catalog never says who a product is for: leave the words to the keywords
        value = self._genders.get(canonical, canonical)
        return value, [span for _, span in found]

    def _category(self, text: str) -> str | None:
        """The category the text names — not one it names only as a purpose before another kind of the shop's
        ("适合露营的保温壶", "露营用的保温壶": a vacuum bottle for camping, not a camping product). A purpose with
        no kind after it ("适合露营的") still names its category."""
        found = self._categories.find_all(text)
        if not found:
            return None
        kept = [
            value
            for value, (start, end) in found
            if not (_PURPOSE_BEFORE.search(text[:start]) or _PURPOSE_AFTER.match(text[end:]))
            or not self._kind_after(text[end:])
        ]
        if len(kept) == len(found):
            return self._categories.find(text)
        return max(kept, key=lambda v: v.count("/"), default=None)

    def _kind_after(self, text: str) -> bool:
        """A catalog tag of two or more characters, or a category name, follows the purpose clause ("…的保温壶",
        "游泳用的耳塞" in a shop whose category 户外/耳塞 no tag names)."""
        tail = _PURPOSE_AFTER.sub("", text, count=1)
        tail = tail[tail.find("的") + 1 :] if "的" in tail else tail
        return any(len(term) >= 2 and term in tail for term in self._terms) or bool(
            self._categories.find_all(tail)
        )

    def _default_currency(self, language: str) -> str | None:
        return self.vocabulary.currency or (
            None if self.vocabulary.doc_count else LANGUAGE_CURRENCY[language]
        )

    def _head_kept(self, text: str, negation: Negation) -> Negation:
        """ "not Sony or Apple earbuds" / "no Nike running shoes": the brands are ruled out, the kind named after
        them is what the customer asks for — the scope ends before it (so a new kind still switches the topic)."""
        scope = negation.scope_text(text)
        brands = self._brands.find_all(_FOOD_NOT_BRAND.sub("  ", scope))
        if not brands:
            return negation
        after = max(end for _, (_, end) in brands)
        for _, (start, _) in self._categories.find_all(scope):
            if start >= after:
                return replace(negation, scope=(negation.scope[0], negation.scope[0] + start))
        return negation

    def _exclusions(self, text: str, negations: list[Negation]) -> _Exclusions:
        """What each negated scope names: brands, categories, colours, sizes, genders, attribute values, words."""
        out = _Exclusions()
        for negation in negations:
            scope = negation.scope_text(text)
            taken: list[tuple[int, int]] = []
            for brand, span in self._brands.find_all(_FOOD_NOT_BRAND.sub("  ", scope)):
                out.add(out.brands, brand)
                taken.append(span)
            scope = _blank(scope, taken)
            for category, span in self._categories.find_all(scope):
                out.add(out.categories, category)
                taken.append(span)
            scope = _blank(scope, taken)
            for code in self._currencies_in(scope):
                out.add(out.attributes, ("currency", code))
            colour = self._colour(scope)
            if colour:
                out.add(out.attributes, ("color", colour))
            size = self._size(scope)
            if size:
                out.add(out.attributes, (size[0], size[1]))
                scope = _blank(scope, [size[2]])
            gender = self._gender(scope)
            if gender:
                out.add(out.attributes, ("gender", gender[0]))
                scope = _blank(scope, gender[1])
            for encoded, span in self._attribute_values.find_all(scope):
                key, _, value = encoded.partition("\0")
                out.add(out.attributes, (key, value))
                taken.append(span)
            scope = _blank(scope, taken)
            if colour:
                continue
            # the scope's words, and the catalog's own tags written inside it ("儿童款": jieba cuts 儿/童款)
            tags = [t for t in self._terms if len(t) >= 2 and _CJK.search(t) and t in scope]
            most = EXCLUDE_TERM_MAX_SHARE * max(self.vocabulary.doc_count, 1)
            for word in dict.fromkeys([*self.extractor.keywords(scope, top_k=4), *tags]):
                df = self.vocabulary.doc_freq.get(word, 0)
                if df and df <= most:
                    out.add(out.terms, word)
                elif not df and len(word) >= 2 and _CJK.search(word):
                    # "不要活页的": no listing has 活页 as a word of its own, but the tag 活页本 holds it
                    for term in sorted(t for t in self._terms if word in t and t != word):
                        if 0 < self.vocabulary.doc_freq.get(term, 0) <= most:
                            out.add(out.terms, term)
        return out

    def _bare_not(self, text: str, found: list[Negation]) -> list[Negation]:
        """ "不降噪的耳机", "不防水的": a bare 不 before a feature this catalog's listings name (a keyword of at most
        half the catalog) rules that feature out — unless 不 starts a catalog word itself (不粘锅, 不锈钢)."""
        taken = [(min(n.cue[0], n.scope[0]), max(n.cue[1], n.scope[1])) for n in found]
        out = []
        for cue in _BARE_NOT.finditer(text):
            start = cue.end()
            if any(lo <= cue.start() < hi for lo, hi in taken):
                continue
            if any(
                cue.start() >= n and text[cue.start() - n : cue.start()] == text[start : start + n]
                for n in (1, 2)
            ):
                continue  # A不A is a question: 是不是防水的, 防不防水, 降噪不降噪
            if text[cue.start() : start + 1] in self._not_starts:
                continue  # 不粘(锅), 不锈(钢): the catalog's own word
            end_match = _BARE_NOT_END.search(text, start)
            end = min(end_match.start() if end_match else len(text), start + 8)
            words = self.extractor.keywords(text[start:end], top_k=2)
            limit = EXCLUDE_TERM_MAX_SHARE * max(self.vocabulary.doc_count, 1)
            if words and all(0 < self.vocabulary.doc_freq.get(w, 0) <= limit for w in words):
                out.append(Negation(cue.span(), (start, end)))
        return out

    def _currencies_in(self, scope: str) -> list[str]:
        """ISO codes of the currencies a negated scope names ("美元标价的", "usd prices"), when this catalog prices
        in more than one: 元/块 alone are units of an amount, not a currency ruled out."""
        if len(self.vocabulary.currencies) < 2:
            return []
        grams = latin_ngrams(scope)
        found = [
            code
            for word, code in CURRENCY_WORDS.items()
            if (len(word) >= 2 or word == "$")
            and (word in grams if word.isascii() and word.isalpha() else word in scope)
        ]
        return [code for code in dict.fromkeys(found) if code in self.vocabulary.currencies]

    def read_pinyin(self, text: str) -> str | None:
        """The Chinese a pinyin message spells in this catalog's words ("lanya erji" → "蓝牙耳机"), or None when
        the message has Chinese characters, is English, or spells no catalog word (see `knowledge.spelling`)."""
        if self.normalizer is None or HAN_CHAR.search(text):
            return None
        read, corrections = self.normalizer.spelling.from_pinyin(text)
        return read if corrections else None

    def fix_typos(self, text: str) -> str:
        """`text` with near-miss catalog words corrected (电反煲 → 电饭煲, 空气炸国 → 空气炸锅, wireles → wireless):
        same pinyin and one character off a catalog word, or one edit off a catalog English word; otherwise
        `text` unchanged. Expects Simplified text (see `knowledge.spelling`)."""
        if self.normalizer is None:
            return text
        return self.normalizer.spelling.fix_typos(text)[0]

    def parse(self, text: str) -> ParsedQuery:
        """Keywords plus filters; price, stock, gender and negated phrases are removed from the keywords."""
        normalized = self.normalizer.normalize(text) if self.normalizer is not None else None
        source = normalized.text if normalized is not None else text
        norm = normalise_text(source)
        language = detect_language(source)
        measurements = _measurement_spans(norm)
        price = parse_price(_blank(norm, measurements))
        if self.vocabulary.currency:  # "under $20 or 100 yuan": the budget in the shop's own currency
            price = price.in_currency(self.vocabulary.currency)
        if price.max_price is not None and price.max_price <= 0:
            # "价格写成0元": a price of nothing is no budget (its words stay blanked, no search for 0元)
            price = replace(price, min_price=None, max_price=None, currency=None)
        rest = _blank(norm, _whole_words(norm, price.spans))
        negations = find_negations(rest)
        negations = sorted([*negations, *self._bare_not(rest, negations)], key=lambda n: n.cue[0])
        negations = [self._head_kept(rest, n) for n in negations]
        excluded = self._exclusions(rest, negations)
        rest = _blank(rest, [span for n in negations for span in (n.cue, n.scope)])
        rest = _blank(
            rest, [m.span() for m in _A_UNIT.finditer(rest)]
        )  # "一本书": jieba reads 本书 ("this book")
        rest = _blank(rest, [m.span() for m in _ASKING_HAVE.finditer(rest)])
        in_stock = bool(_IN_STOCK.search(rest))
        attributes: dict[str, str] = {}
        # "Blue Diamond 杏仁", "Black Diamond 头灯": a brand's own colour word asks for no colour
        branded = [span for brand, span in self._brands.find_all(rest) if self._colour(normalise_text(brand))]
        colour = self._colour(_blank(rest, branded))
        if colour:
            attributes["color"] = colour
        size = self._size(
            _blank(rest, [span for span in measurements if _BOUND_BEFORE.search(rest[: span[0]])])
        )
        if size:
            attributes[size[0]] = size[1]
        gender = self._gender(rest)
        if gender:
            attributes["gender"] = gender[0]
        currency = None
        if price.min_price is not None or price.max_price is not None:
            currency = price.currency or self._default_currency(language)
        else:
            priced = PRICED_IN.search(rest)
            code = currency_code(next(g for g in priced.groups() if g).replace(" ", "")) if priced else None
            if priced is not None and code is not None:  # "美元标价的": products priced in USD only
                attributes["currency"] = code
                rest = _blank(rest, [priced.span()])
        filters = QueryFilters(
            min_price=price.min_price,
            max_price=price.max_price,
            category=self._category(rest),
            brand=self._brand(source, rest),
            attributes=attributes,
            in_stock=in_stock,
            currency=currency,
            exclude_brands=tuple(excluded.brands),
            exclude_categories=tuple(excluded.categories),
            exclude_attributes=tuple(excluded.attributes),
            exclude_terms=tuple(excluded.terms),
            material=self._material(rest),
        )
        blanks = ([size[2]] if size else []) + (gender[1] if gender else [])
        keyword_text = _IN_STOCK.sub(" ", _blank(rest, [*blanks, *measurements]))
        keywords = _in_text_order(self.extractor.keywords(keyword_text, top_k=self.top_k), keyword_text)
        return ParsedQuery(
            text=text,
            keywords=keywords,
            filters=filters,
            language=language,  # type: ignore[arg-type]
            normalized=source,
            traditional=normalized.traditional if normalized is not None else False,
            corrections=normalized.corrections if normalized is not None else (),
        )
