"""Product mentions: which catalog products a message names ("AirPods Pro 2", "kayano31", "华为GT5", "XM5 头戴的").

Entity linking before free retrieval, driven only by the catalog: every product's title (and brand, with the
brand-alias file) is cut into tokens — Latin/digit runs and jieba words — and runs of 1–3 consecutive tokens,
written without spaces or hyphens, become its name keys ("Nike Air Zoom Pegasus 41" → "pegasus41",
"airzoompegasus41" …). A key is weighed by how few products share it (log N/df). A message names a product when
one product (or two that share a distinctive key, e.g. the men's and women's Pegasus 41) clearly wins and its best
key is a name, not just a brand or a category word. Ties are broken by words that match a product's attribute
values ("头戴" → 头戴式, "women's" → 女). A model word right after the matched name that the product does not have
("AirPods **Max**", "Anker **PowerCore 10000**") means another model: no mention, so the bot can say it lacks it.
Comparisons ("A 和 B", "A vs B", "A or B") are split and each side resolved on its own.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.conversation.script import to_simplified
from knowledge.models import Product
from knowledge.resources import brand_alias_groups, normalise_text, stopwords, synonym_groups
from knowledge.spelling import english_word

_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?[a-z0-9]*|[\u3400-\u9fff]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CAMEL = re.compile(r"[A-Z][a-z]+")
_SPLIT = re.compile(
    r"\s*(?:和|跟|与|同|还是|或者|或是|对比|\bvs\.?|\bversus\b|\bor\b|\band\b|、|,|，)\s*", re.I
)
_GENDER_WORDS = {
    "female": ("女", "女款", "女子", "女士", "女生", "women", "womens", "woman", "ladies", "female"),
    "male": ("男", "男款", "男子", "男士", "男生", "men", "mens", "man", "male"),
}
_GENDER_VALUES = {"female": ("女", "female", "women"), "male": ("男", "male", "men")}
# General words a shopper writes after a product's name that do not name another model.
_GENERAL = frozenset(
    [
        "available",
        "stock",
        "size",
        "sizes",
        "price",
        "cost",
        "much",
        "many",
        "colour",
        "colors",
        "color",
        "colours",
        "buy",
        "sell",
        "have",
        "has",
        "how",
        "what",
        "which",
        "is",
        "are",
        "the",
        "in",
        "of",
        "for",
        "with",
        "on",
        "any",
        "pro",
        "vs",
        "or",
        "and",
        "than",
        "lighter",
        "cheaper",
        "better",
    ]
)
MAX_NAME_DF = 3
_MEASURE = re.compile(r"\d+(?:\.\d+)?(?:mm|cm|m|米|厘米|g|kg|克|ml|l|升|w|瓦|mah|毫安|寸|inch|oz|h|小时|天)")
MAX_KEY_DF = 48  # keys shared by more products (a big brand, a kind) are not looked at: they name no product
# Words after a number that make it a quantity or a price, not a model number ("100包", "100块以内").
_QUANTITY = re.compile(
    r"^(?:包|袋|瓶|条|颗|支|件|罐|盒|片|粒|只|双|块|元|以内|以下|左右|多|bag|pc|piece|pack|count|ml|g|kg|l)"
)  # a key shared by more products is a family or a category, not a name


def _singular(token: str) -> str:
    """ "airpods" → "airpod", "freebuds" → "freebud" (not "pegasus", "glass")."""
    plural = len(token) > 4 and token.endswith("s") and token[-2] not in "sui" and not token[-2].isdigit()
    return token[:-1] if plural else token


@dataclass(frozen=True)
class Mention:
    """Products one part of a message names (usually one; two when the customer's words fit both)."""

    skus: tuple[str, ...]
    text: str  # the part of the message that named them
    score: float


class MentionIndex:
    """Name keys of every product in a catalog; `find(text)` → the products a message names.

    Lookups cost O(length of the message²) dictionary probes, whatever the catalog's size.
    """

    def __init__(self, products: Iterable[Product], words: Callable[[str], list[str]] | None = None) -> None:
        self._words = words or (lambda run: [run])
        self.products = {p.sku: p for p in products}
        self._stop = stopwords()
        self.keys: dict[str, set[str]] = defaultdict(set)  # key → skus
        self.brand_keys: set[str] = set()
        self.generic: set[str] = set()  # tags, category levels and synonyms: kinds of product, not names
        self._suffixes: dict[str, set[str]] = defaultdict(set)  # "xm5" → products whose model ends so
        self._tokens: dict[str, set[str]] = {}
        aliases = [tuple(self._compact(self.tokens(m)) for m in group) for group in brand_alias_groups()]
        for group in synonym_groups():
            self.generic.update(self._compact(self.tokens(m)) for m in group)
        for product in self.products.values():
            self.generic.update(self._compact(self.tokens(t)) for t in product.tags)
            self.generic.update(self._compact(self.tokens(c)) for c in product.category_path)
            tokens = self.tokens(product.title)
            own = set(tokens)
            for key in self._ngrams(tokens):
                self.keys[key].add(product.sku)
            for acronym in self._acronyms(product.title):
                self.keys[acronym].add(product.sku)
                own.add(acronym)
            for token in tokens:
                if len(token) >= 4 and re.search(r"\d", token) and re.search(r"[a-z]", token):
                    for cut in range(1, len(token) - 2):
                        self._suffixes[token[cut:]].add(product.sku)
            forms = {self._compact(self.tokens(product.brand))} if product.brand else set()
            forms |= {self._compact(self.tokens(part)) for part in product.brand.split()}
            for group in aliases:
                if forms & set(group):
                    forms |= set(group)
            for form in forms - {""}:
                self.keys[form].add(product.sku)
                self.brand_keys.add(form)
                own.add(form)
            self._tokens[product.sku] = own
        self.generic -= {""}
        self._n = max(1, len(self.products))
        # A brand + a kind ("美的 电饭煲") still pins one product while each key is shared by a few dozen; keys
        # shared by more are skipped, so a lookup costs the same in a catalog of 100 or 100k products.
        self.max_df = MAX_KEY_DF
        self._found: dict[str, list[Mention]] = {}
        self._longest = max((len(k) for k in self.keys), default=0)

    # -- tokens ---------------------------------------------------------------------------------------
    @staticmethod
    def _norm(text: str) -> str:
        return to_simplified(normalise_text(text))

    def tokens(self, text: str) -> list[str]:
        """Lower-case Latin/digit runs (plural s dropped) and jieba words of Chinese runs, in order."""
        out: list[str] = []
        for match in _TOKEN.finditer(self._norm(text)):
            run = match.group(0)
            if _CJK.match(run):
                out += [w for w in self._words(run) if w.strip()] or [run]
            else:
                out.append(_singular(run))
        return out

    @staticmethod
    def _compact(tokens: Sequence[str]) -> str:
        return "".join(tokens)

    def _ngrams(self, tokens: Sequence[str], longest: int = 3) -> set[str]:
        keys: set[str] = set()
        for n in range(1, longest + 1):
            for i in range(len(tokens) - n + 1):
                gram = tokens[i : i + n]
                key = "".join(gram)
                if n == 1 and (
                    (key.isdigit() and len(key) < 3) or len(key) < 2 or re.fullmatch(r"\d+\.\d+", key)
                ):
                    continue  # "41" alone is not a name ("4.1L" is not a Pegasus 41)
                if n == 1 and key.isdigit() and i + 1 < len(tokens) and _QUANTITY.match(tokens[i + 1]):
                    continue  # "100包", "100 bags": a quantity, not a model number
                if all(t in self._stop for t in gram) or gram[0] in self._stop or gram[-1] in self._stop:
                    continue  # "the", "the mat": stop words never start or end a name
                keys.add(key)
        return keys

    @staticmethod
    def _acronyms(title: str) -> set[str]:
        """ "QuietComfort" → "qc": shoppers abbreviate CamelCase model names."""
        out = set()
        for word in re.findall(r"[A-Za-z]+", title):
            parts = _CAMEL.findall(word)
            if len(parts) >= 2 and "".join(parts) == word:
                out.add("".join(p[0] for p in parts).lower())
        return out

    def weight(self, key: str) -> float:
        return math.log((self._n + 1) / len(self.keys.get(key, ()) or (1,)))

    # -- finding --------------------------------------------------------------------------------------
    def find(self, text: str) -> list[Mention]:
        """The products named in `text`: one Mention per named product (two for "A 和 B" comparisons)."""
        cached = self._found.get(text)
        if cached is None:
            cached = self._find(text)
            if len(self._found) > 4096:
                self._found.clear()
            self._found[text] = cached
        return list(cached)

    def _find(self, text: str) -> list[Mention]:
        norm = self._norm(text)
        parts = [p for p in _SPLIT.split(norm) if p.strip()]
        if len(parts) >= 2:
            named: list[Mention] = []
            for part in parts:  # each side of a comparison: a unique best product is enough
                found = self._resolve(part, text, compared=True)
                if found is not None and all(set(found.skus) != set(m.skus) for m in named):
                    named.append(found)
            if len(named) >= 2:
                return named
        whole = self._resolve(norm, text)
        return [whole] if whole is not None else []

    def _matches(self, tokens: list[str]) -> dict[str, set[str]]:
        """sku → matched keys: token windows, any substring of the message that is a key (Chinese keys
        inside words, "pegasus41" written together), and partial model numbers ("xm5")."""
        found: dict[str, set[str]] = defaultdict(set)
        compact = "".join(tokens)
        for n in range(1, 5):
            for i in range(len(tokens) - n + 1):
                key = "".join(tokens[i : i + n])
                if key.isdigit() and i + n < len(tokens) and _QUANTITY.match(tokens[i + n]):
                    continue  # "100块以内" is a budget
                skus = self.keys.get(key, ())
                if len(skus) > self.max_df:
                    continue
                for sku in skus:
                    found[sku].add(key)
        for i in range(len(compact)):
            for j in range(i + 2, min(len(compact), i + self._longest) + 1):
                key = compact[i:j]
                found_skus = self.keys.get(key)
                if not found_skus or len(found_skus) > self.max_df:
                    continue
                chinese = bool(_CJK.search(key))
                latin_ok = (
                    len(key) >= 5
                    and re.search(r"\d", key)
                    and (
                        i == 0
                        or not compact[i - 1].isalnum()
                        or _CJK.match(compact[i - 1])
                        or not key[0].isdigit()
                    )
                )
                if chinese or latin_ok:
                    for sku in found_skus:
                        found[sku].add(key)
        for token in tokens:
            if len(token) >= 3 and re.search(r"\d", token) and re.search(r"[a-z]", token):
                for sku in self._suffixes.get(token, ()):
                    found[sku].add(token)
        return found

    def _score(self, keys: set[str], compact: str) -> tuple[int, float]:
        """(characters of the message the product's keys cover, weight of its most specific keys)."""
        covered: set[int] = set()
        for key in keys:
            start = compact.find(key)
            while start >= 0:
                covered.update(range(start, start + len(key)))
                start = compact.find(key, start + 1)
        kept = [k for k in keys if not any(k != other and k in other for other in keys)]
        return len(covered), sum(self.weight(k) for k in kept)

    def _resolve(self, text: str, original: str, *, compared: bool = False) -> Mention | None:
        tokens = self.tokens(text)
        matches = self._matches(tokens)
        if not matches:
            return None
        compact = "".join(tokens)
        scored = sorted(
            ((self._score(keys, compact), sku) for sku, keys in matches.items()),
            key=lambda item: (-item[0][0], -item[0][1], item[1]),
        )
        best = scored[0][0]
        top = [sku for score, sku in scored if score[0] == best[0] and score[1] >= best[1] - 1e-9]
        if len(top) > 8:
            return None  # a family or a kind, not one product
        if len(top) > 1:
            top = self._disambiguate(text, top)
        if len(top) > 2 or not (self._is_name(top, matches) or (compared and len(top) == 1)):
            return None
        if self._other_model(tokens, top[0], matches[top[0]], original):
            return None
        return Mention(tuple(top), text, best[1])

    def is_generic(self, key: str) -> bool:
        """A kind of product, not a name: a tag, category or synonym, or made only of them ("跑步手表")."""
        if key in self.generic:
            return True
        if not _CJK.search(key):
            return False
        reach = [True] + [False] * len(key)  # can key[:i] be cut into generic words?
        for i in range(len(key)):
            if reach[i]:
                for j in range(i + 2, len(key) + 1):
                    if key[i:j] in self.generic:
                        reach[j] = True
        return reach[-1]

    def _is_name(self, top: list[str], matches: dict[str, set[str]]) -> bool:
        shared = set.intersection(*(matches[s] for s in top))
        names = [
            k
            for k in shared
            if k not in self.brand_keys
            and not self.is_generic(k)
            and len(self.keys.get(k, top)) <= MAX_NAME_DF
            and (
                _CJK.search(k) or re.search(r"\d", k) or (len(k) >= 5 and not english_word(k))
            )  # "set", "sleeve"
            and not _MEASURE.fullmatch(k)  # "1.5米", "65w": a size, not a name
        ]
        if names:
            return True
        brands = [k for k in shared if k in self.brand_keys and len(self.keys[k]) <= 2]
        return len(top) == 1 and bool(brands)

    def _disambiguate(self, text: str, top: list[str]) -> list[str]:
        """Prefer products whose attribute values / tags the message also names (头戴 → 头戴式, 女款 → 女)."""

        def fit(sku: str) -> int:
            product = self.products[sku]
            values = [self._norm(v) for raw in product.attributes.values() for v in re.split(r"[;；]", raw)]
            values += [self._norm(t) for t in product.tags]
            values = [v for v in values if len(v) >= 2 and not re.fullmatch(r"[\d.\s-]+", v)]  # not sizes
            score = sum(1 for v in values if v in text or (len(v) >= 3 and v[:2] in text))
            for gender, words in _GENDER_WORDS.items():
                if any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", text) for w in words):
                    own = self._norm(product.attributes.get("gender", "") + " " + product.title)
                    score += 3 if any(v in own for v in _GENDER_VALUES[gender]) else 0
            return score

        fits = {sku: fit(sku) for sku in top}
        best = max(fits.values())
        return [sku for sku in top if fits[sku] == best]

    def _other_model(self, tokens: list[str], sku: str, keys: set[str], original: str) -> bool:
        """A model-like word right after the matched name that this product lacks ("AirPods **Max**",
        "Anker **PowerCore** 10000") names another model: a digit in it, or written with a capital."""
        own = self._tokens[sku]
        matched = [i for i, t in enumerate(tokens) if t in own or any(t in k for k in keys)]
        if not matched or matched[-1] + 1 >= len(tokens):
            return False
        word = tokens[matched[-1] + 1]
        if _CJK.match(word) or word in self._stop or word in _GENERAL or word in self.generic:
            return False
        if any(word in k for k in keys) or any(word in t for t in own):
            return False
        written = re.search(
            rf"(?<![A-Za-z0-9]){re.escape(word)}", normalise_text(original).replace("ｍ", "m"), re.I
        )
        capitalised = written is not None and original[written.start()].isupper()
        return bool(re.search(r"\d", word)) or bool(capitalised)
