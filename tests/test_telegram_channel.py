"""The Telegram channel inside the REAL PTB Application, with a loopback `BaseRequest` instead of HTTP.

Every Bot API call goes through `LoopbackRequest` into the in-process fake of the local Bot API server
(same shapes, same errors: HTML parsing, length limits, unknown chats); updates are real `Update.de_json`
payloads. A scripted core (recording inbounds, returning given outbounds) isolates the channel's own job.
PTB swallows handler exceptions, so an error handler collects them and `feed()` re-raises.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, ContextTypes
from telegram.request import BaseRequest, RequestData

from bot.channels.telegram.app import TelegramDesk, build_application, publish_commands
from bot.channels.telegram.format import TEXT_LIMIT, utf16_len
from bot.channels.telegram.handlers import TelegramChannel, TelegramConfig
from bot.coordination.ratelimit import SlidingWindowRateLimiter
from bot.domain.commands import EVERYONE, STAFF_ONLY, CommandRegistry
from bot.domain.messages import Button, Inbound, MessageRef, Outbound, ProductCard, ReplyProgress, Role
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.prompts import load_messages
from tests.support.telegram_server import Chat, TelegramServer, User

STAFF = User(900, "Boss", "zh")
ALICE = User(101, "Alice", "en")
BOB = User(102, "Bob", "zh")
SUPPORT = Chat(-1009, "supergroup", "Support", is_forum=True)
GROUP = Chat(-2001, "group", "Fans")


class LoopbackRequest(BaseRequest):
    """PTB's transport, answered in-process by the fake Bot API (no sockets)."""

    def __init__(self, api: TelegramServer) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:
            path = url.split("/file/bot", 1)[1].split("/", 1)[1]
            return 200, next(content for p, content in self.api.files.values() if p == path)
        params = dict(request_data.parameters) if request_data else {}
        files = {
            name: (part[0], part[1])
            for name, part in (request_data.multipart_data if request_data else {}).items()
        }
        status, body = self.api.request(url.rsplit("/", 1)[-1], params, files)
        return status, json.dumps(body).encode()


class ScriptedCore:
    """Records what the channel hands over; answers with `script(inbound, progress)`."""

    def __init__(self) -> None:
        self.inbounds: list[Inbound] = []
        self.commands = CommandRegistry()
        self.script: Callable[[Inbound, ReplyProgress | None], Any] = lambda inbound, progress: [
            Outbound(chat_id=inbound.chat_id, text=f"echo: {inbound.text}")
        ]

    async def handle(self, inbound: Inbound, progress: ReplyProgress | None = None) -> list[Outbound]:
        self.inbounds.append(inbound)
        result = self.script(inbound, progress)
        return await result if asyncio.iscoroutine(result) else result


class Harness:
    def __init__(
        self, api: TelegramServer, app: Application, core: ScriptedCore, channel: TelegramChannel
    ) -> None:
        self.api, self.app, self.core, self.channel = api, app, core, channel
        self.errors: list[BaseException] = []

    async def feed(self) -> None:
        """Process every pending update through the Application; re-raise any handler exception."""
        while self.api.updates:
            payload = self.api.updates.pop(0)
            await self.app.process_update(Update.de_json(payload, self.app.bot))
        if self.errors:
            raise self.errors[0]

    def texts(self, chat: Chat) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.api.sent[chat.id]]


