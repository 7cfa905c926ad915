"""The real sample catalog, loaded once per test process, and a SupportBot factory for core tests.

The knowledge objects are the real ones (catalog loader, jieba extractor with the catalog vocabulary,
query parser, in-memory index with the offline USE embedder, policy book); they are cached because
building them costs seconds, and tests only read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.conversation.core import SupportBot
from bot.conversation.store import ConversationStore, InMemoryConversationStore
from bot.domain.messages import Inbound, Outbound, Role
from bot.domain.protocols import ChatModel, HandoffGate
from bot.ops.settings import load_settings
from bot.wiring import Knowledge, build_support_bot
from knowledge.catalog import SAMPLE_CATALOG, SAMPLE_POLICIES_DIR, load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.models import Product
from knowledge.policies import PolicyBook
from knowledge.query import QueryParser


def sample_knowledge(dense: bool = True) -> Knowledge:
    """The sample catalog in an in-memory index (with the offline embedder unless `dense=False`).

    Built once per test process for each value of `dense`, however it is passed (positionally, by keyword
    or by default: a cache on this function alone keys those differently and rebuilt the index — seconds each time)."""
    return _sample_knowledge(bool(dense))


@cache
def _sample_knowledge(dense: bool) -> Knowledge:
    products = load_catalog(SAMPLE_CATALOG).products
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    embedder = None
    if dense:
        from knowledge.embeddings import USEEmbedder

        embedder = USEEmbedder()
    index = InMemoryProductIndex(extractor, embedder)
    index.upsert(products)
    policies = PolicyBook.load(SAMPLE_POLICIES_DIR, extractor=extractor, embedder=embedder)
    return Knowledge(index, extractor, vocabulary, QueryParser(vocabulary, extractor), policies)


def sample_products() -> dict[str, Product]:
    return {p.sku: p for p in load_catalog(SAMPLE_CATALOG).products}


def make_bot(
    tmp_path: Path,
    *,
    llm: ChatModel | None = None,
    handoff: HandoffGate | None = None,
    store: ConversationStore | None = None,
    dense: bool = True,
    **settings: object,
) -> SupportBot:
    """A SupportBot over the sample catalog; errors are raised (not apologised for) so bugs surface."""
    config = load_settings(XIAOER_DATA_DIR=str(tmp_path / "data"), **settings)
    return build_support_bot(
        config,
        knowledge=sample_knowledge(dense),
        llm=llm,
        handoff=handoff,
        store=store or InMemoryConversationStore(),
        raise_errors=True,
        use_llm=False,
    )


@dataclass
class Chat:
    """A customer in one chat, sending messages and reading the single reply to each."""

    bot: SupportBot
    chat_id: str = "chat-1"
    user_id: str = "user-1"
    role: Role = Role.CUSTOMER

    async def send(self, text: str = "", **fields: object) -> list[Outbound]:
        return await self.bot.handle(
            Inbound(chat_id=self.chat_id, user_id=self.user_id, text=text, role=self.role, **fields)
        )  # type: ignore[arg-type]

    async def say(self, text: str, **fields: object) -> Outbound:
        """Send and return the one reply to this chat (fails if there is not exactly one)."""
        out = await self.send(text, **fields)
        mine = [o for o in out if o.chat_id == self.chat_id]
        assert len(mine) == 1, f"expected exactly one reply to {text!r}, got {out}"
        return mine[0]

    async def press(self, data: str) -> Outbound:
        return await self.say("", callback_data=data)
