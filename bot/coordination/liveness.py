"""Which replicas are alive right now — asked of PostgreSQL, which knows when a process's connection dies.

Why: a replica that is SIGKILLed (OOM, node loss) leaves claimed-but-unfinished updates behind. Waiting for
their lease to run out delays those customers by the whole lease. Instead each replica holds a session
advisory lock on its own name for as long as it lives; the server drops it the moment the process's
connection goes away, so the others can take over at once. SQLite (single host) has no such signal:
there every owner counts as alive and only the lease applies.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading

from sqlalchemy import Connection, text

from bot.coordination.sql import advisory_key
from bot.storage.db import Database

log = logging.getLogger(__name__)


def _local_process_alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another host: only the lease can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


@functools.lru_cache(maxsize=1024)
def replica_key(owner: str) -> int:
    """The advisory-lock key (signed 64-bit) that replica `owner` holds while it lives."""
    return advisory_key("replica:" + owner)


class ReplicaLiveness:
    """`announce()` once at start; `is_alive(other)` answers from PostgreSQL's lock table. The lock is held
    by a session in autocommit (no transaction left open); `backend_pid` is that session's server process id
    (None before announcing or without PostgreSQL), which the heartbeat uses to check the lock is still held."""

    def __init__(self, database: Database, owner: str) -> None:
        self.engine = database.engine
        self.owner = owner
        self.supported = database.dialect == "postgresql"
        self._conn: Connection | None = None
        self.backend_pid: int | None = None
        self._guard = threading.Lock()

    def announce(self, *, renew: bool = False) -> None:
        """Hold this replica's lock on a dedicated connection (re-acquired if that connection broke). With
        `renew` (the heartbeat found the lock gone) the old session is dropped and the lock taken anew."""
        if not self.supported:
            return
        with self._guard:
            if self._conn is not None:
                try:
                    if renew:
                        raise ConnectionError("liveness lock no longer held")
                    self._conn.execute(text("SELECT 1"))  # autocommit: no transaction left open
                    return
                except Exception:  # the connection died: announce again on a new one
                    log.warning("liveness connection lost; announcing %s again", self.owner)
                    self._conn.invalidate()
                    self._conn.close()
                    self._conn = None
                    self.backend_pid = None
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            row = conn.execute(
                text("SELECT pg_advisory_lock(:k), pg_backend_pid()"), {"k": replica_key(self.owner)}
            ).one()
            self._conn, self.backend_pid = conn, int(row[1])

    def is_alive(self, owner: str) -> bool:
        """False only when PostgreSQL says nobody holds `owner`'s lock (its process is gone) — or, without
        PostgreSQL, when `owner` ("host:pid") ran on this host and that process no longer exists (a poller
        restarted after SIGKILL takes over its unfinished updates at once)."""
        if owner == self.owner:
            return True
        if not self.supported:
            return _local_process_alive(owner)
        with self.engine.connect() as conn:
            got = bool(
                conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": replica_key(owner)}).scalar()
            )
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": replica_key(owner)})
            conn.commit()
        return not got

    def close(self) -> None:
        """Give the lock back (graceful shutdown)."""
        with self._guard:
            if self._conn is not None:
                self._conn.invalidate()  # really close the session: a pooled one would keep the lock
                self._conn.close()
                self._conn = None
                self.backend_pid = None
