"""The outside world of the load test in its own process: Telegram (Bot API + webhook delivery), the
reverse proxy in front of the bots, and the customers.

Why a process of its own, on asyncio: the bench divides the bots' CPU time by the messages they answered,
so what stands in for Telegram must not share their cores' accounting, and must cost less per message
than the cheapest bot it measures (a thread per HTTP request, as `tests/support/telegram_server.py` does,
costs more than a bare echo bot). It speaks the Bot API's real shapes for the methods a bot uses in a
private chat (sendMessage, sendPhoto, sendChatAction, sendMessageDraft, editMessageText, editMessageCaption,
deleteMessage …) — message ids from the bot account's one counter shared by all private chats, and an edit
with identical content and keyboard answered 400 "message is not modified" (what resolves a reply in doubt
after a SIGKILL, `bot/channels/telegram/probe.py`), "message to edit not found" for an id the chat lacks,
"message can't be edited" for a customer's message —,
delivers webhooks like Telegram (up to `connections` at once, one chat at a time and in order, retrying
until the bot answers 200) and, like nginx with `proxy_next_upstream`, spreads them round robin over the
bots' ports, trying the next one when a bot refuses the connection or answers 5xx.

Control endpoints (JSON) for `bench/load.py`: `POST /_bench/upstreams {"ports": [...]}`,
`POST /_bench/run {"customers", "messages", "offset", "ramp_s", "timeout_s", "questions"}` (returns when every
message was answered or the timeout passed), `GET /_bench/progress`, `POST /_bench/settle {"seconds"}`
(late duplicates count), `GET /_bench/calls` (Bot API calls by method since start), `GET /_bench/faults`
(network faults injected so far).

Network faults (`--drop-requests F`, `--drop-responses F`): every round(1/F)-th `sendMessage` has its connection
closed before it is carried out (the reply must be sent again), or after (Telegram has the reply, the bot
gets no answer: a send again would double it) — deterministic, so runs compare.

Run: `python bench/load_world.py --port P --token T` (prints `ready` when listening).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector, web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.telegram_wire import parse_body

FAST_REPLY_S = 1.0  # "a reply ready within ~1 s is just sent" (issue 16): its Bot API calls are counted apart


@dataclass
class Customer:
    """One private chat whose user sends `messages` questions, each as soon as the last one was answered."""

    chat_id: int
    start_at: float
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    marks: list[int] = field(default_factory=list)  # the chat's Bot API call count when each message was sent
    answered: asyncio.Event = field(default_factory=asyncio.Event)


def is_card(method: str, params: dict[str, Any]) -> bool:
    """Product cards sent as messages of their own are part of a reply, not a reply: photos, or text whose
    buttons open a product. A reply that carries its cards (link preview options + product buttons, as
    bot/channels/telegram/cards.py sends them) is the reply itself."""
    if method == "sendPhoto":
        return True
    if "link_preview_options" in params:
        return False
    markup = params.get("reply_markup") or {}
    buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
    return any(str(b.get("callback_data", "")).startswith(("d:", "s:")) for b in buttons)


class ApiError(Exception):
    """A Bot API error answer (`ok: false`)."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


def _markup(params: dict[str, Any]) -> Any:
    """The keyboard and link preview a message carries (what an identical edit must repeat)."""
    found = []
    for key in ("reply_markup", "link_preview_options"):
        value = params.get(key)
        found.append(json.loads(value) if isinstance(value, str) and value else (value or None))
    return tuple(json.dumps(v, sort_keys=True) for v in found)


