"""One offline composition: the product's facts grouped by theme, the fill values for lines, phrasing helpers,
and the catalog description cleaned by the advertising-law list — what the platform styles
(`bot/copywriting/styles.py`) build a draft from. `OfflineComposer` (`offline.py`) creates one per draft.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import regex

from bot.copywriting.attributes import AttributeBook, Fact
from bot.copywriting.compliance import ComplianceChecker, proper_names
from bot.copywriting.families import Family, FamilyBook
from bot.copywriting.glossary import Glossary, Translation
from bot.copywriting.limits import fits
from bot.copywriting.models import Draft, ProductFacts
from bot.copywriting.platforms import PlatformSpec, ToneSpec
from knowledge.script import has_han

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_EN_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_HAN = regex.compile(r"\p{Han}")
# An English sentence (three or more Latin words ending in . ! ?) inside a Chinese description.
_LATIN_SENTENCE = regex.compile(
    r"[A-Za-z][A-Za-z0-9'’,-]*(?:\s+[A-Za-z0-9'’,-]+){2,}[.!?](?=\s|$|\p{Han})\s*"
)
_VERB_START = re.compile(
    r"^(采用|选用|用料|支持|适合|提供|主打|侧重|产自|来自|属于|颜色|重量|容量|续航|功率|质地|净含量|产地)"
)


@dataclass(frozen=True)
class Themed:
    """The facts of one theme (look, build, spec …) with their phrased clauses."""

    theme: str
    facts: tuple[Fact, ...]
    clauses: tuple[str, ...]


@dataclass(frozen=True)
class Resources:
    """What every composition reads: attribute phrasing, the zh→en glossary, category families, the cleaner."""

    book: AttributeBook
    glossary: Glossary
    families: FamilyBook
    cleaner: DescriptionCleaner


@dataclass(frozen=True)
class DescriptionCleaner:
    """The catalog description, sentence by sentence, as copy may use it."""

    compliance: ComplianceChecker | None = None

    def clean_sentences(
        self, text: str, evidence: str, language: str, names: tuple[str, ...] = ()
    ) -> list[str]:
        """The catalog description's sentences in `language`, each checked by the advertising-law list.

        Chinese copy keeps only sentences with Chinese in them (an English description is never pasted
        into a Taobao listing; Amazon copy skips Chinese descriptions the same way). A sentence with a hit
        is fixed and re-checked; it is kept only when the fix leaves no hit, no clause starting with 的 and
        at least four characters (行业领先的主动降噪 → 主动降噪), else dropped; a clause the fix gutted to
        one or two characters goes (淡化细纹，100%有效 → 淡化细纹). `names` (the brand) are never edited.
        """
        pattern = _EN_SENTENCE if language == "en" else _SENTENCE
        pieces = pattern.findall(text)
        if language != "en":  # "Comfortable under makeup. 轻薄防晒。": the English sentence goes
            pieces = [_LATIN_SENTENCE.sub("", piece) for piece in pieces]
        out = []
        for raw in (s.strip() for s in pieces):
            if not raw or (language != "en" and not _HAN.search(raw)):
                continue
            sentence = raw
            if self.compliance is not None and self.compliance.find(sentence, evidence, names):
                sentence, _ = self.compliance.fix(sentence, evidence, names=names)
                sentence = _drop_gutted(raw, sentence)
                if self.compliance.find(sentence, evidence, names) or re.match(r"^[，、的]", sentence):
                    continue
            if len(sentence.rstrip("。！？!?.")) >= 4:
                out.append(
                    sentence
                    if sentence[-1] in "。！？!?."
                    else sentence + ("." if language == "en" else "。")
                )
        return out


_CLAUSE = re.compile(r"[^，,；;。！？!?]+[，,；;。！？!?]?")


def _drop_gutted(before: str, after: str) -> str:
    """Clauses an edit cut down to one or two characters are dropped ("淡化细纹，100%有效。" → "淡化细纹。")."""
    old, new = _CLAUSE.findall(before), _CLAUSE.findall(after)
    if len(old) != len(new):
        return after
    kept = [n for o, n in zip(old, new, strict=True) if n == o or len(n.rstrip("，,；;。！？!?").strip()) > 2]
    text = "".join(kept)
    if text and text[-1] in "，,；;":  # the last clause went: the sentence ends where it ended before
        end = after[-1] if after[-1] in "。！？!?." else ""
        text = text[:-1] + end
    return text


_LABEL_THEN_VALUE = regex.compile(r"^(\p{Han}{2,4})(?=[A-Za-z0-9])")


def _shared_label_once(clauses: tuple[str, ...]) -> list[str]:
    """ "防护值PA++++，防护值SPF50+" → "防护值PA++++，SPF50+": a label before a value is said once in a row."""
    out: list[str] = []
    previous = ""
    for clause in clauses:
        match = _LABEL_THEN_VALUE.match(clause)
        label = match.group(1) if match else ""
        out.append(clause[len(label) :] if label and label == previous else clause)
        previous = label
    return out


def _repeats(lead: str, body: str) -> bool:
    """The lead and the start of the clause share a two-character word (用料上， + 用料为织物)."""
    words = {lead[i : i + 2] for i in range(len(lead) - 1)}
    start = body[:8]
    return any(_HAN.fullmatch(w[0]) and _HAN.fullmatch(w[1]) and w in start for w in words)


_CN_DIGITS = {
    "1": "一",
    "2": "两",
    "3": "三",
    "4": "四",
    "5": "五",
    "6": "六",
    "7": "七",
    "8": "八",
    "9": "九",
}


def _named_already(values: tuple[str, ...], name: str) -> bool:
    """Every value is already in the product name (10袋 in "… 10袋"; 3件 in "三件套"; 新疆阿克苏 in "新疆 阿克苏")."""
    lowered = "".join(name.lower().split())

    def said(value: str) -> bool:
        value = "".join(value.lower().split())
        if value in lowered:
            return True
        digits = re.fullmatch(r"(\d)(\D*)", value)
        return digits is not None and f"{_CN_DIGITS.get(digits[1], '')}{digits[2]}" in lowered

    return bool(values) and all(said(v) for v in values)


def product_noun(facts: ProductFacts, glossary: Glossary, family: Family) -> str:
    """What to call the product: its category leaf, unless the leaf is a collective the name does not use
    (小家电, 床品, 彩妆) — then the most specific category word the name has (咖啡机, 羽绒被, 口红), else the
    family's noun (图书 for a leaf such as 科幻), else the leaf."""
    leaf = facts.leaf
    if family.noun and facts.grounded:  # a department's own noun (图书), whatever genre the leaf names
        return family.noun
    if not facts.grounded:
        return leaf or family.noun or family.name
    name = facts.name.lower()
    levels = {level for level in facts.category.split("/") if level}
    words = [
        zh
        for zh, en in glossary.category_pairs()
        if zh not in levels and zh != facts.brand and (zh in name or _has_words(name, en.lower()))
    ]
    if (
        leaf and leaf.lower() in name
    ):  # 瑜伽 in "加厚防滑瑜伽垫": the longer word that holds the leaf names it
        words = [w for w in words if leaf in w]
    if words:
        return max(words, key=lambda w: (len(w), -name.find(w)))
    return leaf or family.noun or family.name


