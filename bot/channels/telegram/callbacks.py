"""Signed callback data: buttons carry `<data>|<tag>`, so a forged button press is recognised and refused.

Telegram clients can send any callback data for a message (modified clients do). The core's data
(`d:<sku>`, `s:<sku>`, handoff's claim/close/rating) is signed with a key derived from the bot token, which
all replicas share and which survives restarts, so old buttons keep working while forged ones don't.
The whole string must fit Telegram's 64-byte limit: longer data is replaced by a short `#<hash>` key kept
in a bounded in-process map (such a button goes stale after a restart and then gets the polite answer).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import OrderedDict

from bot.channels.telegram.format import CALLBACK_DATA_LIMIT

TAG_CHARS = 8  # 48 bits of HMAC: forging one takes ~2^47 tries, each a visible button press
SEPARATOR = "|"
LONG_PREFIX = "#"
MAX_LONG = 4096


class CallbackSigner:
    """`sign("d:SKU1")` → `"d:SKU1|Ab3dEf9h"`; `verify(...)` → the original data, or None when forged."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"xiaoer-callback\0" + secret.encode()).digest()
        self._long: OrderedDict[str, str] = OrderedDict()

    def _tag(self, data: str) -> str:
        digest = hmac.new(self._key, data.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:TAG_CHARS]

    def sign(self, data: str) -> str:
        """Signed data within 64 bytes (long data goes through the `#<hash>` map)."""
        signed = f"{data}{SEPARATOR}{self._tag(data)}"
        if len(signed.encode()) <= CALLBACK_DATA_LIMIT and not data.startswith(LONG_PREFIX):
            return signed
        key = LONG_PREFIX + hashlib.sha256(data.encode()).hexdigest()[:16]
        self._long[key] = data
        self._long.move_to_end(key)
        while len(self._long) > MAX_LONG:
            self._long.popitem(last=False)
        signed = f"{key}{SEPARATOR}{self._tag(key)}"
        assert len(signed.encode()) <= CALLBACK_DATA_LIMIT
        return signed

    def verify(self, signed: str | None) -> str | None:
        if not signed or SEPARATOR not in signed:
            return None
        data, _, tag = signed.rpartition(SEPARATOR)
        if not hmac.compare_digest(tag, self._tag(data)):
            return None
        return self._long.get(data) if data.startswith(LONG_PREFIX) else data
