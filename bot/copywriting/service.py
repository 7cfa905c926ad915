"""`CopyService`: the one entry point for copy — /copy, /describe, /keywords and the bulk runner.

It resolves a SKU or free keywords into facts, composes offline (always, as the fallback and the
spare for bullets) and with the LLM when one is given, and passes every variant through the same checks.
The product index and the keyword extractor are injected; blocking calls run off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import regex

from bot.copywriting.compliance import ComplianceChecker
from bot.copywriting.grounding import GroundingChecker
from bot.copywriting.keyword_facts import keyword_facts
from bot.copywriting.llm_writer import LLMCopyWriter, facts_text
from bot.copywriting.models import CopyResult, Description, Flag, KeywordReport, ProductFacts
from bot.copywriting.offline import OfflineComposer
from bot.copywriting.pipeline import Checks
from bot.copywriting.platforms import CopyLibrary, PlatformSpec
from bot.copywriting.rubric import SCRIPT_POINT, SCRIPT_POINTS
from bot.domain.errors import LLMUnavailable, XiaoerError
from bot.domain.protocols import ChatModel
from bot.prompts import load_prompt
from knowledge.models import Product
from knowledge.protocols import KeywordExtractor, ProductIndex

MAX_VARIANTS = 5
_SPLIT = re.compile(r"[\s,，、;；/]+")
_HAN = regex.compile(r"\p{Han}+")


class CopyRequestError(XiaoerError):
    """Staff asked for something that does not exist (platform, tone, empty input)."""

    message_key = "copy_bad_request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def whole_keywords(keywords: Sequence[str], product: Product) -> list[str]:
    """Drop keywords that are only fragments of an attribute value (对称 from 不对称, 高领 from 半高领).

    A fragment would say something the product does not (不对称 → 对称), so it is kept only when it also
    stands on its own in the title or description.
    """
    values = [v.strip() for value in product.attributes.values() for v in value.split(";") if v.strip()]
    free_text = f"{product.title}\n{product.description}"
    for value in sorted(values, key=len, reverse=True):
        free_text = free_text.replace(value, "\0")
    return [
        k
        for k in keywords
        if not any(k != v and k.lower() in v.lower() for v in values) or k.lower() in free_text.lower()
    ]


def facts_from_product(product: Product, keywords: Sequence[str] = ()) -> ProductFacts:
    path = product.category_path
    return ProductFacts(
        name=product.title,
        sku=product.sku,
        brand=product.brand,
        leaf=path[-1] if path else "",
        attributes=dict(product.attributes),
        description=product.description,
        tags=tuple(product.tags),
        keywords=tuple(keywords),
        price=product.price_text() or "",
        category=product.category,
    )


class CopyService:
    """generate / describe / keywords, LLM when configured, offline otherwise."""

    def __init__(
        self,
        library: CopyLibrary,
        *,
        index: ProductIndex | None = None,
        extractor: KeywordExtractor | None = None,
        llm: ChatModel | None = None,
        default_tone: str = "professional",
    ) -> None:
        self.library = library
        self.index = index
        self.extractor = extractor
        self.llm = llm
        self.default_tone = default_tone
        root = library.root
        self.checks = Checks(
            ComplianceChecker.load(root / "forbidden_words.yaml", library.brand.avoid),
            GroundingChecker.load(root / "grounding.yaml"),
        )
        self.composer = OfflineComposer(root, self.checks.compliance)
        self.glossary = self.composer.glossary
        self.book = self.composer.book
        self._keywords_prompt = load_prompt(root / "keywords.yaml")
        self.writer = (
            LLMCopyWriter(llm, self.checks, library.brand, load_prompt(root / "revise.yaml"))
            if llm is not None
            else None
        )

    @classmethod
    def from_prompts(cls, prompts_dir: Path, **kwargs: object) -> CopyService:
        return cls(CopyLibrary.load(prompts_dir), **kwargs)  # type: ignore[arg-type]

    # --- inputs -------------------------------------------------------------------------------------------
    async def extract_keywords(self, text: str, top_k: int = 8) -> list[str]:
        if self.extractor is None or not text.strip():
            return []
        return await asyncio.to_thread(partial(self.extractor.keywords, surface=True), text, top_k)

    async def _product_keywords(self, product: Product, top_k: int = 8) -> list[str]:
        return whole_keywords(await self.extract_keywords(product.search_text(), top_k), product)

    async def resolve(self, subject: Product | str | Sequence[str]) -> ProductFacts:
        """A Product, a SKU in the index, or free keywords (→ facts marked not grounded) → what copy may use."""
        if isinstance(subject, Product):
            return self._labelled(facts_from_product(subject, await self._product_keywords(subject)))
        text = subject if isinstance(subject, str) else " ".join(subject)
        text = text.strip()
        if not text:
            raise CopyRequestError("empty")
        if self.index is not None and " " not in text:
            product = await asyncio.to_thread(self.index.get, text)
            if product is not None:
                return self._labelled(facts_from_product(product, await self._product_keywords(product)))
        words = tuple(dict.fromkeys(w for w in _SPLIT.split(text) if w))
        return keyword_facts(words, self.glossary, self.composer.families, self.book)

    def _labelled(self, facts: ProductFacts) -> ProductFacts:
        """Evidence for yes-valued attributes: noise_cancelling 是 grounds "降噪" / "noise cancelling"."""
        labels = [
            self.book.label(fact.key, language)
            for fact in self.book.facts(facts.attributes)
            if any(v.lower() in ("是", "有", "yes", "true") for v in fact.values)
            for language in ("zh", "en")
        ]
        return replace(facts, labels=tuple(labels)) if labels else facts

    def platform(self, name: str) -> PlatformSpec:
        spec = self.library.platform(name)
        if spec is None:
            raise CopyRequestError(f"platform:{name}")
        return spec

    # --- outputs ------------------------------------------------------------------------------------------
    async def generate(
        self,
        product_or_keywords: Product | str | Sequence[str],
        platform: str,
        tone: str | None = None,
        variants: int = 1,
    ) -> list[CopyResult]:
        """`variants` checked copies (1…5) in the platform's shape, each with an id for A/B tests."""
        spec = self.platform(platform)
        tone_spec = self.library.tone(tone or self.default_tone)
        if tone_spec is None:
            raise CopyRequestError(f"tone:{tone}")
        facts = await self.resolve(product_or_keywords)
        count = max(1, min(MAX_VARIANTS, variants))
        return list(
            await asyncio.gather(*(self._one(facts, spec, tone_spec.name, v) for v in range(1, count + 1)))
        )

    async def generate_variant(
        self, product: Product, platform: str, tone: str | None, variant: int
    ) -> CopyResult:
        """One variant of one product (the bulk runner's unit of work)."""
        spec = self.platform(platform)
        tone_spec = self.library.tone(tone or self.default_tone)
        if tone_spec is None:
            raise CopyRequestError(f"tone:{tone}")
        return await self._one(await self.resolve(product), spec, tone_spec.name, variant)

    async def _one(self, facts: ProductFacts, spec: PlatformSpec, tone: str, variant: int) -> CopyResult:
        tone_spec = self.library.tones[tone]
        offline = self.composer.compose(facts, spec, tone_spec, variant)
        draft, flags, source = offline, [], "offline"
        if self.writer is not None:
            outcome = await self.writer.write(facts, spec, tone_spec, variant, offline)
            draft, flags, source = outcome.draft, outcome.flags, outcome.source
        draft, found = self.checks.finish(draft, facts, spec, spare=offline)
        flags += found
        untranslated: list[str] = []
        if spec.language == "en":
            untranslated = list(dict.fromkeys(m for _, t in draft.fields() for m in _HAN.findall(t)))
            if untranslated:
                flags.append(
                    Flag(
                        "translation.needed",
                        "、".join(untranslated[:8]),
                        "kept",
                        detail="not translatable offline: translate these words (or configure an LLM) "
                        "before publishing",
                    )
                )
        points = len(SCRIPT_POINT.findall(draft.text))
        if spec.style == "script" and 0 < points < SCRIPT_POINTS:
            flags.append(
                Flag(
                    "structure.thin",
                    f"{points}/{SCRIPT_POINTS}",
                    "kept",
                    detail="the product's data gives fewer than three selling points (attributes and a Chinese "
                    "description): add facts to the catalog, or a point by hand, before publishing",
                )
            )
        unknown = self.book.unknown_keys(facts.attributes) if source == "offline" else []
        if unknown:
            flags.append(
                Flag(
                    "attribute.unknown_kind",
                    ", ".join(unknown),
                    "removed",
                    detail="no wording is known for these attributes, so the copy leaves them out: add "
                    "their keys to prompts/copy/attributes.yaml",
                )
            )
        if not facts.grounded:
            flags.append(
                Flag(
                    "grounding.keywords_only",
                    " ".join(facts.keywords),
                    "kept",
                    detail="written from keywords alone, not from a catalog product: check every fact",
                )
            )
        return CopyResult(
            id=f"{_subject_id(facts)}-{spec.name}-v{variant}",
            sku=facts.sku,
            platform=spec.name,
            tone=tone,
            variant=variant,
            title=draft.title,
            text=draft.text,
            bullets=draft.bullets,
            keywords=self._keywords_in(spec.language, facts.keywords),
            flags=tuple(flags),
            source=source,  # type: ignore[arg-type]
            grounded=facts.grounded,
            needs_translation=bool(untranslated),
        )

    def _keywords_in(self, language: str, keywords: tuple[str, ...]) -> tuple[str, ...]:
        """Keywords for the copy's language: English copy gets the glossary's English for Chinese keywords
        (跑步鞋 → running shoes) and none it cannot translate — search terms in Chinese are no use there."""
        if language != "en":
            return keywords
        english = [k if not _HAN.search(k) else self.glossary.value(k) for k in keywords]
        return tuple(dict.fromkeys(k.lower() for k in english if k))

    async def describe(self, keywords: str | Sequence[str], tone: str | None = None) -> Description:
        """Keywords → a description grounded in the best-matching catalog product, when there is one."""
        words = tuple(
            w for w in _SPLIT.split(keywords if isinstance(keywords, str) else " ".join(keywords)) if w
        )
        if not words:
            raise CopyRequestError("empty")
        matched: list[Product] = []
        if self.index is not None:
            hits = await asyncio.to_thread(self.index.search, " ".join(words), k=3)
            matched = [hit.product for hit in hits]
        if matched:
            base = self._labelled(facts_from_product(matched[0]))
            extra = await self._product_keywords(matched[0], 4)
            facts = replace(base, keywords=tuple(dict.fromkeys((*words, *extra))))
        else:
            facts = keyword_facts(words, self.glossary, self.composer.families, self.book)
        tone_spec = self.library.tone(tone or self.default_tone) or self.library.tones[self.default_tone]
        result = await self._one(facts, self.library.describe, tone_spec.name, 1)
        return Description(words, result, tuple(p.sku for p in matched))

    async def keywords(self, sku_or_text: str) -> KeywordReport:
        """Ranked SEO keywords (extractor first, then LLM suggestions) and which the title already has."""
        facts = await self.resolve(sku_or_text)
        title = facts.name if facts.sku else ""
        ranked = list(facts.keywords) if facts.sku else await self.extract_keywords(sku_or_text, 10)
        suggestions: list[str] = []
        if self.llm is not None:
            suggestions = await self._suggest(facts, ranked)
        in_title = frozenset(k for k in (*ranked, *suggestions) if title and k.lower() in title.lower())
        extra = tuple(s for s in suggestions if s not in ranked)
        return KeywordReport(sku_or_text, title, tuple(ranked), in_title, extra)

    async def _suggest(self, facts: ProductFacts, ranked: list[str]) -> list[str]:
        assert self.llm is not None
        values = {"product": facts_text(facts), "keywords": "、".join(ranked) or "-"}
        try:
            answer = await self.llm.complete(self._keywords_prompt, values)
            start, end = answer.find("["), answer.rfind("]")
            data = json.loads(answer[start : end + 1]) if 0 <= start < end else []
        except (LLMUnavailable, json.JSONDecodeError):
            return []
        terms = [str(t).strip() for t in data if str(t).strip()] if isinstance(data, list) else []
        compliant = [t for t in terms if not self.checks.compliance.find(t)]
        return list(dict.fromkeys(compliant))[:10]


def _subject_id(facts: ProductFacts) -> str:
    if facts.sku:
        return facts.sku
    return "kw-" + hashlib.sha1(facts.name.encode("utf-8")).hexdigest()[:6]
