"""No invented specs: materials, certifications, claims and numbers in a copy must come from the product.

The vocabulary is data (`bot/prompts/copy/grounding.yaml`: groups of equivalent zh/en words and unit aliases).
A copy term is grounded when a word of its group appears in the product's evidence text; a number with a
unit is grounded when the same number appears there with a unit of the same group, or bare (a size "42").
Prices (¥199, $25) must match a number in the evidence too. Violations are removed with their clause, so
the sentence around them still reads; the LLM writer regenerates instead when it can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from bot.copywriting.compliance import tidy
from bot.copywriting.models import Draft, Flag, ProductFacts
from bot.domain.errors import PromptFileError
from knowledge.yaml_data import load_yaml

KINDS = ("materials", "certifications", "claims")
_KIND_FLAG = {"materials": "material", "certifications": "certification", "claims": "claim"}
_NUMBER = r"(?<![\d.,])(\d+(?:\.\d+)?)"
_CLAUSE_BREAKS = "，。！？；,;!?\n"


@dataclass(frozen=True)
class Violation:
    kind: str  # "material", "certification", "claim", "number"
    term: str
    start: int
    end: int


def _word_pattern(words: list[str]) -> str:
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        body = re.escape(word)
        parts.append(rf"(?<![A-Za-z]){body}(?![A-Za-z])" if re.search(r"[A-Za-z]", word) else body)
    return "|".join(parts)


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


class GroundingChecker:
    """Finds ungrounded terms in copy for a given product and removes them."""

    def __init__(self, groups: dict[str, list[list[str]]], units: list[list[str]]) -> None:
        self._group_of: dict[str, dict[str, int]] = {}
        self._groups = groups
        self._patterns: dict[str, re.Pattern[str]] = {}
        for kind, kind_groups in groups.items():
            self._group_of[kind] = {w.lower(): i for i, group in enumerate(kind_groups) for w in group}
            self._patterns[kind] = re.compile(_word_pattern(list(self._group_of[kind])), re.IGNORECASE)
        self._unit_group = {u.lower(): i for i, group in enumerate(units) for u in group}
        unit_alt = _word_pattern([u for group in units for u in group])
        self._quantity = re.compile(rf"{_NUMBER}\s*({unit_alt})", re.IGNORECASE)
        self._currency = re.compile(rf"[¥￥$]\s*{_NUMBER}")
        self._bare = re.compile(_NUMBER)
        self._cache: dict[str, tuple[str, set[tuple[Decimal, int]], set[Decimal]]] = {}

    @classmethod
    def load(cls, path: Path) -> GroundingChecker:
        try:
            data = load_yaml(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise PromptFileError(f"{path}: cannot read grounding vocabulary: {exc}") from exc
        groups: dict[str, list[list[str]]] = {}
        for kind in KINDS:
            value = data.get(kind)
            if not isinstance(value, list) or not all(isinstance(group, list) for group in value):
                raise PromptFileError(f"{path}: '{kind}' must be a list of word groups")
            groups[kind] = [[str(word) for word in group] for group in value]
        units = data.get("units")
        if not isinstance(units, list):
            raise PromptFileError(f"{path}: 'units' must be a list of unit groups")
        return cls(groups, [[str(u) for u in group] for group in units])

    def _numbers_in(self, text: str) -> tuple[set[tuple[Decimal, int]], set[Decimal]]:
        with_unit: set[tuple[Decimal, int]] = set()
        for match in self._quantity.finditer(text):
            value = _number(match.group(1))
            if value is not None:
                with_unit.add((value, self._unit_group[match.group(2).lower()]))
        bare = {v for v in (_number(m.group(1)) for m in self._bare.finditer(text)) if v is not None}
        return with_unit, bare

    def _evidence(self, facts: ProductFacts) -> tuple[str, set[tuple[Decimal, int]], set[Decimal]]:
        """The facts' evidence, lower-cased, and its numbers — cached, as every part of a copy asks again."""
        evidence = facts.evidence()
        known = self._cache.get(evidence)
        if known is None:
            if len(self._cache) > 256:
                self._cache.clear()
            known = (evidence.lower(), *self._numbers_in(evidence))
            self._cache[evidence] = known
        return known

    def find(self, text: str, facts: ProductFacts) -> list[Violation]:
        """Ungrounded terms in `text`, left to right."""
        lowered, with_unit, bare = self._evidence(facts)
        found: list[Violation] = []
        for kind, pattern in self._patterns.items():
            lookup = self._group_of[kind]
            for match in pattern.finditer(text):
                group = self._groups[kind][lookup[match.group(0).lower()]]
                if not any(word.lower() in lowered for word in group):
                    found.append(Violation(_KIND_FLAG[kind], match.group(0), match.start(), match.end()))
        for match in self._quantity.finditer(text):
            value = _number(match.group(1))
            unit = self._unit_group[match.group(2).lower()]
            if value is not None and (value, unit) not in with_unit and value not in bare:
                found.append(Violation("number", match.group(0), match.start(), match.end()))
        for match in self._currency.finditer(text):
            value = _number(match.group(1))
            if value is not None and value not in bare:
                found.append(Violation("number", match.group(0), match.start(), match.end()))
        return sorted(found, key=lambda v: v.start)

    def fix(
        self, text: str, facts: ProductFacts, where: str = "", *, segment_by_space: bool = False
    ) -> tuple[str, list[Flag]]:
        """`text` without the clauses (title: the space-separated segments) that hold violations."""
        violations = self.find(text, facts)
        if not violations:
            return text, []
        breaks = _CLAUSE_BREAKS + (" " if segment_by_space else "")
        out = text
        for violation in reversed(violations):
            if violation.term not in out:
                continue  # already removed with an earlier clause
            start = out.find(violation.term)
            left = max((out.rfind(ch, 0, start) for ch in breaks), default=-1) + 1
            right_candidates = [
                i for i in (out.find(ch, start + len(violation.term)) for ch in breaks) if i >= 0
            ]
            right = min(right_candidates) + 1 if right_candidates else len(out)
            out = out[:left] + out[right:]
        flags = [
            Flag(f"grounding.{v.kind}", v.term, "removed", where, "not in the product data")
            for v in violations
        ]
        return tidy(out), flags

    def fix_draft(self, draft: Draft, facts: ProductFacts) -> tuple[Draft, list[Flag]]:
        """Apply `fix` to every part; bullets that end up empty are dropped (the caller refills them)."""
        flags: list[Flag] = []
        title, found = self.fix(draft.title, facts, "title", segment_by_space=True)
        flags += found
        text, found = self.fix(draft.text, facts, "text")
        flags += found
        bullets: list[str] = []
        for index, bullet in enumerate(draft.bullets):
            fixed, found = self.fix(bullet, facts, f"bullets[{index}]")
            flags += found
            if fixed.strip():
                bullets.append(fixed)
        return replace(draft, title=title, text=text, bullets=tuple(bullets)), flags
