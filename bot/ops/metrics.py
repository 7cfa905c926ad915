"""Prometheus metrics: the sink behind `bot.domain.telemetry`, and the exposition for `/metrics`.

Core code records through `bot.domain.telemetry` (no vendor import); importing this module installs the
Prometheus sink, so values are kept in this process's registry until scraped (no server needed). Event
names map to dedicated counters below; label values are truncated so a stray user string can never explode
cardinality.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from bot.domain import telemetry

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

_STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
STAGE_SECONDS = Histogram(
    "xiaoer_stage_seconds",
    "Latency of one pipeline stage (intent, retrieval, llm, grounding, reply, …)",
    ["stage"],
    buckets=_STAGE_BUCKETS,
    registry=REGISTRY,
)
LLM_TOKENS = Counter("xiaoer_llm_tokens_total", "LLM tokens used", ["model", "kind"], registry=REGISTRY)

# event name → (metric name, help, label names). `count()` fills missing labels with "" and drops extras.
EVENTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "message": ("xiaoer_messages_total", "Customer messages handled", ("channel", "intent")),
    "reply": ("xiaoer_replies_total", "Replies sent", ("channel", "kind")),
    "llm_error": ("xiaoer_llm_errors_total", "LLM calls that failed", ("kind",)),
    "llm_fallback": (
        "xiaoer_llm_fallbacks_total",
        "Replies that fell back to the offline composer",
        ("reason",),
    ),
    "grounding_violation": (
        "xiaoer_grounding_violations_total",
        "Ungrounded facts caught in LLM output",
        ("kind",),
    ),
    "grounding_unsupported": (
        "xiaoer_grounding_unsupported_total",
        "LLM reply sentences the allow-list gate did not find support for (action: dropped, regenerated)",
        ("kind", "action"),
    ),
    "handoff": ("xiaoer_handoffs_total", "Human handoff events", ("event", "reason")),
    "rate_limited": ("xiaoer_rate_limit_hits_total", "Messages refused by the rate limiter", ("channel",)),
    "duplicate_update": (
        "xiaoer_duplicate_updates_total",
        "Updates dropped as already processed",
        ("channel",),
    ),
    "error": ("xiaoer_errors_total", "Unexpected errors while handling a message", ("where",)),
    "order_verification": (
        "xiaoer_order_verifications_total",
        "Order verification attempts by outcome (verified, rejected, locked, unavailable)",
        ("outcome",),
    ),
}
OTHER_EVENTS = Counter(
    "xiaoer_events_total", "Events without a dedicated metric", ["event"], registry=REGISTRY
)
_COUNTERS: dict[str, Counter] = {
    event: Counter(name, help_text, list(labels), registry=REGISTRY)
    for event, (name, help_text, labels) in EVENTS.items()
}
_MAX_LABEL = 48


def _label(value: object) -> str:
    return str(value)[:_MAX_LABEL]


def count(event: str, /, amount: float = 1.0, **labels: object) -> None:
    """Increment the counter for `event` (see EVENTS); unknown events land in xiaoer_events_total."""
    counter = _COUNTERS.get(event)
    if counter is None:
        OTHER_EVENTS.labels(event=_label(event)).inc(amount)
        return
    names = EVENTS[event][2]
    counter.labels(**{name: _label(labels.get(name, "")) for name in names}).inc(amount)


def observe_stage(name: str, seconds: float) -> None:
    """Record one stage latency in seconds."""
    STAGE_SECONDS.labels(stage=_label(name)).observe(max(seconds, 0.0))


def llm_tokens(model: str, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
    """Add token usage reported by the LLM (usage metadata of a response)."""
    if prompt_tokens:
        LLM_TOKENS.labels(model=_label(model), kind="prompt").inc(prompt_tokens)
    if completion_tokens:
        LLM_TOKENS.labels(model=_label(model), kind="completion").inc(completion_tokens)


class PrometheusSink:
    """`bot.domain.telemetry.TelemetrySink` over this module's registry."""

    def count(self, event: str, amount: float, labels: dict[str, object]) -> None:
        count(event, amount, **labels)

    def observe_stage(self, name: str, seconds: float) -> None:
        observe_stage(name, seconds)

    def llm_tokens(self, model: str, prompt_tokens: int, completion_tokens: int) -> None:
        llm_tokens(model, prompt_tokens, completion_tokens)


telemetry.install(PrometheusSink())


def value(metric: str, **labels: str) -> float:
    """Current value of a sample (0 when absent) — for /stats and tests."""
    return REGISTRY.get_sample_value(metric, labels) or 0.0


def render() -> tuple[bytes, str]:
    """The Prometheus text exposition of this process and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
