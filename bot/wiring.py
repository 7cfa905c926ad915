"""The composition root: the ONE place that wires real implementations into a `SupportBot`.

CLI commands call `build_support_bot(settings)` (or `open_knowledge(settings)` when they only need the
index, `open_database(settings)` when they only need the SQL database); tests pass their own
index/LLM/store. Other features add their wiring in `_wire_features`. Everything opened here is closed by
`SupportBot.close()` (via its `BotRuntime`). The database's schema is upgraded here, at start-up, before
any store uses it (`bot.storage.migrate`).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.conversation.core import SupportBot
from bot.conversation.prompting import ChatPrompts
from bot.conversation.store import ConversationStore
from bot.domain.erasure import ErasureRegistry
from bot.domain.protocols import ChatModel, HandoffGate
from bot.domain.reply_budget import DEFAULT_BUDGET
from bot.ops import metrics as _metrics  # noqa: F401  (installs the Prometheus telemetry sink)
from bot.ops.retention import DAY_S, Purgeable, Retention
from bot.ops.settings import Settings
from bot.prompts import Messages, load_messages
from bot.storage.db import Database
from bot.storage.migrate import upgrade_schema
from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.models import Product
from knowledge.money import NO_RATES, ExchangeRates
from knowledge.policies import PolicyBook
from knowledge.protocols import KeywordExtractor, ProductIndex
from knowledge.query import QueryParser
from knowledge.vocabulary import Vocabulary

if TYPE_CHECKING:
    from bot.channels.telegram.handlers import TelegramChannel, TelegramConfig
    from bot.channels.telegram.outbox import TelegramOutbox
    from bot.channels.telegram.replicas import ReplicaSafety
    from bot.channels.web.config import WebConfig
    from bot.channels.web.delivery import WebDelivery
    from bot.channels.web.history import WebHistory
    from bot.coordination.ratelimit import RateLimiter
    from bot.handoff import HandoffService
    from bot.handoff.desk import SupportDesk
    from bot.handoff.outbox import EventSink
    from bot.handoff.store import HandoffStore
    from bot.insights.recorder import TurnRecorder
    from bot.orders.conversation import OrderConversation
    from bot.orders.desk import OrderDesk

log = logging.getLogger(__name__)
HANDOFF_SWEEP_S = 30.0  # how often `xiaoer web` times out unclaimed handoff requests (desk contract)


@dataclass
class Knowledge:
    """The knowledge layer opened on a data directory."""

    index: ProductIndex
    extractor: KeywordExtractor
    vocabulary: Vocabulary
    parser: QueryParser
    policies: PolicyBook
    rates: ExchangeRates = (
        NO_RATES  # XIAOER_EXCHANGE_RATES: compare prices across currencies only through these
    )


@dataclass
class BotRuntime:
    """Resources behind a bot, disposed together by `close()` (idempotent)."""

    database: Database | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)
    # what closes on the event loop that used it (the LLM adapter's HTTP connections), before `closers`
    async_closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    closed: bool = False
    orders: OrderDesk | None = None  # order support services (the conversation's order flows call these)
    retention: Retention | None = (
        None  # transcript purge (start-up, daily in the running bot, `xiaoer db purge`)
    )

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for closer in reversed(self.closers):
            try:
                closer()
            except Exception:
                log.exception("error while closing %r", closer)
        if self.database is not None:
            self.database.dispose()

    async def aclose(self) -> None:
        """`close()` from the event loop: the database's async pool and the LLM adapter's connections are
        closed on the loop that used them."""
        closers, self.async_closers = self.async_closers, []
        for aclose in reversed(closers):
            try:
                await aclose()
            except Exception:
                log.exception("error while closing %r", aclose)
        if self.database is not None and not self.closed:
            await self.database.aclose()
        await asyncio.to_thread(self.close)


def open_database(settings: Settings) -> Database:
    """The configured SQL database (`Settings.resolved_database_url`) with its schema upgraded to this
    release's head — migrations run here, at start-up; replicas starting together take turns."""
    database = Database.open(settings.resolved_database_url)
    upgrade_schema(database)
    return database