def make_harness(
    limiter: SlidingWindowRateLimiter | None = None,
    handoff: Any = None,
    typing_after_s: float = 0.0,
    api: TelegramServer | None = None,
) -> tuple[Harness, Any]:
    """The channel in-process on `api` (default: a fresh unstarted TelegramServer, called directly)."""
    api = api if api is not None else TelegramServer()
    core = ScriptedCore()
    config = TelegramConfig(
        api.token,
        "http://127.0.0.1:1/bot",
        "http://127.0.0.1:1/file/bot",
        staff_ids=frozenset({STAFF.id}),
        support_chat_id=SUPPORT.id,
        typing_after_s=typing_after_s,
    )
    channel = TelegramChannel(core, config, load_messages(DEFAULT_PROMPTS_DIR), limiter, handoff=handoff)
    app = build_application(channel, request=LoopbackRequest(api), with_updater=False)
    harness = Harness(api, app, core, channel)

    async def collect(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        harness.errors.append(context.error)  # type: ignore[arg-type]

    app.add_error_handler(collect)
    return harness, app


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    harness, app = make_harness()
    async with app:
        yield harness


async def test_private_text_becomes_a_customer_inbound_and_the_reply_is_html_safe(h: Harness) -> None:
    chat = Chat(ALICE.id)
    h.core.script = lambda i, p: [Outbound(chat_id=i.chat_id, text="<Sony> & <b>not bold</b>")]
    h.api.user_sends(chat, ALICE, "headphones under 300?")
    await h.feed()
    (inbound,) = h.core.inbounds
    assert (inbound.chat_id, inbound.user_id, inbound.role, inbound.channel) == (
        "101",
        "101",
        Role.CUSTOMER,
        "telegram",
    )
    assert inbound.text == "headphones under 300?" and inbound.language_hint == "en" and not inbound.is_group
    assert inbound.ref == MessageRef("101", "1") and inbound.update_id == 1
    assert h.texts(chat) == ["<Sony> & <b>not bold</b>"]  # escaped on the wire, shown verbatim


async def test_roles_staff_only_in_private_agents_in_the_support_group(h: Harness) -> None:
    h.api.user_sends(Chat(STAFF.id), STAFF, "/stats")
    h.api.user_sends(Chat(BOB.id), BOB, "/stats")
    h.api.user_sends(SUPPORT, STAFF, "I'll take it", thread_id=5)
    h.api.user_sends(GROUP, STAFF, "@xiaoer_test_bot hi")
    await h.feed()
    assert [i.role for i in h.core.inbounds] == [Role.STAFF, Role.CUSTOMER, Role.AGENT, Role.CUSTOMER]
    assert h.core.inbounds[2].thread_id == "5" and h.core.inbounds[2].chat_id == str(SUPPORT.id)


async def test_groups_answer_only_when_addressed(h: Harness) -> None:
    first = h.api.user_sends(GROUP, ALICE, "hello everyone")  # chatter: ignored
    h.api.user_sends(GROUP, BOB, "/help@some_other_bot")  # another bot's command: ignored
    h.api.user_sends(GROUP, BOB, "what about @Xiaoer_Test_Bot earbuds?")  # mention (any case)
    h.api.user_sends(GROUP, BOB, "/help@xiaoer_test_bot")
    h.api.user_sends(GROUP, BOB, "/start")
    await h.feed()
    bot_message = h.api.sent[GROUP.id][0]["message_id"]
    h.api.user_sends(GROUP, ALICE, "and in black?", reply_to=bot_message)  # a reply to the bot
    h.api.user_sends(GROUP, ALICE, "nice", reply_to=first["message_id"])  # a reply to a person: ignored
    await h.feed()
    assert [i.text for i in h.core.inbounds] == [
        "what about earbuds?",
        "/help@xiaoer_test_bot",
        "/start",
        "and in black?",
    ]
    assert all(i.is_group for i in h.core.inbounds)
    assert len(h.api.sent[GROUP.id]) == 4  # one reply per addressed message, none for chatter


async def test_non_text_messages_reach_the_core_as_attachments(h: Harness) -> None:
    chat = Chat(BOB.id)
    h.api.user_sends(
        chat,
        BOB,
        sticker={
            "file_id": "st1",
            "file_unique_id": "u",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        },
    )
    h.api.user_sends_photo(chat, BOB, caption="这个有货吗")
    h.api.user_sends(chat, BOB, location={"latitude": 31.2, "longitude": 121.5})
    h.api.user_sends(chat, BOB, voice={"file_id": "v1", "file_unique_id": "uv", "duration": 2})
    h.api.user_sends_document(chat, BOB, "list.csv", b"sku,title\n")  # no /ingest caption
    await h.feed()
    kinds = [(i.attachment.kind if i.attachment else None, i.text) for i in h.core.inbounds]
    assert kinds == [
        ("sticker", ""),
        ("photo", "这个有货吗"),
        ("location", ""),
        ("voice", ""),
        ("document", ""),
    ]
    assert h.core.inbounds[4].document_bytes is None  # files are only downloaded for /ingest
    assert len(h.api.sent[chat.id]) == 5


async def test_service_messages_are_not_answered(h: Harness) -> None:
    h.api.user_sends(GROUP, ALICE, new_chat_members=[ALICE.as_dict()])
    await h.feed()
    assert h.core.inbounds == [] and h.api.sent[GROUP.id] == []


async def test_long_replies_are_split_at_lines_with_buttons_under_the_last_part(h: Harness) -> None:
    chat = Chat(ALICE.id)
    lines = [f"{n}. <item> & details {'x' * 60}" for n in range(200)]
    h.core.script = lambda i, p: [
        Outbound(chat_id=i.chat_id, text="\n".join(lines), buttons=(Button("More", data="q:1"),))
    ]
    h.api.user_sends(chat, ALICE, "list everything")
    await h.feed()
    sent = h.api.sent[chat.id]
    assert len(sent) > 1
    assert all(utf16_len(m["text"]) <= TEXT_LIMIT for m in sent)
    assert "\n".join(m["text"] for m in sent).split("\n") == lines
    assert [("reply_markup" in m) for m in sent] == [False] * (len(sent) - 1) + [True]


async def test_a_reply_with_cards_is_one_message_photo_preview_and_a_row_per_product(h: Harness) -> None:
    """Text, the first product photo as a large preview above it, one button per product (numbered like the
    text's list, title · price, opening the details) and the reply's own buttons: one sendMessage."""
    chat = Chat(BOB.id)
    buttons = (
        Button("详情", data="d:SKU-1"),
        Button("相似", data="s:SKU-1"),
        Button("链接", url="https://shop/x"),
    )
    cards = (
        ProductCard("SKU-2", "充电盒", "¥59.00", "缺货", buttons=(Button("详情", data="d:SKU-2"),)),
        ProductCard(
            "SKU-1",
            "降噪耳机 <Pro> 第二代 超长续航 旗舰版本 限定配色",
            "¥299.00",
            "有货",
            "https://img/1.jpg",
            summary="好" * 3000,
            buttons=buttons,
        ),
        ProductCard(
            "SKU-3", "耳塞", None, None, "https://img/3.jpg", buttons=(Button("看看", url="https://s/3"),)
        ),
        ProductCard("SKU-4", "no buttons at all"),
    )
    h.core.script = lambda i, p: [
        Outbound(chat_id=i.chat_id, text="为您找到：", cards=cards, buttons=(Button("转人工", data="h:ask"),))
    ]
    h.api.user_sends(chat, BOB, "耳机")
    await h.feed()
    (message,) = h.api.sent[chat.id]
    assert len(h.api.calls["sendMessage"]) == 1 and not h.api.calls["sendPhoto"]
    assert message["text"] == "为您找到："
    assert message["link_preview_options"] == {  # the first card WITH a photo, large, above the text
        "url": "https://img/1.jpg",
        "prefer_large_media": True,
        "show_above_text": True,
    }
    rows = message["reply_markup"]["inline_keyboard"]
    assert [[k["text"] for k in row] for row in rows] == [
        ["1. 充电盒 · ¥59.00"],
        ["2. 降噪耳机 <Pro> 第二代 超长续航 旗舰版… · ¥299.00"],
        ["3. 耳塞"],
        ["转人工"],
    ]
    assert [rows[0][0]["callback_data"].split("|")[0], rows[1][0]["callback_data"].split("|")[0]] == [
        "d:SKU-2",
        "d:SKU-1",
    ]
    assert rows[2][0]["url"] == "https://s/3"
    assert all(len(k["callback_data"].encode()) <= 64 for row in rows for k in row if "callback_data" in k)


async def test_one_product_keeps_its_buttons_and_cards_without_text_or_photo_still_read(h: Harness) -> None:
    chat = Chat(BOB.id)
    one = ProductCard(
        "SKU-1",
        "降噪耳机",
        "¥299.00",
        "有货",
        "https://img/1.jpg",
        buttons=(
            Button("详情", data="d:SKU-1"),
            Button("相似", data="s:SKU-1"),
            Button("链接", url="https://x"),
        ),
    )
    bare = (ProductCard("SKU-2", "充电盒", "¥59.00", "缺货", summary="小巧"), ProductCard("SKU-3", "耳塞"))
    h.core.script = lambda i, p: [
        Outbound(chat_id=i.chat_id, text="这款：", cards=(one,)),
        Outbound(chat_id=i.chat_id, cards=bare),
    ]
    h.api.user_sends(chat, BOB, "耳机")
    await h.feed()
    single, listed = h.api.sent[chat.id]
    assert [k["text"] for row in single["reply_markup"]["inline_keyboard"] for k in row] == [
        "详情",
        "相似",
        "链接",
    ]
    assert len(single["reply_markup"]["inline_keyboard"]) == 1 and single["link_preview_options"]["url"]
    assert listed["text"] == "充电盒\n¥59.00 · 缺货\n小巧\n\n耳塞"  # no text: the cards' own lines
    assert listed["link_preview_options"] == {"is_disabled": True}  # no photo: no stray preview


async def test_button_presses_are_verified_and_always_answered(h: Harness) -> None:
    chat = Chat(ALICE.id)
    h.core.script = lambda i, p: [
        Outbound(
            chat_id=i.chat_id,
            text=f"got {i.callback_data or i.text}",
            buttons=(Button("Details", data="d:SKU-1"), Button("Ask", data="q:" + "long question " * 8)),
        )
    ]
    h.api.user_sends(chat, ALICE, "earbuds")
    await h.feed()
    message = h.api.sent[chat.id][0]
    (details,), (ask,) = message["reply_markup"]["inline_keyboard"]
    h.api.user_presses(chat, ALICE, message["message_id"], details["callback_data"])
    h.api.user_presses(chat, ALICE, message["message_id"], ask["callback_data"])
    h.api.user_presses(chat, ALICE, message["message_id"], "d:SKU-999|forged00")
    h.api.user_presses(chat, ALICE, message["message_id"], "d:SKU-1")
    await h.feed()
    assert [i.callback_data for i in h.core.inbounds[1:]] == ["d:SKU-1", "q:" + "long question " * 8]
    answers = h.api.calls["answerCallbackQuery"]
    assert len(answers) == 4
    assert [a.get("text") for a in answers[2:]] == [
        "This button is no longer valid. Please just send your question."
    ] * 2
    assert h.texts(chat)[1:] == ["got d:SKU-1", "got q:" + ("long question " * 8).strip()]


async def test_streaming_drafts_in_private_chats(h: Harness) -> None:
    chat = Chat(ALICE.id)

    async def streaming(inbound: Inbound, progress: ReplyProgress | None) -> list[Outbound]:
        assert progress is not None
        await progress.typing()
        for partial in ("Sony", "Sony WH", "Sony WH-1000XM5"):
            await progress.draft(partial)
        return [Outbound(chat_id=inbound.chat_id, text="Sony WH-1000XM5 is ¥2,499.")]

    h.core.script = streaming
    h.api.user_sends(chat, ALICE, "best headphones?")
    await h.feed()
    assert h.api.calls["sendChatAction"][0]["action"] == "typing"
    drafts = h.api.calls["sendMessageDraft"]
    assert drafts[0]["text"] == "Sony" and len(drafts) == 1  # throttled: ≥ 0.5 s between drafts
    assert h.texts(chat) == ["Sony WH-1000XM5 is ¥2,499."]  # the final reply is a normal message


async def test_a_quick_reply_is_just_sent_and_a_slow_one_shows_typing() -> None:
    """No typing indicator for a reply ready within `typing_after_s`; one once a reply takes longer."""
    h, app = make_harness(typing_after_s=0.05)
    chat = Chat(ALICE.id)

    async def quick(inbound: Inbound, progress: ReplyProgress | None) -> list[Outbound]:
        assert progress is not None
        await progress.typing()
        return [Outbound(chat_id=inbound.chat_id, text="at once")]

    async def slow(inbound: Inbound, progress: ReplyProgress | None) -> list[Outbound]:
        assert progress is not None
        await progress.typing()
        await asyncio.to_thread(h.api.wait_for_calls, "sendChatAction", 1, 10.0)  # until the indicator shows
        return [Outbound(chat_id=inbound.chat_id, text="after a while")]

    async with app:
        h.core.script = quick
        h.api.user_sends(chat, ALICE, "hi")
        await h.feed()
        assert h.texts(chat) == ["at once"] and not h.api.calls["sendChatAction"]
        h.core.script = slow
        h.api.user_sends(chat, ALICE, "something harder")
        await h.feed()
    assert h.texts(chat) == ["at once", "after a while"]
    assert [c["action"] for c in h.api.calls["sendChatAction"]] == ["typing"]


async def test_streaming_in_groups_edits_a_placeholder_that_becomes_the_reply(h: Harness) -> None:
    async def streaming(inbound: Inbound, progress: ReplyProgress | None) -> list[Outbound]:
        assert progress is not None
        await progress.draft("Looking at earbuds…")
        return [
            Outbound(
                chat_id=inbound.chat_id,
                text="Earbuds X: ¥199 <in stock>",
                buttons=(Button("Details", data="d:X"),),
            )
        ]

    h.core.script = streaming
    h.api.user_sends(GROUP, BOB, "@xiaoer_test_bot earbuds?")
    await h.feed()
    (only,) = h.api.sent[GROUP.id]  # the placeholder was edited into the final reply
    assert only["text"] == "Earbuds X: ¥199 <in stock>" and "reply_markup" in only and "edit_date" in only
    assert h.api.calls["sendMessageDraft"] == []


async def test_ingest_downloads_the_document_for_staff_only(h: Harness) -> None:
    csv = "sku,title,price\nA1,耳机,99\n".encode()
    h.api.user_sends_document(Chat(STAFF.id), STAFF, "catalog.csv", csv, caption="/ingest")
    h.api.user_sends_document(Chat(BOB.id), BOB, "catalog.csv", csv, caption="/ingest")
    await h.feed()
    staff, bob = h.core.inbounds
    assert (
        staff.command == "ingest"
        and staff.document_bytes == csv
        and staff.attachment.file_name == "catalog.csv"
    )
    assert bob.command == "ingest" and bob.document_bytes is None  # the core refuses; nothing downloaded
    assert len(h.api.calls["getFile"]) == 1


async def test_ingest_as_a_reply_to_a_document(h: Harness) -> None:
    chat = Chat(STAFF.id)
    document = h.api.user_sends_document(chat, STAFF, "more.jsonl", b'{"sku": "B"}\n')
    await h.feed()
    h.api.user_sends(chat, STAFF, "/ingest", reply_to=document["message_id"])
    await h.feed()
    assert h.core.inbounds[-1].document_bytes == b'{"sku": "B"}\n'


class Hooks:
    """The handoff service as the channel sees it (the contract in `bot.handoff.desk`), recording calls."""

    def __init__(self) -> None:
        self.reported: list[tuple[Outbound, MessageRef]] = []
        self.left: list[str] = []

    def attach_desk(self, desk: object) -> None: ...

    async def on_delivered(self, outbound: Outbound, ref: MessageRef) -> None:
        self.reported.append((outbound, ref))

    async def sweep(self) -> list[Outbound]:
        return []

    async def customer_left(self, chat_id: str) -> list[Outbound]:
        self.left.append(chat_id)
        return [Outbound(chat_id=str(SUPPORT.id), text=f"customer {chat_id} left", thread_id="100")]


async def test_relays_copies_topics_and_delivery_reports() -> None:
    hooks = Hooks()
    reported = hooks.reported
    harness, app = make_harness(handoff=hooks)
    async with app:
        customer = Chat(BOB.id)
        original = harness.api.user_sends(customer, BOB, "my parcel is broken")
        harness.api.chats[SUPPORT.id] = SUPPORT
        harness.core.script = lambda i, p: [
            Outbound(
                chat_id=str(SUPPORT.id),
                thread_id="100",
                copy_of=i.ref,
                kind="relay",
                buttons=(Button("Claim", data="h:claim:1"),),
                meta={"handoff_id": "1"},
            ),
            Outbound(chat_id="999999", text="to a chat that doesn't exist"),  # fails, the rest still goes
            Outbound(chat_id=i.chat_id, text="A colleague will join shortly."),
        ]
        await harness.feed()
        (copy,) = harness.api.sent[SUPPORT.id]
        assert copy["text"] == "my parcel is broken" and copy["message_thread_id"] == 100
        assert copy["reply_markup"]["inline_keyboard"][0][0]["text"] == "Claim"
        assert harness.texts(customer) == ["A colleague will join shortly."]
        assert original["message_id"] == 1
        ((outbound, ref),) = reported
        assert outbound.meta["handoff_id"] == "1" and ref == MessageRef(
            str(SUPPORT.id), str(copy["message_id"]), "100"
        )
        desk = TelegramDesk(app.bot, SUPPORT.id)
        assert await desk.create_topic("Bob · refund") == "100"
        harness.api.chats[GROUP.id] = GROUP
        assert await TelegramDesk(app.bot, GROUP.id).create_topic("no forum") is None


async def test_rate_limit_notice_once_then_silence_and_staff_exempt() -> None:
    now = [0.0]
    harness, app = make_harness(limiter=SlidingWindowRateLimiter(2, 10.0, clock=lambda: now[0]))
    async with app:
        chat = Chat(ALICE.id)
        for n in range(5):
            harness.api.user_sends(chat, ALICE, f"message {n}")
        for n in range(4):
            harness.api.user_sends(Chat(STAFF.id), STAFF, f"staff {n}")
        await harness.feed()
        texts = harness.texts(chat)
        assert texts[:2] == ["echo: message 0", "echo: message 1"]
        assert texts[2:] == [
            "You're sending messages a little fast — please wait a few seconds, then I'll gladly continue."
        ]
        assert len(harness.api.sent[STAFF.id]) == 4
        now[0] += 10.0
        harness.api.user_sends(chat, ALICE, "back again")
        await harness.feed()
        assert harness.texts(chat)[-1] == "echo: back again"


async def test_command_menus_are_published_per_scope() -> None:
    harness, app = make_harness()
    registry = harness.core.commands

    async def noop(inbound: Inbound) -> list[Outbound]:
        return []

    registry.register("start", noop, roles=EVERYONE, zh="开始", en="Start")
    registry.register("copy", noop, roles=STAFF_ONLY, zh="写文案", en="Write copy")
    registry.register("claim", noop, roles=frozenset({Role.AGENT}), zh="接单", en="Claim")
    async with app:
        await publish_commands(harness.channel, app)
    menus = {
        (json.dumps(c["scope"], sort_keys=True), c.get("language_code")): [
            x["command"] for x in c["commands"]
        ]
        for c in harness.api.calls["setMyCommands"]
    }
    assert menus[('{"type": "default"}', None)] == ["start"]
    assert menus[('{"type": "default"}', "en")] == ["start"]
    assert menus[(json.dumps({"chat_id": STAFF.id, "type": "chat"}, sort_keys=True), None)] == [
        "start",
        "copy",
    ]
    assert menus[(json.dumps({"chat_id": SUPPORT.id, "type": "chat"}, sort_keys=True), None)] == [
        "start",
        "claim",
    ]
    default_en = next(c for c in harness.api.calls["setMyCommands"] if c.get("language_code") == "en")
    assert default_en["commands"][0]["description"] == "Start"


async def test_updates_of_one_chat_are_handled_in_order_while_chats_run_concurrently() -> None:
    """The PerChatUpdateProcessor: chat A's first update blocks; chat B proceeds; A's second waits its turn."""
    harness, app = make_harness()
    release_a = asyncio.Event()
    order: list[str] = []

    async def script(inbound: Inbound, progress: ReplyProgress | None) -> list[Outbound]:
        if inbound.text == "a1":
            await release_a.wait()
        order.append(inbound.text)
        return [Outbound(chat_id=inbound.chat_id, text=inbound.text)]

    harness.core.script = script
    async with app:
        processor = app.update_processor
        chat_a, chat_b = Chat(ALICE.id), Chat(BOB.id)
        for chat, user, text in ((chat_a, ALICE, "a1"), (chat_a, ALICE, "a2"), (chat_b, BOB, "b1")):
            harness.api.user_sends(chat, user, text)
        tasks = [
            asyncio.create_task(
                processor.process_update(
                    update := Update.de_json(payload, app.bot), app.process_update(update)
                )
            )
            for payload in harness.api.updates
        ]
        while order != ["b1"]:  # chat B is not blocked by chat A
            await asyncio.sleep(0.01)
        release_a.set()
        await asyncio.gather(*tasks)
    assert order == ["b1", "a1", "a2"]
    assert harness.texts(chat_a) == ["a1", "a2"]


@pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)  # PTB's own __init__
async def test_group_replies_quote_the_question_and_flood_control_is_waited_out(h: Harness) -> None:
    asked = h.api.user_sends(GROUP, ALICE, "@xiaoer_test_bot 多久发货？")
    h.api.flood["sendMessage"] = 1  # Telegram says "retry after 1 s" once
    await h.feed()
    (reply,) = h.api.sent[GROUP.id]
    assert reply["text"] == "echo: 多久发货？"
    assert reply["reply_to_message"]["message_id"] == asked["message_id"]
    assert len(h.api.calls["sendMessage"]) == 2  # the refused call and the retry


