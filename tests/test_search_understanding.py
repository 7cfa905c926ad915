"""Search understanding over the bundled demo catalog and the other catalog (no bot needed): gift requests,
a product's kind from its title and category (not from a tag), brands named in a message, cheapest first."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.conversation.answer import cheapest_first
from bot.conversation.gifts import gift_picks, gift_request, is_gift_word, shop_kinds
from bot.conversation.kinds import kind_match, titled_as_other
from knowledge.catalog import load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.models import SearchHit
from knowledge.query import QueryParser
from tests.support.core_fixtures import sample_products

PRODUCTS = sample_products()
OTHER = {p.sku: p for p in load_catalog(Path(__file__).parent / "data" / "other_catalog.csv").products}


def test_a_gift_request_is_read_with_who_it_is_for() -> None:
    girlfriend = gift_request("送女朋友生日礼物")
    assert girlfriend is not None and girlfriend.genders == {"女"} and "面霜" in girlfriend.likes
    someone = gift_request("有什么适合送人的")
    assert someone is not None and someone.vague and not someone.genders
    assert gift_request("what would be a good gift for my dad?") is not None
    assert gift_request("给我老婆买双跑鞋") is not None  # the answerer sends it to a search: 跑鞋 is a kind
    assert gift_request("500以内的跑鞋") is None and gift_request("the other one") is None
    assert is_gift_word("生日礼物") and is_gift_word("女朋友") and not is_gift_word("跑鞋")


def test_gift_picks_fit_the_recipient_one_per_category() -> None:
    request = gift_request("送女朋友生日礼物")
    assert request is not None
    picks = gift_picks(list(PRODUCTS.values()), request)
    assert 3 <= len(picks) <= 5 and len({p.category for p in picks}) == len(picks)
    assert not any(p.attributes.get("gender") in ("男", "male") for p in picks)  # no men's tee for her
    cat = gift_request("养猫的朋友送什么好")
    assert cat is not None
    cat_picks = gift_picks(list(OTHER.values()), cat)
    assert len(cat_picks) == 5 and not any("狗" in p.category for p in cat_picks)  # no dog food or toys
    vague = gift_request("有什么适合送人的")
    assert vague is not None
    assert {p.sku for p in gift_picks(list(PRODUCTS.values()), vague)} <= {"NUT-004", "TEA-001", "TEA-004"}
    assert gift_picks(list(OTHER.values()), vague) == []  # nothing there is sold as a present: ask instead
    kinds = shop_kinds(list(OTHER.values()))
    assert len(kinds) == 6 and set(kinds[:2]) == {
        "刀具",
        "水杯",
    }  # five of each: the most stocked kinds first


def test_a_product_is_the_kind_its_title_names_not_a_tag() -> None:
    assert not kind_match("笔记本电脑", PRODUCTS["CHG-010"])  # a power bank tagged "laptop"
    assert kind_match("充电宝", PRODUCTS["CHG-010"]) and kind_match("红茶", PRODUCTS["TEA-010"])
    assert titled_as_other("防晒霜", PRODUCTS["SUN-006"]) and titled_as_other("防晒霜", PRODUCTS["SUN-007"])
    assert not titled_as_other("防晒霜", PRODUCTS["SUN-001"]) and not titled_as_other(
        "防晒", PRODUCTS["SUN-002"]
    )


def test_cheapest_first_never_compares_currencies() -> None:
    hits = [SearchHit(PRODUCTS[s], 1.0) for s in ("EAR-016", "EAR-001", "EAR-019", "EAR-010")]
    assert [h.sku for h in cheapest_first(hits)] == ["EAR-019", "EAR-010", "EAR-001", "EAR-016"]
    assert [h.sku for h in cheapest_first(hits, descending=True)] == [
        "EAR-001",
        "EAR-010",
        "EAR-019",
        "EAR-016",
    ]
    assert PRODUCTS["EAR-016"].currency == "USD" and PRODUCTS["EAR-019"].price == Decimal("79.00")


def test_brands_are_found_in_the_order_written_with_aliases_and_scripts() -> None:
    vocabulary = build_vocabulary(list(PRODUCTS.values()))
    parser = QueryParser(vocabulary, JiebaKeywordExtractor(vocabulary))
    assert parser.brands_in("德龙和Nespresso") == ["德龙", "Nespresso"]
    assert parser.brands_in("nespresso 还是 DeLonghi") == ["Nespresso", "德龙"]
    assert parser.brands_in("德龙的咖啡机") == ["德龙"]
    assert parser.brands_in("keep me warm") == [] and parser.brands_in("推荐个跑鞋") == []
