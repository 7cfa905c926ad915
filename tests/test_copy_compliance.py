"""The advertising-law checker on real forbidden phrases, ordinary words that must pass, and its repairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.copywriting.compliance import ComplianceChecker
from bot.domain.errors import PromptFileError
from bot.ops.settings import DEFAULT_PROMPTS_DIR

WORDS = DEFAULT_PROMPTS_DIR / "copy" / "forbidden_words.yaml"
CHECKER = ComplianceChecker.load(WORDS, extra_avoid=("秒杀",))

# Phrases of the kind market regulators have fined shops for (absolute terms, state authority, medical and
# efficacy claims), as they appear in real listings, with the term the checker must report.
REAL_VIOLATIONS = [
    ("全网最低价，手慢无", "全网最低价"),
    ("史上最低价清仓", "史上最低价"),
    ("销量第一的网红面膜", "销量第一"),
    ("本品是行业第一品牌", "行业第一"),
    ("最佳选择，闭眼入", "最佳"),
    ("这是市面上最好的枕头", "最好"),
    ("最舒适的跑鞋", "最"),
    ("最受欢迎的款式", "最"),
    ("最先进的降噪技术", "最先进"),
    ("国家级品质认证", "国家级"),
    ("世界级工艺打造", "世界级"),
    ("顶级面料，奢华享受", "顶级"),
    ("极致轻薄，仅重200g", "极致"),
    ("100%好评，放心购买", "100%"),
    ("百分百纯天然", "百分百"),
    ("绝对正品，假一赔十", "绝对"),
    ("万能清洁剂，一瓶搞定", "万能"),
    ("居家旅行首选", "首选"),
    ("独家配方", "独家"),
    ("史无前例的优惠", "史无前例"),
    ("永久不褪色", "永久"),
    ("唯一指定合作伙伴", "唯一"),
    ("行业领先的主动降噪", "行业领先"),
    ("可治疗失眠的枕头", "治疗"),
    ("根治脚气，一次见效", "根治"),
    ("药用级别的护手霜", "药用"),
    ("美白淡斑精华液", "美白"),
    ("七天祛斑，重现光彩", "祛斑"),
    ("抗癌养生茶", "抗癌"),
    ("喝了就能减肥的代餐粉", "减肥"),
    ("包治百病的神奇茶饮", "包治百病"),
    ("降血压降血糖，中老年必备", "降血压"),
    ("增强免疫力的蜂蜜", "增强免疫力"),
    ("The best in the world running shoes", "The best in the world"),
    ("Our world's best coffee beans", "world's best"),
    ("Number one choice of nurses", "Number one"),
    ("#1 best-selling earbuds", "#1"),
    ("A guaranteed cure for back pain", "guaranteed cure"),
    ("100% effective against wrinkles", "100% effective"),
    ("This miracle cream erases lines", "miracle"),
    ("Cures insomnia naturally", "Cures"),
    ("秒杀价，只要九块九", "秒杀"),  # the brand voice's own avoid-list
]

# Ordinary words that contain a listed term but are no claim at all.
ORDINARY = [
    "最近很多顾客问起这款",
    "最后一件，售完即止",
    "最终解释权归本店所有",
    "最初的设计灵感来自海边",
    "最多可放 12 本杂志",
    "最少起订 2 件",
    "机洗时最好不要用热水",
    "主动降噪最高52dB",
    "续航最长可达 30 小时",
    "第一次穿就很合脚",
    "第一眼就喜欢上了",
    "第一步：清洁面部",
    "100%棉，亲肤透气",
    "面料为100% 桑蚕丝",
    "100%新疆长绒棉",
    "Made of 100% cotton",
    "Best suited for daily runs",  # 'best' alone is not on the list
    "A cured-leather strap",
    "Perfect for hiking",
    "Cushioned #10mm mat",
    "#100W charger",
    "No. 10 size",
]


def test_the_list_has_at_least_thirty_real_examples() -> None:
    assert len(REAL_VIOLATIONS) >= 30
    assert sum(1 for text, _ in REAL_VIOLATIONS if text.isascii()) >= 8


@pytest.mark.parametrize(("text", "term"), REAL_VIOLATIONS)
def test_real_forbidden_phrases_are_found_and_fixed(text: str, term: str) -> None:
    hits = CHECKER.find(text)
    assert term in [hit.matched for hit in hits]
    fixed, flags = CHECKER.fix(text, where="text")
    assert not CHECKER.find(fixed), fixed
    assert fixed.strip() and len(flags) == len(hits)
    assert all(flag.type.startswith("compliance.") and flag.where == "text" for flag in flags)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_words_are_not_flagged(text: str) -> None:
    assert CHECKER.find(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这是最舒适的鞋子", "这是舒适的鞋子"),
        ("全网最低价，销量第一！", "实惠价，热销！"),
        ("顶级面料，极致舒适。", "优质面料，出色舒适。"),
        ("国家级品质，值得信赖。", "品质，值得信赖。"),
        ("This is the best jacket. Number one choice.", "This is a great jacket. Popular choice."),
        ("舒适透气，绝对", "舒适透气。"),
    ],
)
def test_repairs_keep_the_sentence_readable(text: str, expected: str) -> None:
    assert CHECKER.fix(text)[0] == expected


def test_efficacy_terms_are_lawful_for_a_registered_special_use_product() -> None:
    assert CHECKER.find("美白精华")
    assert CHECKER.find("美白精华", product_text="国妆特字G20200001 特殊用途化妆品") == []
    assert CHECKER.find("根治痘痘", product_text="国妆特字G20200001")  # medical claims never are


def test_word_list_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "words.yaml"
    bad.write_text("categories:\n  absolute:\n    terms:\n      - {term: 最, oops: 1}\n", encoding="utf-8")
    with pytest.raises(PromptFileError, match=r"words\.yaml"):
        ComplianceChecker.load(bad)
