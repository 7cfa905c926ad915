"""A fact question that names another item is never answered about the product in focus (issue 12, other shop:
"钛杯多少钱" after dog treats quoted the treats' price)."""

from __future__ import annotations

from pathlib import Path

from bot.conversation.composer import OfflineComposer
from bot.conversation.intents import Intent
from bot.conversation.other_item import matches_product, names_other_item, unmatched_item
from bot.conversation.understanding import Understanding
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.prompts import Messages
from knowledge.catalog import load_catalog

OTHER = {p.sku: p for p in load_catalog(Path(__file__).parent / "data" / "other_catalog.csv").products}
COMPOSER = OfflineComposer(Messages(DEFAULT_PROMPTS_DIR / "replies.yaml"))


def test_the_item_word_left_besides_the_ask() -> None:
    assert unmatched_item("钛杯多少钱") == "钛杯"
    assert unmatched_item("竹板有货吗") == "竹板"
    for reference in (
        "它多少钱",
        "这个有货吗",
        "这款多少钱？",
        "第二个多少钱",
        "黑色的有货吗",
        "耐用吗",
        "多少钱",
    ):
        assert unmatched_item(reference) == "", reference


def test_character_overlap_links_short_nouns_to_titles() -> None:
    board, dog_food = OTHER["UTL-003"], OTHER["PET-005"]  # 双枪 竹制砧板 大号 / 皇家 中型犬成犬粮
    assert matches_product("竹板", board) and not matches_product("竹板", dog_food)
    assert matches_product("狗粮", dog_food)
    assert names_other_item("竹板多少钱", dog_food) and not names_other_item("它多少钱", dog_food)


def test_guard_blocks_a_price_sentence_about_the_focus_for_another_item() -> None:
    dog_food = OTHER["PET-005"]
    u = Understanding(Intent.PRODUCT_QUESTION, "竹板多少钱", asks=frozenset({"price"}), mode="context")
    reply = COMPOSER.answer([dog_food], u, "zh")
    assert "299" not in reply.text and "竹板" in reply.text and not reply.cards
    same = Understanding(Intent.PRODUCT_QUESTION, "狗粮多少钱", asks=frozenset({"price"}), mode="context")
    assert "¥299.00" in COMPOSER.answer([dog_food], same, "zh").text


def test_a_head_noun_the_extractor_dropped_makes_a_new_kind() -> None:
    from bot.conversation.understanding import _with_head_nouns

    assert _with_head_nouns(["徒步"], "M码的徒步袜") == [
        "徒步袜"
    ]  # socks after hiking shoes, not 徒步鞋 徒步
    assert _with_head_nouns(["清爽"], "清爽一点的") == ["清爽"]
    assert _with_head_nouns(["被子", "夏天"], "有没有薄一点的被子，夏天盖") == ["被子", "夏天"]
