"""A local Telegram Bot API server on loopback, so the unmodified bot process is tested over real HTTP.

It speaks the real wire shapes (`POST /bot<token>/<method>` with JSON, form or multipart bodies, `{"ok": …}`
envelopes, dates in seconds, long-polling `getUpdates` with offsets, webhooks with the secret header, file
download under `/file/bot<token>/…`). Tests drive it as users do: `user_sends`, `user_presses`,
`user_sends_document`, then read what the bot sent with `wait_for_messages` and `calls`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.support.telegram_wire import ApiError, parse_body, parse_html, post_update, utf16_len


@dataclass(frozen=True)
class Chat:
    id: int
    type: str = "private"  # private | group | supergroup
    title: str = ""
    is_forum: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = f"user{self.id}"
        else:
            data["title"] = self.title or f"group{self.id}"
            if self.is_forum:
                data["is_forum"] = True
        return data


@dataclass(frozen=True)
class User:
    id: int
    first_name: str = "Test"
    language_code: str = "zh"
    username: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.username:
            data["username"] = self.username
        return data


class TelegramServer:
    """`with TelegramServer() as tg:` → `base_url`, `file_url`, `token`; a bot talks to it like to Telegram."""

    def __init__(
        self,
        token: str = "123456:TEST-token_abcdefghijklmnopqrstuvwx",
        bot_username: str = "xiaoer_test_bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        # Loopback and any free port, unless a container serves it (docker/check/peers.py).
        self._address = (host, port)
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Xiaoer",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._cond = threading.Condition()
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        # Message ids as Telegram numbers them: a supergroup/channel ("-100…" ids) has its own counter;
        # private chats and basic groups share the bot account's one (key 0) — ids grow, with gaps per chat.
        self._message_ids: dict[int, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._thread_ids = itertools.count(100)
        self.updates: list[dict[str, Any]] = []  # pending (not yet confirmed) updates
        self.last_update_id = 0  # the id of the newest update pushed (confirmed or not)
        self.fetched_update_ids: set[int] = set()
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat id, message id) → message
        self.sent: dict[int, list[dict[str, Any]]] = defaultdict(list)  # bot messages per chat
        self.calls: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id → (file_path, content)
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.callback_queries: set[str] = set()
        self.webhook: dict[str, Any] = {}
        self.fetched_urls: list[str] = []  # photo/document URLs the bot asked Telegram to fetch
        self.broken_urls: set[str] = set()  # photo URLs Telegram "cannot fetch"
        self.flood: dict[str, int] = {}  # method → how many next calls answer 429 (retry after 1 s)
        # Network faults, method → what happens to its next calls, in order: "drop_request" (the connection
        # closes before the call is carried out), "drop_response" (carried out; the connection closes before
        # the answer: the bot cannot know it was), "late_response" (carried out; the answer is held `late_s`
        # seconds — past a short read timeout of the bot's — and the connection then closes without it).
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.late_s = 2.0
        self.blocked_chats: set[int] = set()  # private chats whose user blocked the bot
        self._server: ThreadingHTTPServer | None = None  # unstarted = an in-process fake API (unit tests)
        self._threads: list[threading.Thread] = []
        self._stopping = False

    # -- lifecycle ---------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None, "start() the server first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> TelegramServer:
        self._server = ThreadingHTTPServer(self._address, self._handler_class())
        self._server.daemon_threads = True
        self._threads = [
            threading.Thread(target=self._server.serve_forever, daemon=True),
            threading.Thread(target=self._push_webhooks, daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> TelegramServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the simulated users -----------------------------------------------------------------------
    def user_sends(
        self,
        chat: Chat,
        user: User,
        text: str = "",
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
        **content: Any,
    ) -> dict[str, Any]:
        """A user writes in a chat (text and/or other content such as `sticker=…`); returns the message."""
        with self._cond:
            self.chats[chat.id] = chat
            message: dict[str, Any] = {
                "message_id": self._next_message_id(chat.id),
                "date": int(time.time()),
                "chat": chat.as_dict(),
                "from": user.as_dict(),
                **content,
            }
            key = "caption" if any(k in content for k in ("photo", "document", "voice")) else "text"
            if text:
                message[key] = text
                entities = self._entities(text)
                if entities:
                    message["entities" if key == "text" else "caption_entities"] = entities
            if reply_to is not None:
                message["reply_to_message"] = self.messages[(chat.id, reply_to)]
            if thread_id is not None:
                message.update(message_thread_id=thread_id, is_topic_message=True)
            self.messages[(chat.id, message["message_id"])] = message
            self._push_update({"message": message})
            return message

    def user_sends_document(
        self,
        chat: Chat,
        user: User,
        file_name: str,
        content: bytes,
        caption: str = "",
        mime_type: str = "text/csv",
    ) -> dict[str, Any]:
        file_id = self.add_file(f"documents/{file_name}", content)
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self.user_sends(chat, user, caption, document=document)

    def user_sends_photo(self, chat: Chat, user: User, caption: str = "") -> dict[str, Any]:
        file_id = self.add_file("photos/p.jpg", b"\xff\xd8\xff")
        photo = [{"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 90, "height": 90}]
        return self.user_sends(chat, user, caption, photo=photo)

    def user_presses(self, chat: Chat, user: User, message_id: int, data: str) -> str:
        """A user presses an inline button under a bot message; returns the callback query id."""
        with self._cond:
            query_id = f"cq{next(self._update_ids)}"
            self.callback_queries.add(query_id)
            self._push_update(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": user.as_dict(),
                        "chat_instance": f"ci{chat.id}",
                        "data": data,
                        "message": self.messages[(chat.id, message_id)],
                    }
                }
            )
            return query_id

    def user_blocks_bot(self, chat: Chat, user: User) -> None:
        """The user blocks the bot: a `my_chat_member` update, and sending there answers 403 from now on."""
        with self._cond:
            self.chats[chat.id] = chat
            self.blocked_chats.add(chat.id)
            member = {"user": self.bot_user}
            self._push_update(
                {
                    "my_chat_member": {
                        "chat": chat.as_dict(),
                        "from": user.as_dict(),
                        "date": int(time.time()),
                        "old_chat_member": {**member, "status": "member"},
                        "new_chat_member": {**member, "status": "kicked", "until_date": 0},
                    }
                }
            )

    def add_file(self, path: str, content: bytes) -> str:
        with self._cond:
            file_id = f"file{next(self._file_ids)}"
            self.files[file_id] = (f"{file_id}/{path}", content)
            return file_id

    # -- what the bot did --------------------------------------------------------------------------
    def wait_for(self, predicate: Any, timeout: float = 15.0) -> Any:
        """Wait until `predicate()` (called under the lock) is truthy; return its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"timed out after {timeout}s waiting for {predicate}")
                self._cond.wait(min(remaining, 0.25))  # re-check predicates that watch other things too
            return result

    def wait_for_messages(
        self, chat_id: int, n: int = 1, timeout: float = 15.0, since: int = 0
    ) -> list[dict[str, Any]]:
        """The bot's messages in `chat_id` after the first `since`, once there are at least `n` of them."""
        return self.wait_for(
            lambda: len(self.sent[chat_id]) >= since + n and self.sent[chat_id][since:], timeout
        )

    def wait_for_calls(self, method: str, n: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        return self.wait_for(lambda: len(self.calls[method]) >= n and list(self.calls[method]), timeout)

    def wait_until_fetched(self, update_id: int, timeout: float = 15.0) -> None:
        self.wait_for(lambda: update_id in self.fetched_update_ids, timeout)

    def wait_until_confirmed(self, update_id: int, timeout: float = 15.0) -> None:
        """Until the bot confirmed `update_id` (a later getUpdates offset): it is never delivered again."""
        self.wait_for(
            lambda: (
                update_id in self.fetched_update_ids
                and all(update["update_id"] != update_id for update in self.updates)
            ),
            timeout,
        )

    # -- internals ---------------------------------------------------------------------------------
    def _entities(self, text: str) -> list[dict[str, Any]]:
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(text.split()[0])})
        mention = "@" + self.bot_user["username"]
        if mention in text and not text.startswith("/"):
            offset = utf16_len(text[: text.index(mention)])
            entities.append({"type": "mention", "offset": offset, "length": utf16_len(mention)})
        return entities

    def _push_update(self, payload: dict[str, Any]) -> None:
        update = {"update_id": next(self._update_ids), **payload}
        self.updates.append(update)
        self.last_update_id = update["update_id"]
        self._cond.notify_all()

    def _push_webhooks(self) -> None:
        """Deliver pending updates to the webhook in order, retrying until the bot answers 200."""
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping or (self.webhook and self.updates), timeout=1.0)
                if self._stopping:
                    return
                if not (self.webhook and self.updates):
                    continue
                update, hook = self.updates[0], dict(self.webhook)
            ok = post_update(hook["url"], hook["secret"], update, timeout=5)
            with self._cond:
                if ok and self.updates and self.updates[0] is update:
                    self.updates.pop(0)
                    self.fetched_update_ids.add(update["update_id"])
                    self._cond.notify_all()
            if not ok:
                time.sleep(0.2)

    def last_message_id(self, chat_id: int) -> int:
        """The newest message id in `chat_id`'s id space (its own for a supergroup, else the account's)."""
        with self._cond:
            ids = [
                m for (c, m) in self.messages if (c <= -1_000_000_000_000) == (chat_id <= -1_000_000_000_000)
            ]
            ids = [m for (c, m) in self.messages if c == chat_id] if chat_id <= -1_000_000_000_000 else ids
            return max(ids, default=0)

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids[chat_id if chat_id <= -1_000_000_000_000 else 0])

    def _editable(self, chat_id: int, params: dict[str, Any], kind: str) -> dict[str, Any]:
        """The bot's own message to edit, with the Bot API's errors: not found, not the bot's (can't be
        edited), no text/caption of that kind (a photo has no text; a text message no caption)."""
        message = self.messages.get((chat_id, int(params["message_id"])))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if (message.get("from") or {}).get("id") != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        if kind == "text" and "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if kind == "caption" and not any(k in message for k in ("photo", "document", "video", "audio")):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        return message

    def _new_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        message = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat.as_dict(),
            "from": self.bot_user,
            **{key: value for key, value in content.items() if value is not None},
        }
        self.messages[(chat_id, message["message_id"])] = message
        self.sent[chat_id].append(message)
        return message

    def _formatted(self, params: dict[str, Any], key: str, limit: int) -> dict[str, Any]:
        """`text`/`caption` as Telegram stores it: HTML parsed into plain text + entities, limits checked."""
        raw = params.get(key)
        if raw is None:
            if key == "text":
                raise ApiError(400, "Bad Request: message text is empty")
            return {}
        text, entities = parse_html(raw) if params.get("parse_mode") == "HTML" else (raw, [])
        text = text.rstrip()  # Telegram trims trailing whitespace
        if utf16_len(text) > limit:
            raise ApiError(
                400, f"Bad Request: message {'caption' if key == 'caption' else 'text'} is too long"
            )
        if key == "text" and not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        suffix = "entities" if key == "text" else "caption_entities"
        return {key: text, **({suffix: entities} if entities else {})}

    @staticmethod
    def _preview(params: dict[str, Any]) -> dict[str, Any]:
        """`link_preview_options` as Telegram checks and echoes it (Bot API 7.0 LinkPreviewOptions)."""
        options = params.get("link_preview_options")
        if options is None:
            return {}
        flags = {"is_disabled", "prefer_small_media", "prefer_large_media", "show_above_text"}
        if not isinstance(options, dict) or set(options) - flags - {"url"}:
            raise ApiError(400, "Bad Request: can't parse link preview options")
        if not isinstance(options.get("url", ""), str) or not all(
            isinstance(options[flag], bool) for flag in flags & set(options)
        ):
            raise ApiError(400, "Bad Request: can't parse link preview options")
        return {"link_preview_options": options}

    def _media(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]], key: str) -> Any:
        """An uploaded file, an `attach://` part, a known file_id or a URL (Telegram fetches those)."""
        value = str(params.get(key, ""))
        if value.startswith("attach://"):
            name, content = files[value[len("attach://") :]]
        elif key in files:
            name, content = files[key]
        elif value in self.files:
            name, content = self.files[value][0].rsplit("/", 1)[-1], self.files[value][1]
        elif value.startswith(("http://", "https://")) and value not in self.broken_urls:
            name, content = value.rsplit("/", 1)[-1] or "file", b""
            self.fetched_urls.append(value)
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        file_id = self.add_file(f"{key}s/{name}", content)
        if key == "photo":
            return [
                {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "width": 320,
                    "height": 320,
                    "file_size": len(content),
                }
            ]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "file_size": len(content),
        }

    def request(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """One Bot API call → (HTTP status, envelope), as the HTTP endpoint answers it."""
        try:
            with self._cond:
                return 200, {"ok": True, "result": self.call(method, params, files or {})}
        except ApiError as exc:
            return exc.code, exc.envelope()
        except (KeyError, ValueError, TypeError) as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc!r}"}

    def call(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        """Run one Bot API method (under the lock); the return value is the envelope's `result`."""
        self.calls[method].append(params)
        self._cond.notify_all()
        if self.flood.get(method):  # simulated flood control for the next calls of this method
            self.flood[method] -= 1
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        chat_id = int(params["chat_id"]) if "chat_id" in params else 0
        thread = (
            {"message_thread_id": int(params["message_thread_id"])} if params.get("message_thread_id") else {}
        )
        common = {"reply_markup": params.get("reply_markup"), **thread}
        if "reply_parameters" in params:
            common["reply_to_message"] = self.messages.get(
                (chat_id, params["reply_parameters"]["message_id"])
            )
        match method:
            case "getMe":
                return self.bot_user
            case "getUpdates":
                return self._get_updates(params)
            case "setWebhook":
                self.webhook = {"url": params["url"], "secret": params.get("secret_token", "")}
                return True
            case "deleteWebhook":
                self.webhook = {}
                if str(params.get("drop_pending_updates", "")).lower() == "true":
                    self.updates.clear()
                return True
            case "getWebhookInfo":
                return {
                    "url": self.webhook.get("url", ""),
                    "has_custom_certificate": False,
                    "pending_update_count": len(self.updates),
                }
            case "sendMessage":
                return self._new_message(
                    chat_id, **self._formatted(params, "text", 4096), **self._preview(params), **common
                )
            case "sendPhoto" | "sendDocument":
                key = "photo" if method == "sendPhoto" else "document"
                return self._new_message(
                    chat_id,
                    **self._formatted(params, "caption", 1024),
                    **{key: self._media(params, files, key)},
                    **common,
                )
            case "editMessageText" | "editMessageCaption":
                # Identical content and keyboard: 400 "message is not modified" (what resolves a reply in
                # doubt, see bot/channels/telegram/probe.py), as Telegram answers it.
                key = "text" if method == "editMessageText" else "caption"
                message = self._editable(chat_id, params, key)
                edit = self._formatted(params, key, 4096 if key == "text" else 1024)
                entities = "entities" if key == "text" else "caption_entities"
                if (
                    (message.get(key), message.get(entities)) == (edit.get(key), edit.get(entities))
                    and message.get("reply_markup") == params.get("reply_markup")
                    and message.get("link_preview_options")
                    == self._preview(params).get("link_preview_options")
                ):
                    raise ApiError(
                        400,
                        "Bad Request: message is not modified: specified new message content "
                        "and reply markup are exactly the same as a current content and reply markup "
                        "of the message",
                    )
                message.pop(entities, None)
                message.pop("link_preview_options", None)
                message.update(**edit, **self._preview(params), edit_date=int(time.time()))
                message.pop("reply_markup", None)
                if params.get("reply_markup"):
                    message["reply_markup"] = params["reply_markup"]
                return message
            case "deleteMessage":
                message = self.messages.pop((chat_id, int(params["message_id"])), None)
                if message in self.sent[chat_id]:
                    self.sent[chat_id].remove(message)
                return message is not None
            case "copyMessage" | "forwardMessage":
                source = self.messages.get((int(params["from_chat_id"]), int(params["message_id"])))
                if source is None:
                    raise ApiError(400, "Bad Request: message to copy not found")
                content = {
                    k: v
                    for k, v in source.items()
                    if k in ("text", "caption", "photo", "document", "sticker", "voice", "location")
                }
                message = self._new_message(chat_id, **content, **common)
                return {"message_id": message["message_id"]} if method == "copyMessage" else message
            case "createForumTopic":
                chat = self.chats.get(chat_id)
                if chat is None or not chat.is_forum:
                    raise ApiError(400, "Bad Request: the chat is not a forum")
                return {
                    "message_thread_id": next(self._thread_ids),
                    "name": params["name"],
                    "icon_color": 7322096,
                }
            case "answerCallbackQuery":
                if params["callback_query_id"] not in self.callback_queries:
                    raise ApiError(
                        400,
                        "Bad Request: query is too old and response timeout expired or query id is invalid",
                    )
                return True
            case "setMyCommands":
                self.commands[json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)] = (
                    params["commands"]
                )
                return True
            case "getMyCommands":
                return self.commands.get(
                    json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True), []
                )
            case "getFile":
                if params["file_id"] not in self.files:
                    raise ApiError(400, "Bad Request: invalid file_id")
                path, content = self.files[params["file_id"]]
                return {
                    "file_id": params["file_id"],
                    "file_unique_id": f"u{params['file_id']}",
                    "file_size": len(content),
                    "file_path": path,
                }
            case "getChat":
                chat = self.chats.get(chat_id)
                if chat is None:
                    raise ApiError(400, "Bad Request: chat not found")
                return {
                    **chat.as_dict(),
                    "accent_color_id": 0,
                    "max_reaction_count": 11,
                    "accepted_gift_types": {
                        "unlimited_gifts": False,
                        "limited_gifts": False,
                        "unique_gifts": False,
                        "premium_subscription": False,
                    },
                }
            case "sendMessageDraft" | "sendChatAction" | "close" | "logOut" | "deleteMyCommands":
                return True
        raise ApiError(404, "Not Found")

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        self.updates[:] = [update for update in self.updates if update["update_id"] >= offset]
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while not self.updates and not self._stopping and time.monotonic() < deadline:
            self._cond.wait(deadline - time.monotonic())
        batch = self.updates[: int(params.get("limit") or 100)]
        self.fetched_update_ids.update(update["update_id"] for update in batch)
        self._cond.notify_all()
        return batch

    def take_fault(self, method: str) -> str | None:
        """The network fault (see `faults`) for this call of `method`, if one is queued."""
        with self._cond:
            queue = self.faults.get(method)
            return queue.pop(0) if queue else None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the bot hung up (shutdown mid-long-poll)
                    pass

            def do_GET(self) -> None:
                path = unquote(urlsplit(self.path).path)  # PTB percent-encodes the token's ':'
                if path.startswith("/file/bot"):
                    token, _, file_path = path[len("/file/bot") :].partition("/")
                    found = [c for p, c in server.files.values() if p == file_path]
                    if token == server.token and found:
                        return self._reply(200, found[0], "application/octet-stream")
                    return self._reply(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
                self.do_POST()

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                token, _, method = parts.path.removeprefix("/bot").partition("/")
                if not parts.path.startswith("/bot") or token != server.token:
                    return self._reply(401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}')
                params, files = parse_body(
                    self.headers.get("Content-Type", ""),
                    self.rfile.read(int(self.headers.get("Content-Length") or 0)),
                )
                params.update(parse_qsl(parts.query))
                fault = server.take_fault(method)
                if fault == "drop_request":
                    self.close_connection = True
                    return None
                status, body = server.request(method, params, files)
                if fault in ("drop_response", "late_response"):
                    if fault == "late_response":
                        time.sleep(server.late_s)
                    self.close_connection = True
                    return None
                self._reply(status, json.dumps(body, ensure_ascii=False).encode())

        return Handler