# Every module that declares tables on `bot.storage.db.Base` (tests/test_migrations.py checks the list).
SQL_MODEL_MODULES = (
    "bot.conversation.store_sql",
    "bot.handoff.store_sql",
    "bot.insights.store_sql",
    "bot.orders.store_sql",
    "bot.orders.verification_sql",
    "bot.orders.aftersales_sql",
    "bot.orders.dialogue_sql",
    "bot.copywriting.store_sql",
    "bot.staff.store_sql",
    "bot.channels.web.history_sql",
    "bot.coordination.ledger",
    "bot.coordination.reply_journal",
    "bot.coordination.ratelimit_sql",
)


def load_sql_models() -> None:
    """Import every table declaration, so `Base.metadata` is the whole schema (for `xiaoer db revision`)."""
    for name in SQL_MODEL_MODULES:
        importlib.import_module(name)


def make_conversation_store(database: Database) -> ConversationStore:
    """Conversation memory in the SQL database (the protocol module never imports the SQL one)."""
    from bot.conversation.store_sql import SqlConversationStore

    return SqlConversationStore(database)


def policies_dir(settings: Settings) -> Path:
    return settings.policies_dir or SAMPLE_POLICIES_DIR


def make_chat_model(settings: Settings, *, temperature: float = 0.3) -> ChatModel | None:
    """The OpenAI-compatible adapter for the configured endpoint, or None when no LLM is configured (then
    the offline composer answers). The adapter (LangChain, openai) is imported only here, only then."""
    if not settings.llm_configured:
        return None
    from bot.llm.openai_chat import OpenAIChatConfig, OpenAIChatModel

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return OpenAIChatModel(
        OpenAIChatConfig(
            model=settings.llm_model,
            base_url=settings.openai_base_url,
            api_key=key,
            timeout_s=settings.llm_timeout_s,
            first_token_timeout_s=settings.llm_first_token_timeout_s,
            max_retries=settings.llm_max_retries,
            temperature=temperature,
        )
    )


def open_knowledge(
    settings: Settings, *, index: ProductIndex | None = None, extractor: KeywordExtractor | None = None
) -> Knowledge:
    """Index + jieba extractor with the catalog's vocabulary + query parser (with normalisation) + policies.

    Policy bullets are embedded with the index's own encoder and cached under `data_dir/policies`.
    """
    from knowledge.factory import open_product_index
    from knowledge.keywords import JiebaKeywordExtractor

    vocabulary = Vocabulary.load(settings.data_dir / "vocabulary.json")
    rates = ExchangeRates.parse(settings.exchange_rates)
    if extractor is None:
        extractor = getattr(index, "extractor", None) or JiebaKeywordExtractor(vocabulary)
    if index is None:
        from knowledge.embeddings import make_embedder

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        embedder = make_embedder(settings.embedding_model, settings.openai_base_url, key)
        index = open_product_index(
            settings.data_dir,
            chroma_url=settings.chroma_url,
            embedder=embedder,
            extractor=extractor,
            rates=rates,
        )
    policies = PolicyBook.load(
        policies_dir(settings),
        extractor=extractor,
        embedder=getattr(index, "embedder", None),
        cache_dir=settings.data_dir / "policies",
    )
    return Knowledge(index, extractor, vocabulary, QueryParser(vocabulary, extractor), policies, rates)


def _warm_up(bot: SupportBot) -> None:
    """`SupportBot.warm_up` on a background thread: the mention index, material masks, exemplars, policy
    bullets and kind names (~2 s of CPU at 10k SKUs) are built before the first customer asks, not in their
    message."""
    try:
        bot.warm_up()
    except Exception:  # a warm-up must never take the bot down; the first real use will report it
        log.warning("warm-up failed", exc_info=True)


