"""Copy platforms, tones and the brand voice, loaded from `bot/prompts/copy/` (adding one = adding a file).

A platform is a prompt file (`bot/prompts.py` format) whose `meta` declares its language, limits
(title/text in `char` or `width` units, bullet count and length) and offline style. A tone is a prompt file
whose `system` is the instruction given to the LLM and whose `meta.offline` holds the offline composer's
phrase banks. Everything is validated when loaded, with the file's name in the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.copywriting.limits import Unit
from bot.domain.errors import PromptFileError
from bot.prompts import PromptSpec, load_prompt
from knowledge.yaml_data import load_yaml

PROMPT_VARIABLES = frozenset({"product", "keywords", "tone", "brand_voice", "limits", "variant"})
OFFLINE_STYLES = frozenset({"listing", "note", "paragraph", "script", "description"})


@dataclass(frozen=True)
class FieldLimit:
    max: int
    unit: Unit = "char"


@dataclass(frozen=True)
class BulletRule:
    min: int = 0
    max: int = 0
    item_max: int = 250
    unit: Unit = "char"


@dataclass(frozen=True)
class PlatformSpec:
    """One copy platform: its prompt, language, limits and offline shape."""

    name: str
    prompt: PromptSpec
    language: str
    title: FieldLimit
    text: FieldLimit
    bullets: BulletRule
    style: str
    options: dict[str, Any] = field(default_factory=dict)  # hashtags, emoji, title_joiner …
    aliases: tuple[str, ...] = ()
    label: dict[str, str] = field(default_factory=dict)

    def limits_text(self) -> str:
        """The limits as the LLM prompt states them."""
        parts = [
            f"title ≤ {self.title.max} {self._unit_words(self.title.unit)}",
            f"text ≤ {self.text.max} {self._unit_words(self.text.unit)}",
        ]
        if self.bullets.max:
            count = (
                f"exactly {self.bullets.min}"
                if self.bullets.min == self.bullets.max
                else f"{self.bullets.min}-{self.bullets.max}"
            )
            parts.append(f"bullets: {count}, each ≤ {self.bullets.item_max} characters")
        else:
            parts.append("bullets: none (empty list)")
        return "; ".join(parts)

    @staticmethod
    def _unit_words(unit: Unit) -> str:
        return (
            "width units (a Chinese character or emoji counts 2, ASCII 1)"
            if unit == "width"
            else "characters"
        )


@dataclass(frozen=True)
class ToneSpec:
    name: str
    instruction: str
    phrases: dict[str, dict[str, list[str]]]  # language → bank name → phrases
    aliases: tuple[str, ...] = ()

    def bank(self, language: str, name: str) -> list[str]:
        return self.phrases.get(language, self.phrases.get("zh", {})).get(name, [])


@dataclass(frozen=True)
class BrandVoice:
    shop_name: str
    voice: dict[str, str]
    use: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()

    def instruction(self, language: str) -> str:
        text = self.voice.get(language) or self.voice.get("zh", "")
        if self.use:
            text += f" Preferred words: {', '.join(self.use)}."
        if self.avoid:
            text += f" Never use: {', '.join(self.avoid)}."
        return text


def _limit(path: Path, meta: dict[str, Any], key: str) -> FieldLimit:
    value = meta.get(key)
    if not isinstance(value, dict) or not isinstance(value.get("max"), int):
        raise PromptFileError(f"{path}: meta.{key} needs an integer 'max'")
    unit = value.get("unit", "char")
    if unit not in ("char", "width"):
        raise PromptFileError(f"{path}: meta.{key}.unit must be 'char' or 'width'")
    return FieldLimit(value["max"], unit)


def load_platform(path: Path) -> PlatformSpec:
    prompt = load_prompt(path)
    if not set(prompt.variables) <= PROMPT_VARIABLES:
        raise PromptFileError(f"{path}: variables must be among {sorted(PROMPT_VARIABLES)}")
    meta = prompt.meta
    bullets = meta.get("bullets") or {}
    offline = dict(meta.get("offline") or {})
    style = offline.pop("style", "paragraph")
    if style not in OFFLINE_STYLES:
        raise PromptFileError(f"{path}: meta.offline.style must be one of {sorted(OFFLINE_STYLES)}")
    rule = BulletRule(
        int(bullets.get("min", 0)),
        int(bullets.get("max", 0)),
        int(bullets.get("item_max", 250)),
        bullets.get("unit", "char"),
    )
    if rule.min > rule.max:
        raise PromptFileError(f"{path}: meta.bullets.min exceeds max")
    return PlatformSpec(
        name=path.stem,
        prompt=prompt,
        language=str(meta.get("language", "zh")),
        title=_limit(path, meta, "title"),
        text=_limit(path, meta, "text"),
        bullets=rule,
        style=style,
        options=offline,
        aliases=tuple(str(a).lower() for a in meta.get("aliases") or ()),
        label=dict(meta.get("label") or {}),
    )


def load_tone(path: Path) -> ToneSpec:
    prompt = load_prompt(path)
    offline = (prompt.meta or {}).get("offline")
    if not isinstance(offline, dict) or "zh" not in offline:
        raise PromptFileError(f"{path}: meta.offline needs phrase banks per language (at least 'zh')")
    return ToneSpec(
        path.stem,
        prompt.system.strip(),
        offline,
        tuple(str(a).lower() for a in prompt.meta.get("aliases") or ()),
    )


def load_brand_voice(path: Path) -> BrandVoice:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PromptFileError(f"{path}: cannot read brand voice: {exc}") from exc
    unknown = set(data) - {"shop_name", "voice", "use", "avoid"}
    if unknown or not isinstance(data.get("voice"), dict):
        raise PromptFileError(f"{path}: expected shop_name, voice (zh/en), use, avoid; got {sorted(data)}")
    return BrandVoice(
        str(data.get("shop_name", "")),
        {k: str(v) for k, v in data["voice"].items()},
        tuple(map(str, data.get("use") or ())),
        tuple(map(str, data.get("avoid") or ())),
    )


@dataclass(frozen=True)
class CopyLibrary:
    """Every copy data file, loaded and validated once."""

    platforms: dict[str, PlatformSpec]
    tones: dict[str, ToneSpec]
    brand: BrandVoice
    describe: PlatformSpec
    root: Path

    @classmethod
    def load(cls, prompts_dir: Path) -> CopyLibrary:
        root = prompts_dir / "copy"
        platforms = {p.stem: load_platform(p) for p in sorted((root / "platforms").glob("*.yaml"))}
        tones = {p.stem: load_tone(p) for p in sorted((root / "tones").glob("*.yaml"))}
        if not platforms or not tones:
            raise PromptFileError(f"{root}: no platform or tone files found")
        return cls(
            platforms,
            tones,
            load_brand_voice(root / "brand_voice.yaml"),
            load_platform(root / "describe.yaml"),
            root,
        )

    def platform(self, name: str) -> PlatformSpec | None:
        key = name.strip().lower()
        return self.platforms.get(key) or next((p for p in self.platforms.values() if key in p.aliases), None)

    def tone(self, name: str) -> ToneSpec | None:
        key = name.strip().lower()
        return self.tones.get(key) or next((t for t in self.tones.values() if key in t.aliases), None)
