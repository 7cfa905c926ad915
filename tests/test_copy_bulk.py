"""Bulk copy: the fixed JSONL/CSV format, resume without duplicates (torn last line, killed process), errors."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.copywriting.bulk import COLUMNS, BulkOutput, run_bulk
from bot.copywriting.platforms import CopyLibrary
from bot.copywriting.service import CopyService
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from knowledge.catalog import SAMPLE_CATALOG, load_catalog, write_catalog_csv
from knowledge.models import Product
from tests.support.openai_server import OpenAIServer, last_user_text

LIBRARY = CopyLibrary.load(DEFAULT_PROMPTS_DIR)
PRODUCTS = load_catalog(SAMPLE_CATALOG).products[:6]
OLD_KEYS = ["sku", "platform", "variant", "title", "text", "bullets", "keywords", "flags"]
ROW_KEYS = [*OLD_KEYS, "needs_translation", "grounded"]  # fields are only ever added, at the end


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def test_jsonl_rows_have_exactly_the_fixed_shape(tmp_path: Path) -> None:
    out = tmp_path / "copy.jsonl"
    report = await run_bulk(
        CopyService(LIBRARY), PRODUCTS[:2], platform="amazon", tone="plain", variants=2, out=out
    )
    rows = _jsonl(out)
    assert report.ok and report.written == 4 and len(rows) == 4
    for row in rows:
        assert list(row) == ROW_KEYS
        assert row["platform"] == "amazon" and row["variant"] in (1, 2) and isinstance(row["variant"], int)
        assert isinstance(row["title"], str) and isinstance(row["text"], str)
        assert 3 <= len(row["bullets"]) <= 5 and all(isinstance(b, str) for b in row["bullets"])
        assert isinstance(row["needs_translation"], bool) and row["grounded"] is True
        assert isinstance(row["keywords"], list) and isinstance(row["flags"], list)
        assert all({"type", "term", "action"} <= set(flag) for flag in row["flags"])
    assert sorted((r["sku"], r["variant"]) for r in rows) == sorted(
        (p.sku, v) for p in PRODUCTS[:2] for v in (1, 2)
    )


async def test_no_bullet_platform_writes_an_empty_list_and_csv_encodes_lists_as_json(tmp_path: Path) -> None:
    out = tmp_path / "copy.csv"
    await run_bulk(
        CopyService(LIBRARY), PRODUCTS[:3], platform="xiaohongshu", tone="playful", variants=1, out=out
    )
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(COLUMNS) and len(rows) == 3
    assert all(json.loads(r["bullets"]) == [] for r in rows)
    assert all(isinstance(json.loads(r["keywords"]), list) for r in rows)
    assert all("\n" in r["text"] for r in rows)  # multi-line notes survive CSV quoting


async def test_a_csv_started_before_the_new_columns_is_resumed_in_its_own_shape(tmp_path: Path) -> None:
    out = tmp_path / "copy.csv"
    service = CopyService(LIBRARY)
    await run_bulk(service, PRODUCTS[:1], platform="taobao", tone="plain", variants=1, out=out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    old = tmp_path / "old.csv"
    with old.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, OLD_KEYS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    report = await run_bulk(service, PRODUCTS[:3], platform="taobao", tone="plain", variants=1, out=old)
    with old.open(encoding="utf-8", newline="") as handle:
        resumed = list(csv.DictReader(handle))
    assert report.skipped == 1 and report.written == 2
    assert [r["sku"] for r in resumed] == [p.sku for p in PRODUCTS[:3]] and list(resumed[0]) == OLD_KEYS


async def test_resume_skips_done_rows_and_redoes_a_torn_last_line(tmp_path: Path) -> None:
    out = tmp_path / "copy.jsonl"
    service = CopyService(LIBRARY)
    await run_bulk(service, PRODUCTS[:3], platform="taobao", tone="plain", variants=1, out=out)
    whole = out.read_bytes()
    out.write_bytes(whole[: len(whole) - 25])  # a crash in the middle of writing the third row
    report = await run_bulk(service, PRODUCTS, platform="taobao", tone="plain", variants=1, out=out)
    rows = _jsonl(out)
    assert report.repaired_tail and report.skipped == 2 and report.written == 4
    assert sorted(r["sku"] for r in rows) == sorted(p.sku for p in PRODUCTS)  # no duplicates, none lost
    again = await run_bulk(service, PRODUCTS, platform="taobao", tone="plain", variants=1, out=out)
    assert (again.written, again.skipped, again.repaired_tail) == (0, 6, False)


async def test_resume_of_a_torn_csv_row(tmp_path: Path) -> None:
    out = tmp_path / "copy.csv"
    service = CopyService(LIBRARY)
    await run_bulk(service, PRODUCTS[:2], platform="douyin", tone="plain", variants=1, out=out)
    whole = out.read_bytes()
    out.write_bytes(whole[: len(whole) - 40])
    output = BulkOutput(out).open()
    output.close()
    assert output.repaired_tail and len(output.done) == 1
    await run_bulk(service, PRODUCTS[:2], platform="douyin", tone="plain", variants=1, out=out)
    with out.open(encoding="utf-8", newline="") as handle:
        assert sorted(r["sku"] for r in csv.DictReader(handle)) == sorted(p.sku for p in PRODUCTS[:2])


class _BrokenForOneSku(CopyService):
    """A service whose generation fails for one SKU, to see the run carry on (a readable fake)."""

    async def generate_variant(self, product: Product, platform: str, tone: str | None, variant: int):
        if product.sku == PRODUCTS[1].sku:
            raise RuntimeError("model exploded")
        return await super().generate_variant(product, platform, tone, variant)


async def test_a_failing_row_is_reported_and_the_rest_completed(tmp_path: Path) -> None:
    out = tmp_path / "copy.jsonl"
    report = await run_bulk(
        _BrokenForOneSku(LIBRARY), PRODUCTS[:4], platform="wechat", tone=None, variants=1, out=out
    )
    assert not report.ok and report.failed == [(PRODUCTS[1].sku, 1, "RuntimeError: model exploded")]
    assert len(_jsonl(out)) == 3
    retry = await run_bulk(
        CopyService(LIBRARY), PRODUCTS[:4], platform="wechat", tone=None, variants=1, out=out
    )
    assert retry.ok and retry.written == 1 and len(_jsonl(out)) == 4


def _grounded_answer(body: dict[str, Any]) -> str:
    """The scripted LLM: slow, and writes copy only from the facts it was given (so nothing is regenerated)."""
    time.sleep(0.25)
    name = re.search(r"名称/name: (.+)", last_user_text(body))
    title = name.group(1).strip() if name else "好物"
    return json.dumps({"title": title, "text": f"{title}。", "bullets": []}, ensure_ascii=False)


def _cli(args: list[str], server: OpenAIServer, **popen: Any) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "test-key",
        "XIAOER_LLM_MODEL": "scripted",
        "XIAOER_LLM_MAX_RETRIES": "0",
        "COLUMNS": "120",
    }
    command = [sys.executable, "-m", "bot.cli.main", "copy", *args]
    return subprocess.Popen(
        command,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[1],
        **popen,
    )


@pytest.mark.slow
def test_cli_killed_mid_run_resumes_without_duplicates_and_reports_failures(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    catalog = tmp_path / "catalog.csv"
    products = load_catalog(SAMPLE_CATALOG).products[:12]
    write_catalog_csv(products, catalog)
    out = tmp_path / "out.jsonl"
    openai_server.responder = _grounded_answer
    args = [
        "--catalog",
        str(catalog),
        "--platform",
        "wechat",
        "--variants",
        "1",
        "--concurrency",
        "2",
        "--out",
        str(out),
    ]
    first = _cli(args, openai_server)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (
        not out.exists() or out.read_text(encoding="utf-8").count("\n") < 3
    ):
        time.sleep(0.1)
    first.send_signal(signal.SIGTERM)
    _, interrupted = first.communicate(timeout=30)
    assert first.returncode == 130 and "run the same command again to resume" in " ".join(interrupted.split())
    done_before = out.read_text(encoding="utf-8").count("\n")
    assert 3 <= done_before < 12, "the run should have been interrupted part-way"

    skus = [arg for p in products for arg in ("--sku", p.sku)]
    second = _cli([*args, *skus, "--sku", "NO-SUCH"], openai_server)
    _, stderr = second.communicate(timeout=180)
    assert second.returncode == 1, stderr  # one requested SKU does not exist: reported, the rest completed
    assert "failed NO-SUCH" in stderr
    rows = _jsonl(out)
    assert sorted(r["sku"] for r in rows) == sorted(p.sku for p in products)
    assert all(r["title"] for r in rows) and all(r["platform"] == "wechat" for r in rows)
    assert f"already done {done_before}" in stderr and "compliance report" in stderr