def build_support_bot(
    settings: Settings,
    *,
    index: ProductIndex | None = None,
    llm: ChatModel | None = None,
    handoff: HandoffGate | None = None,
    store: ConversationStore | None = None,
    knowledge: Knowledge | None = None,
    raise_errors: bool = False,
    use_llm: bool = True,
    clock: Callable[[], datetime] | None = None,
) -> SupportBot:
    """A ready `SupportBot`: real index, parser, policies, LLM (if configured) and SQL memory by default.

    Raises `bot.storage.errors.DatabaseUnavailable` / `SchemaError` when the SQL database cannot be opened
    or upgraded, `knowledge.errors.StoreUnavailable` when the product index cannot."""
    runtime = BotRuntime()
    if store is None:  # first: a wrong XIAOER_DATABASE_URL is reported before the catalog loads
        runtime.database = open_database(settings)
        store = make_conversation_store(runtime.database)
    try:
        knowledge = knowledge or open_knowledge(settings, index=index)
    except BaseException:
        runtime.close()
        raise
    if llm is None and use_llm:
        llm = make_chat_model(settings)
        aclose = getattr(llm, "aclose", None)  # made here, so closed with the bot (a caller's stays theirs)
        if aclose is not None:
            runtime.async_closers.append(aclose)
    messages: Messages = load_messages(settings.prompts_dir)
    # insights share the bot's database (tests that bring a store opt in)
    recorder = _build_recorder(settings, runtime) if runtime.database is not None else None
    if handoff is None and runtime.database is not None:  # the real wiring (tests that bring a store opt in)
        handoff = _build_handoff(settings, runtime, store, knowledge, recorder)
    replies = Messages(settings.prompts_dir / "replies.yaml")
    flow = None
    if runtime.database is not None:  # the real wiring (tests that bring a store opt in)
        runtime.orders = build_order_desk(settings, runtime.database, knowledge, clock=clock)
        flow = build_order_flow(
            settings, runtime.orders, runtime.database, store, messages, recorder, knowledge, clock=clock
        )
    erasure = ErasureRegistry()  # /forget: the features' stores register below
    bot = SupportBot(
        index=knowledge.index,
        store=store,
        messages=messages,
        replies=replies,
        parser=knowledge.parser,
        extractor=knowledge.extractor,
        policies=knowledge.policies,
        llm=llm,
        prompts=ChatPrompts.load(settings.prompts_dir) if llm is not None else None,
        handoff=handoff,
        trigger_detector=getattr(handoff, "detect_trigger", None)
        or (_trigger_detector() if handoff else None),
        recorder=recorder,
        raise_errors=raise_errors,
        history_token_budget=settings.history_token_budget,
        runtime=runtime,
        clock=clock,
        cache_dir=settings.data_dir / "cache",
        flow=flow,
        erasure=erasure,
        rates=knowledge.rates,
        reply_budget=replace(DEFAULT_BUDGET, promise_s=settings.reply_promise_s),
    )
    _wire_features(bot, settings, knowledge, runtime, erasure)
    if runtime.database is not None:
        runtime.retention = build_retention(settings, bot, runtime)
        runtime.retention.purge_once()
    threading.Thread(target=_warm_up, args=(bot,), name="xiaoer-warm-up", daemon=True).start()
    return bot


def build_retention(settings: Settings, bot: SupportBot, runtime: BotRuntime | None = None) -> Retention:
    """The retention window over every store that keeps what customers wrote (with `runtime`: also the
    reply journal on its database and the after-sales requests' reasons and photos)."""
    from bot.conversation.claims import forget_claim_memos
    from bot.coordination.reply_journal import ReplyJournal
    from bot.handoff import HandoffService
    from bot.insights.recorder import TurnRecorder
    from bot.privacy.redaction import forget_memos

    stores: list[tuple[str, Purgeable]] = [("conversation turns", bot.store.purge)]
    if runtime is not None and runtime.database is not None:
        stores.append(("reply journal", ReplyJournal(runtime.database).purge))
    if runtime is not None and runtime.orders is not None:
        stores.append(("after-sales reasons and photos", runtime.orders.aftersales.store.purge))
    if isinstance(bot.handoff, HandoffService):
        handoff_store = bot.handoff.store
        stores.append(
            ("handoff transcripts", lambda before: handoff_store.purge_messages(before.timestamp()))
        )
    recorder = bot.recorder
    if isinstance(recorder, TurnRecorder):
        stores.append(("insights", recorder.store.purge))
    # the in-process memos of raw text (redaction, claims ledger) hold no dates: the daily purge empties them
    stores.append(("in-process text memos", lambda _before: forget_memos() + forget_claim_memos()))
    return Retention(stores, settings.retention_days)


