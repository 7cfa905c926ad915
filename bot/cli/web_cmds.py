"""`xiaoer web`: the chat widget for the shop's own site and the staff console, in one ASGI server."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import typer

log = logging.getLogger(__name__)
SECRET_FILE = "web_secret"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"xiaoer web: {message}", err=True)
    return typer.Exit(code=2)


def stored_secret(data_dir: Path) -> str:
    """A random signing secret kept in the data directory (0600), made on first use: visitors' sessions
    then survive restarts. Several replicas must share `XIAOER_WEB_SECRET` instead."""
    path = data_dir / SECRET_FILE
    if path.is_file():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another replica on the same volume made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret


def web(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind (0.0.0.0 behind a proxy/container)."
    ),
    port: int = typer.Option(8080, "--port", help="Port to listen on."),
) -> None:
    """Serve the chat widget (/widget.js, demo page at /) and the staff console (/console/)."""
    from bot.ops.settings import load_settings

    try:
        settings = load_settings()
    except ValueError as exc:
        raise _fail(f"invalid configuration: {' '.join(str(exc).split())}") from None

    from bot.channels.web.config import WebConfig
    from bot.channels.web.serve import run_web
    from bot.ops.logs import configure_logging
    from bot.wiring import build_web_app

    configure_logging(settings.log_level, json_logs=settings.log_json)
    if settings.web_secret is not None and settings.web_secret.get_secret_value().strip():
        secret = settings.web_secret.get_secret_value().strip()
    else:
        secret = stored_secret(settings.data_dir)
        log.info("XIAOER_WEB_SECRET is not set: using the secret kept in %s", settings.data_dir / SECRET_FILE)
    config = WebConfig(
        secret=secret,
        origins=settings.web_origins,
        visitor_messages=settings.rate_limit_messages,
        ip_messages=settings.web_ip_rate_limit_messages,
        ip_sockets=settings.web_ip_max_sockets,
        window_s=settings.rate_limit_window_s,
        max_chars=settings.web_max_chars,
        console_session_s=settings.console_session_hours * 3600.0,
    )
    app, support = build_web_app(settings, config)
    log.info("serving the widget and the console on http://%s:%d/", host, port)
    try:
        run_web(app, host, port, forwarded_allow_ips=settings.web_forwarded_allow_ips, config=config)
    finally:
        support.close()


def register(app: typer.Typer) -> None:
    app.command("web")(web)
