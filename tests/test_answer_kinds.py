"""Attribute answers, after-sales bullet scope, English kind words inside Chinese, and replies in the customer's
script — each over the bundled demo catalog and policies (no bot needed)."""

from __future__ import annotations

import pytest

from bot.conversation.asks import ATTRIBUTE_WORDS, attribute_asks
from bot.conversation.attribute_answers import as_boolean, attribute_lines, mentions, value_lines
from bot.conversation.cards import Phrases
from bot.conversation.kind_words import kind_phrase_spans, native_kinds
from bot.conversation.kinds import titled_as_other, titled_as_other_kind
from bot.conversation.policy_scope import CatalogWords, pick, problem_topics
from bot.domain.language import outbound_in_script
from bot.domain.messages import Button, Outbound, ProductCard
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.prompts import Messages
from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.models import PolicyHit
from knowledge.policies import PolicyBook, bullets_of
from knowledge.traditional import script_evidence
from tests.support.core_fixtures import sample_products

PRODUCTS = sample_products()
MESSAGES = Messages(DEFAULT_PROMPTS_DIR / "replies.yaml")
ZH, EN = Phrases(MESSAGES, "zh"), Phrases(MESSAGES, "en")
CATALOG = CatalogWords(PRODUCTS.values())
DOCS = PolicyBook.load(SAMPLE_POLICIES_DIR).docs


def test_english_ask_words_are_whole_words() -> None:
    assert "attr:stove" not in attribute_asks("Pegasus 41 重多少克")  # "gas" inside "Pegasus"
    assert "attr:stove" in attribute_asks("does it work on gas?")
    assert "attr:noise_cancelling" in attribute_asks("does it have noise cancelling?")
    assert not mentions("I know", "no") and mentions("no, thanks", "no")


def test_a_yes_no_attribute_is_said_as_a_word_in_the_chat_language() -> None:
    airpods = PRODUCTS["EAR-003"]
    assert as_boolean("是") is True and as_boolean("no") is False and as_boolean("5ATM") is None
    (zh,) = attribute_lines(ZH, airpods, ["noise_cancelling"], ATTRIBUTE_WORDS)
    assert "支持降噪" in zh and "：是" not in zh
    (en,) = attribute_lines(EN, PRODUCTS["EAR-013"], ["noise_cancelling"], ATTRIBUTE_WORDS)
    assert en.startswith("Yes") and "noise cancelling" in en and ": yes" not in en


def test_an_absent_attribute_says_so_once_and_offers_a_colleague() -> None:
    lines = attribute_lines(ZH, PRODUCTS["CHG-009"], ["weight", "weight"], ATTRIBUTE_WORDS)
    assert len(lines) == 1 and "没有写" in lines[0] and "/human" in lines[0]


def test_value_questions_answer_yes_or_no_and_a_naming_value_is_not_asked() -> None:
    pan = PRODUCTS["POT-001"]
    lines, answered = value_lines(ZH, pan, ["value:stove:电磁炉"])
    assert answered == {"stove"} and lines[0].startswith("可以") and "电磁炉" in lines[0]
    lines, _ = value_lines(ZH, PRODUCTS["CHG-011"], ["value:capacity:20000mAh"])
    assert "包括" not in lines[0] and lines[0].count("20000mAh") == 2  # title + the value, said once


def hit(topic: str, index: int, language: str = "zh") -> PolicyHit:
    doc = next(d for d in DOCS if d.topic == topic and d.language == language)
    bullet = bullets_of(doc)[index]
    return PolicyHit(topic, bullet.title, bullet.text, language, 1.0, bullet.label, index)


def twins() -> dict[tuple[str, int], list[object]]:
    out: dict[tuple[str, int], list[object]] = {}
    for doc in DOCS:
        for bullet in bullets_of(doc):
            out.setdefault((bullet.topic, bullet.index), []).append(bullet)
    return out


def test_the_item_category_picks_its_own_bullet_in_either_language() -> None:
    for language in ("zh", "en"):
        hits = [
            hit("warranty", i, language) for i in range(6)
        ]  # digital, kitchen, cookware, shoes, not covered …
        earphones = pick(hits, "耳机保修多久", CATALOG.item("耳机保修多久"), CATALOG, 3, twins())  # type: ignore[arg-type]
        assert [h.index for h in earphones][:1] == [0] and not {1, 2, 3} & {h.index for h in earphones}
        pan = pick(hits, "炒锅涂层掉了", CATALOG.item("炒锅涂层掉了"), CATALOG, 3, twins())  # type: ignore[arg-type]
        assert pan[0].index == 2 and not {0, 1, 3} & {h.index for h in pan}


def test_the_kind_of_problem_orders_the_topics() -> None:
    assert problem_topics("收到的锅是凹的") == ("returns", "warranty")
    assert problem_topics("The pan I received is dented") == ("returns", "warranty")
    assert problem_topics("用了两个月充不进电") == ("warranty", "returns")
    assert CATALOG.item("智能手錶的保固".replace("錶", "表")).paths == frozenset({"数码/智能手表"})


def test_english_kind_words_inside_chinese_read_as_the_catalog_kind() -> None:
    assert "空气炸锅" in native_kinds("想买个 air fryer") and "air" not in native_kinds("想买个 air fryer")
    assert "充电宝" in native_kinds("有没有 power bank 推荐")
    assert native_kinds("an air fryer please") == "an air fryer please"  # English messages are left alone
    assert kind_phrase_spans("想买个 Air Fryer") == [(4, 13)]


