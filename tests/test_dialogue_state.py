"""The dialogue state's update rules, without a bot or an LLM: references, refinement, exclusion, topic switch."""

from __future__ import annotations

from decimal import Decimal

from bot.conversation.dialogue_state import (
    DialogueState,
    Search,
    filters_from_json,
    filters_to_json,
    merge_filters,
)
from bot.conversation.intents import Intent
from bot.conversation.named import CatalogNames
from bot.conversation.store import ChatState
from bot.conversation.understanding import understand
from knowledge.models import QueryFilters
from knowledge.ranking import passing
from tests.support.core_fixtures import sample_knowledge, sample_products

K = sample_knowledge(dense=False)
P = sample_products()


def state(**fields: object) -> ChatState:
    return ChatState(dialogue=DialogueState(**fields))  # type: ignore[arg-type]


def read(text: str, st: ChatState, shown: tuple[str, ...] = (), intent: Intent = Intent.UNKNOWN, kinds=None):  # type: ignore[no-untyped-def]
    mentions = CatalogNames(K.index.mention_index, P.get)  # type: ignore[attr-defined]
    return understand(
        text, intent, st, [P[s] for s in shown], K.parser, mentions, P.get, kinds or (lambda words: None)
    )


def test_refinement_keeps_the_search_and_adds_the_constraint() -> None:
    base = Search(("跑鞋",), QueryFilters(max_price=Decimal("400"), category="运动鞋/跑步鞋"))
    st = state(shown=("RUN-021", "RUN-011"), search=base)
    u = read("有没有42码的", st, ("RUN-021", "RUN-011"))
    assert u.mode == "refined" and u.filters.max_price == Decimal("400")
    assert u.filters.attributes.get("size") == "42" and u.filters.category == "运动鞋/跑步鞋"


def test_a_new_category_is_a_topic_switch_that_drops_the_brand() -> None:
    base = Search(("篮球鞋",), QueryFilters(category="运动鞋/篮球鞋", brand="李宁"))
    u = read("换个话题，敏感肌用什么面霜好", state(shown=("BSK-003",), search=base), ("BSK-003",))
    assert u.mode == "fresh" and u.filters.brand is None and "面霜" in (u.filters.category or "")


def test_words_of_another_kind_switch_and_words_of_the_same_kind_refine() -> None:
    base = Search(("咖啡机",), QueryFilters(category="厨房/小家电"))
    st = state(shown=("APP-007",), search=base)
    kinds = {"枕头": "家居/床品", "意式": "厨房/小家电"}.get
    assert read("话说你们卖不卖枕头", st, ("APP-007",), kinds=lambda w: kinds(w.split()[0])).mode == "fresh"
    assert read("要意式的", st, ("APP-007",), kinds=lambda w: kinds(w.split()[0])).mode == "refined"


def test_exclusion_is_not_a_positive_filter_and_accumulates() -> None:
    base = Search(("跑鞋",), QueryFilters(category="运动鞋/跑步鞋"))
    u = read("不要李宁的", state(shown=("RUN-005",), search=base), ("RUN-005",))
    assert u.filters.brand is None and "李宁" in u.filters.exclude_brands and u.mode == "refined"
    shoes = [P["RUN-005"], P["RUN-001"], P["RUN-012"]]
    assert passing(shoes, u.filters.exclusions_only()) == shoes[1:]
    again = read("也不要耐克的", state(shown=("RUN-001",), search=u.search), ("RUN-001",))
    assert {"李宁", P["RUN-001"].brand} <= set(again.filters.exclude_brands) and again.mode == "refined"
    assert passing(shoes, again.filters.exclusions_only()) == shoes[2:]


