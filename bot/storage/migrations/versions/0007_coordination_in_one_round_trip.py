"""PostgreSQL functions that admit a webhook update in one round trip (no table changes).

`xiaoer_rate_check` is the shared rate limiter's decision (the policy of `bot.coordination.ratelimit`:
ALLOW up to the limit, WARN once, then DROP until the window has passed), serialised per key by a
transaction-scoped advisory lock. `xiaoer_update_begin` claims an update in the ledger (or takes over an
expired claim; `fresh` = first sight of it), lists the earlier updates of the same chat still being processed (the new one waits for
them), tells whether the chat has an open handoff (statuses waiting, claimed, timed_out: `bot.handoff.state.OPEN`
— only the chat's own messages open one, so "none" stays true until this update runs), and — when asked —
makes the rate decision for the sender, all in one statement's transaction. Before these, admitting an
update cost ~15 round trips (claim, order check, advisory chat lock, rate limit, each with BEGIN/COMMIT and
a pool pre-ping). SQLite has no server-side functions: there the same steps run in Python
(`bot.coordination.ledger`, `bot.coordination.ratelimit_sql`); a change to the rules changes both.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RATE_CHECK = """
CREATE OR REPLACE FUNCTION xiaoer_rate_check(
    p_key text, p_lock bigint, p_max integer, p_window double precision, p_now double precision,
    OUT decision text, OUT retry_after double precision)
LANGUAGE plpgsql AS $$
DECLARE
    v_count integer;
    v_oldest double precision;
    v_until double precision;
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock);
    DELETE FROM xiaoer_rate_hits WHERE key = p_key AND at <= p_now - p_window;
    SELECT count(*), min(at) INTO v_count, v_oldest FROM xiaoer_rate_hits WHERE key = p_key;
    IF v_count < p_max THEN
        INSERT INTO xiaoer_rate_hits (key, at) VALUES (p_key, p_now);
        decision := 'allow';
        retry_after := 0;
        RETURN;
    END IF;
    retry_after := v_oldest + p_window - p_now;
    SELECT until INTO v_until FROM xiaoer_rate_warnings WHERE key = p_key;
    IF v_until IS NOT NULL AND v_until > p_now THEN
        decision := 'drop';
        RETURN;
    END IF;
    INSERT INTO xiaoer_rate_warnings (key, until) VALUES (p_key, p_now + p_window)
        ON CONFLICT (key) DO UPDATE SET until = EXCLUDED.until;
    decision := 'warn';
END
$$
"""

UPDATE_BEGIN = """
CREATE OR REPLACE FUNCTION xiaoer_update_begin(
    p_channel text, p_update_id bigint, p_chat_key text, p_payload text, p_owner text,
    p_now double precision, p_lease double precision,
    p_rate_key text, p_rate_lock bigint, p_rate_max integer, p_rate_window double precision,
    p_rate_now double precision, p_handoff_chat text,
    OUT claim text, OUT fresh boolean, OUT holder text, OUT earlier bigint[], OUT held boolean, OUT rate text,
    OUT retry_after double precision)
LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
BEGIN
    claim := 'claimed';
    holder := p_owner;
    earlier := '{}';
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
        SELECT coalesce(array_agg(update_id), '{}') INTO earlier FROM xiaoer_processed_updates
            WHERE channel = p_channel AND chat_key = p_chat_key AND status = 'processing'
              AND update_id < p_update_id AND claimed_at >= p_now - p_lease;
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
    op.execute(RATE_CHECK)
    op.execute(UPDATE_BEGIN)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS xiaoer_update_begin")
    op.execute("DROP FUNCTION IF EXISTS xiaoer_rate_check")
