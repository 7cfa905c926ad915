"""The staff console without a browser: who is refused where, CSRF and Origin checks, sessions, audit,
the one atomic claim shared with Telegram, and the tools (insights, catalog upload, copy).

The real app (real wiring, sample catalog, SQLite) under Starlette's TestClient; a local Telegram Bot API
server for the Telegram customer's side.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.domain.messages import Inbound, Role
from bot.handoff.state import Status
from bot.staff.accounts import (
    AccountError,
    AuditEntry,
    ConsoleSession,
    InMemoryStaffStore,
    StaffRole,
    StaffStore,
)
from bot.staff.auth import StaffAuth
from bot.staff.store_sql import SqlStaffStore
from tests.support.databases import migrated_database
from tests.support.telegram_server import Chat, TelegramServer, User
from tests.support.web_server import WebServer, add_account, fast_passwords

ORIGIN = "http://testserver"
SUPPORT_GROUP = Chat(-1009, "supergroup", "Support")
CUSTOMER = User(501, "Mei", "zh")
TG_AGENT = User(601, "Wang", "zh")
PAGES = [
    "/console/",
    "/console/inbox.json",
    "/console/insights",
    "/console/catalog",
    "/console/copy",
    "/console/audit",
    "/console/handoffs/abc123",
    "/console/handoffs/abc123/events.json",
]
STAFF_PAGES = ["/console/insights", "/console/catalog", "/console/copy", "/console/audit"]
POSTS = [
    "/console/logout",
    "/console/handoffs/abc123/claim",
    "/console/handoffs/abc123/close",
    "/console/handoffs/abc123/reply",
    "/console/catalog",
    "/console/copy",
]


@pytest.fixture(scope="module")
def tg() -> Iterator[TelegramServer]:
    with TelegramServer() as server:
        server.chats[SUPPORT_GROUP.id] = SUPPORT_GROUP
        yield server


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, tg: TelegramServer) -> Iterator[WebServer]:
    server = WebServer(
        tmp_path_factory.mktemp("console"),
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_API_BASE_URL=tg.base_url,
        TELEGRAM_API_FILE_URL=tg.file_url,
        XIAOER_SUPPORT_CHAT_ID=str(SUPPORT_GROUP.id),
    )
    add_account(server, "boss", "staff", "staff-password-1")
    add_account(server, "li", "agent", "agent-password-1")
    yield server
    server.bot.close()
    server.images.stop()


@pytest.fixture
def client(web: WebServer) -> Iterator[TestClient]:
    with TestClient(web.app, follow_redirects=False) as test_client:
        yield test_client


def login(client: TestClient, name: str, password: str) -> str:
    response = client.post(
        "/console/login", data={"name": name, "password": password}, headers={"origin": ORIGIN}
    )
    assert response.status_code == 303, response.text
    page = client.get("/console/")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def test_anonymous_visitors_and_customers_are_refused_every_route(client: TestClient) -> None:
    with client.websocket_connect("/ws", headers={"origin": ORIGIN}) as ws:  # a widget customer
        ws.send_json({"type": "hello", "session": "", "lang": "zh"})
        visitor_token = ws.receive_json()["session"]
    for cookies in ({}, {"xiaoer_console": visitor_token}, {"xiaoer_console": "forged-token"}):
        client.cookies.clear()
        client.cookies.update(cookies)
        for path in PAGES:
            response = client.get(path)
            assert response.status_code in (303, 401), (path, cookies, response.status_code)
            if response.status_code == 303:
                assert response.headers["location"] == "/console/login"
        for path in POSTS:
            response = client.post(path, data={"csrf": "x"}, headers={"origin": ORIGIN})
            assert response.status_code == 401, (path, cookies, response.status_code)
            assert "login required" in response.text


def test_agents_get_the_inbox_only_and_staff_everything(client: TestClient) -> None:
    login(client, "li", "agent-password-1")
    assert client.get("/console/").status_code == 200
    assert client.get("/console/inbox.json").json() == {
        "rows": client.get("/console/inbox.json").json()["rows"]
    }
    for path in STAFF_PAGES:
        assert client.get(path).status_code == 403, path
    client.cookies.clear()
    login(client, "boss", "staff-password-1")
    for path in STAFF_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"


def test_forms_need_the_session_token_and_this_origin(client: TestClient, web: WebServer) -> None:
    csrf = login(client, "boss", "staff-password-1")
    assert (
        client.post(
            "/console/copy", data={"subject": "RUN-001", "platform": "taobao"}, headers={"origin": ORIGIN}
        ).status_code
        == 403
    )  # no token
    assert (
        client.post(
            "/console/copy",
            data={"csrf": csrf, "subject": "RUN-001", "platform": "taobao"},
            headers={"origin": "https://evil.example"},
        ).status_code
        == 403
    )
    assert client.post("/console/logout", data={"csrf": csrf}).status_code == 403  # no Origin, no Referer
    response = client.post("/console/logout", data={"csrf": csrf}, headers={"referer": ORIGIN + "/console/"})
    assert response.status_code == 303
    assert client.get("/console/").status_code == 303  # logged out: the session is gone
    assert (
        client.post(
            "/console/login",
            data={"name": "boss", "password": "staff-password-1"},
            headers={"origin": "https://evil.example"},
        ).status_code
        == 403
    )  # login CSRF


async def test_console_and_telegram_agents_share_one_atomic_claim(web: WebServer, tg: TelegramServer) -> None:
    core = web.bot
    out = await core.handle(
        Inbound(str(CUSTOMER.id), str(CUSTOMER.id), "/human", channel="telegram", user_name="Mei")
    )
    assert any("转接" in o.text for o in out)
    handoff = core.handoff.store.open_for_chat(str(CUSTOMER.id))  # type: ignore[union-attr]
    assert handoff is not None and handoff.support_chat_id == str(SUPPORT_GROUP.id)
    telegram_claim = Inbound(
        str(SUPPORT_GROUP.id),
        str(TG_AGENT.id),
        f"/claim {handoff.id}",
        role=Role.AGENT,
        channel="telegram",
        user_name="Wang",
        is_group=True,
    )
    with TestClient(web.app, follow_redirects=False) as client:
        csrf = login(client, "li", "agent-password-1")
        await core.handle(telegram_claim)  # the Telegram group's agent is first
        response = client.post(
            f"/console/handoffs/{handoff.id}/claim", data={"csrf": csrf}, headers={"origin": ORIGIN}
        )
        assert response.status_code == 303
        page = client.get(response.headers["location"])
    assert "Wang" in page.text  # the console is told who has it
    current = core.handoff.store.get(handoff.id)  # type: ignore[union-attr]
    assert current.status == Status.CLAIMED and current.agent_name == "Wang"


async def test_a_console_agent_answers_a_telegram_customer(web: WebServer, tg: TelegramServer) -> None:
    core = web.bot
    customer = User(502, "Joe", "en")
    tg.chats[customer.id] = Chat(customer.id)  # Joe has talked to the bot on Telegram before
    await core.handle(
        Inbound(
            str(customer.id),
            str(customer.id),
            "/human",
            channel="telegram",
            user_name="Joe",
            language_hint="en",
        )
    )
    handoff = core.handoff.store.open_for_chat(str(customer.id))  # type: ignore[union-attr]
    assert handoff is not None
    before = len(tg.sent[customer.id])
    with TestClient(web.app, follow_redirects=False) as client:
        csrf = login(client, "li", "agent-password-1")
        client.post(f"/console/handoffs/{handoff.id}/claim", data={"csrf": csrf}, headers={"origin": ORIGIN})
        tg.wait_for(lambda: len(tg.sent[customer.id]) > before)  # "an agent joined", over the Bot API
        # the request has no card message in the group yet (the bot process delivers it): say so, send nothing
        response = client.post(
            f"/console/handoffs/{handoff.id}/reply",
            data={"csrf": csrf, "text": "Hello Joe"},
            headers={"origin": ORIGIN},
        )
        flash = client.get(response.headers["location"]).text
    assert "no card" in flash
    assert all("Hello Joe" not in (m.get("text") or "") for m in tg.sent[customer.id])


def test_tools_show_insights_row_errors_and_the_compliance_report(client: TestClient) -> None:
    csrf = login(client, "boss", "staff-password-1")
    insights = client.get("/console/insights?since=7d")
    assert insights.status_code == 200 and 'data-console="chart"' in insights.text
    bad_csv = (
        "sku,title,price,stock\nNEW-1,新品测试杯 <b>,99.00,5\n,缺少SKU,10,1\nNEW-2,坏价格,abc,1\n"
    ).encode()
    upload = client.post(
        "/console/catalog",
        data={"csrf": csrf},
        files={"file": ("new.csv", bad_csv, "text/csv")},
        headers={"origin": ORIGIN},
    )
    assert upload.status_code == 200
    assert 'data-console="row-errors"' in upload.text and "<b>" not in upload.text.split("<main>")[1]
    assert re.search(r"<td>3</td>", upload.text) and re.search(r"<td>4</td>", upload.text)
    wrong = client.post(
        "/console/catalog",
        data={"csrf": csrf},
        files={"file": ("x.exe", b"MZ", "x")},
        headers={"origin": ORIGIN},
    )
    assert "only .csv" in wrong.text
    copy = client.post(
        "/console/copy",
        data={"csrf": csrf, "subject": "RUN-001", "platform": "taobao", "tone": "", "variants": "2"},
        headers={"origin": ORIGIN},
    )
    assert copy.text.count('data-console="copy-result"') == 2 and 'data-console="compliance"' in copy.text
    audit = client.get("/console/audit").text
    assert "catalog.upload" in audit and "copy.generate" in audit and "insights.view" in audit


# Runs after every test that logs in: its failed tries throttle this test client's address.
def test_wrong_passwords_are_refused_then_throttled_and_audited(client: TestClient, web: WebServer) -> None:
    statuses = [
        client.post(
            "/console/login", data={"name": "nobody", "password": f"guess-{n}"}, headers={"origin": ORIGIN}
        ).status_code
        for n in range(11)
    ]
    limited = statuses.index(429)  # 10 tries per address (earlier logins of this module count too)
    assert set(statuses[:limited]) == {401} and set(statuses[limited:]) == {429}
    right = client.post(
        "/console/login", data={"name": "li", "password": "agent-password-1"}, headers={"origin": ORIGIN}
    )
    assert right.status_code == 429  # while limited, even the right password does not open a session
    for n in range(20):  # a flood of throttled tries is refused without writing a row each
        client.post(
            "/console/login", data={"name": "nobody", "password": f"more-{n}"}, headers={"origin": ORIGIN}
        )
    store = SqlStaffStore(migrated_database(web.settings.resolved_database_url))
    actions = [e.action for e in store.audit_log(500) if e.who == "nobody"]
    assert actions.count("login.failed") == limited and actions.count("login.limited") == 1


def test_request_bodies_are_bounded_and_uploads_are_read_only_after_login(web: WebServer) -> None:
    """Nobody gets to make the server buffer or spool a big body: anonymous uploads are refused before the
    body is parsed, forms are capped at 256 KiB and uploads at the upload limit (413)."""
    with TestClient(web.app, follow_redirects=False, client=("10.0.2.1", 5000)) as client:
        _bounded_bodies(client)


def _bounded_bodies(client: TestClient) -> None:
    upload = {"file": ("big.csv", b"sku,title\n" + b"X-1,cup\n" * 4096, "text/csv")}
    anonymous = client.post("/console/catalog", data={"csrf": "x"}, files=upload, headers={"origin": ORIGIN})
    assert anonymous.status_code == 401 and "login required" in anonymous.text
    huge = "x" * (300 * 1024)
    assert (
        client.post(
            "/console/login", data={"name": "li", "password": huge}, headers={"origin": ORIGIN}
        ).status_code
        == 413
    )

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b"name=li&password="
        for _ in range(40):
            yield b"y" * 8192

    streamed = client.post(
        "/console/login",
        content=chunks(),
        headers={"origin": ORIGIN, "content-type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413
    csrf = login(client, "boss", "staff-password-1")
    reply = client.post(
        "/console/handoffs/abc123/reply", data={"csrf": csrf, "text": huge}, headers={"origin": ORIGIN}
    )
    assert reply.status_code == 413
    too_big = client.post(
        "/console/catalog",
        data={"csrf": csrf},
        files={"file": ("big.csv", b"x" * (21 * 1024 * 1024), "text/csv")},
        headers={"origin": ORIGIN},
    )
    assert too_big.status_code == 413
    no_file = client.post("/console/catalog", data={"csrf": csrf}, headers={"origin": ORIGIN})
    assert no_file.status_code == 400 and "choose a catalog file" in no_file.text


def test_a_throttled_name_stays_throttled_however_it_is_spelled(web: WebServer) -> None:
    """An attacker rotating addresses must not reset the per-name window by padding the name ("li ")."""
    add_account(web, "wu", "agent", "agent-password-2")
    statuses = []
    for n, name in enumerate(["wu"] * 10 + ["wu ", " wu", "wu\t", "WU"]):
        with TestClient(web.app, follow_redirects=False, client=(f"10.0.0.{n + 1}", 5000)) as attacker:
            statuses.append(
                attacker.post(
                    "/console/login",
                    data={"name": name, "password": f"guess-{n}"},
                    headers={"origin": ORIGIN},
                ).status_code
            )
    assert statuses == [401] * 10 + [429] * 4
    with TestClient(web.app, follow_redirects=False, client=("10.0.1.1", 5000)) as owner:
        padded = owner.post(
            "/console/login",
            data={"name": " wu ", "password": "agent-password-2"},
            headers={"origin": ORIGIN},
        )
    assert padded.status_code == 429  # not a password check, however right the password


def test_replicas_on_postgresql_share_the_login_throttle(tmp_path: Path, postgres_url: str) -> None:
    """Two `xiaoer web` replicas behind one proxy: guesses spread over both still meet one limit."""
    replicas = [WebServer(tmp_path / name, XIAOER_DATABASE_URL=postgres_url) for name in ("a", "b")]
    try:
        add_account(replicas[0], "wang", "agent", "agent-password-3")
        statuses = []
        for n in range(11):
            app = replicas[n % 2].app
            with TestClient(app, follow_redirects=False, client=("10.0.3.1", 5000)) as attacker:
                statuses.append(
                    attacker.post(
                        "/console/login",
                        data={"name": "wang", "password": f"guess-{n}"},
                        headers={"origin": ORIGIN},
                    ).status_code
                )
        assert statuses == [401] * 10 + [429]
    finally:
        for replica in replicas:
            replica.bot.close()
            replica.images.stop()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def staff_store(request: pytest.FixtureRequest, tmp_path: Path) -> StaffStore:
    if request.param == "memory":
        return InMemoryStaffStore()
    if request.param == "postgres":
        return SqlStaffStore(migrated_database(request.getfixturevalue("postgres_url")))
    return SqlStaffStore(migrated_database(f"sqlite:///{tmp_path / 'staff.db'}"))


async def test_staff_store_contract_and_session_expiry(staff_store: StaffStore) -> None:
    now = [1000.0]
    auth = StaffAuth(staff_store, fast_passwords(), session_s=60, clock=lambda: now[0])
    auth.add_account("mei", StaffRole.AGENT, "long-password-1")
    with pytest.raises(AccountError):
        auth.add_account("mei", StaffRole.STAFF, "long-password-2")
    for name, password in (("x", "long-password-1"), ("<b>", "long-password-1"), ("ok-name", "short")):
        with pytest.raises(AccountError):
            auth.add_account(name, StaffRole.AGENT, password)
    stored = staff_store.account("mei")
    assert stored is not None and "long-password-1" not in stored.password_hash
    assert await auth.login("mei", "wrong-password") is None
    token, session = await auth.login("mei", "long-password-1")  # type: ignore[misc]
    assert isinstance(session, ConsoleSession) and token not in session.token_digest
    assert (await auth.session(token)) == session
    now[0] += 61
    assert await auth.session(token) is None  # expired, and dropped
    assert staff_store.session(session.token_digest) is None
    before, _ = await auth.login("mei", "long-password-1")  # type: ignore[misc]
    assert auth.set_password("mei", "another-password-9") == 1
    assert await auth.session(before) is None  # a new password ends the sessions the old one opened
    assert await auth.login("mei", "long-password-1") is None
    assert await auth.login("mei", "another-password-9") is not None
    kept, _ = await auth.login("mei", "another-password-9")  # type: ignore[misc]
    assert auth.set_disabled("mei", True) == 2  # the two logins with the new password
    assert await auth.session(kept) is None and await auth.login("mei", "another-password-9") is None
    auth.set_disabled("mei", False)
    assert await auth.login("mei", "another-password-9") is not None
    with pytest.raises(AccountError):
        auth.set_disabled("nobody", True)
    staff_store.audit(AuditEntry(now[0], "mei", "custom", "t", "d"))
    log = staff_store.audit_log(3)
    assert log[0].action == "custom" and [a.name for a in staff_store.accounts()] == ["mei"]
    assert {e.action for e in staff_store.audit_log(100)} >= {
        "account.add",
        "login",
        "login.failed",
        "account.disable",
        "account.enable",
    }
    assert staff_store.drop_expired(now[0] + 10_000) >= 1
