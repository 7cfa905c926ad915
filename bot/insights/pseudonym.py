"""Pseudonymous ids: a keyed hash, so insights never hold a raw Telegram id or name.

The key lives in settings (`XIAOER_PSEUDONYM_KEY`); without it the ids cannot be reversed by lookup.
"""

from __future__ import annotations

import hashlib
import hmac


class Pseudonymizer:
    """HMAC-SHA256 of `channel:raw_id`, shortened to 16 hex characters."""

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("a pseudonym key is required")
        self._key = key.encode("utf-8")

    def __call__(self, channel: str, raw_id: str) -> str:
        digest = hmac.new(self._key, f"{channel}:{raw_id}".encode(), hashlib.sha256)
        return digest.hexdigest()[:16]
