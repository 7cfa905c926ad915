"""What agents and customers see of a handoff: the request card, buttons, /queue, transcripts, summaries.

All words come from `bot/prompts/messages.yaml` (`handoff_*` keys); this module only arranges them. The card
text stays under Telegram's 4,096 characters by clipping the summary and the recent turns.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.domain.messages import Button
from bot.handoff.state import Handoff, Status, TranscriptEntry
from bot.prompts import Messages

CARD_LIMIT = 3500  # room below 4,096 for the channel's own formatting
TURN_CHARS = 200
MAX_TURNS = 6
MAX_PRODUCTS = 8
MEMORY_CHARS = 800


def clip(text: str, limit: int) -> str:
    """Whole text, or its first `limit` characters with an ellipsis (characters, not bytes)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reason_label(messages: Messages, reason: str, lang: str) -> str:
    key = f"handoff_reason_{reason}"
    return messages.get(key, lang) if key in messages else reason


def display_name(handoff: Handoff) -> str:
    return handoff.user_name or handoff.user_id


def card_text(
    messages: Messages, handoff: Handoff, context: dict[str, object], lang: str, topic: bool
) -> str:
    """The summary card: who, why, a short summary, products discussed, the latest turns, how to act."""
    m = messages
    lines = [
        m.get("handoff_card_title", lang, id=handoff.short_id),
        m.get(
            "handoff_card_who",
            lang,
            name=display_name(handoff),
            language=handoff.language,
            channel=handoff.channel,
        ),
        m.get("handoff_card_reason", lang, reason=reason_label(m, handoff.reason, lang)),
    ]
    card_lines = [clip(str(line), 200) for line in _list(context.get("card_lines"))]
    if card_lines:  # a feature's structured card (e.g. an after-sales request: order, items, reason, verdict)
        lines += card_lines
    elif handoff.summary:
        lines.append(m.get("handoff_card_summary", lang, summary=clip(handoff.summary, 600)))
    products = [p for p in _rows(context.get("products"), ("sku", "title", "price")) if p][:MAX_PRODUCTS]
    if products:
        lines.append(m.get("handoff_card_products", lang))
        lines += ["• " + " · ".join(clip(str(part), 80) for part in p if str(part)) for p in products]
    turns = [t for t in _rows(context.get("turns"), ("role", "text")) if len(t) >= 2][-MAX_TURNS:]
    if turns:
        lines.append(m.get("handoff_card_turns", lang))
        lines += [f"{t[0]}: {clip(str(t[1]), TURN_CHARS)}" for t in turns]
    if topic:
        help_line = m.get("handoff_card_help_topic", lang)
    else:
        help_line = m.get("handoff_card_help_reply", lang, id=handoff.short_id)
    return clip_lines(lines, CARD_LIMIT - len(help_line) - 1) + "\n" + help_line  # how to act always shows


def clip_lines(lines: Sequence[str], limit: int) -> str:
    text = "\n".join(lines)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rows(value: object, keys: tuple[str, ...]) -> list[tuple[object, ...]]:
    """Context rows as tuples: given as tuples/lists (sku, title, price) or dicts with `keys`."""
    if not isinstance(value, list | tuple):
        return []
    rows: list[tuple[object, ...]] = []
    for item in value:
        if isinstance(item, dict):
            rows.append(tuple(item.get(key, "") for key in keys))
        elif isinstance(item, list | tuple):
            rows.append(tuple(item))
    return rows


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


def extra_buttons(context: dict[str, object]) -> tuple[Button, ...]:
    """A feature's own buttons for the card (`context["buttons"]`, e.g. approve / reject a request)."""
    return tuple(b for b in _list(context.get("buttons")) if isinstance(b, Button) and b.data)


def card_buttons(messages: Messages, handoff: Handoff, lang: str) -> tuple[Button, ...]:
    return (
        Button(messages.get("handoff_button_claim", lang), data=f"h:claim:{handoff.id}"),
        Button(messages.get("handoff_button_close", lang), data=f"h:close:{handoff.id}"),
    )


def rating_buttons(messages: Messages, handoff: Handoff) -> tuple[Button, ...]:
    return tuple(
        Button(messages.get("handoff_rating_button", handoff.language, n=n), data=f"h:rate:{handoff.id}:{n}")
        for n in range(1, 6)
    )


def queue_text(messages: Messages, handoffs: Sequence[Handoff], lang: str, now: float | None = None) -> str:
    """Open requests, oldest first, with their age in minutes."""
    if not handoffs:
        return messages.get("handoff_queue_empty", lang)
    now = time.time() if now is None else now
    lines = [messages.get("handoff_queue_title", lang, count=len(handoffs))]
    for h in handoffs:
        if h.status == Status.CLAIMED:
            status = messages.get("handoff_status_claimed", lang, agent=h.agent_name or h.agent_id or "?")
        else:
            status = messages.get(f"handoff_status_{h.status.value}", lang)
        lines.append(
            messages.get(
                "handoff_queue_line",
                lang,
                id=h.short_id,
                age=max(0, int((now - h.created_at) // 60)),
                status=status,
                name=display_name(h),
                reason=reason_label(messages, h.reason, lang),
            )
        )
    return clip_lines(lines, CARD_LIMIT)


def _stamp(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def transcript_document(
    messages: Messages, handoff: Handoff, entries: Sequence[TranscriptEntry], lang: str
) -> tuple[str, bytes]:
    """The whole exchange as a UTF-8 text file: (file name, bytes)."""
    head = messages.get(
        "handoff_transcript_title",
        lang,
        id=handoff.short_id,
        name=display_name(handoff),
        reason=reason_label(messages, handoff.reason, lang),
    )
    lines = [head, ""]
    for e in entries:
        kind = f" [{e.attachment_kind}]" if e.attachment_kind else ""
        who = f"{e.who} {e.author}".strip()
        lines.append(f"[{_stamp(e.at)}] {who}:{kind} {e.text}".rstrip())
    return f"handoff-{handoff.short_id}.txt", ("\n".join(lines) + "\n").encode("utf-8")


def memory_summary(messages: Messages, handoff: Handoff, entries: Sequence[TranscriptEntry]) -> str:
    """A short note of the human exchange for the bot's memory, so it can pick up where people left off."""
    spoken = [e for e in entries if e.who in ("customer", "agent") and (e.text or e.attachment_kind)]
    parts = [f"{e.who}: {clip(e.text or '[' + e.attachment_kind + ']', 160)}" for e in spoken]
    joined = " / ".join(parts)
    lines = (
        joined if len(joined) <= MEMORY_CHARS else "…" + joined[-(MEMORY_CHARS - 1) :]
    )  # the end matters most
    lines = lines or "-"
    return messages.get(
        "handoff_memory_summary",
        handoff.language,
        reason=reason_label(messages, handoff.reason, handoff.language),
        lines=lines,
    )
