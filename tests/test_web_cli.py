"""The fixed interface as other tools use it: `xiaoer web --host H --port P` serves the demo page, the widget
and the console; `xiaoer staff add NAME --role …` asks for a password and makes an account."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from bot.staff.store_sql import SqlStaffStore
from tests.support.chroma_server import _free_port
from tests.support.databases import migrated_database
from tests.support.telegram_process import CLI, clean_env


def test_staff_add_asks_for_a_password_and_refuses_weak_ones(tmp_path: Path) -> None:
    env = {"XIAOER_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    added = runner.invoke(
        app, ["staff", "add", "mei", "--role", "staff"], input="pass-word-12\npass-word-12\n", env=env
    )
    assert added.exit_code == 0, added.output
    assert "Added staff account 'mei'" in added.output and "pass-word-12" not in added.output
    weak = runner.invoke(app, ["staff", "add", "li", "--role", "agent"], input="short\nshort\n", env=env)
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    role = runner.invoke(app, ["staff", "add", "li", "--role", "boss"], env=env)
    assert role.exit_code == 2
    listed = runner.invoke(app, ["staff", "list"], env=env)
    assert listed.output.split() == ["mei", "staff"]
    account = SqlStaffStore(migrated_database(f"sqlite:///{tmp_path / 'xiaoer.db'}")).account("mei")
    assert account is not None and account.password_hash.startswith("$argon2id$")


def test_staff_passwd_and_disable_end_open_console_sessions(tmp_path: Path) -> None:
    """Someone leaves, or a password leaks: `passwd` and `disable` must close the sessions already open."""
    import asyncio

    from bot.staff.auth import StaffAuth

    env = {"XIAOER_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    runner.invoke(
        app, ["staff", "add", "li", "--role", "agent"], input="pass-word-12\npass-word-12\n", env=env
    )
    auth = StaffAuth(SqlStaffStore(migrated_database(f"sqlite:///{tmp_path / 'xiaoer.db'}")))
    opened = asyncio.run(auth.login("li", "pass-word-12"))
    assert opened is not None
    changed = runner.invoke(app, ["staff", "passwd", "li"], input="word-pass-34\nword-pass-34\n", env=env)
    assert changed.exit_code == 0 and "1 open console session(s) ended" in changed.output
    assert asyncio.run(auth.session(opened[0])) is None
    reopened = asyncio.run(auth.login("li", "word-pass-34"))
    assert reopened is not None
    disabled = runner.invoke(app, ["staff", "disable", "li"], env=env)
    assert disabled.exit_code == 0 and "1 open console session(s) ended" in disabled.output
    assert asyncio.run(auth.session(reopened[0])) is None
    assert asyncio.run(auth.login("li", "word-pass-34")) is None
    assert runner.invoke(app, ["staff", "list"], env=env).output.split() == ["li", "agent", "(disabled)"]
    assert runner.invoke(app, ["staff", "enable", "li"], env=env).exit_code == 0
    assert asyncio.run(auth.login("li", "word-pass-34")) is not None
    missing = runner.invoke(app, ["staff", "disable", "nobody"], env=env)
    assert missing.exit_code == 1 and "no account named 'nobody'" in missing.output


@pytest.mark.slow
def test_xiaoer_web_serves_the_fixed_interface(tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [*CLI, "web", "--host", "127.0.0.1", "--port", str(port)],
        env=clean_env(XIAOER_DATA_DIR=str(tmp_path)),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, "xiaoer web exited"
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    assert json.loads(response.read()) == {"ok": True}
                break
            except OSError:
                assert time.monotonic() < deadline, "xiaoer web did not start"
                time.sleep(0.2)
        with urllib.request.urlopen(base + "/", timeout=5) as page:
            assert '<script src="/widget.js" data-shop="demo"' in page.read().decode()
        with urllib.request.urlopen(base + "/widget.js", timeout=5) as script:
            assert "data-xiaoer" in script.read().decode()
        with urllib.request.urlopen(base + "/console/", timeout=5) as console:  # redirected to the login form
            assert (
                console.url.endswith("/console/login") and 'data-console="login"' in console.read().decode()
            )
        assert (tmp_path / "web_secret").stat().st_mode & 0o077 == 0  # the generated secret is private
    finally:
        process.terminate()
        process.wait(30)
