"""The commitment lexicon (bot/prompts/commitments.yaml): which commercial concepts a text states.

`Lexicon.read(text)` returns the concepts of a (surfaced, Simplified, lower-cased) text as `Reading`:
`stated` (asserted) and `denied` (right after a negation: "没有赠品", "we don't offer price matching").
Matching keeps the longest non-overlapping spans over all concepts, so "补差价" is read once and "无理由"
is not also a bare "退". One compiled alternation per concept; a read is O(text length × concepts).
Raises `ValueError` when the lexicon file is malformed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

from bot.conversation.claims.extract import NEGATION, TRAILING_DENIAL
from bot.prompts import PROMPTS_DIR
from knowledge.yaml_data import load_yaml

LEXICON_FILE = PROMPTS_DIR / "commitments.yaml"
MARKED_MEMO = 4096  # texts whose reading is kept (cleared when full; a text is a sentence or a bullet)
_LIST_JOIN = regex.compile(
    r"[\s、,，/]*(?:和|或者|或|与|及|以及|还有|也|还是|and|or|nor)?[\s、,，/]*", regex.I
)

_CONCESSIVE = regex.compile(r"(?:也|还是|照样|一样)(?:能|可以|可|会|行|给|照)?")
_NOT_WORD = regex.compile(r"[\W_]+")  # compiled once: `regex`'s pattern cache costs on every call


@dataclass(frozen=True)
class Concept:
    id: str
    kind: str  # the commercial class: price, shipping, returns, stock, authority, contact, promise
    condition: str  # "bullet"/"window": restricts a term (质量问题, 满¥99) — a sentence must state it to use
    # a unit that has it; "bullet" binds every unit of the bullet, "window" only the clauses it is in
    payer: bool  # who pays: splits evidence bullets into their own units
    negative: bool  # a restriction ("不支持无理由退货"): a unit that states it supports only clauses that do
    implied_by: frozenset[str]  # concepts that state this condition too (质保 implies a quality issue)
    guards: frozenset[str]  # a restriction binds only clauses that state one of these (除外 → regions)
    exclusion: bool  # names an exclusion (进水, rust): a bullet's restriction binds every unit that states it
    case: bool  # one of parallel cases of a bullet (a region): binds the figures of its clause
    pattern: regex.Pattern[str]


@dataclass(frozen=True)
class Reading:
    stated: frozenset[str]
    denied: frozenset[str]


class Lexicon:
    """Compiled concepts + the agreement openers (see the module docstring)."""

    def __init__(
        self,
        concepts: tuple[Concept, ...],
        affirm: regex.Pattern[str],
        topic_talk: regex.Pattern[str],
        deference: regex.Pattern[str],
    ) -> None:
        self.concepts = {c.id: c for c in concepts}
        self.affirm = affirm
        self.topic_talk = topic_talk  # "解答…的问题", "questions about": naming a topic commits to nothing
        self.deference = deference  # "以页面为准": deferring to the shop commits to nothing
        self._implied: dict[frozenset[str], frozenset[str]] = {}  # memo of `implied` (a few hundred sets)
        self._marked: dict[str, tuple[tuple[str, int, bool], ...]] = {}  # memo of `marked`
        self._spans: dict[str, tuple[tuple[str, int, int], ...]] = {}  # memo of `spans`

    @classmethod
    def load(cls, path: Path = LEXICON_FILE) -> Lexicon:
        data = load_yaml(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("concepts"), dict):
            raise ValueError(f"{path}: not a commitment lexicon (concepts: mapping expected)")
        concepts = []
        for cid, spec in data["concepts"].items():
            patterns = [*spec.get("zh", []), *spec.get("en", [])]
            if not patterns or "class" not in spec:
                raise ValueError(f"{path}: concept {cid!r} needs a class and patterns")
            # POSIX: the longest alternative wins ("支付宝和微信" over "支付宝"), as across concepts
            rx = regex.compile("|".join(f"(?:{p})" for p in patterns), regex.I | regex.POSIX)
            concepts.append(
                Concept(
                    cid, spec["class"], _scope(spec.get("condition")), bool(spec.get("payer")),
                    bool(spec.get("negative")), frozenset(spec.get("implied_by", ())),
                    frozenset(spec.get("guards", ())), bool(spec.get("exclusion")),
                    bool(spec.get("case")), rx,
                )
            )  # fmt: skip
        words = [*data["affirmations"]["zh"], *data["affirmations"]["en"]]
        alternation = "|".join(sorted(words, key=len, reverse=True))
        affirm = regex.compile(
            rf"^\W*(?:(?:您好|你好|亲亲|亲|hi|hello|hey)\W*)?(?:{alternation})(?![A-Za-z])", regex.I
        )
        return cls(tuple(concepts), affirm, _alternation(data["topic_talk"]), _alternation(data["deference"]))

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """(concept id, start, end) of the longest non-overlapping matches, in text order. Memoised per text
        (bounded, as `marked`): the content check reads the spans of sentences `marked` has read."""
        kept = self._spans.get(text)
        if kept is None:
            kept = self._spans_of(text)
            if len(self._spans) >= MARKED_MEMO:
                self._spans.clear()
            self._spans[text] = kept
        return list(kept)

    def _spans_of(self, text: str) -> tuple[tuple[str, int, int], ...]:
        found = [
            (m.start(), -(m.end() - m.start()), cid)
            for cid, concept in self.concepts.items()
            for m in concept.pattern.finditer(text)
            if m.end() > m.start()
        ]
        found.sort()
        kept: list[tuple[str, int, int]] = []
        end = -1
        for start, neg_len, cid in found:
            if start >= end:
                kept.append((cid, start, start - neg_len))
                end = start - neg_len
        return tuple(kept)

    def denied(self, text: str, start: int) -> bool:
        """Whether the concept at `start` follows a negation ("没有赠品", "we don't offer … or cashback")."""
        m = NEGATION.search(text[max(0, start - 40) : start])
        # "吃不完也能退", "用不了还是可以换": a concessive 也能/还是可以 after the negation asserts the concept
        return m is not None and _CONCESSIVE.search(m.group(0)) is None

    def marked(self, text: str) -> tuple[tuple[str, int, bool], ...]:
        """(concept, start, denied) of every span; a denial runs on through a list ("没有会员价或者新人价",
        "no coupons, cashback or points"). Memoised per text (bounded): a reply's sentences are read by both
        gates and by the evidence of the turn, and a read runs every concept's pattern over the text."""
        found = self._marked.get(text)
        if found is None:
            found = tuple(self._mark(text))
            if len(self._marked) >= MARKED_MEMO:
                self._marked.clear()
            self._marked[text] = found
        return found

    def _mark(self, text: str) -> list[tuple[str, int, bool]]:
        out: list[tuple[str, int, bool]] = []
        previous_end, previous_denied = -1, False
        for cid, start, end in self.spans(text):
            denied = (
                self.denied(text, start)
                or TRAILING_DENIAL.match(text, end) is not None
                or (previous_denied and _LIST_JOIN.fullmatch(text[previous_end:start]) is not None)
            )
            out.append((cid, start, denied))
            previous_end, previous_denied = end, denied
        return out

    def forget_marked(self) -> int:
        """Drop the memo of `marked` (it holds the texts read: reply sentences, customer messages); returns
        how many texts it held."""
        dropped = len(self._marked)
        self._marked.clear()
        return dropped

    def read(self, text: str) -> Reading:
        marked = self.marked(text)
        stated = {cid for cid, _, denied in marked if not denied}
        denied = {cid for cid, _, d in marked if d}
        return Reading(frozenset(stated), frozenset(denied - stated))

    def is_condition(self, cid: str, scope: str = "bullet") -> bool:
        return self.concepts[cid].condition == scope

    def is_payer(self, cid: str) -> bool:
        return self.concepts[cid].payer

    def is_negative(self, cid: str) -> bool:
        return self.concepts[cid].negative

    def is_case(self, cid: str) -> bool:
        return self.concepts[cid].case

    def is_exclusion(self, cid: str) -> bool:
        return self.concepts[cid].exclusion

    def is_spec(self, cid: str) -> bool:
        """A product property (防水, carbon plate, multipoint): only a product's own text states it."""
        return self.concepts[cid].kind == "spec"

    def binds(self, restriction: str, concepts: frozenset[str]) -> bool:
        """Whether a unit's restriction applies to a clause stating `concepts` (guards limit its scope)."""
        guards = self.concepts[restriction].guards
        return not guards or bool(guards & concepts)

    def implied(self, stated: frozenset[str]) -> frozenset[str]:
        """`stated` plus the conditions its concepts imply (质保 → a quality issue). Memoised: every evidence
        unit of every reply asks, and the lexicon never changes once loaded."""
        implied = self._implied.get(stated)
        if implied is None:
            implied = stated | {c.id for c in self.concepts.values() if c.implied_by & stated}
            if len(self._implied) >= 65536:
                self._implied.clear()
            self._implied[stated] = implied
        return implied

    def agrees(self, clause: str) -> bool:
        """Whether a clause is nothing but an agreement ("对", "没问题。", "Yes, that's right")."""
        m = self.affirm.match(clause)
        return m is not None and not _NOT_WORD.sub("", clause[m.end() :])


def _scope(value: object) -> str:
    return "window" if value == "window" else "bullet" if value else ""


def _alternation(words: dict[str, list[str]]) -> regex.Pattern[str]:
    return regex.compile("|".join(f"(?:{p})" for p in [*words["zh"], *words["en"]]), regex.I)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The shipped lexicon, compiled once per process."""
    return Lexicon.load()
