"""Kinds of conversation understanding fixed in session 6 (issue 12, u12-a), without a bot: superlatives over
the shown set, ambiguous references, a kind ruled out alone, colour questions with an exclusion, exclusions
written after the thing ("黑色的不要"), gift questions that are no offer questions."""

from __future__ import annotations

from bot.conversation.asks import asks_in
from bot.conversation.attribute_answers import described, timed_clause
from bot.conversation.composer import OfflineComposer
from bot.conversation.dialogue_state import DialogueState, Search
from bot.conversation.gifts import gift_picks, gift_request, liked_things
from bot.conversation.intents import Intent
from bot.conversation.kinds import kind_match
from bot.conversation.named import CatalogNames
from bot.conversation.offer_questions import find_offer_ask
from bot.conversation.ordering import Ordering, order, ordering_in
from bot.conversation.store import ChatState
from bot.conversation.understanding import Understanding, is_ambiguous_reference, understand
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.prompts import Messages
from knowledge.models import QueryFilters
from knowledge.negation import find_negations
from knowledge.ranking import passing
from tests.support.core_fixtures import sample_knowledge, sample_products

K = sample_knowledge(dense=False)
P = sample_products()
EARBUDS = ("EAR-001", "EAR-002", "EAR-003", "EAR-005", "EAR-006")
POWER_BANKS = ("CHG-011", "CHG-009", "CHG-010")


def read(
    text: str, shown: tuple[str, ...] = (), focus: str = "", search: Search | None = None
) -> Understanding:
    st = ChatState(dialogue=DialogueState(shown=shown, focus=focus, search=search or Search()))
    mentions = CatalogNames(K.index.mention_index, P.get)  # type: ignore[attr-defined]
    return understand(text, Intent.UNKNOWN, st, [P[s] for s in shown], K.parser, mentions, P.get)


def test_a_reference_that_singles_nothing_out_is_ambiguous() -> None:
    shown = [P[s] for s in EARBUDS]
    assert is_ambiguous_reference("那个多少钱", shown) and is_ambiguous_reference(
        "how much is that one", shown
    )
    assert not is_ambiguous_reference("那个多少钱", shown, focus="EAR-003")  # the one in focus
    assert not is_ambiguous_reference("那个多少钱", shown[:1])  # only one shown
    u = read("那个多少钱", EARBUDS)
    assert u.mode == "ambiguous" and [p.sku for p in u.targets] == list(EARBUDS)
    focused = read("那个多少钱", EARBUDS, focus="EAR-005")
    assert focused.mode == "reference" and [p.sku for p in focused.targets] == ["EAR-005"]
    assert [p.sku for p in read("第二个多少钱", EARBUDS).targets] == ["EAR-002"]  # an ordinal is no ambiguity


def test_which_one_lists_the_shown_titles_and_shows_no_card() -> None:
    composer = OfflineComposer(Messages(DEFAULT_PROMPTS_DIR / "replies.yaml"))
    reply = composer.which_one([P[s] for s in EARBUDS[:3]], "zh")
    assert reply.text.splitlines()[1:] == [f"{n}. {P[s].title}" for n, s in enumerate(EARBUDS[:3], 1)]
    assert not reply.cards and reply.answered
    assert "Which one" in composer.which_one([P["EAR-001"], P["EAR-002"]], "en").text


def test_the_most_expensive_of_a_list_is_ranked_within_its_main_currency() -> None:
    u = read("最贵的那个呢", POWER_BANKS)
    assert u.ordering == Ordering("price", True, True) and [p.sku for p in u.scope] == list(POWER_BANKS)
    ranked = order(u.scope, u.ordering)
    assert ranked[0][0].sku == "CHG-009" and "CHG-010" not in {p.sku for p, _ in ranked}  # $59.99 not vs ¥149
    # over a single product just named, "最便宜的那个" asks the search again (no reference to it)
    again = read("最便宜的那个呢", ("CHG-010",), focus="CHG-010", search=Search(("充电宝",)))
    assert again.mode != "reference"


def test_bigness_and_portion_words_pick_an_attribute() -> None:
    assert ordering_in("哪个最大") == Ordering("bigness", True, True)
    assert ordering_in("哪个分量最大") == Ordering("weight", True, True)
    assert ordering_in("容量最大的呢") == Ordering("capacity", True, True)  # a named attribute wins
    pots = [P[s] for s in ("POT-001", "POT-002", "POT-003", "POT-004", "POT-005")]
    assert order(pots, Ordering("bigness", True, True))[0][0].sku == "POT-004"  # 34cm
    cookers = [P["APP-001"], P["APP-002"]]
    assert order(cookers, Ordering("bigness", True, True))[0][0].sku == "APP-001"  # 4L: no size, capacity


def test_a_kind_ruled_out_alone_asks_what_instead() -> None:
    alone = read("不要耳机")
    assert alone.mode == "ruled_out" and alone.filters.exclude_categories == ("数码/耳机",)
    after = read("别推荐耳机了", EARBUDS, search=Search(("耳机",), QueryFilters(category="数码/耳机")))
    assert after.mode == "ruled_out"
    switched = read(
        "不要耳机了，看看充电宝", EARBUDS, search=Search(("耳机",), QueryFilters(category="数码/耳机"))
    )
    assert switched.mode != "ruled_out" and "充电宝" in switched.search.words
    watches = ("WAT-001", "WAT-002", "WAT-003", "WAT-004", "WAT-006")
    brand = read("不要苹果的", watches, search=Search(("智能手表",), QueryFilters(category="数码/智能手表")))
    assert brand.mode == "refined" and "Apple" in brand.filters.exclude_brands


