"""The `xiaoer` command line. The only place that reads settings; each feature registers its commands."""

from __future__ import annotations

import typer

from bot.cli import (
    chat_cmds,
    copy_cmds,
    db_cmds,
    eval_cmds,
    export_cmds,
    insights_cmds,
    keywords_cmds,
    knowledge_cmds,
    orders_cmds,
    search_cmds,
    staff_cmds,
    telegram_cmds,
    web_cmds,
)

app = typer.Typer(
    name="xiaoer",
    help="Xiaoer (店小二): a chat assistant for online shops.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (
    knowledge_cmds,
    search_cmds,
    keywords_cmds,
    eval_cmds,
    chat_cmds,
    telegram_cmds,
    copy_cmds,
    insights_cmds,
    orders_cmds,
    staff_cmds,
    web_cmds,
    export_cmds,
    db_cmds,
):
    module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
