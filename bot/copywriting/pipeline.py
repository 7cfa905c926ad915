"""The checks every copy passes after generation, LLM or offline: compliance, grounding, shape, limits.

One place, so LLM output, offline output and bulk rows are held to exactly the same rules, and every fix
becomes a flag staff can read.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from bot.copywriting.compliance import ComplianceChecker, proper_names
from bot.copywriting.grounding import GroundingChecker
from bot.copywriting.limits import measure, trim
from bot.copywriting.models import Draft, Flag, ProductFacts
from bot.copywriting.platforms import PlatformSpec

_HAN = regex.compile(r"\p{Han}+")


@dataclass(frozen=True)
class Problem:
    """Something wrong with a draft, as a flag type plus the sentence the LLM is shown."""

    type: str
    term: str
    where: str
    message: str


@dataclass(frozen=True)
class Checks:
    """The compliance and grounding checkers, applied together."""

    compliance: ComplianceChecker
    grounding: GroundingChecker

    def problems(self, draft: Draft, facts: ProductFacts, platform: PlatformSpec) -> list[Problem]:
        """What is wrong with a draft (shown to the LLM for its second attempt); empty when clean."""
        evidence = facts.evidence()
        names = proper_names(facts.brand)
        found: list[Problem] = []
        for where, text in draft.fields():
            found += [
                Problem(
                    f"compliance.{hit.term.category}",
                    hit.matched,
                    where,
                    f"{where}: forbidden advertising term '{hit.matched}'",
                )
                for hit in self.compliance.find(text, evidence, names)
            ]
            found += [
                Problem(
                    f"grounding.{v.kind}",
                    v.term,
                    where,
                    f"{where}: '{v.term}' ({v.kind}) is not in the product data — remove it",
                )
                for v in self.grounding.find(text, facts)
            ]
            if platform.language == "en":
                found += [
                    Problem(
                        "language.chinese",
                        run,
                        where,
                        f"{where}: '{run}' is Chinese; write it in English (keep brand and model names)",
                    )
                    for run in _HAN.findall(text)
                ]
        found += _limit_problems(draft, platform)
        return found

    def grounding_violations(self, draft: Draft, facts: ProductFacts) -> list[str]:
        return [v.term for _, text in draft.fields() for v in self.grounding.find(text, facts)]

    def finish(
        self, draft: Draft, facts: ProductFacts, platform: PlatformSpec, spare: Draft | None = None
    ) -> tuple[Draft, list[Flag]]:
        """Fix everything that is still wrong: remove hits, drop ungrounded clauses, fit the shape and limits.

        `spare` (the offline draft) refills bullets the platform requires and an empty title.
        """
        evidence = facts.evidence()
        names = proper_names(facts.brand)
        draft, flags = self.compliance.fix_draft(draft, evidence, names)
        for _ in range(3):  # re-check after every edit: a removal can join words into a new hit
            if not any(self.compliance.find(text, evidence, names) for _, text in draft.fields()):
                break
            draft, found = self.compliance.fix_draft(draft, evidence, names)
            flags += found
        draft, found = self.grounding.fix_draft(draft, facts)
        flags += found
        draft, found = _fit_shape(draft, platform, spare)
        return draft, flags + found


def _limit_problems(draft: Draft, platform: PlatformSpec) -> list[Problem]:
    found = []
    for name, limit, text in (("title", platform.title, draft.title), ("text", platform.text, draft.text)):
        length = measure(text, limit.unit)
        if length > limit.max:
            found.append(
                Problem(
                    f"limits.{name}",
                    f"{length} > {limit.max}",
                    name,
                    f"{name} is {length} {limit.unit} units long; the limit is {limit.max}",
                )
            )
    rule = platform.bullets
    if not rule.min <= len(draft.bullets) <= rule.max:
        want = rule.min if rule.min == rule.max else f"{rule.min}-{rule.max}"
        found.append(
            Problem(
                "limits.bullets",
                f"{len(draft.bullets)} bullets",
                "bullets",
                f"bullets: {len(draft.bullets)} given, {want} required",
            )
        )
    found += [
        Problem(
            "limits.bullet",
            f"bullets[{i}]",
            f"bullets[{i}]",
            f"bullets[{i}] is longer than {rule.item_max} characters",
        )
        for i, bullet in enumerate(draft.bullets)
        if measure(bullet, rule.unit) > rule.item_max
    ]
    return found


def _fit_shape(draft: Draft, platform: PlatformSpec, spare: Draft | None) -> tuple[Draft, list[Flag]]:
    flags: list[Flag] = []
    title, text = draft.title.strip(), draft.text.strip()
    if not title and spare is not None:
        title = spare.title
        flags.append(Flag("limits.title", "empty title", "filled", "title", "offline title used"))
    rule = platform.bullets
    bullets = [b.strip() for b in draft.bullets if b.strip()]
    if len(bullets) > rule.max:
        flags.append(
            Flag("limits.bullets", f"{len(bullets)} bullets", "trimmed", "bullets", f"kept {rule.max}")
        )
        bullets = bullets[: rule.max]
    if len(bullets) < rule.min and spare is not None:
        extra = [b for b in spare.bullets if b not in bullets][: rule.min - len(bullets)]
        if extra:
            flags.append(
                Flag(
                    "limits.bullets",
                    f"{len(bullets)} bullets",
                    "filled",
                    "bullets",
                    f"{len(extra)} added from the product data",
                )
            )
        bullets += extra
    for name, limit in (("title", platform.title), ("text", platform.text)):
        value = title if name == "title" else text
        length = measure(value, limit.unit)
        if length > limit.max:
            value = trim(value, limit.max, limit.unit)
            flags.append(
                Flag(
                    f"limits.{name}",
                    f"{length} > {limit.max}",
                    "trimmed",
                    name,
                    f"cut at a sentence/phrase boundary ({limit.unit})",
                )
            )
            title, text = (value, text) if name == "title" else (title, value)
    fitted = []
    for index, bullet in enumerate(bullets):
        if measure(bullet, rule.unit) > rule.item_max:
            bullet = trim(bullet, rule.item_max, rule.unit)
            flags.append(Flag("limits.bullet", f"bullets[{index}]", "trimmed", f"bullets[{index}]"))
        fitted.append(bullet)
    return Draft(title, text, tuple(fitted)), flags
