/* Xiaoer chat widget: one <script src=".../widget.js" data-shop="..."> line opens a chat bubble.
 *
 * Plain JS, no build step, no shadow DOM (other tools find the parts by their data-xiaoer attributes:
 * input, send, bot-message, card[data-sku]). Everything the server sends is rendered with textContent,
 * never as HTML; links and images are used only when they are http(s) URLs. The visitor's signed session
 * token lives in this site's localStorage, so a reload keeps the conversation.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__xiaoerWidget) return;
  window.__xiaoerWidget = true;

  var server = new URL(script.src, window.location.href);
  var origin = server.origin;
  var shop = script.getAttribute("data-shop") || "";
  var browserLang = (script.getAttribute("data-lang") || (navigator.languages && navigator.languages[0]) || navigator.language || "zh").toLowerCase();
  var lang = browserLang.indexOf("en") === 0 ? "en" : "zh";
  var storeKey = "xiaoer-session:" + origin;
  var FALLBACK = {
    zh: { title: "店小二 · 在线客服", open: "打开在线客服", close: "关闭", placeholder: "输入您的问题",
          send: "发送", human: "转人工", greeting: "您好！", offline: "连接已断开，正在重新连接……",
          typing: "正在输入……", agent: "人工客服" },
    en: { title: "Xiaoer · Shop assistant", open: "Open the chat", close: "Close", placeholder: "Ask a question",
          send: "Send", human: "Talk to a person", greeting: "Hi!", offline: "Connection lost, reconnecting…",
          typing: "Typing…", agent: "Agent" }
  };
  var ui = FALLBACK[lang];
  var maxChars = 2000;
  var socket = null;
  var opened = false;
  var retry = 0;
  var seen = {};
  var outbox = [];

  function el(tag, cls, attrs) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
    return node;
  }
  function text(tag, cls, value, attrs) {
    var node = el(tag, cls, attrs);
    node.textContent = value == null ? "" : String(value);
    return node;
  }
  function httpUrl(value) {
    if (typeof value !== "string") return "";
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : "";
    } catch (e) {
      return "";
    }
  }

  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "xiaoer-bubble-icon");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z");
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  if (!document.querySelector('link[data-xiaoer="style"]')) {
    document.head.appendChild(el("link", "", { rel: "stylesheet", href: origin + "/widget.css", "data-xiaoer": "style" }));
  }

  var root = el("div", "xiaoer-root", { "data-xiaoer": "root", lang: lang });
  var bubble = el("button", "xiaoer-bubble", { type: "button", "data-xiaoer": "bubble", "aria-expanded": "false" });
  bubble.appendChild(chatIcon());
  var panel = el("section", "xiaoer-panel", { "data-xiaoer": "panel", role: "dialog", hidden: "" });
  var header = el("header", "xiaoer-header");
  var titleBox = el("div", "xiaoer-titles");
  var title = text("strong", "xiaoer-title", ui.title);
  var subtitle = text("span", "xiaoer-subtitle", shop);
  titleBox.appendChild(title);
  if (shop) titleBox.appendChild(subtitle);
  var closeButton = text("button", "xiaoer-close", "×", { type: "button", "data-xiaoer": "close" });
  header.appendChild(titleBox);
  header.appendChild(closeButton);
  var log = el("div", "xiaoer-log", { "data-xiaoer": "log", "aria-live": "polite" });
  var status = el("div", "xiaoer-status", { "data-xiaoer": "status", hidden: "" });
  var form = el("form", "xiaoer-form", { "data-xiaoer": "form" });
  var input = el("input", "xiaoer-input", { "data-xiaoer": "input", type: "text", autocomplete: "off", maxlength: String(maxChars) });
  var sendButton = text("button", "xiaoer-send", ui.send, { type: "submit", "data-xiaoer": "send" });
  var humanButton = text("button", "xiaoer-human", ui.human, { type: "button", "data-xiaoer": "human" });
  form.appendChild(input);
  form.appendChild(sendButton);
  var tools = el("div", "xiaoer-tools");
  tools.appendChild(humanButton);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(tools);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(bubble);

  function applyStrings() {
    bubble.setAttribute("aria-label", ui.open);
    bubble.title = ui.open;
    closeButton.setAttribute("aria-label", ui.close);
    title.textContent = ui.title;
    input.placeholder = ui.placeholder;
    input.setAttribute("aria-label", ui.placeholder);
    input.setAttribute("maxlength", String(maxChars));
    sendButton.textContent = ui.send;
    humanButton.textContent = ui.human;
    panel.setAttribute("aria-label", ui.title);
  }
  applyStrings();

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function showStatus(message) {
    status.textContent = message || "";
    if (message) status.removeAttribute("hidden");
    else status.setAttribute("hidden", "");
  }

  function removeTransient() {
    var nodes = log.querySelectorAll('[data-xiaoer="draft"], [data-xiaoer="typing"]');
    for (var i = 0; i < nodes.length; i++) nodes[i].parentNode.removeChild(nodes[i]);
  }

  function renderButtons(list, cls) {
    var row = el("div", cls);
    for (var i = 0; i < (list || []).length; i++) {
      var b = list[i];
      if (!b || typeof b.label !== "string") continue;
      if (b.url) {
        var href = httpUrl(b.url);
        if (!href) continue;
        row.appendChild(text("a", "xiaoer-link", b.label, {
          href: href, target: "_blank", rel: "noopener noreferrer nofollow", "data-xiaoer": "link"
        }));
      } else if (typeof b.data === "string") {
        var button = text("button", "xiaoer-action", b.label, { type: "button", "data-xiaoer": "action" });
        button.addEventListener("click", press.bind(null, b.data));
        row.appendChild(button);
      }
    }
    return row;
  }

  function renderCard(card) {
    var node = el("article", "xiaoer-card", { "data-xiaoer": "card", "data-sku": String(card.sku || "") });
    var image = httpUrl(card.image);
    if (image) {
      var img = el("img", "xiaoer-card-image", { src: image, alt: String(card.title || ""), loading: "lazy", referrerpolicy: "no-referrer" });
      img.addEventListener("error", function () { img.classList.add("xiaoer-broken"); });
      node.appendChild(img);
    }
    var body = el("div", "xiaoer-card-body");
    body.appendChild(text("div", "xiaoer-card-title", card.title, { "data-xiaoer": "card-title" }));
    var facts = el("div", "xiaoer-card-facts");
    if (card.price) facts.appendChild(text("span", "xiaoer-price", card.price, { "data-xiaoer": "price" }));
    if (card.stock) facts.appendChild(text("span", "xiaoer-stock", card.stock, { "data-xiaoer": "stock" }));
    body.appendChild(facts);
    if (card.summary) body.appendChild(text("p", "xiaoer-card-summary", card.summary));
    body.appendChild(renderButtons(card.buttons, "xiaoer-card-buttons"));
    node.appendChild(body);
    return node;
  }

  function renderMessage(frame) {
    if (frame.id != null) {
      if (seen[frame.id]) return;
      seen[frame.id] = true;
    }
    var who = frame.who === "visitor" ? "visitor" : frame.who === "agent" ? "agent" : "bot";
    if (who !== "visitor") removeTransient();
    var wrap = el("div", "xiaoer-msg xiaoer-" + who, {
      "data-xiaoer": who === "visitor" ? "visitor-message" : "bot-message",
      "data-who": who
    });
    if (who === "agent") wrap.appendChild(text("div", "xiaoer-author", ui.agent));
    var shown = who === "visitor" && frame.text === "/human" ? ui.human : frame.text;
    if (shown) wrap.appendChild(text("div", "xiaoer-text", shown, { "data-xiaoer": "text" }));
    if (frame.file) wrap.appendChild(text("div", "xiaoer-file", "📎 " + frame.file));
    if (frame.cards && frame.cards.length) {
      var cards = el("div", "xiaoer-cards");
      for (var i = 0; i < frame.cards.length; i++) cards.appendChild(renderCard(frame.cards[i]));
      wrap.appendChild(cards);
    }
    if (frame.buttons && frame.buttons.length) wrap.appendChild(renderButtons(frame.buttons, "xiaoer-buttons"));
    log.appendChild(wrap);
    scrollDown();
  }

  function renderNote(message, cls) {
    removeTransient();
    log.appendChild(text("div", "xiaoer-note " + (cls || ""), message, { "data-xiaoer": "notice" }));
    scrollDown();
  }

  function showTyping() {
    if (log.querySelector('[data-xiaoer="typing"], [data-xiaoer="draft"]')) return;
    log.appendChild(text("div", "xiaoer-msg xiaoer-bot xiaoer-typing", ui.typing, { "data-xiaoer": "typing" }));
    scrollDown();
  }

  function showDraft(value) {
    var typing = log.querySelector('[data-xiaoer="typing"]');
    if (typing) typing.parentNode.removeChild(typing);
    var draft = log.querySelector('[data-xiaoer="draft"]');
    if (!draft) {
      draft = el("div", "xiaoer-msg xiaoer-bot xiaoer-draft", { "data-xiaoer": "draft" });
      log.appendChild(draft);
    }
    draft.textContent = value;
    scrollDown();
  }

  function greet() {
    if (!log.querySelector('[data-xiaoer="bot-message"], [data-xiaoer="visitor-message"], [data-xiaoer="greeting"]')) {
      log.appendChild(text("div", "xiaoer-msg xiaoer-bot xiaoer-greeting", ui.greeting, { "data-xiaoer": "greeting" }));
    }
  }

  function onFrame(event) {
    var frame;
    try {
      frame = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (!frame || typeof frame.type !== "string") return;
    if (frame.type === "session") {
      try { window.localStorage.setItem(storeKey, frame.session); } catch (e) { /* private mode: session per page */ }
      retry = 0;
      showStatus("");
      for (var i = 0; i < (frame.history || []).length; i++) renderMessage(frame.history[i]);
      greet();
      while (outbox.length) socket.send(outbox.shift());
    } else if (frame.type === "message") {
      renderMessage(frame);
    } else if (frame.type === "typing") {
      showTyping();
    } else if (frame.type === "draft") {
      showDraft(String(frame.text || ""));
    } else if (frame.type === "done") {
      removeTransient();
      // Not admitted (too fast): the words were not stored, so give them back to be sent again.
      if (frame.refused && lastSent && !input.value) input.value = lastSent;
    } else if (frame.type === "notice") {
      renderNote(String(frame.text || ""));
    } else if (frame.type === "error") {
      if (frame.code === "too_long" && lastSent && !input.value) input.value = lastSent;
      renderNote(String(frame.text || ""), "xiaoer-error");
    }
  }

  function connect() {
    if (socket && (socket.readyState === 0 || socket.readyState === 1)) return;
    var scheme = server.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + server.host + "/ws");
    socket.addEventListener("open", function () {
      var token = null;
      try { token = window.localStorage.getItem(storeKey); } catch (e) { token = null; }
      socket.send(JSON.stringify({ type: "hello", session: token || "", lang: lang, shop: shop }));
    });
    socket.addEventListener("message", onFrame);
    socket.addEventListener("close", function () {
      socket = null;
      removeTransient();
      if (!opened) return;
      showStatus(ui.offline);
      retry = Math.min(retry + 1, 6);
      window.setTimeout(connect, 500 * Math.pow(2, retry - 1));
    });
  }

  function transmit(frame) {
    var data = JSON.stringify(frame);
    if (socket && socket.readyState === 1) socket.send(data);
    else {
      outbox.push(data);
      connect();
    }
  }

  var lastSent = "";
  function sendText(value) {
    value = value.trim();
    if (!value) return;
    lastSent = value;
    transmit({ type: "message", text: value });
    showTyping();
  }

  function press(data) {
    lastSent = "";
    transmit({ type: "press", data: data });
    showTyping();
  }

  function open() {
    opened = true;
    panel.removeAttribute("hidden");
    root.classList.add("xiaoer-open");
    bubble.setAttribute("aria-expanded", "true");
    connect();
    input.focus();
    scrollDown();
  }

  function close() {
    opened = false;
    panel.setAttribute("hidden", "");
    root.classList.remove("xiaoer-open");
    bubble.setAttribute("aria-expanded", "false");
    bubble.focus();
  }

  bubble.addEventListener("click", function () { if (opened) close(); else open(); });
  closeButton.addEventListener("click", close);
  humanButton.addEventListener("click", function () { sendText("/human"); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = input.value;
    input.value = "";
    sendText(value);
  });

  fetch(origin + "/widget/config?lang=" + encodeURIComponent(lang), { credentials: "omit" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (config) {
      if (!config) return;
      for (var key in config.strings) if (typeof config.strings[key] === "string") ui[key] = config.strings[key];
      if (config.max_chars) maxChars = config.max_chars;
      applyStrings();
      var greeting = log.querySelector('[data-xiaoer="greeting"]');
      if (greeting) greeting.textContent = ui.greeting;
    })
    .catch(function () { /* the fallback strings stay */ });

  function mount() {
    document.body.appendChild(root);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
