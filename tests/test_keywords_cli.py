"""`xiaoer keywords`: readable and JSON output, with and without an ingested catalog vocabulary."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from knowledge.keywords import build_vocabulary
from knowledge.models import Product


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XIAOER_DATA_DIR", str(tmp_path))
    return tmp_path


def _save_vocabulary(data_dir: Path) -> None:
    products = [
        Product(
            sku="RUN-1",
            title="Nike Air Zoom Pegasus 41 男子跑步鞋",
            brand="Nike",
            category="运动鞋/跑步鞋",
            price=Decimal("899"),
            attributes={"color": "黑色;白色", "size": "41;42"},
        ),
        Product(
            sku="EAR-1",
            title="Sony WH-1000XM5 降噪耳机",
            brand="Sony",
            category="数码/耳机",
            price=Decimal("2499"),
        ),
    ]
    build_vocabulary(products).save(data_dir / "vocabulary.json")


def test_keywords_and_filters_with_the_catalog_vocabulary(data_dir: Path) -> None:
    _save_vocabulary(data_dir)
    result = CliRunner().invoke(app, ["keywords", "500以内的耐克跑鞋，黑色，42码，有货吗"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("keywords: ") and set(lines[0][10:].split(", ")) == {"耐克", "跑鞋", "黑色"}
    assert (
        lines[1]
        == "filters: max_price=500 currency=CNY category=运动鞋/跑步鞋 brand=Nike color=黑色 size=42 in_stock=yes"
    )
    assert "language: zh" in lines and "no catalog vocabulary" not in result.stdout


def test_keywords_json_keeps_prices_exact(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["keywords", "--json", "Sony headphones between 20 and 40.5 dollars"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["language"] == "en" and "sony" in payload["keywords"]
    assert payload["filters"]["min_price"] == "20" and payload["filters"]["max_price"] == "40.5"
    assert payload["filters"]["brand"] is None  # no vocabulary ingested: no catalog brands to match
    assert payload["filters"]["currency"] == "USD" and payload["filters"]["exclude_brands"] == []
    assert set(payload) == {
        "text",
        "normalized",
        "traditional",
        "corrections",
        "language",
        "keywords",
        "textrank",
        "filters",
    }


def test_keywords_show_exclusions_and_what_was_understood(data_dir: Path) -> None:
    _save_vocabulary(data_dir)
    result = CliRunner().invoke(app, ["keywords", "paoxie 不要耐克的"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "not_brand=Nike" in lines[1] and "category=运动鞋/跑步鞋" in lines[1]
    assert "understood: paoxie → 跑鞋" in lines


def test_plain_text_without_filters(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["keywords", "降噪耳机推荐"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == ["keywords: 降噪, 耳机", "filters: (none)"]
    assert "run `xiaoer ingest`" in result.stdout
