// The dispatcher's desk: live SLA countdowns on the queue and the ticket page, and the
// ticket page's forms, which write through the JSON API (the server decides; the page
// offers only what the server rendered for this role).
"use strict";
(() => {
  // --- countdowns: the server rendered each running clock's due and warning instants.
  function remainingText(ms) {
    const overdue = ms < 0;
    const minutes = Math.floor(Math.abs(ms) / 60000);
    const days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    const parts = [];
    if (days) parts.push(`${days} 天`);
    if (hours || days) parts.push(`${hours} 小时`);
    if (!days) parts.push(`${minutes % 60} 分`);
    return (overdue ? "已超时 " : "剩余 ") + parts.join(" ");
  }
  const clocks = Array.from(document.querySelectorAll("[data-due]"));
  // The server's "now" against the browser's: the countdown follows the server's clock.
  const serverNow = Date.parse(document.getElementById("desk-data")?.dataset.now || "") || Date.now();
  const skew = serverNow - Date.now();
  function tick() {
    const now = Date.now() + skew;
    for (const el of clocks) {
      const due = Date.parse(el.dataset.due), warn = Date.parse(el.dataset.warn);
      const out = el.querySelector(".remaining");
      if (out) out.textContent = remainingText(due - now);
      el.classList.toggle("counting-warn", now >= warn && now <= due);
      el.classList.toggle("counting-breach", now > due);
    }
    for (const row of document.querySelectorAll("tr.ticket")) {
      const running = Array.from(row.querySelectorAll("[data-due]"));
      if (!running.length) continue;
      const has = (a, b) => running.some((c) => c.classList.contains(a) || c.classList.contains(b));
      const breached = has("counting-breach", "state-breached");
      row.classList.toggle("sla-breach", breached);
      row.classList.toggle("sla-warn", !breached && has("counting-warn", "state-warning"));
    }
  }
  if (clocks.length) setInterval(tick, 30000);

  // --- the ticket page's forms: each names its API path; fields become the JSON body.
  function body(form, submitter) {
    const data = {};
    for (const [name, value] of new FormData(form).entries()) {
      const text = String(value).trim();
      if (text === "") continue;
      data[name] = name === "technician_id" ? Number(text) : text;
    }
    if (submitter && submitter.name) data[submitter.name] = submitter.value;
    return data;
  }
  for (const form of document.querySelectorAll("form[data-path]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submitter = event.submitter;
      const json = body(form, submitter);
      if (form.id === "assign-form" && !json.technician_id) { aftercare.say("请先选择一位师傅", true); return; }
      const done = (submitter && submitter.dataset.done) || form.dataset.done || "已保存";
      for (const b of form.querySelectorAll("button")) b.disabled = true;
      const result = await aftercare.attempt(() => aftercare.api(form.dataset.path, {method: "POST", json}), done);
      if (result !== undefined) { sessionStorage.setItem("desk-said", done); location.reload(); return; }
      for (const b of form.querySelectorAll("button")) b.disabled = false;
    });
  }
  const said = sessionStorage.getItem("desk-said");
  if (said) { sessionStorage.removeItem("desk-said"); aftercare.say(said); }
})();
