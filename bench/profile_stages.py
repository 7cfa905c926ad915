"""Replica CPU per message by stage, from a py-spy profile of a replica under bench/load.py.

    .venv/bin/python bench/load.py --quick --json --only xiaoer --messages 8 --profile /tmp/p.txt > /tmp/p.json
    .venv/bin/python bench/profile_stages.py /tmp/p.collapsed --cpu-ms 6.8 --sys-ms 0.34

Each sample (py-spy `--gil`: the thread holding the GIL) goes to the stage of its innermost frame that
names one (`STAGES`, matched on the frame's file path): a psycopg frame under conversation memory counts as
"DB driver", a `json.dumps` under the Bot API transport as "Bot API send". Samples whose frames name no
stage (only PTB's dispatch and asyncio's loop) are "event loop / PTB dispatch". A stage's ms per message is
its share of the samples × the user-mode CPU per message (`--cpu-ms` − `--sys-ms`, both from load.py's
`cpu_ms_per_msg` and `cpu_sys_ms_per_msg`); kernel time (socket syscalls, epoll, futexes) is its own line,
since no Python profile sees it. Figures are estimates with the sampling error of the sample count.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

# (stage, file path pattern); a frame's stage is the first pattern its path matches
STAGES: list[tuple[str, re.Pattern[str]]] = [
    (stage, re.compile(pattern))
    for stage, pattern in [
        ("bench hop counter (bench only)", r"^sitecustomize\.py$"),
        ("DB driver (psycopg, pool, SQLAlchemy)", r"^(psycopg|psycopg_pool|sqlalchemy)/|^bot/storage/"),
        (
            "coordination (ledger, journal, locks)",
            r"^bot/coordination/|^bot/channels/telegram/(replicas|outbox|watermark)\.py$",
        ),
        ("memory (conversation store)", r"^bot/conversation/(store|store_sql|dialogue_state)\.py$"),
        ("claims gate (grounding)", r"^bot/conversation/(claims/|grounding\.py$)"),
        (
            "prompt + LLM client + streaming",
            r"^bot/llm/|^bot/conversation/prompting\.py$|^(langchain\w*|openai)/",
        ),
        ("insights", r"^bot/insights/"),
        (
            "retrieval (products, policies)",
            r"^knowledge/(hybrid|bm25|ranking|snapshot|policies|embeddings|vectors|facets|bullets)|^numpy/|^bm25s/",
        ),
        (
            "understanding (intent, parsing, reading)",
            r"^bot/conversation/(understanding|intents|intent_exemplars|reader|reading|multi_questions|rambling|contrasts|kinds|named|asks|ordering|hygiene|issue_followup|side_questions|offer_questions|regions|refinements|request_match|shop_range|thread_details|gifts|demands)\.py$|^knowledge/|^jieba/|^spellchecker/|^opencc|^pypinyin/",
        ),
        ("privacy (redaction)", r"^bot/privacy/"),
        (
            "answer + composer (other conversation code)",
            r"^bot/(conversation|orders|handoff|domain|prompts)/",
        ),
        (
            "Bot API send",
            r"^bot/channels/telegram/(delivery|transport|progress|cards|format|probe)\.py$|^telegram/request/|^telegram/_bot\.py$",
        ),
        (
            "webhook ingress + update parsing",
            r"^bot/channels/telegram/(webhook|inbound)\.py$|^aiohttp/web|^telegram/_(update|message|user|chat)\.py$",
        ),
        ("logs + metrics", r"^bot/ops/|^logging/|^prometheus_client/"),
        ("handler (channel glue)", r"^bot/channels/telegram/handlers\.py$"),
        ("thread-pool hops", r"^concurrent/futures/|^asyncio/threads\.py$"),
    ]
]
# Stages only when no frame of the stack names one of STAGES (a response read by aiohttp's protocol callback
# has no caller of ours above it: LLM stream chunks and Bot API responses alike).
FALLBACK: list[tuple[str, re.Pattern[str]]] = [
    ("HTTP client callbacks (aiohttp: LLM stream + Bot API responses)", re.compile(r"^aiohttp/")),
    ("thread-pool hops", re.compile(r"^threading\.py$|^queue\.py$")),
]
LOOP = "event loop / PTB dispatch"


def frame_path(frame: str) -> str:
    """`func (path:line)` → path ('' when the frame has none)."""
    return frame.split(" (", 1)[1].split(":", 1)[0] if " (" in frame else ""


def stage_of(frames: list[str]) -> str:
    for rules in (STAGES, FALLBACK):
        for frame in reversed(frames):
            path = frame_path(frame)
            for stage, pattern in rules:
                if pattern.search(path):
                    return stage
    return LOOP


def stages(collapsed: str) -> tuple[Counter[str], int]:
    """Samples per stage and the total, from py-spy's raw (collapsed) output."""
    counts: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        counts[stage_of(stack.split(";"))] += int(count)
        total += int(count)
    return counts, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collapsed", help="py-spy raw output (load.py --profile writes FILE.collapsed)")
    parser.add_argument("--cpu-ms", type=float, required=True, help="replica CPU ms per message (load.py)")
    parser.add_argument("--sys-ms", type=float, default=0.0, help="of which kernel time (cpu_sys_ms_per_msg)")
    args = parser.parse_args()
    with open(args.collapsed) as handle:
        counts, total = stages(handle.read())
    user = args.cpu_ms - args.sys_ms
    print(f"{total} samples; replica CPU {args.cpu_ms:.2f} ms/msg, of which kernel {args.sys_ms:.2f}\n")
    print(f"{'stage':48} {'share':>6} {'ms/msg':>7}")
    for stage, n in counts.most_common():
        print(f"{stage:48} {100 * n / total:5.1f}% {user * n / total:7.2f}")
    print(f"{'kernel (syscalls: sockets, epoll, futex)':48} {'':6} {args.sys_ms:7.2f}")


if __name__ == "__main__":
    main()
