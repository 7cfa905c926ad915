"""The copy rubric: what a Chinese e-commerce copywriter would reject before publishing, counted in code.

Per copy: grammar artefacts (a verb before a spec label 采用续航…, doubled words 肤质肤质 / spfSPF50+,
number lists that should be a range 39、40、41…, a clause starting with 的 after an edit, a bullet cut inside
a catalog sentence, a repeated brand "Soundcore Soundcore"), CJK characters in finished English copy, attribute
coverage (share of the product's values the copy states, a translated value or a size range counting), invented
values (another product's value of the same attribute, or a size range spanning a size the product lacks) and
advertising-law hits. Per batch (one platform over a catalog): the share of sentences that more than 10 % of
the copies share, and distinct-2 (distinct token bigrams / all bigrams; a token is a CJK character or a Latin
word). Used by `bench/copy_rubric.py` and the tests; figures in issue 18.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import regex

from bot.copywriting.compliance import ComplianceChecker, proper_names
from knowledge.script import HAN

CJK = regex.compile(r"\p{Han}")
ARTEFACT_KINDS = (
    "verb_spec",
    "doubled",
    "size_list",
    "dangling",
    "truncated",
    "repeated_brand",
    "repeated_label",
    "foreign_sentence",
    "placeholder",
    "split_word",
    "unit_mismatch",
    "conflicting_spec",
    "english_value",
    "thin_script",
)
_LABELS = "产地|容量|续航|保质期|规格|重量|净含量|功率|尺码|尺寸|接口|口味|质地|防水|降噪|长度|高度|厚度"
_VERB_SPEC = re.compile(
    rf"(?:采用|配置|提供|拥有|选用|用的是|带有)\s*(?:{_LABELS})"
    r"|采用\s*\d+(?:\.\d+)?\s*(?:mAh|小时|h|W|kg|g|ml|L|天|个月|码)(?![A-Za-z])"
)
_DOUBLED = regex.compile(
    r"(\p{Han}{2,3})\1|味口味|码码|肤质肤质"
    r"|(?<![\d.])(\d+(?:\.\d+)?\p{Han})\s+\2"  # a title saying "10袋 10袋装"
)
_DOUBLED_LATIN = re.compile(r"(?<![a-z])([a-z]{3,})\1", re.IGNORECASE)
_REPEATED_WORD = re.compile(r"(?<![\w'-])([A-Za-z][\w'-]{2,})\s+\1(?![\w'-])", re.IGNORECASE)
_NUMBER_LIST = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?:\s*[、,，/]\s*\d+(?:\.\d+)?){2,}")
_SIZE = r"(?:XS|S|M|L|XL|XXL|XXXL|3XL)"
_LETTER_LIST = re.compile(rf"(?<![A-Za-z0-9]){_SIZE}(?:\s*[、,，/]\s*{_SIZE}){{2,}}(?![A-Za-z])")
LETTER_SIZES = ("XS", "S", "M", "L", "XL", "XXL", "XXXL")
# "用料上，用料为织物" (a lead naming what its clause names) and "防护值PA++++，防护值SPF50+"
_REPEATED_LABEL = regex.compile(
    r"(\p{Han}{2})(?:上|方面|这块)[，：]\s*\1"
    r"|(?:^|[，：。])(\p{Han}{2,4})[A-Za-z0-9][^，。；\n]{0,20}，\2(?=[A-Za-z0-9])"
)
# An English sentence (three or more Latin words ending in . ! ?) inside Chinese copy.
_FOREIGN_SENTENCE = regex.compile(r"[A-Za-z][A-Za-z0-9'’,-]*(?:\s+[A-Za-z0-9'’,-]+){2,}[.!?](?=\s|$|\p{Han})")
# A value stated with no name: "突出1416", "主打9787536692930", a bare 特点 where a yes/no attribute was.
_PLACEHOLDER = re.compile(r"(?:主打|突出|侧重)\s*\d|(?:^|[，、。\s])(?:主打|突出)?特点(?=$|[，、。\s])")
# English copy: one Chinese character left beside English words — a Chinese word the glossary cut in two
# ("重庆出 edition 社", "现 generation minimalist", "vintage 红").
_SPLIT_WORD = regex.compile(rf"(?<!{HAN})(?:(?<=[A-Za-z]\s?){HAN}|{HAN}(?=\s?[A-Za-z]))(?!{HAN})")
# A label said with another quantity's unit: 12V功率, 功率12V, 重150ml, 容量1000W, weighs 12V.
_NUMBER_UNIT = r"\d+(?:\.\d+)?\s*"
_UNIT_MISMATCH = re.compile(
    rf"功率(?:为)?{_NUMBER_UNIT}(?:V|mAh|kg|g|ml|L)(?![A-Za-z])"
    rf"|{_NUMBER_UNIT}(?:V|mAh|kg|ml)功率"
    rf"|(?<![承载负])(?:重量|重)(?:为)?{_NUMBER_UNIT}(?:ml|L|W|V|mAh|cm|mm)(?![A-Za-z])"
    rf"|容量(?:为)?{_NUMBER_UNIT}(?:W|V|kg|cm)(?![A-Za-z])"
    rf"|weighs\s+{_NUMBER_UNIT}(?:ml|L|W|V|mAh|cm)(?![A-Za-z])",
)
# Weights a copy states, for "重18kg … 重150kg" (two weights of one product: one of them is something else).
_WEIGHT = re.compile(
    r"(?<![承载负])(?:整体重量|重量|净重|重|weighs)(?:为|约)?\s*(\d+(?:\.\d+)?)\s*(kg|g|克|千克|公斤)", re.I
)
_GRAMS = {"kg": 1000.0, "千克": 1000.0, "公斤": 1000.0, "g": 1.0, "克": 1.0}
# English common words (no digit, not all capitals): values "adult", "salmon" (a value written with a capital
# is a name such as the bed size Queen), and a category leaf such as "Office Chairs".
_COMMON_WORDS = re.compile(r"[A-Za-z][A-Za-z' -]*[a-z][A-Za-z' -]*")
# A Douyin script is a hook, three spoken selling points and a call to action (issue 18).
SCRIPT_POINTS = 3
SCRIPT_POINT = re.compile(r"【卖点\d+】")
_DANGLING = re.compile(r"(?:^|[。！？；，、：\n])\s*的|的的")
_OPEN_END = re.compile(r"[，、；：,;:（(【\[]\s*$")
_SENTENCE_END = "。！？!?…."
_BOUNDARY = set("。！？!?，、；;,:：…. \n）)」”")
_SPLIT_SENTENCES = re.compile(r"[。！？!?\n]+|(?<=[a-z0-9)])\.\s+", re.IGNORECASE)
_LABEL = re.compile(r"【[^】]*】")
_NOT_WORD = regex.compile(r"[^\w\p{Han}]+")
_TOKEN = regex.compile(r"\p{Han}|[A-Za-z]+|\d+(?:\.\d+)?")
_RANGE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*[–~～—-]\s*(\d+(?:\.\d+)?)\s*(?:码|号|EU)?")
_EXCLUDED = re.compile(
    r"(?:不含|没有|无|除|except|no)\s*(?:EU\s*)?(\d+(?:\.\d+)?(?:\s*[、/,，和]\s*\d+(?:\.\d+)?)*)"
)
_LETTER_RANGE = re.compile(rf"(?<![A-Za-z0-9])({_SIZE})\s*[–~～—-]\s*({_SIZE})(?![A-Za-z])")
YES = frozenset({"是", "有", "支持", "yes", "y", "true"})
NO = frozenset({"否", "无", "不支持", "no", "n", "false"})


@dataclass(frozen=True)
class RubricProduct:
    """What the rubric knows of a product: its values by attribute key (';'-separated as in the catalog)."""

    sku: str
    attributes: Mapping[str, str]
    brand: str = ""
    description: str = ""
    title: str = ""
    context: tuple[str, ...] = ()  # other text of the product itself (category, translations): never invented
    category: str = ""  # the catalog's category path (家具/餐桌, Furniture/Office Chairs)

    def values(self) -> list[tuple[str, str]]:
        return [
            (key, v.strip()) for key, value in self.attributes.items() for v in value.split(";") if v.strip()
        ]


@dataclass(frozen=True)
class CopySample:
    """One finished copy as the rubric reads it."""

    platform: str
    language: str  # "zh" or "en"
    product: RubricProduct
    title: str
    text: str
    bullets: tuple[str, ...] = ()
    needs_translation: bool = False
    keywords: tuple[str, ...] = ()  # the copy's SEO keywords: finished English copy has no Chinese ones
    flags: tuple[
        str, ...
    ] = ()  # the copy's flag types: a script flagged "structure.thin" is not presented as done

    def parts(self) -> list[tuple[str, str]]:
        return [("title", self.title), ("text", self.text), *(("bullet", b) for b in self.bullets)]

    def joined(self) -> str:
        return "\n".join(text for _, text in self.parts())


@dataclass(frozen=True)
class Artefact:
    kind: str
    excerpt: str


def _excerpt(text: str, start: int, end: int) -> str:
    return text[max(0, start - 6) : end + 6].replace("\n", " ")


def _rank(size: str) -> int:
    return LETTER_SIZES.index("XXXL" if size == "3XL" else size)


def _contiguous(numbers: Sequence[float]) -> bool:
    return all(b - a == 1 for a, b in pairwise(numbers))


def artefacts(sample: CopySample) -> list[Artefact]:
    """Every grammar artefact in one copy (kinds: ARTEFACT_KINDS)."""
    found: list[Artefact] = []
    source = f"{sample.product.title}\n{sample.product.description}"
    for where, text in sample.parts():
        found += [
            Artefact("verb_spec", _excerpt(text, m.start(), m.end())) for m in _VERB_SPEC.finditer(text)
        ]
        found += [
            Artefact("doubled", _excerpt(text, m.start(), m.end()))
            for m in _DOUBLED.finditer(text)
            if m.group(0) not in source  # the catalog's own wording (60支高支高密) is not an artefact
        ]
        found += [
            Artefact("doubled", _excerpt(text, m.start(), m.end())) for m in _DOUBLED_LATIN.finditer(text)
        ]
        found += [
            Artefact("repeated_brand", _excerpt(text, m.start(), m.end()))
            for m in _REPEATED_WORD.finditer(text)
        ]
        brand = sample.product.brand.strip()
        if brand and re.search(re.escape(brand) + r"\s*" + re.escape(brand), text):
            found.append(Artefact("repeated_brand", brand))
        for match in _NUMBER_LIST.finditer(text):
            numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", match.group(0))]
            if _contiguous(numbers):
                found.append(Artefact("size_list", match.group(0)))
        for match in _LETTER_LIST.finditer(text):
            ranks = [_rank(s) for s in re.findall(r"XXXL|3XL|XXL|XL|XS|S|M|L", match.group(0))]
            if _contiguous(ranks):
                found.append(Artefact("size_list", match.group(0)))
        found += [Artefact("dangling", _excerpt(text, m.start(), m.end())) for m in _DANGLING.finditer(text)]
        found += [
            Artefact("repeated_label", _excerpt(text, m.start(), m.end()))
            for m in _REPEATED_LABEL.finditer(text)
        ]
        found += [
            Artefact("placeholder", _excerpt(text, m.start(), m.end())) for m in _PLACEHOLDER.finditer(text)
        ]
        if sample.language == "zh":
            found += [Artefact("foreign_sentence", m.group(0)[:24]) for m in _FOREIGN_SENTENCE.finditer(text)]
        if where == "bullet" and _OPEN_END.search(text):
            found.append(Artefact("truncated", text[-12:]))
        if text.count("（") != text.count("）") or text.count("(") != text.count(")"):
            found.append(Artefact("truncated", text[-12:]))
        found += _cut_sentences(where, text, sample.product.description)
        if sample.language == "en":
            found += [
                Artefact("split_word", _excerpt(text, m.start(), m.end())) for m in _SPLIT_WORD.finditer(text)
            ]
        found += [
            Artefact("unit_mismatch", _excerpt(text, m.start(), m.end()))
            for m in _UNIT_MISMATCH.finditer(text)
        ]
    weights = {
        float(m.group(1)) * _GRAMS[m.group(2).lower()]
        for _, text in sample.parts()
        for m in _WEIGHT.finditer(text)
    }
    if len(weights) > 1:
        found.append(Artefact("conflicting_spec", "weights " + ", ".join(f"{w:g}g" for w in sorted(weights))))
    if sample.language == "zh":
        found += _english_values(sample)
    if thin_script(sample) and "structure.thin" not in sample.flags:
        found.append(Artefact("thin_script", f"{len(SCRIPT_POINT.findall(sample.text))} selling point(s)"))
    return found


def thin_script(sample: CopySample) -> bool:
    """A Douyin script with fewer than three selling points."""
    return sample.platform == "douyin" and 0 < len(SCRIPT_POINT.findall(sample.text)) < SCRIPT_POINTS


def _english_values(sample: CopySample) -> list[Artefact]:
    """English catalog words in the running text of Chinese copy ("适合adult", "需要Office Chairs的"): the
    product's English common-word values and its English category leaf. Names stay Latin (brand, model, the
    English title said whole), so those are masked first."""
    product = sample.product
    leaf = product.category.split("/")[-1].strip() if product.category else ""
    words = [v for _, v in product.values() if _COMMON_WORDS.fullmatch(v) and len(v) >= 3 and v[0].islower()]
    if leaf and _COMMON_WORDS.fullmatch(leaf):
        words.append(leaf)
    names = [n for n in (product.title, product.brand) if n]
    found = []
    for where, text in sample.parts():
        if where == "title" or not words:
            continue
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, "\0")
        for word in words:
            if word.lower() == product.brand.lower():
                continue
            match = re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text, re.IGNORECASE)
            if match:
                found.append(Artefact("english_value", _excerpt(text, match.start(), match.end())))
    return found


def _cut_sentences(where: str, text: str, description: str) -> list[Artefact]:
    """A bullet (or the text's last sentence) that is a catalog sentence cut short inside a word/clause."""
    if not description or where == "title":
        return []
    pieces = [text] if where == "bullet" else [s for s in re.split(r"(?<=[。！？!?])", text) if s][-1:]
    found = []
    for piece in pieces:
        core = piece.strip().rstrip(_SENTENCE_END).strip()
        if len(core) < 8:  # short phrases are values (22.5W, 304不锈钢), not sentences cut short
            continue
        at = description.find(core)
        if at < 0:
            continue
        following = description[at + len(core) : at + len(core) + 1]
        if following and following not in _BOUNDARY:
            found.append(Artefact("truncated", core[-12:]))
    return found


def cjk_count(sample: CopySample) -> int:
    """CJK characters in the copy and its keywords (what an English listing must not carry)."""
    return len(CJK.findall(sample.joined())) + len(CJK.findall(" ".join(sample.keywords)))


def _norm(text: str) -> str:
    return _NOT_WORD.sub("", _LABEL.sub("", text)).lower()


def _covered_numbers(copy: str) -> tuple[set[float], set[str]]:
    """Numbers stated through ranges (39–44码, minus 不含42码) and letter sizes through S–XL ranges."""
    numbers: set[float] = set()
    for match in _RANGE.finditer(copy):
        low, high = float(match.group(1)), float(match.group(2))
        if low < high and high - low <= 30 and low == int(low) and high == int(high):
            numbers |= {float(n) for n in range(int(low), int(high) + 1)}
    for match in _EXCLUDED.finditer(copy):
        numbers -= {float(n) for n in re.findall(r"\d+(?:\.\d+)?", match.group(1))}
    letters: set[str] = set()
    for match in _LETTER_RANGE.finditer(copy):
        low, high = _rank(match.group(1)), _rank(match.group(2))
        letters |= set(LETTER_SIZES[low : high + 1]) | ({"3XL"} if high >= 6 >= low else set())
    return numbers, letters


def _forms(value: str, forms: Callable[[str], Iterable[str]] | None) -> list[str]:
    return list(dict.fromkeys([value, *(forms(value) if forms is not None else ())]))


def _mentions(copy: str, value: str, forms: Callable[[str], Iterable[str]] | None) -> bool:
    lowered = copy.lower()
    return any(form and form.lower() in lowered for form in _forms(value, forms))


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def coverage(
    sample: CopySample,
    *,
    forms: Callable[[str], Iterable[str]] | None = None,
    label: Callable[[str, str], str] | None = None,
    compliance: ComplianceChecker | None = None,
) -> tuple[int, int]:
    """(values stated, values that should be) for one copy.

    A value counts when the copy has it, another form of it (`forms`: its English or Chinese), or a range
    that holds it; a yes/no
    attribute counts by its label (`label(key, language)`: 降噪 / noise cancelling) when yes and is not
    expected when no; values the advertising-law list forbids are not expected.
    """
    copy = sample.joined()
    numbers, letters = _covered_numbers(copy)
    stated = expected = 0
    for key, value in sample.product.values():
        lowered = value.lower()
        if lowered in NO or (compliance is not None and compliance.find(value)):
            continue
        expected += 1
        if lowered in YES:
            name = label(key, sample.language) if label is not None else key
            stated += name.lower() in copy.lower()
            continue
        number = _number(value)
        if (number is not None and number in numbers) or value.upper() in letters:
            stated += 1
            continue
        stated += _mentions(copy, value, forms)
    return stated, expected


def invented(
    sample: CopySample,
    vocabulary: Mapping[str, set[str]],
    *,
    forms: Callable[[str], Iterable[str]] | None = None,
) -> list[str]:
    """Values of this product's attribute keys that belong to other products, found in the copy.

    `vocabulary` is every value seen per key across the batch. The product's own values (and their
    translations) are masked first, so 网布 inside 工程网布 is not counted; one-character values and Latin
    values under three letters are ignored (S, M, 男 …). A size range that spans a size the product lacks
    (40–44码 for 40/41/43/44 without 不含42码) is invented too.
    """
    copy = sample.joined()
    own = {value for _, value in sample.product.values()}
    masks = {form for v in own for form in _forms(v, forms)}
    masked = copy
    for value in sorted(masks, key=len, reverse=True):
        masked = re.sub(re.escape(value), "\0", masked, flags=re.IGNORECASE)
    found: set[str] = set()
    keys = {key for key, _ in sample.product.values()}
    for key in keys:
        for other in vocabulary.get(key, set()) - own:
            own_text = " ".join((sample.product.title, sample.product.description, *sample.product.context))
            if any(form.lower() in own_text.lower() for form in _forms(other, forms)):
                continue  # the product's own title, description or category states it
            for form in _forms(other, forms):
                if len(form) < 2 or (form.isascii() and len(form) < 3):
                    continue
                pattern = re.escape(form)
                if form.isascii():
                    pattern = rf"(?<![A-Za-z0-9]){pattern}(?![A-Za-z0-9])"
                if re.search(pattern, masked, flags=re.IGNORECASE):
                    found.add(other)
    numbers, _ = _covered_numbers(copy)
    sizes = {n for _, v in sample.product.values() if (n := _number(v)) is not None}
    if sizes:
        found |= {f"{n:g}码" for n in numbers if n not in sizes and min(sizes) <= n <= max(sizes)}
    return sorted(found)


def _own_words(product: RubricProduct) -> list[str]:
    """The product's own names, longest first: brand, category levels, and every 2+ character piece of the
    title's Chinese runs and its Latin words (what a template slot is filled with)."""
    words = {product.brand, *product.brand.split()}
    for text in (product.title, *product.context):
        words |= set(re.split(r"[\s/;]+", text))
        for run in regex.findall(r"\p{Han}{2,}", text):
            words |= {run[i:j] for i in range(len(run)) for j in range(i + 2, len(run) + 1)}
    return sorted((w for w in words if len(w) >= 2), key=len, reverse=True)


def sentences(sample: CopySample, *, templated: bool = False) -> set[str]:
    """Normalised sentences (labels, punctuation and emoji dropped) of at least six characters.

    `templated=True` masks the product's own names first, so "德龙咖啡机的更多细节，以详情页为准" and
    "苏泊尔锅具的更多细节，以详情页为准" are one stock sentence with a slot.
    """
    own = _own_words(sample.product) if templated else []
    out: set[str] = set()
    for _, text in sample.parts():
        for piece in _SPLIT_SENTENCES.split(text):
            for word in own:
                if word in piece:
                    piece = piece.replace(word, "◇")
            normal = _norm(piece.replace("◇", "x"))
            if len(normal) >= 6:
                out.add(normal)
    return out


def shared_share(
    samples: Sequence[CopySample], threshold: float = 0.10, *, templated: bool = False
) -> tuple[float, list[str]]:
    """Share of sentence occurrences whose sentence appears in more than `threshold` of the copies.

    Returns the share and the shared sentences, most common first (the stock phrases to rewrite).
    `templated` compares sentences with the product's names masked (stock templates with a slot).
    """
    per_copy = [sentences(sample, templated=templated) for sample in samples]
    counts: Counter[str] = Counter(s for found in per_copy for s in found)
    limit = threshold * len(samples)
    shared = {s for s, n in counts.items() if n > limit and n >= 2}
    total = sum(len(found) for found in per_copy)
    hits = sum(len(found & shared) for found in per_copy)
    return (hits / total if total else 0.0), sorted(shared, key=lambda s: -counts[s])


def distinct_2(samples: Iterable[CopySample]) -> float:
    """Distinct token bigrams / all token bigrams over a batch (Li et al., 2016, on characters/words)."""
    seen: set[tuple[str, str]] = set()
    total = 0
    for sample in samples:
        for _, text in sample.parts():
            tokens = [t.lower() for t in _TOKEN.findall(text)]
            grams = list(pairwise(tokens))
            total += len(grams)
            seen.update(grams)
    return len(seen) / total if total else 0.0


@dataclass
class RubricRow:
    """The rubric's figures for one batch (one platform, or all platforms together)."""

    name: str
    copies: int = 0
    artefacts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    cjk_copies: int = 0  # finished (not flagged) English copies with CJK characters
    needs_translation: int = 0
    thin_flagged: int = 0  # Douyin scripts the data could not fill, flagged "structure.thin" for staff
    english: int = 0
    shared: float = 0.0
    shared_examples: list[str] = field(default_factory=list)
    templated: float = 0.0  # the same share with the product's names masked: stock templates with a slot
    template_examples: list[str] = field(default_factory=list)
    distinct2: float = 0.0
    stated: int = 0
    expected: int = 0
    invented: Counter[str] = field(default_factory=Counter)
    invented_copies: int = 0
    absolute: Counter[str] = field(default_factory=Counter)

    @property
    def coverage(self) -> float:
        return self.stated / self.expected if self.expected else 1.0

    @property
    def artefact_total(self) -> int:
        return sum(self.artefacts.values())

    @property
    def absolute_total(self) -> int:
        return sum(self.absolute.values())


def score(
    name: str,
    samples: Sequence[CopySample],
    *,
    vocabulary: Mapping[str, set[str]],
    compliance: ComplianceChecker,
    forms: Callable[[str], Iterable[str]] | None = None,
    label: Callable[[str, str], str] | None = None,
) -> RubricRow:
    """Every rubric figure for one batch of copies."""
    row = RubricRow(name, copies=len(samples))
    for sample in samples:
        for artefact in artefacts(sample):
            row.artefacts[artefact.kind] += 1
            row.examples.setdefault(artefact.kind, artefact.excerpt)
        row.thin_flagged += thin_script(sample) and "structure.thin" in sample.flags
        if sample.language == "en":
            row.english += 1
            row.needs_translation += sample.needs_translation
            row.cjk_copies += bool(not sample.needs_translation and cjk_count(sample))
        stated, expected = coverage(sample, forms=forms, label=label, compliance=compliance)
        row.stated += stated
        row.expected += expected
        extra = invented(sample, vocabulary, forms=forms)
        row.invented.update(extra)
        row.invented_copies += bool(extra)
        names = proper_names(sample.product.brand)
        row.absolute.update(hit.matched for hit in compliance.find(sample.joined(), names=names))
    by_platform: dict[str, list[CopySample]] = {}
    for sample in samples:
        by_platform.setdefault(sample.platform, []).append(sample)
    shared_hits = templated_hits = 0.0
    for batch in by_platform.values():
        share, examples = shared_share(batch)
        shared_hits += share * sum(len(sentences(s)) for s in batch)
        row.shared_examples += examples[:3]
        share, examples = shared_share(batch, templated=True)
        templated_hits += share * sum(len(sentences(s, templated=True)) for s in batch)
        row.template_examples += examples[:3]
    total_sentences = sum(len(sentences(s)) for s in samples)
    row.shared = shared_hits / total_sentences if total_sentences else 0.0
    templated_total = sum(len(sentences(s, templated=True)) for s in samples)
    row.templated = templated_hits / templated_total if templated_total else 0.0
    row.distinct2 = sum(distinct_2(b) * len(b) for b in by_platform.values()) / max(1, len(samples))
    return row


def vocabulary_of(products: Iterable[RubricProduct]) -> dict[str, set[str]]:
    """Every value seen per attribute key (what `invented` compares against)."""
    vocab: dict[str, set[str]] = {}
    for product in products:
        for key, value in product.values():
            vocab.setdefault(key, set()).add(value)
    return vocab
