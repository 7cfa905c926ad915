"""`xiaoer search`: fixed output (SKU first), --explain details, and clear messages for empty or missing stores."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from knowledge.factory import open_product_index
from knowledge.keywords import build_vocabulary
from tests.support.chroma_server import _free_port
from tests.support.retrieval_products import PRODUCTS

SKUS = {product.sku for product in PRODUCTS}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("search-cli")
    build_vocabulary(PRODUCTS).save(directory / "vocabulary.json")
    open_product_index(directory).upsert(PRODUCTS)
    return directory


def run(data_dir: Path, *args: str, **env: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["search", *args], env={"XIAOER_DATA_DIR": str(data_dir), **env})
    return result.exit_code, [line for line in result.output.splitlines() if line.strip()]


def test_one_hit_per_line_starting_with_its_sku(data_dir: Path) -> None:
    code, lines = run(data_dir, "蓝牙耳机", "--k", "2")
    assert code == 0 and len(lines) == 2
    for line in lines:
        sku, price, title = re.split(r"\s{2,}", line)[:3]
        assert sku in SKUS and re.fullmatch(r"¥\d+\.\d\d", price) and title


def test_query_filters_are_parsed_and_explained(data_dir: Path) -> None:
    code, lines = run(data_dir, "500元以内的跑鞋", "--explain")
    assert code == 0 and lines
    assert lines[0].startswith("SHOE-LINING  ¥499.00  李宁")
    assert all(line.split()[0] in {"SHOE-LINING"} for line in lines)  # the only running shoe under ¥500
    assert "bm25 #" in lines[0] and "vector #" in lines[0] and "fused " in lines[0]
    assert "price ..500" in lines[0]


def test_nonsense_says_no_results(data_dir: Path) -> None:
    code, lines = run(data_dir, "quantum physics textbook")
    assert code == 0 and lines == ["no results for 'quantum physics textbook'"]
    code, weak = run(data_dir, "quantum physics textbook", "--weak", "--k", "3")
    assert code == 0 and len(weak) == 3 and all(line.split()[0] in SKUS for line in weak)


def test_missing_price_and_sold_out_are_shown_honestly(data_dir: Path) -> None:
    _, tea = run(data_dir, "black tea", "--k", "1")
    assert tea == ["SNACK-TEA  -  English Breakfast black tea 100 bags"]
    _, shoes = run(data_dir, "Ultraboost", "--k", "1")
    assert shoes[0].startswith("SHOE-ULTRA") and shoes[0].endswith("[out of stock]")


def test_empty_store_is_a_clear_message(tmp_path: Path) -> None:
    code, lines = run(tmp_path, "跑鞋")
    assert code == 0 and "empty" in lines[0] and "xiaoer ingest" in lines[0]


def test_unreachable_chroma_server_exits_with_a_message(tmp_path: Path) -> None:
    code, lines = run(tmp_path, "跑鞋", XIAOER_CHROMA_URL=f"http://127.0.0.1:{_free_port()}")
    assert code == 3 and "unavailable" in lines[0]


def test_bad_mode_is_rejected(data_dir: Path) -> None:
    code, lines = run(data_dir, "跑鞋", "--mode", "fuzzy")
    assert code == 2 and "--mode" in lines[0]
