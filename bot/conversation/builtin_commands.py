"""The core's built-in commands (/start /help /reset /human /profile /forget) and its button callbacks.

Button data is short and verifiable: `d:<sku>` details, `s:<sku>` similar items, `q:<n>` one of the
/start example questions (answered as if typed). Unknown, forged or stale data gets a polite answer.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.conversation.composer import Reply
from bot.conversation.intents import Intent
from bot.conversation.understanding import Understanding
from bot.domain.commands import EVERYONE
from bot.domain.messages import Button, Inbound, Outbound, ReplyProgress
from knowledge.models import Product

if TYPE_CHECKING:
    from bot.conversation.core import SupportBot

log = logging.getLogger(__name__)
EXAMPLES = ("example_1", "example_2", "example_3")


def register_core_commands(bot: SupportBot) -> None:
    async def start(inbound: Inbound) -> list[Outbound]:
        lang = await bot.language_for(inbound, inbound.command_args)
        buttons = tuple(Button(bot.say(key, lang), data=f"q:{n}") for n, key in enumerate(EXAMPLES, 1))
        return [bot.reply(inbound, bot.say("start", lang), Reply("", buttons=buttons))]

    async def help_(inbound: Inbound) -> list[Outbound]:
        lang = await bot.language_for(inbound, inbound.command_args)
        lines = "\n".join(f"/{c.name} — {c.description(lang)}" for c in bot.commands.for_role(inbound.role))
        return [bot.reply(inbound, bot.say("help", lang, commands=lines))]

    async def reset(inbound: Inbound) -> list[Outbound]:
        lang = await bot.language_for(inbound, inbound.command_args)
        await asyncio.to_thread(bot.store.reset, inbound.chat_id)
        return [bot.reply(inbound, bot.say("reset_done", lang))]

    async def human(inbound: Inbound) -> list[Outbound]:
        lang = await bot.language_for(inbound, inbound.command_args)
        if bot.handoff is None:
            return [
                bot.reply(inbound, bot.say("human_no_gate", lang, contact=bot.answerer.contact_text(lang)))
            ]
        state, turns = await asyncio.gather(
            asyncio.to_thread(bot.store.state, inbound.chat_id),
            asyncio.to_thread(bot.store.recent, inbound.chat_id, 20),
        )
        shown = await asyncio.to_thread(bot._products, state.last_skus)
        return await bot.request_handoff(inbound, "requested", lang, state, shown, turns)

    async def profile(inbound: Inbound) -> list[Outbound]:
        lang = await bot.language_for(inbound, inbound.command_args)
        top = await asyncio.to_thread(bot.profile.top, inbound.user_id, 8)
        if not top:
            return [bot.reply(inbound, bot.say("profile_empty", lang))]
        return [
            bot.reply(
                inbound,
                bot.say(
                    "profile",
                    lang,
                    keywords=bot.composer.phrases(lang).join([k for k, _ in top]),
                ),
            )
        ]

    async def forget(inbound: Inbound) -> list[Outbound]:
        lang = await bot.language_for(inbound, inbound.command_args)
        removed = await asyncio.to_thread(bot.store.forget_user, inbound.user_id)
        await asyncio.to_thread(bot.store.reset, inbound.chat_id)
        return [bot.reply(inbound, bot.say("forget_done", lang, count=removed))]

    registry = bot.commands
    registry.register("start", start, roles=EVERYONE, zh="开始 / 能做什么", en="Start / what I can do")
    registry.register("help", help_, roles=EVERYONE, zh="帮助", en="Help")
    registry.register(
        "reset", reset, roles=EVERYONE, zh="清空对话上下文", en="Clear the conversation context"
    )
    registry.register("human", human, roles=EVERYONE, zh="转人工客服", en="Talk to a person")
    registry.register("profile", profile, roles=EVERYONE, zh="我的兴趣偏好", en="My interests")
    registry.register("forget", forget, roles=EVERYONE, zh="删除我的记录", en="Delete my history")


async def on_callback(bot: SupportBot, inbound: Inbound, progress: ReplyProgress | None) -> list[Outbound]:
    """Button presses: verify the data, then answer exactly once."""
    data = inbound.callback_data or ""
    prefix, _, value = data.partition(":")
    lang = await bot.language_for(inbound)
    if prefix == "q" and value.isdigit() and 1 <= int(value) <= len(EXAMPLES):
        return await bot.converse(inbound, bot.say(EXAMPLES[int(value) - 1], lang), lang, progress)
    if prefix in ("d", "s") and value and len(data.encode("utf-8")) <= 64:
        product = await asyncio.to_thread(bot.index.get, value)
        if product is None:
            return [bot.reply(inbound, bot.say("product_gone", lang))]
        if prefix == "d":
            u = Understanding(
                Intent.PRODUCT_QUESTION, product.title, targets=(product,), asks=frozenset({"details"})
            )
            reply = bot.composer.answer([product], u, lang)
            state = await asyncio.to_thread(bot.store.state, inbound.chat_id)
            await asyncio.to_thread(
                bot.store.save_state, inbound.chat_id, replace(state, focus_sku=product.sku), inbound.user_id
            )
            return [bot.reply(inbound, reply.text, reply)]
        return await _similar(bot, inbound, product, lang)
    log.info("stale or forged callback data from user=%s: %r", inbound.user_id, data[:80])
    return [bot.reply(inbound, bot.say("callback_stale", lang))]


async def _similar(bot: SupportBot, inbound: Inbound, product: Product, lang: str) -> list[Outbound]:
    query = " ".join([product.title, *product.category_path[-1:], *product.tags[:2]])
    hits = await bot.answerer.search(query, k=6)
    others = [h.product for h in hits if h.sku != product.sku][:4]
    if not others:
        return [bot.reply(inbound, bot.say("similar_none", lang, title=product.title))]
    u = Understanding(Intent.RECOMMENDATION, query, keywords=tuple(product.tags))
    reply = bot.composer.recommend(others, u, lang)
    text = reply.text.replace(
        bot.say("rec_intro", lang), bot.say("similar_intro", lang, title=product.title), 1
    )
    state = await asyncio.to_thread(bot.store.state, inbound.chat_id)
    await asyncio.to_thread(
        bot.store.save_state,
        inbound.chat_id,
        replace(state, last_skus=tuple(p.sku for p in others), focus_sku=""),
        inbound.user_id,
    )
    return [bot.reply(inbound, text, reply)]


__all__ = ["on_callback", "register_core_commands"]
