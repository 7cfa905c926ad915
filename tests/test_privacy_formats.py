"""The personal-data format set (tests/data/pii_formats.yaml): every PII format redacted, every look-alike kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.privacy.redaction import redact
from knowledge.yaml_data import load_yaml

_SET: dict[str, Any] = load_yaml(
    (Path(__file__).parent / "data" / "pii_formats.yaml").read_text(encoding="utf-8")
)


def test_the_set_is_broad() -> None:
    assert len(_SET["pii"]) >= 60 and len(_SET["keep"]) >= 40


@pytest.mark.parametrize("case", _SET["pii"], ids=lambda c: c["text"][:40])
def test_every_format_is_redacted(case: dict[str, Any]) -> None:
    redacted = redact(case["text"])
    assert case["placeholder"] in redacted, redacted
    for leak in case["leaks"]:
        assert leak not in redacted, (leak, redacted)


@pytest.mark.parametrize("text", _SET["keep"])
def test_every_look_alike_stays(text: str) -> None:
    assert redact(text) == text