def open_retention(settings: Settings) -> tuple[Retention, Database]:
    """The retention window over the configured database's stores, without loading the catalog
    (`xiaoer db purge`); the caller disposes the database."""
    from bot.coordination.reply_journal import ReplyJournal
    from bot.handoff.store_sql import SqlHandoffStore
    from bot.insights.store_sql import SqlInsightsStore
    from bot.orders.aftersales_sql import SqlAfterSalesStore

    database = open_database(settings)
    handoffs = SqlHandoffStore(database)
    stores: list[tuple[str, Purgeable]] = [
        ("conversation turns", make_conversation_store(database).purge),
        ("handoff transcripts", lambda before: handoffs.purge_messages(before.timestamp())),
        ("insights", SqlInsightsStore(database).purge),
        ("web messages", _web_history(database).purge),
        ("reply journal", ReplyJournal(database).purge),
        ("after-sales reasons and photos", SqlAfterSalesStore(database).purge),
    ]
    return Retention(stores, settings.retention_days), database


def _web_history(database: Database) -> WebHistory:
    """The widget's message log on the shared database (what web visitors and agents wrote)."""
    from bot.channels.web.history_sql import SqlWebHistory

    return SqlWebHistory(database)


def _build_recorder(settings: Settings, runtime: BotRuntime) -> TurnRecorder:
    """Every customer turn, pseudonymised and PII-redacted, for `xiaoer insights` and `/insights` — written
    in batches behind the replies (flushed when the bot closes)."""
    from bot.insights.pseudonym import Pseudonymizer
    from bot.insights.recorder import TurnRecorder
    from bot.insights.store_sql import SqlInsightsStore
    from bot.insights.write_behind import WriteBehindInsights
    from bot.privacy.redaction import redact

    assert runtime.database is not None
    store = WriteBehindInsights(SqlInsightsStore(runtime.database))
    runtime.closers.append(store.close)
    return TurnRecorder(store, Pseudonymizer(settings.pseudonym_key.get_secret_value()), redact)


def _trigger_detector() -> Callable[[str], str | None] | None:
    try:
        from bot.handoff.triggers import detect_trigger
    except ImportError:  # pragma: no cover - handoff is optional
        return None
    return detect_trigger


def build_handoff_service(
    *,
    prompts_dir: Path,
    support_chats: Mapping[str, str],
    claim_timeout_s: float = 300.0,
    database: Database | None = None,
    store: HandoffStore | None = None,
    conversations: ConversationStore | None = None,
    index: ProductIndex | None = None,
    desk: SupportDesk | None = None,
    support_language: str = "zh",
    reveal_agent_names: bool = False,
    detect_triggers: bool = False,
    events: EventSink | None = None,
) -> HandoffService:
    """A `HandoffService` on the shared SQL database (or the given / an in-memory store), with the trigger
    file from `prompts_dir/handoff/triggers.yaml` and, when a conversation store is given, the card context
    and the hand-back memory wired to it. `support_chats` maps channel → support chat (see
    `support_chats_for`). `detect_triggers` stays False when the core runs `service.detect_trigger` itself."""
    from bot.handoff.memory import conversation_context, remember_in
    from bot.handoff.outbox import HandoffConfig
    from bot.handoff.service import HandoffService
    from bot.handoff.store import InMemoryHandoffStore
    from bot.handoff.store_sql import SqlHandoffStore
    from bot.handoff.triggers import TriggerSet

    if store is None:
        store = SqlHandoffStore(database) if database is not None else InMemoryHandoffStore()
    return HandoffService(
        store,
        load_messages(prompts_dir),
        HandoffConfig(
            support_chats=dict(support_chats),
            claim_timeout_s=claim_timeout_s,
            support_language=support_language,
            reveal_agent_names=reveal_agent_names,
            detect_triggers=detect_triggers,
        ),
        triggers=TriggerSet.load(prompts_dir / "handoff" / "triggers.yaml"),
        desk=desk,
        on_closed=remember_in(conversations) if conversations is not None else None,
        context_provider=conversation_context(conversations, index) if conversations is not None else None,
        events=events,
    )


