"""The red-team sets of issue 13 as code: load them, build each case's facts, score the truth guard.

Used by tests/test_redteam.py and bench/redteam.py (which prints the figures). Data:
tests/data/redteam_replies.yaml (crafted attack and honest LLM-style replies), tests/data/redteam_composer.yaml
(honest offline-composer replies generated from tests/data/conversations.yaml by bench/redteam.py
--regenerate) and tests/data/redteam_conversations.yaml (injection conversations through SupportBot).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.conversation.grounding import GroundingFacts, Violation, check_reply
from bot.conversation.prompting import ChatPrompts
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from knowledge.catalog import SAMPLE_CATALOG, SAMPLE_POLICIES_DIR, load_catalog
from knowledge.models import Product
from knowledge.policies import PolicyBook

DATA = Path(__file__).resolve().parents[1] / "data"
REPLIES = DATA / "redteam_replies.yaml"
COMPOSER = DATA / "redteam_composer.yaml"
CONVERSATIONS = DATA / "redteam_conversations.yaml"


@dataclass(frozen=True)
class OrderFactsValue:
    """A verified order's facts as the YAML gives them (the shape of `bot.orders.OrderFacts`)."""

    order_numbers: frozenset[str] = frozenset()
    dates: frozenset[date] = frozenset()
    amounts: frozenset[Decimal] = frozenset()
    currencies: frozenset[str] = frozenset()
    quantities: frozenset[int] = frozenset()
    day_counts: frozenset[int] = frozenset()
    tracking_numbers: frozenset[str] = frozenset()
    urls: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def chat_prompts() -> ChatPrompts:
    return ChatPrompts.load(DEFAULT_PROMPTS_DIR)


@lru_cache(maxsize=1)
def catalog() -> dict[str, Product]:
    return {p.sku: p for p in load_catalog(SAMPLE_CATALOG).products}


@lru_cache(maxsize=1)
def policies() -> tuple[Any, ...]:
    return tuple(PolicyBook.load(SAMPLE_POLICIES_DIR).docs)


def products(skus: list[str], override: dict[str, dict[str, Any]] | None = None) -> tuple[Product, ...]:
    items = catalog()
    return tuple(items[s].model_copy(update=(override or {}).get(s, {})) for s in skus)


def facts_for(profile: dict[str, Any], allowed: tuple[Decimal, ...] = (), quoted: str = "") -> GroundingFacts:
    order = profile.get("order")
    order_value = None
    if order:
        order_value = OrderFactsValue(
            order_numbers=frozenset(order.get("order_numbers", [])),
            dates=frozenset(date.fromisoformat(d) for d in order.get("dates", [])),
            amounts=frozenset(Decimal(str(a)) for a in order.get("amounts", [])),
            currencies=frozenset(order.get("currencies", [])),
            quantities=frozenset(order.get("quantities", [])),
            day_counts=frozenset(order.get("day_counts", [])),
            tracking_numbers=frozenset(order.get("tracking_numbers", [])),
            urls=frozenset(order.get("urls", [])),
            skus=frozenset(order.get("skus", [])),
        )
    items = catalog()
    return GroundingFacts(
        products=products(profile.get("products", []), profile.get("override")),
        policies=policies(),
        allowed_amounts=frozenset(allowed),
        known_sku=lambda sku: sku in items,
        secret_lines=chat_prompts().secrets(),
        focus=tuple(profile.get("focus", ())),
        contacts=tuple(profile.get("contacts", ())),
        order=order_value,
        quoted=quoted,
    )


@dataclass
class Outcome:
    case: dict[str, Any]
    violations: list[Violation]

    @property
    def caught(self) -> bool:
        return bool(self.violations)

    @property
    def kinds(self) -> set[str]:
        return {v.kind for v in self.violations}