def test_cards_and_buttons_follow_the_customers_script() -> None:
    card = ProductCard(
        sku="EAR-015",
        title="骨传导运动耳机",
        summary="跑步时能听到路况",
        buttons=(Button("详情", "d:EAR-015"),),
    )
    out = outbound_in_script(
        Outbound("c", text="为您挑了这几款", cards=(card,), buttons=(Button("转人工"),)), "hant"
    )
    assert out.text == "為您挑了這幾款"  # the common Taiwan/HK form, not OpenCC's standard 爲
    shown = [out.cards[0].title, out.cards[0].summary, out.cards[0].buttons[0].label, out.buttons[0].label]
    assert all(script_evidence(text)[1] == 0 for text in shown)
    assert out.cards[0].buttons[0].data == "d:EAR-015"


def test_a_zi_word_names_the_kinds_ending_in_its_root_and_english_kinds_are_read() -> None:
    from bot.conversation.kind_words import english_kinds

    shoes = CATALOG.item("鞋子开胶了").paths
    assert shoes and all("鞋" in path for path in shoes)  # 跑步鞋, 篮球鞋: never 数码
    assert CATALOG.currency == "CNY"  # most of the demo catalog's prices
    pans = " ".join(kind for _, _, kind in english_kinds("what's the warranty on pans?"))
    assert CATALOG.item("锅具").paths <= CATALOG.item(pans).paths
    assert any("锅具" in path for path in CATALOG.item(pans).paths)


def test_kind_catalog_finds_what_titled_kind_and_in_category_find() -> None:
    """`KindCatalog.of_kind` (names folded once per catalog) = the per-product checks, word for word: kind
    words, synonyms, 子-roots, English, Traditional script, a modifier ("防晒袖套"), words no product has."""
    from bot.conversation.kinds import KindCatalog, in_category, titled_kind

    extra = [
        next(iter(PRODUCTS.values())).model_copy(
            update={"sku": "X-QUILT", "title": "蠶絲被 200x230", "tags": ("床品",)}
        ),
        next(iter(PRODUCTS.values())).model_copy(
            update={"sku": "X-SLEEVE", "title": "冰丝防晒袖套", "tags": ("防晒",)}
        ),
    ]
    products = [*PRODUCTS.values(), *extra]
    words = {w for p in products for w in (*p.tags, *p.category.split("/"), *p.title.split())}
    words |= {
        "被子",
        "裤子",
        "杯子",
        "耳机",
        "防晒",
        "充电头",
        "running shoes",
        "laptop",
        "笔记本电脑",
        "自行车",
    }
    catalog = KindCatalog(products)
    for word in sorted(w for w in words if w):
        expected = [p for p in products if titled_kind(word, p) or in_category(word, p)]
        assert catalog.of_kind(word) == expected, word
        assert catalog.of_kind(word) == expected, word  # the kept result
    assert "X-QUILT" in {p.sku for p in catalog.of_kind("被子")}  # 蠶絲被: Traditional, by its 子-root


def test_an_outdoor_shop_gets_the_clothing_rule_and_never_the_kitchen_ones() -> None:
    """A shop with no kitchen: its 冲锋衣 is covered by 鞋服, its 水具 is no 锅具, and the bullets for kinds it
    does not sell (厨房小家电, 锅具) are scoped to those kinds, not rules for every item."""
    from knowledge.models import Product

    outdoor = CatalogWords(
        [
            Product(sku="J1", title="北面 冲锋衣", category="户外/冲锋衣", tags=("冲锋衣",)),
            Product(sku="C1", title="膳魔师 保温杯", category="户外/水具", tags=("保温杯",)),
        ]
    )
    hits = [
        hit("warranty", i) for i in range(6)
    ]  # digital, kitchen, cookware, shoes & clothing, not covered …
    jacket = pick(hits, "冲锋衣开线了", outdoor.item("冲锋衣开线了"), outdoor, 3, twins())  # type: ignore[arg-type]
    assert 3 in {h.index for h in jacket} and not {0, 1, 2} & {h.index for h in jacket}
    cup = pick(hits, "保温杯不保温了", outdoor.item("保温杯不保温了"), outdoor, 3, twins())  # type: ignore[arg-type]
    assert not {0, 1, 2, 3} & {h.index for h in cup}


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (
            "我买的锅涂层掉了",
            "厨房/锅具",
        ),  # most catalog words ending in 锅 are cookware (空气炸锅 is one appliance)
        ("收到的被子开线了", "家居/床品"),
        ("这个好用吗", None),  # 个 + 好: no kind of item
    ],
)
def test_a_one_character_item_names_the_kind_most_of_its_words_are(text: str, path: str | None) -> None:
    assert CATALOG.item(text).paths == (frozenset({path}) if path else frozenset())


def test_a_title_naming_another_kind_is_not_of_the_category_kind() -> None:
    power_bank, charger, sleeves = PRODUCTS["CHG-010"], PRODUCTS["CHG-002"], PRODUCTS["SUN-006"]
    assert titled_as_other_kind("充电头", power_bank)  # "Power Bank" filed under 充电器
    assert not titled_as_other_kind("充电头", charger)  # "… 氮化镓充电器" names the word itself
    assert titled_as_other_kind("sunscreen", sleeves) is False  # 防晒 is in its title: titled_as_other's case
    assert titled_as_other("sunscreen", sleeves)
