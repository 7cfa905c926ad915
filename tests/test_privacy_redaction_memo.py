"""`redact` and `without_personal_data` are cached per text (pure functions; a turn redacts the same message
for understanding, memory and the prompt, and the history's turns on every message). The cached result must
equal the uncached one on every personal-data format and shop text of tests/data/pii_formats.yaml, on texts of
our own that repeat a detail, and the cache must stay bounded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.privacy.redaction import REDACTED_MEMO, redact, without_personal_data
from knowledge.yaml_data import load_yaml

FORMATS = Path(__file__).parent / "data" / "pii_formats.yaml"
OWN = [
    "我的电话是13812345678，电话13812345678再说一遍",
    "call me at +1 415 555 0100 or +1 415 555 0100",
    "订单 XE20261130001 还没到，收货地址是上海市浦东新区世纪大道100号",
    "",
    "有没有跑步鞋推荐",
]


def _texts() -> list[str]:
    data: dict[str, Any] = load_yaml(FORMATS.read_text(encoding="utf-8"))
    texts = [str(case["text"]) for case in data["pii"]] + [str(text) for text in data["keep"]]
    return [*texts, *OWN]


def test_cached_redaction_equals_the_uncached_one() -> None:
    texts = _texts()
    assert len(texts) > 50
    for text in texts:
        for _ in range(2):  # the second time from the cache
            assert redact(text) == redact.__wrapped__(text)
            assert without_personal_data(text) == without_personal_data.__wrapped__(text)


def test_the_redaction_cache_is_bounded() -> None:
    for n in range(REDACTED_MEMO + 20):
        redact(f"我的手机 1381234{n:04d}")
    info = redact.cache_info()
    assert info.currsize <= REDACTED_MEMO and info.maxsize == REDACTED_MEMO
