"""Query understanding by rules: keywords + filters (price, category, brand, colour, size, in stock).

Rules first and exact on numbers (see `knowledge.prices`); names are matched against the catalog's own
vocabulary (and the synonym / colour / brand-alias files), and a matched value is returned in the
catalog's own spelling, so filters compare equal to what the store holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.models import ParsedQuery, QueryFilters
from knowledge.prices import parse_price
from knowledge.protocols import KeywordExtractor
from knowledge.resources import brand_alias_groups, colour_groups, normalise_text, synonym_groups
from knowledge.script import HAN_CHAR
from knowledge.vocabulary import SIZE_KEYS, Vocabulary

_CJK = HAN_CHAR
_IN_STOCK = re.compile(r"有货|现货|有库存|库存充足|in[ -]?stock|available|ready to ship")
_SIZE_PATTERNS = [
    re.compile(r"(?<![\d.])(\d{2}(?:\.5)?)\s*(?:码|号|yards?\b)"),
    re.compile(
        r"(?:size|eu|us|uk|尺码|码数|鞋码)\s*[:：]?\s*(\d{1,2}(?:\.5)?|[2-5]?x{0,3}[sml])(?![a-z0-9])"
    ),
    re.compile(r"(?<![a-z0-9])(\d{2,4})\s*(g|gb|t|tb)(?![a-z0-9])"),
    re.compile(r"(?<![a-z0-9])(\d{2,4})\s*(ml|l)(?![a-z0-9])"),
    re.compile(r"(?<![a-z0-9])(x{1,3}[sl]|[2-5]xl)(?![a-z0-9])"),
    re.compile(r"(?<![a-z0-9])([sml])\s*(?:码|号)"),
]
_CATALOG_ONLY_SIZE_PATTERNS = (2, 3)  # storage/weight and volume: only when the catalog has that value
# Brand names that are also everyday English words: only a brand when capitalised or in a Chinese message.
_AMBIGUOUS_BRANDS = frozenset(
    {"keep", "peak", "champion", "lodge", "on", "dove", "coach", "gap", "next", "tiger"}
)
# Chinese brand names that are also food words: 苹果干 is dried apple, 小米粥 millet porridge.
_FOOD_NOT_BRAND = re.compile(r"苹果(?=[干味醋汁片脆])|小米(?=[粥锅椒饭])")
_SINGLE_COLOUR_BEFORE = set("要买选挑是款个双件只台")
_SINGLE_COLOUR_AFTER = set("色的款系")


def detect_language(text: str) -> str:
    """Say "zh" when Chinese characters weigh at least as much as English words (a CJK char ≈ half a word)."""
    cjk = len(_CJK.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]{2,}", text))
    if cjk == 0 and latin_words == 0:
        return "zh"
    return "zh" if cjk * 2 >= latin_words else "en"


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Replace spans with spaces (offsets of the rest stay valid)."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


_LATIN_WORD = re.compile(r"[a-z0-9]+(?:['’.&+-][a-z0-9]+)*")


def _latin_ngrams(text: str, longest: int = 4) -> set[str]:
    """Every run of up to `longest` English words (also without a plural s/es): "new balance shoes" → …"""
    words = _LATIN_WORD.findall(text)
    grams: set[str] = set()
    for n in range(1, longest + 1):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            grams.add(" ".join(gram))
            last = gram[-1]
            for cut in (1, 2):
                if len(last) > 3 and last.endswith("es"[2 - cut :]):
                    grams.add(" ".join([*gram[:-1], last[:-cut]]))
    return grams


@dataclass(frozen=True)
class _Names:
    """Surface forms → the catalog value they stand for, longest form first.

    English forms are looked up in the set of the text's word n-grams and Chinese ones by substring, so a
    catalog with thousands of brands costs set lookups per query, not thousands of regex searches.
    """

    forms: tuple[tuple[str, str, bool], ...]  # (form, value, is_chinese)

    def find(self, text: str) -> str | None:
        grams: set[str] | None = None
        for form, value, chinese in self.forms:
            if chinese:
                if form in text:
                    return value
                continue
            if grams is None:
                grams = _latin_ngrams(text)
            if form in grams:
                return value
        return None


def _names(pairs: dict[str, str]) -> _Names:
    ordered = sorted(pairs.items(), key=lambda item: (-len(item[0]), item[0]))
    forms = []
    for form, value in ordered:
        chinese = bool(_CJK.search(form))
        key = form if chinese else " ".join(_LATIN_WORD.findall(form))
        if len(form) >= 2 and key:
            forms.append((key, value, chinese))
    return _Names(tuple(forms))


class QueryParser:
    """Turns a customer message into keywords + `QueryFilters` using the catalog's vocabulary."""

    def __init__(self, vocabulary: Vocabulary, extractor: KeywordExtractor, *, top_k: int = 8) -> None:
        self.vocabulary = vocabulary
        self.extractor = extractor
        self.top_k = top_k
        self._categories = self._category_names()
        self._brands = self._brand_names()
        self._colours = self._colour_names()

    def _category_names(self) -> _Names:
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
        return _names(pairs)

    def _brand_names(self) -> _Names:
        pairs: dict[str, str] = {}
        aliases = [tuple(normalise_text(m) for m in group) for group in brand_alias_groups()]
        for brand in self.vocabulary.brands:
            own = normalise_text(brand)
            forms = {own, *(part for part in re.split(r"[\s/|()（）]+", own) if len(part) >= 2)}
            for group in aliases:
                if forms & set(group):
                    forms.update(group)
            for form in forms:
                pairs.setdefault(form, brand)
        return _names(pairs)

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
        grams = _latin_ngrams(text)
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
                if plain == wanted or re.sub(r"^(eu|us|uk)|码$|号$", "", plain) == wanted:
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

    def parse(self, text: str) -> ParsedQuery:
        """Keywords plus filters; price and stock phrases are removed from the keywords."""
        norm = normalise_text(text)
        price = parse_price(norm)
        rest = _blank(norm, price.spans)
        in_stock = bool(_IN_STOCK.search(rest))
        attributes: dict[str, str] = {}
        colour = self._colour(rest)
        if colour:
            attributes["color"] = colour
        size = self._size(rest)
        if size:
            attributes[size[0]] = size[1]
        filters = QueryFilters(
            min_price=price.min_price,
            max_price=price.max_price,
            category=self._categories.find(rest),
            brand=self._brand(text, rest),
            attributes=attributes,
            in_stock=in_stock,
        )
        keyword_text = _IN_STOCK.sub(" ", _blank(rest, [size[2]] if size else []))
        keywords = self.extractor.keywords(keyword_text, top_k=self.top_k)
        return ParsedQuery(text=text, keywords=keywords, filters=filters, language=detect_language(text))  # type: ignore[arg-type]
