/* Console: keep the inbox and an open request's transcript current (polling JSON; text only, no HTML). */
(function () {
  "use strict";
  function cell(row, value) {
    var td = document.createElement("td");
    td.textContent = value == null ? "" : String(value);
    row.appendChild(td);
    return td;
  }

  function poll(url, every, apply) {
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) apply(data); })
        .catch(function () {})
        .then(function () { window.setTimeout(tick, every); });
    }
    window.setTimeout(tick, every);
  }

  var rows = document.querySelector('[data-console="rows"]');
  if (rows) {
    poll("/console/inbox.json", 3000, function (data) {
      while (rows.firstChild) rows.removeChild(rows.firstChild);
      if (!data.rows.length) {
        var empty = document.createElement("tr");
        empty.className = "empty";
        var td = cell(empty, "没有待处理的请求。No open requests.");
        td.colSpan = 7;
        rows.appendChild(empty);
        return;
      }
      data.rows.forEach(function (r) {
        var tr = document.createElement("tr");
        tr.setAttribute("data-console", "handoff");
        tr.setAttribute("data-id", r.id);
        tr.setAttribute("data-status", r.status);
        var link = document.createElement("a");
        link.href = "/console/handoffs/" + encodeURIComponent(r.id);
        link.textContent = r.short_id;
        cell(tr, "").appendChild(link);
        cell(tr, r.channel);
        cell(tr, r.customer);
        cell(tr, r.reason);
        var status = document.createElement("span");
        status.className = "status status-" + r.status;
        status.textContent = r.status;
        cell(tr, "").appendChild(status);
        cell(tr, r.agent || "—");
        cell(tr, r.waiting_min + " min");
        rows.appendChild(tr);
      });
    });
  }

  var transcript = document.querySelector('[data-console="transcript"]');
  if (transcript) {
    var shown = transcript.children.length;
    var status = document.querySelector('[data-console="status"]');
    var agent = document.querySelector('[data-console="agent"]');
    poll(transcript.getAttribute("data-events"), 2000, function (data) {
      if (status) status.textContent = data.status;
      if (agent) agent.textContent = data.agent || "—";
      for (var i = shown; i < data.entries.length; i++) {
        var e = data.entries[i];
        var li = document.createElement("li");
        li.className = "who-" + e.who;
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = e.at + " · " + e.who + (e.author ? " · " + e.author : "");
        var text = document.createElement("span");
        text.className = "text";
        text.textContent = e.text;
        li.appendChild(meta);
        li.appendChild(text);
        transcript.appendChild(li);
      }
      if (data.entries.length > shown) transcript.scrollTop = transcript.scrollHeight;
      shown = Math.max(shown, data.entries.length);
    });
  }
})();
