"""The terminal channel renders the core's replies (cards, buttons) and switches roles; real bot, real rich."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from bot.channels.terminal import SUPPORT_CHAT, TerminalChannel
from bot.domain.messages import Role
from bot.handoff.outbox import support_chats_for
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.wiring import build_handoff_service
from tests.support.core_fixtures import make_bot


def channel(tmp_path: Path, **kwargs: object) -> tuple[TerminalChannel, io.StringIO]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, force_terminal=False, color_system=None)
    return TerminalChannel(make_bot(tmp_path, **kwargs), console, prompt=False), buffer  # type: ignore[arg-type]


async def test_piped_lines_get_one_answer_each_in_order(tmp_path: Path) -> None:
    term, out = channel(tmp_path)
    lines = iter(["有没有500以内的跑鞋\n", "第二个有货吗\n", ""])
    await term.run(lambda: next(lines))
    text = out.getvalue()
    assert text.index("为您挑了这几款") < text.index("有货，可以放心下单")
    assert "RUN-" in text and "[1]详情" in text and "¥" in text


async def test_buttons_can_be_pressed_by_number(tmp_path: Path) -> None:
    term, out = channel(tmp_path)
    await term.on_line("/start")
    assert "[1] 有没有500以内的跑鞋" in out.getvalue()
    await term.on_line(":b 1")
    assert out.getvalue().count("为您挑了这几款") == 1
    first_sku = term.session.buttons[0].data
    await term.on_line(":b 1")  # details of the first product
    assert (
        first_sku is not None and first_sku.removeprefix("d:") in out.getvalue().split("为您挑了这几款")[-1]
    )
    await term.on_line(":b 99")
    assert "no button 99" in out.getvalue()


async def test_roles_and_quit(tmp_path: Path) -> None:
    gate = build_handoff_service(prompts_dir=DEFAULT_PROMPTS_DIR, support_chats=support_chats_for(None))
    term, out = channel(tmp_path, handoff=gate)
    await term.on_line(":as staff")
    assert term.session.role is Role.STAFF and term.inbound("x").chat_id == "terminal"
    await term.on_line(":as agent")
    inbound = term.inbound("hello")
    assert inbound.chat_id == SUPPORT_CHAT and inbound.role is Role.AGENT and inbound.is_group
    await term.on_line(":as customer")
    await term.on_line("转人工")
    assert f"→ [{SUPPORT_CHAT}]" in out.getvalue()  # the request card went to the support chat
    assert await term.on_line(":quit") is False
    await term.on_line(":as wizard")
    assert "use :as customer" in out.getvalue()


async def test_a_bare_digit_right_after_the_rating_prompt_is_a_rating(tmp_path: Path) -> None:
    gate = build_handoff_service(prompts_dir=DEFAULT_PROMPTS_DIR, support_chats=support_chats_for(None))
    term, out = channel(tmp_path, handoff=gate)
    await term.on_line("转人工")
    await term.on_line(":as agent")
    await term.on_line("/claim")
    await term.on_line("您好，请问有什么可以帮您？")
    await term.on_line("/close")
    await term.on_line(":as customer")
    before = out.getvalue()
    await term.on_line("5")  # typed, not :b 5
    after = out.getvalue()[len(before) :]
    assert "感谢您的评价（5 分）" in after and "为您挑了这几款" not in after
    await term.on_line("5")  # the prompt was answered: now "5" is an ordinary message again
    assert "感谢您的评价" not in out.getvalue()[len(before) + len(after) :]
