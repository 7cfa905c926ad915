"""The bulk runner behind `xiaoer copy --catalog …`: many products × variants into a JSONL/CSV file.

Durable and resumable: every finished row is appended, flushed and fsynced before the next is counted,
so an interruption loses at most the rows in flight. On start the output is scanned: rows already there
are skipped by (sku, platform, variant); a torn last line from a crash is cut off and redone. LLM calls
run concurrently under a bounded semaphore-like worker pool; a failing row is reported and the rest go on.

CSV columns are the JSONL keys; `bullets`, `keywords` and `flags` hold JSON-encoded lists in CSV.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bot.copywriting.models import CopyResult
from bot.copywriting.service import CopyService
from bot.privacy.csv_cells import restore_cell, safe_row
from knowledge.models import Product

COLUMNS = (
    "sku",
    "platform",
    "variant",
    "title",
    "text",
    "bullets",
    "keywords",
    "flags",
    "needs_translation",
    "grounded",
)  # columns are only ever added at the end; a file started with fewer keeps its own header
_JSON_COLUMNS = ("bullets", "keywords", "flags")


@dataclass
class BulkReport:
    """What a bulk run did: rows written now, rows skipped as already done, failures, flag counts."""

    written: int = 0
    skipped: int = 0
    failed: list[tuple[str, int, str]] = field(default_factory=list)
    flag_counts: Counter[str] = field(default_factory=Counter)
    repaired_tail: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


class BulkOutput:
    """An append-only JSONL or CSV file that knows which rows it already holds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.format = "csv" if path.suffix.lower() == ".csv" else "jsonl"
        self.done: set[tuple[str, str, int]] = set()
        self.repaired_tail = False
        self.columns: tuple[str, ...] = COLUMNS
        self._handle: IO[str] | None = None

    def open(self) -> BulkOutput:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self._scan()
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._handle = self.path.open("a", encoding="utf-8", newline="")
        if new and self.format == "csv":
            self._write_line(_csv_line(COLUMNS))
        return self

    def _scan(self) -> None:
        """Collect done rows; cut a torn or unreadable tail (a crash mid-write) so those rows are redone."""
        raw = self.path.read_bytes()
        if self.format == "csv":
            header = next(csv.reader(io.StringIO(raw.decode("utf-8", errors="replace"), newline="")), [])
            if tuple(header) == COLUMNS[: len(header)] and len(header) >= 8:
                self.columns = tuple(header)  # an older file: keep writing its columns
        rows, keep = self._scan_jsonl(raw) if self.format == "jsonl" else self._scan_csv(raw, self.columns)
        if keep != len(raw):
            self.repaired_tail = True
            with self.path.open("r+b") as handle:
                handle.truncate(keep)
                handle.flush()
                os.fsync(handle.fileno())
        self.done = {(str(r["sku"]), str(r["platform"]), int(r["variant"])) for r in rows}

    @staticmethod
    def _scan_jsonl(raw: bytes) -> tuple[list[dict[str, Any]], int]:
        keep = raw.rfind(b"\n") + 1  # an unterminated last line is torn
        lines = raw[:keep].split(b"\n")[:-1]
        rows = [_json_row(line.decode("utf-8", errors="replace")) for line in lines]
        if rows and rows[-1] is None:  # a terminated but unreadable last line is torn too
            keep -= len(lines[-1]) + 1
        return [row for row in rows if row is not None], keep

    @staticmethod
    def _scan_csv(raw: bytes, columns: tuple[str, ...] = COLUMNS) -> tuple[list[dict[str, Any]], int]:
        """Good records are re-serialised to find where the last one ends (we wrote them the same way)."""
        text = raw.decode("utf-8", errors="replace")
        reader = csv.reader(io.StringIO(text, newline=""))
        rows: list[dict[str, Any]] = []
        keep = 0
        try:
            for index, values in enumerate(reader):
                length = len(_csv_line(values).encode("utf-8"))
                if len(values) != len(columns) or keep + length > len(raw):
                    break
                if index > 0:
                    rows.append(dict(zip(columns, map(restore_cell, values), strict=True)))
                keep += length
        except csv.Error:
            pass
        return rows, keep

    def append(self, result: CopyResult) -> None:
        row = result.as_row()
        if self.format == "jsonl":
            line = json.dumps(row, ensure_ascii=False) + "\n"
        else:
            line = _csv_line(
                [
                    json.dumps(row[c], ensure_ascii=False) if c in _JSON_COLUMNS else row[c]
                    for c in self.columns
                ]
            )
        self._write_line(line)
        self.done.add((result.sku, result.platform, result.variant))

    def _write_line(self, line: str) -> None:
        assert self._handle is not None
        self._handle.write(line)
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _json_row(line: str) -> dict[str, Any] | None:
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        return None
    return row if isinstance(row, dict) and {"sku", "platform", "variant"} <= set(row) else None


def _csv_line(values: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(safe_row(values))  # catalog text is never a formula
    return buffer.getvalue()


OnRow = Callable[[str, int, CopyResult | None, str | None], None]


async def run_bulk(
    service: CopyService,
    products: Sequence[Product],
    *,
    platform: str,
    tone: str | None,
    variants: int,
    out: Path,
    concurrency: int = 4,
    missing: Sequence[str] = (),
    on_start: Callable[[int], None] | None = None,
    on_row: OnRow | None = None,
) -> BulkReport:
    """Generate every (product, variant) not yet in `out`; `missing` SKUs are reported as failed rows."""
    started = time.perf_counter()
    spec = service.platform(platform)
    output = BulkOutput(out).open()
    report = BulkReport(repaired_tail=output.repaired_tail)
    report.failed += [(sku, 0, "SKU not in the catalog") for sku in missing]
    todo = [
        (p, v) for p in products for v in range(1, variants + 1) if (p.sku, spec.name, v) not in output.done
    ]
    report.skipped = len(products) * variants - len(todo)
    if on_start:
        on_start(len(todo))
    queue: asyncio.Queue[tuple[Product, int]] = asyncio.Queue()
    for item in todo:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty():
            product, variant = queue.get_nowait()
            try:
                result = await service.generate_variant(product, spec.name, tone, variant)
            except Exception as exc:  # a bad row must not stop the run; it is reported and retried next time
                report.failed.append((product.sku, variant, f"{type(exc).__name__}: {exc}"))
                if on_row:
                    on_row(product.sku, variant, None, str(exc))
                continue
            output.append(result)
            report.written += 1
            report.flag_counts.update(flag.type for flag in result.flags)
            if on_row:
                on_row(product.sku, variant, result, None)

    try:
        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    finally:
        output.close()
        report.seconds = time.perf_counter() - started
    return report
