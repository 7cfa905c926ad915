"""Headless Chromium (Debian's package) driven by Selenium through /usr/bin/chromedriver.

No browser is downloaded: when chromium or its driver is missing, `require_chromium()` skips with the
reason (`make test` installs them as root, see tests/support/install_browser.sh). Only loopback hosts
resolve inside the browser, so a catalog's remote image URLs can never cause traffic off this machine.
Screenshots go to a temporary folder named by `XIAOER_SCREENSHOTS` (default: a fresh tmp dir).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-gpu",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)
T = TypeVar("T")


def require_chromium() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.skip(
            f"browser tests need Debian's chromium and chromium-driver ({', '.join(missing)} missing)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("browser tests need selenium (pip install -e '.[dev]')")


def screenshot_dir() -> Path:
    folder = os.environ.get("XIAOER_SCREENSHOTS")
    path = Path(folder) if folder else Path(tempfile.gettempdir()) / "xiaoer-screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def chrome(lang: str = "zh-CN", size: tuple[int, int] = (1280, 900)) -> Any:
    """A new headless browser; the caller quits it. `lang` sets navigator.language(s)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--lang={lang}")
    options.add_argument(f"--window-size={size[0]},{size[1]}")
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    profile = tempfile.mkdtemp(prefix="xiaoer-chrome-")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    quit_ = driver.quit

    def quit_and_clean() -> None:
        try:
            quit_()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean
    driver.set_page_load_timeout(30)
    return driver


def wait_for(driver: Any, condition: Callable[[Any], T], timeout: float = 20.0, what: str = "") -> T:
    """Poll `condition(driver)` until it is truthy (Selenium's WebDriverWait); fails with `what`.

    An element that goes stale or missing while the condition looks at it (the page navigated or
    re-rendered between two calls, which a loaded machine makes likely) only means "not yet": polling
    goes on until the deadline."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(
        driver,
        timeout,
        poll_frequency=0.05,
        ignored_exceptions=(StaleElementReferenceException, NoSuchElementException),
    ).until(condition, message=what)


def text_of(driver: Any, selector: str) -> str:
    """The text of the first element matching `selector`, "" while there is none (for wait conditions)."""
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return str(found[0].text) if found else ""


def submit(driver: Any, selector: str, what: str = "") -> None:
    """Click the form button `selector` and wait until the page it posts to has replaced this one
    (POST → 303 → GET), so later waits never look at the old page's elements."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By

    old_page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()

    def replaced(_driver: Any) -> bool:
        try:
            old_page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            # Chromedriver answers "unhandled inspector error" when it is asked about a node while the
            # document holding it is being torn down mid-navigation: not yet replaced, ask again.
            if "inspector error" not in str(exc):
                raise
        return False

    wait_for(driver, replaced, what=what or f"the page after {selector}")
    wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete", what="loaded")
