"""Category families: the scene, verb, measure word and category-level lines of a kind of product.

Data in `bot/prompts/copy/families.yaml` (shoes, earphones, skincare, snacks, apparel …). A family's lines may
only say what is true of the whole category, so they carry no numbers or claims; the scene is taken from the
product's own data when it mentions one of the family's scene words (慢跑, 通勤 …), else the family's default.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.domain.errors import PromptFileError
from bot.prompts import placeholders
from knowledge.yaml_data import load_yaml

FIELDS = frozenset({"brand", "leaf", "short", "name", "scene", "verb", "unit"})
BANKS = ("xhs_titles", "wechat_titles", "douyin_hooks", "douyin_cta", "needs")


@dataclass(frozen=True)
class Family:
    name: str
    match: tuple[str, ...]
    verb: str
    unit: str
    scene: str
    scenes: tuple[str, ...]
    banks: dict[str, tuple[str, ...]]
    noun: str = ""  # what to call a product whose category leaf is a genre, not a thing (科幻 → 图书)
    department: bool = False  # matched on the category's first level before any leaf (宠物/零食 is pets)

    def scene_for(self, evidence: str, rng: random.Random) -> str:
        """A scene word the product's data mentions (seeded choice), else the family's default scene."""
        found = [s for s in self.scenes if s in evidence]
        return found[rng.randrange(len(found))] if found else self.scene


class FamilyBook:
    """Families in file order; `default` supplies every bank a family leaves out."""

    def __init__(self, families: list[Family]) -> None:
        self.families = families
        self.default = next(f for f in families if f.name == "default")

    @classmethod
    def load(cls, path: Path) -> FamilyBook:
        try:
            data: dict[str, Any] = load_yaml(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise PromptFileError(f"{path}: cannot read families: {exc}") from exc
        raw = data.get("families")
        if not isinstance(raw, dict) or "default" not in raw:
            raise PromptFileError(f"{path}: expected 'families' with a 'default' family")
        default_banks = raw["default"]
        missing = [bank for bank in BANKS if not default_banks.get(bank)]
        if missing:
            raise PromptFileError(f"{path}: the default family needs every bank; missing {missing}")
        families = []
        for name, body in raw.items():
            banks: dict[str, tuple[str, ...]] = {}
            for bank in BANKS:
                lines = tuple(map(str, body.get(bank) or default_banks[bank]))
                for line in lines:
                    unknown = placeholders(line) - FIELDS
                    if unknown:
                        raise PromptFileError(f"{path}: {name}.{bank} line {line!r} uses {sorted(unknown)}")
                banks[bank] = lines
            families.append(
                Family(
                    name=str(name),
                    match=tuple(str(m).lower() for m in body.get("match") or ()),
                    verb=str(body.get("verb") or default_banks.get("verb", "用")),
                    unit=str(body.get("unit") or default_banks.get("unit", "款")),
                    scene=str(body.get("scene") or default_banks.get("scene", "日常")),
                    scenes=tuple(map(str, body.get("scenes") or ())),
                    banks=banks,
                    noun=str(body.get("noun") or ""),
                    department=bool(body.get("department", False)),
                )
            )
        return cls(families)

    def lines(self) -> list[tuple[str, str]]:
        """(where, line) of every bank line, for the checks that keep them claim-free."""
        return [
            (f"{f.name}.{bank}", line) for f in self.families for bank, ls in f.banks.items() for line in ls
        ]

    def family_for(
        self, leaf: str, category: str = "", title: str = "", keywords: tuple[str, ...] = ()
    ) -> Family:
        """The department family of the category's first level (宠物, 图书), else the first family whose match
        word is in the leaf (then the category, the title, the keywords)."""
        top = category.split("/")[0].strip().lower()
        for family in self.families:
            if family.department and top and any(_contains(top, word) for word in family.match):
                return family
        for text in (leaf, category, title, " ".join(keywords)):
            lowered = text.lower()
            if not lowered:
                continue
            for family in self.families:
                if any(_contains(lowered, word) for word in family.match):
                    return family
        return self.default


def _contains(text: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}", text) is not None
    return word in text
