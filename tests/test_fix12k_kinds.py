"""Kinds of conversation understanding fixed in session 8 (issue 12, fix12-k), without a bot: a bare "便宜点"
after a list is the same search cheapest first, a kind ruled out inside a wider search narrows it, and a product named
against the two shown is compared with the other one."""

from __future__ import annotations

from bot.conversation.dialogue_state import DialogueState, Search
from bot.conversation.intents import Intent
from bot.conversation.named import CatalogNames
from bot.conversation.store import ChatState
from bot.conversation.understanding import Understanding, shared_features, understand
from knowledge.models import QueryFilters
from tests.support.core_fixtures import sample_knowledge, sample_products

K = sample_knowledge(dense=False)
P = sample_products()


def read(text: str, shown: tuple[str, ...] = (), search: Search | None = None) -> Understanding:
    st = ChatState(dialogue=DialogueState(shown=shown, search=search or Search()))
    mentions = CatalogNames(K.index.mention_index, P.get)  # type: ignore[attr-defined]
    return understand(text, Intent.UNKNOWN, st, [P[s] for s in shown], K.parser, mentions, P.get)


def test_a_bare_cheaper_after_a_list_is_the_same_search_cheapest_first() -> None:
    # answer.py says "nothing cheaper" when that search finds only what was shown (k12-refine-001)
    mats = Search(("瑜伽垫",), QueryFilters(category="运动户外/瑜伽"))
    u = read("便宜点", ("YOG-001", "YOG-002"), mats)
    assert u.mode == "refined" and u.cheap_first


def test_a_kind_ruled_out_inside_a_wider_search_narrows_it() -> None:
    digital = Search(("数码",), QueryFilters(category="数码", exclude_categories=("数码/耳机",)))
    u = read("不要充电器", ("CHG-001", "WAT-001", "CHG-002"), digital)
    assert u.mode != "ruled_out"
    assert {"数码/耳机", "数码/充电器"} <= set(u.filters.exclude_categories)
    assert u.filters.category == "数码"


def test_a_product_named_against_the_two_shown_is_compared_with_the_other() -> None:
    u = read("和 WF-1000XM5 比哪个续航长", ("EAR-002", "EAR-001"))
    assert u.intent is Intent.COMPARISON
    assert [p.sku for p in u.targets] == ["EAR-001", "EAR-002"]


def test_cheaper_than_noise_cancelling_earbuds_keeps_noise_cancelling() -> None:
    assert shared_features([P["EAR-001"], P["EAR-002"], P["EAR-012"]]) == ("noise_cancelling",)
    assert shared_features([P["EAR-001"], P["EAR-018"]]) == ()  # the open earbuds say 否
    assert shared_features([P["EAR-001"]]) == ()  # one product is no "like these"
    u = read("便宜一点的呢", ("EAR-001", "EAR-002"), Search(("耳机",), QueryFilters(category="数码/耳机")))
    assert u.mode == "cheaper" and u.features == ("noise_cancelling",)
