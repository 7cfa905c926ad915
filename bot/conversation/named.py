"""Which catalog products a message names, as the conversation needs it: one entry per named thing.

Entity linking itself is the knowledge layer's (`knowledge.mentions.MentionIndex`: titles, model numbers and
brands, whatever the case, spacing, hyphens or full-width forms). Here its mentions are grouped by the words
that name them ("Sony WH-1000XM5 和 Bose QC Ultra" → two entries, compared), and a tie inside one entry is
broken by what else the message says about the product: an attribute value or tag it also names ("XM5 头戴的"
→ the over-ear one) or who it is for ("女款 Pegasus 41"). An entry still naming more than two products is a
product family, not a product ("Apple" alone), and names nothing. In a comparison ("龙井和铁观音哪个贵") a side
that names no product by name names the one product whose title has its words (`MentionIndex.find_only`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.conversation.kind_words import kind_phrase_spans
from knowledge.gender import gender_of_value, genders_in_text
from knowledge.materials import only_material
from knowledge.mentions import MentionIndex
from knowledge.models import Product
from knowledge.resources import normalise_text
from knowledge.spelling import english_word

# A model number right after a product line's name ("Pegasus 40", "Buds 3", "Series 9"): digits, maybe with a
# letter or two around them, and no unit after it ("40码", "20000mAh", "2件" are a size, a capacity, a count).
_MODEL_AFTER = re.compile(
    r"^[\s-]*([a-z]{0,3}\d{1,4}[a-z]{0,2})(?![\w.%])(?!\s*(?:码|号|寸|英寸|元|块|件|个|款|双|只|条|包|袋|岁|年|月|天|次|"
    r"小时|分钟|mah|w\b|l\b|ml|g\b|kg|cm|mm|inch|in\b))",
    re.I,
)
_NAME_BEFORE = re.compile(r"(?:[A-Z][A-Za-z0-9-]*|[a-z]+[A-Z][A-Za-z0-9-]*)\s+$")  # a capitalised word before
_MODEL_TOKEN = re.compile(r"[a-z]*\d+[a-z]*", re.I)
MAX_NAMED = 2  # products one entry may name (the men's and women's Pegasus 41); more is a family
_SIZE_LIKE = re.compile(r"[\d.\s-]+")
_COMPARE = re.compile(r"哪|区别|不同|对比|比较|比|差|vs\b|versus|which|better|differ|compare", re.I)
# words that say who a product is for or how it is sold, never which product it is
_GENERIC_EN = frozenset(
    {"women", "woman", "womens", "men", "man", "mens", "s", "ladies", "kids", "unisex", "the"}
)
_SIDES = re.compile(r"和|跟|与|还是|或者|或|对比|比较|比|、|\bvs\.?|\bversus\b|\bor\b|\band\b", re.I)


# an inch is written 寸 / 英寸 / inch / " in Chinese and English titles alike ("20寸 登机箱", "24-inch Suitcase")
_INCHES = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*(?:inches|inch|in\b|英寸|寸|\"|”)", re.I)


def unit_spellings(text: str) -> list[str]:
    """`text` with each inch size in the other spellings a title may use ("20 inch" → "20寸", "20-inch")."""
    if not _INCHES.search(text):
        return []
    return [_INCHES.sub(rf"\g<1>{unit}", text) for unit in ("寸", "英寸", "-inch", " inch")]


@dataclass(frozen=True)
class Named:
    """Products one part of a message names (usually one; two when the words fit both equally)."""

    skus: tuple[str, ...]
    text: str  # the words of the message that named them
    score: float


class CatalogNames:
    """Named products over the catalog: `mentions` returns the current snapshot's mention index
    (`ProductIndex.mention_index`, built once per snapshot and cached there)."""

    def __init__(self, mentions: Callable[[], MentionIndex], lookup: Callable[[str], Product | None]) -> None:
        self._mentions = mentions
        self.lookup = lookup

    @property
    def mentions(self) -> MentionIndex:
        return self._mentions()

    def find(self, text: str) -> list[Named]:
        """The products named in `text`, one entry per named thing, in the order written."""
        found: list[Named] = []
        kinds = kind_phrase_spans(text)
        for group in self.mentions.find_groups(text, k=8):
            if self._other_model(text, group[0].end, {m.sku for m in group}):
                continue  # "Pegasus 40" is not the Pegasus 41 we have: another model of the line
            if kinds and all(any(a <= m.start and m.end <= b for a, b in kinds) for m in group):
                continue  # "air fryer": "Air" inside a kind phrase names no Nike Air shoe
            if only_material(group[0].text):
                continue  # "304不锈钢的水壶": a material names no product, the search filters by it
            if self._describes_a_kind(group[0].text, group[0].sku):
                continue  # "铸铁平底煎锅" describes a kind of pan; it does not name 双立人's 平底煎锅
            skus = tuple(dict.fromkeys(m.sku for m in group))
            if len(skus) > 1:
                skus = self._best_fitting(text, skus)
            if len(skus) > MAX_NAMED or any(set(skus) == set(n.skus) for n in found):
                continue
            found.append(Named(skus, group[0].text, max(m.score for m in group)))
        if len(found) < 2 and _COMPARE.search(text):
            return self._sides(text, found) or found
        return found

    def _sides(self, text: str, named: list[Named]) -> list[Named]:
        """Both sides of a comparison, each by its name or by the one product that has its words; [] when a
        side names none (then the comparison is not between two named products)."""
        sides = [side for side in _SIDES.split(text) if side.strip()]
        if len(sides) < 2:
            return []
        out: list[Named] = []
        for side in sides[:2]:
            by_name = next((n for n in named if n.text and n.text in side), None)
            only = None
            for spelling in [side, *unit_spellings(side)] if by_name is None else []:
                # "the Samsonite 20 inch" of a title written "新秀丽 20寸": the side in the catalog's unit too
                only = self.mentions.find_only(spelling)
                if only is not None:
                    break
            entry = by_name or (Named((only.sku,), only.text, only.score) if only is not None else None)
            if entry is None or any(set(entry.skus) & set(n.skus) for n in out):
                return []
            out.append(entry)
        return out

    def _describes_a_kind(self, words: str, sku: str) -> bool:
        """Chinese words without brand, model number or Latin letters that end in a kind of product
        ("平底煎锅" = flat + frying pan) describe what is wanted; a search answers them, not one product."""
        product = self.lookup(sku)
        if product is None or not words or re.search(r"[0-9]", words):
            return False
        if product.brand and normalise_text(product.brand) in normalise_text(words):
            return False
        if re.search(r"[A-Za-z]", words):  # "women's running shoes" describes a kind, names no Brooks shoe
            tokens = [t for t in re.split(r"[\s'’]+", normalise_text(words)) if t and t not in _GENERIC_EN]
            head = next((i for i in range(len(tokens)) if self.is_kind(" ".join(tokens[i:]))), None)
            if head is None:
                return False
            # "NeoAir 防潮垫": a word of no English dictionary before the kind is a product's name
            return not any(re.fullmatch(r"[a-z]{3,}", t) and not english_word(t) for t in tokens[:head])
        heads = [i for i in range(len(words) - 1) if self.is_kind(words[i:])]
        if heads and heads[0] >= 2 and _own_name(words[: heads[0]], product):
            return False  # "慧兰咖啡豆": a word only this title has (not a trait it describes) names it
        return bool(heads)

    def other_model(self, text: str) -> str:
        """The words naming another model of a line the catalog sells ("Nike Pegasus 40" when only the 41 is
        listed, "Galaxy Buds 3"), as written; '' when every model number written is one a product has."""
        for group in self.mentions.find_groups(text, k=8):
            model = self._other_model(text, group[0].end, {m.sku for m in group})
            if model:
                start = group[0].start
                while (before := _NAME_BEFORE.search(text[:start])) is not None:
                    start = before.start()  # "Nike Pegasus 40", "Galaxy Buds 3": the line's words before it
                return text[start : group[0].end] + " " + model
        return ""

    def _other_model(self, text: str, end: int, skus: set[str]) -> str:
        """The model number written right after a mention when no mentioned product's title has it, else ''."""
        found = _MODEL_AFTER.match(text[end:])
        if found is None:
            return ""
        model = found.group(1).lower()
        for sku in skus:
            product = self.lookup(sku)
            if product is None or model in {t.lower() for t in _MODEL_TOKEN.findall(product.title)}:
                return ""
        return found.group(1)

    def unlisted_code(self, word: str) -> bool:
        """A model code ("WH-1000XM4", "QC45": letters and digits) that no product's title has, hyphens and
        case aside — "XM4" is another model than the "WH-1000XM5" listed, however close it spells."""
        if not (re.search(r"\d", word) and re.search(r"[A-Za-z]", word)):
            return False
        code = re.sub(r"[\s\-_]", "", word.lower())
        for group in self.mentions.find_groups(word, k=8):
            for mention in group:
                product = self.lookup(mention.sku)
                if product is not None and code in re.sub(r"[\s\-_]", "", product.title.lower()):
                    return False
        return True

    def is_kind(self, word: str) -> bool:
        """A kind of product ("跑步手表", "power bank"), not a name (see `MentionIndex.is_kind`)."""
        return self.mentions.is_kind(word)

    def knows(self, word: str) -> bool:
        """The word is written in some product title of this catalog."""
        return self.mentions.knows(word)

    def _best_fitting(self, text: str, skus: tuple[str, ...]) -> tuple[str, ...]:
        """The products whose attribute values, tags and gender the message also names."""
        said = normalise_text(text)
        genders = {g for g, _ in genders_in_text(said)}

        def fit(sku: str) -> int:
            product = self.lookup(sku)
            if product is None:
                return -1
            values = [
                normalise_text(v) for raw in product.attributes.values() for v in re.split(r"[;；]", raw)
            ]
            values += [normalise_text(t) for t in product.tags]
            values = [v.strip() for v in values if len(v.strip()) >= 2 and not _SIZE_LIKE.fullmatch(v)]
            score = sum(1 for v in values if v in said or (len(v) >= 3 and v[:2] in said))
            if genders:
                own = {gender_of_value(v) for v in product.attributes.values()}
                own |= {g for g, _ in genders_in_text(normalise_text(product.title))}
                score += 3 * len(genders & own)
            return score

        fits = {sku: fit(sku) for sku in skus}
        best = max(fits.values())
        return tuple(sku for sku in skus if fits[sku] == best)


def _own_name(words: str, product: Product) -> bool:
    """Whether `words` (Chinese, before a kind word) are the product's own name: written in its title but in
    none of its description, tags or attribute values, where a trait it has would be ("不粘", "铸铁")."""
    said = normalise_text(words)
    traits = " ".join([product.description, *product.tags, *product.attributes.values()])
    return said in normalise_text(product.title) and said not in normalise_text(traits)
