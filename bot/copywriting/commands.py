"""Staff chat commands /copy, /describe, /keywords on the shared role-checked registry.

Registered STAFF-only, so the core's registry refuses everyone else before a handler runs. Handlers
parse arguments, call `CopyService`, and render plain-text Outbounds from `bot/prompts/messages.yaml`
(one Outbound per /copy variant, so each A/B variant can be forwarded on its own).
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from dataclasses import dataclass

from bot.copywriting.kept import KeptCopy, KeptCopyStore
from bot.copywriting.llm_writer import facts_text
from bot.copywriting.models import CopyResult
from bot.copywriting.service import MAX_VARIANTS, CopyRequestError, CopyService
from bot.domain.clock import utcnow
from bot.domain.commands import STAFF_ONLY, CommandRegistry
from bot.domain.messages import Inbound, Outbound
from bot.prompts import Messages, load_messages

RECENT_COPIES = 500  # variants /keep can still find (the newest first out)

_SKU_LIKE = re.compile(r"^[A-Z0-9]+(?:[-_][A-Z0-9]+)+$")  # RUN-001, SKU_12: a typo'd SKU, not keywords


@dataclass(frozen=True)
class CopyArgs:
    subject: str
    platform: str = "taobao"
    tone: str | None = None
    variants: int = 1


def parse_copy_args(text: str, service: CopyService) -> CopyArgs:
    """`<sku | keywords…> [platform] [tone] [n]`: trailing options in any order, each at most once."""
    tokens = text.split()
    platform: str | None = None
    tone: str | None = None
    variants: int | None = None
    while tokens:
        token = tokens[-1]
        if variants is None and token.isdigit() and len(tokens) > 1:
            variants = max(1, min(MAX_VARIANTS, int(token)))
        elif platform is None and service.library.platform(token) is not None:
            platform = service.library.platform(token).name  # type: ignore[union-attr]
        elif tone is None and service.library.tone(token) is not None:
            tone = service.library.tone(token).name  # type: ignore[union-attr]
        else:
            break
        tokens.pop()
    return CopyArgs(" ".join(tokens), platform or "taobao", tone, variants or 1)


def _lang(inbound: Inbound) -> str:
    return "en" if (inbound.language_hint or "").lower().startswith("en") else "zh"


def render_copy(result: CopyResult, messages: Messages, lang: str, platform_label: str) -> str:
    """One variant as staff read it: header, title, bullets, text, keywords, what was fixed."""
    source = messages.get("copy_source_offline", lang) if result.source == "offline" else ""
    lines = [
        messages.get(
            "copy_header", lang, id=result.id, platform=platform_label, tone=result.tone, source=source
        ),
        f"{messages.get('copy_label_title', lang)}: {result.title}",
    ]
    if result.bullets:
        lines.append(f"{messages.get('copy_label_bullets', lang)}:")
        lines += [f"• {bullet}" for bullet in result.bullets]
    lines += [f"{messages.get('copy_label_text', lang)}:", result.text]
    if result.keywords:
        lines.append(f"{messages.get('copy_label_keywords', lang)}: {', '.join(result.keywords)}")
    notes = ("translation.needed", "grounding.keywords_only", "structure.thin")
    fixes = [f for f in result.flags if f.type not in notes]
    if fixes:
        fixed = "; ".join(f"{f.type} '{f.term}' → {f.action}" for f in fixes)
        lines.append(f"⚠ {messages.get('copy_label_flags', lang)}: {fixed}")
    if result.needs_translation:
        terms = next((f.term for f in result.flags if f.type == "translation.needed"), "")
        lines.append(messages.get("copy_needs_translation", lang, terms=terms))
    thin = next((f.term for f in result.flags if f.type == "structure.thin"), "")
    if thin:
        lines.append(messages.get("copy_thin_script", lang, points=thin.split("/")[0]))
    if not result.grounded:
        lines.append(messages.get("copy_not_grounded", lang))
    return "\n".join(lines)


def register_copy_commands(
    registry: CommandRegistry, service: CopyService, kept: KeptCopyStore | None = None
) -> None:
    """Register /copy /keywords /describe (and /keep when a store for kept copy is given) for STAFF only."""
    messages = load_messages(service.library.root.parent)
    recent: OrderedDict[str, tuple[CopyResult, str]] = OrderedDict()  # copy id → (variant, facts text)

    def usage(inbound: Inbound) -> list[Outbound]:
        lang = _lang(inbound)
        text = messages.get(
            "copy_usage",
            lang,
            platforms=", ".join(service.library.platforms),
            tones=", ".join(service.library.tones),
        )
        return [Outbound(inbound.chat_id, text=text, reply_to=inbound.ref)]

    async def on_copy(inbound: Inbound) -> list[Outbound]:
        args = parse_copy_args(inbound.command_args, service)
        if not args.subject:
            return usage(inbound)
        if (
            _SKU_LIKE.match(args.subject)
            and service.index is not None
            and service.index.get(args.subject) is None
        ):
            text = messages.get("copy_sku_not_found", _lang(inbound), sku=args.subject)
            return [Outbound(inbound.chat_id, text=text, reply_to=inbound.ref)]
        try:
            results = await service.generate(args.subject, args.platform, args.tone, args.variants)
        except CopyRequestError:
            return usage(inbound)
        lang = _lang(inbound)
        label = service.library.platforms[args.platform].label.get(lang, args.platform)
        if kept is not None:
            facts = facts_text(await service.resolve(args.subject))
            for result in results:
                recent[result.id] = (result, facts)
                recent.move_to_end(result.id)
            while len(recent) > RECENT_COPIES:
                recent.popitem(last=False)
        hint = (lambda r: "\n" + messages.get("copy_keep_hint", lang, id=r.id)) if kept is not None else None
        return [
            Outbound(
                inbound.chat_id,
                text=render_copy(r, messages, lang, label) + (hint(r) if hint else ""),
                reply_to=inbound.ref,
                meta={"copy_id": r.id},
            )
            for r in results
        ]

    async def on_keep(inbound: Inbound) -> list[Outbound]:
        """/keep <copy id>: store that variant as copy the shop uses (fine-tuning learns from it)."""
        lang = _lang(inbound)
        copy_id = inbound.command_args.strip()
        found = recent.get(copy_id)
        if kept is None or found is None:
            key = "copy_keep_usage" if not copy_id else "copy_keep_unknown"
            return [Outbound(inbound.chat_id, text=messages.get(key, lang, id=copy_id), reply_to=inbound.ref)]
        result, facts = found
        record = KeptCopy(
            copy_id=result.id,
            sku=result.sku,
            platform=result.platform,
            tone=result.tone,
            facts=facts,
            title=result.title,
            text=result.text,
            bullets=result.bullets,
            kept_by=inbound.user_id,
            kept_at=utcnow(),
        )
        await asyncio.to_thread(kept.keep, record)
        return [
            Outbound(inbound.chat_id, text=messages.get("copy_kept", lang, id=copy_id), reply_to=inbound.ref)
        ]

    async def on_describe(inbound: Inbound) -> list[Outbound]:
        lang = _lang(inbound)
        if not inbound.command_args:
            return [Outbound(inbound.chat_id, text=messages.get("copy_describe_usage", lang))]
        described = await service.describe(inbound.command_args)
        note = (
            messages.get("copy_describe_matched", lang, skus=", ".join(described.matched_skus))
            if described.matched_skus
            else messages.get("copy_describe_unmatched", lang)
        )
        label = service.library.describe.label.get(lang, "describe")
        text = render_copy(described.copy, messages, lang, label) + "\n" + note
        return [Outbound(inbound.chat_id, text=text, reply_to=inbound.ref)]

    async def on_keywords(inbound: Inbound) -> list[Outbound]:
        lang = _lang(inbound)
        if not inbound.command_args:
            return [Outbound(inbound.chat_id, text=messages.get("copy_keywords_usage", lang))]
        report = await service.keywords(inbound.command_args)
        if not report.keywords and not report.suggestions:
            return [Outbound(inbound.chat_id, text=messages.get("copy_keywords_none", lang))]
        lines = [messages.get("copy_keywords_header", lang, subject=report.subject)]
        lines += [
            f"{rank}. {word}{' ✓' if word in report.in_title else ''}"
            for rank, word in enumerate(report.keywords, start=1)
        ]
        if report.suggestions:
            marked = ", ".join(f"{w} ✓" if w in report.in_title else w for w in report.suggestions)
            lines.append(messages.get("copy_keywords_suggestions", lang, terms=marked))
        return [Outbound(inbound.chat_id, text="\n".join(lines), reply_to=inbound.ref)]

    handlers = [("copy", on_copy), ("describe", on_describe), ("keywords", on_keywords)]
    handlers += [("keep", on_keep)] if kept is not None else []
    for name, handler in handlers:
        registry.register(
            name,
            handler,
            roles=STAFF_ONLY,
            zh=messages.get(f"copy_cmd_{name}", "zh"),
            en=messages.get(f"copy_cmd_{name}", "en"),
        )
