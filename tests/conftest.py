"""Shared fixtures: offline by default; real loopback peers where a test asks for them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain import telemetry
from bot.domain.telemetry import RecordingTelemetry
from tests.support.openai_server import OpenAIServer
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401 (session PostgreSQL fixtures)

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

# Nothing in the suite may reach the network or a real LLM by accident.
for _name in (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "TELEGRAM_BOT_TOKEN",
    "XIAOER_CHROMA_URL",
    "XIAOER_DATABASE_URL",
):
    os.environ.pop(_name, None)
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test`: `-n 2 --dist loadfile`), hand out the modules with `slow` tests (real
    servers, bot processes) first, so that no long module starts last while the other worker sits idle: the
    suite's wall time is then about half its work, not half plus the last module. Order within a module is
    kept; a plain `pytest` run (no workers) keeps the collection order as it is."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    slow_modules = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow_modules)  # stable: modules stay contiguous


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A fresh scripted OpenAI-compatible server on loopback for one test."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def recorded() -> Iterator[RecordingTelemetry]:
    """The in-memory telemetry sink installed for one test (the one before it put back after)."""
    sink = RecordingTelemetry()
    previous = telemetry.install(sink)
    try:
        yield sink
    finally:
        telemetry.install(previous)


@pytest.fixture
def shared_data() -> Path:
    """`../shared/data`, or skip cleanly when this checkout has none beside it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA
