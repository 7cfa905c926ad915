"""The personal-data format sets (tests/data/pii_formats*.yaml): every PII format redacted, every look-alike kept,
every order number kept where orders need it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.privacy.redaction import redact, redact_keeping_orders
from knowledge.yaml_data import load_yaml

_DATA = Path(__file__).parent / "data"
_SET: dict[str, Any] = load_yaml((_DATA / "pii_formats.yaml").read_text(encoding="utf-8"))
# Held-out set 3 (session 8): written before the redactor's rules were read; adds placeholder lists, `keeps`
# (what must survive `redact_keeping_orders`) and `orders`.
_SET_3: dict[str, Any] = load_yaml((_DATA / "pii_formats_3.yaml").read_text(encoding="utf-8"))
# Held-out set 4 (fix13n): phones of other regions, spelt-out e-mails, zh-Hant/Hong Kong/Canadian addresses;
# near-misses: part numbers, "This is Anker", sizes, barcodes, ISBNs.
_SET_4: dict[str, Any] = load_yaml((_DATA / "pii_formats_4.yaml").read_text(encoding="utf-8"))
_PII = [*_SET["pii"], *_SET_3["pii"], *_SET_4["pii"]]
_KEEP = [*_SET["keep"], *_SET_3["keep"], *_SET_4["keep"]]


def test_the_sets_are_broad() -> None:
    assert len(_SET["pii"]) >= 60 and len(_SET["keep"]) >= 40
    assert len(_SET_3["pii"]) >= 120 and len(_SET_3["keep"]) >= 60 and len(_SET_3["orders"]) >= 8
    assert len(_SET_4["pii"]) >= 40 and len(_SET_4["keep"]) >= 40 and len(_SET_4["orders"]) >= 8


@pytest.mark.parametrize("case", _PII, ids=lambda c: c["text"][:40])
def test_every_format_is_redacted(case: dict[str, Any]) -> None:
    redacted = redact(case["text"])
    placeholders = case["placeholder"]
    for placeholder in [placeholders] if isinstance(placeholders, str) else placeholders:
        assert placeholder in redacted, (placeholder, redacted)
    for leak in case["leaks"]:
        assert leak not in redacted, (leak, redacted)
    kept = redact_keeping_orders(case["text"])
    for word in case.get("keeps", []):
        assert word in kept, (word, kept)


@pytest.mark.parametrize("text", _KEEP)
def test_every_look_alike_stays(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize("text", [*_SET_3["orders"], *_SET_4["orders"]])
def test_order_numbers_stay_where_orders_need_them(text: str) -> None:
    """Order and tracking numbers are no personal data: the order flow reads them (an 18-digit order number is
    no ID number, a 10-digit one no phone)."""
    assert redact_keeping_orders(text) == text


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