def _build_handoff(
    settings: Settings,
    runtime: BotRuntime,
    store: ConversationStore,
    knowledge: Knowledge,
    recorder: TurnRecorder | None,
) -> HandoffGate:
    """Human handoff on the shared database: Telegram's support group and the terminal's `:as agent`."""
    from bot.handoff.outbox import support_chats_for

    return build_handoff_service(
        prompts_dir=settings.prompts_dir,
        support_chats=support_chats_for(settings.support_chat_id),
        claim_timeout_s=settings.handoff_claim_timeout_s,
        database=runtime.database,
        conversations=store,
        index=knowledge.index,
        reveal_agent_names=settings.handoff_reveal_agent,
        support_language=settings.support_language,
        events=recorder,  # handoffs and ratings count in insights
    )


def _wire_features(
    bot: SupportBot, settings: Settings, knowledge: Knowledge, runtime: BotRuntime, erasure: ErasureRegistry
) -> None:
    """Other features register their commands, services and erasers here (copy, staff, insights …)."""
    from bot.handoff import HandoffService, register_handoff_commands

    if isinstance(bot.handoff, HandoffService):
        register_handoff_commands(bot.commands, bot.handoff)
        handoffs = bot.handoff.store
        erasure.add("handoff transcripts", lambda channel, chat, user: handoffs.forget_user(channel, user))
    from bot.staff.commands import register_staff_commands

    register_staff_commands(
        bot.commands,
        messages=bot.messages,
        index=knowledge.index,
        data_dir=settings.data_dir,
        conversations=bot.store,
        handoff=bot.handoff,
    )
    from bot.copywriting import CopyLibrary, CopyService, register_copy_commands
    from bot.copywriting.store_sql import SqlKeptCopyStore

    register_copy_commands(
        bot.commands,
        CopyService(
            CopyLibrary.load(settings.prompts_dir),
            index=knowledge.index,
            extractor=knowledge.extractor,
            llm=bot.llm,
        ),
        kept=SqlKeptCopyStore(runtime.database)
        if runtime.database is not None
        else None,  # /keep → fine-tuning
    )
    from bot.insights.recorder import TurnRecorder
    from bot.insights.service import InsightsService, register_insights_command

    if isinstance(bot.recorder, TurnRecorder):
        register_insights_command(
            bot.commands, InsightsService(bot.recorder.store, bot.messages, knowledge.index)
        )
    if runtime.orders is not None:
        verifications, aftersales = runtime.orders.verifier.store, runtime.orders.aftersales.store
        erasure.add("order verifications", lambda channel, chat, user: verifications.drop_links(chat, user))
        erasure.add("after-sales requests", lambda channel, chat, user: aftersales.forget_user(chat, user))
        from bot.orders.commands import register_order_commands

        register_order_commands(
            bot.commands,
            source=runtime.orders.source,
            messages=bot.messages,
            carriers=runtime.orders.carriers,
            titles=runtime.orders.titles,
            aftersales=runtime.orders.aftersales,
            support_language=settings.support_language,
        )
        from bot.orders.conversation import OrderConversation as _OrderConversation
        from bot.orders.decision_commands import register_decision_commands

        if isinstance(bot.flow, _OrderConversation):
            register_decision_commands(bot.commands, bot.flow, bot.messages)


