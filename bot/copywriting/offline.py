"""The offline composer: useful, grounded copy from a product's own facts, with no LLM at all.

Every sentence is built from catalog facts (name, brand, category, attributes, description, tags,
extracted keywords) placed into tone phrase banks (`bot/prompts/copy/tones/*.yaml`) in the platform's offline
style (`meta.offline.style`). Nothing is invented, so grounding holds by construction; compliance and
limits are still enforced afterwards by the same pipeline as LLM copy. Variants differ by a seeded choice
of phrases and fact order, so `v2` reads differently from `v1` but is stable between runs.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot.copywriting.limits import fits, trim
from bot.copywriting.models import Draft, ProductFacts
from bot.copywriting.platforms import PlatformSpec, ToneSpec

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


class OfflineComposer:
    """compose(facts, platform, tone, variant) → Draft, deterministic per (sku, platform, tone, variant)."""

    def __init__(self, phrases_path: Path) -> None:
        data: dict[str, Any] = yaml.safe_load(phrases_path.read_text(encoding="utf-8")) or {}
        self._zh: dict[str, Any] = data.get("zh") or {}
        self._en: dict[str, Any] = data.get("en") or {}
        self._styles: dict[str, Callable[[_Ctx], Draft]] = {
            "listing": _listing,
            "note": _note,
            "paragraph": _paragraph,
            "script": _script,
            "description": _description,
        }

    def phrase(self, key: str, value: str, language: str) -> str:
        """One attribute as prose: 材质 纯棉 → 纯棉材质 (zh); Material: cotton (en)."""
        if language == "en":
            label = self.label(key)
            return str(self._en.get("default", "{key}: {value}")).format(key=label, value=value)
        template = self._zh.get("templates", {}).get(key)
        if template is None:
            has_digit = any(ch.isdigit() for ch in value)
            template = self._zh.get("numeric" if has_digit else "default", "{value}")
        return str(template).format(key=key, value=value)

    def label(self, key: str) -> str:
        """English label of an attribute key ('shelf_life' → 'Shelf life' unless the file names it)."""
        known = self._en.get("labels", {}).get(key)
        if known:
            return str(known)
        return key.replace("_", " ").capitalize() if key.isascii() else key

    def compose(self, facts: ProductFacts, platform: PlatformSpec, tone: ToneSpec, variant: int) -> Draft:
        seed = hashlib.sha256(
            f"{facts.sku}|{facts.name}|{platform.name}|{tone.name}|{variant}".encode()
        ).digest()
        ctx = _Ctx(self, facts, platform, tone, variant, random.Random(int.from_bytes(seed[:8], "big")))
        return self._styles[platform.style](ctx)


class _Ctx:
    """Everything one composition needs, with small helpers shared by the styles."""

    def __init__(
        self,
        composer: OfflineComposer,
        facts: ProductFacts,
        platform: PlatformSpec,
        tone: ToneSpec,
        variant: int,
        rng: random.Random,
    ) -> None:
        self.c, self.f, self.p, self.t, self.variant, self.rng = composer, facts, platform, tone, variant, rng
        self.lang = platform.language
        self.joined_keywords = ("、" if self.lang != "en" else ", ").join(facts.keywords[:4])
        joiner = " / " if self.lang == "en" else "、"
        attrs = [
            (key, joiner.join(v.strip() for v in value.split(";") if v.strip()))
            for key, value in facts.attributes.items()
        ]
        rng.shuffle(attrs) if variant > 1 else None
        self.attrs = attrs
        self.leaf = facts.leaf or (facts.keywords[0] if facts.keywords else facts.name)
        self.emoji_on = bool(platform.options.get("emoji"))

    def pick(self, bank: str) -> str:
        options = self.t.bank(self.lang, bank)
        if not options:
            return ""
        choice = options[(self.variant - 1 + self.rng.randrange(len(options))) % len(options)]
        return choice.format(
            name=self.f.name,
            leaf=self.leaf,
            brand=self.f.brand or self.f.name,
            keywords=self.joined_keywords or self.leaf,
        )

    def emoji(self) -> str:
        bank = self.t.bank(self.lang, "emoji")
        return self.rng.choice(bank) if bank and self.emoji_on else ""

    def phrases(self) -> list[str]:
        return [self.c.phrase(key, value, self.lang) for key, value in self.attrs if value]

    def sentences(self, limit: int = 3) -> list[str]:
        found = [s.strip() for s in _SENTENCE.findall(self.f.description) if s.strip()]
        return found[:limit]

    def prose(self) -> str:
        phrases = self.phrases()
        if not phrases:
            return ""
        if self.lang == "en":
            connector = self.pick("connectors") or "Features"
            return f"{connector} " + "; ".join(phrases) + "."
        connector = self.pick("connectors")
        return f"{connector}{'，'.join(phrases)}。" if connector else "，".join(phrases) + "。"

    def hashtags(self, count: int) -> list[str]:
        words = [*self.f.keywords, self.leaf, self.f.brand, *self.f.tags]
        seen: list[str] = []
        for word in words:
            tag = re.sub(r"\s+", "", word)
            if tag and not tag[0].isdigit() and tag not in seen:  # "#1.5kg" is no topic (and reads as "#1")
                seen.append(tag)
        return [f"#{tag}" for tag in seen[:count]]

    def title_parts(self) -> list[str]:
        """Brand, name, short attribute values, keywords — each once (a part inside a chosen one is skipped)."""
        name = self.f.name.replace(self.f.brand, " ").strip() if self.f.brand else self.f.name
        values = [v.strip() for _, value in self.f.attributes.items() for v in value.split(";")]
        values = [v for v in values if 0 < len(v) <= 12 and not v.replace(".", "").isdigit()]  # no bare sizes
        parts = [self.f.brand, name, *values, *self.f.keywords[:4], self.f.leaf]
        chosen: list[str] = []
        for part in (" ".join(p.split()) for p in parts if p and p.strip()):
            if not any(part.lower() in other.lower() for other in chosen):
                chosen.append(part)
        return chosen

    def fit_parts(self, parts: list[str], joiner: str) -> str:
        """Join whole parts while they fit the title limit (never cuts inside a part if avoidable)."""
        out = ""
        for part in parts:
            candidate = f"{out}{joiner}{part}" if out else part
            if fits(candidate, self.p.title.max, self.p.title.unit):
                out = candidate
        return out or trim(parts[0] if parts else self.f.name, self.p.title.max, self.p.title.unit)


def _join(lang: str, *parts: str) -> str:
    sep = " " if lang == "en" else ""
    return sep.join(part for part in parts if part).strip()


def _listing(ctx: _Ctx) -> Draft:
    title = ctx.fit_parts(ctx.title_parts(), str(ctx.p.options.get("title_joiner", " ")))
    rule = ctx.p.bullets
    bullets: list[str] = []
    if ctx.lang == "en":
        bullets += [f"{ctx.c.label(k).upper()}: {v}" for k, v in ctx.attrs if v]
        bullets += ctx.sentences(5)
        bullets += [f"{'BRAND'}: {ctx.f.brand}"] if ctx.f.brand else []
        bullets += [f"KEYWORDS: {', '.join(ctx.f.keywords[:6])}"] if ctx.f.keywords else []
        bullets += ctx.t.bank("en", "fillers")
    else:
        bullets += [trim(p, rule.item_max, rule.unit) for p in ctx.phrases()]
        bullets += [trim(s.rstrip("。！？!?"), rule.item_max, rule.unit) for s in ctx.sentences(3)]
        bullets += [kw for kw in ctx.f.keywords if kw not in " ".join(bullets)]
        bullets += ctx.t.bank("zh", "fillers")
    bullets = [b for b in dict.fromkeys(bullets) if b][: rule.max]
    text = _join(
        ctx.lang, ctx.pick("openers"), ctx.prose(), _join(ctx.lang, *ctx.sentences()), ctx.pick("closers")
    )
    return Draft(title, text, tuple(bullets))


def _note(ctx: _Ctx) -> Draft:
    title = trim(_join(ctx.lang, ctx.pick("hooks"), ctx.emoji()), ctx.p.title.max, ctx.p.title.unit)
    lines = [f"{ctx.pick('openers')}{ctx.emoji()}", ""]
    lines += [f"{ctx.emoji() or '·'} {phrase}" for phrase in ctx.phrases()]
    described = _join(ctx.lang, *ctx.sentences())
    lines += ["", described] if described else []
    lines += ["", f"{ctx.pick('closers')}{ctx.emoji()}"]
    tags = ctx.hashtags(int(ctx.p.options.get("hashtags", 5)))
    lines += ["", " ".join(tags)] if tags else []
    return Draft(title, "\n".join(lines).strip(), ())


def _paragraph(ctx: _Ctx) -> Draft:
    title = ctx.pick("hooks")
    text = _join(
        ctx.lang,
        ctx.emoji(),
        ctx.pick("openers"),
        ctx.prose(),
        _join(ctx.lang, *ctx.sentences(2)),
        ctx.pick("closers"),
        ctx.emoji(),
    )
    return Draft(title, text, ())


def _script(ctx: _Ctx) -> Draft:
    labels = {"open": "Opening", "point": "Point", "close": "Close", "scene": "Scene", "voice": "Voice-over"}
    labels.update(ctx.p.options.get("labels") or {})
    sep, gap = ("：", "；") if ctx.lang != "en" else (": ", "; ")
    lines = [
        f"【{labels['open']}】{labels['scene']}{sep}{ctx.f.name}{gap}{labels['voice']}{sep}{ctx.pick('openers')}"
    ]
    points = ctx.phrases()[:4] or ctx.sentences(3) or list(ctx.f.keywords[:3])
    for index, point in enumerate(points, start=1):
        voice = _join(ctx.lang, ctx.pick("connectors"), point)
        lines.append(
            f"【{labels['point']}{index}】{labels['scene']}{sep}{point}{gap}{labels['voice']}{sep}{voice}"
        )
    lines.append(f"【{labels['close']}】{labels['voice']}{sep}{ctx.pick('closers')}")
    tags = " ".join(ctx.hashtags(int(ctx.p.options.get("hashtags", 3))))
    title = ctx.fit_parts([ctx.pick("hooks"), tags], " ")
    return Draft(title, "\n".join(lines), ())


def _description(ctx: _Ctx) -> Draft:
    title = ctx.fit_parts(ctx.title_parts()[:4], " ")
    text = _join(
        ctx.lang,
        ctx.pick("insights"),
        ctx.pick("openers"),
        ctx.prose(),
        _join(ctx.lang, *ctx.sentences()),
        ctx.pick("closers"),
    )
    return Draft(title, text, ())
