"""The widget in a real browser (Debian's headless Chromium via Selenium), against the real app.

One server per module (in-process uvicorn, real wiring, scripted LLM on loopback) and one browser per
visitor. Everything is found by the fixed `data-xiaoer` attributes other tools rely on. Screenshots are
written to the screenshot folder (see tests/support/browser.py) to be looked at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import chrome, require_chromium, screenshot_dir, submit, text_of, wait_for
from tests.support.openai_server import OpenAIServer
from tests.support.web_server import HOSTILE_SKU, HOSTILE_TITLE, WebServer, add_account
from tests.test_core_llm import grounded

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Records every draft the widget shows (however briefly) without timing: a MutationObserver.
WATCH_DRAFTS = """
window.__drafts = [];
new MutationObserver(function (records) {
  records.forEach(function (r) {
    var node = r.target.nodeType === 1 ? r.target : r.target.parentNode;
    var draft = node && node.closest ? node.closest('[data-xiaoer="draft"]') : null;
    r.addedNodes.forEach(function (n) {
      if (n.nodeType === 1 && n.matches('[data-xiaoer="draft"]')) draft = n;
    });
    if (draft && draft.textContent) window.__drafts.push(draft.textContent);
  });
}).observe(document.body, {childList: true, subtree: true, characterData: true});
"""


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    require_chromium()
    with (
        OpenAIServer(responder=grounded) as llm,
        WebServer(
            tmp_path_factory.mktemp("web"), llm_base_url=llm.base_url, XIAOER_RATE_LIMIT_MESSAGES="100"
        ) as server,
    ):
        llm.stream_pace_s = 0.4  # a slow model: drafts are only shown for replies that take over a second
        yield server


@pytest.fixture(scope="module")
def visitor(web: WebServer) -> Iterator[Any]:
    driver = chrome("zh-CN")
    yield driver
    driver.quit()


def css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def open_widget(driver: Any, url: str) -> None:
    driver.get(url + "/")
    bubble = wait_for(driver, lambda d: (css(d, '[data-xiaoer="bubble"]') or [None])[0], what="bubble")
    bubble.click()
    wait_for(
        driver, lambda d: css(d, '[data-xiaoer="greeting"], [data-xiaoer="bot-message"]'), what="session"
    )


def bot_messages(driver: Any) -> list[Any]:
    return css(driver, '[data-xiaoer="bot-message"]')


def ask(driver: Any, text: str) -> Any:
    """Type and send; returns the first new bot message."""
    before = len(bot_messages(driver))
    box = css(driver, '[data-xiaoer="input"]')[0]
    box.send_keys(text)
    css(driver, '[data-xiaoer="send"]')[0].click()
    return wait_for(driver, lambda d: bot_messages(d)[before:][:1], what=f"a reply to {text!r}")[0]


def shot(driver: Any, name: str) -> Path:
    path = screenshot_dir() / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def test_visitor_sees_streamed_text_then_cards_and_presses_a_button(web: WebServer, visitor: Any) -> None:
    open_widget(visitor, web.url)
    assert css(visitor, '[data-xiaoer="input"]')[0].get_attribute("placeholder").startswith("请输入")
    visitor.execute_script(WATCH_DRAFTS)
    reply = ask(visitor, "有没有500以内的跑鞋")
    text = reply.find_element("css selector", '[data-xiaoer="text"]').text
    drafts = visitor.execute_script("return window.__drafts")
    assert drafts and all(text.startswith(d) for d in drafts), (drafts, text)  # streamed, then replaced
    cards = reply.find_elements("css selector", '[data-xiaoer="card"]')
    assert cards and all(card.get_attribute("data-sku") for card in cards)
    first = cards[0]
    title = first.find_element("css selector", '[data-xiaoer="card-title"]').text
    assert title in text and "¥" in first.find_element("css selector", '[data-xiaoer="price"]').text
    assert first.find_element("css selector", "img").get_attribute("naturalWidth") != "0"
    shot(visitor, "widget-cards-desktop")

    before = len(bot_messages(visitor))
    first.find_elements("css selector", '[data-xiaoer="action"]')[0].click()  # 详情 (d:<sku>, signed)
    details = wait_for(visitor, lambda d: bot_messages(d)[before:][:1], what="details reply")[0]
    assert title in details.text
    assert not css(visitor, '[data-xiaoer="notice"]')  # the signed button was accepted


def test_hostile_product_title_renders_as_text(web: WebServer, visitor: Any) -> None:
    # a named product's price: the earlier "500以内" budget of this conversation does not hide it (it costs 699)
    reply = ask(visitor, "夜跑反光跑鞋多少钱")
    card = wait_for(
        visitor, lambda d: css(d, f'[data-xiaoer="card"][data-sku="{HOSTILE_SKU}"]'), what="card"
    )[0]
    assert card.find_element("css selector", '[data-xiaoer="card-title"]').text == HOSTILE_TITLE
    assert not css(visitor, '[data-xiaoer="log"] b, [data-xiaoer="log"] script')
    assert not card.find_elements("css selector", '[data-xiaoer="link"]')  # javascript: link dropped
    assert reply.is_displayed()
    image = card.find_element("css selector", "img")  # its image link is dead: no hole is left for it
    wait_for(visitor, lambda d: "xiaoer-broken" in (image.get_attribute("class") or ""), what="broken")
    body = card.find_element("css selector", ".xiaoer-card-body")
    assert not image.is_displayed() and body.rect["x"] - card.rect["x"] <= 10  # border + padding only
    shot(visitor, "widget-hostile-title")


def test_reload_keeps_the_conversation(web: WebServer, visitor: Any) -> None:
    said = [m.text for m in css(visitor, '[data-xiaoer="visitor-message"]')]
    open_widget(visitor, web.url)
    wait_for(visitor, lambda d: len(css(d, '[data-xiaoer="visitor-message"]')) == len(said), what="history")
    assert [m.text for m in css(visitor, '[data-xiaoer="visitor-message"]')] == said


def test_a_second_visitor_sees_only_their_own_conversation(web: WebServer, visitor: Any) -> None:
    other = chrome("en-US")
    try:
        open_widget(other, web.url)
        assert not css(other, '[data-xiaoer="visitor-message"]')
        assert css(other, '[data-xiaoer="greeting"]')[0].text.startswith("Hi")  # English UI from the browser
        reply = ask(other, "Do you have running shoes?")
        assert reply.text
        mine = {m.text for m in css(visitor, '[data-xiaoer="visitor-message"]')}
        assert "Do you have running shoes?" not in mine
        assert [m.text for m in css(other, '[data-xiaoer="visitor-message"]')] == [
            "Do you have running shoes?"
        ]
    finally:
        other.quit()


def test_phone_screen(web: WebServer) -> None:
    phone = chrome("zh-CN", size=(390, 844))
    try:
        phone.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
        )
        open_widget(phone, web.url)
        ask(phone, "有没有降噪耳机")
        wait_for(phone, lambda d: css(d, '[data-xiaoer="card"]'), what="cards")
        panel = css(phone, '[data-xiaoer="panel"]')[0]
        assert panel.size["width"] == 390  # full screen on a phone
        box = css(phone, '[data-xiaoer="input"]')[0]
        assert box.is_displayed() and box.rect["y"] + box.rect["height"] <= 844
        shot(phone, "widget-phone-390x844")
    finally:
        phone.quit()


def console_login(driver: Any, url: str, name: str, password: str) -> None:
    driver.get(url + "/console/login")
    css(driver, '[data-console="name"]')[0].send_keys(name)
    css(driver, '[data-console="password"]')[0].send_keys(password)
    submit(driver, '[data-console="login"]', what="logged in")
    wait_for(driver, lambda d: css(d, '[data-console="who"]'), what="logged in")


def phone_inbox(agent: Any) -> None:
    """An agent on a phone: ids, channels and statuses stay whole words (the table scrolls sideways
    instead of breaking them letter by letter) and the page itself keeps the screen's width."""
    agent.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        wait_for(agent, lambda d: d.execute_script("return innerWidth") == 390, what="phone viewport")
        # Measured in one script: the inbox re-renders its rows every 3 s, so elements found by one call may be
        # gone by the next.
        cells = agent.execute_script(
            "return Array.from(document.querySelectorAll("
            '\'[data-console="handoff"] a, [data-console="handoff"] .status\'))'
            ".map(c => [c.textContent, c.getBoundingClientRect().height,"
            " parseFloat(getComputedStyle(c).lineHeight)]);"
        )
        assert cells, "the inbox shows the request"
        for text, height, line in cells:
            assert height < 1.6 * line, (text, height)  # one line, not one per letter
        assert agent.execute_script("return document.documentElement.scrollWidth") == 390
        shot(agent, "console-inbox-phone")
    finally:
        agent.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def waiting_web_request(driver: Any) -> str | None:
    """The link of a waiting request from the web widget in the console's inbox, read inside one wait: the
    inbox re-renders its rows every 3 s, so a row found in one call can be stale in the next."""
    for row in css(driver, '[data-console="handoff"][data-status="waiting"]'):
        if "web" in row.text:
            return str(row.find_element("css selector", "a").get_attribute("href"))
    return None


