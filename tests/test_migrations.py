"""Schema migrations: a v0.1.0 database upgrades with its rows, the head equals the models, replicas take turns.

Every case runs on SQLite and on the real PostgreSQL (tests/support/postgres.py). The v0.1.0 database is
made from the frozen DDL in tests/data/ and filled with rows the way v0.1.0 stored them (naive UTC
strings on SQLite, `timestamptz` on PostgreSQL), then read back through today's stores.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import StatementError

from bot.conversation.store import Turn
from bot.conversation.store_sql import SqlConversationStore
from bot.coordination.ledger import ClaimState, UpdateLedger
from bot.coordination.ratelimit import RateDecision
from bot.coordination.ratelimit_sql import SqlRateLimiter
from bot.handoff.state import Status
from bot.handoff.store_sql import SqlHandoffStore
from bot.insights.records import OutcomeEvent, TurnRecord
from bot.insights.store_sql import SqlInsightsStore
from bot.storage.db import Base, Database
from bot.storage.errors import DatabaseUnavailable, SchemaError
from bot.storage.migrate import BASELINE, LEGACY_TABLES, current_revision, head_revision, upgrade_schema
from bot.wiring import SQL_MODEL_MODULES, load_sql_models
from tests.support.databases import migrated_database, sqlite_url, upgrade_worker

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]
AT = datetime(2026, 11, 20, 9, 30, 15, 250000, tzinfo=UTC)  # when the v0.1.0 rows were written

load_sql_models()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database (no tables) on each backend."""
    url = (
        sqlite_url(tmp_path / "x.db")
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    database = Database.open(url)
    yield database
    database.dispose()


def _load_v0_1_0(database: Database) -> None:
    """Create the tables exactly as v0.1.0 did (frozen DDL) and fill them as v0.1.0 stored rows."""
    ddl = (DATA / f"schema_v0_1_0.{database.dialect}.sql").read_text(encoding="utf-8")
    statements = [s for s in (_strip_comments(part) for part in ddl.split(";")) if s]
    at = AT.strftime("%Y-%m-%d %H:%M:%S.%f") if database.dialect == "sqlite" else AT  # v0.1.0's format
    true = 1 if database.dialect == "sqlite" else True
    with database.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
        rows = {
            "conv_turns (chat_id, user_id, role, text, skus, at)": [
                ("telegram:1", "u1", "user", "有没有跑鞋", "[]", at),
                ("telegram:1", "u1", "assistant", "为您挑了这几款", '["RUN-001", "RUN-002"]', at),
            ],
            "conv_chat_state (chat_id, user_id, data, updated_at)": [
                ("telegram:1", "u1", '{"last_skus": ["RUN-001"], "last_query": "跑鞋", "unanswered": 1}', at),
            ],
            "conv_user_interests (user_id, keyword, score, updated_at)": [("u1", "跑鞋", 2.5, at)],
            "handoffs (id, chat_id, user_id, channel, reason, status, user_name, language, summary,"
            " support_chat_id, thread_id, card_message_id, agent_id, agent_name, created_at, claimed_at,"
            " closed_at, closed_by, rating, note_pending)": [
                (
                    "3f9a1c",
                    "telegram:1",
                    "u1",
                    "telegram",
                    "asked",
                    "closed",
                    "Ann",
                    "zh",
                    "退货",
                    "-100",
                    "12",
                    "34",
                    "a1",
                    "Li",
                    100.0,
                    130.0,
                    200.0,
                    "a1",
                    5,
                    not true,
                ),
            ],
            "handoff_messages (handoff_id, who, author, text, at, attachment_kind)": [
                ("3f9a1c", "customer", "Ann", "我要退货", 110.0, ""),
                ("3f9a1c", "agent", "Li", "好的", 140.0, "photo"),
            ],
            "handoff_links (chat_id, message_id, handoff_id)": [("-100", "77", "3f9a1c")],
            'insight_turns (at, channel, "user", chat, text, language, intent, keywords, filters, skus,'
            " answered, top_score)": [
                (
                    at,
                    "telegram",
                    "p-u1",
                    "p-c1",
                    "有没有跑鞋",
                    "zh",
                    "recommendation",
                    '["跑鞋"]',
                    '{"max_price": "500"}',
                    '["RUN-001"]',
                    true,
                    0.75,
                ),
            ],
            "insight_events (at, chat, kind, value)": [(at, "p-c1", "rating", "5")],
            "xiaoer_processed_updates (channel, update_id, chat_key, status, owner, claimed_at, payload)": [
                ("telegram", 9001, "telegram:1", "done", "host:1", 1_000.0, None),
            ],
            "xiaoer_rate_hits (key, at)": [("telegram:1", 1_000.0)],
            "xiaoer_rate_warnings (key, until)": [("telegram:1", 1_010.0)],
        }
        for target, values in rows.items():
            columns = target[target.index("(") + 1 : target.index(")")].split(",")
            names = [f"p{i}" for i in range(len(columns))]
            insert = text(f"INSERT INTO {target} VALUES ({', '.join(':' + n for n in names)})")
            conn.execute(insert, [dict(zip(names, row, strict=True)) for row in values])


def _strip_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.startswith("--")).strip()