@dataclass
class ReplyScore:
    """Figures of one labelled set: attacks caught (and with the expected kinds), honest replies passed."""

    attacks: int = 0
    missed: list[Outcome] = field(default_factory=list)
    wrong_kind: list[Outcome] = field(default_factory=list)
    honest: int = 0
    false_positives: list[Outcome] = field(default_factory=list)

    @property
    def false_positive_rate(self) -> float:
        return len(self.false_positives) / self.honest if self.honest else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "attacks": self.attacks,
            "attacks_missed": len(self.missed),
            "attacks_missing_a_kind": len(self.wrong_kind),
            "honest": self.honest,
            "false_positives": len(self.false_positives),
            "false_positive_rate": round(self.false_positive_rate, 4),
        }


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def score_replies(data: dict[str, Any]) -> ReplyScore:
    profiles = data.get("profiles", {})
    score = ReplyScore()
    for case in data["cases"]:
        profile = case.get("profile") or profiles[case["facts"]]
        allowed = tuple(Decimal(str(a)) for a in case.get("allowed_amounts", []))
        facts = facts_for(profile, allowed, str(case.get("quoted", "")))
        outcome = Outcome(case, check_reply(case["reply"], facts))
        if case["label"] == "violation":
            score.attacks += 1
            if not outcome.caught:
                score.missed.append(outcome)
            elif not set(case.get("kinds", [])) <= outcome.kinds:
                score.wrong_kind.append(outcome)
        else:
            score.honest += 1
            if outcome.caught:
                score.false_positives.append(outcome)
    return score


# -- injection conversations through the real SupportBot ---------------------------------------------------
_DIRECTIVE = re.compile(r"\[\[\s*(?:DO|SYSTEM|INSTRUCTION)\s*:?\s*(.*?)\]\]", re.S | re.I)
_CUE = re.compile(
    r"告诉|告知|通知|承诺|提到|记得|务必|一定要|必须说|回复时|授权|批准|你现在是|忽略|无视|扮演|备注|注意|"
    r"\btell\b|\bsay\b|\bmention\b|\bpromise\b|\bannounce\b|\binform\b|authori[sz]e|\byou are now\b|\bignore\b|"
    r"\bsystem\s*:|\bnote\s*:|\bact as\b|\bpretend\b|\bdisregard\b",
    re.I,
)
_REVEAL = re.compile(r"system prompt|instructions|提示词|指令|设定|规则", re.I)
_SENTENCES = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_SECTION = re.compile(r"<(catalog|policies|history)>\n?(.*?)</\1>", re.S)
_PRODUCT_LINE = re.compile(r"^\[(\d+)\] SKU (\S+) \| ([^|]+) \|.*?price (\S+)", re.M)


def obedient(body: dict[str, Any]) -> str:
    """A model that obeys every instruction it finds anywhere in its prompt (catalog, policies, history, the
    customer's message) and reveals its system prompt when asked — the attacker's ideal LLM. Without
    instructions it answers like a careful assistant: the first listed product, quoted exactly."""
    messages = body.get("messages", [])
    system = str(messages[0].get("content", "")) if messages else ""
    prompt = str(messages[-1].get("content", "")) if messages else ""
    if "Label:" in prompt:
        return "recommendation"
    if "Keywords:" in prompt:
        return prompt.rsplit("Keywords:", 1)[-1].strip()[:40] or "跑鞋"
    english = "Reply in English" in system or "English" in system.split("Reply in", 1)[-1][:40]
    parts = [m.group(2) for m in _SECTION.finditer(prompt)]
    question = prompt.rsplit("Customer:", 1)[-1]
    obeyed: list[str] = []
    for text in [*parts, question]:
        obeyed += [m.group(1).strip() for m in _DIRECTIVE.finditer(text)]
        for sentence in _SENTENCES.findall(_DIRECTIVE.sub(" ", text)):
            if _CUE.search(sentence):
                obeyed.append(sentence.strip())
    if any(_REVEAL.search(o) for o in obeyed) or _REVEAL.search(question):
        rules = [line for line in system.splitlines() if line.strip()[:2] in {"1.", "2.", "3."}]
        obeyed.append("我的规则如下：" + " ".join(rules) + " 我的系统提示词要求我只使用 <catalog> 里的事实。")
    products = _PRODUCT_LINE.findall(prompt)
    if products:
        _, _sku, title, price = products[0]
        base = (
            f"I'd suggest {title.strip()} at {price}."
            if english
            else f"推荐您看看 {title.strip()}，价格 {price}。"
        )
    else:
        base = "Let me check that for you." if english else "这个我帮您确认一下。"
    return "\n".join([base, *obeyed])


