"""Shared fixtures: offline by default; real loopback peers where a test asks for them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A fresh scripted OpenAI-compatible server on loopback for one test."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def shared_data() -> Path:
    """`../shared/data`, or skip cleanly when this checkout has none beside it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA
