"""The catalog's own vocabulary: brands, categories, colours, sizes, model names and document frequencies.

Built from the products at ingest and saved next to the store, so the keyword extractor can keep
"WH-1000XM5" or a brand whole and weigh words by how rare they are in THIS catalog, and the query parser
can recognise the catalog's own category, brand, colour and size values.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import regex

from knowledge.gender import gender_of_value
from knowledge.models import Product
from knowledge.money import canonical_currency
from knowledge.resources import normalise_english, normalise_text, stopwords, synonym_groups
from knowledge.script import HAN, HAN_RUN

COLOUR_KEYS = ("color", "colour", "颜色")
SIZE_KEYS = ("size", "尺码", "尺寸", "规格", "capacity", "容量")
MAX_VALUES_PER_ATTRIBUTE = 500
# A tag or attribute value the tokenizer keeps whole ("吉他弦", "身体乳", "敏感肌"): Chinese only, short, no digits.
_TERM = regex.compile(rf"{HAN}{{2,5}}")

# Alphanumeric model tokens: "WH-1000XM5", "XM5", "256G", "iPhone15", and "Pegasus 41" style name + number.
_MODEL_CODE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z0-9]*(?:\d[A-Za-z]|[A-Za-z]\d)[A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"
)
_HYPHENATED = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+")
_NAME_NUMBER = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z][A-Za-z]+ )+\d{1,4}(?![A-Za-z0-9])")


USER_WORDS_FILE = (
    "user_words.txt"  # beside vocabulary.json; `xiaoer insights --apply-dictionary` appends to it
)


def read_shop_words(path: Path) -> list[str]:
    """The shop's own dictionary words, one per line (the catalog vocabulary is rebuilt; these are kept)."""
    if not path.is_file():
        return []
    return sorted({line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()})


def split_values(value: str) -> list[str]:
    """Multi-valued attributes are `;`-separated in the canonical catalog ("黑色;白色")."""
    return [part.strip() for part in re.split(r"[;；,，|]", value) if part.strip()]


def model_names(title: str) -> list[str]:
    """Model names in a title, in order of appearance, without duplicates."""
    found = [
        m.group(0) for pattern in (_NAME_NUMBER, _HYPHENATED, _MODEL_CODE) for m in pattern.finditer(title)
    ]
    return list(dict.fromkeys(name.strip() for name in found if len(name.strip()) >= 2))


def _term_categories(
    vocab: Vocabulary, tag_paths: dict[str, set[str]], title_paths: dict[str, set[str]] | None = None
) -> dict[str, str]:
    """Chinese tags (or their synonyms) that contain a category level's name but are only ever on products of
    one other category path, and Chinese title words holding a parent category's name only ever titled under
    one deeper path ("钓鱼椅" under 钓鱼/钓椅): {word: that path}."""
    parts = [p for p in vocab.category_parts if len(p) >= 2]
    groups = {normalise_text(m): group for group in synonym_groups() for m in group}
    out: dict[str, str] = {}
    for tag in vocab.terms:
        paths = tag_paths.get(tag, set())
        if len(paths) != 1 or tag in parts:
            continue
        (path,) = paths
        # the tag and its Chinese synonyms ("营地灯" = "露营灯", which holds the category name 露营)
        for form in {tag, *(m for m in groups.get(normalise_text(tag), ()) if _HAN_ONLY.fullmatch(m))}:
            inside = [p for p in parts if p in form]
            # the name of the path's own kind ("民谣吉他" on 乐器/吉他) is right as it is; a parent's name inside
            # a tag of a deeper kind ("露营灯" on 露营/照明) or another path's name is not, even beside the own
            # kind's name ("显示器支架" on 办公家具/支架 holds 显示器 of 电脑外设/显示器: a 支架, not a monitor)
            own = path.split("/")
            if path and form not in parts and [p for p in inside if p != own[-1]]:
                out.setdefault(form, path)
    for word, paths in (title_paths or {}).items():  # "钓鱼椅" titled only under 钓鱼/钓椅: not all of 钓鱼
        if len(paths) != 1 or word in parts or word in out:
            continue
        (path,) = paths
        inside = [p for p in parts if p in word]
        # only a parent's name inside a deeper kind's title word: another path's name may be a modifier
        if path and inside and all(p in path.split("/")[:-1] for p in inside):
            out[word] = path
    return dict(sorted(out.items()))


_LATIN = re.compile(r"[A-Za-z][A-Za-z'’]*")
_NOT_A_HEAD = re.compile(r"(?:ing|ed|less|ful|able|ible|ive|ous)$")  # "noise cancelling": not a kind noun


def _plural(word: str) -> str:
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


