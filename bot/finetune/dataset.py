"""Fine-tuning examples from the shop's own traffic, as chat-format JSONL (`{"messages": [...]}`).

Three sources (counts of each in `summary.json`):
- bot: conversations the bot answered without a handoff — each chat is cut into sessions (30 minutes of
  silence ends one), and a session counts up to its first complaint (handoff trigger phrases); an exchange
  the bot refused ("can't help") is left out and the session goes on as a new example after it; a session
  a handoff followed within 10 minutes is left out.
- agent: chats an agent handled, the agent's replies as the target; a chat rated 1–2 is left out.
- copy: copy staff kept with `/keep`: the product facts in, the JSON copy out.
Every message is PII-redacted (`bot/privacy/redaction.py`) before anything else looks at it. Near-duplicates
(digits folded, MinHash over character 4-grams, Jaccard ≥ 0.85) keep their first example. The train /
validation split is a hash of each example's text, so it never changes between runs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.finetune.source import HandledChat, KeptCopyRecord, Line, TrafficSource

SESSION_GAP = timedelta(minutes=30)
HANDOFF_AFTER = timedelta(minutes=10)
MAX_MESSAGES = 13  # system + up to six exchanges
_NOT_TEXT = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")
_PERMUTATIONS = 32
_BANDS = 8


@dataclass(frozen=True)
class Example:
    source: str  # "bot", "agent" or "copy"
    messages: tuple[dict[str, str], ...]

    def key(self) -> str:
        """The text near-duplicates are judged on: every non-system message, digits folded, no punctuation."""
        body = " ".join(m["content"] for m in self.messages if m["role"] != "system")
        return _DIGITS.sub("0", _NOT_TEXT.sub("", body.lower()))

    def line(self) -> str:
        return json.dumps({"messages": list(self.messages)}, ensure_ascii=False)


@dataclass
class ExportSummary:
    """Counts per source: candidates seen, why some were left out, and what was written."""

    since: str
    until: str
    seen: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)  # "bot: complaint", "agent: low rating" …
    duplicates: Counter[str] = field(default_factory=Counter)
    train: Counter[str] = field(default_factory=Counter)
    validation: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        sources = sorted(set(self.seen) | set(self.train) | set(self.validation))
        return {
            "since": self.since,
            "until": self.until,
            "sources": {
                s: {
                    "seen": self.seen[s],
                    "duplicates": self.duplicates[s],
                    "train": self.train[s],
                    "validation": self.validation[s],
                }
                for s in sources
            },
            "dropped": dict(sorted(self.dropped.items())),
            "train": sum(self.train.values()),
            "validation": sum(self.validation.values()),
        }


def _sessions(lines: Sequence[Line]) -> list[list[Line]]:
    out: list[list[Line]] = []
    for line in lines:
        if not out or line.at - out[-1][-1].at > SESSION_GAP:
            out.append([])
        out[-1].append(line)
    return out


def _dialogue(system: str, lines: Iterable[tuple[str, str]]) -> tuple[dict[str, str], ...] | None:
    """system + alternating user/assistant (same-role lines merged), ending with the assistant."""
    merged: list[dict[str, str]] = []
    for role, text in lines:
        text = text.strip()
        if not text:
            continue
        if merged and merged[-1]["role"] == role:
            merged[-1] = {"role": role, "content": f"{merged[-1]['content']}\n{text}"}
        else:
            merged.append({"role": role, "content": text})
    while merged and merged[0]["role"] != "user":
        merged.pop(0)
    while merged and merged[-1]["role"] != "assistant":
        merged.pop()
    if not merged:
        return None
    tail = merged[-(MAX_MESSAGES - 1) :]
    if tail[0]["role"] != "user":
        tail = tail[1:]
    return ({"role": "system", "content": system}, *tail)


def build_examples(
    source: TrafficSource,
    since: datetime,
    until: datetime,
    *,
    redact: Callable[[str], str],
    systems: dict[str, str],
    complaint: Callable[[str], bool],
    refusal: Callable[[str], bool],
) -> tuple[list[Example], ExportSummary]:
    """Every eligible example (redacted, before dedupe and split) and the counts so far."""
    summary = ExportSummary(since.isoformat(), until.isoformat())
    handled = source.handled_chats(since, until + HANDOFF_AFTER)
    handoff_times: dict[str, list[datetime]] = {}
    for chat in handled:
        handoff_times.setdefault(chat.chat_id, []).append(chat.created_at)
    examples: list[Example] = []
    for conversation in source.conversations(since, until):
        for session in _sessions(conversation.lines):
            summary.seen["bot"] += 1
            end = session[-1].at
            if any(
                session[0].at <= t <= end + HANDOFF_AFTER for t in handoff_times.get(conversation.chat_id, ())
            ):
                summary.dropped["bot: handed off"] += 1
                continue
            for kept in _segments(session, redact, complaint, refusal, summary):
                messages = _dialogue(systems["chat"], kept)
                if messages is None:
                    summary.dropped["bot: no answered exchange"] += 1
                    continue
                examples.append(Example("bot", messages))
    for chat in handled:
        if chat.created_at >= until:
            continue
        examples += _agent_example(chat, summary, redact, systems["agent"])
    for copy in source.kept_copies(since, until):
        examples.append(_copy_example(copy, summary, redact, systems["copy"]))
    return examples, summary


def _segments(
    session: Sequence[Line],
    redact: Callable[[str], str],
    complaint: Callable[[str], bool],
    refusal: Callable[[str], bool],
    summary: ExportSummary,
) -> list[list[tuple[str, str]]]:
    """The session's (role, redacted text) runs worth learning from: a refusal drops its own exchange and
    starts a new run after it (a greeting the bot declined does not cost the good answers that follow); a
    complaint ends the session (what the customer complained about is not a target)."""
    runs: list[list[tuple[str, str]]] = [[]]
    for line in session:
        if line.role == "customer" and complaint(line.text):
            summary.dropped["bot: cut at a complaint"] += 1
            break
        if line.role == "bot" and refusal(line.text):
            summary.dropped["bot: refused exchange left out"] += 1
            runs.append([])
            continue
        if line.role in ("customer", "bot"):
            runs[-1].append(("user" if line.role == "customer" else "assistant", redact(line.text)))
    return [run for run in runs if run]


def _agent_example(
    chat: HandledChat, summary: ExportSummary, redact: Callable[[str], str], system: str
) -> list[Example]:
    summary.seen["agent"] += 1
    if chat.rating is not None and chat.rating <= 2:
        summary.dropped["agent: rated 1–2"] += 1
        return []
    lines = [("user" if line.role == "customer" else "assistant", redact(line.text)) for line in chat.lines]
    messages = _dialogue(system, lines)
    if messages is None:
        summary.dropped["agent: no agent reply"] += 1
        return []
    return [Example("agent", messages)]


def _copy_example(
    copy: KeptCopyRecord, summary: ExportSummary, redact: Callable[[str], str], system: str
) -> Example:
    summary.seen["copy"] += 1
    prompt = f"平台：{copy.platform}\n语气：{copy.tone}\n商品资料：\n{copy.facts}"
    answer = json.dumps(
        {"title": copy.title, "text": copy.text, "bullets": list(copy.bullets)}, ensure_ascii=False
    )
    return Example(
        "copy",
        (
            {"role": "system", "content": system},
            {"role": "user", "content": redact(prompt)},
            {"role": "assistant", "content": redact(answer)},
        ),
    )


def _signature(text: str) -> tuple[int, ...]:
    grams = {text[i : i + 4] for i in range(max(1, len(text) - 3))}
    return tuple(
        min(
            int.from_bytes(hashlib.blake2b(f"{seed}:{g}".encode(), digest_size=8).digest(), "big")
            for g in grams
        )
        for seed in range(_PERMUTATIONS)
    )


def _jaccard(a: str, b: str) -> float:
    grams_a = {a[i : i + 4] for i in range(max(1, len(a) - 3))}
    grams_b = {b[i : i + 4] for i in range(max(1, len(b) - 3))}
    return len(grams_a & grams_b) / len(grams_a | grams_b) if grams_a | grams_b else 1.0


def deduplicate(examples: list[Example], summary: ExportSummary, threshold: float = 0.85) -> list[Example]:
    """Drop examples whose text is (nearly) that of an earlier one: exact on the folded key, then MinHash LSH."""
    kept: list[Example] = []
    seen_keys: set[str] = set()
    buckets: dict[tuple[int, tuple[int, ...]], list[str]] = {}
    rows = _PERMUTATIONS // _BANDS
    for example in examples:
        key = example.key()
        duplicate = key in seen_keys
        bands = []
        if not duplicate:
            signature = _signature(key)
            bands = [(b, signature[b * rows : (b + 1) * rows]) for b in range(_BANDS)]
            candidates = {k for band in bands for k in buckets.get(band, ())}
            duplicate = any(_jaccard(key, other) >= threshold for other in candidates)
        if duplicate:
            summary.duplicates[example.source] += 1
            continue
        seen_keys.add(key)
        for band in bands:
            buckets.setdefault(band, []).append(key)
        kept.append(example)
    return kept


def is_validation(example: Example, percent: int = 10) -> bool:
    """Deterministic split: a hash of the example's text, not a random draw."""
    digest = hashlib.sha256(example.key().encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def write_dataset(
    examples: list[Example], summary: ExportSummary, out: Path, validation_percent: int = 10
) -> ExportSummary:
    """Dedupe, split and write `train.jsonl`, `validation.jsonl` and `summary.json` into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    unique = deduplicate(examples, summary)
    with (
        (out / "train.jsonl").open("w", encoding="utf-8") as train,
        (out / "validation.jsonl").open("w", encoding="utf-8") as validation,
    ):
        for example in unique:
            held_out = is_validation(example, validation_percent)
            (validation if held_out else train).write(example.line() + "\n")
            (summary.validation if held_out else summary.train)[example.source] += 1
    (out / "summary.json").write_text(
        json.dumps(summary.as_dict(), ensure_ascii=False, indent=2) + "\n", "utf-8"
    )
    return summary