def test_references_pick_from_what_was_shown() -> None:
    st = state(shown=("EAR-010", "EAR-001"), compared=("EAR-010", "EAR-001"))
    assert [p.sku for p in read("第二个有银色吗", st, ("EAR-010", "EAR-001")).targets] == ["EAR-001"]
    pair = state(shown=("EAR-003", "EAR-002"), compared=("EAR-003", "EAR-002"))
    assert [p.sku for p in read("便宜的那个有货吗", pair, ("EAR-003", "EAR-002")).targets] == ["EAR-002"]
    focus = state(shown=("WAT-001",), focus="WAT-001")
    assert [p.sku for p in read("它防水吗", focus, ("WAT-001",)).targets] == ["WAT-001"]
    assert [p.sku for p in read("is that one in stock?", focus, ("WAT-001",)).targets] == ["WAT-001"]


def test_named_products_come_before_references_and_two_names_compare() -> None:
    u = read("AirPods Pro 2 和 FreeBuds Pro 4 哪个续航长", state())
    assert u.intent is Intent.COMPARISON and [p.sku for p in u.targets] == ["EAR-003", "EAR-005"]
    one = read("它和AirPods Pro 2比哪个好", state(shown=("EAR-002",), focus="EAR-002"), ("EAR-002",))
    assert one.intent is Intent.COMPARISON and {p.sku for p in one.targets} == {"EAR-002", "EAR-003"}


def test_superlative_over_the_shown_set() -> None:
    st = state(shown=("APP-005", "APP-006"), search=Search(("空气炸锅",)))
    u = read("哪个最便宜", st, ("APP-005", "APP-006"))
    assert u.ordering is not None and u.ordering.attribute == "price" and len(u.scope) == 2


def test_state_rules_and_json_round_trip() -> None:
    d = DialogueState().shown_products(("A", "B", "C")).about(("B",))
    assert d.shown == ("A", "B", "C") and d.focus == "B"
    d = d.about(("A", "C"))
    assert d.compared == ("A", "C")
    merged = merge_filters(
        QueryFilters(max_price=Decimal("500"), brand="Nike"), QueryFilters(attributes={"color": "黑色"})
    )
    assert (
        merged.max_price == Decimal("500")
        and merged.brand == "Nike"
        and merged.attributes == {"color": "黑色"}
    )
    assert filters_from_json(filters_to_json(merged)) == merged
    again = DialogueState.from_json(d.searched(Search(("跑鞋",), merged)).to_json())
    assert again.search.filters == merged and again.compared == ("A", "C")
    assert ChatState.from_json(ChatState(dialogue=again).to_json()).dialogue == again


# -- session 4: topic switch, department words, exclusion against a constraint, coreference, count words -----
def test_a_category_after_a_list_of_one_kind_is_a_new_search() -> None:
    """ "2-3k 的手表" after power banks: the shown list shares a category (充电器), the watch is another one."""
    st = state(shown=("CHG-011", "CHG-009", "CHG-010"), search=Search(("充电宝",)))
    u = read("2-3k 的手表", st, ("CHG-011", "CHG-009", "CHG-010"))
    assert u.mode == "fresh" and u.search.words == ("手表",) and "智能手表" in (u.filters.category or "")
    assert u.filters.min_price == Decimal("2000") and u.filters.max_price == Decimal("3000")
    mixed = state(shown=("CHG-005", "EAR-003", "WAT-004"), search=Search(("苹果",)))  # a brand-wide list
    assert read("手表呢", mixed, ("CHG-005", "EAR-003", "WAT-004")).mode == "refined"


def test_department_words_are_category_filters_with_exclusions() -> None:
    for text, department, excluded in (
        ("除了耳机还有什么数码产品", "数码", "数码/耳机"),
        ("any electronics besides headphones?", "数码", "数码/耳机"),
        ("除了跑鞋还有什么运动装备", "运动户外", "运动鞋/跑步鞋"),
        ("除了面霜还有什么护肤品", "美妆护肤", "美妆护肤/面霜"),
    ):
        filters = K.parser.parse(text).filters
        assert filters.category == department and filters.exclude_categories == (excluded,), text
    assert K.parser.parse("厨房用品有哪些").filters.category == "厨房"