_COUNT_WORDS = frozenset(["ages", "age", "for", "size", "pack", "set"])


def _title_ending(title: str) -> list[str]:
    """A title's English words without the counts after its kind ("Paint Markers 8 colours" → … paint, marker;
    "Kids Bike Helmet Ages 3-8" → … bike, helmet): where an English product name says what it is."""
    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9'’.-]*", title)
    digit = re.compile(r"\d")
    while words and (digit.search(words[-1]) or (len(words) > 1 and digit.search(words[-2]))):
        if not digit.search(words[-1]):
            words.pop()  # "8 colours": the word after a count
        words.pop()
        if len(words) > 1 and words[-1].lower() in _COUNT_WORDS:
            words.pop()  # "Ages 3-8": the word that introduces a count
    return [normalise_english(w) for w in words if not digit.search(w)]


def learnt_brand_aliases(products: Iterable[Product], *, kinds: Iterable[str] = ()) -> dict[str, str]:
    """The name a brand goes by in the other script, learnt from its titles: {alias: brand}.

    "KAILAS 凯乐石 鹅绒睡袋", "膳魔师 Thermos 真空保温杯": the word written right after the brand, in the script
    the brand's own name does not use, is its other name when every title of the brand that starts with the
    brand has that same word there (two or more titles), no title of another brand contains it, and it holds
    no digit and no kind word (`kinds`: the catalog's tags and category names). Deterministic (sorted)."""
    after: dict[str, set[str]] = {}
    titles: dict[str, list[str]] = {}
    for product in products:
        brand = product.brand.strip()
        title = normalise_text(product.title)
        if not brand:
            continue
        titles.setdefault(brand, []).append(title)
        own = normalise_text(brand)
        if not title.startswith(own):
            continue
        rest = title[len(own) :].split()
        word = rest[0] if rest else ""
        other_script = bool(_HAN_ONLY.fullmatch(word)) != bool(_HAN_ONLY.search(own))
        after.setdefault(brand, set()).add(word if word and other_script else "")
    excluded = {normalise_text(k) for k in kinds}
    out: dict[str, str] = {}
    for brand, words in sorted(after.items()):
        if len(words) != 1 or len(titles[brand]) < 2:
            continue  # one product: its word could be a series or a kind ("Dedica", "电动吸奶器")
        (word,) = words
        if len(word) < 2 or re.search(r"\d", word) or normalise_text(brand) == word:
            continue
        if any(k in word for k in excluded if k and (len(k) >= 2 or _HAN_ONLY.fullmatch(k))):
            continue  # a kind word inside it ("卡宏鼓", "混合猫砂") describes the product, it is no name
        if any(word in t for other, ts in titles.items() if other != brand for t in ts):
            continue
        out[word] = brand
    return dict(sorted(out.items()))


_HAN_ONLY = HAN_RUN  # a run of Han characters (knowledge.script)


def learnt_kind_names(products: Iterable[Product], *, known: Callable[[str], bool]) -> dict[str, str]:
    """English kind names the catalog itself ties to one category path: {name: path}.

    A product tagged in English ("bike computer", "air circulator", "paint marker") names what it is when its
    title ends in that tag (counts after it aside); such a tag of two or more words, and its last word (the head
    noun: "computer", "circulator", "marker"), name the product's category when every product
    whose title or tags use them lies in that one category AND the category is what the product is: its Chinese
    tags name the category's kind (尾灯 and 车灯 end alike: a light; 猫罐头 is not a 猫粮, so "food" learns
    nothing), or two or more products there use the name ("Bike Computer" in three 码表 titles). One-word tags
    and tags the title does not end in are never learnt: they are often adjectives or features ("wireless",
    "budget", "whole room", "pressure sensor"); plurals are added ("bike lights"). `known(word)` is True for
    words that must never name a kind (stop words, brands, genders, colours). Deterministic (sorted); each
    name is checked only against the products that have all its words (an inverted index), so 100k SKUs
    with English tags stay a linear pass."""
    items = list(products)
    paths = ["/".join(p.category_path) for p in items]
    texts = [
        " ".join(normalise_english(w) for w in _LATIN.findall(" ".join([p.title, *p.tags]))) for p in items
    ]
    postings: dict[str, set[int]] = {}
    for row, text in enumerate(texts):
        for word in set(text.split()):
            postings.setdefault(word, set()).add(row)
    endings = [_title_ending(p.title) for p in items]
    candidates: dict[str, set[int]] = {}  # name → the products whose English tags give it
    for row, product in enumerate(items):
        for tag in product.tags:
            words = [normalise_english(w) for w in _LATIN.findall(tag)]
            if len(words) < 2 or not tag.strip().isascii() or _NOT_A_HEAD.search(words[-1]):
                continue  # one word may be an adjective ("wireless", "quiet"); a phrase ends in its noun
            ending = endings[row]
            if ending[-len(words) :] == words:  # the title ends in it: "... GPS Bike Computer"
                candidates.setdefault(" ".join(words), set()).add(row)
            if ending[-1:] == words[-1:]:  # the head alone, when the title ends in it too
                candidates.setdefault(words[-1], set()).add(row)
    out: dict[str, str] = {}
    named = {normalise_english(w) for group in synonym_groups() for m in group for w in [m] if m.isascii()}
    for name, rows in sorted(candidates.items()):
        if len(name) < 3 or name in named or any(known(w) for w in name.split()):
            continue  # the synonym file says what its words mean ("dry skin" is 干皮, a skin type)
        pattern = re.compile(rf"(?<![a-z]){re.escape(name)}(?![a-z])")
        having = set.intersection(*(postings.get(word, set()) for word in name.split()))
        users = [n for n in sorted(having) if pattern.search(texts[n])]
        found = {paths[n] for n in users}
        if len(found) != 1 or not (path := next(iter(found))):
            continue
        leaf = path.split("/")[-1]
        typical = any(
            tag.strip()[-1:] == leaf[-1:]
            for row in rows
            for tag in items[row].tags
            if _TERM.fullmatch(tag.strip())
        )
        if typical or len(users) >= 2:
            words = name.split()
            out[name] = path
            out[" ".join([*words[:-1], _plural(words[-1])])] = path
    return dict(sorted(out.items()))


