"""The update completion commits without waiting for its WAL flush; the admission still waits for it.

Why it may: other sessions see a completion, and hear its notice, at commit either way; only a crash of the
PostgreSQL server itself could lose one, which leaves the update as a replica dying between send and
completion does (claimed, its replies in the durable reply journal). The statements run here on a session
whose own setting is `on` (the test server's default is off), in a transaction left open, so the setting each
leaves for its own transaction can be read before the commit.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.coordination import ledger as ledger_module
from bot.coordination.ledger import ClaimState, UpdateLedger
from bot.coordination.reply_journal import ReplyJournal
from tests.support.databases import migrated_database

pytestmark = pytest.mark.slow


def _session(url: str) -> psycopg.Connection:
    conn = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    conn.autocommit = True
    conn.execute("SET synchronous_commit = on")  # session level, as on a server with the defaults
    conn.autocommit = False
    return conn


def _setting(conn: psycopg.Connection) -> str:
    row = conn.execute("SHOW synchronous_commit").fetchone()
    assert row is not None
    return str(row[0])


async def test_the_completion_alone_commits_without_waiting_for_the_flush(postgres_url: str) -> None:
    database = migrated_database(postgres_url)
    ledger = UpdateLedger(database, channel="telegram")
    try:
        assert (await ledger.admit_async(5, "telegram:77", "{}")).state is ClaimState.CLAIMED
        with _session(postgres_url) as conn:
            params = {"channel": "telegram", "update_id": 5, "now": time.time(), "last": 31}
            notices = conn.execute(ledger_module._COMPLETE_PG, params).fetchall()
            assert len(notices) == 1  # the chat's waiters are told, as before
            assert _setting(conn) == "off"
            conn.commit()
            assert _setting(conn) == "on"  # for that transaction only
            admission = {
                "channel": "telegram",
                "update_id": 6,
                "chat_key": "telegram:77",
                "payload": "{}",
                "owner": "test",
                "now": time.time(),
                "lease": 30.0,
                "rate_key": None,
                "rate_lock": 0,
                "rate_max": 0,
                "rate_window": 0.0,
                "rate_now": time.time(),
                "handoff_chat": None,
            }
            assert len(conn.execute(ledger_module._BEGIN_PG, admission).fetchall()) == 1  # claimed
            assert _setting(conn) == "on"  # an admission waits for its flush
            conn.rollback()
        assert ReplyJournal(database).chat_floor(6, "telegram:77") == 31  # completed, with its last id
    finally:
        await database.aclose()