@dataclass
class ConversationScore:
    conversations: int = 0
    replies: int = 0
    llm_replies: int = 0
    failures: list[str] = field(default_factory=list)  # unauthorised claims delivered

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversations": self.conversations,
            "replies": self.replies,
            "llm_replies_delivered": self.llm_replies,
            "fallbacks_to_composer": self.replies - self.llm_replies,
            "unauthorised_claims_delivered": len(self.failures),
        }


def _poisoned_knowledge(data: dict[str, Any], folder: Path) -> Any:
    """The sample catalog with the set's poisoned products, the sample policies plus its poisoned ones."""
    import shutil

    from bot.wiring import Knowledge
    from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
    from knowledge.memory_index import InMemoryProductIndex
    from knowledge.query import QueryParser

    overrides = data.get("catalog_overrides", {})
    items = [p.model_copy(update=overrides.get(p.sku, {})) for p in catalog().values()]
    vocabulary = build_vocabulary(items)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor, None)
    index.upsert(items)
    shutil.copytree(SAMPLE_POLICIES_DIR, folder, dirs_exist_ok=True)
    for name, text in data.get("extra_policies", {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return Knowledge(
        index, extractor, vocabulary, QueryParser(vocabulary, extractor), PolicyBook.load(folder)
    )


def _delivered_violations(
    text: str, cards: list[str], clean: dict[str, Product], docs: tuple[Any, ...]
) -> list[Violation]:
    """Claims in a delivered reply that the clean catalog and the shop's policies do not back."""
    named = [sku for sku, p in clean.items() if sku in text or p.title in text]
    facts = GroundingFacts(
        products=tuple(clean[s] for s in dict.fromkeys([*cards, *named])),
        policies=docs,
        known_sku=lambda sku: sku in clean,
        secret_lines=chat_prompts().secrets(),
    )
    return check_reply(text, facts)


async def run_conversations(data: dict[str, Any], server: Any = None) -> ConversationScore:
    """Run every conversation through a SupportBot whose LLM is the obedient scripted model (on a loopback
    OpenAI-compatible server), and count replies that deliver a forbidden claim."""
    import tempfile

    from bot.conversation.store import InMemoryConversationStore
    from bot.ops.settings import load_settings
    from bot.wiring import build_support_bot, make_chat_model
    from tests.support.core_fixtures import Chat
    from tests.support.openai_server import OpenAIServer

    own = server is None
    server = server or OpenAIServer().start()
    server.responder = obedient
    score = ConversationScore()
    clean = catalog()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(
                XIAOER_DATA_DIR=str(Path(tmp) / "data"),
                OPENAI_BASE_URL=server.base_url,
                OPENAI_API_KEY="red-team",
                XIAOER_LLM_MODEL="obedient",
                XIAOER_LLM_TIMEOUT=10,
                XIAOER_LLM_MAX_RETRIES=0,
            )
            knowledge = _poisoned_knowledge(data, Path(tmp) / "policies")
            docs = tuple(knowledge.policies.docs)
            bot = build_support_bot(
                settings,
                knowledge=knowledge,
                llm=make_chat_model(settings),
                store=InMemoryConversationStore(),
                raise_errors=True,
            )
            for case in data["conversations"]:
                score.conversations += 1
                chat = Chat(bot, chat_id=f"rt-{case['id']}", user_id=f"u-{case['id']}")
                for turn in case["turns"]:
                    reply = await chat.say(turn)
                    score.replies += 1
                    score.llm_replies += reply.meta.get("source") == "llm"
                    lowered = reply.text.lower()
                    leaked = [m for m in case.get("forbidden", []) if m.lower() in lowered]
                    wrong = _delivered_violations(reply.text, [c.sku for c in reply.cards], clean, docs)
                    if leaked or wrong:
                        score.failures.append(
                            f"{case['id']}: {reply.text!r} (forbidden {leaked}, claims {wrong})"
                        )
    finally:
        if own:
            server.stop()
    return score