GENERIC_SCENE = "日常"
# a line that uses {scene} as an occasion noun: 日常党, 给日常挑, 适合日常吗, "日常，试试", 日常的X
_OCCASION_ONLY = re.compile(r"\{scene\}(?:党|，|的|吗)|(?:给|适合)\{scene\}")


def chinese_noun(leaf: str, glossary: Glossary) -> str | None:
    """An English category leaf as a Chinese copy calls it (Office Chairs → 办公椅, Dog Food → 狗粮), singular
    or plural, or None when the glossary does not know it (the leaf then stays as the catalog wrote it)."""
    plural = leaf.lower().endswith("s")
    for form in (leaf, leaf[:-1] if plural else "", leaf[:-2] if leaf.lower().endswith("es") else ""):
        if form and (chinese := glossary.to_zh(form)) and has_han(chinese):
            return chinese
    return None


def _has_words(text: str, words: str) -> bool:
    """English words in a Latin title ("Gaiam Cork Yoga Block" has "yoga block")."""
    return bool(words) and re.search(rf"(?<![a-z]){re.escape(words)}s?(?![a-z])", text) is not None


class Ctx:
    """One composition: the facts grouped by theme, the fill values for lines, and small phrasing helpers."""

    def __init__(
        self,
        resources: Resources,
        facts: ProductFacts,
        platform: PlatformSpec,
        tone: ToneSpec,
        variant: int,
        rng: random.Random,
    ) -> None:
        self.c, self.f, self.p, self.t, self.variant, self.rng = (
            resources,
            facts,
            platform,
            tone,
            variant,
            rng,
        )
        self.lang = platform.language
        self.book, self.glossary = resources.book, resources.glossary
        self.family: Family = resources.families.family_for(
            facts.leaf, facts.category, facts.name, facts.keywords
        )
        evidence = facts.evidence()
        self.leaf = product_noun(facts, self.glossary, self.family)
        if self.lang == "zh" and self.leaf and not has_han(self.leaf):
            self.leaf = chinese_noun(self.leaf, self.glossary) or self.leaf
        self.scene = self.family.scene_for(evidence, rng)
        if (
            self.scene in self.leaf or self.leaf in self.scene
        ):  # "瑜伽选瑜伽": the scene is the product itself
            self.scene = self.family.scene if self.family.scene not in self.leaf else GENERIC_SCENE
        self.brand = facts.brand
        self.facts = self.book.facts(facts.attributes)
        self.untranslated: list[str] = []
        self._used_leads: set[str] = set()
        order = list(self.book.order)
        rng.shuffle(order)
        self.themes: list[Themed] = []
        for theme in order:
            members = tuple(f for f in self.facts if f.theme == theme)
            if members:
                clauses = tuple(c for f in members if (c := self.book.clause(f, rng, self.glossary)))
                self.themes.append(Themed(theme, members, clauses))
        self.description = resources.cleaner.clean_sentences(
            facts.description, evidence, "zh", proper_names(facts.brand)
        )
        self.fill = {
            "brand": self.brand,
            "leaf": self.leaf,
            "short": self.short(),
            "name": facts.name,
            "scene": self.scene,
            "verb": self.family.verb,
            "unit": self.family.unit,
        }

    # -- names ----------------------------------------------------------------------------------------------
    def short(self) -> str:
        """Brand + category leaf (耐克跑步鞋), or the name when there is no brand."""
        if self.brand and self.leaf and self.leaf not in self.brand:
            joiner = " " if self.brand[-1].isascii() and self.leaf[0].isascii() else ""
            return f"{self.brand}{joiner}{self.leaf}"
        return self.f.name if len(self.f.name) <= 14 else self.leaf

    def display_name(self) -> str:
        """The name with the brand in front exactly once ("Anker Soundcore Life P3i", not "… Soundcore Soundcore")."""
        name = " ".join(self.f.name.split())
        if not self.brand:
            return name
        missing = [t for t in self.brand.split() if t.lower() not in name.lower()]
        if not missing or name.startswith(self.brand[:2]):
            return name
        return f"{' '.join(missing)} {name}"

    # -- lines ------------------------------------------------------------------------------------------------
    def _for_scene(self, bank: list[str] | tuple[str, ...]) -> list[str] | tuple[str, ...]:
        """The bank without lines that need an occasion when the scene is only the bare 日常 ("日常党看过来",
        "给日常挑一款", "日常的X，先看这篇" are not Chinese); the whole bank when nothing else is left."""
        if self.fill.get("scene") != GENERIC_SCENE:
            return bank
        return [line for line in bank if not _OCCASION_ONLY.search(line)] or bank

    def line(self, bank: list[str] | tuple[str, ...], fill: dict[str, str] | None = None) -> str:
        """One line of a bank, seeded, with the product's fill values ('' when the bank is empty)."""
        bank = self._for_scene(bank)
        if not bank:
            return ""
        return bank[self.rng.randrange(len(bank))].format(**(fill or self.fill))

    def tone_line(self, bank: str) -> str:
        return self.line(self.t.bank(self.lang, bank))

    def family_line(self, bank: str) -> str:
        return self.line(self.family.banks[bank])

    def fitting(self, bank: tuple[str, ...] | list[str], limit: int, unit: str = "char") -> str:
        """The first line of a bank (from a seeded start) that fits the limit, '' when none does."""
        bank = self._for_scene(bank)
        if not bank:
            return ""
        start = self.rng.randrange(len(bank))
        for offset in range(len(bank)):
            text = bank[(start + offset) % len(bank)].format(**self.fill)
            if fits(text, limit, unit):  # type: ignore[arg-type]
                return text
        return ""

    def emoji(self) -> str:
        bank = self.t.bank(self.lang, "emoji")
        return self.rng.choice(bank) if bank and self.p.options.get("emoji") else ""

    # -- Chinese sentences --------------------------------------------------------------------------------------
    def sentence(self, themed: Themed, *, subject: bool = False, spoken: bool = False) -> str:
        """One theme as a sentence: a seeded lead, its clauses joined by '，', and '。'."""
        if not themed.clauses:
            return ""
        body = "，".join(_shared_label_once(themed.clauses))
        # a lead that names what the clause names again reads "用料上，用料为织物": not that one
        leads = [
            lead
            for lead in self.book.themes[themed.theme]["spoken" if spoken else "zh"]
            if not _repeats(lead, body)
        ] or [""]
        fresh = [lead for lead in leads if lead not in self._used_leads] or list(leads)
        lead = fresh[self.rng.randrange(len(fresh))]
        self._used_leads.add(lead)
        if lead.endswith("：") and "：" in body:
            lead = lead[:-1] + "，"  # no "版型与尺码：码数：…"
        if subject and not lead and _VERB_START.match(body):
            lead = f"这{self.family.unit}{self.leaf}"
        return f"{lead}{body}。"

    def theme_sentences(self) -> list[str]:
        return [
            s
            for i, t in enumerate(self.themes)
            if (s := self.sentence(t, subject=i == 0 and self.rng.random() < 0.5))
        ]

    def shorts(self, themed: Themed) -> list[str]:
        return [s for f in themed.facts if (s := self.book.short(f, self.glossary))]

    def hashtags(self, count: int) -> list[str]:
        """Whole catalog words only: brand, category levels, the product's tags, short attribute values.

        On a Chinese platform an English tag word is said in Chinese when the glossary knows it ("cast iron"
        → 铸铁) and left out otherwise (#chicken, #overnight); the brand stays as it is.
        """
        words = [self.brand, self.leaf, *self.f.category.split("/")[:1], *self.f.tags]
        words += [v for f in self.facts if f.kind.name in _TAG_KINDS for v in f.values]
        if self.lang != "en":
            words = [
                w if not w or w == self.brand or _HAN.search(w) else (self.glossary.to_zh(w) or "")
                for w in words
            ]
        seen: list[str] = []
        for word in words:
            tag = re.sub(r"[\s#]+", "", word or "")
            if (
                tag
                and not tag[0].isdigit()
                and len(tag) <= 12
                and tag.lower() not in (s.lower() for s in seen)
            ):
                seen.append(tag)
        return [f"#{tag}" for tag in seen[:count]]

    def title_parts(self) -> list[str]:
        """Name (brand once), then short attribute phrases not already in the name, then the leaf."""
        name = self.display_name()
        parts = [name]
        facts = [f for f in self.facts if f.kind.name not in ("size", "detail")]
        self.rng.shuffle(facts)
        for fact in facts:
            phrase = self.book.short(fact, self.glossary)
            if (
                phrase
                and 0 < len(phrase) <= 12
                and phrase.lower() not in name.lower()
                and not _named_already(fact.values, name)  # "10袋" is in the name: no "10袋装" after it
            ):
                parts.append(phrase)
        parts.append(self.leaf)
        chosen: list[str] = []
        for part in (" ".join(p.split()) for p in parts if p and p.strip()):
            if not any(part.lower() in other.lower() for other in chosen):
                chosen.append(part)
        return chosen

    def fit_parts(self, parts: list[str], joiner: str, limit: int, unit: str = "char") -> str:
        """Whole parts joined while they fit (a part is never cut)."""
        out = ""
        for part in parts:
            candidate = f"{out}{joiner}{part}" if out else part
            if fits(candidate, limit, unit):  # type: ignore[arg-type]
                out = candidate
        return out

    # -- English ------------------------------------------------------------------------------------------------
    def en(self, text: str, kind: str = "") -> str:
        """`text` in English; what the glossary cannot translate is remembered for the needs_translation flag."""
        found: Translation = self.glossary.translate(text, kind)
        self.untranslated += found.leftover
        return found.text

    def en_fact(self, fact: Fact) -> str:
        found = self.book.clause_en(fact, self.rng, self.glossary)
        self.untranslated += found.leftover
        return found.text

    def en_value(self, fact: Fact) -> str:
        found = self.book.value_en(fact, self.glossary)
        self.untranslated += found.leftover
        return found.text

    def en_description(self) -> list[str]:
        """The description's sentences when they are English already (a Chinese one is not translated)."""
        if _HAN.search(self.f.description):
            return []
        return self.c.cleaner.clean_sentences(
            self.f.description, self.f.evidence(), "en", proper_names(self.brand)
        )

    def draft(self, title: str, text: str, bullets: list[str] | tuple[str, ...] = ()) -> Draft:
        return Draft(title, text, tuple(bullets), tuple(dict.fromkeys(self.untranslated)))


_TAG_KINDS = frozenset({"tea_type", "flavor", "style", "effect", "form", "garment", "pattern"})
