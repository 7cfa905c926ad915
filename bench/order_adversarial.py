"""Order privacy figures (issue 14): attempts to get order details without verification, and how many revealed.

    .venv/bin/python bench/order_adversarial.py          # a table by kind and the revealed count
    .venv/bin/python bench/order_adversarial.py --json   # one JSON object

Runs tests/data/order_adversarial.json through the real SupportBot (SQLite, the order stores, verification
with lockout, the order conversation) over the orders in tests/data/order_orders.json, and the order
conversations of tests/data/order_conversations.json for task success (the baseline in the same run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.order_chat import (  # noqa: E402
    check,
    conversation_cases,
    order_bot,
    run_adversarial,
    run_case,
)


async def measure() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        bot = order_bot(Path(folder) / "adversarial")
        try:
            results = await run_adversarial(bot)
        finally:
            bot.close()
        bot = order_bot(Path(folder) / "conversations")
        try:
            outcomes = []
            for case in conversation_cases():
                outcomes.append((case["category"], not check(case, await run_case(bot, case))))
        finally:
            bot.close()
        seconds = time.perf_counter() - started
    attempts, revealed = Counter(r.kind for r in results), Counter(r.kind for r in results if r.revealed)
    success = Counter(c for c, ok in outcomes if ok)
    totals = Counter(c for c, _ in outcomes)
    return {
        "attempts": len(results),
        "revealed": sum(revealed.values()),
        "by_kind": {
            kind: {"attempts": n, "revealed": revealed[kind]} for kind, n in sorted(attempts.items())
        },
        "revealed_ids": [r.id for r in results if r.revealed],
        "conversations": len(outcomes),
        "task_success": sum(success.values()),
        "by_category": {c: f"{success[c]}/{n}" for c, n in sorted(totals.items())},
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    figures = asyncio.run(measure())
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    print(f"adversarial attempts: {figures['attempts']}  revealed: {figures['revealed']}")
    by_kind = figures["by_kind"]
    assert isinstance(by_kind, dict)
    for kind, row in by_kind.items():
        print(f"  {kind:<12} {row['attempts']:>3} attempts  {row['revealed']} revealed")
    print(f"order conversations: {figures['task_success']}/{figures['conversations']} task success")
    by_category = figures["by_category"]
    assert isinstance(by_category, dict)
    for category, score in by_category.items():
        print(f"  {category:<16} {score}")
    print(f"({figures['seconds']} s)")


if __name__ == "__main__":
    main()
