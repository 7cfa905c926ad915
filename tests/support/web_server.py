"""`xiaoer web`'s app served in-process by uvicorn on a free loopback port, for browser and socket tests.

The app is built by the real composition root (`bot.wiring.build_web_app`) on a temporary SQLite
database, the sample catalog plus test products (one with a hostile title), product images served by a
small local image server, and — when given — the scripted OpenAI-compatible server as the LLM.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import uvicorn
from argon2 import PasswordHasher

from bot.channels.web.config import WebConfig
from bot.conversation.core import SupportBot
from bot.ops.settings import load_settings
from bot.staff.passwords import Passwords
from bot.wiring import Knowledge, build_web_app
from knowledge.catalog import SAMPLE_CATALOG, SAMPLE_POLICIES_DIR, load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.models import Product
from knowledge.policies import PolicyBook
from knowledge.query import QueryParser
from tests.support.chroma_server import _free_port

HOSTILE_SKU = "RUN-EVIL"
HOSTILE_TITLE = "<script>alert(1)</script> & <b>粗体</b> 夜跑反光跑鞋"


class ImageServer:
    """Serves `/img/<sku>.svg`: a coloured tile with the SKU, so cards show real images offline (other
    paths: 404, a dead image link)."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                if not self.path.startswith("/img/"):  # a catalog's dead image link
                    self.send_error(404)
                    return
                sku = self.path.rsplit("/", 1)[-1].removesuffix(".svg")[:20]
                hue = sum(map(ord, sku)) % 360
                body = (
                    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120">'
                    f'<rect width="120" height="120" fill="hsl({hue},60%,55%)"/>'
                    '<text x="60" y="66" font-size="16" text-anchor="middle" fill="#fff" '
                    f'font-family="sans-serif">{"".join(c for c in sku if c.isalnum() or c == "-")}</text></svg>'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "image/svg+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, sku: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/img/{sku}.svg"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_knowledge(images: ImageServer) -> Knowledge:
    """The sample catalog (images on loopback) plus a product whose title is an HTML injection attempt."""
    products = [
        p.model_copy(update={"image_url": images.url(p.sku)}) for p in load_catalog(SAMPLE_CATALOG).products
    ]
    products.append(
        Product(
            sku=HOSTILE_SKU,
            title=HOSTILE_TITLE,
            brand="TestBrand",
            category="运动鞋/跑步鞋",
            price=Decimal("699.00"),
            currency="CNY",
            stock=7,
            description="夜跑反光跑鞋，测试用商品。",
            image_url=images.url(HOSTILE_SKU).replace("/img/", "/missing/"),  # a dead image link
            url="javascript:alert(2)",
            tags=("夜跑", "反光"),
        )
    )
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor, None)
    index.upsert(products)
    return Knowledge(
        index, extractor, vocabulary, QueryParser(vocabulary, extractor), PolicyBook.load(SAMPLE_POLICIES_DIR)
    )


class WebServer:
    """`with WebServer(tmp) as web: web.url` — the app on a free port until the block ends."""

    def __init__(self, data_dir: Path, *, llm_base_url: str | None = None, **settings: Any) -> None:
        self.images = ImageServer()
        env: dict[str, Any] = {"XIAOER_DATA_DIR": str(data_dir), **settings}
        if llm_base_url:
            env.update(OPENAI_BASE_URL=llm_base_url, OPENAI_API_KEY="test-key", XIAOER_LLM_MODEL="scripted")
        self.settings = load_settings(**env)
        self.config = WebConfig(
            secret="test-web-secret",
            origins=("http://shop.test",),
            visitor_messages=self.settings.rate_limit_messages,
            ip_messages=self.settings.web_ip_rate_limit_messages,
            window_s=self.settings.rate_limit_window_s,
            poll_s=0.2,
        )
        self.app, self.bot = build_web_app(self.settings, self.config, knowledge=test_knowledge(self.images))
        self.port = _free_port()
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=self.port,
                log_config=None,
                access_log=False,
                ws_max_size=self.config.max_frame_bytes,
                lifespan="on",
            )
        )
        self._thread = threading.Thread(target=self._server.run, name="web-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def core(self) -> SupportBot:
        return self.bot

    def __enter__(self) -> WebServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.bot.close()
        self.images.stop()


def fast_passwords() -> Passwords:
    """Real argon2id with test-sized parameters (the hash records them, so checking it is as cheap)."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def add_account(server: WebServer, name: str, role: str, password: str) -> None:
    """A console account in the server's database (as `xiaoer staff add` makes it)."""
    from bot.staff.accounts import StaffRole
    from bot.staff.auth import StaffAuth
    from bot.staff.store_sql import SqlStaffStore
    from tests.support.databases import migrated_database

    database = migrated_database(server.settings.resolved_database_url)
    try:
        StaffAuth(SqlStaffStore(database), fast_passwords()).add_account(name, StaffRole(role), password)
    finally:
        database.dispose()
