"""The handoff state machine and trigger file, without any I/O."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.errors import PromptFileError
from bot.handoff.state import HELD, OPEN, Event, InvalidTransition, Status, sources, transition
from bot.handoff.triggers import TriggerSet, detect_trigger


def test_happy_path_request_claim_close() -> None:
    status = Status.WAITING
    status = transition(status, Event.CLAIM)
    assert status is Status.CLAIMED
    assert transition(status, Event.CLOSE) is Status.CLOSED


def test_timeout_only_from_waiting_and_late_claim_allowed() -> None:
    assert transition(Status.WAITING, Event.TIMEOUT) is Status.TIMED_OUT
    with pytest.raises(InvalidTransition):
        transition(Status.CLAIMED, Event.TIMEOUT)
    # the request stays open after a timeout: an agent may still pick it up
    assert Status.TIMED_OUT in OPEN and Status.TIMED_OUT not in HELD
    assert transition(Status.TIMED_OUT, Event.CLAIM) is Status.CLAIMED


def test_double_claim_and_double_close_are_refused() -> None:
    with pytest.raises(InvalidTransition, match="claim a handoff that is claimed"):
        transition(Status.CLAIMED, Event.CLAIM)
    with pytest.raises(InvalidTransition):
        transition(Status.CLOSED, Event.CLOSE)
    with pytest.raises(InvalidTransition):
        transition(Status.CLOSED, Event.CLAIM)


@pytest.mark.parametrize("status", [Status.WAITING, Status.CLAIMED, Status.TIMED_OUT])
def test_customer_can_leave_from_any_open_status(status: Status) -> None:
    assert transition(status, Event.LEAVE) is Status.CLOSED
    assert status in sources(Event.LEAVE)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("我要转人工", "requested"),
        ("人工客服在吗", "requested"),
        ("Can I talk to a person please", "requested"),
        ("I want a REAL HUMAN", "requested"),
        ("let me speak with an agent", "requested"),
        ("我要投诉你们", "complaint"),
        ("你们就是骗子", "complaint"),
        ("退款不给是吧", "complaint"),
        ("服务太差了", "complaint"),
        ("This is ridiculous!!", "complaint"),
        ("what a scam", "complaint"),
        ("商家拒绝退款怎么办", "refund_dispute"),
        ("收到是坏的，屏幕破损", "damaged_goods"),
        ("The blender arrived broken", "damaged_goods"),
        ("我被重复扣款了", "payment_problem"),
        ("I was charged twice", "payment_problem"),
    ],
)
def test_default_triggers_detect_reasons(text: str, reason: str) -> None:
    assert detect_trigger(text) == reason


@pytest.mark.parametrize("text", ["怎么退款", "有没有500以内的跑鞋", "what is your return policy", "", "   "])
def test_ordinary_questions_do_not_trigger(text: str) -> None:
    assert detect_trigger(text) is None


def test_groups_can_be_disabled_and_reason_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "triggers.yaml"
    path.write_text(
        "groups:\n"
        "  requested: {enabled: false, phrases: [转人工]}\n"
        "  angry: {reason: complaint_custom, phrases: [气死了], patterns: ['不.{0,2}满意']}\n"
        "leave: [/cancel, 不用了]\n",
        encoding="utf-8",
    )
    triggers = TriggerSet.load(path)
    assert triggers.detect("转人工") is None
    assert triggers.detect("真是气死了") == "complaint_custom"
    assert triggers.detect("我很不满意") == "complaint_custom"
    assert triggers.reasons() == ["complaint_custom"]
    assert triggers.is_leave("/cancel") and triggers.is_leave("/cancel@xiaoer_bot")
    assert triggers.is_leave("好的不用了谢谢")
    assert not triggers.is_leave("/cancelled") and not triggers.is_leave("你好")


@pytest.mark.parametrize(
    "body",
    [
        "groups: []\n",
        "groups:\n  x: {phrases: []}\n",
        "groups:\n  x: {phrases: [a], colour: red}\n",
        "groups:\n  x: {patterns: ['(']}\n",
        ": : :",
    ],
)
def test_bad_trigger_files_fail_with_the_file_name(tmp_path: Path, body: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(PromptFileError, match=r"bad\.yaml"):
        TriggerSet.load(path)