class World:
    """State of Telegram and the customers; one instance per process."""

    def __init__(self, token: str, connections: int, faults: dict[str, float] | None = None) -> None:
        self.token = token
        self.faults = {kind: share for kind, share in (faults or {}).items() if share > 0}
        self.faulted: Counter[str] = Counter()
        self._sends = itertools.count(1)
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Bench",
            "username": "bench_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.connections = connections
        self.calls: Counter[str] = Counter()
        self.chat_calls: Counter[int] = Counter()  # Bot API calls per chat (for calls per message by latency)
        self.webhook: dict[str, str] = {}
        self.upstreams: list[int] = []
        self.failovers = 0
        self._rr = itertools.count()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)  # private chats share the bot account's counter
        # (chat id, message id) → (sender id, text or caption, keyboard and link preview) of every message
        self.messages: dict[tuple[int, int], tuple[int, str, Any]] = {}
        self.replies: Counter[int] = Counter()  # main reply messages per chat
        self.customers: dict[int, Customer] = {}
        self.current: list[Customer] = []  # the customers of the run in progress
        self.pending: deque[dict[str, Any]] = deque()
        self.busy: set[int] = set()
        self._wake = asyncio.Condition()
        self.session: ClientSession | None = None
        self.run_total = 0

    # -- Bot API -----------------------------------------------------------------------------------
    async def api(self, request: web.Request) -> web.Response:
        token, _, method = request.match_info["tail"].partition("/")
        if token != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params, _files = parse_body(request.content_type or "", await request.read())
        self.calls[method] += 1
        if params.get("chat_id"):
            self.chat_calls[int(params["chat_id"])] += 1
        fault = self._fault(method)
        if fault == "drop_request":
            return self._drop(request, fault)
        try:
            result = self.call(method, params)
        except ApiError as exc:
            return web.json_response(
                {"ok": False, "error_code": exc.code, "description": exc.description}, status=exc.code
            )
        if fault == "drop_response":
            return self._drop(request, fault)
        return web.Response(
            body=json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode(),
            content_type="application/json",
        )

    def _fault(self, method: str) -> str | None:
        """The fault for this `sendMessage`, if any: every round(1/F)-th send per kind, the kinds offset."""
        if method != "sendMessage" or not self.faults:
            return None
        n = next(self._sends)
        for offset, (kind, share) in enumerate(sorted(self.faults.items())):
            every = max(2, round(1 / share))
            if n % every == offset * every // 2:
                return kind
        return None

    def _drop(self, request: web.Request, fault: str) -> web.Response:
        """Close the connection without an answer (what a network fault or a timeout leaves the bot with)."""
        self.faulted[fault] += 1
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=499)  # never reaches the bot

    def call(self, method: str, params: dict[str, Any]) -> Any:
        chat_id = int(params.get("chat_id") or 0)
        if method == "getMe":
            return self.bot_user
        if method == "setWebhook":
            self.webhook = {"url": str(params["url"]), "secret": str(params.get("secret_token", ""))}
            return True
        if method == "getWebhookInfo":
            return {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self.pending),
            }
        if method in ("editMessageText", "editMessageCaption"):
            key = "text" if method == "editMessageText" else "caption"
            found = self.messages.get((chat_id, int(params.get("message_id") or 0)))
            if found is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            sender, content, markup = found
            if sender != self.bot_user["id"]:
                raise ApiError(400, "Bad Request: message can't be edited")
            if (content, markup) == (str(params.get(key, "")), _markup(params)):
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and reply "
                    "markup are exactly the same as a current content and reply markup of the message",
                )
            self.messages[(chat_id, int(params["message_id"]))] = (
                sender,
                str(params.get(key, "")),
                _markup(params),
            )
        if method in ("sendMessage", "sendPhoto", "editMessageText", "editMessageCaption", "copyMessage"):
            message: dict[str, Any] = {
                "message_id": int(params.get("message_id") or 0) or next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": f"user{chat_id}"},
                "from": self.bot_user,
            }
            if method == "sendPhoto":
                message["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 320, "height": 320}]
                message["caption"] = str(params.get("caption", ""))
            else:
                message["text"] = str(params.get("text", ""))
            if method in ("sendMessage", "sendPhoto", "copyMessage"):
                content = message.get("text") or message.get("caption") or ""
                self.messages[(chat_id, message["message_id"])] = (
                    self.bot_user["id"],
                    content,
                    _markup(params),
                )
            if method in ("sendMessage", "copyMessage") and not is_card(method, params):
                self._replied(chat_id)
            if method == "copyMessage":
                return {"message_id": message["message_id"]}
            return message
        return True  # sendChatAction, sendMessageDraft, deleteMessage, setMyCommands, answerCallbackQuery …

    def _replied(self, chat_id: int) -> None:
        self.replies[chat_id] += 1
        customer = self.customers.get(chat_id)
        if customer is not None and self.replies[chat_id] == customer.sent and not customer.answered.is_set():
            customer.answered.set()

    # -- webhook delivery (Telegram + the proxy) ---------------------------------------------------
    async def deliverer(self) -> None:
        while True:
            async with self._wake:
                await self._wake.wait_for(lambda: self.webhook and self._next() is not None)
                update = self._next()
                assert update is not None
                chat = update["message"]["chat"]["id"]
                self.busy.add(chat)
                self.pending.remove(update)
            ok = await self._post(update)
            async with self._wake:
                self.busy.discard(chat)
                if not ok:
                    self.pending.appendleft(update)  # retried, still first of its chat
                self._wake.notify_all()
            if not ok:
                await asyncio.sleep(0.2)

    def _next(self) -> dict[str, Any] | None:
        return next((u for u in self.pending if u["message"]["chat"]["id"] not in self.busy), None)

    async def _post(self, update: dict[str, Any]) -> bool:
        assert self.session is not None
        url = self.webhook["url"]
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
        targets = [f"http://127.0.0.1:{p}{path}" for p in self.upstreams] or [url]
        start = next(self._rr)
        headers = {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": self.webhook["secret"],
        }
        body = json.dumps(update, ensure_ascii=False).encode()
        for attempt in range(len(targets)):
            try:
                async with self.session.post(
                    targets[(start + attempt) % len(targets)], data=body, headers=headers
                ) as response:
                    await response.read()
                    if response.status < 500:
                        return response.status == 200
            except (TimeoutError, ClientError, OSError):
                pass
            self.failovers += 1
        return False

    # -- customers ---------------------------------------------------------------------------------
    async def user_sends(self, chat_id: int, text: str) -> None:
        chat = {"id": chat_id, "type": "private", "first_name": f"user{chat_id}"}
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Load", "language_code": "zh"},
            "text": text,
        }
        self.messages[(chat_id, message["message_id"])] = (chat_id, text, None)
        async with self._wake:
            self.pending.append({"update_id": next(self._update_ids), "message": message})
            self._wake.notify_all()

    async def customer(
        self, c: Customer, messages: int, questions: list[str], t0: float, deadline: float
    ) -> None:
        await asyncio.sleep(max(0.0, t0 + c.start_at - time.perf_counter()))
        for n in range(messages):
            c.answered.clear()
            c.sent += 1
            c.marks.append(self.chat_calls[c.chat_id])
            sent_at = time.perf_counter()
            await self.user_sends(c.chat_id, questions[(c.chat_id + n) % len(questions)])
            try:
                await asyncio.wait_for(c.answered.wait(), max(0.0, deadline - time.perf_counter()))
            except TimeoutError:
                return
            c.latencies.append(time.perf_counter() - sent_at)

    async def run(self, request: web.Request) -> web.Response:
        spec = await request.json()
        customers = [
            Customer(spec["offset"] + i, spec["ramp_s"] * i / spec["customers"])
            for i in range(spec["customers"])
        ]
        self.customers.update({c.chat_id: c for c in customers})
        self.current = customers
        self.run_total = spec["customers"] * spec["messages"]
        t0 = time.perf_counter()
        deadline = t0 + spec["timeout_s"]
        await asyncio.gather(
            *(self.customer(c, spec["messages"], spec["questions"], t0, deadline) for c in customers)
        )
        latencies = sorted(x for c in customers for x in c.latencies)
        elapsed = max((max(latencies) if latencies else 0.0), time.perf_counter() - t0)
        q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) >= 2 else [0.0] * 99
        return web.json_response(
            {
                "sent": sum(c.sent for c in customers),
                "answered": len(latencies),
                "elapsed_s": elapsed,
                "p50_s": q[49],
                "p90_s": q[89],
                "p99_s": q[98],
                "max_s": latencies[-1] if latencies else 0.0,
                "chats": [c.chat_id for c in customers],
            }
        )

    async def progress(self, request: web.Request) -> web.Response:
        sent = sum(c.sent for c in self.current)
        return web.json_response({"sent": sent, "total": self.run_total, "failovers": self.failovers})

    async def settle(self, request: web.Request) -> web.Response:
        """After a quiet period, compare main replies with messages sent: missing = lost, extra = doubled."""
        spec = await request.json()
        await asyncio.sleep(float(spec.get("seconds", 2.0)))
        chats = [int(c) for c in spec["chats"]]
        lost = sum(max(0, self.customers[c].sent - self.replies[c]) for c in chats)
        doubled = sum(max(0, self.replies[c] - self.customers[c].sent) for c in chats)
        # Bot API calls per message, by how fast the reply came: a message's calls are its chat's calls from
        # its sending to the next message's (the chat's customer waits for each reply), or to now.
        fast: list[int] = []
        slow: list[int] = []
        for chat in chats:
            customer = self.customers[chat]
            ends = [*customer.marks[1:], self.chat_calls[chat]]
            for n, (mark, end) in enumerate(zip(customer.marks, ends, strict=True)):
                if n < len(customer.latencies):
                    (fast if customer.latencies[n] < FAST_REPLY_S else slow).append(end - mark)
        return web.json_response(
            {
                "lost": lost,
                "doubled": doubled,
                "failovers": self.failovers,
                "fast_replies": len(fast),
                "calls_per_fast_reply": sum(fast) / len(fast) if fast else None,
                "calls_per_slow_reply": sum(slow) / len(slow) if slow else None,
            }
        )

    async def set_upstreams(self, request: web.Request) -> web.Response:
        self.upstreams = [int(p) for p in (await request.json())["ports"]]
        return web.json_response({"ok": True})

    async def fault_counts(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self.faulted))

    async def call_counts(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self.calls))


