"""Metrics API, readiness checks and the ops HTTP endpoint, over real loopback HTTP."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest

from bot.domain import telemetry
from bot.domain.telemetry import RecordingTelemetry, TelemetrySink
from bot.ops import metrics
from bot.ops.health import HealthChecks, chroma_check, default_checks, llm_check, store_check
from bot.ops.http import OpsServer
from tests.support.databases import migrated_database
from tests.support.openai_server import OpenAIServer


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_count_known_and_unknown_events() -> None:
    before = metrics.value("xiaoer_handoffs_total", event="opened", reason="complaint")
    metrics.count("handoff", event="opened", reason="complaint", ignored="x")
    assert metrics.value("xiaoer_handoffs_total", event="opened", reason="complaint") == before + 1
    metrics.count("grounding_violation", kind="price")
    assert metrics.value("xiaoer_grounding_violations_total", kind="price") >= 1
    metrics.count("something_new")
    assert metrics.value("xiaoer_events_total", event="something_new") >= 1
    metrics.count("rate_limited")  # missing labels are filled with ""
    assert metrics.value("xiaoer_rate_limit_hits_total", channel="") >= 1


def test_stage_timer_records_also_on_error() -> None:
    """Core code times stages through the vendor-free facade; the Prometheus sink receives them."""
    before = metrics.value("xiaoer_stage_seconds_count", stage="retrieval")
    with telemetry.stage("retrieval"):
        pass
    with pytest.raises(ValueError), telemetry.stage("retrieval"):
        raise ValueError("boom")
    metrics.observe_stage("retrieval", 0.004)
    assert metrics.value("xiaoer_stage_seconds_count", stage="retrieval") == before + 3
    assert metrics.value("xiaoer_stage_seconds_bucket", stage="retrieval", le="0.005") >= 3


def test_label_values_are_truncated() -> None:
    metrics.count("llm_error", kind="x" * 500)
    body, content_type = metrics.render()
    assert content_type.startswith("text/plain")
    assert ("x" * 49).encode() not in body and ("x" * 48).encode() in body


class _Readings:
    """How a test reads each sink: (event, labels) → count, (model, kind) → tokens, stage → observations."""

    def __init__(self, sink: TelemetrySink) -> None:
        self.sink = sink

    def count(self, metric: str, name: str, /, **labels: str) -> float:
        if isinstance(self.sink, RecordingTelemetry):
            return self.sink.total(name, **labels)
        return metrics.value(metric, **labels)

    def tokens(self, model: str, kind: str) -> float:
        if isinstance(self.sink, RecordingTelemetry):
            return self.sink.tokens[(model, kind)]
        return metrics.value("xiaoer_llm_tokens_total", model=model, kind=kind)

    def stages(self, name: str) -> float:
        if isinstance(self.sink, RecordingTelemetry):
            return len(self.sink.stages.get(name, []))
        return metrics.value("xiaoer_stage_seconds_count", stage=name)


@pytest.mark.parametrize(
    "sink", [metrics.PrometheusSink(), RecordingTelemetry()], ids=["prometheus", "in-memory"]
)
def test_the_telemetry_facade_reaches_the_installed_sink(sink: TelemetrySink) -> None:
    """The contract of the seam: what core code records through `bot.domain.telemetry` reaches the sink."""
    read = _Readings(sink)
    previous = telemetry.install(sink)
    try:
        handoffs = read.count("xiaoer_handoffs_total", "handoff", event="opened", reason="facade")
        stages = read.stages("facade-stage")
        tokens = read.tokens("facade-model", "completion")
        telemetry.count("handoff", event="opened", reason="facade")
        with pytest.raises(ValueError), telemetry.stage("facade-stage"):
            raise ValueError("timed even when it raises")
        telemetry.llm_tokens("facade-model", prompt_tokens=4, completion_tokens=2)
        assert read.count("xiaoer_handoffs_total", "handoff", event="opened", reason="facade") == handoffs + 1
        assert read.stages("facade-stage") == stages + 1
        assert read.tokens("facade-model", "completion") == tokens + 2
    finally:
        telemetry.install(previous)


def test_llm_tokens() -> None:
    metrics.llm_tokens("gpt-test", prompt_tokens=10, completion_tokens=3)
    assert metrics.value("xiaoer_llm_tokens_total", model="gpt-test", kind="prompt") >= 10
    assert metrics.value("xiaoer_llm_tokens_total", model="gpt-test", kind="completion") >= 3


async def test_readiness_reports_each_check(tmp_path: Path, openai_server: OpenAIServer) -> None:
    database = migrated_database(f"sqlite:///{tmp_path / 'h.db'}")
    dead = f"http://127.0.0.1:{_free_port()}"

    async def slow() -> str:
        await asyncio.sleep(30)
        return "never"

    checks = HealthChecks(
        {
            "store": store_check(database),
            "llm": llm_check(openai_server.base_url, "test-key", configured=True),
            "chroma": chroma_check(dead),
            "slow": slow,
        },
        timeout_s=3.0,
    )
    ready, body = await checks.readiness()
    assert not ready and body["status"] == "not ready"
    assert body["checks"]["store"] == {**body["checks"]["store"], "status": "ok", "detail": "sqlite"}
    assert body["checks"]["llm"]["status"] == "ok"
    assert body["checks"]["chroma"]["status"] == "fail" and "Connect" in body["checks"]["chroma"]["detail"]
    assert body["checks"]["slow"] == {
        **body["checks"]["slow"],
        "status": "fail",
        "detail": "timeout after 3s",
    }
    database.dispose()


async def test_offline_defaults_are_ready(tmp_path: Path) -> None:
    database = migrated_database(f"sqlite:///{tmp_path / 'h.db'}")
    checks = default_checks(
        database=database, chroma_url=None, llm_base_url=None, llm_api_key=None, llm_configured=False
    )
    ready, body = await checks.readiness()
    assert ready, body
    assert body["checks"]["chroma"]["detail"] == "embedded"
    assert body["checks"]["llm"]["detail"] == "offline composer"
    database.dispose()


async def test_ops_server_serves_metrics_healthz_readyz(tmp_path: Path) -> None:
    database = migrated_database(f"sqlite:///{tmp_path / 'h.db'}")
    ready_checks = HealthChecks({"store": store_check(database)})
    server = OpsServer(ready_checks, host="127.0.0.1", port=0)
    port = await server.start()
    metrics.count("message", channel="telegram", intent="greeting")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
            scraped = await client.get("/metrics")
            assert scraped.status_code == 200
            assert 'xiaoer_messages_total{channel="telegram",intent="greeting"}' in scraped.text
            assert "process_cpu_seconds_total" in scraped.text
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            ready = await client.get("/readyz")
            assert ready.status_code == 200 and ready.json()["checks"]["store"]["status"] == "ok"
            ready_checks.add("chroma", chroma_check(f"http://127.0.0.1:{_free_port()}"))
            not_ready = await client.get("/readyz")
            assert not_ready.status_code == 503
            assert not_ready.json()["checks"]["chroma"]["status"] == "fail"
    finally:
        await server.stop()
        database.dispose()


async def test_llm_calls_report_latency_tokens_and_errors(openai_server: OpenAIServer) -> None:
    from bot.domain.errors import LLMUnavailable
    from bot.domain.prompt import PromptSpec
    from bot.llm.openai_chat import OpenAIChatConfig, OpenAIChatModel
    from tests.support.openai_server import ScriptedReply

    model = OpenAIChatModel(
        OpenAIChatConfig(
            model="metrics-test",
            base_url=openai_server.base_url,
            api_key="k",
            max_retries=0,
            stream_usage=True,
        )
    )
    prompt = PromptSpec("hi", (("user", "{text}"),), ("text",))
    calls = metrics.value("xiaoer_stage_seconds_count", stage="llm")
    openai_server.enqueue(ScriptedReply("你好", usage=(11, 7)))
    assert await model.complete(prompt, {"text": "hi"}) == "你好"
    assert metrics.value("xiaoer_llm_tokens_total", model="metrics-test", kind="prompt") >= 11
    assert metrics.value("xiaoer_llm_tokens_total", model="metrics-test", kind="completion") >= 7
    openai_server.enqueue("streamed answer")
    assert await model.stream(prompt, {"text": "hi"}) == "streamed answer"
    assert metrics.value("xiaoer_stage_seconds_count", stage="llm") == calls + 2
    errors = _total("xiaoer_llm_errors")
    openai_server.enqueue(ScriptedReply(status=500))
    with pytest.raises(LLMUnavailable):
        await model.complete(prompt, {"text": "hi"})
    assert _total("xiaoer_llm_errors") == errors + 1
    await model.aclose()


def _total(metric: str) -> float:
    """Sum of a counter over all its label values."""
    return sum(
        sample.value
        for family in metrics.REGISTRY.collect()
        if family.name == metric
        for sample in family.samples
        if sample.name.endswith("_total")
    )


async def test_core_reports_retrieval_grounding_violations_and_fallbacks(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    from tests.support.core_fixtures import Chat
    from tests.test_core_llm import grounded, llm_bot

    openai_server.responder = grounded
    bot = llm_bot(tmp_path, openai_server)
    retrievals = metrics.value("xiaoer_stage_seconds_count", stage="retrieval")
    prices = metrics.value("xiaoer_grounding_violations_total", kind="price")
    fallbacks = metrics.value("xiaoer_llm_fallbacks_total", reason="grounding")
    openai_server.enqueue("今天只要 ¥1！", "真的只要 ¥1！")  # the same invented price twice
    reply = await Chat(bot).say("有没有500以内的跑鞋")
    assert reply.meta["source"] == "composer"
    assert metrics.value("xiaoer_stage_seconds_count", stage="retrieval") > retrievals
    assert metrics.value("xiaoer_grounding_violations_total", kind="price") == prices + 2
    assert metrics.value("xiaoer_llm_fallbacks_total", reason="grounding") == fallbacks + 1
    assert metrics.value("xiaoer_stage_seconds_count", stage="grounding") >= 2


async def test_handoffs_are_counted_when_opened_and_closed() -> None:
    from bot.handoff.store import InMemoryHandoffStore
    from tests.test_handoff_service import Clock, ForumDesk, Harness

    h = Harness(InMemoryHandoffStore(), ForumDesk(), Clock())
    opened, closed = _events("opened"), _events("close")
    outs = await h.service.intercept(h.customer("我要投诉，你们就是骗子", 1))
    await h.deliver(outs)
    assert _events("opened") == opened + 1
    await h.service.intercept(h.agent("/close", 2, thread_id="101"))
    await h.service.intercept(h.agent("/close", 3, thread_id="101"))  # a second close changes nothing
    assert _events("close") == closed + 1


def _events(event: str) -> float:
    """Handoff counter for one event, over all reasons."""
    return sum(
        sample.value
        for family in metrics.REGISTRY.collect()
        if family.name == "xiaoer_handoffs"
        for sample in family.samples
        if sample.name.endswith("_total") and sample.labels.get("event") == event
    )
