"""Core benchmark: per-stage latency of the non-LLM path, and messages/s with a scripted 200 ms LLM.

Prints figures, asserts nothing.
1. Stages at 10k (and 100k with --100k) SKUs on the real HybridProductIndex (Chroma + bm25s) in a temp dir:
   intent rules, query understanding (QueryParser + follow-up resolution), retrieval, grounding check of the
   composed reply, and the whole offline `SupportBot.handle` — p50/p99 over distinct realistic queries.
   Product vectors are random unit vectors (encoding 100k texts with USE takes minutes on 2 cores); query
   vectors come from the real offline encoder, so its cost is inside the retrieval figure.
2. Throughput: C concurrent chats (1, 50, 200) each sending messages one after another through the core with a
   scripted 200 ms LLM that answers with a grounded reply built from the prompt — (a) the in-memory
   `ScriptedChatModel` (bot/llm/scripted.py) awaiting asyncio.sleep(0.2), on the 10k hybrid index and on a
   keyword-only index of the sample catalog (the core without the query encoder); (b) the real adapter
   (`OpenAIChatModel`: LangChain + the openai SDK) talking to the loopback OpenAI-compatible server
   (tests/support/openai_server.py) that answers after 200 ms. Limit = C / 0.2 s.
   Streaming cost per chunk is measured by bench/llm_stream_bench.py.

3. Store cost (`--stores`): CPU per `SupportBot.handle` (this process's CPU time, threads included; the
   database server's own CPU is not in it) with the in-memory conversation store vs the real wiring on
   SQLite and on an embedded PostgreSQL (SQL memory, handoff, insights), same messages, scripted LLM.

Run: `.venv/bin/python bench/core_bench.py [--100k] [--skip-throughput] [--sqlite] [--stores] [--keep-index DIR]`.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from retrieval_bench import ADJECTIVES, BRANDS, COLOURS, KINDS, BenchEmbedder, synthetic_products  # noqa: E402

from bot.conversation.answer import Answerer  # noqa: E402
from bot.conversation.composer import OfflineComposer  # noqa: E402
from bot.conversation.grounding import GroundingFacts, check_reply  # noqa: E402
from bot.conversation.intents import classify  # noqa: E402
from bot.conversation.reader import Reader  # noqa: E402
from bot.conversation.store import ChatState, ConversationStore, InMemoryConversationStore  # noqa: E402
from bot.conversation.understanding import understand  # noqa: E402
from bot.domain.messages import Inbound  # noqa: E402
from bot.llm.scripted import RecordedCall, ScriptedChatModel  # noqa: E402
from bot.ops.settings import DEFAULT_PROMPTS_DIR, load_settings  # noqa: E402
from bot.prompts import Messages  # noqa: E402
from bot.wiring import Knowledge, build_support_bot, make_chat_model, open_database  # noqa: E402
from knowledge.catalog import SAMPLE_CATALOG, SAMPLE_POLICIES_DIR, load_catalog  # noqa: E402
from knowledge.hybrid import HybridProductIndex  # noqa: E402
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary  # noqa: E402
from knowledge.policies import PolicyBook  # noqa: E402
from knowledge.query import QueryParser  # noqa: E402
from knowledge.traditional import to_simplified  # noqa: E402
from tests.support.openai_server import OpenAIServer, last_user_text  # noqa: E402

LLM_DELAY_S = 0.2
_PRODUCT_LINE = re.compile(r"^\[\d+\] SKU (\S+) \| ([^|]+) \|.*?price (\S+)", re.MULTILINE)


def realistic_queries(n: int, seed: int = 3) -> list[str]:
    """Shopper phrasing over the synthetic catalog; distinct per seed so no stage reuses cached embeddings."""
    rng = np.random.default_rng(seed)
    out: list[str] = []
    while len(out) < n:
        i = len(out)
        _, zh, en = KINDS[int(rng.integers(len(KINDS)))]
        brand, colour = BRANDS[int(rng.integers(len(BRANDS)))], COLOURS[int(rng.integers(len(COLOURS)))]
        adjective, budget = ADJECTIVES[int(rng.integers(len(ADJECTIVES)))], int(rng.integers(1, 40)) * 50
        text = [
            f"有没有{budget}以内的{adjective}{zh}",
            f"推荐一款{colour}的{adjective}{zh}",
            f"{brand}的{adjective}{zh}有货吗",
            f"{en} under {budget} yuan, {adjective}",
            f"any {colour} {en} from {brand}?",
            f"{brand} {zh} {budget}元左右",
        ][i % 6]
        if text not in out:
            out.append(text)
    return out


def pct(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms"


def timed(fn: Callable[[str], object], texts: list[str]) -> list[float]:
    samples = []
    for text in texts:
        start = time.perf_counter()
        fn(text)
        samples.append(time.perf_counter() - start)
    return samples


def open_knowledge(n: int, tmp: Path) -> Knowledge:
    """The sample catalog + n synthetic SKUs in a hybrid index under `tmp`; an index already there with exactly
    these SKUs (`--keep-index`) is opened as it is (building 100k SKUs into Chroma takes ~5 minutes here)."""
    products = [*load_catalog(SAMPLE_CATALOG).products, *synthetic_products(n)]
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    start = time.perf_counter()
    index = HybridProductIndex(tmp, embedder=BenchEmbedder(), extractor=extractor)
    if index.count() != len(products):
        index.upsert(products)
    print(f"  hybrid index with {index.count():,} SKUs ready in {time.perf_counter() - start:.1f} s")
    return Knowledge(
        index, extractor, vocabulary, QueryParser(vocabulary, extractor), PolicyBook.load(SAMPLE_POLICIES_DIR)
    )


def stages(knowledge: Knowledge, n_queries: int) -> None:
    texts, fresh, whole_texts = (realistic_queries(n_queries, seed) for seed in (3, 5, 7))
    composer = OfflineComposer(Messages(DEFAULT_PROMPTS_DIR / "replies.yaml"))
    for text in realistic_queries(20, seed=1):
        knowledge.index.search(text)  # warm jieba, BLAS, Chroma
    state = ChatState()

    def parse(text: str):  # type: ignore[no-untyped-def]
        return understand(text, classify(text).intent, state, [], knowledge.parser)

    def search(u):  # type: ignore[no-untyped-def]
        return knowledge.index.search(u.search_text, k=5, filters=None if u.filters.is_empty() else u.filters)

    answerer = Answerer(knowledge.index, composer, knowledge.policies, None, None)
    reader = Reader(knowledge.index, knowledge.parser, knowledge.extractor, knowledge.policies, answerer)
    start = time.perf_counter()
    reader.ready()
    print(f"  mention index + exemplars + policy lines built in {time.perf_counter() - start:.1f} s")

    def read(text: str):  # type: ignore[no-untyped-def]
        """The whole understanding step of a message: script, rules, meaning, mentions, dialogue state."""
        simplified = to_simplified(text)[0]
        guess = classify(simplified)
        intent, rest, _ = reader.route(guess, simplified, reader.vector(simplified), False)
        return understand(
            rest,
            intent,
            state,
            [],
            knowledge.parser,
            reader.mentions,
            knowledge.index.get,
            reader.kind_of,
            knowledge.parser.brands_in,
        )

    for text in texts:
        reader.vector(to_simplified(text)[0])  # the message vector is the retrieval query's: cached
    understood = {t: parse(t) for t in texts}
    hits = {t: search(u) for t, u in understood.items()}
    replies = {t: composer.recommend([h.product for h in hits[t]], understood[t], "zh") for t in texts}
    policies = tuple(knowledge.policies.docs)
    fresh_understood = {t: parse(t) for t in fresh}  # retrieval timed on queries never searched before
    rows = {
        "intent (rules)": timed(lambda t: classify(t), texts),
        "understanding (parser + follow-ups)": timed(parse, texts),
        "understanding v2 (rules+meaning+mentions+state)": timed(read, texts),
        "  … incl. encoding a never-seen message": timed(read, [f"{t} 呢" for t in texts]),
        "retrieval (hybrid + filters, new queries)": timed(lambda t: search(fresh_understood[t]), fresh),
        "grounding check of the composed reply": timed(
            lambda t: check_reply(
                replies[t].text, GroundingFacts(products=tuple(h.product for h in hits[t]), policies=policies)
            ),
            texts,
        ),
    }
    bot = build_support_bot(
        load_settings(), knowledge=knowledge, store=InMemoryConversationStore(), use_llm=False
    )
    start = time.perf_counter()
    bot.warm_up()  # what a started bot has done in the background (bot.wiring) before its first customer
    print(
        f"  bot warm-up (mentions, material masks, exemplars, kind names) {time.perf_counter() - start:.1f} s"
    )

    async def whole() -> list[float]:
        samples = []
        for text in whole_texts:  # one event loop, as in a running bot
            start = time.perf_counter()
            await bot.handle(Inbound(chat_id=f"bench-{text}", user_id="u", text=text))
            samples.append(time.perf_counter() - start)
        return samples

    rows["SupportBot.handle, offline composer, end to end"] = asyncio.run(whole())
    for name, samples in rows.items():
        print(f"  {name:<48} {pct(samples)}")
    print(f"  queries with results: {sum(1 for h in hits.values() if h)}/{len(texts)}")


def grounded(body: dict[str, Any]) -> str:
    found = _PRODUCT_LINE.search(last_user_text(body))
    if "Label:" in last_user_text(body):
        return "recommendation"
    return f"推荐您看看 {found.group(2).strip()}，价格 {found.group(3)}。" if found else "我帮您确认一下。"


def scripted_grounded(call: RecordedCall) -> str:
    """`grounded` for the in-memory model (it reads the same rendered messages the server would get)."""
    return grounded({"messages": [{"role": m.role, "content": m.text} for m in call.messages]})


async def throughput(
    knowledge: Knowledge, server: OpenAIServer | None, chats: int, per_chat: int, sqlite: Path | None
) -> None:
    base_url = server.base_url if server else "http://127.0.0.1:9/v1"
    settings = load_settings(
        OPENAI_BASE_URL=base_url,
        OPENAI_API_KEY="bench",
        XIAOER_LLM_MODEL="scripted",
        XIAOER_LLM_MAX_RETRIES=0,
        XIAOER_LLM_TIMEOUT=60,
        XIAOER_DATA_DIR=str(sqlite) if sqlite else ".xiaoer-bench-unused",
    )
    store = None if sqlite else InMemoryConversationStore()
    scripted = ScriptedChatModel(scripted_grounded, delay_s=LLM_DELAY_S)
    llm = make_chat_model(settings) if server else scripted
    bot = build_support_bot(settings, knowledge=knowledge, store=store, llm=llm)
    bot.warm_up()
    texts = realistic_queries(chats * per_chat, seed=chats)
    if server is not None:
        server.reset()
        server.responder = grounded

    async def customer(n: int) -> list[int]:
        counts = []
        for i in range(per_chat):
            out = await bot.handle(
                Inbound(chat_id=f"c{chats}-{n}", user_id=f"u{n}", text=texts[n * per_chat + i])
            )
            counts.append(sum(1 for o in out if o.chat_id == f"c{chats}-{n}"))
        return counts

    start = time.perf_counter()
    results = await asyncio.gather(*(customer(n) for n in range(chats)))
    elapsed = time.perf_counter() - start
    total = chats * per_chat
    rate, limit = total / elapsed, chats / LLM_DELAY_S
    wrong = sum(1 for counts in results for c in counts if c != 1)
    print(
        f"  {chats:>4} chats x {per_chat} msgs: {rate:8.1f} msg/s   limit {limit:7.1f}   "
        f"{100 * rate / limit:5.1f} % of limit   llm calls {len(server.requests) if server else len(scripted.calls)}   "
        f"llm replies {bot.stats.llm_replies}/{total}   messages without exactly one reply: {wrong}"
    )
    bot.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--100k", dest="big", action="store_true", help="also measure stages at 100k SKUs")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument(
        "--sqlite", action="store_true", help="conversation store in SQLite (default in-memory)"
    )
    parser.add_argument("--stores", action="store_true", help="only the store cost comparison")
    parser.add_argument(
        "--keep-index",
        metavar="DIR",
        type=Path,
        help="build the synthetic indexes under DIR and reuse them on later runs (default: a temp dir)",
    )
    args = parser.parse_args()
    if args.stores:
        store_cost()
        return
    sizes = [10_000, 100_000] if args.big else [10_000]
    with tempfile.TemporaryDirectory(prefix="xiaoer-core-bench-") as tmp:
        knowledge = None
        for n in sizes:
            print(f"\n== non-LLM stages at {n:,} synthetic + 167 sample SKUs ({args.queries} queries)")
            knowledge = open_knowledge(n, (args.keep_index or Path(tmp)) / f"idx-{n}")
            stages(knowledge, args.queries)
        if args.skip_throughput or knowledge is None:
            return
        store = "SQLite" if args.sqlite else "in-memory"
        runs = ((1, 10), (50, 3), (200, 2))
        # The same core on the sample catalog with keyword-only retrieval: what the core itself sustains
        # when the offline query encoder (USE, ~5-100 ms per query depending on machine load) is not in the loop.
        keyword_only = sample_keyword_knowledge()
        for label, knowledge_ in (
            (f"hybrid index, {sizes[-1]:,} SKUs", knowledge),
            ("keyword-only in-memory index, 167 sample SKUs", keyword_only),
        ):
            print(
                f"\n== throughput, scripted {LLM_DELAY_S * 1000:.0f} ms LLM in process (async sleep), {store} store, "
                f"{label}"
            )
            for chats, per_chat in runs:
                db = Path(tmp) / f"a{chats}-{id(knowledge_)}" if args.sqlite else None
                asyncio.run(throughput(knowledge_, None, chats, per_chat, db))
        print(
            f"\n== throughput, real adapter (OpenAIChatModel) -> loopback OpenAI server answering after "
            f"{LLM_DELAY_S * 1000:.0f} ms "
            f"(same process), {store} store, keyword-only index"
        )
        with OpenAIServer() as server:
            server._server.socket.listen(1024)  # the stdlib default backlog (5) refuses bursts of connections
            server.delay_s = LLM_DELAY_S
            for chats, per_chat in runs:
                db = Path(tmp) / f"b{chats}" if args.sqlite else None
                asyncio.run(throughput(keyword_only, server, chats, per_chat, db))


def store_cost(customers: int = 60, per_customer: int = 3, rounds: int = 3) -> None:
    """CPU ms per handled message: in-memory store vs the SQL wiring on SQLite and PostgreSQL."""
    from tests.support.postgres import start_postgres

    knowledge = sample_keyword_knowledge()
    pg = start_postgres()
    try:
        with tempfile.TemporaryDirectory(prefix="xiaoer-store-bench-") as tmp:
            postgres = pg.create_database("store_bench")
            urls = {  # label → (database URL, whole wiring?)
                "in-memory store": (None, False),
                "PostgreSQL store": (postgres, False),
                "SQLite store": (f"sqlite:///{Path(tmp) / 'bench.db'}", False),
                "PostgreSQL wiring": (postgres, True),
                "SQLite wiring": (f"sqlite:///{Path(tmp) / 'wired.db'}", True),
            }
            results: dict[str, list[float]] = {name: [] for name in urls}
            for round_ in range(rounds):  # interleaved rounds: a busy machine hurts every store alike
                for name, (url, wired) in urls.items():
                    results[name].append(
                        asyncio.run(
                            _handle_cpu(knowledge, url, wired, Path(tmp), customers, per_customer, round_)
                        )
                    )
        print(
            f"\n== CPU per SupportBot.handle ({customers} chats x {per_customer} messages, scripted LLM, "
            f"best of {rounds}); 'store' = only the conversation memory in SQL, 'wiring' = the real "
            "composition (SQL memory + handoff + write-behind insights + orders)"
        )
        base = min(results["in-memory store"])
        for name, samples in results.items():
            print(f"  {name:<18} {min(samples):7.2f} ms/msg   {min(samples) / base:5.2f} x in-memory store")
    finally:
        pg.stop()


async def _handle_cpu(
    knowledge: Knowledge,
    url: str | None,
    wired: bool,
    tmp: Path,
    customers: int,
    per_customer: int,
    round_: int,
) -> float:
    from bench.load import QUESTIONS
    from bot.conversation.store_sql import SqlConversationStore

    env = {"XIAOER_DATA_DIR": str(tmp / "data")}
    if url is not None:
        env["XIAOER_DATABASE_URL"] = url
    settings = load_settings(**env)
    llm = ScriptedChatModel(scripted_grounded)
    database = None
    if url is None:
        store: ConversationStore | None = InMemoryConversationStore()
    elif wired:
        store = None  # build_support_bot opens the database and wires every SQL feature
    else:
        database = open_database(settings)
        store = SqlConversationStore(database)
    bot = build_support_bot(settings, knowledge=knowledge, store=store, llm=llm)
    bot.warm_up()
    try:
        await bot.handle(Inbound(chat_id="warm", user_id="warm", text=QUESTIONS[0]))
        start = time.process_time()
        for m in range(per_customer):
            await asyncio.gather(
                *(
                    bot.handle(
                        Inbound(
                            chat_id=f"r{round_}-c{n}",
                            user_id=f"r{round_}-u{n}",
                            text=QUESTIONS[(n + m) % len(QUESTIONS)],
                            channel="telegram",
                        )
                    )
                    for n in range(customers)
                )
            )
        return (time.process_time() - start) * 1000 / (customers * per_customer)
    finally:
        bot.close()
        if database is not None:
            database.dispose()


def sample_keyword_knowledge() -> Knowledge:
    from knowledge.memory_index import InMemoryProductIndex

    products = load_catalog(SAMPLE_CATALOG).products
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor)
    index.upsert(products)
    return Knowledge(
        index, extractor, vocabulary, QueryParser(vocabulary, extractor), PolicyBook.load(SAMPLE_POLICIES_DIR)
    )


if __name__ == "__main__":
    main()