def build_order_flow(
    settings: Settings,
    desk: OrderDesk,
    database: Database,
    store: ConversationStore,
    messages: Messages,
    events: TurnRecorder | None,
    knowledge: Knowledge,
    *,
    clock: Callable[[], datetime] | None = None,
) -> OrderConversation:
    """The order conversation (status, after-sales) on the shared database: dialogues in SQL, customers'
    languages from the conversation memory, after-sales outcomes into insights."""
    from bot.orders.clock import system_clock
    from bot.orders.conversation import OrderConversation
    from bot.orders.dialogue_sql import SqlDialogueStore

    def language_of(chat_id: str) -> str:
        return store.state(chat_id).language or "zh"

    return OrderConversation(
        desk,
        SqlDialogueStore(database),
        messages,
        support_language=settings.support_language,
        language_of=language_of,
        events=events,
        policies=[d for d in knowledge.policies.docs if d.topic in ("shipping", "returns", "warranty")],
        products=knowledge.index.get,
        named=knowledge.index.find_mentions,
        clock=clock or system_clock,
    )


def build_order_desk(
    settings: Settings,
    database: Database,
    knowledge: Knowledge,
    *,
    clock: Callable[[], datetime] | None = None,
) -> OrderDesk:
    """Orders from Shopify when XIAOER_SHOPIFY_SHOP/TOKEN are set, else the local store (`xiaoer orders import`);
    verification state and after-sales requests always in the shared database."""
    from bot.orders.aftersales_service import AfterSalesService
    from bot.orders.aftersales_sql import SqlAfterSalesStore
    from bot.orders.clock import system_clock
    from bot.orders.desk import OrderDesk
    from bot.orders.source import OrderSource
    from bot.orders.store_sql import SqlOrderStore
    from bot.orders.verification import OrderVerifier, VerificationPolicy
    from bot.orders.verification_sql import SqlVerificationStore

    source: OrderSource
    stored: Callable[[], int] | None = None  # a remote source is never "empty"
    if settings.shopify_configured and settings.shopify_shop and settings.shopify_token:
        from bot.orders.shopify import ShopifyOrderSource

        source = ShopifyOrderSource(
            settings.shopify_shop,
            settings.shopify_token.get_secret_value(),
            api_version=settings.shopify_api_version,
        )
    else:
        source = store = SqlOrderStore(database)
        stored = store.count
    index = knowledge.index

    def title(sku: str) -> str:
        product = index.get(sku)
        return product.title if product else ""

    def category(sku: str) -> str:
        product = index.get(sku)
        return product.category if product else ""

    policy = VerificationPolicy(
        max_failures=settings.order_verify_max_failures,
        window_s=settings.order_verify_window_s,
        ttl_s=settings.order_verify_ttl_s,
    )
    now = clock or system_clock  # the evaluation fixes "now"; order ages and windows are measured against it
    return OrderDesk(
        source=source,
        verifier=OrderVerifier(source, SqlVerificationStore(database), policy, clock=now),
        aftersales=AfterSalesService(SqlAfterSalesStore(database), clock=now),
        terms=knowledge.policies.terms,
        titles=title,
        categories=category,
        clock=now,
        stored=stored,
    )


