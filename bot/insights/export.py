"""CSV files of the report, one per table, UTF-8 with BOM so spreadsheet apps read Chinese correctly."""

from __future__ import annotations

import csv
from pathlib import Path

from bot.insights.analysis import InsightsReport
from bot.insights.render import answering_rows
from bot.insights.suggestions import Suggestions
from bot.privacy.csv_cells import safe_row
from bot.privacy.redaction import redact


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        # customers' words are never live formulas, and the examples quoted pass the one redactor again (rows
        # stored before a redaction rule existed keep what it now catches out of the export)
        writer.writerows(
            safe_row([redact(cell) if isinstance(cell, str) else cell for cell in row]) for row in rows
        )
    return path


def write_csvs(report: InsightsReport, suggestions: Suggestions, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    trends = {t.keyword: t for t in report.top_keywords + report.rising + report.falling}
    return [
        _write(
            out / "keywords.csv",
            ["keyword", "current", "previous", "change"],
            [
                [t.keyword, t.current, t.previous, t.change]
                for t in sorted(trends.values(), key=lambda t: -t.current)
            ],
        ),
        _write(
            out / "unanswered.csv",
            ["keyword", "count", "examples"],
            [[c.keyword, c.count, " | ".join(c.examples)] for c in report.unanswered],
        ),
        _write(
            out / "catalog_gaps.csv",
            ["keyword", "count", "examples"],
            [[c.keyword, c.count, " | ".join(c.examples)] for c in report.gaps],
        ),
        _write(
            out / "skus.csv",
            ["sku", "times_recommended"],
            [[sku, n] for sku, n in report.recommended] + [[sku, 0] for sku in report.never_recommended],
        ),
        _write(out / "handoffs.csv", ["reason", "count"], [[r, n] for r, n in report.handoff_reasons]),
        _write(
            out / "answering.csv",
            ["measure", "turns", "share"],
            [[str(c).strip(), n, s] for c, n, s in answering_rows(report)],
        ),
        _write(
            out / "suggestions.csv",
            ["kind", "value", "detail"],
            [["dictionary_word", w, n] for w, n in suggestions.dictionary_words]
            + [
                ["synonym", a, f"{b} ({(suggestions.synonym_evidence or {}).get((a, b), 0)} turns)"]
                for a, b in suggestions.synonym_pairs
            ]
            + [["faq", q, n] for q, n in suggestions.faq_candidates],
        ),
    ]
