#!/bin/sh
# `make test` after the install: the static checks and the test suite, at the same time.
#
# pytest runs on two worker processes (pytest-xdist `-n 2 --dist loadfile --no-loadscope-reorder`): a test
# module stays on one worker, so its module-scoped fixtures are built once; each worker has its own session
# PostgreSQL, Chroma server and temp dirs; modules go out in the order tests/conftest.py puts them, those with
# slow tests first. Two, not more: the machine this is measured on has two cores, and more workers only
# duplicate per-worker start-up (XIAOER_TEST_WORKERS overrides; 0 runs in this process, as plain pytest does).
# The static checks (ruff check, ruff format --check, lint-imports, mypy — ~22 s of CPU on a clean clone, mypy with no cache
# is nearly all of it) run one after another beside it at a lower priority (nice -n 10), so they fill the time the
# workers spend waiting on real peers instead of taking a core from them. pytest prints to the terminal as it
# goes; each check's output is kept and printed after the suite under its own heading, and the exit status is
# non-zero when the suite or any check failed (a failing check never stops the suite or the other checks).
# Usage: sh tests/support/check_all.sh [pytest args…]   (BIN = the virtualenv's bin directory, .venv/bin by default)
BIN=${BIN:-.venv/bin}
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/xiaoer-checks.XXXXXX")
trap 'rm -rf "$LOGS"' EXIT INT TERM

static_checks() {
  n=0
  while IFS='|' read -r name command; do
    n=$((n + 1))
    log="$LOGS/$n"
    printf '%s\n' "$name" >"$log.name"
    # shellcheck disable=SC2086 # the command is a word list on purpose
    if nice -n 10 $command >"$log" 2>&1; then echo 0 >"$log.rc"; else echo $? >"$log.rc"; fi
  done <<CHECKS
ruff check|$BIN/ruff check bot knowledge tests bench
ruff format --check|$BIN/ruff format --check bot knowledge tests bench
lint-imports|$BIN/lint-imports
mypy|$BIN/mypy
CHECKS
}

# Python writes its compiled modules (__pycache__, in the venv and the checkout) during the run even where the
# environment says not to (PYTHONDONTWRITEBYTECODE=1 is set on the machines this runs on): the suite starts dozens
# of Python processes (pytest workers, `xiaoer` CLIs and replicas, Chroma servers), and without the cache each one
# compiles langchain, chromadb, telegram and the bot again from source — ~4 s of CPU per process. Measured on a
# clean clone (tests/test_chat_cli.py + test_telegram_workers.py): 37.4 s of CPU with the variable set, 30.8 s
# without (the first run, writing the cache), 25.2 s once it is written.
unset PYTHONDONTWRITEBYTECODE

CORES=$(nproc 2>/dev/null || echo 1)
WORKERS=${XIAOER_TEST_WORKERS:-$([ "$CORES" -ge 2 ] && echo 2 || echo 0)}

static_checks &
checks_pid=$!
"$BIN/python" -m pytest -q -n "$WORKERS" --dist loadfile --no-loadscope-reorder "$@"
suite=$?
wait "$checks_pid"

failed=""
for n in 1 2 3 4; do
  log="$LOGS/$n"
  name=$(cat "$log.name" 2>/dev/null || echo "static check $n")
  rc=$(cat "$log.rc" 2>/dev/null || echo "did not run")
  if [ "$rc" = 0 ]; then echo "== $name: ok"; else echo "== $name: FAILED (exit $rc)"; failed="$failed, $name"; fi
  sed 's/^/   /' "$log"
done
[ "$suite" = 0 ] || failed="$failed, pytest (exit $suite)"
if [ -n "$failed" ]; then
  echo "make test FAILED: ${failed#, }" >&2
  exit 1
fi
