// What every console page's script shares: calling the JSON API on the page's session
// (the CSRF token from the page's meta tag on every write), a message line, sign-out.
"use strict";
const aftercare = (() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const toast = document.getElementById("toast");
  let hideTimer = null;

  function say(text, bad = false) {
    if (!toast) return;
    toast.textContent = text;
    toast.classList.toggle("bad", bad);
    toast.hidden = false;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => { toast.hidden = true; }, bad ? 8000 : 4000);
  }

  // The API's JSON error body is {"error": code, "message": text}: staff see the text.
  async function api(path, {method = "GET", json, form} = {}) {
    const headers = {"Accept": "application/json"};
    let body;
    if (method !== "GET") headers["X-CSRF-Token"] = csrf;
    if (json !== undefined) { headers["Content-Type"] = "application/json"; body = JSON.stringify(json); }
    if (form !== undefined) body = form;  // FormData: the browser sets the multipart boundary
    const resp = await fetch(path, {method, headers, body, credentials: "same-origin"});
    if (resp.status === 401) { location.href = "/console/login?next=" + encodeURIComponent(location.pathname + location.search); throw new Error("请重新登录"); }
    const type = resp.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await resp.json() : await resp.text();
    if (!resp.ok) {
      const message = (data && data.message) || `操作失败（${resp.status}）`;
      const error = new Error(message);
      error.status = resp.status; error.data = data;
      throw error;
    }
    return data;
  }

  // Run an action, tell the user how it went; returns its result or undefined on failure.
  async function attempt(action, done) {
    try {
      const result = await action();
      if (done) say(done);
      return result;
    } catch (error) {
      say(error.message, true);
      return undefined;
    }
  }

  document.getElementById("logout")?.addEventListener("click", async () => {
    await attempt(() => api("/console/logout", {method: "POST"}));
    location.href = "/console/login";
  });

  return {api, attempt, say, csrf};
})();
