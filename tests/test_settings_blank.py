"""Blank means unset, for every setting.

docker/compose.yaml passes optional settings as `VAR: ${VAR:-}`, which sets them to "" when the operator did not;
a replica that refused "" for an int (XIAOER_SUPPORT_CHAT_ID) crash-looped. Checked over every field, so a new
setting cannot bring the bug back.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.ops.settings import Settings, load_settings


def env_names() -> list[str]:
    names = []
    for name, field in Settings.model_fields.items():
        choices = getattr(field.validation_alias, "choices", [field.validation_alias])
        upper = [c for c in choices if isinstance(c, str) and c.isupper()]
        assert upper, f"{name} has no environment variable name"
        names.append(upper[0])
    return names


@pytest.fixture
def no_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No Xiaoer/Telegram/LLM variables in the environment and no `.env` in the working directory."""
    for name in list(os.environ):
        if name.startswith(("XIAOER_", "TELEGRAM_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("blank", ["", "  "])
def test_every_blank_environment_variable_means_unset(
    no_config: Path, monkeypatch: pytest.MonkeyPatch, blank: str
) -> None:
    unset = load_settings().model_dump()
    for name in env_names():
        monkeypatch.setenv(name, blank)
    assert load_settings().model_dump() == unset


def test_blank_support_chat_id_from_compose_is_none(no_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XIAOER_SUPPORT_CHAT_ID", "")
    monkeypatch.setenv("XIAOER_STAFF_IDS", "")
    monkeypatch.setenv("XIAOER_EMBEDDING_MODEL", "")
    settings = load_settings()
    assert settings.support_chat_id is None and settings.staff_ids == frozenset()
    assert settings.embedding_model is None


def test_blank_environment_falls_through_to_dotenv(no_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (no_config / ".env").write_text("XIAOER_SUPPORT_CHAT_ID=-100123\n", encoding="utf-8")
    monkeypatch.setenv("XIAOER_SUPPORT_CHAT_ID", "")
    assert load_settings().support_chat_id == -100123


def test_blank_keyword_values_mean_unset(no_config: Path) -> None:
    settings = load_settings(XIAOER_SUPPORT_CHAT_ID="", metrics_port=" ", XIAOER_CHROMA_URL="")
    assert settings.support_chat_id is None and settings.metrics_port is None and settings.chroma_url is None
    assert load_settings(XIAOER_SUPPORT_CHAT_ID="42").support_chat_id == 42
