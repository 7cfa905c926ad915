"""The replica heartbeat on PostgreSQL: one statement renews, takes over and checks the replica's own lock."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from bot.coordination.heartbeat import Heartbeat
from bot.coordination.ledger import UpdateLedger
from bot.coordination.liveness import ReplicaLiveness
from tests.support.databases import migrated_database

pytestmark = pytest.mark.slow


def _claimed_at(database, update_id: int) -> tuple[str, float]:
    with database.engine.connect() as conn:
        row = conn.execute(
            text("SELECT owner, claimed_at FROM xiaoer_processed_updates WHERE update_id = :u"),
            {"u": update_id},
        ).one()
    return row.owner, row.claimed_at


async def test_one_beat_renews_takes_over_dead_and_expired_claims_and_checks_its_own_lock(
    postgres_url: str,
) -> None:
    database = migrated_database(postgres_url)
    assert database.aio is not None
    mine, doomed = ReplicaLiveness(database, "hb-mine"), ReplicaLiveness(database, "hb-doomed")
    mine.announce()
    doomed.announce()
    ledger = UpdateLedger(database, owner="hb-mine", lease_s=3600)
    other = UpdateLedger(database, owner="hb-doomed", lease_s=3600)
    expired = UpdateLedger(database, owner="hb-silent", lease_s=3600)
    assert ledger.claim(7001, "c1", "{}") and other.claim(7002, "c2", '{"update_id": 7002}')
    assert expired.claim(7003, "c3", None) and ledger.claim(7004, "c4", "{}")
    with database.engine.begin() as conn:  # hb-silent never announced and its lease ran out long ago
        conn.execute(text("UPDATE xiaoer_processed_updates SET claimed_at = 0 WHERE update_id = 7003"))
        conn.execute(  # 7001 has been running for half its lease: due for renewal; 7004 just started
            text("UPDATE xiaoer_processed_updates SET claimed_at = claimed_at - 1800 WHERE update_id = 7001")
        )
    _, before = _claimed_at(database, 7001)
    _, fresh = _claimed_at(database, 7004)
    heartbeat = Heartbeat(database.aio, mine, channel="telegram", lease_s=3600)

    first = await heartbeat.beat([7001, 7004])
    assert first.held
    assert first.taken == [(7003, None)]  # expired: taken whoever held it
    assert _claimed_at(database, 7001)[1] > before + 1700  # renewed
    assert _claimed_at(database, 7004)[1] == fresh  # young enough: not rewritten
    assert _claimed_at(database, 7002)[0] == "hb-doomed"  # alive: left alone
    assert "hb-doomed" in heartbeat.known

    doomed.close()  # its session ends: a next beat takes its claim over (once the server has noticed)
    for _ in range(100):
        second = await heartbeat.beat([7001, 7003])
        if second.taken:
            break
        await asyncio.sleep(0.05)
    assert second.taken == [(7002, '{"update_id": 7002}')] and second.held
    assert _claimed_at(database, 7002)[0] == "hb-mine"

    with database.engine.connect() as conn:  # the liveness session holds its lock outside any transaction
        state = conn.execute(
            text("SELECT state FROM pg_stat_activity WHERE pid = :p"), {"p": mine.backend_pid}
        ).scalar_one()
    assert state == "idle"

    with database.engine.connect() as conn:  # the liveness session dies (e.g. a network cut)
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": mine.backend_pid})
    for _ in range(100):  # the lock is gone (once the server has noticed): the replica must announce again
        if not (await heartbeat.beat([])).held:
            break
        await asyncio.sleep(0.05)
    assert not (await heartbeat.beat([])).held
    mine.announce(renew=True)
    assert (await heartbeat.beat([])).held
    mine.close()
    await database.aclose()
    database.dispose()
