"""Structured logs: one JSON object per line, context ids attached, secrets and PII redacted."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.ops.logs import configure_logging, log_context

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"


@pytest.fixture
def json_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    configure_logging("DEBUG", json_logs=True, stream=stream)
    yield stream
    for handler in [h for h in root.handlers if h.get_name() == "xiaoer"]:
        root.removeHandler(handler)
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


def _lines(stream: io.StringIO) -> list[dict]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [line for line in lines if line["logger"].startswith("xiaoer")]


def test_json_lines_with_context_ids(json_stream: io.StringIO) -> None:
    log = logging.getLogger("xiaoer.test")
    with log_context(chat_id="42", update_id=1001, channel="telegram"):
        log.info("handled %s in %.1f ms", "message", 12.34, extra={"intent": "recommend"})
    log.warning("outside")
    first, second = _lines(json_stream)
    assert first["message"] == "handled message in 12.3 ms"
    assert (first["chat_id"], first["update_id"], first["channel"]) == ("42", 1001, "telegram")
    assert first["intent"] == "recommend" and first["level"] == "INFO" and first["logger"] == "xiaoer.test"
    assert "chat_id" not in second and second["level"] == "WARNING"


def test_secrets_and_pii_are_redacted_everywhere(json_stream: io.StringIO) -> None:
    log = logging.getLogger("xiaoer.test")
    log.info("POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    log.info(
        "customer said: 我的手机13812345678 邮箱a.b@example.com", extra={"text": "身份证110105199003071234"}
    )
    try:
        raise RuntimeError("bad key sk-abcdefghijklmnopqrstuvwxyz")
    except RuntimeError:
        log.exception("llm failed")
    raw = json_stream.getvalue()
    for secret in (
        TOKEN,
        "13812345678",
        "a.b@example.com",
        "110105199003071234",
        "sk-abcdefghijklmnopqrstuvwxyz",
    ):
        assert secret not in raw
    lines = _lines(json_stream)
    assert lines[1]["text"] == "身份证[id-number]"
    assert "RuntimeError" in lines[2]["exc"] and "[secret]" in lines[2]["exc"]


async def test_context_is_task_local(json_stream: io.StringIO) -> None:
    log = logging.getLogger("xiaoer.test")

    async def handle(chat: str) -> None:
        with log_context(chat_id=chat):
            await asyncio.sleep(0.01)
            log.info("reply for %s", chat)

    await asyncio.gather(handle("a"), handle("b"), handle("c"))
    assert {(line["chat_id"], line["message"][-1]) for line in _lines(json_stream)} == {
        ("a", "a"),
        ("b", "b"),
        ("c", "c"),
    }


def test_plain_format_and_idempotent_configuration() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    try:
        configure_logging("INFO", stream=io.StringIO())
        configure_logging("INFO", stream=stream)
        assert sum(h.get_name() == "xiaoer" for h in root.handlers) == 1
        with log_context(chat_id="7"):
            logging.getLogger("xiaoer.plain").info("token %s", TOKEN)
        line = stream.getvalue().strip()
        assert line.endswith("[chat_id=7]") and TOKEN not in line and "[secret]" in line
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
