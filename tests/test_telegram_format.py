"""Telegram limits and formatting (pure functions), signed callback data, and the per-user rate limiter."""

from __future__ import annotations

import pytest

from bot.channels.telegram.callbacks import CallbackSigner
from bot.channels.telegram.format import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    card_html,
    escape,
    split_text,
    truncate,
    utf16_len,
)
from bot.coordination.ratelimit import RateDecision, SlidingWindowRateLimiter
from bot.domain.messages import ProductCard
from tests.support.telegram_wire import parse_html


def test_utf16_length_counts_emoji_twice_and_chinese_once() -> None:
    assert utf16_len("耳机") == 2
    assert utf16_len("🎧") == 2


def test_split_prefers_line_boundaries_and_keeps_every_line() -> None:
    lines = [f"第{i}行：蓝牙耳机 wireless earbuds ¥299" for i in range(400)]
    text = "\n".join(lines)
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(utf16_len(chunk) <= TEXT_LIMIT for chunk in chunks)
    assert "\n".join(chunks).split("\n") == lines  # nothing lost, no line cut in half


def test_split_cuts_a_single_huge_line_without_breaking_surrogate_pairs() -> None:
    text = "🎧" * 5000  # 10,000 UTF-16 units, no spaces or line breaks
    chunks = split_text(text)
    assert all(utf16_len(chunk) <= TEXT_LIMIT for chunk in chunks)
    assert "".join(chunks) == text


def test_short_text_is_one_chunk_and_blank_text_none() -> None:
    assert split_text("你好") == ["你好"]
    assert split_text("\n\n") == []


def test_truncate_adds_an_ellipsis_only_when_cutting() -> None:
    assert truncate("abc", 5) == "abc"
    cut = truncate("a" * 50, 10)
    assert cut.endswith("…") and utf16_len(cut) <= 10


def test_escape_round_trips_through_telegram_html_parsing() -> None:
    raw = "<script> & 5 < 6 > 4 “quotes” 'single'"
    text, entities = parse_html(escape(raw))
    assert text == raw and entities == []


def test_card_caption_fits_1024_and_keeps_title_and_facts() -> None:
    card = ProductCard(
        sku="A1",
        title="Sony <WH-1000XM5> & co",
        price_text="¥2,499.00",
        stock_text="有货 12 件",
        summary="降噪" * 2000,
        image_url="https://img.example/a.jpg",
    )
    caption = card_html(card, CAPTION_LIMIT)
    visible, entities = parse_html(caption)
    assert utf16_len(visible) <= CAPTION_LIMIT
    assert visible.startswith("Sony <WH-1000XM5> & co\n¥2,499.00 · 有货 12 件\n降噪")
    assert entities[0]["type"] == "bold"


def test_signed_callback_data_verifies_and_rejects_forgeries() -> None:
    signer = CallbackSigner("123:token")
    signed = signer.sign("d:SKU-001")
    assert len(signed.encode()) <= 64
    assert signer.verify(signed) == "d:SKU-001"
    assert signer.verify("d:SKU-002" + signed[len("d:SKU-001") :]) is None  # tag of another SKU
    assert signer.verify("d:SKU-001") is None  # unsigned
    assert CallbackSigner("other-token").verify(signed) is None  # another bot's key
    assert signer.verify(None) is None


def test_long_callback_data_is_shortened_and_goes_stale_after_restart() -> None:
    signer = CallbackSigner("123:token")
    data = "q:" + "有没有五百元以下的降噪蓝牙耳机" * 2
    signed = signer.sign(data)
    assert len(signed.encode()) <= 64 and signed.startswith("#")
    assert signer.verify(signed) == data
    assert CallbackSigner("123:token").verify(signed) is None  # a new process doesn't know the key: stale


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_rate_limiter_allows_warns_once_then_drops_until_the_window_passes() -> None:
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(3, 10.0, clock=clock)
    decisions = [(await limiter.check("u1")).decision for _ in range(6)]
    assert decisions == [RateDecision.ALLOW] * 3 + [RateDecision.WARN, RateDecision.DROP, RateDecision.DROP]
    assert (await limiter.check("u2")).decision is RateDecision.ALLOW  # other users are not affected
    clock.now += 10.0
    assert (await limiter.check("u1")).decision is RateDecision.ALLOW


async def test_rate_limiter_window_slides() -> None:
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(2, 10.0, clock=clock)
    assert (await limiter.check("u")).decision is RateDecision.ALLOW
    clock.now += 6
    assert (await limiter.check("u")).decision is RateDecision.ALLOW
    verdict = await limiter.check("u")
    assert verdict.decision is RateDecision.WARN and verdict.retry_after_s == pytest.approx(4.0)
    clock.now += 4  # the first message left the window: one slot is free again
    assert (await limiter.check("u")).decision is RateDecision.ALLOW


def test_rate_limiter_rejects_nonsense_configuration() -> None:
    with pytest.raises(ValueError):
        SlidingWindowRateLimiter(0, 10)


async def test_each_new_flood_gets_its_own_notice() -> None:
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(1, 10.0, clock=clock)
    assert [(await limiter.check("u")).decision for _ in range(2)] == [RateDecision.ALLOW, RateDecision.WARN]
    clock.now += 10
    assert [(await limiter.check("u")).decision for _ in range(3)] == [
        RateDecision.ALLOW,
        RateDecision.WARN,
        RateDecision.DROP,
    ]


def test_telegram_is_imported_only_by_the_telegram_channel_modules() -> None:
    """DESIGN habit 2: the vendor library stays in `bot/channels/telegram/` (tests may use it freely)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    offenders = []
    for path in [*root.joinpath("bot").rglob("*.py"), *root.joinpath("knowledge").rglob("*.py")]:
        if "bot/channels/telegram/" in path.as_posix():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == "telegram" or name.startswith("telegram.") for name in names):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_core_button_limit_fits_telegram() -> None:
    """The channel-agnostic button limit the core obeys is within Telegram's own (PTB's constant)."""
    from telegram.constants import InlineKeyboardButtonLimit

    from bot.domain.messages import BUTTON_DATA_MAX_BYTES

    assert BUTTON_DATA_MAX_BYTES <= InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