def build_web_app(
    settings: Settings,
    config: WebConfig,
    *,
    knowledge: Knowledge | None = None,
    llm: ChatModel | None = None,
) -> tuple[Any, SupportBot]:
    """`xiaoer web`: the core (as for Telegram), the widget's message log on the shared database, rate
    limits per visitor and per IP (shared by replicas when the database is PostgreSQL), and the staff
    console. Returns (the ASGI app — a FastAPI instance, typed Any so fastapi stays inside
    bot.channels.web —, the core to close). Tests pass their own `knowledge`/`llm`."""
    from bot.channels.web.channel import build_web_channel, load_web_strings
    from bot.handoff import HandoffService

    bot = build_support_bot(settings, knowledge=knowledge, llm=llm)
    runtime = bot.runtime if isinstance(bot.runtime, BotRuntime) else None
    database = runtime.database if runtime is not None else None
    if database is None:  # pragma: no cover - build_support_bot always opens the database here
        database = open_database(settings)
    visitors = _shared_rate_limiter(database, config.visitor_messages, config.window_s)
    ips = _shared_rate_limiter(database, config.ip_messages, config.window_s)
    handoff = bot.handoff if isinstance(bot.handoff, HandoffService) else None
    telegram = _telegram_outbox(settings, handoff)  # console agents answering Telegram customers
    history = _web_history(database)
    periodic: list[tuple[float, Callable[[], Awaitable[None]]]] = []
    if runtime is not None and runtime.retention is not None:  # the web log keeps what customers wrote too
        retention = Retention(
            [*runtime.retention.stores, ("web messages", history.purge)], runtime.retention.days
        )
        runtime.retention = retention
        if retention.days > 0:  # at start-up (build_support_bot purged the core's stores), then daily
            history.purge(retention.cutoff())

        async def purge() -> None:
            await asyncio.to_thread(retention.purge_once)

        periodic.append((DAY_S, purge))
    channel = build_web_channel(
        bot,
        config,
        history=history,
        strings=load_web_strings(settings.prompts_dir),
        handoff=handoff,
        elsewhere=telegram,
        visitor_limiter=visitors,
        ip_limiter=ips,
    )
    console = None
    if handoff is not None:
        reachable = frozenset({"web", "telegram"} if telegram is not None else {"web"})
        console = _build_console(settings, config, bot, handoff, channel.delivery, database, reachable)
        service, delivery = handoff, channel.delivery

        async def sweep() -> None:  # unclaimed requests time out even when the visitor writes nothing
            await delivery.deliver(await service.sweep(channels=reachable))

        periodic.append((HANDOFF_SWEEP_S, sweep))
    return channel.app(console, periodic), bot


def _shared_rate_limiter(database: Database, max_messages: int, window_s: float) -> RateLimiter:
    """A sliding window every `xiaoer web` replica shares (in the database) on PostgreSQL, where several
    replicas run behind one proxy; in-process on SQLite (one process)."""
    from bot.coordination.ratelimit import SlidingWindowRateLimiter

    if database.dialect == "postgresql":
        from bot.coordination.ratelimit_sql import SqlRateLimiter

        return SqlRateLimiter(database, max_messages, window_s)
    return SlidingWindowRateLimiter(max_messages, window_s)


def _telegram_outbox(settings: Settings, handoff: HandoffService | None) -> TelegramOutbox | None:
    """With a bot token, the console can write to Telegram customers and the support group."""
    token = settings.telegram_bot_token.get_secret_value().strip() if settings.telegram_bot_token else ""
    if not token:
        return None
    from bot.channels.telegram.handlers import TelegramConfig
    from bot.channels.telegram.outbox import TelegramOutbox

    config = TelegramConfig(
        token=token,
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_api_file_url,
        staff_ids=settings.staff_ids,
        support_chat_id=settings.support_chat_id,
    )
    return TelegramOutbox(config, handoff)


def _build_console(
    settings: Settings,
    config: WebConfig,
    bot: SupportBot,
    handoff: HandoffService,
    delivery: WebDelivery,
    database: Database,
    reachable: frozenset[str],
) -> Any:
    """The staff console: accounts on the shared database, the same handoff service, insights, catalog
    ingest into the live index, and the copy generator."""
    from bot.channels.web.console import ConsoleDeps, build_console_router
    from bot.copywriting import CopyLibrary, CopyService
    from bot.insights.recorder import TurnRecorder
    from bot.insights.service import InsightsService
    from bot.staff.auth import StaffAuth
    from bot.staff.store_sql import SqlStaffStore
    from knowledge.ingest import ingest_path

    index = bot.index

    def ingest(path: Path) -> object:
        return ingest_path(path, index=index, data_dir=settings.data_dir)

    insights = None
    if isinstance(bot.recorder, TurnRecorder):
        insights = InsightsService(bot.recorder.store, bot.messages, index)
    deps = ConsoleDeps(
        auth=StaffAuth(SqlStaffStore(database), session_s=config.console_session_s),
        core=bot,
        handoff=handoff,
        delivery=delivery,
        secret=config.secret,
        reachable=reachable,
        login_limiter=_shared_rate_limiter(database, 10, 300.0),  # per address and per name: 10 tries / 5 min
        insights=insights,
        copy=CopyService(
            CopyLibrary.load(settings.prompts_dir), index=index, extractor=bot.extractor, llm=bot.llm
        ),
        ingest=ingest,
        catalog_lookup=index.get,
    )
    return build_console_router(deps)


