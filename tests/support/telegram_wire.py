"""The Bot API's wire format for the local test server: request bodies as PTB sends them (JSON, url-encoded
form with JSON-encoded values, multipart uploads), Telegram's HTML parse mode, and its error type.
"""

from __future__ import annotations

import email.parser
import email.policy
import html.parser
import json
import urllib.request
from typing import Any
from urllib.parse import parse_qsl

JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "entities",
    "caption_entities",
    "reply_parameters",
    "allowed_updates",
    "link_preview_options",
    "media",
}
HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "s": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def envelope(self) -> dict[str, Any]:
        body = {"ok": False, "error_code": self.code, "description": self.description}
        return {**body, "parameters": self.parameters} if self.parameters else body


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _HtmlText(html.parser.HTMLParser):
    """Telegram's HTML parse mode: the visible text plus entities; an unsupported tag is an error."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text, self.entities, self.open = "", [], []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise ApiError(400, f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"')
        self.open.append((tag, utf16_len(self.text), dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: unexpected end tag "{tag}"')
        _, offset, attrs = self.open.pop()
        entity = {"type": HTML_TAGS[tag], "offset": offset, "length": utf16_len(self.text) - offset}
        if tag == "a":
            entity["url"] = attrs.get("href", "")
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.text += data


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    if parser.open:
        raise ApiError(400, "Bad Request: can't parse entities: unclosed tag")
    return parser.text, parser.entities


def decode(key: str, value: str) -> Any:
    return json.loads(value) if key in JSON_FIELDS else value


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """JSON, url-encoded form (values JSON-encoded where not strings, as PTB sends) or multipart."""
    if not body:
        return {}, {}
    if content_type.startswith("application/json"):
        return json.loads(body), {}
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename():
                files[name] = (part.get_filename(), payload)
            else:
                params[name] = decode(name, payload.decode())
        return params, files
    return {key: decode(key, value) for key, value in parse_qsl(body.decode(), keep_blank_values=True)}, {}


def post_update(url: str, secret: str, update: dict[str, Any], timeout: float) -> bool:
    """Deliver one update to a webhook the way Telegram does (JSON + secret header); True on HTTP 200."""
    request = urllib.request.Request(
        url,
        data=json.dumps(update).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False
