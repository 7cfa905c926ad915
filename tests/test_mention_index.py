"""Product mentions: titles, model numbers and brand aliases resolved to SKUs, in the bundled catalog and another."""

from __future__ import annotations

import pytest

from knowledge.catalog import SAMPLE_CATALOG, load_catalog
from knowledge.memory_index import InMemoryProductIndex
from knowledge.mentions import MentionIndex, atoms
from knowledge.models import Product
from tests.support.outdoor_catalog import outdoor_products


@pytest.fixture(scope="module")
def sample() -> MentionIndex:
    return MentionIndex.build(load_catalog(SAMPLE_CATALOG).products)


@pytest.fixture(scope="module")
def outdoor() -> MentionIndex:
    return MentionIndex.build(outdoor_products())


def test_atoms_fold_case_spacing_hyphens_and_full_width() -> None:
    assert [a.text for a in atoms("WH-1000XM5")] == ["wh", "1000", "xm", "5"]
    assert [a.text for a in atoms("ＷＨ－１０００ＸＭ５")] == ["wh", "1000", "xm", "5"]
    assert [a.text for a in atoms("AirPods Pro2")] == ["airpod", "pro", "2"]
    assert [a.text for a in atoms("4.1L")] == ["4.1", "l"]  # a decimal stays one number
    text = "我要 ＷＨ－１０００ＸＭ５"
    assert [text[a.start : a.end] for a in atoms(text)][-1] == "５"  # spans index the text as written


@pytest.mark.parametrize(
    ("text", "skus", "span"),
    [
        ("Sennheiser Momentum 4 多少钱", ["EAR-016"], "Sennheiser Momentum 4"),
        ("momentum 4 有货吗", ["EAR-016"], "momentum 4"),
        ("pegasus 41", ["RUN-001", "RUN-020"], "pegasus 41"),  # men's and women's: both, tied
        ("AirPods Pro 2 续航多久", ["EAR-003"], "AirPods Pro 2"),  # not "OpenRun Pro 2"
        ("airpod pro2 多少钱", ["EAR-003"], "airpod pro2"),
        ("sony wh1000xm5 还有吗", ["EAR-001"], "sony wh1000xm5"),  # not the WF-1000XM5
        ("ＷＨ－１０００ＸＭ５", ["EAR-001"], "ＷＨ－１０００ＸＭ５"),
        ("华为 WATCH GT 5 防水吗", ["WAT-001"], "华为 WATCH GT 5"),
        ("Apple Watch 有哪些颜色", ["WAT-004"], "Apple Watch"),
        ("森海塞尔的耳机有吗", ["EAR-016"], "森海塞尔"),  # a brand alias, and the brand's only product
        ("李宁 赤兔7", ["RUN-005"], "李宁 赤兔7"),
        ("闪充 20000mAh 移动电源有货吗", ["CHG-011"], "20000mAh"),  # not the 65W charger
        ("KT9 多少钱", ["BSK-005"], "KT9"),
        ("4.1L的空气炸锅", ["APP-005"], "4.1L"),
    ],
)
def test_named_products_in_the_sample(sample: MentionIndex, text: str, skus: list[str], span: str) -> None:
    found = sample.find(text)
    assert [m.sku for m in found] == skus
    assert all(m.text == span == text[m.start : m.end] for m in found)


@pytest.mark.parametrize(
    "text",
    [
        "降噪耳机",
        "跑鞋推荐",
        "nike的鞋",
        "wireless earbuds",
        "smart watch",
        "41码",
        "4",
        "有没有防晒霜",
        "空气炸锅",
    ],
)
def test_kinds_brands_with_many_products_and_numbers_name_nothing(sample: MentionIndex, text: str) -> None:
    assert sample.find(text) == []


def test_pegasus_41_is_not_4_point_1_litres(sample: MentionIndex) -> None:
    assert "APP-005" not in {m.sku for m in sample.find("pegasus 41 多重")}


def test_two_products_named_in_one_message_are_two_groups(sample: MentionIndex) -> None:
    groups = sample.find_groups("Soundcore A20i 和倍思 WM02 哪个便宜")
    assert [[m.sku for m in group] for group in groups] == [["EAR-017"], ["EAR-019"]]
    groups = sample.find_groups("wf1000xm5和wh1000xm5区别")
    assert [[m.sku for m in group] for group in groups] == [["EAR-002"], ["EAR-001"]]
    groups = sample.find_groups("Amazfit Active 2 or Xiaomi Smart Band 9 Pro, which is cheaper?")
    assert [[m.sku for m in group] for group in groups] == [["WAT-007"], ["WAT-003"]]


def test_another_catalog(outdoor: MentionIndex) -> None:
    assert [m.sku for m in outdoor.find("copper spur ul2 还有吗")] == ["TNT-2"]
    assert [m.sku for m in outdoor.find("Beta LT 多少钱")] == ["JKT-2"]
    assert [m.sku for m in outdoor.find("始祖鸟 beta lt")] == ["JKT-2"]  # Arc'teryx by its Chinese alias
    assert [m.sku for m in outdoor.find("x ultra 4 gtx")] == ["BOT-1"]
    assert [m.sku for m in outdoor.find("moab 3")] == ["BOT-2"]
    assert [m.sku for m in outdoor.find("FMS116T")] == ["STV-1"]
    assert [m.sku for m in outdoor.find("powercore 10000")] == ["PWR-1"]
    assert outdoor.find("冲锋衣") == [] and outdoor.find("帐篷 三人") == []


def test_scores_and_exact_model_names(sample: MentionIndex) -> None:
    [momentum] = sample.find("Sennheiser Momentum 4")
    [partial] = sample.find("momentum 4")
    assert momentum.exact and 0 < partial.score < momentum.score <= 1


