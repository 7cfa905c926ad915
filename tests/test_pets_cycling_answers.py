"""The answer side over a shop that is not the demo (pets, cycling, stationery: tests/data/pets_cycling_*):
the refusal's example comes from the shop's own catalog, a store/address question gets the contact policy's
address, order status with no orders loaded falls back to the shipping policy and a person — and the
evaluation set tests/data/pets_cycling_answers.yaml (TESTER12c-other's wrong turns and fix12-ob's own cases)
run through the offline bot with a floor."""

from __future__ import annotations

from pathlib import Path

from bot.conversation.intents import Intent, classify
from bot.conversation.shop_range import shop_example
from bot.evaluation.cases import load_cases
from bot.evaluation.environment import open_environment
from bot.evaluation.runner import run_conversations
from knowledge.catalog import SAMPLE_CATALOG, load_catalog
from knowledge.models import Product

DATA = Path(__file__).parent / "data"
PETS = DATA / "pets_cycling_catalog.csv"
HOME = DATA / "home_music_catalog.csv"

# Cases of pets_cycling_answers.yaml that pass offline (46 cases; 17 before fix12-ob's fixes). Raise, never lower.
FLOOR = 26


def test_the_refusal_example_is_built_from_the_shops_own_catalog() -> None:
    pets = load_catalog(PETS).products
    zh, en = shop_example(pets, "zh"), shop_example(pets, "en")
    assert (
        zh == "有没有2000以内的智能用品"
    )  # the most stocked kind of the most stocked department, a round budget
    assert en is not None and en.endswith("under 2000?") and "跑鞋" not in zh
    # the demo keeps a demo question; a catalog's own English tag names the kind in English
    assert shop_example(load_catalog(SAMPLE_CATALOG).products, "en") == "Earbuds under 500?"
    assert shop_example(load_catalog(HOME).products, "zh") == "有没有3000以内的吸尘器"
    assert shop_example([], "zh") is None


def test_a_budget_is_a_round_figure_over_the_middle_price_in_the_kinds_own_currency() -> None:
    items = [
        Product(sku=f"S{n}", title=f"lamp {n}", category="灯具/台灯", price=price, currency=cur, stock=3)
        for n, (price, cur) in enumerate([(129, "USD"), (45, "USD"), (88, "USD"), (9999, "CNY")])
    ]
    assert shop_example(items, "zh") == "有没有90以内的台灯"  # USD prices 45, 88, 129: the middle is 88


def test_questions_about_the_shops_store_or_address_are_contact_questions() -> None:
    for text in (
        "你们门店在哪",
        "有实体店吗",
        "可以去实体店试戴头盔吗",
        "店铺地址是哪里",
        "do you have a physical store",
        "where is your shop located?",
        "can I visit your store?",
    ):
        assert classify(text).intent is Intent.CONTACT, text
    for text in ("店里有没有头盔", "你们店有什么", "有没有店铺优惠", "推荐一款门店同款头盔"):
        assert classify(text).intent is not Intent.CONTACT, text


async def test_the_answer_set_over_the_pets_and_cycling_shop(tmp_path: Path) -> None:
    loaded = load_cases(DATA / "pets_cycling_answers.yaml")
    assert len(loaded.cases) >= 45
    env = open_environment(
        tmp_path / "data", clock=loaded.clock, catalog=PETS, policies=DATA / "pets_cycling_policies"
    )
    try:
        report = await run_conversations(env.bot, loaded.cases, catalog=env.products, policies=env.policies)
    finally:
        env.close()
    failures = {r.id: [*r.reasons, *r.grounding] for r in report.results if not r.passed}
    assert report.grounding_errors == 0, failures
    assert sum(r.passed for r in report.results) >= FLOOR, failures
    must = [
        "refuse-p01",
        "refuse-p02",
        "refuse-p04",
        "refuse-p05",
        "refuse-x03",
        "echo-p01",
        "echo-p02",
        "order-p01",
    ]
    assert not set(must) & set(failures), failures
