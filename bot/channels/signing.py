"""HMAC signing shared by every channel: button data (`<data>|<tag>`) and the web's visitor session ids.

Keys are derived per purpose from one secret (`sha256(purpose ∖0 secret)`), so a tag made for one use is
worthless for another: a signed button cannot pass as a session id. Tags are URL-safe base64 and compared
in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import OrderedDict

SEPARATOR = "|"
LONG_PREFIX = "#"
MAX_LONG = 4096
CALLBACK_PURPOSE = "xiaoer-callback"
TAG_MEMO = 4096  # tags kept per signer


class Signer:
    """`sign("abc")` → `"abc|<tag>"`; `verify(...)` → `"abc"`, or None when the tag is wrong or missing."""

    def __init__(self, secret: str, purpose: str, tag_chars: int = 8) -> None:
        if not secret:
            raise ValueError("a signing secret must not be empty")
        self._key = hashlib.sha256(purpose.encode() + b"\0" + secret.encode()).digest()
        self._keyed = hmac.new(self._key, digestmod=hashlib.sha256)  # copied per tag: keyed once
        self.tag_chars = tag_chars
        self._tags: dict[str, str] = {}

    def tag(self, data: str) -> str:
        """The tag of `data`. Memoised (bounded, cleared when full): a reply's keyboard signs the same few
        button data (its products' details, similar items, feedback) on every message."""
        tag = self._tags.get(data)
        if tag is None:
            mac = self._keyed.copy()
            mac.update(data.encode())
            tag = base64.urlsafe_b64encode(mac.digest()).decode()[: self.tag_chars]
            if len(self._tags) >= TAG_MEMO:
                self._tags.clear()
            self._tags[data] = tag
        return tag

    def sign(self, data: str) -> str:
        return f"{data}{SEPARATOR}{self.tag(data)}"

    def verify(self, signed: str | None) -> str | None:
        if not signed or SEPARATOR not in signed:
            return None
        data, _, tag = signed.rpartition(SEPARATOR)
        return data if hmac.compare_digest(tag, self.tag(data)) else None


class CallbackSigner:
    """Signed button data within a channel's size limit (Telegram: 64 bytes).

    `sign("d:SKU1")` → `"d:SKU1|Ab3dEf9h"` (48 bits of HMAC: forging one takes ~2^47 tries, each a
    visible button press). Data too long for `limit` is replaced by a short `#<hash>` key kept in a bounded
    in-process map (such a button goes stale after a restart and then gets the polite answer)."""

    def __init__(self, secret: str, limit: int = 64) -> None:
        self._signer = Signer(secret, CALLBACK_PURPOSE)
        self.limit = limit
        self._long: OrderedDict[str, str] = OrderedDict()

    def sign(self, data: str) -> str:
        signed = self._signer.sign(data)
        if len(signed.encode()) <= self.limit and not data.startswith(LONG_PREFIX):
            return signed
        key = LONG_PREFIX + hashlib.sha256(data.encode()).hexdigest()[:16]
        self._long[key] = data
        self._long.move_to_end(key)
        while len(self._long) > MAX_LONG:
            self._long.popitem(last=False)
        signed = self._signer.sign(key)
        assert len(signed.encode()) <= self.limit
        return signed

    def verify(self, signed: str | None) -> str | None:
        data = self._signer.verify(signed)
        if data is None:
            return None
        return self._long.get(data) if data.startswith(LONG_PREFIX) else data