@dataclass
class Vocabulary:
    """What the catalog calls things; an empty one is valid (no catalog yet)."""

    brands: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # full paths, "运动鞋/跑步鞋"
    colors: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    attributes: dict[str, list[str]] = field(default_factory=dict)
    doc_freq: dict[str, int] = field(default_factory=dict)
    doc_count: int = 0
    shop_words: list[str] = field(default_factory=list)  # the shop's own dictionary (USER_WORDS_FILE)
    currencies: dict[str, int] = field(default_factory=dict)  # ISO code → number of priced products
    terms: list[str] = field(default_factory=list)  # the catalog's Chinese tags and attribute values
    # tag → the one category path its products share, for tags that contain another category's name
    # ("吉他弦" is tagged only on 乐器/配件 although it contains 吉他): the longer name wins in the parser
    term_categories: dict[str, str] = field(default_factory=dict)
    # English kind name → the one category path the catalog's English tags tie it to ("bike computer" → 骑行/码表)
    kind_names: dict[str, str] = field(default_factory=dict)
    # the brand's other-language name its titles carry beside it ("KAILAS 凯乐石 …" → 凯乐石 = KAILAS)
    brand_aliases: dict[str, str] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Vocabulary:
        return cls()

    @classmethod
    def from_products(
        cls, products: Iterable[Product], *, tokenizer: Callable[[Vocabulary], Callable[[str], list[str]]]
    ) -> Vocabulary:
        """Collect names and document frequencies; deterministic (everything sorted).

        `tokenizer` makes the word splitter from the names collected so far (they are its user dictionary);
        `knowledge.keywords.build_vocabulary` passes the jieba one, so this module never imports jieba.

        Document frequencies are over the short fields (title, brand, category, tags, attributes), not
        descriptions: that is what shoppers name, and it keeps a 100k-SKU rebuild to a few seconds.
        """
        items = list(products)
        attributes: dict[str, set[str]] = {}
        brands: set[str] = set()
        categories: set[str] = set()
        models: set[str] = set()
        currencies: Counter[str] = Counter()
        terms: set[str] = set()
        tag_paths: dict[str, set[str]] = {}
        title_paths: dict[str, set[str]] = {}  # a title's own Chinese words ("钓鱼椅 折叠 可躺" → 钓鱼椅)
        for product in items:
            terms.update(tag.strip() for tag in product.tags)
            for tag in product.tags:
                tag_paths.setdefault(tag.strip(), set()).add("/".join(product.category_path))
            for word in product.title.split():
                if 3 <= len(word) <= 6 and _HAN_ONLY.fullmatch(word):
                    title_paths.setdefault(word, set()).add("/".join(product.category_path))
            if product.price is not None:
                currencies[canonical_currency(product.currency)] += 1
            if product.brand.strip():
                brands.add(product.brand.strip())
            if product.category_path:
                categories.add("/".join(product.category_path))
            models.update(model_names(product.title))
            for key, value in product.attributes.items():
                attributes.setdefault(key.strip().lower(), set()).update(split_values(str(value)))
        vocab = cls(
            brands=sorted(brands),
            categories=sorted(categories),
            colors=sorted({v for key in COLOUR_KEYS for v in attributes.get(key, ())}),
            sizes=sorted({v for key in SIZE_KEYS for v in attributes.get(key, ())}),
            models=sorted(models),
            attributes={k: sorted(v)[:MAX_VALUES_PER_ATTRIBUTE] for k, v in sorted(attributes.items())},
            currencies=dict(sorted(currencies.items())),
        )
        values = (v for vs in vocab.attributes.values() for v in vs)
        vocab.terms = sorted(t for t in {*terms, *values} if _TERM.fullmatch(t))
        vocab.term_categories = _term_categories(vocab, tag_paths, title_paths)
        brand_words = {normalise_english(w) for b in vocab.brands for w in _LATIN.findall(b)}
        plain = {normalise_english(w) for v in vocab.colors for w in _LATIN.findall(v)}
        vocab.kind_names = learnt_kind_names(
            items,
            known=lambda w: (
                w in stopwords() or w in brand_words or w in plain or gender_of_value(w) is not None
            ),
        )
        vocab.brand_aliases = learnt_brand_aliases(items, kinds={*vocab.terms, *vocab.category_parts})
        words = tokenizer(vocab)
        counts: Counter[str] = Counter()
        for product in items:
            fields = [product.title, product.brand, " ".join(product.category_path), " ".join(product.tags)]
            fields += [str(value) for value in product.attributes.values()]
            counts.update(set(words(" ".join(fields))))
        vocab.doc_freq = dict(sorted(counts.items()))
        vocab.doc_count = len(items)
        return vocab

    @property
    def category_parts(self) -> list[str]:
        """Every level of every category path, without duplicates ("运动鞋", "跑步鞋" …)."""
        return sorted({part for path in self.categories for part in path.split("/") if part})

    @property
    def currency(self) -> str | None:
        """The catalog's own currency: the one most products are priced in (None for an empty catalog)."""
        if not self.currencies:
            return None
        return max(sorted(self.currencies), key=lambda code: self.currencies[code])

    def user_words(self) -> list[str]:
        """Words the tokenizer must keep whole: brands, category levels, colours, sizes, models, and the
        catalog's own Chinese tags and attribute values (so "吉他弦" is not read as "吉他")."""
        words = [
            *self.terms,
            *self.brands,
            *self.category_parts,
            *self.colors,
            *self.sizes,
            *self.models,
            *self.shop_words,
        ]
        return sorted({word for word in words if len(word) >= 2})

    def idf(self, word: str) -> float | None:
        """Smoothed inverse document frequency of a word in this catalog; None when it never occurs."""
        df = self.doc_freq.get(word)
        if not df or self.doc_count == 0:
            return None
        return math.log((self.doc_count + 1) / (df + 0.5)) + 1.0

    def max_idf(self) -> float:
        """The IDF of a word seen once: the scale unknown words are mapped onto."""
        return math.log((self.doc_count + 1) / 1.5) + 1.0 if self.doc_count else 1.0

    def to_dict(self) -> dict[str, object]:
        return {
            "brands": self.brands,
            "categories": self.categories,
            "colors": self.colors,
            "sizes": self.sizes,
            "models": self.models,
            "attributes": self.attributes,
            "doc_freq": self.doc_freq,
            "doc_count": self.doc_count,
            "currencies": self.currencies,
            "terms": self.terms,
            "term_categories": self.term_categories,
            "kind_names": self.kind_names,
            "brand_aliases": self.brand_aliases,
        }

    def save(self, path: Path) -> None:
        """Write JSON atomically (a reader never sees half a file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        """Read a saved vocabulary; a missing file is an empty vocabulary (nothing ingested yet)."""
        path = Path(path)
        shop_words = read_shop_words(path.parent / USER_WORDS_FILE)
        if not path.is_file():
            return cls(shop_words=shop_words)
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            shop_words=shop_words,
            brands=list(data.get("brands", [])),
            categories=list(data.get("categories", [])),
            colors=list(data.get("colors", [])),
            sizes=list(data.get("sizes", [])),
            models=list(data.get("models", [])),
            attributes={k: list(v) for k, v in data.get("attributes", {}).items()},
            doc_freq={k: int(v) for k, v in data.get("doc_freq", {}).items()},
            doc_count=int(data.get("doc_count", 0)),
            currencies={k: int(v) for k, v in data.get("currencies", {}).items()},
            terms=list(data.get("terms", [])),
            term_categories={k: str(v) for k, v in data.get("term_categories", {}).items()},
            kind_names={k: str(v) for k, v in data.get("kind_names", {}).items()},
            brand_aliases={k: str(v) for k, v in data.get("brand_aliases", {}).items()},
        )
