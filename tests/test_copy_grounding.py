"""No invented specs: the grounding check, and a scripted LLM (real ChatOpenAI over loopback) that invents."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bot.copywriting.grounding import GroundingChecker
from bot.copywriting.models import ProductFacts
from bot.copywriting.platforms import CopyLibrary
from bot.copywriting.service import CopyService
from bot.ops.settings import DEFAULT_PROMPTS_DIR, load_settings
from bot.wiring import make_chat_model
from knowledge.models import Product
from tests.support.openai_server import OpenAIServer, ScriptedReply

LIBRARY = CopyLibrary.load(DEFAULT_PROMPTS_DIR)
GROUNDING = GroundingChecker.load(DEFAULT_PROMPTS_DIR / "copy" / "grounding.yaml")

TEE = Product(
    sku="TEE-001",
    title="店小二 纯棉圆领T恤 男款",
    brand="店小二",
    category="服装/T恤",
    price=Decimal("79.00"),
    attributes={"material": "纯棉", "color": "白色;黑色", "size": "S;M;L;XL", "weight": "180g"},
    description="精梳纯棉面料，180克重磅，领口不易变形。",
)
FACTS = ProductFacts(
    name=TEE.title,
    sku=TEE.sku,
    brand=TEE.brand,
    leaf="T恤",
    attributes=dict(TEE.attributes),
    description=TEE.description,
    price="¥79.00",
)


def _copy(title: str, text: str, bullets: list[str] | None = None) -> str:
    return json.dumps({"title": title, "text": text, "bullets": bullets or []}, ensure_ascii=False)


GOOD = _copy("纯棉圆领T恤 白色黑色可选", "精梳纯棉面料，180g重磅，领口不易变形。S到XL四个尺码。")
INVENTED = _copy(
    "羊毛混纺T恤 通过OEKO-TEX认证", "采用羊毛混纺，通过OEKO-TEX认证，仅重120g，可机洗。纯棉手感，穿着舒适。"
)


def test_grounded_terms_pass_and_invented_ones_are_found() -> None:
    assert GROUNDING.find("精梳纯棉面料，180克重磅，M码", FACTS) == []
    assert GROUNDING.find("Made of soft cotton, 180 g", FACTS) == []  # zh ↔ en groups
    assert [v.term for v in GROUNDING.find("到手价¥79，79元包邮", FACTS)] == [
        "包邮"
    ]  # the real price is grounded
    found = {(v.kind, v.term) for v in GROUNDING.find("羊毛面料，OEKO-TEX认证，仅重120g，防水，¥99", FACTS)}
    assert found == {
        ("material", "羊毛"),
        ("certification", "OEKO-TEX"),
        ("number", "120g"),
        ("claim", "防水"),
        ("number", "¥99"),
    }


def test_violations_are_removed_with_their_clause() -> None:
    fixed, flags = GROUNDING.fix("纯棉面料，通过SGS认证，穿着舒适。", FACTS, "text")
    assert fixed == "纯棉面料，穿着舒适。"
    assert [(f.type, f.term, f.action) for f in flags] == [("grounding.certification", "SGS认证", "removed")]
    title, _ = GROUNDING.fix("纯棉T恤 真丝质感 男款", FACTS, "title", segment_by_space=True)
    assert title == "纯棉T恤 男款"


def _service(server: OpenAIServer, **overrides: object) -> CopyService:
    settings = load_settings(
        OPENAI_BASE_URL=server.base_url,
        OPENAI_API_KEY="test-key",
        XIAOER_LLM_MODEL="scripted",
        XIAOER_LLM_MAX_RETRIES=0,
        XIAOER_LLM_TIMEOUT=5,
    )
    return CopyService(LIBRARY, llm=make_chat_model(settings), **overrides)  # type: ignore[arg-type]


async def test_clean_llm_copy_is_used_as_is(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(GOOD)
    [result] = await _service(openai_server).generate(TEE, "wechat", "professional")
    assert (result.source, result.title, result.flags) == ("llm", "纯棉圆领T恤 白色黑色可选", ())
    prompt = "\n".join(m["content"] for m in openai_server.requests[0]["messages"])
    assert (
        "material: 纯棉" in prompt and "店小二优选" in prompt and "专业" in prompt
    )  # facts, brand voice, tone
    assert "title ≤ 64 characters" in prompt


async def test_invented_specs_are_caught_then_regenerated(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(INVENTED, GOOD)
    [result] = await _service(openai_server).generate(TEE, "wechat", "plain")
    assert result.source == "llm" and result.text.startswith("精梳纯棉面料")
    regenerated = {(f.type, f.term) for f in result.flags if f.action == "regenerated"}
    assert {
        ("grounding.material", "羊毛"),
        ("grounding.certification", "OEKO-TEX"),
        ("grounding.number", "120g"),
        ("grounding.claim", "可机洗"),
    } <= regenerated
    retry = openai_server.requests[1]["messages"]
    assert retry[-2]["role"] == "assistant" and "羊毛" in retry[-1]["content"]  # problems told to the LLM


async def test_still_inventing_after_regeneration_falls_back_to_offline(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(INVENTED, INVENTED)
    [result] = await _service(openai_server).generate(TEE, "taobao", "plain")
    assert result.source == "offline" and len(openai_server.requests) == 2
    types = {f.type for f in result.flags}
    assert {"grounding.material", "grounding.invented", "llm.fallback"} <= types
    copy = "\n".join([result.title, result.text, *result.bullets])
    assert "羊毛" not in copy and "OEKO" not in copy and "120g" not in copy
    assert GROUNDING.find(copy, FACTS) == [] and 3 <= len(result.bullets) <= 5


async def test_unreadable_answer_is_regenerated(openai_server: OpenAIServer) -> None:
    openai_server.enqueue("当然！这是文案：纯棉T恤很好穿。", GOOD)
    [result] = await _service(openai_server).generate(TEE, "wechat")
    assert result.source == "llm" and [f.type for f in result.flags] == ["llm.format"]


async def test_llm_down_means_offline_copy(openai_server: OpenAIServer) -> None:
    openai_server.enqueue(ScriptedReply(status=500, content="down"))
    [result] = await _service(openai_server).generate(TEE, "xiaohongshu", "playful")
    assert result.source == "offline" and result.text
    assert [f.type for f in result.flags] == ["llm.fallback"]


async def test_remaining_ad_law_terms_in_regenerated_copy_are_fixed_and_listed(
    openai_server: OpenAIServer,
) -> None:
    openai_server.enqueue(
        _copy("最舒适的纯棉T恤", "全网最低价！纯棉面料。"), _copy("最舒适的纯棉T恤", "纯棉面料，顶级手感。")
    )
    [result] = await _service(openai_server).generate(TEE, "wechat")
    assert result.source == "llm"
    assert result.title == "舒适的纯棉T恤" and result.text == "纯棉面料，优质手感。"
    fixed = [(f.type, f.term, f.action) for f in result.flags if f.action != "regenerated"]
    assert fixed == [("compliance.absolute", "最", "removed"), ("compliance.absolute", "顶级", "rewritten")]


async def test_keywords_with_llm_suggestions_are_ranked_and_marked(openai_server: OpenAIServer) -> None:
    from knowledge.keywords import JiebaKeywordExtractor
    from knowledge.memory_index import InMemoryProductIndex

    extractor = JiebaKeywordExtractor()
    index = InMemoryProductIndex(extractor)
    index.upsert([TEE])
    openai_server.enqueue('["纯棉T恤", "男士短袖", "最便宜T恤", "圆领"]')
    report = await _service(openai_server, index=index, extractor=extractor).keywords("TEE-001")
    assert report.keywords and report.title == TEE.title
    assert "最便宜T恤" not in report.suggestions  # suggestions pass the ad-law check too
    assert "男士短袖" in report.suggestions
    assert "圆领" in report.in_title or "纯棉" in report.in_title


@pytest.mark.parametrize("platform", ["taobao", "amazon"])
async def test_llm_bullets_are_brought_to_the_platform_count(
    openai_server: OpenAIServer, platform: str
) -> None:
    too_few = _copy("Cotton crew tee", "Combed cotton, 180g.", ["Cotton"])
    openai_server.enqueue(too_few, too_few)
    [result] = await _service(openai_server).generate(TEE, platform)
    spec = LIBRARY.platforms[platform]
    assert spec.bullets.min <= len(result.bullets) <= spec.bullets.max
    assert any(f.type == "limits.bullets" and f.action == "filled" for f in result.flags)