async def test_service_messages_in_the_support_chat_are_ignored_but_agent_messages_pass(h: Harness) -> None:
    h.api.user_sends(SUPPORT, STAFF, pinned_message={"message_id": 1, "date": 0, "chat": SUPPORT.as_dict()})
    h.api.user_sends(
        SUPPORT, STAFF, forum_topic_created={"name": "Bob", "icon_color": 7322096}, thread_id=100
    )
    h.api.user_sends_photo(SUPPORT, ALICE)  # an agent's photo (no caption) is relayed by handoff: it passes
    h.api.user_sends(SUPPORT, ALICE, "hello from the desk", thread_id=100)
    await h.feed()
    assert [(i.role, i.attachment.kind if i.attachment else None, i.text) for i in h.core.inbounds] == [
        (Role.AGENT, "photo", ""),
        (Role.AGENT, None, "hello from the desk"),
    ]


async def test_a_customer_who_blocks_the_bot_closes_their_handoff() -> None:
    hooks = Hooks()
    harness, app = make_harness(handoff=hooks)
    async with app:
        harness.api.chats[SUPPORT.id] = SUPPORT
        harness.api.user_blocks_bot(Chat(BOB.id), BOB)  # my_chat_member: kicked
        await harness.feed()
        assert hooks.left == [str(BOB.id)]
        assert harness.texts(SUPPORT) == [f"customer {BOB.id} left"]
        # A customer who blocked silently is noticed when a reply bounces (403 Forbidden).
        harness.api.user_sends(Chat(ALICE.id), ALICE, "hi")
        harness.api.blocked_chats.add(ALICE.id)
        await harness.feed()
        assert hooks.left == [str(BOB.id), str(ALICE.id)]
        assert harness.texts(SUPPORT)[-1] == f"customer {ALICE.id} left"
