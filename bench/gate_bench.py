"""CPU cost of the truth guard on LLM replies (issue 13): µs per reply for `check_llm_reply` (claims ledger +
allow-list gate), this tree against a baseline git ref measured in the same run.

    .venv/bin/python bench/gate_bench.py                  # this tree vs main
    .venv/bin/python bench/gate_bench.py --baseline f83b9fa --rounds 5

Replies: every case of tests/data/redteam_replies.yaml, redteam_allowlist.yaml and redteam_allowlist3.yaml (of
this tree), each checked once with its case's facts and with catalog linking as the bot does it (a tree without
linking ignores the profile's `link`; facts and the mention index are built outside the timing; every reply is
new text, as in production, so the per-text memos start cold while the per-policy-version caches are warm). The baseline is
exported with `git archive` into a temporary directory and timed there by the same interpreter in a fresh
process; rounds alternate baseline and tree, and the best (least disturbed by other load) and the median
round of each side are reported with their ratios. One-time loads (the lexicon, the policy caches, jieba's
dictionary and tag table) happen before the timing in both.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SETS = ("redteam_replies.yaml", "redteam_allowlist.yaml", "redteam_allowlist3.yaml")


def cases() -> list[dict[str, Any]]:
    """(profile, reply, quoted) of every case of the sets, profiles resolved."""
    sys.path.insert(0, str(REPO))
    from knowledge.yaml_data import load_yaml

    out = []
    for name in SETS:
        data = load_yaml((REPO / "tests" / "data" / name).read_text(encoding="utf-8"))
        profiles = data.get("profiles", {})
        for case in data["cases"]:
            # the bot links the products a reply names (`GroundingFacts.naming`); a tree without linking ignores it
            profile = {**(case.get("profile") or profiles[case["facts"]]), "link": True}
            allowed = [str(a) for a in case.get("allowed_amounts", [])]
            out.append({"profile": profile, "reply": case["reply"], "quoted": str(case.get("quoted", "")),
                        "allowed": allowed})  # fmt: skip
    return out


def worker(root: str, path: str) -> None:
    """Time every case in `path` (JSON) with the code under `root`; print µs/reply."""
    sys.path.insert(0, root)
    from decimal import Decimal

    from bot.conversation.claims.support import unsupported
    from bot.conversation.grounding import check_llm_reply
    from bot.redteam.sets import facts_for

    items = json.loads(Path(path).read_text(encoding="utf-8"))
    prepared = [
        (i["reply"], facts_for(i["profile"], tuple(Decimal(a) for a in i["allowed"]), i["quoted"]))
        for i in items
    ]
    for reply, facts in prepared[:1]:  # load the lexicon, word lists and policy caches (both gates)
        check_llm_reply(reply, facts)
        unsupported(reply, facts)
    # jieba's dictionary and tag table load once per process (≈1.5 s; the content check's word classes)
    from knowledge.keywords_jieba import base_dictionary, dictionary_tag

    base_dictionary()
    dictionary_tag("的")
    started = time.perf_counter()
    for reply, facts in prepared:
        check_llm_reply(reply, facts)
    elapsed = time.perf_counter() - started
    print(json.dumps({"us_per_reply": elapsed / len(prepared) * 1e6, "replies": len(prepared)}))


def _run(root: Path, data: Path) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", str(root), str(data)],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"},
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["us_per_reply"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git ref timed beside this tree (default: main)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "baseline"
        base.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.baseline], check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        data = Path(tmp) / "cases.json"
        items = cases()
        data.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        before, after = [], []
        for _ in range(args.rounds):
            before.append(_run(base, data))
            after.append(_run(REPO, data))
    b, a = min(before), min(after)
    mb, ma = statistics.median(before), statistics.median(after)
    print(f"replies: {len(items)}  best of {args.rounds}: baseline {args.baseline} {b:.0f} µs/reply, this tree "
          f"{a:.0f} µs/reply, ratio {a / b:.2f}x  (medians {mb:.0f} / {ma:.0f}, {ma / mb:.2f}x)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
