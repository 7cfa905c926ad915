"""The database-backed rate limiter: same policy as the in-process one, one limit shared by all replicas."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.coordination.ratelimit import RateDecision, RateLimiter, SlidingWindowRateLimiter
from bot.coordination.ratelimit_sql import SqlRateLimiter
from bot.ops import metrics
from bot.storage.db import Database
from tests.support.databases import migrated_database


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = (
        f"sqlite:///{tmp_path / 'r.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    database = migrated_database(url)
    yield database
    database.dispose()


async def _decisions(limiter: RateLimiter, key: str, n: int) -> list[RateDecision]:
    return [(await limiter.check(key)).decision for _ in range(n)]


async def test_same_policy_as_the_in_process_limiter(database: Database) -> None:
    sql_clock, mem_clock = Clock(), Clock()
    sql = SqlRateLimiter(database, 3, 10.0, clock=sql_clock)
    mem = SlidingWindowRateLimiter(3, 10.0, clock=mem_clock)
    script = [0, 0, 0, 0, 0, 6, 0, 4, 0, 0, 11, 0]  # seconds to wait before each message
    for step in script:
        sql_clock.now += step
        mem_clock.now += step
        expected = await mem.check("telegram:1")
        got = await sql.check("telegram:1")
        assert got.decision is expected.decision
        assert got.retry_after_s == pytest.approx(expected.retry_after_s)


async def test_two_replicas_share_one_limit(database: Database) -> None:
    clock = Clock()
    replica_a = SqlRateLimiter(database, 4, 10.0, clock=clock)
    replica_b = SqlRateLimiter(database, 4, 10.0, clock=clock)
    before = metrics.value("xiaoer_rate_limit_hits_total", channel="telegram")
    results = await asyncio.gather(*(r.check("telegram:9") for _ in range(5) for r in (replica_a, replica_b)))
    decisions = sorted(v.decision for v in results)
    assert decisions.count(RateDecision.ALLOW) == 4
    assert decisions.count(RateDecision.WARN) == 1  # one notice for the whole flood, whichever replica
    assert decisions.count(RateDecision.DROP) == 5
    assert metrics.value("xiaoer_rate_limit_hits_total", channel="telegram") == before + 6
    assert (await replica_b.check("telegram:10")).decision is RateDecision.ALLOW  # other users unaffected
    clock.now += 10.0
    assert (await replica_a.check("telegram:9")).decision is RateDecision.ALLOW


def test_rejects_nonsense_configuration(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        SqlRateLimiter(migrated_database(f"sqlite:///{tmp_path / 'x.db'}"), 0, 10.0)


def test_is_a_rate_limiter(tmp_path: Path) -> None:
    assert isinstance(SqlRateLimiter(migrated_database(f"sqlite:///{tmp_path / 'x.db'}")), RateLimiter)
