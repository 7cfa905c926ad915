"""Telemetry without a vendor: core code counts events and times stages here; `bot.ops.metrics` exports them.

Why a facade: the conversation core, handoff, coordination and the LLM adapter record what happens
(`telemetry.count("handoff", reason="complaint")`, `with telemetry.stage("retrieval"):`) without importing
prometheus_client or knowing whether a server scrapes them. `bot.ops.metrics` installs the Prometheus sink
when it is imported (the composition root imports it); until then records go nowhere, which is what a
library user embedding the core without metrics wants. `RecordingTelemetry` is the in-memory sink for tests
and benches (`previous = install(RecordingTelemetry())` … `install(previous)`).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class TelemetrySink(Protocol):
    """Where records go (the Prometheus registry in `bot.ops.metrics`)."""

    def count(self, event: str, amount: float, labels: dict[str, object]) -> None: ...

    def observe_stage(self, name: str, seconds: float) -> None: ...

    def llm_tokens(self, model: str, prompt_tokens: int, completion_tokens: int) -> None: ...


class _Discard:
    def count(self, event: str, amount: float, labels: dict[str, object]) -> None:
        return None

    def observe_stage(self, name: str, seconds: float) -> None:
        return None

    def llm_tokens(self, model: str, prompt_tokens: int, completion_tokens: int) -> None:
        return None


class RecordingTelemetry:
    """In-memory sink: `counts[(event, ((label, value), …))]`, `stages[name]` (seconds), `tokens[(model, kind)]`."""

    def __init__(self) -> None:
        self.counts: defaultdict[tuple[str, tuple[tuple[str, str], ...]], float] = defaultdict(float)
        self.stages: dict[str, list[float]] = {}
        self.tokens: Counter[tuple[str, str]] = Counter()

    def count(self, event: str, amount: float, labels: dict[str, object]) -> None:
        self.counts[(event, tuple(sorted((name, str(value)) for name, value in labels.items())))] += amount

    def observe_stage(self, name: str, seconds: float) -> None:
        self.stages.setdefault(name, []).append(seconds)

    def llm_tokens(self, model: str, prompt_tokens: int, completion_tokens: int) -> None:
        self.tokens[(model, "prompt")] += prompt_tokens
        self.tokens[(model, "completion")] += completion_tokens

    def total(self, event: str, /, **labels: object) -> float:
        """Sum of `event` over every label set that includes `labels`."""
        wanted = {(label, str(value)) for label, value in labels.items()}
        return sum(n for (name, key), n in self.counts.items() if name == event and wanted <= set(key))


_sink: TelemetrySink = _Discard()


def install(sink: TelemetrySink) -> TelemetrySink:
    """Send every later record to `sink` (one per process; the last install wins); returns the sink it
    replaces, so a test can put it back."""
    global _sink
    previous, _sink = _sink, sink
    return previous


def count(event: str, /, amount: float = 1.0, **labels: object) -> None:
    """Count one occurrence of `event` (names and labels: `bot.ops.metrics.EVENTS`)."""
    _sink.count(event, amount, labels)


def observe_stage(name: str, seconds: float) -> None:
    """Record one stage latency in seconds."""
    _sink.observe_stage(name, seconds)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """`with telemetry.stage("retrieval"):` — times the block, also when it raises."""
    started = time.perf_counter()
    try:
        yield
    finally:
        _sink.observe_stage(name, time.perf_counter() - started)


def llm_tokens(model: str, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
    """Token usage as the LLM provider reported it."""
    _sink.llm_tokens(model, prompt_tokens, completion_tokens)
