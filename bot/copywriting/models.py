"""Plain values of the copy feature: what a copy is, what the checks found, what staff asked for.

Kept separate so the checks, composers, bulk runner and commands share one vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FlagAction = Literal["removed", "rewritten", "regenerated", "trimmed", "fallback", "kept", "filled"]


@dataclass(frozen=True)
class Flag:
    """One finding of a check and what was done about it (listed to staff and in bulk output)."""

    type: str  # e.g. "compliance.absolute", "grounding.material", "limits.title", "llm.fallback"
    term: str  # the offending text (or a short label)
    action: FlagAction
    where: str = ""  # "title", "text", "bullets[2]"
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        data = {"type": self.type, "term": self.term, "action": self.action}
        if self.where:
            data["where"] = self.where
        if self.detail:
            data["detail"] = self.detail
        return data


@dataclass(frozen=True)
class Draft:
    """Copy in a platform's shape before or after the checks."""

    title: str
    text: str
    bullets: tuple[str, ...] = ()
    untranslated: tuple[str, ...] = ()  # Chinese an English copy still holds (offline glossary gaps)

    def fields(self) -> list[tuple[str, str]]:
        """(where, text) for every part, so checks can walk title, text and each bullet alike."""
        parts = [("title", self.title), ("text", self.text)]
        parts += [(f"bullets[{i}]", bullet) for i, bullet in enumerate(self.bullets)]
        return parts

    def joined(self) -> str:
        return "\n".join(text for _, text in self.fields())


@dataclass(frozen=True)
class CopyResult:
    """One finished copy variant, ready for staff or for a bulk output row."""

    id: str  # "<sku>-<platform>-v<variant>" (or "kw-…" for free keywords)
    sku: str  # "" for free-keyword copy
    platform: str
    tone: str
    variant: int
    title: str
    text: str
    bullets: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()
    source: Literal["llm", "offline"] = "offline"
    grounded: bool = True  # False: written from keywords alone, not from a catalog product
    needs_translation: bool = False  # an English copy that still holds Chinese: not finished

    def as_row(self) -> dict[str, Any]:
        """The fixed bulk-output shape (JSONL object / CSV row before encoding); fields are only ever added."""
        return {
            "sku": self.sku,
            "platform": self.platform,
            "variant": self.variant,
            "title": self.title,
            "text": self.text,
            "bullets": list(self.bullets),
            "keywords": list(self.keywords),
            "flags": [flag.as_dict() for flag in self.flags],
            "needs_translation": self.needs_translation,
            "grounded": self.grounded,
        }


@dataclass(frozen=True)
class ProductFacts:
    """What copy may state about a product: its catalog data, or only the keywords staff gave."""

    name: str
    sku: str = ""
    brand: str = ""
    leaf: str = ""  # last category level, e.g. "跑步鞋"
    attributes: dict[str, str] = field(default_factory=dict)
    description: str = ""
    tags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    price: str = ""  # the catalog price ("¥899.00"): a copy quoting it is grounded, any other price is not
    category: str = ""  # the catalog category path ("运动鞋/跑步鞋")
    labels: tuple[str, ...] = ()  # names of yes-valued attributes (降噪, noise cancelling): evidence only
    grounded: bool = True  # False when the facts are only the keywords staff typed

    def evidence(self) -> str:
        """All text the grounding check accepts as the source of truth."""
        parts = [self.name, self.brand, self.leaf, self.category, self.description, self.price]
        parts += [*self.tags, *self.keywords, *self.labels]
        parts += [f"{key} {value}" for key, value in self.attributes.items()]
        return "\n".join(part for part in parts if part)


@dataclass(frozen=True)
class KeywordReport:
    """/keywords: ranked SEO keywords, which are already in the title, and LLM suggestions."""

    subject: str
    title: str
    keywords: tuple[str, ...]
    in_title: frozenset[str]
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Description:
    """/describe: a grounded description and the catalog products it drew on."""

    keywords: tuple[str, ...]
    copy: CopyResult
    matched_skus: tuple[str, ...] = ()
