// "Hỗ trợ trực tuyến": the queue and the chosen conversation, live over server-sent events.
// Text reaches the page only through textContent. Plain ES2017, no dependencies.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) return;
  var csrf = root.dataset.csrf;
  var me = root.dataset.user;
  var CHANNELS = { rest: "Cổng (widget)", zalo: "Zalo", facebook: "Messenger" };
  var STATES = { waiting: "đang chờ", active: "đang hỗ trợ", closed: "đã kết thúc", missed: "không ai nhận kịp", cancelled: "công dân thôi chờ" };
  var WHO = { "in": "Công dân", out: "Cán bộ", bot: "Trợ lý ảo", user: "Công dân", staff: "Cán bộ" };
  var $ = function (id) { return document.getElementById(id); };
  var current = null; // the conversation shown
  var seen = {}; // message ids shown in the chosen conversation

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function minutes(seconds) {
    var m = Math.floor(seconds / 60);
    return m ? m + " phút" : seconds + " giây";
  }

  function context(item) {
    var parts = [];
    if (item.context && item.context.procedure_code) parts.push("thủ tục " + item.context.procedure_code);
    if (item.context && item.context.dossier_code) parts.push("hồ sơ " + item.context.dossier_code);
    return parts.join(", ");
  }

  function renderQueue(items) {
    var list = $("queue");
    list.textContent = "";
    if (!items.length) list.appendChild(el("li", "Chưa có ai chờ.", "muted"));
    items.forEach(function (item) {
      var li = el("li");
      var button = el("button", "#" + item.id + " · " + (CHANNELS[item.channel] || item.channel), "link");
      button.type = "button";
      button.addEventListener("click", function () { open(item.id); });
      li.appendChild(button);
      var waited = item.status === "waiting" ? "chờ " + minutes(item.waited_seconds) : "do " + item.assigned_to + " hỗ trợ";
      var about = context(item);
      li.appendChild(el("span", " — " + STATES[item.status] + ", " + waited + (about ? ", " + about : "") +
                        ", " + item.messages + " tin nhắn", "muted"));
      if (item.last && item.last.text) li.appendChild(el("p", item.last.text, "last"));
      if (current && current.id === item.id) li.setAttribute("aria-current", "true");
      list.appendChild(li);
      if (current && current.id === item.id && current.status !== item.status) refresh();
    });
    var listed = items.some(function (item) { return current && item.id === current.id; });
    if (current && !listed && (current.status === "waiting" || current.status === "active")) refresh();
  }

  function addLine(list, who, text, id) {
    if (id !== undefined) {
      if (seen[id]) return;
      seen[id] = true;
    }
    var li = el("li", undefined, "line " + who);
    li.appendChild(el("strong", (WHO[who] || who) + ": "));
    li.appendChild(el("span", text));
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }

  function showControls() {
    var mine = current.status === "active" && current.assigned_to === me;
    $("take").hidden = current.status !== "waiting";
    $("close").hidden = !(mine || current.status === "waiting");
    $("composer").hidden = !mine;
    var meta = (CHANNELS[current.channel] || current.channel) + " · " + STATES[current.status];
    if (current.assigned_to) meta += " · cán bộ: " + current.assigned_to;
    var about = context(current);
    if (about) meta += " · " + about + (current.procedure_name ? " (" + current.procedure_name + ")" : "");
    $("chat-meta").textContent = meta;
  }

  function error(message) {
    var node = $("chat-error");
    node.textContent = message || "";
    node.hidden = !message;
  }

  function render(view) {
    current = view;
    seen = {};
    $("chat").hidden = false;
    $("chat-title").textContent = "Cuộc trò chuyện #" + view.id;
    var before = $("before-lines");
    before.textContent = "";
    (view.transcript || []).forEach(function (line) { addLine(before, line.who, line.text); });
    if (view.transcript_error) addLine(before, "bot", view.transcript_error);
    var lines = $("lines");
    lines.textContent = "";
    (view.desk_messages || []).forEach(function (m) { addLine(lines, m.direction, m.text, m.id); });
    showControls();
  }

  function request(method, url, body) {
    var headers = { "X-CSRF-Token": csrf };
    if (body) headers["Content-Type"] = "application/json";
    return fetch(url, { method: method, headers: headers, credentials: "same-origin",
                        body: body ? JSON.stringify(body) : undefined })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) throw new Error(data.error || "Lỗi " + response.status);
          return data;
        });
      });
  }

  function open(id) {
    error("");
    request("GET", "/admin/api/live/" + id).then(render).catch(function (e) { error(e.message); });
  }

  function refresh() { if (current) open(current.id); }

  $("take").addEventListener("click", function () {
    request("POST", "/admin/api/live/" + current.id + "/take").then(function () {
      refresh();
      $("reply").focus();
    }).catch(function (e) { error(e.message); refresh(); });
  });
  $("close").addEventListener("click", function () {
    request("POST", "/admin/api/live/" + current.id + "/close").then(refresh)
      .catch(function (e) { error(e.message); });
  });
  $("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply").value.trim();
    if (!text) return;
    request("POST", "/admin/api/live/" + current.id + "/send", { text: text }).then(function (m) {
      $("reply").value = "";
      addLine($("lines"), "out", m.text, m.id);
    }).catch(function (e) { error(e.message); });
  });
  $("reply").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });

  var source = new EventSource("/admin/api/live/events");
  source.addEventListener("open", function () {
    $("live-status").textContent = "Anh/Chị đang trực tuyến: công dân xin gặp cán bộ sẽ vào hàng chờ.";
  });
  source.addEventListener("error", function () {
    $("live-status").textContent = "Mất kết nối, đang kết nối lại…";
  });
  source.addEventListener("queue", function (event) { renderQueue(JSON.parse(event.data)); });
  source.addEventListener("message", function (event) {
    var m = JSON.parse(event.data);
    if (current && m.handoff_id === current.id) addLine($("lines"), m.direction, m.text, m.id);
  });
})();
