"""The highest Telegram message id this process has seen, per id space — the floor of a reply in doubt.

Why: a reply whose `sendMessage` started but was never confirmed (the replica died in between) is found
again by probing the message ids above what was known before the send (`bot.channels.telegram.probe`);
the closer that floor, the fewer probes. Where ids come from (Bot API `Message.message_id`, "unique message
identifier inside this chat"; Telegram's MTProto docs): a supergroup or channel (chat id ≤ -10^12) numbers
its own messages; private chats and basic groups share one counter per account — the bot's — so there a
message of any such chat raises the floor of every other. Ids only grow, so the floor is a max.
"""

from __future__ import annotations

SUPERGROUP_MAX_ID = -1_000_000_000_000  # "-100…" chat ids: supergroups and channels
ACCOUNT = 0  # the id space of private chats and basic groups


def id_space(chat_id: int) -> int:
    """The chat whose counter numbers `chat_id`'s messages: itself for a supergroup, else the account."""
    return chat_id if chat_id <= SUPERGROUP_MAX_ID else ACCOUNT


class MessageIdWatermark:
    """`see(chat, id)` for every message id learnt (inbound updates, sent replies); `floor(chat)` is the
    highest id seen in the chat's id space (0 when none). One per process; single event loop, no locking."""

    def __init__(self) -> None:
        self._high: dict[int, int] = {}

    def see(self, chat_id: int, message_id: int) -> None:
        space = id_space(chat_id)
        if message_id > self._high.get(space, 0):
            self._high[space] = message_id

    def floor(self, chat_id: int) -> int:
        return self._high.get(id_space(chat_id), 0)