def _diff(database: Database) -> list[object]:
    """Alembic's autogenerate diff between the database and the models (empty = same schema)."""
    with database.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))


def test_a_v0_1_0_database_upgrades_with_its_rows(empty: Database) -> None:
    _load_v0_1_0(empty)
    assert current_revision(empty) == (None, True)  # recognised as made by the previous release

    result = upgrade_schema(empty)

    assert (result.before, result.after, result.legacy) == (None, head_revision(), True)
    assert current_revision(empty) == (head_revision(), False)
    assert _diff(empty) == []
    conversations = SqlConversationStore(empty)
    turns = conversations.recent("telegram:1")
    assert [(t.role, t.text, t.skus, t.at) for t in turns] == [
        ("user", "有没有跑鞋", (), AT),
        ("assistant", "为您挑了这几款", ("RUN-001", "RUN-002"), AT),
    ]
    assert all(t.at.tzinfo is UTC for t in turns)
    state = conversations.state("telegram:1")
    assert (state.last_skus, state.last_query, state.unanswered) == (("RUN-001",), "跑鞋", 1)
    assert conversations.interests("u1") == {"跑鞋": (2.5, AT)}
    conversations.append("telegram:1", Turn("user", "还有吗", "u1"))  # ids continue after the old rows
    assert [t.text for t in conversations.recent("telegram:1")][-1] == "还有吗"
    handoffs = SqlHandoffStore(empty)
    handoff = handoffs.get("3f9a1c")
    assert handoff is not None and handoff.status is Status.CLOSED and handoff.rating == 5
    assert (handoff.agent_name, handoff.claimed_at, handoff.note_pending) == ("Li", 130.0, False)
    assert [(e.who, e.text, e.attachment_kind) for e in handoffs.transcript("3f9a1c")] == [
        ("customer", "我要退货", ""),
        ("agent", "好的", "photo"),
    ]
    assert handoffs.by_message("-100", "77") == handoff
    window = (AT - timedelta(hours=1), AT + timedelta(hours=1))
    insights = SqlInsightsStore(empty)
    [record] = insights.turns(*window)
    assert (record.at, record.keywords, record.filters, record.answered, record.top_score) == (
        AT,
        ("跑鞋",),
        {"max_price": "500"},
        True,
        0.75,
    )
    assert record.matched is None  # the column 0004 added: unknown for turns recorded before it
    assert [(e.at, e.kind, e.value) for e in insights.events(*window)] == [(AT, "rating", "5")]
    assert UpdateLedger(empty, owner="r2").begin(9001) is ClaimState.DONE  # no double processing
    with empty.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM xiaoer_rate_hits")).scalar() == 1
    limiter = SqlRateLimiter(empty, 1, 10.0, clock=lambda: 1_005.0)
    verdict = limiter.check_now("telegram:1")  # the old hit still counts, and the old warning too
    assert (verdict.decision, verdict.retry_after_s) == (RateDecision.DROP, pytest.approx(5.0))


def test_a_v0_1_0_database_missing_some_tables_gets_them(tmp_path: Path) -> None:
    """v0.1.0 made tables store by store: a database that only ever ran the ledger lacks the others."""
    database = Database.open(sqlite_url(tmp_path / "partial.db"))
    ddl = (DATA / "schema_v0_1_0.sqlite.sql").read_text(encoding="utf-8")
    ledger_ddl = [s for s in map(_strip_comments, ddl.split(";")) if "xiaoer_processed_updates" in s]
    with database.engine.begin() as conn:
        for statement in ledger_ddl:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(
            "INSERT INTO xiaoer_processed_updates VALUES ('telegram', 5, NULL, 'done', 'h:1', 1.0, NULL)"
        )
    assert upgrade_schema(database).legacy
    assert _diff(database) == []
    assert UpdateLedger(database).begin(5) is ClaimState.DONE
    database.dispose()