def test_an_exclusion_replaces_the_constraint_it_rules_out() -> None:
    base = Search(("耳机",), QueryFilters(category="数码/耳机", brand="小米", max_price=Decimal("1000")))
    u = read("what about without Xiaomi", state(shown=("EAR-007", "EAR-008"), search=base), ("EAR-007",))
    assert u.filters.brand is None and "小米" in u.filters.exclude_brands
    assert u.filters.max_price == Decimal("1000") and u.filters.category == "数码/耳机"
    back = merge_filters(u.filters, QueryFilters(brand="小米"))
    assert back.brand == "小米" and "小米" not in back.exclude_brands


def test_coreference_by_attribute_value_and_comparatives_over_the_shown_list() -> None:
    shown = ("CHG-001", "CHG-002", "CHG-004", "CHG-003", "CHG-008")
    st = state(shown=shown, search=Search(("充电器",), QueryFilters(category="数码/充电器")))
    for text in ("100w的那个多少钱", "100W那款有货吗", "how much is the 100W one?"):
        assert [p.sku for p in read(text, st, shown).targets] == ["CHG-002"], text
    lighter = read("哪个功率更大", st, shown)
    assert lighter.ordering is not None and lighter.ordering.attribute == "power"
    assert [p.sku for p in lighter.scope] == list(shown)  # the whole list, not its first two
    pair = state(shown=("APP-008", "APP-007"))
    both = read("这两个哪个好", pair, ("APP-008", "APP-007"))
    assert both.intent is Intent.COMPARISON and {p.sku for p in both.targets} == {"APP-007", "APP-008"}


def test_compatibility_questions_are_about_the_product_in_focus() -> None:
    focus = state(shown=("CHG-001",), focus="CHG-001")
    for text, thing in (
        ("iphone能用吗", "iphone"),
        ("能给安卓手机充吗", "安卓手机"),
        ("will it work with my iPhone?", "iPhone"),
    ):
        u = read(text, focus, ("CHG-001",))
        assert [p.sku for p in u.targets] == ["CHG-001"] and u.compatible_with == thing, text


def test_count_words_are_never_the_searched_product() -> None:
    for text in (
        "便宜点的跑鞋有几款",
        "坚果有多少种",
        "李宁的篮球鞋有哪几款",
        "how many yoga mats do you have?",
    ):
        u = read(text, state())
        assert not {"几款", "多少种", "哪几款", "how", "many"} & set(u.search.words), (text, u.search.words)


def test_a_which_question_after_a_comparison_stays_on_the_pair() -> None:
    pair = ("WAT-005", "WAT-006")
    st = state(shown=pair, compared=pair)
    for text in ("续航哪个长", "哪个降噪好", "which one is waterproof"):
        u = read(text, st, pair)
        assert u.intent is Intent.COMPARISON and [p.sku for p in u.targets] == list(pair), text
    assert read("那耳机呢", st, pair, kinds=lambda w: "数码/耳机" if "耳机" in w else None).targets == ()


def test_a_price_or_colour_question_about_a_short_list_answers_each_product() -> None:
    shown = ("TEA-004", "TEA-001")
    st = state(shown=shown, search=Search(("送礼", "茶叶")))
    u = read("价格多少", st, shown)
    assert u.intent is Intent.PRODUCT_QUESTION and [p.sku for p in u.targets] == list(shown)
    assert read("有没有黑色的", st, shown).targets == ()  # a colour value refines the search


def test_budget_fillers_are_not_search_words() -> None:
    st = state(shown=("EAR-001", "EAR-002"), search=Search(("耳机",)))
    u = read("预算一千以内", st, ("EAR-001", "EAR-002"))
    assert "预算" not in u.search.words and u.filters.max_price == Decimal(1000)


def test_the_issue_survives_the_json_round_trip() -> None:
    d = DialogueState(issue="收到的面霜瓶子碎了")
    assert DialogueState.from_json(d.to_json()).issue == "收到的面霜瓶子碎了"
    assert DialogueState.from_json({}).issue == ""
