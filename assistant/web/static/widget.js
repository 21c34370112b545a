/* Trợ lý ảo thủ tục hành chính: a chat widget for the Rasa REST channel, embedded with one tag:
 *
 *   <script src="https://host/static/widget.js" data-endpoint="https://host/api/chat" defer></script>
 *
 * data-endpoint  defaults to the script's origin + "/api/chat", so a page of another origin talks
 *                to the portal it loaded the widget from; the portal must list that page's
 *                origin in PORTAL_ALLOWED_ORIGINS. A Rasa REST webhook URL
 *                (…/webhooks/rest/webhook) works too: same JSON, but Rasa must allow the page's
 *                origin (RASA_CORS_ORIGINS).
 * data-open      "true" opens the panel on a first visit; later the citizen's choice is kept.
 *
 * Safety: message text reaches the page only through textContent. The only markup built from
 * it is line breaks, <ol> for lines starting "1. ", and <a> for https:// URLs matched by a
 * strict regex. Everything lives in a shadow root, so host-page CSS and ours cannot collide.
 * Plain ES2017, no dependencies, no build step.
 */
(() => {
  "use strict";
  if (window.__troLyAoWidget) return;
  window.__troLyAoWidget = true;

  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const base = (script && script.src) || location.href;
  const data = (script && script.dataset) || {};
  const endpoint = data.endpoint || new URL("/api/chat", base).href;
  const MAX_HISTORY = 100;
  const TIMEOUT_MS = 30000;
  const T = {
    title: "Trợ lý ảo thủ tục hành chính",
    launcher: "Hỏi trợ lý ảo",
    close: "Đóng trợ lý ảo",
    reset: "Hội thoại mới",
    log: "Hội thoại với trợ lý ảo",
    label: "Câu hỏi của Anh/Chị",
    placeholder: "Nhập câu hỏi về thủ tục…",
    send: "Gửi",
    typing: "Trợ lý đang trả lời…",
    choices: "Các lựa chọn",
    newTab: " (mở trong thẻ mới)",
    you: "Anh/Chị: ",
    bot: "Trợ lý: ",
    staff: "Cán bộ: ",
    photo: "Gửi ảnh (cho phản ánh)",
    place: "Gửi vị trí của tôi (cho phản ánh)",
    photoSent: "📷 Ảnh đã gửi",
    placeSent: "📍 Vị trí của tôi",
    noPlace: "Không lấy được vị trí. Anh/Chị hãy cho phép trình duyệt dùng vị trí, hoặc nhắn địa chỉ.",
    live: "Anh/Chị đang trò chuyện với cán bộ.",
    welcome:
      "Xin chào Anh/Chị! Tôi có thể giúp tra cứu giấy tờ cần chuẩn bị, lệ phí, thời gian " +
      "giải quyết, nơi nộp hồ sơ của một thủ tục, hoặc tình trạng hồ sơ đã nộp.",
    error:
      "Xin lỗi Anh/Chị, hiện chưa kết nối được với trợ lý. " +
      "Anh/Chị vui lòng kiểm tra kết nối mạng và thử lại.",
  };

  // localStorage may be missing or full (private browsing): then the chat lives in memory only.
  const store = {
    get(name, fallback) {
      try {
        const value = localStorage.getItem("troLyAo." + name);
        return value === null ? fallback : JSON.parse(value);
      } catch (e) {
        return fallback;
      }
    },
    set(name, value) {
      try {
        localStorage.setItem("troLyAo." + name, JSON.stringify(value));
      } catch (e) {
        /* keep going without persistence */
      }
    },
  };

  function newSender() {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function cleanButtons(buttons) {
    if (!Array.isArray(buttons)) return [];
    return buttons
      .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
      .map((b) => ({ title: b.title, payload: b.payload }));
  }

  function loadHistory() {
    const saved = store.get("history", []);
    if (!Array.isArray(saved)) return [];
    return saved
      .filter((m) => m && typeof m.text === "string" && ["user", "bot", "staff"].includes(m.who))
      .map((m) => ({ who: m.who, text: m.text, buttons: cleanButtons(m.buttons),
                     chosen: Number.isInteger(m.chosen) ? m.chosen : undefined }))
      .slice(-MAX_HISTORY);
  }

  let sender = store.get("sender", null);
  if (typeof sender !== "string" || !sender) store.set("sender", (sender = newSender()));
  let history = loadHistory();

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach((key) => {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach((child) => node.appendChild(child));
    return node;
  }

  function chatIcon() {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    const path = document.createElementNS(NS, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2h-9l-5 4v-4H4a2 2 0 0 1-2-2V5" +
                           "a2 2 0 0 1 2-2zm3 6.5v2h2v-2zm4 0v2h2v-2zm4 0v2h2v-2z");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("fill-rule", "evenodd");
    svg.appendChild(path);
    return svg;
  }

  // Host: letters/digits/hyphens in dot-separated labels; then an optional port and a path of
  // URL-safe characters (no quotes, brackets or spaces). Trailing punctuation is sentence text.
  const URL_RE = new RegExp(
    "https://[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+" +
      "(?::\\d{1,5})?(?:[/?#][A-Za-z0-9\\-._~%/?#=&+:@!$,;*]*)?", "g");
  const ITEM_RE = /^(\d{1,3})\.\s+(.*)$/;

  function addText(parent, text) {
    if (text) parent.appendChild(document.createTextNode(text));
  }

  function addInline(parent, text) {
    let last = 0;
    let match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text))) {
      const before = match.index ? text[match.index - 1] : " ";
      if (!/[\s(]/.test(before)) continue; // "javascript:https://…" and the like stay text
      const url = match[0].replace(/[.,;:!?]+$/, "");
      addText(parent, text.slice(last, match.index));
      const link = el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url });
      link.appendChild(el("span", { class: "sr", text: T.newTab }));
      parent.appendChild(link);
      last = match.index + url.length;
    }
    addText(parent, text.slice(last));
  }

  function formatText(text) {
    const fragment = document.createDocumentFragment();
    let list = null;
    text.split(/\r?\n/).forEach((line) => {
      const item = ITEM_RE.exec(line);
      if (item) {
        if (!list) fragment.appendChild((list = el("ol", { start: item[1] })));
        const li = el("li", { value: item[1] });
        addInline(li, item[2]);
        list.appendChild(li);
      } else {
        list = null;
        const p = el("p");
        addInline(p, line);
        fragment.appendChild(p);
      }
    });
    return fragment;
  }

  // ----- the DOM: launcher button + panel, inside a shadow root -----
  const host = document.createElement("tro-ly-ao-widget");
  const shadow = host.attachShadow({ mode: "open" });
  const root = el("div", { class: "root", hidden: "" }); // shown once the CSS has loaded
  const css = el("link", { rel: "stylesheet", href: data.css || new URL("widget.css", base).href });
  css.addEventListener("load", () => root.removeAttribute("hidden"));
  css.addEventListener("error", () => root.removeAttribute("hidden"));

  const launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false",
                                   "aria-controls": "tla-panel" }, [chatIcon()]);
  launcher.appendChild(el("span", { text: T.launcher }));
  const resetButton = el("button", { type: "button", class: "reset", text: T.reset });
  const closeButton = el("button", { type: "button", class: "close", "aria-label": T.close,
                                      title: T.close, text: "×" });
  const log = el("div", { class: "log", role: "log", "aria-live": "polite",
                          "aria-label": T.log, tabindex: "0" });
  const status = el("p", { class: "live", role: "status", hidden: "" });
  const typing = el("div", { class: "typing", role: "status", hidden: "" },
                    [el("span", { class: "dots", "aria-hidden": "true" }), el("span", { text: T.typing })]);
  const input = el("input", { id: "tla-input", type: "text", autocomplete: "off",
                              maxlength: "1000", enterkeyhint: "send", placeholder: T.placeholder });
  // Photos and the location, for a petition (the bot says when it needs them).
  const fileInput = el("input", { type: "file", accept: "image/jpeg,image/png,image/webp",
                                  multiple: "", hidden: "", tabindex: "-1" });
  const photoButton = el("button", { type: "button", class: "tool", "aria-label": T.photo,
                                     title: T.photo, text: "📷" });
  const placeButton = el("button", { type: "button", class: "tool", "aria-label": T.place,
                                     title: T.place, text: "📍" });
  const form = el("form", { class: "composer" }, [
    el("label", { class: "sr", for: "tla-input", text: T.label }),
    input,
    el("button", { type: "submit", class: "send", text: T.send }),
    photoButton, placeButton,
  ]);
  const panel = el("section", { id: "tla-panel", class: "panel", role: "dialog",
                                "aria-modal": "false", "aria-labelledby": "tla-title", hidden: "" }, [
    el("header", {}, [el("h2", { id: "tla-title", text: T.title }), resetButton, closeButton]),
    log, status, typing, form,
  ]);
  root.appendChild(launcher);
  root.appendChild(panel);
  root.appendChild(fileInput); // outside the composer: its only input stays the question
  shadow.appendChild(css);
  shadow.appendChild(root);

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function renderChoices(message) {
    const group = el("div", { class: "choices", role: "group", "aria-label": T.choices });
    message.buttons.forEach((button, index) => {
      const node = el("button", { type: "button", class: "choice", text: button.title });
      if (message.chosen !== undefined) {
        node.disabled = true;
        if (message.chosen === index) node.setAttribute("aria-pressed", "true");
      }
      node.addEventListener("click", () => {
        message.chosen = index;
        node.setAttribute("aria-pressed", "true");
        send(button.payload, button.title);
        input.focus();
      });
      group.appendChild(node);
    });
    return group;
  }

  function renderMessage(message, extraClass) {
    const node = el("div", { class: "msg " + message.who + (extraClass || "") });
    const label = { user: T.you, staff: T.staff }[message.who] || T.bot;
    node.appendChild(el("span", { class: "sr", text: label }));
    if (message.who === "staff") node.appendChild(el("span", { class: "from", text: T.staff }));
    node.appendChild(formatText(message.text));
    if (message.buttons && message.buttons.length) node.appendChild(renderChoices(message));
    log.appendChild(node);
  }

  function renderAll() {
    log.textContent = "";
    renderMessage({ who: "bot", text: T.welcome }, " welcome");
    history.forEach((message) => renderMessage(message));
    scrollDown();
  }

  function push(message) {
    history.push(message);
    const trimmed = history.length > MAX_HISTORY;
    if (trimmed) history = history.slice(-MAX_HISTORY);
    store.set("history", history);
    if (trimmed) renderAll();
    else renderMessage(message);
    scrollDown();
  }

  // A new turn answers every open question: unchosen buttons are disabled for good.
  function closeChoices() {
    history.forEach((message) => {
      if (message.buttons.length && message.chosen === undefined) message.chosen = -1;
    });
    Array.from(log.querySelectorAll(".choice")).forEach((node) => { node.disabled = true; });
  }

  async function exchange(message) {
    typing.hidden = false;
    scrollDown();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: sender, message: message }),
        credentials: "omit", // the chat needs no cookie; the staff session never rides along
        signal: controller.signal,
      });
      const replies = await response.json();
      if (!response.ok || !Array.isArray(replies)) throw new Error("HTTP " + response.status);
      replies.forEach((reply) => {
        const text = reply && typeof reply.text === "string" ? reply.text : "";
        const buttons = cleanButtons(reply && reply.buttons);
        if (text || buttons.length) push({ who: "bot", text: text, buttons: buttons });
        const handoff = reply && reply.custom && reply.custom.handoff;
        if (handoff && handoff.state !== "cancelled") listen();
      });
    } catch (e) {
      renderMessage({ who: "bot", text: T.error }, " error"); // not kept: it is about now
      scrollDown();
    } finally {
      clearTimeout(timer);
      typing.hidden = true;
    }
  }

  let queue = Promise.resolve(); // one turn at a time, so replies keep their order
  function send(message, shown) {
    closeChoices();
    push({ who: "user", text: shown || message, buttons: [] });
    queue = queue.then(() => exchange(message));
  }

  function payload(intent, entities) {
    return "/" + intent + JSON.stringify(entities);
  }

  function notice(text) {
    renderMessage({ who: "bot", text: text }, " error"); // not kept: it is about now
    scrollDown();
  }

  async function uploadPhoto(file) {
    const url = endpoint + "/photo?sender=" + encodeURIComponent(sender);
    const response = await fetch(url, {
      method: "POST", body: file, credentials: "omit",
      headers: { "Content-Type": file.type || "application/octet-stream" },
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok || typeof answer.photo_token !== "string") {
      throw new Error(typeof answer.error === "string" ? answer.error : T.error);
    }
    return answer.photo_token;
  }

  photoButton.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const files = Array.from(fileInput.files || []).slice(0, 3);
    fileInput.value = "";
    files.forEach((file) => {
      queue = queue.then(() => uploadPhoto(file).then(
        (token) => { send(payload("send_photo", { photo_token: token }), T.photoSent); },
        (e) => notice(e.message)));
    });
  });
  placeButton.addEventListener("click", () => {
    if (!navigator.geolocation) return notice(T.noPlace);
    navigator.geolocation.getCurrentPosition(
      (position) => send(payload("send_location", {
        latitude: position.coords.latitude.toFixed(6),
        longitude: position.coords.longitude.toFixed(6),
      }), T.placeSent),
      () => notice(T.noPlace),
      { timeout: 10000, maximumAge: 60000 });
  });

  // ----- a live conversation with staff: their messages arrive on an event stream -----
  const streamUrl = /\/api\/chat$/.test(endpoint) ? endpoint + "/stream" : null;
  let source = null;

  function listen() {
    if (!streamUrl || source) return;
    store.set("live", true);
    const after = store.get("liveSeen", 0);
    source = new EventSource(streamUrl + "?sender=" + encodeURIComponent(sender) +
                             "&after=" + (Number.isInteger(after) ? after : 0));
    status.textContent = T.live;
    status.hidden = false;
    const stop = () => {
      source.close();
      source = null;
      status.hidden = true;
      store.set("live", false);
      store.set("liveSeen", 0);
    };
    source.addEventListener("end", stop);
    source.addEventListener("message", (event) => {
      let m;
      try {
        m = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (!m || !Number.isInteger(m.id) || m.id <= store.get("liveSeen", 0)) return;
      store.set("liveSeen", m.id);
      const who = m.who === "staff" ? "staff" : "bot";
      const text = typeof m.text === "string" ? m.text : "";
      const buttons = cleanButtons(m.buttons);
      if (text || buttons.length) {
        if (buttons.length) closeChoices();
        push({ who: who, text: text, buttons: buttons });
      }
      if (m.end === true) stop();
    });
  }

  function setOpen(open, moveFocus) {
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    store.set("open", open);
    if (open) scrollDown();
    if (moveFocus) (open ? input : launcher).focus();
  }

  launcher.addEventListener("click", () => setOpen(true, true));
  closeButton.addEventListener("click", () => setOpen(false, true));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      setOpen(false, true);
    }
  });
  resetButton.addEventListener("click", () => {
    if (source) {
      source.close();
      source = null;
      status.hidden = true;
    }
    store.set("live", false);
    store.set("liveSeen", 0);
    store.set("sender", (sender = newSender()));
    history = [];
    store.set("history", history);
    renderAll();
    input.focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  function mount() {
    renderAll();
    document.body.appendChild(host);
    setOpen(store.get("open", data.open === "true") === true, false);
    if (store.get("live", false) === true) listen(); // staff still have the conversation
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
