"""Translate Telegram updates into `Inbound` values: roles, group addressing, attachments, verified buttons.

Only this module and its siblings know Telegram's types; the core sees plain `Inbound`s.
Roles: AGENT for anything in the support group, STAFF for `XIAOER_STAFF_IDS` in private chats, else
CUSTOMER. In other groups the bot only listens when addressed: a mention, a reply to one of its
messages, or a command (bare or `/cmd@thisbot`); other chatter is not meant for it and gets no reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import Chat, Message, Update

from bot.channels.telegram.callbacks import CallbackSigner
from bot.domain.messages import Attachment, AttachmentKind, Inbound, MessageRef, Role

CHANNEL = "telegram"
ATTACHMENT_KINDS: tuple[tuple[str, AttachmentKind], ...] = (
    ("photo", "photo"),
    ("document", "document"),
    ("sticker", "sticker"),
    ("voice", "voice"),
    ("audio", "audio"),
    ("video", "video"),
    ("video_note", "video"),
    ("animation", "video"),
    ("location", "location"),
    ("venue", "location"),
    ("contact", "contact"),
)


@dataclass(frozen=True)
class ChatPolicy:
    """Who is who, and who the bot is (filled in from getMe at start-up)."""

    staff_ids: frozenset[int] = frozenset()
    support_chat_id: int | None = None

    def role(self, chat: Chat, user_id: int) -> Role:
        if self.support_chat_id is not None and chat.id == self.support_chat_id:
            return Role.AGENT
        if chat.type == Chat.PRIVATE and user_id in self.staff_ids:
            return Role.STAFF
        return Role.CUSTOMER


SERVICE_FIELDS = (
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "pinned_message",
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
    "message_auto_delete_timer_changed",
    "video_chat_started",
    "video_chat_ended",
    "video_chat_scheduled",
    "video_chat_participants_invited",
    "write_access_allowed",
    "boost_added",
    "chat_background_set",
)


def is_service(message: Message) -> bool:
    """Joins, pins, topic edits …: events in a chat, not something a person said to anyone."""
    return any(getattr(message, name, None) for name in SERVICE_FIELDS)


def attachment_of(message: Message) -> Attachment | None:
    for attribute, kind in ATTACHMENT_KINDS:
        value = getattr(message, attribute, None)
        if not value:
            continue
        item = value[-1] if isinstance(value, tuple) else value  # photos: the largest size is last
        return Attachment(
            kind=kind,
            file_id=getattr(item, "file_id", "") or "",
            file_name=getattr(item, "file_name", "") or "",
            mime_type=getattr(item, "mime_type", "") or "",
        )
    if message.text is None and message.caption is None:
        return Attachment(kind="other")
    return None


def addressed_text(message: Message, bot_username: str, bot_id: int) -> str | None:
    """In a non-support group: the text meant for the bot (mention removed), or None when not addressed."""
    text = message.text or message.caption or ""
    if text.startswith("/"):
        _, _, target = text.split(maxsplit=1)[0].partition("@")
        return text if not target or target.lower() == bot_username.lower() else None
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text
    mention = re.compile(re.escape("@" + bot_username), re.IGNORECASE)
    if bot_username and mention.search(text):
        return " ".join(mention.sub(" ", text).split())
    return None


def _ref(message: Message) -> MessageRef:
    thread = (
        str(message.message_thread_id) if message.is_topic_message and message.message_thread_id else None
    )
    return MessageRef(chat_id=str(message.chat.id), message_id=str(message.message_id), thread_id=thread)


def message_inbound(update: Update, policy: ChatPolicy, bot_username: str, bot_id: int) -> Inbound | None:
    """A new message as an Inbound, or None when it is not for the bot (group chatter, service messages)."""
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    chat, user = message.chat, message.from_user
    role = policy.role(chat, user.id)
    text = message.text or message.caption or ""
    if is_service(message):
        return None
    attachment = attachment_of(message)
    if chat.type != Chat.PRIVATE and role is not Role.AGENT:
        addressed = addressed_text(message, bot_username, bot_id)
        if addressed is None:
            return None
        text = addressed
    ref = _ref(message)
    return Inbound(
        chat_id=str(chat.id),
        user_id=str(user.id),
        text=text,
        role=role,
        channel=CHANNEL,
        user_name=user.full_name,
        language_hint=user.language_code,
        attachment=attachment,
        ref=ref,
        reply_to=_ref(message.reply_to_message) if message.reply_to_message else None,
        thread_id=ref.thread_id,
        is_group=chat.type != Chat.PRIVATE,
        update_id=update.update_id,
    )


def callback_inbound(update: Update, policy: ChatPolicy, signer: CallbackSigner) -> Inbound | None:
    """A button press as an Inbound; `callback_data` is None when the data is forged or unknown."""
    query = update.callback_query
    if query is None or query.message is None:
        return None
    chat = query.message.chat
    ref = MessageRef(
        chat_id=str(chat.id),
        message_id=str(query.message.message_id),
        thread_id=str(query.message.message_thread_id)
        if isinstance(query.message, Message) and query.message.is_topic_message
        else None,
    )
    return Inbound(
        chat_id=str(chat.id),
        user_id=str(query.from_user.id),
        role=policy.role(chat, query.from_user.id),
        channel=CHANNEL,
        user_name=query.from_user.full_name,
        language_hint=query.from_user.language_code,
        callback_data=signer.verify(query.data),
        ref=ref,
        thread_id=ref.thread_id,
        is_group=chat.type != Chat.PRIVATE,
        update_id=update.update_id,
    )