def test_a_database_made_by_create_all_before_migrations_is_adopted(tmp_path: Path) -> None:
    """Between v0.1.0 and the migrations, main made every table (orders too) with `create_all`."""
    database = Database.open(sqlite_url(tmp_path / "main.db"))
    with database.engine.begin() as conn:
        Base.metadata.create_all(conn)
        conn.exec_driver_sql(
            "INSERT INTO orders (order_key, order_id, status, placed_at, placed_ts, paid_at, shipped_at,"
            " delivered_at, total, currency, shipping_fee, discount, carrier, carrier_name, tracking_number,"
            " tracking_url, phone, phone_key, email, city, province, source, content_hash) VALUES ('T1001',"
            " 'T1001', 'paid', '2026-11-27T10:12:08+08:00', 1.0, '', '', '', '99.00', 'CNY', '0', '0', '', '',"
            " '', '', '', '', '', '', '', 'local', 'h')"
        )
    result = upgrade_schema(database)
    assert (result.before, result.after, result.legacy) == (None, head_revision(), True)
    assert _diff(database) == []
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT order_id FROM orders").scalars().all() == ["T1001"]
    database.dispose()


def test_a_new_database_is_made_at_head_and_equals_the_models(empty: Database) -> None:
    assert current_revision(empty) == (None, False)
    result = upgrade_schema(empty)
    assert (result.before, result.after, result.legacy, result.changed) == (
        None,
        head_revision(),
        False,
        True,
    )
    assert _diff(empty) == []  # a model changed without a migration fails here
    with empty.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    again = upgrade_schema(empty)
    assert (again.before, again.after, again.changed) == (head_revision(), head_revision(), False)


def test_the_baseline_is_v0_1_0_and_every_model_module_is_known() -> None:
    assert BASELINE == "0001"
    declared = {
        ".".join(path.relative_to(REPO).with_suffix("").parts)
        for path in (REPO / "bot").rglob("*.py")
        if re.search(r"^class \w+\(Base\):", path.read_text(encoding="utf-8"), re.MULTILINE)
    }
    assert declared == set(SQL_MODEL_MODULES)  # `xiaoer db revision` and the diff above see every table
    assert set(Base.metadata.tables) >= LEGACY_TABLES  # v0.1.0's tables are all still declared


def test_timestamps_are_aware_utc_whatever_zone_they_were_given_in(empty: Database) -> None:
    upgrade_schema(empty)
    shanghai = timezone(timedelta(hours=8))
    local = datetime(2026, 11, 24, 7, 30, tzinfo=shanghai)  # = 2026-11-23 23:30 UTC
    store = SqlInsightsStore(empty)
    store.record_event(OutcomeEvent(at=local, chat="c", kind="rating", value="4"))
    [event] = store.events(datetime(2026, 11, 24, 7, 0, tzinfo=shanghai), local + timedelta(minutes=1))
    assert event.at == local and event.at.tzinfo is UTC and event.at.hour == 23
    assert store.events(local + timedelta(seconds=1), local + timedelta(hours=9)) == []
    conversations = SqlConversationStore(empty)
    conversations.append("c", Turn("user", "hi", "u", at=local))
    assert (
        conversations.count_turns(since=local) == 1 and conversations.count_turns(local + timedelta(1)) == 0
    )
    with pytest.raises(StatementError, match="naive datetime") as raised:  # a bug of ours, not input
        store.record_turn(
            TurnRecord(
                at=datetime(2026, 11, 24),
                channel="t",
                user="u",
                chat="c",
                text="x",
                language="zh",
                intent="other",
            )
        )
    assert isinstance(raised.value.orig, ValueError)
    assert store.turns(datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC)) == []


def test_a_database_from_a_newer_release_is_refused_untouched(tmp_path: Path) -> None:
    database = migrated_database(sqlite_url(tmp_path / "newer.db"))
    with database.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SchemaError, match="revision '9999', which this Xiaoer does not know"):
        upgrade_schema(database)
    assert current_revision(database) == ("9999", False)
    database.dispose()


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    nowhere = Database.open(f"postgresql+psycopg://xiaoer@/xiaoer?host={tmp_path / 'no-server'}")
    with pytest.raises(DatabaseUnavailable, match="xiaoer@/xiaoer"):
        upgrade_schema(nowhere)
    with pytest.raises(DatabaseUnavailable):
        current_revision(nowhere)


