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


def test_no_catalog_text_looks_like_personal_data() -> None:
    """Precision on real shop text: the redactor also runs over the history the LLM reads (the assistant's own
    replies quote titles and descriptions), so no title, brand or description of the bundled and test
    catalogs may change — "instrument" is no Instagram handle, "Unit 5" of a title no address."""
    import csv

    root = Path(__file__).resolve().parent.parent
    files = [*root.glob("knowledge/sample/*.csv"), *(root / "tests" / "data").glob("*catalog*.csv")]
    changed = []
    for path in files:
        with path.open(encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                for key in ("title", "brand", "description"):
                    text = row.get(key) or ""
                    if text and redact(text) != text:
                        changed.append((path.name, text[:60], redact(text)[:60]))
    assert files and not changed, changed
