"""The yardsticks of the load test: the cheapest bots that answer a Telegram webhook update with one message.

- `ptb`: a bare python-telegram-bot webhook bot (the framework Xiaoer is built on) echoing the text,
  with concurrent updates as Xiaoer runs — the floor of any PTB bot.
- `http`: a raw aiohttp handler that parses the update and calls sendMessage over one keep-alive client
  session — the floor of any Python webhook bot.

Run: `python bench/load_echo.py ptb|http --port P --token T --api URL --webhook URL --secret S`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))


def run_ptb(args: argparse.Namespace) -> None:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(update.message.text or "?")

    app = ApplicationBuilder().token(args.token).base_url(args.api).concurrent_updates(512).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_webhook(
        listen="127.0.0.1",
        port=args.port,
        url_path=urlsplit(args.webhook).path.lstrip("/"),
        webhook_url=args.webhook,
        secret_token=args.secret,
    )


def run_http(args: argparse.Namespace) -> None:
    import asyncio

    from aiohttp import ClientSession, web

    async def main() -> None:
        session = ClientSession()
        send = f"{args.api}{args.token}/sendMessage"

        async def webhook(request: web.Request) -> web.Response:
            if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != args.secret:
                return web.Response(status=403)
            message = json.loads(await request.read()).get("message") or {}
            payload = {"chat_id": message["chat"]["id"], "text": message.get("text") or "?"}
            async with session.post(send, json=payload) as response:
                await response.read()
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post(urlsplit(args.webhook).path, webhook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", args.port, backlog=4096).start()
        async with session.post(
            f"{args.api}{args.token}/setWebhook", json={"url": args.webhook, "secret_token": args.secret}
        ) as response:
            await response.read()
        try:
            await asyncio.Event().wait()
        finally:
            await session.close()
            await runner.cleanup()

    asyncio.run(main())  # the default loop, as a plain aiohttp app runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("ptb", "http"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--api", required=True, help="Bot API base URL, e.g. http://127.0.0.1:P/bot")
    parser.add_argument("--webhook", required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    (run_ptb if args.kind == "ptb" else run_http)(args)


if __name__ == "__main__":
    main()
