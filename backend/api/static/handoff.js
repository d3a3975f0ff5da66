// The hand-off inbox: the waiting chats and the open transcript are refreshed from the
// chats API every two seconds (new customer messages and newly waiting chats appear
// without a reload); replying and handing back go through the same API.
"use strict";
(() => {
  const labels = JSON.parse(document.getElementById("handoff-labels").textContent);
  const list = document.getElementById("waiting");
  const count = document.getElementById("waiting-count");
  const none = document.getElementById("no-waiting");
  const pane = document.getElementById("conversation");
  const pick = document.getElementById("pick");
  const title = document.getElementById("chat-title");
  const stateLine = document.getElementById("chat-state");
  const lines = document.getElementById("transcript");
  const form = document.getElementById("reply-form");
  const text = document.getElementById("reply-text");
  const handback = document.getElementById("handback");
  const POLL_MS = 2000;

  let open = null;  // {channel, chat}
  let lastId = 0;

  const chatPath = (c) => `/api/chats/${encodeURIComponent(c.channel)}/${encodeURIComponent(c.chat)}`;
  const channelLabel = (code) => labels.channels[code] || code;

  function waited(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    let minutes = Math.floor(seconds / 60);
    if (minutes < 1) return "不到 1 分钟";
    if (minutes < 60) return `${minutes} 分钟`;
    let hours = Math.floor(minutes / 60); minutes %= 60;
    if (hours < 24) return minutes ? `${hours} 小时 ${minutes} 分钟` : `${hours} 小时`;
    const days = Math.floor(hours / 24); hours %= 24;
    return hours ? `${days} 天 ${hours} 小时` : `${days} 天`;
  }

  function el(tag, cls, content) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function item(c) {
    const li = document.createElement("li");
    const button = el("button", "chat");
    button.type = "button";
    button.dataset.channel = c.channel;
    button.dataset.chat = c.external_id;
    const one = el("span", "line1");
    one.append(el("span", "tag channel", channelLabel(c.channel)), " ",
      el("span", "phone", c.phone || "未识别客户"), " ",
      el("span", "waited", `已等待 ${waited(c.waited_seconds)}`));
    const two = el("span", "line2 muted",
      (c.ticket ? `工单 ${c.ticket} · ` : "") + (c.last_customer_message || "（客户尚未发言）"));
    button.append(one, two);
    li.append(button);
    return li;
  }

  function mark() {
    for (const b of list.querySelectorAll("button.chat")) {
      const on = open && b.dataset.channel === open.channel && b.dataset.chat === open.chat;
      b.classList.toggle("on", Boolean(on));
      b.setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  async function refreshList() {
    const data = await aftercare.api("/api/chats/handoff");
    list.replaceChildren(...data.chats.map(item));
    count.textContent = String(data.chats.length);
    none.hidden = data.chats.length > 0;
    mark();
  }

  function clock(iso) {
    return new Date(iso).toLocaleString("zh-CN", {month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", timeZone: "Asia/Shanghai"});
  }

  async function refreshTranscript() {
    if (!open) return;
    const asked = open;
    const data = await aftercare.api(`${chatPath(asked)}/transcript`);
    if (open !== asked) return;  // another chat was opened meanwhile
    for (const m of data.messages) {
      if (m.id <= lastId) continue;
      lastId = m.id;
      const li = el("li", `line dir-${m.direction} speaker-${m.speaker}`);
      const head = el("span", "who", labels.speakers[m.speaker] || m.speaker);
      head.append(" ", el("time", "muted", clock(m.at)));
      // a tap is stored as the button's payload: staff read what the button said
      li.append(head, el("span", "text", m.button ? `（点选了按钮）${m.button}` : m.text));
      lines.append(li);
      li.scrollIntoView({block: "nearest"});
    }
    const withUs = data.handed_off;
    stateLine.textContent = withUs ? "客户正在等待您的回复。" : "该会话已交还机器人，如需继续请等待客户再次转人工。";
    form.querySelectorAll("textarea, button").forEach((n) => { n.disabled = !withUs; });
  }

  function select(channel, chat) {
    open = {channel, chat};
    lastId = 0;
    lines.replaceChildren();
    title.textContent = `${channelLabel(channel)}会话`;
    pane.hidden = false;
    pick.hidden = true;
    mark();
    aftercare.attempt(refreshTranscript);
    text.focus();
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button.chat");
    if (button) select(button.dataset.channel, button.dataset.chat);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!open || !text.value.trim()) return;
    const said = text.value;
    const done = await aftercare.attempt(
      () => aftercare.api(`${chatPath(open)}/reply`, {method: "POST", json: {text: said}}), "已发送给客户");
    if (done) { text.value = ""; await aftercare.attempt(refreshTranscript); }
  });

  handback.addEventListener("click", async () => {
    if (!open) return;
    const done = await aftercare.attempt(
      () => aftercare.api(`${chatPath(open)}/handback`, {method: "POST"}), "已交还机器人，客户会收到主菜单");
    if (done) { await aftercare.attempt(refreshTranscript); await aftercare.attempt(refreshList); }
  });

  // One poll at a time: the next starts two seconds after the last one finished.
  async function poll() {
    try { await refreshList(); await refreshTranscript(); } catch (error) { /* the next poll retries */ }
    setTimeout(poll, POLL_MS);
  }
  setTimeout(poll, POLL_MS);
})();