def test_the_index_answers_mentions_for_its_current_catalog() -> None:
    index = InMemoryProductIndex()
    index.upsert([Product(sku="A", title="Acme Rocket X9 Skates"), Product(sku="B", title="Acme Glider 2")])
    assert [m.sku for m in index.find_mentions("rocket x9")] == ["A"]
    index.upsert([Product(sku="C", title="Acme Rocket X10 Skates")])
    assert [m.sku for m in index.find_mentions("rocket x10")] == ["C"]  # rebuilt with the new snapshot


def test_brand_with_a_kind_aliases_written_as_titles_and_initials(sample: MentionIndex) -> None:
    # a brand with a kind of product; 米家 (an alias of 小米) as the title writes it
    groups = sample.find_groups("美的电饭煲和米家电饭煲有什么区别")
    assert [[m.sku for m in group] for group in groups] == [["APP-001"], ["APP-002"]]
    assert [m.sku for m in sample.find("Bose QC Ultra 降噪怎么样")] == ["EAR-014"]  # QC = QuietComfort
    assert [m.sku for m in sample.find("华为GT5多少钱")] == ["WAT-001"]  # not "5多" of "B5 多效修复霜"
    assert sample.find("AirPods Max 多少钱") == []  # a model the catalog does not have
    assert [m.sku for m in sample.find("AirPods Pro 2 price?")] == ["EAR-003"]


def test_a_two_character_title_word_names_its_product() -> None:
    books = [
        Product(sku="B1", title="三体（全三册）", brand="重庆出版社", category="图书/小说", tags=("科幻",)),
        Product(sku="B2", title="活着 精装版", brand="作家出版社", category="图书/小说"),
    ]
    index = MentionIndex.build(books)
    assert [m.sku for m in index.find("三体多少钱")] == ["B1"]
    assert [m.sku for m in index.find("有活着吗")] == ["B2"]
    assert index.find("科幻小说推荐") == [] and index.find("重庆出版社的书") == []


def test_kinds_of_product_and_catalog_words(sample: MentionIndex) -> None:
    assert sample.is_kind("跑鞋") and sample.is_kind("跑步手表") and sample.is_kind("power bank")
    assert not sample.is_kind("pegasus") and not sample.is_kind("赤兔")
    assert sample.knows("Momentum") and not sample.knows("PowerCore")


def test_words_of_the_sentence_and_other_models_name_nothing(sample: MentionIndex) -> None:
    assert sample.find("I'm looking for Samsung Galaxy Buds 3") == []  # Buds 5 and 6 are other models
    assert [m.sku for m in sample.find("安克737充电宝多少钱")] == ["CHG-010"]  # the alias read as Anker
    assert sample.find("Do you have running shoes under 500 yuan?") == []  # "under" is not Under Armour
    assert sample.find("安德玛的速干T恤") == []  # a brand with several products is a family
    groups = sample.find_groups("Between the Nike Pegasus 41 women's and the Invincible 3, which is lighter?")
    assert [{m.sku for m in group} for group in groups] == [{"RUN-001", "RUN-020"}, {"RUN-002"}]


def test_the_only_product_with_the_words(sample: MentionIndex) -> None:
    only = sample.find_only("龙井")
    assert only is not None and only.sku == "TEA-001" and only.text == "龙井"
    assert sample.find_only("耳机") is None and sample.find_only("的") is None


def test_runs_are_found_by_their_rarest_pair_exactly_as_a_scan_of_every_title_finds_them() -> None:
    """`_rows_with` looks a run up by its rarest adjacent atom pair; the answer must be the titles a full scan
    finds (catalog order, capped at naming_df + 1), for runs of every length and frequency — common pairs
    ("保湿"), pairs that exist only apart ("湿 … 保"), repeats ("5 5"), one atom, unknown atoms."""
    from knowledge.mentions import _contains, atom_texts

    products = [*load_catalog(SAMPLE_CATALOG).products, *outdoor_products()]
    extra = [
        Product(sku=f"X-{n}", title=title, brand=brand)
        for n, (title, brand) in enumerate(
            [("保湿面霜 保湿乳", "A"), ("湿润保护霜", "B"), ("Pro 5 5 Pro", "C"), ("pro 55", "C")] * 3
        )
    ]
    index = MentionIndex.build([*products, *extra])
    entries = index._entries
    runs = {run for e in entries for n in (1, 2, 3, 4) for run in _windows(e.atoms, n)}
    runs |= {("湿", "保"), ("pro", "5", "5"), ("5", "5"), ("保", "湿", "面"), ("zz",), ("保", "zz")}
    runs |= {tuple(reversed(r)) for r in list(runs)[:200]}
    limit = index._naming_df + 1
    for run in sorted(runs):
        scan = [row for row, e in enumerate(entries) if _contains(e.atoms, run)][:limit]
        assert index._rows_with(run) == scan, run
    assert index._rows_with(atom_texts("保湿")) and not index._rows_with(("湿", "保"))


def _windows(atoms: tuple[str, ...], n: int) -> list[tuple[str, ...]]:
    return [atoms[i : i + n] for i in range(len(atoms) - n + 1)]


def test_contains_finds_a_run_wherever_its_first_atom_repeats() -> None:
    from itertools import product

    from knowledge.mentions import _contains

    for length in range(7):
        for title in product("ab", repeat=length):
            for size in (1, 2, 3):
                for run in product("ab", repeat=size):
                    slices = any(title[i : i + size] == run for i in range(len(title) - size + 1))
                    assert _contains(title, run) is slices, (title, run)
    assert _contains(("a",), ())