def test_an_exclusion_written_after_the_thing() -> None:
    text = "瑜伽垫 黑色的不要"
    scopes = [n.scope_text(text) for n in find_negations(text)]
    assert scopes == ["黑色的"]
    assert K.parser.parse(text).filters.exclude_attributes == (("color", "黑色"),)
    assert find_negations("我不要") == [] and find_negations("不要了") == []


def test_other_colours_answer_without_the_excluded_one() -> None:
    composer = OfflineComposer(Messages(DEFAULT_PROMPTS_DIR / "replies.yaml"))
    u = read("除了黑色还有什么颜色", ("WAT-004",), focus="WAT-004")
    assert u.targets == (P["WAT-004"],)
    text = composer.answer(u.targets, u, "zh").text
    assert "银色" in text and "玫瑰金" in text and "亮黑色" not in text  # 亮黑色 is black too
    tees = ("TEE-001", "TEE-002", "TEE-003")
    listed = read("除了黑色还有什么颜色", tees)
    assert [p.sku for p in listed.targets] == list(tees)
    assert "黑色" not in composer.answer(listed.targets, listed, "zh").text.replace("除了黑色", "")


def test_what_to_give_is_no_question_about_a_free_gift() -> None:
    for text in ("养猫的朋友送什么好", "妈妈喜欢做饭，送什么好", "朋友爱健身 送什么好", "送点什么给爸爸"):
        assert find_offer_ask(text) is None, text
    free = find_offer_ask("会送数据线吗")
    assert free is not None and free.item == "数据线"
    assert find_offer_ask("买这个送什么吗") is not None


def test_what_the_recipient_likes_picks_the_gift() -> None:
    assert liked_things("他喜欢喝茶") == ("茶",) and liked_things("she loves hiking") == ("hiking",)
    assert liked_things("送给爱跑步的男朋友") == ("跑步",) and liked_things("给我推荐耳机") == ()
    assert gift_request("他喜欢喝茶") is None  # no present asked for in the message alone …
    later = gift_request("爸爸 他喜欢喝茶", asked=True)  # … but in a chat that asks for one
    assert later is not None and later.genders == {"男"} and "茶" in later.interests
    picks = gift_picks(list(P.values()), later)
    assert picks and all("茶饮" in p.category for p in picks)
    assert [p.in_stock for p in picks] == sorted((p.in_stock for p in picks), reverse=True)  # in stock first
    hiker = gift_request("a present for my girlfriend, she loves hiking")
    assert hiker is not None and {p.sku for p in gift_picks(list(P.values()), hiker)} & {"SUN-001", "SUN-007"}
    skincare = read("送老婆礼物，她喜欢护肤")
    assert (
        skincare.filters.category is None and "老婆" in skincare.search.gift
    )  # 护肤 is a like, not the kind
    tea = read("他喜欢喝茶", search=Search(("买点",), gift=("爸爸",)))
    assert tea.search.gift[:1] == ("爸爸",) and not tea.filters.category


def test_a_currency_asked_for_without_an_amount_is_a_filter() -> None:
    for text, code in (
        ("有没有美元标价的耳机", "USD"),
        ("anything priced in USD?", "USD"),
        ("只看人民币的", "CNY"),
        ("only yuan prices for smart watches please", "CNY"),
    ):
        assert K.parser.parse(text).filters.attributes.get("currency") == code, text
    assert "currency" not in K.parser.parse("500美元以内的耳机").filters.attributes  # an amount's unit
    priced = passing(list(P.values()), QueryFilters(attributes={"currency": "USD"}))
    assert priced and all(p.currency == "USD" for p in priced)
    u = read("anything priced in USD?")
    assert u.search_text == "" and u.filters.attributes == {"currency": "USD"}


def test_a_narrower_kind_is_its_own_synonym_group() -> None:
    assert kind_match("平底锅", P["POT-006"]) and kind_match("平底锅", P["POT-008"])  # 平底煎锅; "frying pan"
    assert not kind_match("平底锅", P["POT-002"]) and not kind_match("平底锅", P["POT-001"])  # 汤锅, 炒锅
    assert kind_match("手环", P["WAT-002"]) and not kind_match("手环", P["WAT-001"])
    assert kind_match("被罩", P["BED-007"]) and kind_match("wok", P["POT-001"])


def test_a_duration_question_quotes_the_descriptions_figure() -> None:
    assert timed_clause(P["APP-004"], "九阳豆浆机 做一壶要多久") == "早上20分钟一壶热豆浆"
    assert timed_clause(P["APP-009"], "烧开要几分钟") == "5分钟烧开一壶水"
    assert timed_clause(P["EAR-001"], "WH-1000XM5 多少钱") == ""  # no duration asked
    assert described(P["CRM-007"], ["保湿多久"]).startswith("角鲨烷加冰川糖蛋白")  # 保湿多久 asks about 保湿
    assert "attr:length" not in asks_in("保温时间多长") and "attr:length" in asks_in("刀身多长")


def test_a_brands_colour_word_asks_no_colour() -> None:
    blue = K.parser.parse("Blue Diamond 杏仁有货吗").filters
    assert blue.brand == "Blue Diamond" and "color" not in blue.attributes
    assert K.parser.parse("Blue Diamond 有蓝色的吗").filters.attributes.get("color") == "蓝色"


def test_a_dictionary_word_is_never_respelt_into_a_catalog_word() -> None:
    assert "保质期" in K.parser.fix_typos("英式早餐茶保质期多久")  # not 茶包 + 质期
    assert K.parser.fix_typos("跑布鞋") == "跑步鞋"
