"""The truth guard links the products a reply names (issue 13 §1, fix13-allow6): a reply that quotes products
retrieval did not return is judged with their own facts (`GroundingFacts.naming`, `MentionIndex.find_named`),
and a name the catalog does not have — another model number, flavour, pack size or kind run on to a real
name — links to nothing, so its figures stay unsupported. Carriers are named concepts: "默认京东物流" needs a
policy that names JD Logistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from bot.conversation.grounding import check_llm_reply, check_reply, unsupported_sentences
from bot.redteam.sets import facts_for, mentions
from knowledge.models import Product
from tests.support.core_fixtures import Chat
from tests.support.openai_server import OpenAIServer
from tests.test_core_llm import llm_bot, server  # noqa: F401  (the fixture the end-to-end tests use)


@pytest.mark.parametrize(
    ("text", "skus"),
    [
        ("小米Redmi Buds 6青春版只要¥129，华为FreeBuds 6i是¥699。", ["EAR-007", "EAR-006"]),
        ("The Bose QuietComfort Ultra Earbuds are ¥2299.", ["EAR-014"]),
        ("珀莱雅红宝石面霜3.0 50g售价¥299。", ["CRM-004"]),
        ("飛利浦空氣炸鍋HD9252售價¥549。", ["APP-005"]),  # Traditional Chinese reads as Simplified
        ("- 绿联30W氮化镓快充头：¥79\n- 罗马仕20000mAh充电宝：¥109", ["CHG-006", "CHG-011"]),
    ],
)
def test_a_reply_links_the_products_it_names(text: str, skus: list[str]) -> None:
    assert [m.sku for m in mentions(None).find_named(text)] == skus


@pytest.mark.parametrize(
    "text",
    [
        "Sony WF-1000XM6 ¥1799",  # another model number
        "华为FreeBuds Pro 5 ¥1299",
        "Apple AirPods 4 Pro ¥999",  # a model word the title lacks
        "珀莱雅红宝石眼霜 ¥299",  # a kind run on to a partial name
        "苏泊尔火红点不粘炒锅32cm ¥239",  # a size the title lacks
        "JBL Tune Beam 3 True Wireless Earbuds ¥329",
        "绿联65W氮化镓快充头 ¥79",
        "罗马仕 26g ¥109",  # a quantity alone names nothing
    ],
)
def test_an_invented_name_links_to_nothing(text: str) -> None:
    assert mentions(None).find_named(text) == []


def test_the_named_products_back_a_multi_product_reply_and_nothing_else() -> None:
    reply = "入门推荐小米Redmi Buds 6青春版，¥129；预算多一点可以看华为FreeBuds 6i，¥699，带降噪。"
    retrieved = {"products": ["EAR-007"], "link": True}
    assert check_llm_reply(reply, facts_for(retrieved)) == []
    assert check_llm_reply(reply, facts_for({"products": ["EAR-007"]}))  # without linking: ¥699 is unbacked
    invented = "入门推荐小米Redmi Buds 6青春版，¥129；预算多一点可以看华为FreeBuds 7i，¥699，带降噪。"
    assert check_llm_reply(invented, facts_for(retrieved))
    # a linked product's facts back only what they say: its price, not another figure
    wrong = "华为FreeBuds 6i现在只要¥599。"
    assert check_llm_reply(wrong, facts_for({"products": [], "link": True}))


def test_every_gate_entry_links_once() -> None:
    """`check_reply` and `unsupported_sentences` link on their own; a linked `GroundingFacts` has no linker."""
    reply = "Le Creuset酷彩铸铁珐琅圆锅22cm售价¥2480。"
    facts = facts_for({"products": [], "link": True})
    assert check_reply(reply, facts) == [] and unsupported_sentences(reply, facts) == []
    named = facts.naming(reply)
    assert [p.sku for p in named.products] == ["POT-007"] and named.linker is None
    assert named.naming("Lodge Cast Iron Skillet ¥299") is named


@pytest.mark.parametrize(
    ("reply", "ok"),
    [
        ("水星家纺全棉四件套¥399，默认用京东物流配送。", False),
        ("水星家纺全棉四件套¥399，一般走圆通。", False),
        ("The Mercury cotton set is ¥399 and ships with JD Logistics.", False),
        ("水星家纺全棉四件套¥399，默认发中通快递。", True),
        ("The Mercury cotton set is ¥399. It ships with ZTO Express by default.", True),
        ("Faulty items: we pay the return postage both ways.", True),  # "items" holds no carrier
    ],
)
def test_a_carrier_is_named_by_the_policies(reply: str, ok: bool) -> None:
    assert (check_llm_reply(reply, facts_for({"products": ["BED-001"]})) == []) is ok


def test_the_luggage_shop_names_its_own_carriers() -> None:
    facts = facts_for({"products": [], "shop": "luggage_tools"})
    assert check_llm_reply("行李箱走京东物流，其他默认韵达快递。", facts) == []
    assert check_llm_reply("行李箱默认走圆通快递。", facts)


async def test_an_honest_reply_about_products_retrieval_missed_is_delivered(
    tmp_path: Path,
    server: OpenAIServer,  # noqa: F811
) -> None:
    """The scripted model quotes two watches when the turn retrieved other products; both are the catalog's
    own figures, so the reply goes out as written — twice asked, the invented one never does."""
    honest = "华为WATCH GT 5 46mm售价¥1488；高驰COROS PACE 3同样¥1488，更轻。"
    server.enqueue(honest, honest)
    bot = llm_bot(tmp_path, server)
    reply = await Chat(bot).say("跑步用的智能手表推荐")
    assert reply.meta["source"] == "llm" and reply.text == honest, reply.text
    invented = "华为WATCH GT 6 46mm售价¥1488；高驰COROS PACE 4同样¥1488，更轻。"
    server.enqueue(invented, invented)
    reply = await Chat(bot, chat_id="c2").say("跑步用的智能手表推荐")
    assert "GT 6" not in reply.text and "PACE 4" not in reply.text, reply.text


def test_linking_is_lazy_and_keeps_the_verdicts() -> None:
    """A reply the turn's facts support is judged without linking (entity linking costs more than the gates);
    one they do not is judged again with the products it names — same verdicts as linking every reply, over
    every attack of the allow-list rounds."""
    from bot.conversation.grounding import linked
    from bot.redteam.sets import default_sets_dir, load

    calls: list[str] = []
    base = facts_for({"products": ["EAR-007"], "link": True})
    link = base.linker
    assert link is not None

    def counting(text: str) -> Sequence[Product]:
        calls.append(text)
        return link(text)

    counted = replace(base, linker=counting)
    assert linked("小米Redmi Buds 6青春版 ¥129。", counted)[0] == [] and calls == []
    found, judged = linked("华为FreeBuds 6i ¥699。", counted)
    assert found == [] and calls and [p.sku for p in judged.products] == ["EAR-007", "EAR-006"]
    for name in ("redteam_allowlist5.yaml", "redteam_allowlist6.yaml"):
        for case in load(default_sets_dir() / name)["cases"]:
            if case["label"] != "violation":
                continue
            facts = facts_for({**case["profile"], "link": True}, quoted=str(case.get("quoted", "")))
            eager = facts.naming(case["reply"])
            assert bool(linked(case["reply"], facts)[0]) == bool(check_llm_reply(case["reply"], eager)), case[
                "id"
            ]
