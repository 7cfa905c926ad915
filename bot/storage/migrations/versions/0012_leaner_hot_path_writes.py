"""Leaner per-message work on PostgreSQL: open updates found by index, no nested function, memory by (chat, id).

Measured with `bench/pg_bench.py` (PostgreSQL's own CPU per customer message for the reply path's
statements) and `bench/load.py`. Four changes, none of them to what a statement returns:

0. The ledger's chat index is (channel, chat_key, status, update_id) instead of (channel, chat_key, status).
   The hot path runs on generic plans (`bot.storage.aio`: `plan_cache_mode = force_generic_plan`), and for
   the admission's "earlier open updates of this chat" (`channel = $1 AND chat_key = $2 AND status =
   'processing' AND update_id < $3`) PostgreSQL's generic plan took the primary key (channel, update_id)
   — its conditions matched as many index columns — and filtered the chat out of every earlier update of
   the channel: 1,400 rows read per admission in `bench/pg_bench.py` after 1,400 updates, growing with the
   ledger (`EXPLAIN ANALYZE EXECUTE` under a generic plan). With update_id in the chat index every
   condition is an index condition there, and the scan reads only the chat's open claims. The heartbeat's
   and `UpdateLedger.earlier_pending`'s look-ups and `ReplyJournal.chat_floor` (its prefix) use it too.

1. `xiaoer_update_begin` makes the sender's rate decision inline instead of calling `xiaoer_rate_check`
   (migration 0007) as a nested PL/pgSQL function: the same steps in the same order under the same
   transaction-scoped advisory lock, minus one function call — its own executor start-up, SPI frame and
   plan cache look-up — per customer message. `xiaoer_rate_check` stays (`SqlRateLimiter.check_now` calls
   it); a change to the rules changes both, and the SQLite code of `bot.coordination.ratelimit_sql`.
2. `conv_turns` is indexed on (chat_id, id) instead of (chat_id): the memory read (`ORDER BY id DESC LIMIT
   40` of one chat, every message) walks the index backwards and stops after 40 rows; with (chat_id) alone
   PostgreSQL fetched and sorted the chat's whole history, so its cost grew with every turn the chat had.
   The new index serves every query the old one did (chat_id is its first column: the delete of a chat).
3. `insight_turns` loses `ix_insight_turns_chat`: no query reads turns by chat (reports read by time,
   `forget` by user, events by chat have their own index), and every insights row paid for it.

Safety: index changes only (no rows touched), each guarded so a database made by `create_all` from today's
models (adopted at 0001) upgrades too; on PostgreSQL the function is replaced in the same transaction as
the index changes, so a replica sees either the old schema or the new one. Downgrade restores 0009's
function and the old indexes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPDATE_BEGIN = """
CREATE OR REPLACE FUNCTION xiaoer_update_begin(
    p_channel text, p_update_id bigint, p_chat_key text, p_payload text, p_owner text,
    p_now double precision, p_lease double precision,
    p_rate_key text, p_rate_lock bigint, p_rate_max integer, p_rate_window double precision,
    p_rate_now double precision, p_handoff_chat text,
    OUT claim text, OUT fresh boolean, OUT holder text, OUT earlier bigint[], OUT unsettled boolean,
    OUT held boolean, OUT rate text, OUT retry_after double precision)
LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
    v_count integer;
    v_oldest double precision;
    v_until double precision;
