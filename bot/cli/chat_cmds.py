"""`xiaoer chat` (terminal chat, interactive or piped) and `xiaoer ask "text"` (one answer on stdout)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from bot.ops.settings import Settings, load_settings

if TYPE_CHECKING:
    from bot.conversation.core import SupportBot
    from bot.domain.messages import Outbound

EXIT_NO_CATALOG = 1
EXIT_STORE_UNAVAILABLE = 3


def _quiet_logs() -> None:
    """Warnings only: the chat is for people, not for library debug lines."""
    logging.basicConfig(level=logging.WARNING)
    for name in ("bm25s", "chromadb", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _open_bot(settings: Settings, err: Console, *, exit_when_empty: bool = False) -> SupportBot:
    """Build the bot, or explain (on stderr) what to do when the data directory has no catalog."""
    from bot.storage.errors import DatabaseUnavailable, SchemaError
    from bot.wiring import build_support_bot
    from knowledge.errors import StoreUnavailable

    if not settings.chroma_url and not (settings.data_dir / "vocabulary.json").exists():
        err.print(
            f"[yellow]No catalog has been ingested into {settings.data_dir} yet.[/] Run "
            "[bold]xiaoer ingest --sample[/] to load the demo catalog (or `xiaoer ingest YOUR_CATALOG.csv`)."
        )
        if exit_when_empty:
            raise typer.Exit(EXIT_NO_CATALOG)
    try:
        bot = build_support_bot(settings)
    except StoreUnavailable as exc:
        err.print(f"[red]error:[/] the product store is unavailable: {exc}")
        raise typer.Exit(EXIT_STORE_UNAVAILABLE) from exc
    except DatabaseUnavailable as exc:
        err.print(f"[red]error:[/] the database is unavailable: {exc}")
        raise typer.Exit(EXIT_STORE_UNAVAILABLE) from exc
    except SchemaError as exc:
        err.print(f"[red]error:[/] the database cannot be upgraded: {exc}")
        raise typer.Exit(EXIT_STORE_UNAVAILABLE) from exc
    if bot.index.count() == 0 and (settings.data_dir / "vocabulary.json").exists():
        err.print(
            f"[yellow]The catalog in {settings.data_dir} is empty.[/] Run [bold]xiaoer ingest --sample[/] "
            "to load the demo catalog (or `xiaoer ingest YOUR_CATALOG.csv`)."
        )
    return bot


def chat(
    lang: Annotated[str | None, typer.Option("--lang", help="Language hint for commands: zh or en.")] = None,
    new: Annotated[
        bool,
        typer.Option(
            "--new",
            help="Start as a new customer: forget this terminal chat's context and the interest profile "
            "it built (/reset keeps the profile).",
        ),
    ] = False,
) -> None:
    """Chat with Xiaoer in the terminal (reads piped stdin line by line too). :as staff|agent|customer, :quit."""
    from bot.channels.terminal import CUSTOMER_CHAT, TerminalChannel

    _quiet_logs()
    settings = load_settings()
    console, err = Console(highlight=False), Console(stderr=True)
    bot = _open_bot(settings, err)
    channel = TerminalChannel(bot, console, language_hint=lang)
    if channel.prompt:
        console.print(
            "[dim]店小二 Xiaoer — type a question, /start for examples, :b N to press a button, "
            ":as staff|agent|customer, :quit to leave. The conversation continues from last time: "
            "/reset (or `xiaoer chat --new`) starts over.[/]"
        )

    async def session() -> None:
        if new:
            await channel.deliver(await _start_over(bot, CUSTOMER_CHAT, channel.session.user_id))
        await channel.run()

    try:
        asyncio.run(session())
    finally:
        bot.close()


async def _start_over(bot: SupportBot, chat_id: str, user_id: str) -> list[Outbound]:
    """`--new`: a new customer session — the chat's memory, open order dialogue and the terminal customer's
    interest profile are forgotten (the profile would re-rank the new session's answers by what the earlier
    one looked at: 「结合您之前关注的…」), and a handoff still open for it is closed as if the customer had
    left (the team is told; a new conversation is never relayed to an agent). `/reset` inside a chat keeps the
    profile: it starts a topic over, not a customer.
    The handoff is closed first: closing writes its summary into the chat's memory, which the reset then
    clears, so the next handoff's card shows only the new conversation."""
    customer_left = getattr(bot.handoff, "customer_left", None)
    out = list(await customer_left(chat_id)) if customer_left is not None else []
    await asyncio.to_thread(bot.store.reset, chat_id)
    await asyncio.to_thread(bot.store.save_interests, user_id, {})
    if bot.flow is not None:
        await bot.flow.forget(chat_id, user_id)
    return out


def ask(
    text: Annotated[str, typer.Argument(help="The question, in Chinese or English.")],
    lang: Annotated[str | None, typer.Option("--lang", help="Language hint: zh or en.")] = None,
) -> None:
    """Ask one question; the answer (and product cards) is printed on stdout."""
    from bot.channels.terminal import TerminalChannel

    _quiet_logs()
    settings = load_settings()
    console, err = Console(highlight=False), Console(stderr=True)
    bot = _open_bot(settings, err, exit_when_empty=True)
    try:
        if bot.index.count() == 0:
            raise typer.Exit(EXIT_NO_CATALOG)
        channel = TerminalChannel(bot, console, language_hint=lang, prompt=False)
        fresh = uuid.uuid4().hex[
            :12
        ]  # every ask is a fresh conversation AND a fresh customer (like chat --new)
        channel.session.user_id = f"cli-ask:{fresh}"
        channel.session.customer_chat = f"terminal:ask:{fresh}"
        try:
            asyncio.run(channel.on_line(text))
        finally:  # the one-off customer's interest profile would only pile up: nothing re-reads it
            bot.store.save_interests(channel.session.user_id, {})
    finally:
        bot.close()


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the `xiaoer` app."""
    app.command("chat")(chat)
    app.command("ask")(ask)