def messages_with(driver: Any, words: str) -> list[Any]:
    return [m for m in bot_messages(driver) if words in m.text]


def test_human_handoff_through_the_console(web: WebServer, visitor: Any) -> None:
    """Every step waits for a condition on the page it expects (never a sleep): each console action is a
    form POST that replaces the page, so `submit` waits for the new page before anything is read."""
    add_account(web, "li", "agent", "agent-password-1")
    open_widget(visitor, web.url)
    css(visitor, '[data-xiaoer="human"]')[0].click()  # the widget's "转人工" button sends /human
    told = wait_for(visitor, lambda d: messages_with(d, "转接"), what="handoff")[-1]
    assert "人工" in told.text

    agent = chrome("zh-CN", size=(1280, 900))  # a second browser: the agent's own context
    try:
        console_login(agent, web.url, "li", "agent-password-1")
        request = wait_for(agent, waiting_web_request, what="a waiting web request in the inbox")
        shot(agent, "console-inbox")
        phone_inbox(agent)
        agent.get(request)
        wait_for(agent, lambda d: "🆘" in text_of(d, '[data-console="card"]'), what="request page")
        submit(agent, '[data-console="claim"]')
        wait_for(agent, lambda d: text_of(d, '[data-console="agent"]') == "li", what="claimed by li")
        assert wait_for(visitor, lambda d: messages_with(d, "接入"), what="the visitor told an agent joined")

        visitor_text = "我的订单还没到，可以帮我查一下吗"
        css(visitor, '[data-xiaoer="input"]')[0].send_keys(visitor_text)
        css(visitor, '[data-xiaoer="send"]')[0].click()
        wait_for(
            agent,
            lambda d: visitor_text in text_of(d, '[data-console="transcript"]'),
            what="the customer's words in the console transcript",
        )
        before = len(bot_messages(visitor))
        css(agent, '[data-console="reply-text"]')[0].send_keys("您好，我是客服小李，马上为您查询。")
        submit(agent, '[data-console="reply"]')
        wait_for(agent, lambda d: "Sent" in text_of(d, '[data-console="flash"]'), what="reply sent")
        answer = wait_for(visitor, lambda d: bot_messages(d)[before:][:1], what="agent reply")[0]
        assert answer.get_attribute("data-who") == "agent" and "小李" in answer.text
        assert len(bot_messages(visitor)) == before + 1  # the bot stayed silent while a person held the chat
        shot(agent, "console-handoff")

        submit(agent, '[data-console="close"]')
        wait_for(agent, lambda d: text_of(d, '[data-console="status"]') == "closed", what="closed")
        assert "li" in text_of(agent, '[data-console="flash"]')
        rating = wait_for(visitor, lambda d: messages_with(d, "打个分"), what="rating prompt")[-1]
        stars = rating.find_elements("css selector", '[data-xiaoer="action"]')
        assert len(stars) == 5
        shot(visitor, "widget-rating-prompt")
        before = len(bot_messages(visitor))
        stars[4].click()
        thanks = wait_for(visitor, lambda d: bot_messages(d)[before:][:1], what="thanks")[0]
        assert "5" in thanks.text
    finally:
        agent.quit()
