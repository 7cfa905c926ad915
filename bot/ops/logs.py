"""Logging for people (plain) or for machines (one JSON object per line), always redacted.

Why a filter on the handler: whatever a library logs (httpx logs request URLs that contain the Telegram
token; exceptions may quote a customer's phone number), it passes `redact()` before leaving the process.
`log_context(chat_id=…, update_id=…)` attaches ids to every record logged inside a handler, so one
message's way through the replicas can be followed in the log store.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.privacy.redaction import redact

_CONTEXT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "xiaoer_log_context", default=None
)
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
CONTEXT_KEYS = ("chat_id", "update_id", "user_id", "channel", "replica")


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Attach fields (chat_id, update_id, …) to every log record emitted inside the block (task-local)."""
    current = dict(_CONTEXT.get() or {})
    current.update({k: v for k, v in fields.items() if v is not None})
    token = _CONTEXT.set(current)
    try:
        yield
    finally:
        _CONTEXT.reset(token)


# Fields of chat-platform objects that carry who a person is or what they wrote: PTB logs whole updates and
# Bot API calls at DEBUG ("Processing update Update(message=Message(from_user=User(first_name=…), text=…))").
PERSONAL_FIELDS = frozenset(
    {"first_name", "last_name", "username", "text", "caption", "phone_number", "email", "bio", "vcard",
     "address", "title", "description", "query", "data", "name", "full_name", "contact", "location"}
)  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]|\n")


def escape_controls(text: str) -> str:
    """CR, LF and every other control character as a visible escape (`\\n`, `\\x1b`): one record is one
    line, so a value like a file name "a.csv\\r\\nINFO forged" cannot forge a log line. Tabs stay."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)


def scrub(value: Any, depth: int = 0) -> Any:
    """A log argument without personal fields: platform objects (anything with `to_dict()`) and mappings
    keep their ids and kinds, names and message texts become '[redacted]'."""
    if depth > 6:
        return "…"
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not isinstance(value, dict):
        try:
            value = {"type": type(value).__name__, **to_dict()}
        except Exception:  # a broken object is still not printed
            return f"<{type(value).__name__}>"
    if isinstance(value, dict):
        return {k: "[redacted]" if k in PERSONAL_FIELDS else scrub(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub(v, depth + 1) for v in value)
    return value


class RedactingFilter(logging.Filter):
    """The one place every record passes: personal fields scrubbed from its arguments, the message rendered
    once, redacted and with control characters escaped (string extras too), the task's context added."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = scrub(record.args)
        record.msg = escape_controls(redact(record.getMessage()))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key, value in list(vars(record).items()):
            if key not in _RESERVED and isinstance(value, str):
                setattr(record, key, escape_controls(redact(value)))
        for key, value in (_CONTEXT.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context ids, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value if isinstance(value, int | float | bool | type(None)) else str(value)
        if record.exc_text:
            payload["exc"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False)


class _PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(f"{k}={getattr(record, k)}" for k in CONTEXT_KEYS if hasattr(record, k))
        return f"{line} [{ids}]" if ids else line


def configure_logging(level: str = "INFO", *, json_logs: bool = False, stream: TextIO | None = None) -> None:
    """Install one redacting handler on the root logger (idempotent: replaces earlier Xiaoer handlers)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name("xiaoer")
    handler.addFilter(RedactingFilter())
    handler.setFormatter(
        JsonFormatter() if json_logs else _PlainFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "xiaoer"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpx2", "httpcore", "chromadb", "telegram.ext.Updater", "tornado.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
