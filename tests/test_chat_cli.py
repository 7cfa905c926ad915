"""`xiaoer chat` with piped stdin and `xiaoer ask` on an ingested data directory.

The fixed interface — a piped `xiaoer chat` answering every line and exiting 0, `xiaoer ask` on an empty data
directory exiting 1 with its hint — runs as real subprocesses. The conversations behind the commands run the same
Typer app in this process (`typer.testing.CliRunner`: the same command functions, settings from the same
environment, stdin and the exit code as a subprocess sees them), which saves the ~5 s of start-up CPU a new
`xiaoer` process pays for its imports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.support.telegram_process import ingest_sample

XIAOER = [sys.executable, "-m", "bot.cli.main"]
REPO = Path(__file__).resolve().parents[1]


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`xiaoer ARGS` as a new process."""
    return subprocess.run(
        [*XIAOER, *args], input=stdin, capture_output=True, text=True, env=env, cwd=REPO, timeout=240
    )


def run_here(
    args: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`xiaoer ARGS` in this process, with the environment's Xiaoer settings (and COLUMNS) of `env`; an exception
    the command did not turn into an exit code fails the test with its traceback."""
    settings = {name: value for name, value in env.items() if name.startswith("XIAOER_") or name == "COLUMNS"}
    result = CliRunner().invoke(app, args, input=stdin, env=settings)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["xiaoer", *args], result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    data = tmp_path_factory.mktemp("chat-cli") / "data"
    ingest_sample(data)  # the real `xiaoer ingest --sample` (run once per session, its output copied)
    yield {**os.environ, "XIAOER_DATA_DIR": str(data), "COLUMNS": "120"}


@pytest.mark.slow
def test_piped_chat_answers_every_line_and_exits_zero(env: dict[str, str]) -> None:
    result = run(["chat"], env, stdin="有没有500以内的跑鞋\n第二个有货吗\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "为您挑了这几款" in out and "RUN-" in out
    assert out.index("为您挑了这几款") < out.rindex("有货")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_ask_prints_one_answer(env: dict[str, str]) -> None:
    result = run_here(["ask", "What is your return policy?"], env)
    assert result.returncode == 0, result.stderr
    assert "Returns" in result.stdout or "return" in result.stdout


@pytest.mark.slow
def test_empty_data_dir_tells_the_user_to_ingest(tmp_path: Path) -> None:
    environment = {**os.environ, "XIAOER_DATA_DIR": str(tmp_path / "empty")}
    result = run(["ask", "有没有跑鞋"], environment)
    assert result.returncode == 1 and "xiaoer ingest --sample" in result.stderr


@pytest.mark.slow
def test_each_ask_is_a_fresh_conversation_and_chat_new_forgets(env: dict[str, str]) -> None:
    """`chat --new` forgets the terminal chat that `test_piped_chat_answers_every_line_and_exits_zero` filled
    (same module-scoped data directory)."""
    first = run_here(["ask", "有没有500以内的跑鞋"], env)
    assert first.returncode == 0 and "RUN-" in first.stdout, first.stderr
    follow = run_here(["ask", "第二个多少钱"], env)  # nothing was shown in THIS conversation
    assert follow.returncode == 0 and "您想问哪款商品" in follow.stdout, follow.stdout
    fresh = run_here(["chat", "--new"], env, stdin="第二个多少钱\n")
    assert fresh.returncode == 0 and "您想问哪款商品" in fresh.stdout, fresh.stdout
    run_here(
        ["ask", "跑鞋推荐"], env
    )  # a separate ask is a separate customer: no interest profile carries over
    again = run_here(["ask", "有37码的女款跑鞋吗"], env)
    assert again.returncode == 0 and "RUN-" in again.stdout and "之前关注" not in again.stdout, again.stdout


@pytest.mark.slow
def test_where_is_my_order_and_a_late_return_in_one_piped_chat(env: dict[str, str], tmp_path: Path) -> None:
    """`xiaoer orders import` then `xiaoer chat`, typed as a new customer: zh status, then an en return."""
    from tests.support.order_chat import write_orders_csv

    imported = run_here(["orders", "import", str(write_orders_csv(tmp_path / "orders.csv"))], env)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    typed = "我的快递到哪了\nXE7001\n1234\nI want to return order XE7006\n5678\n"
    result = run_here(["chat", "--new"], {**env, "COLUMNS": "400"}, stdin=typed)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("订单号") < out.index("后 4 位") < out.index("SF1458827361904")
    assert "顺丰速运" in out and "sf-express.com" in out and "13800001234" not in out and "成都" not in out
    assert out.index("SF1458827361904") < out.index("past the return window") < out.rindex("/human")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_chat_new_ends_a_handoff_left_open_so_the_new_conversation_is_answered(
    env: dict[str, str],
) -> None:
    """A customer who asked for a human and came back with `--new` is answered by the bot, not relayed to an
    agent who never claimed the old request; the team is told the customer left."""
    asked = run_here(["chat", "--new"], env, stdin="/human\n")
    assert asked.returncode == 0, asked.stderr
    fresh = run_here(["chat", "--new"], env, stdin="有没有500以内的跑鞋\n")
    assert fresh.returncode == 0, fresh.stderr
    assert "RUN-" in fresh.stdout, fresh.stdout
    assert "Traceback" not in fresh.stderr


def test_a_handoff_after_chat_new_carries_only_the_new_conversation(env: dict[str, str]) -> None:
    """The card of a handoff asked for after `--new` shows this conversation, not the summary of the handoff
    that `--new` closed (closing it wrote that summary into the memory the reset clears)."""
    first = run_here(["chat", "--new"], env, stdin="推荐一个耳机\n转人工\n")
    assert first.returncode == 0, first.stderr
    second = run_here(["chat", "--new"], {**env, "COLUMNS": "400"}, stdin="有没有跑鞋\n转人工\n")
    assert second.returncode == 0, second.stderr
    card = second.stdout[second.stdout.index("人工请求") :]
    assert "有没有跑鞋" in card, card
    assert "人工客服对话摘要" not in card and "推荐一个耳机" not in card, card


def test_chat_new_is_a_new_customer_without_the_earlier_profile(env: dict[str, str]) -> None:
    """`--new` starts a new customer session: the interest profile the earlier session built (it re-ranks
    answers, 「结合您之前关注的…」) is not carried into it; `/reset` only starts the topic over."""
    earlier = run_here(["chat", "--new"], env, stdin="推荐降噪耳机\n/reset\n/profile\n")
    assert earlier.returncode == 0, earlier.stderr
    profile = earlier.stdout.split("我们重新开始吧", 1)[-1]  # what /profile printed after /reset
    assert "耳机" in profile and "还没有记录到您的兴趣偏好" not in profile, earlier.stdout  # /reset kept it
    fresh = run_here(["chat", "--new"], env, stdin="/profile\n")
    assert fresh.returncode == 0, fresh.stderr
    assert "还没有记录到您的兴趣偏好" in fresh.stdout, fresh.stdout
