"""`DoneListener`: hears from PostgreSQL when any replica finishes an update, so a message waiting for an
earlier one of its chat starts at once instead of polling the ledger.

Why: a customer often writes again while the previous reply is still going out (its product cards follow
the text). The new message must wait for the old one's update to be marked done — on whichever replica it
ran. `UpdateLedger.complete` sends `NOTIFY xiaoer_update_done, '<chat key> <update id>'` in the same statement
that marks the update done, and `UpdateLedger.release` sends `'<chat key> <update id> released'` when a failed
update is let go (it may be redelivered and open again before the notice arrives, so a waiter that hears a
release asks the ledger instead of counting the update done); each replica keeps one connection that LISTENs, on a thread of its own, and hands the chat
key to the event loop only when a task there is waiting for that chat, and remembers the completions it heard
lately (`heard`) for a message that starts waiting only after its notification came. The waiters still
re-check the ledger and keep a polling fallback, so a lost notification (a dropped connection, SQLite) only
costs time.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from bot.storage.db import Database

log = logging.getLogger(__name__)
CHANNEL = "xiaoer_update_done"
RECONNECT_S = 1.0
HEARD = 8192  # completions remembered (minutes of traffic at a busy shop's rate)
RELEASED = "released"  # the last word of a release notice's payload


def parse_notice(payload: str) -> tuple[str, int, bool] | None:
    """`(chat key, update id, released)` of a notice's payload — "<chat key> <update id>" for a completion,
    "<chat key> <update id> released" for a release — or None when it is neither (the chat key may contain
    spaces; the update id is a non-negative integer)."""
    head, _, last = payload.rpartition(" ")
    released = last == RELEASED
    if released:
        head, _, last = head.rpartition(" ")
    if not head or not last.isdigit():
        return None
    return head, int(last), released


class DoneListener:
    """`start(loop, wanted, on_done)`: `on_done("<chat key> <update id>", released)` runs on `loop` for chats
    `wanted(chat_key)` says someone waits for (`released`: the update was let go, not completed). PostgreSQL only (`supported`); `stop()` closes the connection."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.supported = database.dialect == "postgresql"
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: object | None = None
        # every completion heard lately ("<chat key> <update id>", oldest first), wanted or not: a message
        # admitted just before its chat's earlier update completed elsewhere registers as a waiter only
        # after the notification came — it finds it here instead of waiting for the polling fallback
        self._heard: dict[str, None] = {}

    def heard(self, done: str) -> bool:
        """Whether a completion or release of `done` ("<chat key> <update id>") was heard lately (the last
        `HEARD`)."""
        return done in self._heard

    def start(
        self,
        loop: asyncio.AbstractEventLoop,
        wanted: Callable[[str], bool],
        on_done: Callable[[str, bool], None],
    ) -> None:
        if not self.supported or self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, args=(loop, wanted, on_done), name="xiaoer-done-listener", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(
        self,
        loop: asyncio.AbstractEventLoop,
        wanted: Callable[[str], bool],
        on_done: Callable[[str, bool], None],
    ) -> None:
        while not self._stopping.is_set():
            try:
                self._listen(loop, wanted, on_done)
            except Exception:  # the database went away: waiters poll meanwhile; listen again shortly
                log.warning("update-done listener lost its connection; listening again", exc_info=True)
                time.sleep(RECONNECT_S)

    def _listen(
        self,
        loop: asyncio.AbstractEventLoop,
        wanted: Callable[[str], bool],
        on_done: Callable[[str, bool], None],
    ) -> None:
        raw = self.database.engine.raw_connection()  # a pooled DBAPI connection, kept for the listener's life
        try:
            driver = raw.driver_connection  # psycopg's Connection
            driver.autocommit = True  # type: ignore[union-attr]
            driver.execute("LISTEN " + CHANNEL)  # type: ignore[union-attr]
            while not self._stopping.is_set():
                for note in driver.notifies(timeout=1.0):  # type: ignore[union-attr]
                    notice = parse_notice(note.payload or "")
                    if notice is None:
                        continue
                    chat_key, update_id, released = notice
                    done = f"{chat_key} {update_id}"
                    self._heard[done] = None  # before the hand-off: a waiter that registers late reads it
                    if len(self._heard) > HEARD:
                        del self._heard[next(iter(self._heard))]
                    if wanted(chat_key):
                        loop.call_soon_threadsafe(on_done, done, released)
        finally:
            raw.invalidate()  # never hand a LISTENing session back to the pool