BEGIN
    claim := 'claimed';
    holder := p_owner;
    earlier := '{}';
    unsettled := false;
    INSERT INTO xiaoer_processed_updates (channel, update_id, chat_key, status, owner, claimed_at, payload)
        VALUES (p_channel, p_update_id, p_chat_key, 'processing', p_owner, p_now, p_payload)
        ON CONFLICT (channel, update_id) DO NOTHING;
    fresh := FOUND;  -- never seen before (a takeover may have replies journaled already)
    IF NOT FOUND THEN
        UPDATE xiaoer_processed_updates SET owner = p_owner, claimed_at = p_now
            WHERE channel = p_channel AND update_id = p_update_id
              AND status = 'processing' AND claimed_at < p_now - p_lease;
        IF NOT FOUND THEN
            SELECT status, owner INTO v_status, holder FROM xiaoer_processed_updates
                WHERE channel = p_channel AND update_id = p_update_id;
            claim := CASE WHEN v_status = 'done' THEN 'done' ELSE 'busy' END;
            RETURN;
        END IF;
    END IF;
    IF p_chat_key IS NOT NULL THEN
        SELECT coalesce(array_agg(p.update_id), '{}'), coalesce(bool_or(r.update_id IS NULL), false)
            INTO earlier, unsettled
            FROM xiaoer_processed_updates p
            LEFT JOIN xiaoer_update_replies r ON r.channel = p.channel AND r.update_id = p.update_id
            WHERE p.channel = p_channel AND p.chat_key = p_chat_key AND p.status = 'processing'
              AND p.update_id < p_update_id AND p.claimed_at >= p_now - p_lease;
    END IF;
    IF p_handoff_chat IS NOT NULL THEN
        held := EXISTS (
            SELECT 1 FROM handoffs
            WHERE chat_id = p_handoff_chat AND status IN ('waiting', 'claimed', 'timed_out'));
    END IF;
    IF p_rate_key IS NOT NULL THEN
        -- xiaoer_rate_check (migration 0007), inline: the same steps under the same lock
        PERFORM pg_advisory_xact_lock(p_rate_lock);
        DELETE FROM xiaoer_rate_hits WHERE key = p_rate_key AND at <= p_rate_now - p_rate_window;
        SELECT count(*), min(at) INTO v_count, v_oldest FROM xiaoer_rate_hits WHERE key = p_rate_key;
        IF v_count < p_rate_max THEN
            INSERT INTO xiaoer_rate_hits (key, at) VALUES (p_rate_key, p_rate_now);
            rate := 'allow';
            retry_after := 0;
            RETURN;
        END IF;
        retry_after := v_oldest + p_rate_window - p_rate_now;
        SELECT until INTO v_until FROM xiaoer_rate_warnings WHERE key = p_rate_key;
        IF v_until IS NOT NULL AND v_until > p_rate_now THEN
            rate := 'drop';
            RETURN;
        END IF;
        INSERT INTO xiaoer_rate_warnings (key, until) VALUES (p_rate_key, p_rate_now + p_rate_window)
            ON CONFLICT (key) DO UPDATE SET until = EXCLUDED.until;
        rate := 'warn';
    END IF;
END
$$
"""

OLD_LEDGER_CHAT = ("ix_xiaoer_updates_chat", "xiaoer_processed_updates", ["channel", "chat_key", "status"])
NEW_LEDGER_CHAT = (
    "ix_xiaoer_updates_chat_open",
    "xiaoer_processed_updates",
    ["channel", "chat_key", "status", "update_id"],
)
OLD_TURNS_CHAT = ("ix_conv_turns_chat_id", "conv_turns", ["chat_id"])
NEW_TURNS_CHAT = ("ix_conv_turns_chat", "conv_turns", ["chat_id", "id"])
INSIGHTS_CHAT = ("ix_insight_turns_chat", "insight_turns", ["chat"])


def _indexes(table: str) -> set[str]:
    return {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(table) if index["name"]}


def _drop(name: str, table: str, _columns: list[str]) -> None:
    if name in _indexes(table):
        op.drop_index(name, table_name=table)


def _create(name: str, table: str, columns: list[str]) -> None:
    if name not in _indexes(table):
        op.create_index(name, table, columns, unique=False)


def upgrade() -> None:
    _create(*NEW_LEDGER_CHAT)
    _drop(*OLD_LEDGER_CHAT)
    _create(*NEW_TURNS_CHAT)
    _drop(*OLD_TURNS_CHAT)
    _drop(*INSIGHTS_CHAT)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(UPDATE_BEGIN)


def downgrade() -> None:
    _create(*OLD_LEDGER_CHAT)
    _drop(*NEW_LEDGER_CHAT)
    _create(*OLD_TURNS_CHAT)
    _drop(*NEW_TURNS_CHAT)
    _create(*INSIGHTS_CHAT)
    if op.get_bind().dialect.name != "postgresql":
        return
    # 0009's definition, read from its file (revisions import nothing from `bot`, and their names are no
    # module names); same signature, so a plain replace.
    path = Path(__file__).with_name("0009_earlier_updates_settled.py")
    spec = importlib.util.spec_from_file_location("xiaoer_migration_0009", path)
    assert spec is not None and spec.loader is not None
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    op.execute(previous.UPDATE_BEGIN.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
