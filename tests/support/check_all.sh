#!/bin/sh
# `make test` after the install: the static checks and the test suite, at the same time.
#
# pytest keeps about one of the machine's cores busy; the static checks (ruff check, ruff format --check,
# lint-imports, mypy — ~22 s of CPU on a clean clone, mypy with no cache is nearly all of it) run one after another
# on the other core meanwhile, so they add almost nothing to the wall time. pytest prints to the terminal as it
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
    if $command >"$log" 2>&1; then echo 0 >"$log.rc"; else echo $? >"$log.rc"; fi
  done <<CHECKS
ruff check|$BIN/ruff check bot knowledge tests bench
ruff format --check|$BIN/ruff format --check bot knowledge tests bench
lint-imports|$BIN/lint-imports
mypy|$BIN/mypy
CHECKS
}

static_checks &
checks_pid=$!
"$BIN/python" -m pytest -q "$@"
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
