// The admin's pages: the units-sold upload (/console/admin/units) and the staff
// accounts (/console/admin/staff). Every write goes through the JSON API.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);

  // --- units upload ------------------------------------------------------------------
  const unitsForm = $("units-form");
  if (unitsForm) {
    const maxBytes = Number(unitsForm.dataset.maxBytes);
    const show = (id, on) => { $(id).hidden = !on; };
    unitsForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = $("units-file").files[0];
      show("units-result", false); show("units-errors", false);
      if (!file) { aftercare.say("请先选择要导入的 CSV 文件", true); return; }
      if (file.size > maxBytes) { aftercare.say("文件太大，请拆分后分批导入", true); return; }
      const form = new FormData();
      form.append("file", file, file.name);
      $("units-upload").disabled = true; show("units-busy", true);
      try {
        const report = await aftercare.api("/api/units/import", {method: "POST", form});
        $("result-file").textContent = report.file || file.name;
        $("result-rows").textContent = report.rows;
        $("result-created").textContent = report.created;
        $("result-updated").textContent = report.updated;
        $("result-unchanged").textContent = report.unchanged;
        $("result-customers").textContent = report.customers_created;
        show("units-result", true);
        aftercare.say("导入完成");
      } catch (error) {
        const rows = (error.data && error.data.rows) || [];
        if (error.status === 422 || rows.length) {
          $("errors-message").textContent = error.message;
          const body = $("errors-rows");
          body.replaceChildren(...rows.map((row) => {
            const tr = document.createElement("tr");
            tr.className = "bad-row";
            const line = document.createElement("td");
            line.textContent = `第 ${row.line} 行`;
            line.dataset.line = row.line;
            const reason = document.createElement("td");
            reason.textContent = row.reason;
            tr.append(line, reason);
            return tr;
          }));
          show("units-errors", true);
        } else {
          aftercare.say(error.message, true);
        }
      } finally {
        $("units-upload").disabled = false; show("units-busy", false);
      }
    });
  }

  // --- staff accounts ------------------------------------------------------------------
  const staffForm = $("staff-form");
  if (staffForm) {
    const value = (id) => $(id).value.trim();
    const randomPassword = () => {
      const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
      const bytes = crypto.getRandomValues(new Uint8Array(12));
      return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
    };
    $("gen-password").addEventListener("click", () => { $("new-password").value = randomPassword(); });

    staffForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const password = value("new-password");
      const body = {username: value("new-username"), name: value("new-name"), role: $("new-role").value};
      if (value("new-region")) body.region = value("new-region");
      if (password) body.password = password;
      const created = await aftercare.attempt(() => aftercare.api("/api/admin/staff", {method: "POST", json: body}), "账号已保存");
      if (!created) return;
      sessionStorage.setItem("aftercare.newPassword", password ? `${created.username}：${password}` : "");
      location.reload();
    });
    // The initial password is shown once, after the reload that lists the new account.
    const shown = sessionStorage.getItem("aftercare.newPassword");
    if (shown) {
      $("new-password-shown").textContent = shown;
      $("new-password-once").hidden = false;
    }
    sessionStorage.removeItem("aftercare.newPassword");

    $("staff-table").addEventListener("click", async (event) => {
      const button = event.target.closest("button");
      const row = button && button.closest("tr[data-username]");
      if (!row) return;
      const username = row.dataset.username;
      const path = `/api/admin/staff/${encodeURIComponent(username)}`;
      if (button.classList.contains("save")) {
        const body = {username, role: row.querySelector("select.role").value};
        const region = row.querySelector("input.region").value.trim();
        if (region) body.region = region;
        await aftercare.attempt(() => aftercare.api("/api/admin/staff", {method: "POST", json: body}), "已保存");
      } else if (button.classList.contains("disable")) {
        if (!confirm(`确定停用 ${row.querySelector(".name").textContent} 的账号吗？停用后立即不能登录。`)) return;
        const done = await aftercare.attempt(() => aftercare.api(`${path}/disable`, {method: "POST"}), "账号已停用");
        if (done) location.reload();
      } else if (button.classList.contains("enable")) {
        const body = {username, role: row.querySelector("select.role").value, active: true};
        const done = await aftercare.attempt(() => aftercare.api("/api/admin/staff", {method: "POST", json: body}), "账号已重新启用");
        if (done) location.reload();
      } else if (button.classList.contains("link")) {
        const link = await aftercare.attempt(() => aftercare.api(`${path}/telegram-link`, {method: "POST"}), "绑定链接已生成");
        if (!link) return;
        $("link-who").textContent = row.querySelector(".name").textContent;
        $("link-url").textContent = link.url;
        $("link-url").href = link.url;
        $("link-once").hidden = false;
      }
    });
  }
})();
