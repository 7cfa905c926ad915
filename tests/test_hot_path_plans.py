"""The reply path's look-ups keep their index on PostgreSQL's generic plans, whatever the ledger's size.

The hot path runs with `plan_cache_mode = force_generic_plan` (`bot.storage.aio`), and the admission runs
inside a PL/pgSQL function whose statements are cached plans too. Before migration 0012 the generic plan of
"earlier open updates of this chat" took the ledger's primary key and read every earlier update of the
channel (EXPLAIN showed 1,400 rows filtered after 1,400 updates), and the memory read sorted a chat's whole
history. These tests read the plans (`EXPLAIN (FORMAT JSON) EXECUTE` of a prepared statement) — no timing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from bot.conversation import store_sql
from bot.coordination import ledger as ledger_module
from bot.storage.db import Database
from tests.support.databases import migrated_database

# The admission function's statement (migration 0012, `xiaoer_update_begin`), its variables as typed $n.
EARLIER_IN_ADMISSION = (
    "SELECT coalesce(array_agg(p.update_id), '{}'), coalesce(bool_or(r.update_id IS NULL), false) "
    "FROM xiaoer_processed_updates p "
    "LEFT JOIN xiaoer_update_replies r ON r.channel = p.channel AND r.update_id = p.update_id "
    "WHERE p.channel = $1 AND p.chat_key = $2 AND p.status = 'processing' "
    "AND p.update_id < $3::bigint AND p.claimed_at >= $4::float8 - $5::float8"
)


@pytest.fixture
def database(postgres_url: str) -> Iterator[Database]:
    database = migrated_database(postgres_url)
    with database.engine.begin() as conn:  # many chats' completed updates, statistics never gathered
        conn.execute(text("DELETE FROM xiaoer_processed_updates"))
        conn.execute(text("DELETE FROM conv_turns"))
        conn.execute(
            text(
                "INSERT INTO xiaoer_processed_updates (channel, update_id, chat_key, status, owner, claimed_at) "
                "SELECT 'telegram', n, 'telegram:' || (n % 50), 'done', 'a', 0 FROM generate_series(1, 2000) n"
            )
        )
        conn.execute(
            text(
                "INSERT INTO conv_turns (chat_id, user_id, role, text, skus, at) "
                "SELECT '7', 'u', 'user', 'hi', '[]', now() FROM generate_series(1, 300)"
            )
        )
    yield database
    database.dispose()


def _psycopg_to_numbered(sql: str) -> tuple[str, list[str]]:
    """`%(name)s` placeholders as `$n` (in order of first use) and the names in that order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"%\((\w+)\)s", number, sql), names


def _generic_plan(database: Database, name: str, sql: str, args: list[Any]) -> dict[str, Any]:
    with database.engine.connect() as conn:
        conn.execute(text("SET plan_cache_mode = force_generic_plan"))
        conn.exec_driver_sql(f"PREPARE {name} AS {sql}")
        values = ", ".join(f"'{a}'" if isinstance(a, str) else str(a) for a in args)
        plan: Any = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) EXECUTE {name}({values})").scalar()
        conn.exec_driver_sql(f"DEALLOCATE {name}")
    parsed = json.loads(plan) if isinstance(plan, str) else plan
    assert isinstance(parsed, list)
    root: dict[str, Any] = parsed[0]["Plan"]
    return root


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _ledger_scans(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in _nodes(plan) if n.get("Relation Name") == "xiaoer_processed_updates"]


def test_the_admission_finds_a_chats_open_updates_through_the_chat_index(database: Database) -> None:
    plan = _generic_plan(database, "earlier", EARLIER_IN_ADMISSION, ["telegram", "telegram:7", 10**9, 0, 30])
    (scan,) = _ledger_scans(plan)
    assert scan.get("Index Name") == "ix_xiaoer_updates_chat_open"
    assert "update_id" in scan.get("Index Cond", "")  # the bound is an index condition, not a filter


def test_the_ledgers_own_earlier_check_uses_the_chat_index(database: Database) -> None:
    sql, names = _psycopg_to_numbered(ledger_module._EARLIER_PG)
    values = {"channel": "telegram", "chat_key": "telegram:7", "update_id": 10**9, "cutoff": 0}
    (scan,) = _ledger_scans(_generic_plan(database, "earlier_pg", sql, [values[n] for n in names]))
    assert scan.get("Index Name") == "ix_xiaoer_updates_chat_open"


def test_the_memory_read_stops_at_its_limit_instead_of_sorting_the_chats_history(database: Database) -> None:
    sql, names = _psycopg_to_numbered(store_sql._LOAD_PG)
    values = {"chat": "7", "user": "u", "limit": 40}
    plan = _generic_plan(database, "memory", sql, [values[n] for n in names])
    turns = [n for n in _nodes(plan) if n.get("Relation Name") == "conv_turns"]
    assert [n.get("Index Name") for n in turns] == ["ix_conv_turns_chat"]
    assert turns[0].get("Scan Direction") == "Backward"
    assert not [n for n in _nodes(plan) if n["Node Type"] == "Sort"]
