"""One normalisation step before parsing and retrieval: NFKC, emoji, Traditional → Simplified, pinyin, typos.

`TextNormalizer.normalize("有沒有適合跑步的耳機")` → `NormalizedText(text="有没有适合跑步的耳机", traditional=True)`;
the conversation layer answers in the customer's script with `knowledge.traditional.to_traditional`. Everything is
driven by the catalog's own vocabulary plus the synonym file (see `knowledge.spelling`): an emoji becomes a word
only when its CLDR name or GitHub alias is a catalog or synonym word (☕ :coffee: → 咖啡, 🎧 → 耳机, 💰 is dropped).
The one module that imports `emoji`. Cost: tens of microseconds a message once built (see bench/keywords_bench.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from knowledge.resources import (
    brand_alias_groups,
    colour_groups,
    gender_groups,
    normalise_english,
    stopwords,
    synonym_groups,
)
from knowledge.script import HAN_CHAR
from knowledge.spelling import SpellingCorrector
from knowledge.traditional import ScriptConverter
from knowledge.vocabulary import Vocabulary

# The parser's own words (price, stock, negation, question words): pinyin may spell them too ("300 yinei").
CUE_WORDS = [
    "以内",
    "以下",
    "以上",
    "之间",
    "左右",
    "上下",
    "不超过",
    "至少",
    "预算",
    "块",
    "元",
    "块钱",
    "多少钱",
    "价格",
    "便宜",
    "贵",
    "推荐",
    "有",
    "有吗",
    "哪款",
    "多少",
    "有没有",
    "有货",
    "现货",
    "不要",
    "除了",
    "别的",
    "还有",
    "什么",
    "哪个",
    "哪些",
    "最",
    "的",
    "吗",
    "呢",
    "想要",
    "想买",
    "一",
    "二",
    "两",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "百",
    "千",
    "万",
    "男款",
    "女款",
    "男士",
    "女士",
    "码",
    "大码",
    "小码",
    "颜色",
    "尺码",
    "号",
    # what a pinyin sentence says around the catalog word ("wo xiang mai toukui" → 我想买头盔)
    "我",
    "我想",
    "想买",
    "想要",
    "我要",
    "买",
    "要",
    "推荐",
    "有没有",
    "多少钱",
    "这个",
    "那个",
    "一个",
]
_HAN = HAN_CHAR
_LATIN = re.compile(r"[a-z]+")
_SPACES = re.compile(r"[ \t]{2,}")
_JOINERS = re.compile("[\ufe0e\ufe0f\u200d]")  # variation selectors and zero-width joiners left by emoji


@dataclass(frozen=True)
class NormalizedText:
    """`text` as understood (Simplified, pinyin and typos mapped, emoji mapped or dropped) and what changed."""

    text: str
    original: str
    traditional: bool = False
    corrections: tuple[tuple[str, str], ...] = ()


@cache
def _emoji_names() -> dict[str, tuple[str, ...]]:
    """Emoji (without variation selectors) → its GitHub aliases then its CLDR name, as lower-case phrases."""
    import emoji

    names: dict[str, tuple[str, ...]] = {}
    for char, data in emoji.EMOJI_DATA.items():
        phrases = [*data.get("alias", []), data.get("en", "")]
        cleaned = tuple(p.strip(":").replace("_", " ").replace("-", " ").lower() for p in phrases if p)
        names[char.replace("\ufe0f", "")] = cleaned
    return names


def _emoji_spans(text: str) -> list[tuple[int, int, str]]:
    import emoji

    return [(m["match_start"], m["match_end"], m["emoji"]) for m in emoji.emoji_list(text)]


class TextNormalizer:
    """Normalises customer messages toward one catalog's vocabulary (build once per vocabulary)."""

    def __init__(
        self,
        vocabulary: Vocabulary,
        *,
        known_word: Callable[[str], bool] | None = None,
        converter: ScriptConverter | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self.converter = converter or ScriptConverter()
        catalog: dict[str, int] = {}
        for word, df in vocabulary.doc_freq.items():
            catalog[word] = df
        for word in (*vocabulary.category_parts, *vocabulary.brands, *vocabulary.colors):
            catalog[word.lower()] = max(catalog.get(word.lower(), 0), 1)
        synonyms: dict[str, str] = {}  # member → canonical, for emoji in Chinese text
        for group in synonym_groups():
            for member in group:
                catalog.setdefault(member.lower(), 1)
                synonyms.setdefault(
                    " ".join(_LATIN.findall(member.lower())) or member.lower(), group[0].lower()
                )
        english: dict[str, int] = {w: 0 for w in stopwords() if w.isascii()}
        for group in (*synonym_groups(), *colour_groups(), *gender_groups()):
            for member in group:
                for word in _LATIN.findall(member.lower()):
                    english.setdefault(word, 1)
        # A brand's name in another script ("Proya" for 珀莱雅) is a known word, never a typo's target unless the
        # catalog itself spells it so (then the catalog's weight below makes it one): "Priya" is someone's name.
        for group in brand_alias_groups():
            for member in group:
                for word in _LATIN.findall(member.lower()):
                    english.setdefault(word, 0)
        for word, weight in catalog.items():
            for part in _LATIN.findall(word):
                english[part] = max(english.get(part, 0), weight)
                english.setdefault(normalise_english(part), weight)
        words = {**{w: 0 for w in CUE_WORDS}, **{w: n for w, n in catalog.items() if _HAN.search(w)}}
        self._catalog_latin = {w for w in catalog if w.isascii()}
        self._synonyms = synonyms
        self.spelling = SpellingCorrector(
            words=words,
            catalog=frozenset(w for w in catalog if _HAN.search(w)),
            english=english,
            known=known_word or (lambda word: False),
            kinds=frozenset(w for w in vocabulary.category_parts if len(w) >= 2 and all(map(_HAN.match, w))),
        )
        self.warm_up()

    def warm_up(self) -> None:
        """Load the script dictionaries, the English word list and the emoji table now, not on a customer's
        first message (≈0.5 s once per process)."""
        self.converter.to_simplified("預熱")
        self.spelling.lexicon("warm")
        _emoji_names()

    # -- emoji ----------------------------------------------------------------------------------------
    def _emoji_word(self, char: str, chinese: bool) -> str | None:
        """The catalog word an emoji stands for (in the message's script), or None (then it is dropped)."""
        for phrase in _emoji_names().get(char.replace("\ufe0f", ""), ()):
            singular = " ".join(normalise_english(w) for w in phrase.split())
            for form in (phrase, singular):
                canonical = self._synonyms.get(form)
                if canonical is not None:
                    return canonical if chinese else form
                if form in self._catalog_latin:
                    return form
        return None

    def _map_emoji(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        spans = _emoji_spans(text)
        if not spans:
            return text, []
        chinese = bool(_HAN.search(text))
        out, last, changes = [], 0, []
        for start, end, char in spans:
            word = self._emoji_word(char, chinese)
            out.append(text[last:start])
            out.append(word if chinese and word else f" {word} " if word else " ")
            changes.append((char, word or ""))
            last = end
        out.append(text[last:])
        return _SPACES.sub(" ", _JOINERS.sub("", "".join(out))).strip(), changes

    # -- the pipeline ---------------------------------------------------------------------------------
    def normalize(self, text: str) -> NormalizedText:
        """NFKC → emoji → Simplified script → pinyin → typos; `corrections` lists (written, understood) pairs."""
        nfkc = unicodedata.normalize("NFKC", text)
        mapped, changes = self._map_emoji(nfkc)
        simplified, traditional = self.converter.to_simplified(mapped)
        pinyin, from_pinyin = self.spelling.from_pinyin(simplified)
        fixed, typos = self.spelling.fix_typos(pinyin)
        corrections = [
            *((c, w) for c, w in changes if w),
            *((c.written, c.understood) for c in (*from_pinyin, *typos)),
        ]
        return NormalizedText(fixed, text, traditional, tuple(corrections))
