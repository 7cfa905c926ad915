"""The web channel without a browser: the widget socket's protocol, its limits and its defences.

The real app (real wiring, sample catalog, SQLite) runs under Starlette's TestClient, in process.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, update
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from bot.channels.signing import CallbackSigner, Signer
from bot.channels.web.config import WebConfig
from bot.channels.web.history import InMemoryWebHistory, WebHistory
from bot.channels.web.history_sql import SqlWebHistory
from bot.channels.web.sessions import VisitorSessions
from bot.channels.web.wire import outbound_payload, safe_url
from bot.conversation.core import SupportBot
from bot.coordination.reply_journal import ReplyJournal, UpdateReply
from bot.domain.messages import Button, Inbound, Outbound, ProductCard
from bot.handoff.state import Status
from bot.ops.settings import Settings, load_settings
from bot.orders.aftersales import AfterSalesRequest, RequestStatus
from bot.orders.aftersales_sql import SqlAfterSalesStore
from bot.orders.eligibility import RequestKind
from bot.wiring import build_web_app, open_retention
from tests.support.core_fixtures import sample_knowledge
from tests.support.databases import migrated_database

ORIGIN = "http://shop.test"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, SupportBot, Settings]]:
    data = tmp_path_factory.mktemp("web-channel")
    settings = load_settings(XIAOER_DATA_DIR=str(data))
    config = WebConfig(
        secret="s3cret", origins=(ORIGIN,), visitor_messages=3, window_s=3600, max_chars=50, ip_sockets=4
    )
    app, bot = build_web_app(settings, config, knowledge=sample_knowledge(False))
    with TestClient(app, base_url="http://xiaoer.test") as test_client:
        yield test_client, bot, settings
    bot.close()


@pytest.fixture
def client(served: tuple[TestClient, SupportBot, Settings]) -> TestClient:
    return served[0]


def connect(client: TestClient, origin: str = ORIGIN) -> WebSocketTestSession:
    return client.websocket_connect("/ws", headers={"origin": origin})


def hello(ws: WebSocketTestSession, session: str = "", lang: str = "zh") -> dict[str, Any]:
    ws.send_json({"type": "hello", "session": session, "lang": lang})
    frame = ws.receive_json()
    assert frame["type"] == "session"
    return frame


def until_done(ws: WebSocketTestSession) -> list[dict[str, Any]]:
    return until_done_frame(ws)[0]


def until_done_frame(ws: WebSocketTestSession) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(the frames before `done`, the `done` frame itself)."""
    frames = []
    while (frame := ws.receive_json())["type"] != "done":
        frames.append(frame)
    return frames, frame


def test_a_question_gets_one_reply_with_signed_card_buttons(client: TestClient) -> None:
    with connect(client) as ws:
        hello(ws)
        ws.send_json({"type": "message", "text": "有没有500以内的跑鞋"})
        frames = [f for f in until_done(ws) if f["type"] == "message"]
    assert [f["who"] for f in frames] == ["visitor", "bot"]
    reply = frames[1]
    assert reply["cards"] and all(card["price"].startswith("¥") for card in reply["cards"])
    data = [b["data"] for card in reply["cards"] for b in card["buttons"] if "data" in b]
    assert data and all(CallbackSigner("s3cret").verify(d) for d in data)  # the core's d:/s: data, signed
    assert {CallbackSigner("s3cret").verify(d)[:2] for d in data} == {"d:", "s:"}  # type: ignore[index]


def test_a_reload_resumes_the_same_conversation_and_a_forged_token_does_not(client: TestClient) -> None:
    with connect(client) as ws:
        token = hello(ws)["session"]
        ws.send_json({"type": "message", "text": "怎么退货"})
        until_done(ws)
    with connect(client) as ws:
        again = hello(ws, token)
    assert again["resumed"] and again["session"] == token
    assert [m["text"] for m in again["history"] if m["who"] == "visitor"] == ["怎么退货"]
    visitor_id = token.split("|")[0]
    forged = f"{visitor_id}|{'A' * 22}"
    with connect(client) as ws:
        fresh = hello(ws, forged)
    assert not fresh["resumed"] and fresh["history"] == [] and fresh["session"] != token


