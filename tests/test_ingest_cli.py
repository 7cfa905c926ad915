"""`xiaoer ingest`: exit codes (0 ok, 1 rows rejected, 2 not a catalog), `line N: reason` and the summary line.

The store is the real HybridProductIndex (embedded Chroma + bm25s) under a temporary XIAOER_DATA_DIR; the
embeddings come from the offline encoder once and otherwise from the loopback OpenAI-compatible server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from knowledge.catalog import SAMPLE_CATALOG, load_catalog
from tests.support.openai_server import OpenAIServer

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openai_server: OpenAIServer) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    return {
        "XIAOER_DATA_DIR": str(tmp_path / "data"),
        "XIAOER_EMBEDDING_MODEL": "text-embedding-3-small",
        "OPENAI_BASE_URL": openai_server.base_url,
        "OPENAI_API_KEY": "test-key",
    }


def write(tmp_path: Path, name: str, body: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return path


def test_sample_ingest_with_the_offline_encoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"XIAOER_DATA_DIR": str(tmp_path / "data")}
    total = len(load_catalog(SAMPLE_CATALOG).products)
    first = runner.invoke(app, ["ingest", "--sample", "--quiet"], env=env)
    assert first.exit_code == 0, first.output
    assert (
        first.stdout.strip().splitlines()[-1]
        == f"added {total}, updated 0, unchanged 0, removed 0, rejected 0"
    )
    assert (tmp_path / "data" / "vocabulary.json").is_file()
    again = runner.invoke(app, ["ingest", str(SAMPLE_CATALOG), "--prune"], env=env)
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == f"added 0, updated 0, unchanged {total}, removed 0, rejected 0"


def test_rejected_rows_are_listed_and_exit_1(tmp_path: Path, env: dict[str, str]) -> None:
    path = write(tmp_path, "c.csv", 'sku,title,price\nA,杯子,10\nB,碗,-1\n,盘子,3\nA,重复,1\nC,"broken,1\n')
    result = runner.invoke(app, ["ingest", str(path)], env=env)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "line 3: negative price '-1'",
        "line 4: missing SKU",
        "line 5: duplicate SKU 'A' (first seen on line 2)",
        "line 6: broken quoting: unterminated quoted field",
        "added 1, updated 0, unchanged 0, removed 0, rejected 4",
    ]


def test_not_a_catalog_exits_2_with_one_message_and_keeps_the_store(
    tmp_path: Path, env: dict[str, str]
) -> None:
    good = write(tmp_path, "good.csv", "sku,title\nA,杯子\nB,碗\n")
    assert runner.invoke(app, ["ingest", str(good)], env=env).exit_code == 0
    for name, body in (
        ("x.png", b"\x89PNG\x00\x00"),
        ("empty.csv", b""),
        ("other.csv", "名称,价格\n杯子,1\n"),
        ("list.json", "[1, 2]"),
    ):
        result = runner.invoke(app, ["ingest", str(write(tmp_path, name, body)), "--prune"], env=env)
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output
    again = runner.invoke(app, ["ingest", str(good)], env=env)
    assert again.stdout.strip() == "added 0, updated 0, unchanged 2, removed 0, rejected 0"


def test_prune_removes_vanished_skus_and_explains_a_skipped_prune(
    tmp_path: Path, env: dict[str, str]
) -> None:
    runner.invoke(app, ["ingest", str(write(tmp_path, "a.csv", "sku,title\nA,a\nB,b\nC,c\n"))], env=env)
    pruned = runner.invoke(
        app, ["ingest", str(write(tmp_path, "b.csv", "sku,title\nA,a\nB,b\n")), "--prune"], env=env
    )
    assert pruned.exit_code == 0
    assert pruned.stdout.strip() == "added 0, updated 0, unchanged 2, removed 1, rejected 0"
    broken = write(tmp_path, "c.csv", b"sku,title\nA,a\n\xff\xfe,x\n")
    skipped = runner.invoke(app, ["ingest", str(broken), "--prune"], env=env)
    assert skipped.exit_code == 1
    assert "prune skipped: 1 rejected row(s) have no readable SKU" in skipped.stdout
    assert skipped.stdout.strip().endswith("removed 0, rejected 1")


def test_map_flags_map_file_and_format(tmp_path: Path, env: dict[str, str]) -> None:
    feed = write(tmp_path, "feed.dat", "货号,名称,售价\nM1,保温杯,59.00\n")
    mapping = write(tmp_path, "map.yaml", "货号: sku\n名称: title\n")
    result = runner.invoke(
        app, ["ingest", str(feed), "--format", "csv", "--map", str(mapping), "--map", "售价=price"], env=env
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "added 1, updated 0, unchanged 0, removed 0, rejected 0"
    bad_map = runner.invoke(app, ["ingest", str(feed), "--map", "名称=headline"], env=env)
    assert bad_map.exit_code == 2 and "not a catalog column" in bad_map.stderr


def test_usage_errors(tmp_path: Path, env: dict[str, str]) -> None:
    missing = runner.invoke(app, ["ingest"], env=env)
    assert missing.exit_code == 2 and "PATH or --sample" in missing.stderr
    absent = runner.invoke(app, ["ingest", str(tmp_path / "nope.csv")], env=env)
    assert absent.exit_code == 2 and "no such file" in absent.stderr
    fmt = runner.invoke(app, ["ingest", str(SAMPLE_CATALOG), "--format", "xml"], env=env)
    assert fmt.exit_code == 2 and "unknown catalog format" in fmt.stderr


def test_a_gbk_file_is_read_with_a_note(tmp_path: Path, env: dict[str, str]) -> None:
    path = write(tmp_path, "excel.csv", "sku,title\nG1,保温杯\n".encode("gbk"))
    result = runner.invoke(app, ["ingest", str(path)], env=env)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "note: the file is not UTF-8; it was read as GB18030",
        "added 1, updated 0, unchanged 0, removed 0, rejected 0",
    ]