@pytest.mark.slow
def test_replicas_starting_together_upgrade_once(postgres_url: str, tmp_path: Path) -> None:
    """Two processes per backend start at once on an empty database: one upgrades, the other waits."""
    sqlite = sqlite_url(tmp_path / "shared.db")
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    jobs = [postgres_url] * 2 + [sqlite] * 2
    procs = [ctx.Process(target=upgrade_worker, args=(url, start, out)) for url in jobs]
    for proc in procs:
        proc.start()
    start.set()
    results = [out.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(30)
        assert proc.exitcode == 0
    assert sorted(results) == [("ok", False)] * 2 + [("ok", True)] * 2, results
    for url in (postgres_url, sqlite):
        database = Database.open(url)
        assert current_revision(database) == (head_revision(), False) and _diff(database) == []
        database.dispose()


def test_db_commands_show_and_upgrade_a_v0_1_0_database(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot.cli.main import app

    legacy = Database.open(sqlite_url(tmp_path / "xiaoer.db"))  # where XIAOER_DATA_DIR puts it
    _load_v0_1_0(legacy)
    legacy.dispose()
    env = {"XIAOER_DATA_DIR": str(tmp_path)}
    runner = CliRunner()

    shown = runner.invoke(app, ["db", "current"], env=env)
    assert shown.exit_code == 0, shown.output
    head = head_revision()
    assert f"revision: - (newest: {head})" in shown.output and "made by Xiaoer v0.1.0" in shown.output
    upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    assert f"{tmp_path / 'xiaoer.db'}: adopted the database of Xiaoer v0.1.0; now at revision {head}" in (
        upgraded.output
    )
    again = runner.invoke(app, ["db", "upgrade"], env=env)
    assert f"already at revision {head}; nothing to do" in again.output
    assert f"{head} (newest: {head}) — up to date" in runner.invoke(app, ["db", "current"], env=env).output
    assert SqlConversationStore(migrated_database(sqlite_url(tmp_path / "xiaoer.db"))).count_turns() == 2

    nowhere = {"XIAOER_DATABASE_URL": f"postgresql://xiaoer:secret@/shop?host={tmp_path / 'none'}"}
    failed = runner.invoke(app, ["db", "upgrade"], env=nowhere)
    assert failed.exit_code == 3 and "the database is unavailable" in failed.output
    assert "secret" not in failed.output  # the password is masked
    garbled = runner.invoke(app, ["db", "current"], env={"XIAOER_DATABASE_URL": "shop:secret@db"})
    assert garbled.exit_code == 3 and "not a usable database URL" in garbled.output
    assert "secret" not in garbled.output


def test_db_revision_writes_the_next_migration_only_for_a_model_change(tmp_path: Path) -> None:
    from sqlalchemy import Column, Integer, String, Table

    from bot.storage.migrate import write_revision

    assert write_revision("nothing", tmp_path) is None and list(tmp_path.iterdir()) == []
    probe = Table(
        "xiaoer_probe",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(32), nullable=False, index=True),
    )
    try:
        path = write_revision("add probe", tmp_path)
    finally:
        Base.metadata.remove(probe)
    following = f"{int(head_revision()) + 1:04d}"
    assert path is not None and path.parent == tmp_path and path.name == f"{following}_add_probe.py"
    source = path.read_text(encoding="utf-8")
    assert f'down_revision: str | Sequence[str] | None = "{head_revision()}"' in source  # formatted by ruff
    assert 'op.create_table(\n        "xiaoer_probe",' in source
    assert "ix_xiaoer_probe_name" in source and "op.drop_table" in source


def test_start_up_on_an_unreachable_database_is_one_clear_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot.cli.main import app

    env = {
        "XIAOER_DATA_DIR": str(tmp_path / "data"),
        "XIAOER_DATABASE_URL": f"postgresql://shop:secret@/shop?host={tmp_path / 'no-server'}",
    }
    result = CliRunner().invoke(app, ["chat"], env=env, input="")
    assert result.exit_code == 3, result.output
    assert "the database is unavailable" in result.output and "secret" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
