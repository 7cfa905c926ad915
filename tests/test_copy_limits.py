"""Platform limits: counted in characters (graphemes) or Taobao width, enforced on every platform's copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.copywriting.limits import measure, trim
from bot.copywriting.models import Draft, ProductFacts
from bot.copywriting.pipeline import Checks
from bot.copywriting.platforms import CopyLibrary, load_platform
from bot.copywriting.service import CopyService
from bot.domain.errors import PromptFileError
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from knowledge.catalog import SAMPLE_CATALOG, load_catalog

LIBRARY = CopyLibrary.load(DEFAULT_PROMPTS_DIR)


def test_characters_are_graphemes_and_emoji_count_once() -> None:
    assert measure("最舒适的鞋") == 5
    assert measure("跑鞋👟") == 3
    assert measure("家庭👨‍👩‍👧‍👦") == 3  # a ZWJ family emoji is one character
    assert measure("🇨🇳中国") == 3  # a flag (two code points) is one character
    assert measure("Nike 跑鞋") == 7


def test_taobao_width_counts_chinese_as_two() -> None:
    assert measure("李宁跑步鞋", "width") == 10
    assert measure("Nike 跑鞋", "width") == 9
    assert measure("跑鞋👟", "width") == 6
    assert measure("中" * 30, "width") == 60  # Taobao: 60 units = 30 Chinese characters


def test_trim_prefers_sentence_then_phrase_and_never_splits_a_word() -> None:
    text = "这是一件好衣服，面料柔软。颜色多样可选，适合春秋穿着。"
    assert trim(text, 14) == "这是一件好衣服，面料柔软。"
    assert trim("Ultra light running shoes for men and women", 30) == "Ultra light running shoes for"
    assert trim("supercalifragilistic word", 10) == ""  # a lone over-long word is dropped, not cut
    cut = trim("男士 轻量 跑步鞋 透气 网面 缓震 运动鞋 春季 新款", 30, "width")
    assert cut == "男士 轻量 跑步鞋 透气 网面" and measure(cut, "width") <= 30
    assert trim("短标题", 20) == "短标题"
    emoji = trim("好物分享👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦", 5)
    assert emoji == "好物分享👨‍👩‍👧‍👦"  # the ZWJ sequence stays whole


def test_platform_files_declare_the_issue_limits() -> None:
    p = LIBRARY.platforms
    assert set(p) >= {"taobao", "xiaohongshu", "amazon", "wechat", "douyin"}
    assert (p["taobao"].title.max, p["taobao"].title.unit) == (60, "width")
    assert (p["xiaohongshu"].title.max, p["xiaohongshu"].text.max) == (20, 1000)
    assert p["amazon"].title.max == 200
    assert (p["amazon"].bullets.min, p["amazon"].bullets.max) == (3, 5)  # Amazon: up to five bullet points


@pytest.fixture(scope="module")
def service() -> CopyService:
    return CopyService(LIBRARY)


@pytest.mark.parametrize("platform", sorted(LIBRARY.platforms))
async def test_offline_copy_of_the_sample_catalog_fits_each_platform(
    service: CopyService, platform: str
) -> None:
    spec = LIBRARY.platforms[platform]
    products = load_catalog(SAMPLE_CATALOG).products[::6]
    for product in products:
        for tone in LIBRARY.tones:
            for result in await service.generate(product, platform, tone, variants=2):
                assert result.title and result.text
                assert measure(result.title, spec.title.unit) <= spec.title.max
                assert measure(result.text, spec.text.unit) <= spec.text.max
                assert spec.bullets.min <= len(result.bullets) <= spec.bullets.max
                assert all(measure(b, spec.bullets.unit) <= spec.bullets.item_max for b in result.bullets)
                problems = service.checks.problems(
                    Draft(result.title, result.text, result.bullets), await service.resolve(product), spec
                )
                if result.needs_translation:  # flagged, not finished: only the Chinese may remain
                    problems = [p for p in problems if p.type != "language.chinese"]
                assert not problems


async def test_amazon_gets_at_least_three_bullets_even_from_two_keywords(service: CopyService) -> None:
    [result] = await service.generate("蓝牙耳机 降噪", "amazon")
    assert 3 <= len(result.bullets) <= 5
    assert result.id.endswith("-amazon-v1") and result.sku == ""


def test_over_long_llm_copy_is_trimmed_and_reported() -> None:
    spec = LIBRARY.platforms["xiaohongshu"]
    checks: Checks = CopyService(LIBRARY).checks
    facts = ProductFacts(name="防晒衣", attributes={"颜色": "白色"})
    long_title = "夏天必备的白色防晒衣真的太好穿了姐妹们快冲吧🔥🔥"
    draft, flags = checks.finish(Draft(long_title, "白色防晒衣。" * 300, ("多余",)), facts, spec)
    assert measure(draft.title) <= 20 and measure(draft.text) <= 1000
    assert draft.text.endswith("。") and draft.bullets == ()
    assert {f.type for f in flags} >= {"limits.title", "limits.text", "limits.bullets"}


def test_adding_a_platform_is_adding_a_file(tmp_path: Path) -> None:
    source = DEFAULT_PROMPTS_DIR / "copy" / "platforms" / "wechat.yaml"
    (tmp_path / "pinduoduo.yaml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_platform(tmp_path / "pinduoduo.yaml").name == "pinduoduo"
    broken = source.read_text(encoding="utf-8").replace("{variant}", "{version}")
    (tmp_path / "broken.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(PromptFileError, match=r"broken\.yaml"):
        load_platform(tmp_path / "broken.yaml")
