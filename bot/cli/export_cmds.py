"""`xiaoer export finetune`: the shop's own traffic as chat-format JSONL for OpenAI-compatible fine-tuning.

Reads the bot's database (settings read here, at the edge): conversations the bot answered without a handoff
(cut at a complaint or a refusal), chats an agent handled (agent replies as the target) and copy staff kept
with `/keep`. Writes `train.jsonl`, `validation.jsonl` and `summary.json` (counts per source) into `--out`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

export_app = typer.Typer(help="Export the shop's data (fine-tuning sets).", no_args_is_help=True)

# Replies that mean "the bot could not help": a session is cut before them (replies.yaml / messages.yaml keys).
REFUSAL_KEYS = ("out_of_scope", "not_found", "policy_none", "no_catalog", "garbage", "answer_no_context")


def refusal_prefixes(prompts_dir: Path) -> tuple[str, ...]:
    """The fixed opening of every refusal reply in both languages (text before its first placeholder)."""
    from bot.prompts import Messages

    prefixes: list[str] = []
    for name, keys in (("replies.yaml", REFUSAL_KEYS), ("messages.yaml", ("error_generic",))):
        messages = Messages(prompts_dir / name)
        for key in keys:
            if key in messages:
                for lang in ("zh", "en"):
                    head = messages.get(key, lang).split("{", 1)[0].strip()
                    if len(head) >= 4:
                        prefixes.append(head)
    return tuple(prefixes)


def system_messages(prompts_dir: Path) -> dict[str, str]:
    """The system message of each source (`prompts/finetune/system.yaml`), with the shop's name."""
    from knowledge.yaml_data import load_yaml

    data = load_yaml((prompts_dir / "finetune" / "system.yaml").read_text(encoding="utf-8"))
    voice = load_yaml((prompts_dir / "copy" / "brand_voice.yaml").read_text(encoding="utf-8")) or {}
    shop = str(voice.get("shop_name") or "本店")
    return {key: str(data[key]).format(shop=shop) for key in ("chat", "agent", "copy")}


@export_app.command("finetune")
def finetune(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for train.jsonl, validation.jsonl, summary.json.")
    ],
    since: Annotated[str, typer.Option("--since", help="Period to export, e.g. 30d, 2w, 24h.")] = "30d",
    validation: Annotated[int, typer.Option("--validation", min=0, max=50, help="Validation share, %.")] = 10,
) -> None:
    """Write fine-tuning data (chat-format JSONL, PII redacted, near-duplicates removed, fixed split)."""
    from bot.domain.clock import utcnow
    from bot.finetune.dataset import build_examples, write_dataset
    from bot.finetune.store_sql import SqlTrafficSource
    from bot.handoff.triggers import TriggerSet
    from bot.insights.analysis import parse_period
    from bot.ops.settings import load_settings
    from bot.privacy.redaction import redact
    from bot.wiring import open_database

    console = Console(stderr=True)
    try:
        period = parse_period(since)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    settings = load_settings()
    database = open_database(settings)
    triggers = TriggerSet.load()
    prefixes = refusal_prefixes(settings.prompts_dir)
    until = utcnow()
    try:
        examples, summary = build_examples(
            SqlTrafficSource(database),
            until - period,
            until,
            redact=redact,
            systems=system_messages(settings.prompts_dir),
            complaint=lambda text: triggers.detect(text) == "complaint",
            refusal=lambda text: text.strip().startswith(prefixes),
        )
        write_dataset(examples, summary, out, validation)
    finally:
        database.dispose()
    report = summary.as_dict()
    console.print(json.dumps(report, ensure_ascii=False, indent=2))
    console.print(f"wrote {report['train']} training and {report['validation']} validation examples to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
