"""Signed callback data for Telegram: buttons carry `<data>|<tag>`, so a forged button press is refused.

Telegram clients can send any callback data for a message (modified clients do). The core's data
(`d:<sku>`, `s:<sku>`, handoff's claim/close/rating) is signed with a key derived from the bot token, which
all replicas share and which survives restarts, so old buttons keep working while forged ones don't.
The signing itself is the channels' shared helper (`bot.channels.signing`); this module binds it to
Telegram's 64-byte callback data limit.
"""

from __future__ import annotations

from bot.channels import signing
from bot.channels.telegram.format import CALLBACK_DATA_LIMIT


class CallbackSigner(signing.CallbackSigner):
    """`CallbackSigner(token)`: the shared signer at Telegram's 64-byte limit."""

    def __init__(self, secret: str) -> None:
        super().__init__(secret, limit=CALLBACK_DATA_LIMIT)
