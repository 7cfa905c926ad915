"""The LLM path: prompt files + tone + brand voice → JSON copy, checked, regenerated once, else offline.

The model sees only the product's facts and is told the platform's limits. Its answer is checked in code
(compliance, grounding, shape, limits). Any problem earns one second attempt with the problems listed
(`bot/prompts/copy/revise.yaml`); if the second answer still invents specs, cannot be parsed, or the LLM is
unavailable, the offline composer's draft is used. Remaining compliance/limit issues are fixed by the
pipeline afterwards like any other copy. Every step is recorded as a flag.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from bot.copywriting.models import Draft, Flag, ProductFacts
from bot.copywriting.pipeline import Checks, Problem
from bot.copywriting.platforms import BrandVoice, PlatformSpec, ToneSpec
from bot.domain.errors import LLMUnavailable
from bot.domain.prompt import PromptSpec
from bot.domain.protocols import ChatModel

log = logging.getLogger(__name__)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


class CopyParseError(ValueError):
    """The LLM's answer is not the JSON copy object we asked for."""


def parse_copy(text: str) -> Draft:
    """The first JSON object in the answer (``` fences allowed) as a Draft."""
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        raise CopyParseError("no JSON object in the answer")
    try:
        data: Any = json.loads(body[start : end + 1])
    except json.JSONDecodeError as exc:
        raise CopyParseError(f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("title", ""), str):
        raise CopyParseError("expected an object with title/text/bullets")
    bullets = data.get("bullets") or []
    if not isinstance(bullets, list):
        raise CopyParseError("'bullets' must be a list")
    return Draft(
        str(data.get("title", "")).strip(),
        str(data.get("text", "")).strip(),
        tuple(str(b).strip() for b in bullets if str(b).strip()),
    )


def facts_text(facts: ProductFacts) -> str:
    """The product data exactly as the LLM may use it."""
    lines = [f"名称/name: {facts.name}"]
    lines += [f"品牌/brand: {facts.brand}"] if facts.brand else []
    lines += [f"类目/category: {facts.leaf}"] if facts.leaf else []
    lines += [f"{key}: {value}" for key, value in facts.attributes.items()]
    lines += [f"描述/description: {facts.description}"] if facts.description else []
    lines += [f"标签/tags: {', '.join(facts.tags)}"] if facts.tags else []
    return "\n".join(lines)


@dataclass(frozen=True)
class LLMOutcome:
    draft: Draft
    flags: list[Flag]
    source: str  # "llm" or "offline"


class LLMCopyWriter:
    """Writes one variant with the LLM, holding it to the checks; falls back to the offline draft."""

    def __init__(self, model: ChatModel, checks: Checks, brand: BrandVoice, revise: PromptSpec) -> None:
        self.model = model
        self.checks = checks
        self.brand = brand
        self.revise = revise

    def values(
        self, facts: ProductFacts, platform: PlatformSpec, tone: ToneSpec, variant: int
    ) -> dict[str, str]:
        """The platform prompt's values (only the variables it declares)."""
        values = {
            "product": facts_text(facts),
            "keywords": "、".join(facts.keywords) or "-",
            "tone": tone.instruction,
            "brand_voice": self.brand.instruction(platform.language),
            "limits": platform.limits_text(),
            "variant": str(variant),
        }
        return {k: values[k] for k in platform.prompt.variables}

    def revision(self, platform: PlatformSpec) -> PromptSpec:
        """The platform prompt, the model's first answer (an assistant turn whose text is the `previous`
        value, never template text) and the revision request (only `revise.yaml`'s user turn: the first
        turn's system prompt stays in force)."""
        return platform.prompt.then(("assistant", "{previous}"), ("user", self.revise.human))

    async def write(
        self, facts: ProductFacts, platform: PlatformSpec, tone: ToneSpec, variant: int, offline: Draft
    ) -> LLMOutcome:
        values = self.values(facts, platform, tone, variant)
        flags: list[Flag] = []
        try:
            answer = await self.model.complete(platform.prompt, values)
        except LLMUnavailable as exc:
            return self._fallback(offline, flags, f"LLM unavailable: {exc}")
        try:
            draft = parse_copy(answer)
            problems = self.checks.problems(draft, facts, platform)
        except CopyParseError as exc:
            draft = None
            problems = [
                Problem("llm.format", "JSON", "", f"the answer was not the requested JSON object ({exc})")
            ]
        if not problems and draft is not None:
            return LLMOutcome(draft, flags, "llm")
        flags += [Flag(p.type, p.term, "regenerated", p.where, p.message) for p in problems]
        retry_values = {
            **values,
            "problems": "\n".join(f"- {p.message}" for p in problems),
            "previous": answer,
        }
        try:
            second = parse_copy(await self.model.complete(self.revision(platform), retry_values))
        except (LLMUnavailable, CopyParseError) as exc:
            return self._fallback(offline, flags, f"second attempt failed: {exc}")
        invented = self.checks.grounding_violations(second, facts)
        if invented:
            flags += [
                Flag("grounding.invented", term, "fallback", detail="still invented after regeneration")
                for term in invented
            ]
            return self._fallback(offline, flags, "the regenerated copy still invented specs")
        return LLMOutcome(second, flags, "llm")

    @staticmethod
    def _fallback(offline: Draft, flags: list[Flag], reason: str) -> LLMOutcome:
        log.info("copy: offline fallback (%s)", reason)
        return LLMOutcome(
            offline, [*flags, Flag("llm.fallback", "offline composer", "fallback", detail=reason)], "offline"
        )
