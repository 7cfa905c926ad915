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
    console.print(
        f"[bold]Insights[/bold] {period}: {report.turns} turns, {report.users} users, {report.chats} chats"
    )
    console.print(_table("How questions were answered", ["", "turns", "share"], answering_rows(report)))
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
    orders = report.orders
    console.print(
        f"Where-is-my-order (WISMO) share: {orders.wismo_turns} of {orders.turns} turns ({orders.wismo_share:.0%})"
    )
    console.print(
        _table(
            "After-sales requests by reason and outcome",
            ["reason", "requested", "approved", "rejected", "completed", "refused by the rules"],
            [
                [r.kind, r.requested, r.approved, r.rejected, r.completed, r.refused_by_rules]
                for r in orders.aftersales
            ],
        )
    )
    console.print(
        _table(
            "Suggested dictionary words", ["word", "queries"], [list(w) for w in suggestions.dictionary_words]
        )
    )
    if suggestions.synonym_pairs:
        console.print(
            _table(
                "Suggested synonyms",
                ["customers say", "catalog says", "evidence (turns resolved alike)"],
                [
                    [a, b, (suggestions.synonym_evidence or {}).get((a, b), "")]
                    for a, b in suggestions.synonym_pairs
                ],
            )
        )
    console.print(
        _table("FAQ candidates", ["question", "times"], [list(q) for q in suggestions.faq_candidates])
    )


def answering_rows(report: InsightsReport) -> list[list[object]]:
    """Answered with a match / with the closest / not found, policy answers, handoff and rating rates."""
    a = report.answering
    rating = report.average_rating if report.average_rating is not None else "—"
    policy_share = f"{a.policy_answered / a.policy_questions:.0%}" if a.policy_questions else "—"
    return [
        ["product requests", a.requests, ""],
        ["  answered with a match", a.with_match, f"{a.share(a.with_match):.0%}"],
        ["  answered with the closest (no match)", a.with_closest, f"{a.share(a.with_closest):.0%}"],
        ["  nothing found", a.not_found, f"{a.share(a.not_found):.0%}"],
        ["policy questions", a.policy_questions, ""],
        ["  answered from the policies", a.policy_answered, policy_share],
        ["chats handed to a person", report.handoff_chats, f"{report.handoff_rate:.0%}"],
        ["ratings after a handoff", len(report.ratings), f"{report.rating_rate:.0%} (average {rating})"],
        ["where is my order (WISMO)", report.orders.wismo_turns, f"{report.orders.wismo_share:.0%}"],
        ["after-sales requests", sum(r.requested for r in report.orders.aftersales), ""],
    ]


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
        answered=f"{report.answering.share(report.answering.with_match):.0%}",
        closest=f"{report.answering.share(report.answering.with_closest):.0%}",
        rising=rising,
        gaps=gaps,
        handoffs=sum(n for _, n in report.handoff_reasons),
        handoff_rate=f"{report.handoff_rate:.0%}",
        rating=rating,
    )
