"""`xiaoer_update_begin` also tells whether the chat's earlier open updates are past the core (no table changes).

An update's replies are journaled (`xiaoer_update_replies`, `bot.coordination.reply_journal`) after the core
has run and committed what it changed — a handoff it opened included — and before the first reply is sent;
the update stays open until its replies are out. A customer who waits for the answer before writing again
sends the next message while the previous one is still open, so before this revision the new message's
"no open handoff" answer could not be trusted and the handoff gate looked it up again (~0.5 round trips per
customer message in `bench/load.py`). `unsettled` is true when an earlier open update of the chat has no
journaled replies yet (its core may still open a handoff); when it is false, `held` already covers the
earlier updates. PostgreSQL only, like 0007 (SQLite admits in Python and gives no handoff answer).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROP = (
    "DROP FUNCTION IF EXISTS xiaoer_update_begin(text, bigint, text, text, text, double precision, "
    "double precision, text, bigint, integer, double precision, double precision, text)"
)

UPDATE_BEGIN = """
CREATE FUNCTION xiaoer_update_begin(
    p_channel text, p_update_id bigint, p_chat_key text, p_payload text, p_owner text,
    p_now double precision, p_lease double precision,
    p_rate_key text, p_rate_lock bigint, p_rate_max integer, p_rate_window double precision,
    p_rate_now double precision, p_handoff_chat text,
    OUT claim text, OUT fresh boolean, OUT holder text, OUT earlier bigint[], OUT unsettled boolean,
    OUT held boolean, OUT rate text, OUT retry_after double precision)
LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
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
        SELECT r.decision, r.retry_after INTO rate, retry_after
            FROM xiaoer_rate_check(p_rate_key, p_rate_lock, p_rate_max, p_rate_window, p_rate_now) AS r;
    END IF;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(DROP)
    op.execute(UPDATE_BEGIN)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(DROP)
    # 0007's definition, read from its file (revisions import nothing from `bot`, and their names are no
    # module names).
    path = Path(__file__).with_name("0007_coordination_in_one_round_trip.py")
    spec = importlib.util.spec_from_file_location("xiaoer_migration_0007", path)
    assert spec is not None and spec.loader is not None
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    op.execute(previous.UPDATE_BEGIN)
