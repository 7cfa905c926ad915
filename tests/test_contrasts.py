"""Distinguishing words (bot/conversation/contrasts.py): a request naming one audience or form (猫/狗, 儿童/成人,
饮料/茶叶) rules out products whose own names say another, and for a marked value keeps those that say it."""

from __future__ import annotations

from bot.conversation.contrasts import asked, excluded, kept, recipient_gender_only, without_excluded
from knowledge.models import Product


def product(sku: str, title: str, category: str = "", tags: tuple[str, ...] = ()) -> Product:
    return Product(sku=sku, title=title, category=category, tags=tags)


CAT_TREAT = product("C1", "网易严选 冻干鸡胸肉 猫零食 100g", "宠物/猫粮", ("零食",))
DOG_CHEW = product("D1", "Greenies 洁齿骨 中号 30支", "宠物/狗粮", ("零食",))
DOG_CAM = product("D2", "Furbo 360° Dog Camera", "宠物/智能用品")
FEEDER = product("P1", "小佩 智能喂食器 3L", "宠物/智能用品")
KIDS_SUN = product("S1", "资生堂 新艳阳夏 儿童防晒 SPF50+ 50ml", "美妆护肤/防晒", ("儿童",))
SUN = product("S2", "安热沙 小金瓶防晒乳 SPF50+", "美妆护肤/防晒")
BOTTLED = product("T1", "东方树叶 茉莉花茶 500ml*15瓶", "零食/茶饮", ("无糖茶", "饮料"))
LEAVES = product("T2", "西湖龙井 明前特级 250g 罐装", "零食/茶饮", ("绿茶",))
KIDS_HELMET = product("H1", "Kids Bike Helmet Ages 3-8", "骑行/头盔", ("kids helmet",))


def test_the_other_species_is_no_match_and_the_asked_one_is_kept() -> None:
    assert excluded(DOG_CHEW, "猫零食") and excluded(DOG_CAM, "cat treats")
    assert not excluded(CAT_TREAT, "猫零食") and not excluded(FEEDER, "猫零食")
    assert kept([DOG_CHEW, FEEDER, CAT_TREAT], "猫零食") == [CAT_TREAT]
    assert kept([DOG_CHEW, FEEDER], "猫零食") == [FEEDER]  # none says 猫: what is not for dogs stays


def test_age_and_recipients() -> None:
    assert excluded(KIDS_SUN, "成人用的防晒霜") and not excluded(SUN, "成人用的防晒霜")
    assert excluded(KIDS_HELMET, "送给成年男性的礼物") and excluded(KIDS_HELMET, "a gift for my dad")
    assert kept([SUN, KIDS_SUN], "给孩子用的防晒霜") == [KIDS_SUN]


def test_tea_leaves_are_not_a_bottled_drink() -> None:
    assert excluded(BOTTLED, "有没有茶叶") and excluded(BOTTLED, "loose leaf tea")
    assert not excluded(LEAVES, "有没有茶叶")
    assert kept([LEAVES, BOTTLED], "瓶装的茶饮料") == [BOTTLED]


def test_naming_both_values_asks_neither() -> None:
    assert asked("猫狗都能用的梳子") == []
    assert not excluded(DOG_CHEW, "猫狗都能吃的零食")
    assert asked("跑鞋") == []


def test_seasons_and_recipient_genders() -> None:
    winter = product("B1", "富安娜 95%白鹅绒羽绒被 冬被", "家居/床品", ("羽绒被", "冬被"))
    summer = product("B2", "博洋 大豆纤维夏凉被", "家居/床品", ("夏凉被",))
    assert excluded(winter, "有没有夏天盖的被子") and not excluded(summer, "有没有夏天盖的被子")
    womens = product("R1", "Nike Invincible 3 女子缓震跑步鞋", "运动鞋/跑步鞋", ("女款",))
    assert excluded(womens, "给老公买双跑鞋") and not excluded(LEAVES, "送妈妈茶叶")


def test_a_recipient_is_a_soft_gender_and_a_gender_word_is_not() -> None:
    assert recipient_gender_only("送妈妈茶叶") and recipient_gender_only("给老公买双跑鞋")
    assert not recipient_gender_only("女款跑鞋") and not recipient_gender_only("给老婆买双女款跑鞋")
    assert not recipient_gender_only("推荐跑鞋")


def test_a_negated_value_is_not_asked() -> None:
    assert asked("不要羽绒的") == [] and asked("not for kids") == []
    assert [v.name for v, _ in asked("有没有茶叶")] == ["leaf"]


def test_a_list_is_filtered_as_each_product_is_judged() -> None:
    every = [CAT_TREAT, DOG_CHEW, DOG_CAM, FEEDER, KIDS_SUN, SUN, BOTTLED, LEAVES, KIDS_HELMET]
    for request in (
        "猫零食",
        "cat treats",
        "成人用的防晒霜",
        "有没有茶叶",
        "猫狗都能用",
        "不要儿童款",
        "推荐一双跑鞋",
    ):
        assert without_excluded(every, request) == [p for p in every if not excluded(p, request)]
    assert without_excluded(every, "猫零食") == [
        CAT_TREAT,
        FEEDER,
        KIDS_SUN,
        SUN,
        BOTTLED,
        LEAVES,
        KIDS_HELMET,
    ]
    assert without_excluded(every, "推荐一双跑鞋") == every  # no contrast asked: all stay
