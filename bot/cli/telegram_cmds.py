"""`xiaoer telegram`: run the bot on Telegram (long polling, or a webhook with a verified secret)."""

from __future__ import annotations

import asyncio
import logging
import secrets

import typer

log = logging.getLogger(__name__)


def _fail(message: str) -> typer.Exit:
    """Start-up errors are one line on stderr and exit code 2 — no traceback for a configuration mistake."""
    typer.echo(f"xiaoer telegram: {message}", err=True)
    return typer.Exit(code=2)


def telegram(
    webhook: str | None = typer.Option(
        None,
        "--webhook",
        help="Public HTTPS URL Telegram posts updates to "
        "(webhook mode); without it the bot uses long polling.",
    ),
    listen: str = typer.Option("0.0.0.0", "--listen", help="Address the webhook server binds to."),
    port: int = typer.Option(8443, "--port", help="Port the webhook server listens on."),
) -> None:
    """Run the shop assistant on Telegram (TELEGRAM_BOT_TOKEN, XIAOER_STAFF_IDS, XIAOER_SUPPORT_CHAT_ID)."""
    from bot.ops.settings import load_settings

    try:
        settings = load_settings()
    except ValueError as exc:  # pydantic's ValidationError: e.g. XIAOER_STAFF_IDS="abc"
        raise _fail(f"invalid configuration: {' '.join(str(exc).split())}") from None
    token = settings.telegram_bot_token.get_secret_value().strip() if settings.telegram_bot_token else ""
    if not token:
        raise _fail("TELEGRAM_BOT_TOKEN is not set (get a token from @BotFather)")
    if webhook and not webhook.startswith(("http://", "https://")):
        raise _fail(f"--webhook must be a URL, got {webhook!r}")
    from bot.ops.logs import configure_logging

    configure_logging(settings.log_level, json_logs=settings.log_json)
    if settings.workers > 1:  # a supervisor of N worker processes sharing the webhook port
        if not webhook:
            raise _fail("XIAOER_WORKERS > 1 needs --webhook (long polling has a single consumer)")
        from bot.cli.workers import run_workers

        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        raise typer.Exit(run_workers(settings.workers, secret or secrets.token_urlsafe(32)))
    worker = settings.worker_index
    if worker is not None and settings.metrics_port:  # worker i of a container: its own ops port
        settings = settings.model_copy(update={"metrics_port": settings.metrics_port + worker})

    from bot.channels.telegram.app import TelegramStartupError, build_application, check_connection, run
    from bot.channels.telegram.handlers import TelegramConfig

    for noisy in ("httpx", "telegram.ext.Updater"):  # one line per getUpdates call is noise
        logging.getLogger(noisy).setLevel(logging.WARNING)
    config = TelegramConfig(
        token=token,
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_api_file_url,
        staff_ids=settings.staff_ids,
        support_chat_id=settings.support_chat_id,
        typing_after_s=settings.typing_after_s,
        fault_kill_after_send=settings.fault_kill_after_send,
    )
    try:
        username = asyncio.run(check_connection(config))
    except TelegramStartupError as exc:
        raise _fail(str(exc)) from None
    log.info("connected to the Bot API as @%s; loading the catalog", username)

    from bot.storage.errors import DatabaseUnavailable, SchemaError
    from bot.wiring import build_telegram_channel

    try:
        channel, replicas = build_telegram_channel(settings, config, webhook=bool(webhook), listen=listen)
    except (DatabaseUnavailable, SchemaError) as exc:
        raise _fail(f"database: {exc}") from None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if webhook and not secret:
        secret = secrets.token_urlsafe(32)
        log.warning(
            "XIAOER_WEBHOOK_SECRET is not set: using a random secret for this run "
            "(set it when several replicas share one webhook)"
        )
    log.info("starting Telegram bot (%s)", f"webhook {webhook}" if webhook else "long polling")
    from bot.ops.runtime import new_event_loop, settle_heap

    application = build_application(channel, replicas=replicas)
    settle_heap()  # what start-up loaded is never garbage: later collections skip it
    asyncio.set_event_loop(new_event_loop())  # PTB runs on the current loop (uvloop when installed)
    try:
        # The update ledger journals every update before its offset is confirmed (polling) or the webhook
        # answers 200, and the reply journal makes delivery at-least-once: a SIGKILL loses nothing.
        run(
            application,
            webhook_url=webhook,
            listen=listen,
            port=port,
            secret_token=secret or None,
            shared_port=worker is not None,
        )
    except TelegramStartupError as exc:
        raise _fail(str(exc)) from None


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the `xiaoer` app."""
    app.command("telegram")(telegram)