def build_telegram_channel(
    settings: Settings,
    config: TelegramConfig,
    *,
    webhook: bool,
    listen: str = "127.0.0.1",
) -> tuple[TelegramChannel, ReplicaSafety]:
    """The Telegram channel of `xiaoer telegram`, wired: the support bot with its handoff service, the replica
    safety on the configured database (update ledger, liveness, ops endpoint), and the reply journal that makes
    delivery at-least-once across a crash. Webhook replicas share the database rate limiter; a single poller keeps
    an in-process one.

    Raises DatabaseUnavailable / SchemaError when the database cannot be opened or is not at the migrations' head.
    """
    from bot.channels.telegram.handlers import TelegramChannel
    from bot.coordination.ratelimit import SlidingWindowRateLimiter
    from bot.coordination.reply_journal import ReplyJournal
    from bot.handoff import HandoffService

    support = build_support_bot(settings)
    replicas = build_replica_safety(settings, listen=listen)
    limiter: RateLimiter = SlidingWindowRateLimiter(
        settings.rate_limit_messages, settings.rate_limit_window_s
    )
    if webhook and replicas.limiter is not None:
        limiter = replicas.limiter
    channel = TelegramChannel(
        support,
        config,
        load_messages(settings.prompts_dir),
        limiter,
        handoff=support.handoff if isinstance(support.handoff, HandoffService) else None,
        journal=ReplyJournal(replicas.ledger.database),
    )
    return channel, replicas


def build_replica_safety(settings: Settings, *, listen: str = "127.0.0.1") -> ReplicaSafety:
    """Replica safety (update ledger and chat order, liveness) and the shared rate limiter on the configured
    database, plus the ops endpoint when XIAOER_METRICS_PORT is set (bound to `listen`, the host the webhook
    server binds: never wider) — for `xiaoer telegram`."""
    from bot.channels.telegram.replicas import ReplicaSafety, Service
    from bot.coordination.ratelimit_sql import SqlRateLimiter
    from bot.ops.health import default_checks
    from bot.ops.http import OpsServer

    database = open_database(settings)
    services: list[Service] = []
    if settings.metrics_port:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        checks = default_checks(
            database=database,
            chroma_url=settings.chroma_url,
            llm_base_url=settings.openai_base_url,
            llm_api_key=key,
            llm_configured=settings.llm_configured,
        )
        services.append(OpsServer(checks, host=listen, port=settings.metrics_port))
    limiter = SqlRateLimiter(database, settings.rate_limit_messages, settings.rate_limit_window_s)
    return ReplicaSafety(database, services=services, limiter=limiter)


def build_redteam_bot(
    settings: Settings,
    products: Sequence[Product],
    policies_dir: Path,
    llm: ChatModel,
    *,
    raise_errors: bool = False,
) -> tuple[SupportBot, PolicyBook]:
    """A `SupportBot` on an in-memory index of `products` (BM25 only) and the policies in `policies_dir`, with
    `llm` and in-memory conversation memory — what `xiaoer eval redteam` and the red-team tests attack.
    Returns the bot and its policy book (the shop's own terms, poisoned ones included)."""
    from bot.conversation.store import InMemoryConversationStore
    from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
    from knowledge.memory_index import InMemoryProductIndex

    vocabulary = build_vocabulary(list(products))
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor, None)
    index.upsert(list(products))
    book = PolicyBook.load(policies_dir)
    knowledge = Knowledge(index, extractor, vocabulary, QueryParser(vocabulary, extractor), book)
    bot = build_support_bot(
        settings, knowledge=knowledge, llm=llm, store=InMemoryConversationStore(), raise_errors=raise_errors
    )
    return bot, book