async def serve(port: int, token: str, connections: int, faults: dict[str, float] | None = None) -> None:
    world = World(token, connections, faults)
    world.session = ClientSession(
        connector=TCPConnector(limit=connections, limit_per_host=connections),
        timeout=ClientTimeout(total=60),
    )
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/_bench/upstreams", world.set_upstreams)
    app.router.add_post("/_bench/run", world.run)
    app.router.add_get("/_bench/progress", world.progress)
    app.router.add_post("/_bench/settle", world.settle)
    app.router.add_get("/_bench/calls", world.call_counts)
    app.router.add_get("/_bench/faults", world.fault_counts)
    app.router.add_route("*", "/bot{tail:.*}", world.api)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=4096).start()
    tasks = [asyncio.create_task(world.deliverer()) for _ in range(connections)]
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        for task in tasks:
            task.cancel()
        await world.session.close()
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument(
        "--connections", type=int, default=40, help="parallel webhook deliveries (Telegram: 40)"
    )
    parser.add_argument("--drop-requests", type=float, default=0.0, help="share of sendMessage calls lost")
    parser.add_argument(
        "--drop-responses",
        type=float,
        default=0.0,
        help="share of sendMessage answers lost (call carried out)",
    )
    args = parser.parse_args()
    faults = {"drop_request": args.drop_requests, "drop_response": args.drop_responses}
    run_loop(serve(args.port, args.token, args.connections, faults))


def run_loop(main: Any) -> None:
    """uvloop when installed (a cheaper emulator measures the bots more sharply), else asyncio."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


if __name__ == "__main__":
    main()
