"""`WriteBehindInsights`: insights turns queued in memory and written in batches, off the reply's path.

Why: one INSERT (three round trips with its transaction) per customer message was a tenth of the database
work of a reply, for rows nobody reads until the shop asks for a report. Turns are queued and written by a
background thread every `interval_s` seconds or as soon as `batch` of them wait, in one statement per batch
(`InsightsStore.record_turns`). Reads (`turns`, `events`) flush first, so a report sees every turn recorded
before it; `close()` flushes what is left (graceful shutdown loses nothing — a SIGKILLed process loses at
most the last `interval_s` of insights, never a reply). A failed write is retried on the next round; past
`max_pending` queued turns the oldest are dropped (logged), so a long database outage cannot exhaust memory.
Outcome events are rare and written through at once.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Sequence
from datetime import datetime

from bot.insights.records import InsightsStore, OutcomeEvent, TurnRecord

log = logging.getLogger(__name__)


class WriteBehindInsights:
    """An `InsightsStore` that batches `record_turn` into `store.record_turns`; `close()` when done."""

    def __init__(
        self,
        store: InsightsStore,
        *,
        interval_s: float = 1.0,
        batch: int = 200,
        max_pending: int = 20_000,
    ) -> None:
        self.store = store
        self.interval_s = interval_s
        self.batch = batch
        self.max_pending = max_pending
        self._pending: deque[TurnRecord] = deque()
        self._lock = threading.Lock()  # guards _pending
        self._writing = threading.Lock()  # one writer at a time keeps the rows in order
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="xiaoer-insights-writer", daemon=True)
        self._thread.start()

    def record_turn(self, turn: TurnRecord) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("insights writer is closed")
            self._pending.append(turn)
            if len(self._pending) > self.max_pending:
                self._pending.popleft()
                log.warning("insights backlog over %d turns: the oldest was dropped", self.max_pending)
            full = len(self._pending) >= self.batch
        if full:
            self._wake.set()

    def record_turns(self, turns: Sequence[TurnRecord]) -> None:
        for turn in turns:
            self.record_turn(turn)

    def record_event(self, event: OutcomeEvent) -> None:
        self.store.record_event(event)

    def turns(self, since: datetime, until: datetime) -> list[TurnRecord]:
        self.flush()
        return self.store.turns(since, until)

    def events(self, since: datetime, until: datetime) -> list[OutcomeEvent]:
        return self.store.events(since, until)

    def forget(self, user: str) -> int:
        """The user's queued turns are written first, then everything about them is deleted."""
        self.flush()
        return self.store.forget(user)

    def purge(self, before: datetime) -> int:
        self.flush()
        return self.store.purge(before)

    def pending(self) -> int:
        """Turns recorded but not written yet."""
        with self._lock:
            return len(self._pending)

    def flush(self) -> None:
        """Write every queued turn now (blocking); raises the store's error if a batch cannot be written
        (the batch stays queued)."""
        with self._writing:
            while True:
                with self._lock:
                    batch = [self._pending[i] for i in range(min(self.batch, len(self._pending)))]
                if not batch:
                    return
                self.store.record_turns(batch)
                with self._lock:
                    for turn in batch:  # (the oldest may have been dropped meanwhile by an overflow)
                        if self._pending and self._pending[0] is turn:
                            self._pending.popleft()

    def close(self) -> None:
        """Stop the writer and write what is left (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake.set()
        self._thread.join(timeout=30)
        try:
            self.flush()
        except Exception:
            log.exception("could not write %d insights turns at shutdown", self.pending())

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval_s)
            self._wake.clear()
            with self._lock:
                closed = self._closed
            if closed:
                return  # close() writes the rest on its own thread
            try:
                self.flush()
            except Exception:  # the database may be briefly away: the rows wait for the next round
                log.exception("insights write failed; %d turns wait for the next round", self.pending())
