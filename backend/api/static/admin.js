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
})();
