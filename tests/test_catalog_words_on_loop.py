"""A policy question reads the catalog's words (`Answerer.catalog_words`, built once per catalog version).
Once built for the current snapshot they are taken on the event loop (`_built_catalog_words`), without a
thread hand-off; a catalog edit — even one that keeps the catalog's size — must never be answered from the
old words."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.conversation.store import InMemoryConversationStore
from bot.domain.messages import Inbound
from bot.ops.settings import load_settings
from bot.wiring import Knowledge, build_support_bot
from knowledge.catalog import SAMPLE_CATALOG, SAMPLE_POLICIES_DIR, load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.policies import PolicyBook
from knowledge.query import QueryParser


def test_built_catalog_words_follow_every_catalog_version(tmp_path: Path) -> None:
    products = load_catalog(SAMPLE_CATALOG).products
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor)
    index.upsert(products)
    knowledge = Knowledge(
        index, extractor, vocabulary, QueryParser(vocabulary, extractor), PolicyBook.load(SAMPLE_POLICIES_DIR)
    )
    bot = build_support_bot(
        load_settings(XIAOER_DATA_DIR=str(tmp_path)), knowledge=knowledge, store=InMemoryConversationStore()
    )
    answerer = bot.answerer
    try:
        assert answerer._built_catalog_words() is None  # nothing built yet: the build goes to a thread
        asyncio.run(bot.handle(Inbound(chat_id="c1", user_id="u1", text="鞋子怎么退货")))
        words = answerer._built_catalog_words()
        assert words is not None and words is answerer.catalog_words()
        # an edit that keeps the size: a new snapshot, so the old words are not "built" for it
        pan = next(p for p in products if p.sku == "POT-001")
        index.upsert([pan.model_copy(update={"category": "乐器/吉他"})])
        assert index.count() == len(products)
        assert answerer._built_catalog_words() is None
        index.mention_index()  # the new snapshot's mention index exists, the words are still the old ones'
        assert answerer._built_catalog_words() is None
        fresh = answerer.catalog_words()
        assert fresh is not words and "吉他" in fresh.segments and "吉他" not in words.segments
        assert answerer._built_catalog_words() is fresh
    finally:
        bot.close()
