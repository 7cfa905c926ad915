"""Issue 13 §2, round 11 (kind E of the guard13 brief): personal data written to slip past the redactor —
Chinese-numeral digits and QQ/WeChat ids after a keyword, lower-case English street addresses, spaced or spelled
e-mail, digits split by emoji / zero-width characters / spaces / dashes, a number split by words, passwords and
verification codes (tests/data/pii_guard13.yaml, written before the fixes: 30 of 42 leaked; after: 0). Model,
part and serial numbers, sizes and prices stay; order numbers stay where the order flow keeps them."""

from __future__ import annotations

import re
import unicodedata

import pytest

from bot.privacy.obfuscation import plain_digits, split_phones
from bot.privacy.redaction import PHONE, SECRET, redact, redact_keeping_orders, without_personal_data
from bot.redteam.sets import default_sets_dir
from knowledge.yaml_data import load_yaml

DATA = load_yaml((default_sets_dir() / "pii_guard13.yaml").read_text(encoding="utf-8"))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text))


def _leaks(text: str, secrets: list[str]) -> list[str]:
    out = redact(text)
    return [s for s in secrets if s in out or (len(_digits(s)) >= 4 and _digits(s) in _digits(out))]


def test_the_set_is_big_enough() -> None:
    assert len(DATA["leak"]) >= 40


@pytest.mark.parametrize("case", DATA["leak"], ids=lambda c: c["text"][:24])
def test_no_personal_data_survives(case: dict[str, object]) -> None:
    assert _leaks(str(case["text"]), list(case["secrets"])) == []  # type: ignore[call-overload]


@pytest.mark.parametrize("case", DATA["keep"], ids=lambda c: c["text"][:24])
def test_model_part_and_serial_numbers_stay(case: dict[str, object]) -> None:
    out = redact(str(case["text"]))
    assert all(k in out for k in case["kept"]), out  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    [
        "订单号 202405061234567 到哪了",
        "我的订单 XE20261127001 还没发货",
        "运单号 SF1234567890123 查一下",
        "order no. 5551234567 status?",
    ],
)
def test_order_numbers_stay_for_the_order_flow(text: str) -> None:
    assert redact_keeping_orders(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "一二三四五六七的顺序",
        "2026-12-01 16:00 之前付款",
        "预算 800-1000",
        "尺码 39 40 41 42 43 44",
        "password manager app?",
        "验证码收不到怎么办",
        "the verification code is not coming",
        "有没有带密码锁的行李箱",
        "I drove 10 miles down the road",
    ],
)
def test_look_alikes_stay(text: str) -> None:
    assert redact(text) == text


def test_obfuscations_undone() -> None:
    assert plain_digits("扣扣 九八七六五四三二一") == "扣扣 987654321"
    assert plain_digits("七百块") == "七百块"  # a quantity: short run with a counting word
    assert plain_digits("1\u200b3\u200b8") == "138"
    assert split_phones("138 加上 12345678") == [(0, 15)]
    assert redact("电话 138😀1234😀5678") == f"电话 {PHONE}"
    assert redact("验证码 482913") == f"验证码 {SECRET}"
    assert "482913" not in without_personal_data("验证码 482913，帮我看看订单")
