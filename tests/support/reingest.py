"""Re-ingest scenarios (tests/data/reingest_cases.yaml): what the bot says after the catalog or the policies change.

The bot keeps per-catalog and per-policy work between messages (bullet parsing, scope words, catalog words,
kind tables, neutralised catalog text, prompt blocks). A case asks a question, edits the data the way a
re-ingest does — products upserted into the LIVE index (`xiaoer ingest` on a running shop), policy files
rewritten and loaded again (policies are read at start-up) — and asks again in a fresh chat. The oracle is a
COLD bot built from nothing but the edited data in this same process: the warm bot must answer exactly as the
cold one, and differently from before the edit (else the case tests nothing).
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.conversation.core import SupportBot
from bot.conversation.store import InMemoryConversationStore
from bot.domain.messages import Inbound
from bot.llm.scripted import RecordedCall, ScriptedChatModel
from bot.ops.settings import load_settings
from bot.wiring import Knowledge, build_support_bot
from knowledge.catalog import SAMPLE_CATALOG, SAMPLE_POLICIES_DIR, load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.models import Product
from knowledge.policies import PolicyBook
from knowledge.query import QueryParser
from knowledge.vocabulary import Vocabulary
from knowledge.yaml_data import load_yaml

CASES = Path(__file__).resolve().parents[1] / "data" / "reingest_cases.yaml"
LLM_REPLY = "好的，我来为您说明。"  # the scripted model's answer: what is checked is the prompt it was given


@dataclass
class Case:
    name: str
    ask: str
    policy: list[dict[str, str]] = field(default_factory=list)  # {file, old, new}: text replaced in a file
    products: list[dict[str, Any]] = field(default_factory=list)  # {sku, <field>: value}: product edits
    rename: list[dict[str, str]] = field(default_factory=list)  # {category, to}: a category renamed
    llm: bool = False  # check the LLM prompt's values instead of the offline reply
    after: list[str] = field(default_factory=list)  # what the reply (or prompt) must say after the edit
    gone: list[str] = field(default_factory=list)  # what it must no longer say


def load_cases(path: Path = CASES) -> list[Case]:
    return [Case(**raw) for raw in load_yaml(path.read_text(encoding="utf-8"))]


def edited_products(products: list[Product], case: Case) -> list[Product]:
    """The products the case's edits change (same SKUs: the catalog keeps its size)."""
    by_sku = {p.sku: p for p in products}
    changed: dict[str, Product] = {}
    for rename in case.rename:
        renamed = [p for p in products if p.category == rename["category"]]
        assert renamed, f"no product in {rename['category']!r}"
        changed |= {p.sku: p.model_copy(update={"category": rename["to"]}) for p in renamed}
    for edit in case.products:
        values = {k: v for k, v in edit.items() if k != "sku"}
        if "tags" in values:
            values["tags"] = tuple(values["tags"])
        if "price" in values:
            values["price"] = Decimal(str(values["price"]))
        base = changed.get(edit["sku"], by_sku[edit["sku"]])
        changed[edit["sku"]] = base.model_copy(update=values)
    return list(changed.values())


def write_policies(target: Path, edits: list[dict[str, str]]) -> Path:
    """A copy of the sample policies with the edits applied (each `old` must occur in its file)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(SAMPLE_POLICIES_DIR, target)
    for edit in edits:
        path = target / edit["file"]
        text = path.read_text(encoding="utf-8")
        assert edit["old"] in text, f"{edit['old']!r} is not in {edit['file']}"
        path.write_text(text.replace(edit["old"], edit["new"]), encoding="utf-8")
    return target


@functools.cache
def _words() -> tuple[Vocabulary, JiebaKeywordExtractor]:
    """The sample catalog's vocabulary and extractor (what the bot started with; built once per process)."""
    vocabulary = build_vocabulary(load_catalog(SAMPLE_CATALOG).products)
    return vocabulary, JiebaKeywordExtractor(vocabulary)


class Shop:
    """A bot over an in-memory index (keywords only: fast) of the sample catalog and a policy folder."""

    def __init__(self, tmp: Path, products: list[Product], policies: Path, llm: bool) -> None:
        vocabulary, extractor = _words()  # a running bot keeps the vocabulary it started with
        self.index = InMemoryProductIndex(extractor)
        self.index.upsert(products)
        self.tmp, self.extractor, self.vocabulary = tmp, extractor, vocabulary
        self.llm = ScriptedChatModel(lambda call: LLM_REPLY) if llm else None
        self.bot = self.build(policies)
        self.chats = 0

    def build(self, policies: Path) -> SupportBot:
        """(Re)start the bot on the same live index with the policy files in `policies`."""
        book = PolicyBook.load(policies, extractor=self.extractor)
        knowledge = Knowledge(
            self.index, self.extractor, self.vocabulary, QueryParser(self.vocabulary, self.extractor), book
        )
        settings = load_settings(XIAOER_DATA_DIR=str(self.tmp / "data"))
        self.bot = build_support_bot(
            settings,
            knowledge=knowledge,
            llm=self.llm,
            store=InMemoryConversationStore(),
            raise_errors=True,
            use_llm=self.llm is not None,
        )
        return self.bot

    async def ask(self, text: str) -> str:
        """The reply to `text` in a fresh chat (or, with the scripted LLM, the values of its last prompt)."""
        self.chats += 1
        chat = f"reingest-{self.chats}"
        out = await self.bot.handle(Inbound(chat_id=chat, user_id=chat, text=text))
        if self.llm is not None:
            call: RecordedCall = self.llm.calls[-1]
            return _values_text(call.values)
        mine = [o for o in out if o.chat_id == chat]
        cards = [
            f"[{c.sku}] {c.title} {c.price_text} {c.stock_text or ''} {c.summary}"
            for o in mine
            for c in o.cards
        ]
        return "\n".join([*(o.text for o in mine), *cards])


def _values_text(values: Mapping[str, str]) -> str:
    return "\n".join(f"{key}: {values[key]}" for key in ("products", "policies") if key in values)


async def run_case(case: Case, tmp: Path) -> tuple[str, str, str]:
    """(before, warm after, cold after) for one case."""
    products = load_catalog(SAMPLE_CATALOG).products
    shop = Shop(tmp / "warm", products, SAMPLE_POLICIES_DIR, case.llm)
    before = await shop.ask(case.ask)
    changed = edited_products(products, case)
    if changed:
        shop.index.upsert(changed)  # a live re-ingest: the running bot sees the new snapshot
    policies = write_policies(tmp / "policies", case.policy) if case.policy else SAMPLE_POLICIES_DIR
    if case.policy:
        shop.build(policies)  # policy files are read at start-up: a restart on the same process caches
    warm = await shop.ask(case.ask)
    by_sku = {p.sku: p for p in changed}
    cold_shop = Shop(tmp / "cold", [by_sku.get(p.sku, p) for p in products], policies, case.llm)
    cold = await cold_shop.ask(case.ask)
    return before, warm, cold
