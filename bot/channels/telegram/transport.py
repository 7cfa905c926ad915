"""python-telegram-bot's HTTP transport on aiohttp: the same `BaseRequest` contract, a cheaper client.

PTB stays the framework (its Bot methods, its status → error mapping — `RetryAfter`, `BadRequest`,
`Forbidden` … — in `BaseRequest.post`); only the HTTP round trip changes. PTB's default transport is httpx,
whose pure-Python connection pool and HTTP/1.1 state machine cost a replica more per Bot API call than
the rest of the call (`bench/load.py --profile`: ~23 % of a replica's CPU under load, most of the send
path); aiohttp parses HTTP in C and keeps its pool in a dict. Requests go as JSON bodies (the Bot API
accepts `application/json`), uploads as multipart forms (JSON-encoded values, as PTB's own transport sends).

Timeouts are PTB's (seconds; `None` = wait forever) with PTB's defaults: read 5, write 5, connect 5, pool 1,
media write 20. aiohttp has no write timeout of its own, so a request's write limit bounds sending the body
and waiting for the response head together with its read limit. A timeout raises `telegram.error.TimedOut`,
any other transport failure `telegram.error.NetworkError` (as with PTB's transport).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import functools
import json
import logging
import urllib.request
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import aiohttp
import orjson
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBDeprecationWarning

_DEFAULT = BaseRequest.DEFAULT_NONE
Json = dict[str, Any]
MAX_FLOOD_WAIT_S = 30.0  # longer flood waits are not worth holding the chat for: the call fails
T = TypeVar("T")
log = logging.getLogger(__name__)


class JsonParameters:
    """Stands in for PTB's `RequestData` (a final class) when the parameters are already the Bot API's JSON
    (plain dicts, lists, str, int, bool): it answers what a `BaseRequest` reads of one — `parameters`,
    `json_parameters`, `multipart_data`, `contains_files` — with nothing to convert and no file to upload."""

    contains_files = False

    def __init__(self, parameters: Json) -> None:
        self.parameters = {name: value for name, value in parameters.items() if value is not None}
        self.multipart_data: dict[str, Any] = {}

    @property
    def json_parameters(self) -> dict[str, str]:
        return {
            k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
            for k, v in self.parameters.items()
        }


async def call(bot: Bot, method: str, parameters: Json) -> Any:
    """One Bot API call with JSON parameters → its raw `result` (a dict for a Message), through the bot's
    own transport and PTB's error mapping (`BaseRequest.post`: RetryAfter, BadRequest, Forbidden …).

    The hot path's thin call: `bot.send_message(...)` would build PTB objects for the arguments and a
    `Message` from the answer, about two thirds of a send's CPU when only the message id is needed. None
    values are dropped (as PTB does)."""
    request_data = cast(RequestData, JsonParameters(parameters))  # read only through the members above
    return await bot.request.post(f"{bot.base_url}/{method}", request_data)


async def flood_safe(call: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """One Bot API call; under flood control (429 + retry_after) wait as told, once, and try again —
    a dropped reply would break "every customer message gets exactly one reply". A wait longer than
    `MAX_FLOOD_WAIT_S` seconds raises the `RetryAfter`."""
    try:
        return await call(*args, **kwargs)
    except RetryAfter as exc:
        with warnings.catch_warnings():  # PTB 22 warns that the type becomes timedelta in v23: accept both
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            retry_after = exc.retry_after
        wait = retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else float(retry_after)
        if wait > MAX_FLOOD_WAIT_S:
            raise
        log.warning("flood control: waiting %.0f s before retrying", wait)
        await asyncio.sleep(wait)
        return await call(*args, **kwargs)


def _chosen(value: Any, default: float | None) -> float | None:
    """PTB passes `DEFAULT_NONE` for "the transport's default" and None for "no limit"."""
    return default if isinstance(value, type(_DEFAULT)) else value


class AiohttpRequest(BaseRequest):
    """`BaseRequest` over one `aiohttp.ClientSession` with at most `connections` connections.

    The session is opened by `initialize()` on the running event loop (PTB calls it when the bot or the
    Application starts) and again if a later call runs on another loop (a test's, or `asyncio.run` twice)."""

    def __init__(
        self,
        connections: int = 1,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self.connections = connections
        self._read, self._write = read_timeout, write_timeout
        self._connect, self._pool, self._media_write = connect_timeout, pool_timeout, media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        loop = asyncio.get_running_loop()
        if self._session is not None and not self._session.closed and self._loop is loop:
            return
        self._loop = loop
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.connections, keepalive_timeout=30.0),
            headers={"User-Agent": self.USER_AGENT},
        )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed and self._loop is asyncio.get_running_loop():
            await session.close()

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The Bot API's answer as a dict: orjson (several times faster than PTB's `json.loads` of the decoded
        text); whatever orjson refuses (invalid UTF-8, NaN …) goes to PTB's own parser, which decodes with
        replacement characters and raises `TelegramError` for what is not JSON — the same result either way
        (but for integers beyond 64 bits, which orjson reads as floats: the Bot API's ids have at most 52)."""
        try:
            value = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return BaseRequest.parse_json_payload(payload)
        return cast(dict[str, Any], value)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = _DEFAULT,
        write_timeout: Any = _DEFAULT,
        connect_timeout: Any = _DEFAULT,
        pool_timeout: Any = _DEFAULT,
    ) -> tuple[int, bytes]:
        """One HTTP request → (status, body); PTB's `post` turns the status and body into a result or error."""
        await self.initialize()
        assert self._session is not None
        files = request_data.multipart_data if request_data is not None else None
        read = _chosen(read_timeout, self._read)
        write = _chosen(write_timeout, self._media_write if files else self._write)
        connect = _chosen(connect_timeout, self._connect)
        pool = _chosen(pool_timeout, self._pool)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None
            if connect is None or pool is None
            else connect + pool,  # a pooled connection, or a new one
            sock_connect=connect,
            sock_read=None if read is None else read + (write or 0.0),
        )
        body: Any = None
        headers: dict[str, str] = {}
        if files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():  # type: ignore[union-attr]
                form.add_field(name, value)
            for name, part in files.items():
                filename, content, *mime = part if isinstance(part, tuple) else (name, part)
                form.add_field(name, content, filename=filename, content_type=mime[0] if mime else None)
            body = form
        elif request_data is not None and request_data.parameters:
            body = _json_bytes(request_data.parameters)
            headers["Content-Type"] = "application/json"
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's ServerTimeoutError is an asyncio.TimeoutError too
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _json_bytes(parameters: Json) -> bytes:
    """A request body as UTF-8 JSON: orjson, the standard library for what orjson refuses (a non-string key)."""
    try:
        return orjson.dumps(parameters)
    except TypeError:
        return json.dumps(parameters, ensure_ascii=False).encode()


def env_proxy(url: str) -> str | None:
    """The HTTP(S)_PROXY for `url` unless NO_PROXY exempts its host (what httpx's `trust_env` honours),
    looked up once per host: aiohttp's own `trust_env` makes two thread-pool hops per request (proxy and
    .netrc lookups)."""
    parts = urlsplit(url)
    return _proxy_for(parts.scheme, parts.hostname or "")


@functools.cache
def _proxy_for(scheme: str, host: str) -> str | None:
    proxies = urllib.request.getproxies()
    if not proxies or urllib.request.proxy_bypass(host):
        return None
    return proxies.get(scheme)