def test_sockets_from_other_sites_are_refused(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as refused, connect(client, "https://evil.example"):
        pass
    assert refused.value.code == 1008
    with connect(client, "http://testserver") as ws:  # the server's own origin (demo page) is fine
        hello(ws)


def test_one_address_holds_only_a_few_sockets(client: TestClient) -> None:
    """Idle sockets cost memory and file descriptors: one address gets `ip_sockets` (4 here) at a time."""
    with contextlib.ExitStack() as stack:
        held = [stack.enter_context(connect(client)) for _ in range(4)]
        for ws in held:
            hello(ws)
        with pytest.raises(WebSocketDisconnect) as refused, connect(client) as extra:
            extra.send_json({"type": "hello", "session": "", "lang": "zh"})
            extra.receive_json()
        assert refused.value.code == 1008
        held[0].close()
    with connect(client) as again:  # closing gives the place back
        hello(again)


def test_too_long_forged_buttons_and_floods_get_clear_answers(client: TestClient) -> None:
    with connect(client) as ws:
        hello(ws, lang="en")
        ws.send_json({"type": "message", "text": "x" * 51})
        error = ws.receive_json()
        assert error["type"] == "error" and error["code"] == "too_long" and "50" in error["text"]
        ws.send_json({"type": "press", "data": "d:RUN-001|AAAAAAAA"})
        assert ws.receive_json()["type"] == "notice"
        assert ws.receive_json()["type"] == "done"
        ws.send_text("not json")
        assert ws.receive_json()["code"] == "bad_frame"
        for _ in range(3):  # the per-visitor window allows 3
            ws.send_json({"type": "message", "text": "hello"})
            frames, done = until_done_frame(ws)
            assert any(f["who"] == "bot" for f in frames if f["type"] == "message") and "refused" not in done
        ws.send_json({"type": "message", "text": "hello"})
        notice, done = until_done_frame(ws)
        assert [f["type"] for f in notice] == ["notice"] and "fast" in notice[0]["text"]
        assert done["refused"] == "rate_limited"  # the widget puts the unsent words back in the input box
        ws.send_json({"type": "message", "text": "hello"})
        assert until_done_frame(ws) == ([], {"type": "done", "refused": "rate_limited"})  # dropped quietly


def test_forget_erases_the_widgets_own_log_of_the_chat(client: TestClient) -> None:
    """/forget in the widget: a reload must not show the erased conversation again."""
    with connect(client) as ws:
        token = hello(ws)["session"]
        ws.send_json({"type": "message", "text": "我的手机号是13812345678，有没有跑鞋"})
        until_done(ws)
        ws.send_json({"type": "message", "text": "/forget"})
        frames = until_done(ws)
        said = [f for f in frames if f["type"] == "message" and f["who"] == "bot"]
        assert said, frames
    with connect(client) as ws:
        history = hello(ws, session=token)["history"]
    assert [m["text"] for m in history] == [said[-1]["text"]]  # only the confirmation is left
    assert "13812345678" not in json.dumps(history, ensure_ascii=False)


def test_the_retention_window_covers_the_widgets_log(served: tuple[TestClient, SupportBot, Settings]) -> None:
    """XIAOER_RETENTION_DAYS purges what web visitors wrote, in `xiaoer web` and in `xiaoer db purge`."""
    _, bot, settings = served
    database = migrated_database(settings.resolved_database_url)
    days = settings.retention_days
    old = SqlWebHistory(database, clock=lambda: time.time() - (days + 1) * 86_400)
    old.append("web:old-visitor", "visitor", {"text": "我的地址是北京市朝阳区"})
    assert bot.runtime.retention is not None
    assert bot.runtime.retention.purge_once()["web messages"] == 1  # the running `xiaoer web`
    old.append("web:old-visitor", "visitor", {"text": "我的地址是北京市朝阳区"})
    retention, purge_database = open_retention(settings)  # `xiaoer db purge`
    try:
        assert retention.purge_once()["web messages"] == 1
    finally:
        purge_database.dispose()
    assert SqlWebHistory(database).recent("web:old-visitor") == []


def test_the_retention_window_covers_the_reply_journal_and_after_sales_reasons_and_photos(
    served: tuple[TestClient, SupportBot, Settings],
) -> None:
    """Journaled replies (they may quote the customer or their order) and what customers wrote or sent with
    an after-sales request (reason, photos) go when they are older than XIAOER_RETENTION_DAYS; the request
    itself and its decision stay (the order's record), and younger ones are untouched."""
    _, bot, settings = served
    database = migrated_database(settings.resolved_database_url)
    days = settings.retention_days
    journal = ReplyJournal(database, channel="telegram")
    store = SqlAfterSalesStore(database)
    now = datetime.now(UTC)

    def plant() -> None:
        journal.record(1, [Outbound(chat_id="7", text="您的订单 XE1 寄往北京市朝阳区")])
        journal.record(2, [Outbound(chat_id="7", text="new")])
        with database.engine.begin() as conn:
            old = time.time() - (days + 1) * 86_400
            conn.execute(update(UpdateReply).where(UpdateReply.update_id == 1).values(at=old))
        for key, age in (("old", days + 1), ("new", 1)):
            at = now - timedelta(days=age)
            store.create(
                AfterSalesRequest(
                    id=f"AS-{key}-{time.monotonic_ns()}",
                    order_key=f"XE-{key}-{time.monotonic_ns()}",
                    kind=RequestKind.RETURN,
                    status=RequestStatus.REQUESTED,
                    chat_id="7",
                    user_id="7",
                    created_at=at,
                    updated_at=at,
                    reason="鞋子开胶了 电话13812345678",
                    photos=("file-1",),
                )
            )

    def left() -> list[tuple[str, str, tuple[str, ...]]]:
        requests = store.open_requests(limit=100)
        return sorted((r.order_key.split("-")[1], r.reason, r.photos) for r in requests)

    plant()
    assert bot.runtime.retention is not None
    removed = bot.runtime.retention.purge_once()  # the running bot
    assert removed["reply journal"] == 1 and removed["after-sales reasons and photos"] == 1
    assert journal.pending(1) is None and journal.pending(2) is not None
    assert left() == [("new", "鞋子开胶了 电话13812345678", ("file-1",)), ("old", "", ())]
    with database.engine.begin() as conn:
        conn.execute(delete(UpdateReply))
    plant()
    retention, purge_database = open_retention(settings)  # `xiaoer db purge`
    try:
        removed = retention.purge_once()
    finally:
        purge_database.dispose()
    assert removed["reply journal"] == 1 and removed["after-sales reasons and photos"] == 1
    assert journal.pending(1) is None and journal.pending(2) is not None
    database.dispose()


def test_pages_carry_a_strict_content_security_policy(client: TestClient) -> None:
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert '<script src="/widget.js" data-shop="demo"' in page.text and "<script>" not in page.text
    script = client.get("/widget.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "innerHTML" not in script.text and "attachShadow" not in script.text
    config = client.get("/widget/config?lang=en-US", headers={"origin": ORIGIN})
    assert config.json()["strings"]["send"] == "Send"
    assert config.headers["access-control-allow-origin"] == ORIGIN
    other = client.get("/widget/config", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    assert "s3cret" not in page.text + script.text + config.text


def test_urls_in_cards_must_be_http() -> None:
    assert safe_url("https://shop.example/p/1") == "https://shop.example/p/1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example/x", "vbscript:x", ""):
        assert safe_url(bad) == ""
    card = ProductCard(
        "A1",
        "<b>x</b>",
        image_url="javascript:x",
        url="javascript:y",
        buttons=(Button("buy", url="javascript:z"), Button("d", data="d:A1")),
    )
    payload = outbound_payload(Outbound("web:v", "hi", cards=(card,)), CallbackSigner("k"))
    assert payload["cards"][0]["title"] == "<b>x</b>"  # text: the widget renders it with textContent
    assert payload["cards"][0]["image"] == payload["cards"][0]["url"] == ""
    assert [b["label"] for b in payload["cards"][0]["buttons"]] == ["d"]


def test_visitor_tokens_are_signed_for_their_purpose_only() -> None:
    sessions = VisitorSessions("k")
    visitor = sessions.issue()
    assert sessions.verify(visitor.token) == visitor and visitor.chat_id.startswith("web:")
    assert VisitorSessions("other").verify(visitor.token) is None
    button = CallbackSigner("k").sign(visitor.id)  # a signed button is not a session token
    assert sessions.verify(button) is None
    assert Signer("k", "a").sign("x") != Signer("k", "b").sign("x")
    for junk in (None, 42, "", "|", "x" * 500):
        assert sessions.verify(junk) is None


NOW = [1000.0]  # the history fixture's clock (seconds)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> WebHistory:
    NOW[0] = 1000.0
    clock = lambda: NOW[0]  # noqa: E731
    if request.param == "memory":
        return InMemoryWebHistory(clock)
    if request.param == "postgres":
        return SqlWebHistory(migrated_database(request.getfixturevalue("postgres_url")), clock)
    return SqlWebHistory(migrated_database(f"sqlite:///{tmp_path / 'web.db'}"), clock)


def test_history_contract(history: WebHistory) -> None:
    a1 = history.append("web:a", "visitor", {"text": "hi"})
    b1 = history.append("web:b", "visitor", {"text": "yo"})
    a2 = history.append("web:a", "bot", {"text": "hello", "cards": [{"sku": "X"}]}, handoff_id="h1")
    assert a1.id < b1.id < a2.id
    assert [m.payload["text"] for m in history.recent("web:a")] == ["hi", "hello"]
    assert [m.id for m in history.recent("web:a", limit=1)] == [a2.id]
    assert [m.id for m in history.since(["web:a"], a1.id)] == [a2.id]
    assert [m.id for m in history.since(["web:a", "web:b"], 0)] == [a1.id, b1.id, a2.id]
    assert history.since([], 0) == []
    latest, chats = history.chats_since(a1.id)
    assert latest == a2.id and chats == {"web:a", "web:b"}
    assert history.chats_since(a2.id) == (a2.id, set())
    assert [m.id for m in history.for_handoff("h1")] == [a2.id]
    assert a2.frame()["cards"] == [{"sku": "X"}] and a2.frame()["who"] == "bot"

    NOW[0] = 2000.0
    b2 = history.append("web:b", "bot", {"text": "later"})
    assert history.purge(datetime.fromtimestamp(1500.0, UTC)) == 3  # the retention window: a1, b1, a2
    assert [m.id for m in history.since(["web:a", "web:b"], 0)] == [b2.id]
    assert history.forget("web:b") == 1 and history.recent("web:b") == []  # /forget: the whole chat
    a3 = history.append("web:a", "visitor", {"text": "again"})
    assert a3.id > b2.id  # never an id an open socket has already passed, even after deleting the newest
    assert history.chats_since(b2.id) == (a3.id, {"web:a"})


async def test_the_web_servers_sweep_times_out_only_the_requests_it_can_deliver() -> None:
    from bot.handoff import HandoffService, InMemoryHandoffStore
    from bot.handoff.outbox import HandoffConfig
    from bot.prompts import PROMPTS_DIR, load_messages

    now = [1000.0]
    support = {"web": "web:console", "telegram": "-100"}
    service = HandoffService(
        InMemoryHandoffStore(),
        load_messages(PROMPTS_DIR),
        HandoffConfig(support_chats=support, claim_timeout_s=300),
        clock=lambda: now[0],
    )
    await service.request(Inbound("web:v1", "web:v1", "/human", channel="web"), "requested", {})
    await service.request(Inbound("42", "42", "/human", channel="telegram"), "requested", {})
    now[0] += 301
    out = await service.sweep(channels={"web"})
    assert {o.chat_id for o in out} == {"web:v1", "web:console"}  # the visitor is told, and the console
    assert service.store.open_for_chat("42").status == Status.WAITING  # type: ignore[union-attr]
    assert service.store.open_for_chat("web:v1").status == Status.TIMED_OUT  # type: ignore[union-attr]


def test_a_visitor_can_run_no_staff_or_agent_command_whatever_it_sends(client: TestClient) -> None:
    """Issue 13 attack: every staff/agent command typed into the widget, with a forged role in the frame."""
    commands = ["/ingest", "/insights", "/stats", "/copy RUN-001", "/describe RUN-001", "/keywords", "/keep",
                "/order T1002", "/queue", "/claim 1", "/close", "/transcript 1"]  # fmt: skip
    for command in commands:  # a new visitor each time: the per-visitor rate limit is not what is tested
        with connect(client) as ws:
            hello(ws)
            ws.send_json({"type": "message", "text": command, "role": "staff", "user_id": "staff-1"})
            frames = until_done(ws)
        replies = [f for f in frames if f["type"] == "message" and f["who"] == "bot"]
        text = replies[0]["text"] if len(replies) == 1 else ""
        assert "仅限店铺工作人员" in text or "for shop staff only" in text, (command, frames)
