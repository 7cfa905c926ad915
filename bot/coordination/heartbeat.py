"""A replica's heartbeat on PostgreSQL in one statement per period, from the event loop.

Why: every period (a third of the lease, at most 2 s) a replica must (1) make sure its liveness lock is still
held, (2) renew the claims it is working on, and (3) take over claims whose replica died or whose lease ran out.
Done with the synchronous engine that was ~8 statements per period per replica (BEGIN/COMMIT pairs, a
`SELECT 1` probe, the stale-claim query, a `pg_try_advisory_lock`/unlock per other replica, a takeover
`UPDATE` each) and three thread hand-offs — at low traffic more statements than the messages themselves.

Here it is one statement on the async pool (`bot.storage.aio`): liveness is read from `pg_locks` (a bigint
advisory key shows as its high half in `classid`, its low half in `objid`, `objsubid` 1 — PostgreSQL docs,
"pg_locks"), so checking another replica takes no lock of its own. The keys are the ones `ReplicaLiveness`
holds (`bot.coordination.liveness.replica_key`); SQL cannot compute them, so the statement reports which other
replicas hold open claims and the next period checks those (`known` owners): a replica first seen holding a
claim is checked one period later. Claims past their lease are taken over whoever holds them (as before).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from bot.coordination.liveness import ReplicaLiveness, replica_key
from bot.storage.aio import AsyncSql

TAKEOVER_LIMIT = 100  # claims taken over per period (the rest follow next period)
# A claim is renewed once older than this share of the lease: a beat then writes (and waits for its commit to
# reach the disk) only for updates that run long, not for every update that happens to be in flight. With a
# period of at most a third of the lease a claim is never older than 2/3 of it.
RENEW_AFTER = 1 / 3

_LOW32 = 0xFFFFFFFF

HEARTBEAT_PG = (
    "WITH live AS MATERIALIZED (SELECT classid, objid, pid FROM pg_locks WHERE locktype = 'advisory' "
    "AND granted AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())), "
    "dead AS (SELECT k.owner FROM unnest(%(owners)s::text[], %(keys)s::bigint[]) AS k(owner, key) "
    "WHERE NOT EXISTS (SELECT 1 FROM live WHERE live.classid = ((k.key >> 32) & 4294967295)::oid "
    "AND live.objid = (k.key & 4294967295)::oid)), "
    "renewed AS (UPDATE xiaoer_processed_updates SET claimed_at = %(now)s::float8 "
    "WHERE channel = %(channel)s::text AND owner = %(owner)s::text AND status = 'processing' "
    "AND update_id = ANY(%(ids)s::bigint[]) AND claimed_at < %(now)s::float8 - %(renew_after)s::float8), "
    "claims AS MATERIALIZED (SELECT update_id, owner, claimed_at FROM xiaoer_processed_updates "
    "WHERE channel = %(channel)s::text AND status = 'processing' AND owner <> %(owner)s::text), "
    "stale AS (SELECT p.update_id FROM xiaoer_processed_updates p WHERE p.channel = %(channel)s::text "
    "AND p.update_id IN (SELECT c.update_id FROM claims c WHERE c.claimed_at < %(now)s::float8 - %(lease)s::float8 "
    "OR c.owner IN (SELECT owner FROM dead)) AND p.status = 'processing' AND p.owner <> %(owner)s::text "
    "ORDER BY p.update_id LIMIT %(limit)s::int FOR UPDATE SKIP LOCKED), "
    "taken AS (UPDATE xiaoer_processed_updates u SET owner = %(owner)s::text, claimed_at = %(now)s::float8 "
    "FROM stale WHERE u.channel = %(channel)s::text AND u.update_id = stale.update_id "
    "RETURNING u.update_id, u.payload) "
    "SELECT 'held' AS kind, NULL::bigint AS update_id, NULL::text AS payload, NULL::text AS owner, "
    "EXISTS (SELECT 1 FROM live WHERE classid = %(hi)s::oid AND objid = %(lo)s::oid "
    "AND pid = %(pid)s::int) AS held "
    "UNION ALL SELECT 'taken', update_id, payload, NULL::text, NULL::boolean FROM taken "
    "UNION ALL SELECT DISTINCT 'owner', NULL::bigint, NULL::text, owner, NULL::boolean FROM claims"
)


@dataclass(frozen=True)
class Beat:
    """What one period found: the claims taken over (update id, payload — None when the ledger kept none)
    and whether this replica's own liveness lock is still held by its liveness session."""

    taken: list[tuple[int, str | None]]
    held: bool


class Heartbeat:
    """`beat(inflight)` once per period: one statement on `sql` for the replica `liveness.owner`, whose
    update ledger rows live on `channel` with a lease of `lease_s` seconds."""

    def __init__(self, sql: AsyncSql, liveness: ReplicaLiveness, *, channel: str, lease_s: float) -> None:
        self.sql = sql
        self.liveness = liveness
        self.channel = channel
        self.lease_s = lease_s
        self.known: set[str] = set()  # other replicas seen holding claims last period: checked this period

    async def beat(self, inflight: Iterable[int]) -> Beat:
        """Renew `inflight` claims of this replica (those older than `RENEW_AFTER` of the lease), take over dead or expired claims of others (at most
        `TAKEOVER_LIMIT`), and say whether this replica's own lock is held. Driver errors propagate."""
        owners = sorted(self.known)
        key = replica_key(self.liveness.owner)
        rows = await self.sql.fetch(
            HEARTBEAT_PG,
            {
                "owners": owners,
                "keys": [replica_key(o) for o in owners],
                "now": time.time(),
                "channel": self.channel,
                "owner": self.liveness.owner,
                "ids": [int(uid) for uid in inflight],
                "lease": self.lease_s,
                "renew_after": self.lease_s * RENEW_AFTER,
                "limit": TAKEOVER_LIMIT,
                "hi": (key >> 32) & _LOW32,
                "lo": key & _LOW32,
                "pid": self.liveness.backend_pid or 0,
            },
        )
        self.known = {r.owner for r in rows if r.kind == "owner"}
        taken = [(int(r.update_id), r.payload) for r in rows if r.kind == "taken"]
        held = any(r.kind == "held" and r.held for r in rows)
        return Beat(taken=taken, held=held)
