"""Advertising-law checker: find absolute, authority and medical/efficacy terms and fix them offline.

The word list is data (`bot/prompts/copy/forbidden_words.yaml`) so staff can maintain it; this module only
matches and repairs. Longer terms win, ordinary words that merely contain a term (最近, 第一次, 100%棉)
are exceptions declared in the file, English terms match whole words, case-insensitively. A category can
be lawful for a product that mentions a registration (美白 with 国妆特字). Removal keeps sentences readable:
"最舒适的" → "舒适的", "全网最低价" → "实惠价".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from bot.copywriting.models import Draft, Flag
from bot.domain.errors import PromptFileError
from knowledge.yaml_data import load_yaml

_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class Term:
    text: str
    category: str
    replace: str = ""
    excepts: tuple[re.Pattern[str], ...] = ()

    def pattern(self) -> str:
        """The term as a regex; ends made of ASCII letters/digits must be whole-word ("#1" ≠ "#100w")."""
        body = re.escape(self.text)
        left = r"(?<![A-Za-z0-9])" if _ASCII_WORD.match(self.text[0]) else ""
        right = r"(?![A-Za-z0-9]|\.\d)" if _ASCII_WORD.match(self.text[-1]) else ""
        return left + body + right


@dataclass(frozen=True)
class Hit:
    term: Term
    start: int
    end: int
    matched: str


def _exception_pattern(phrase: str) -> re.Pattern[str]:
    """'100%纯棉' also matches '100% 纯棉' (optional whitespace between characters); 're:…' is a regex."""
    if phrase.startswith("re:"):
        return re.compile(phrase[3:], re.IGNORECASE)
    chars = [re.escape(ch) for ch in phrase if not ch.isspace()]
    return re.compile(r"\s*".join(chars), re.IGNORECASE)


class ComplianceChecker:
    """Matches the word list against copy; `fix` removes or rewrites every hit and reports it."""

    def __init__(self, terms: list[Term], unless: dict[str, tuple[str, ...]] | None = None) -> None:
        self.terms = sorted(terms, key=lambda term: len(term.text), reverse=True)
        self.unless = unless or {}
        self._by_text = {term.text.lower(): term for term in self.terms}
        parts = [term.pattern() for term in self.terms]
        self._pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None

    @classmethod
    def load(cls, path: Path, extra_avoid: tuple[str, ...] = ()) -> ComplianceChecker:
        """Read the word list file (`extra_avoid`: the brand voice's words to avoid, category "brand")."""
        try:
            data = load_yaml(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise PromptFileError(f"{path}: cannot read word list: {exc}") from exc
        categories = data.get("categories")
        if not isinstance(categories, dict):
            raise PromptFileError(f"{path}: expected a 'categories' mapping")
        terms: list[Term] = []
        unless: dict[str, tuple[str, ...]] = {}
        for name, body in categories.items():
            if not isinstance(body, dict) or not isinstance(body.get("terms"), list):
                raise PromptFileError(f"{path}: category '{name}' needs a 'terms' list")
            unless[name] = tuple(str(word) for word in body.get("unless_product_mentions") or ())
            terms += [_parse_term(path, name, entry) for entry in body["terms"]]
        terms += [Term(word, "brand") for word in extra_avoid if word]
        return cls(terms, unless)

    def find(self, text: str, product_text: str = "", names: tuple[str, ...] = ()) -> list[Hit]:
        """Every hit in `text`, left to right; `product_text` enables category exemptions.

        `names` are the product's proper names (its brand, 完美日记): a term inside one is the name, not a
        claim, and is never reported or rewritten (a brand is not renamed 出色日记).
        """
        if self._pattern is None or not text:
            return []
        exempt = {name for name, words in self.unless.items() if any(w and w in product_text for w in words)}
        lowered = text.lower()
        spans = [
            (m.start(), m.end())
            for name in names
            if name
            for m in re.finditer(re.escape(name.lower()), lowered)
        ]
        hits: list[Hit] = []
        for match in self._pattern.finditer(text):
            term = self._by_text[match.group(0).lower()]
            if term.category in exempt or _excepted(text, match.start(), match.end(), term):
                continue
            if any(start <= match.start() and match.end() <= end for start, end in spans):
                continue
            hits.append(Hit(term, match.start(), match.end(), match.group(0)))
        return hits

    def fix(
        self, text: str, product_text: str = "", where: str = "", names: tuple[str, ...] = ()
    ) -> tuple[str, list[Flag]]:
        """`text` with every hit removed or rewritten, plus one flag per hit (`names` as in `find`)."""
        hits = self.find(text, product_text, names)
        if not hits:
            return text, []
        out = text
        for hit in reversed(hits):
            end = hit.end
            if not hit.term.replace and out[end : end + 1] == "的" and _clause_start(out, hit.start):
                end += 1  # "。行业领先的主动降噪" → "。主动降噪", not "。的主动降噪"
            out = out[: hit.start] + _fitting(hit.term.replace, out, hit.start) + out[end:]
        flags = [
            Flag(
                f"compliance.{hit.term.category}",
                hit.matched,
                "rewritten" if hit.term.replace else "removed",
                where,
                f"→ {hit.term.replace}" if hit.term.replace else "",
            )
            for hit in hits
        ]
        return tidy(out), flags

    def fix_draft(
        self, draft: Draft, product_text: str = "", names: tuple[str, ...] = ()
    ) -> tuple[Draft, list[Flag]]:
        """Apply `fix` to the title, the text and every bullet."""
        flags: list[Flag] = []
        title, found = self.fix(draft.title, product_text, "title", names)
        flags += found
        text, found = self.fix(draft.text, product_text, "text", names)
        flags += found
        bullets = []
        for index, bullet in enumerate(draft.bullets):
            fixed, found = self.fix(bullet, product_text, f"bullets[{index}]", names)
            flags += found
            bullets.append(fixed)
        return replace(draft, title=title, text=text, bullets=tuple(bullets)), flags


def proper_names(brand: str) -> tuple[str, ...]:
    """A brand and its parts ("MAC 魅可" → MAC 魅可, MAC, 魅可): names the word list never edits."""
    parts = [brand.strip(), *brand.split()]
    return tuple(dict.fromkeys(p for p in parts if len(p) >= 2))


def _parse_term(path: Path, category: str, entry: Any) -> Term:
    if isinstance(entry, str | int | float):
        return Term(str(entry), category)
    if not isinstance(entry, dict) or "term" not in entry:
        raise PromptFileError(f"{path}: entry {entry!r} in '{category}' needs a 'term'")
    unknown = set(entry) - {"term", "replace", "except"}
    if unknown:
        raise PromptFileError(f"{path}: unknown keys {sorted(unknown)} in entry {entry['term']!r}")
    excepts = tuple(_exception_pattern(str(phrase)) for phrase in entry.get("except") or ())
    return Term(str(entry["term"]), category, str(entry.get("replace") or ""), excepts)


def _excepted(text: str, start: int, end: int, term: Term) -> bool:
    """True when the hit lies inside one of the term's ordinary-word exceptions (最 in 最近)."""
    window_start = max(0, start - 12)
    window = text[window_start : end + 24]
    for pattern in term.excepts:
        for match in pattern.finditer(window):
            if match.start() + window_start <= start and match.end() + window_start >= end:
                return True
    return False


def _clause_start(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \t")
    return not before or before[-1] in "。！？；，、：\n!?;,:"


def _fitting(replacement: str, text: str, at: int) -> str:
    """Capitalise an English replacement that now starts a sentence."""
    if replacement and replacement[0].isalpha() and replacement.isascii():
        before = text[:at].rstrip()
        if not before or before[-1] in ".!?\n":
            return replacement[0].upper() + replacement[1:]
    return replacement


_TIDY_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[ \t]{2,}"), " "),
    (re.compile(r"[ \t]+([，。！？；、：,.!?;:)）])"), r"\1"),
    (re.compile(r"的的"), "的"),
    (re.compile(r"([，、；,;])\s*(?=[，、；。！？,;.!?])"), ""),
    (re.compile(r"(^|\n)\s*[，、；,;:：]\s*"), r"\1"),
    (re.compile(r"[，、；]+[ \t]*(?=\n|$)"), "。"),
    (re.compile(r"[,;]+[ \t]*(?=\n|$)"), "."),
    (re.compile(r"\b(a|an|the) (a|an|the)\b", re.IGNORECASE), r"\2"),
    (re.compile(r"^\s+|\s+$"), ""),
)


def tidy(text: str) -> str:
    """Repair what a removal leaves behind: doubled spaces or punctuation, dangling commas, 的的."""
    for pattern, replacement in _TIDY_RULES:
        text = pattern.sub(replacement, text)
    return text
