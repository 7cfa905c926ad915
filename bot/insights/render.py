"""The terminal report (rich tables) and the short chat summary sent with `/insights`."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bot.insights.analysis import InsightsReport
from bot.insights.suggestions import Suggestions
from bot.prompts import Messages


def _table(title: str, columns: list[str], rows: list[list[object]]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    if not rows:
        table.add_row(*(["—"] + [""] * (len(columns) - 1)))
    return table


def print_report(console: Console, report: InsightsReport, suggestions: Suggestions) -> None:
    period = f"{report.since:%Y-%m-%d %H:%M} → {report.until:%Y-%m-%d %H:%M} UTC"
    rating = report.average_rating if report.average_rating is not None else "—"
    console.print(
        f"[bold]Insights[/bold] {period}: {report.turns} turns, {report.users} users, "
        f"answered {report.answered_share:.0%}, average rating {rating}"
    )
    console.print(
        _table(
            "Rising keywords",
            ["keyword", "now", "before", "change"],
            [[t.keyword, t.current, t.previous, f"+{t.change}"] for t in report.rising],
        )
    )
    console.print(
        _table(
            "Falling keywords",
            ["keyword", "now", "before", "change"],
            [[t.keyword, t.current, t.previous, t.change] for t in report.falling],
        )
    )
    console.print(
        _table(
            "Unanswered queries",
            ["keyword", "count", "examples"],
            [[c.keyword, c.count, " | ".join(c.examples)] for c in report.unanswered],
        )
    )
    console.print(
        _table(
            "Catalog gaps",
            ["keyword", "count", "examples"],
            [[c.keyword, c.count, " | ".join(c.examples)] for c in report.gaps],
        )
    )
    console.print(_table("Most recommended SKUs", ["sku", "times"], [list(r) for r in report.recommended]))
    never = report.never_recommended
    console.print(
        f"Never recommended: {len(never)} SKUs" + (f" (e.g. {', '.join(never[:8])})" if never else "")
    )
    console.print(_table("Handoff reasons", ["reason", "count"], [list(r) for r in report.handoff_reasons]))
    console.print(
        _table(
            "Suggested dictionary words", ["word", "queries"], [list(w) for w in suggestions.dictionary_words]
        )
    )
    if suggestions.synonym_pairs:
        console.print(
            _table(
                "Suggested synonyms",
                ["customers say", "catalog says"],
                [list(p) for p in suggestions.synonym_pairs],
            )
        )
    console.print(
        _table("FAQ candidates", ["question", "times"], [list(q) for q in suggestions.faq_candidates])
    )


def summary_text(report: InsightsReport, messages: Messages, lang: str) -> str:
    """The short text staff get in chat next to the charts."""
    rising = "、".join(t.keyword for t in report.rising[:5]) or "—"
    gaps = "、".join(c.keyword for c in report.gaps[:5]) or "—"
    rating = report.average_rating if report.average_rating is not None else "—"
    return messages.get(
        "insights_summary",
        lang,
        turns=report.turns,
        users=report.users,
        answered=f"{report.answered_share:.0%}",
        rising=rising,
        gaps=gaps,
        handoffs=sum(n for _, n in report.handoff_reasons),
        rating=rating,
    )
