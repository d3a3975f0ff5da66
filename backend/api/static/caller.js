// The screen pop's form: files the call's ticket through POST /api/calls (the same use
// case as the telephony system's POST /hotline/calls, idempotent by the call id).
"use strict";
(() => {
  const form = document.getElementById("call-form");
  if (!form) return;  // no caller number yet: only the search box
  const filed = document.getElementById("filed");
  const serial = document.getElementById("serial");
  const address = document.getElementById("address");
  const kind = document.getElementById("kind");

  serial.addEventListener("change", () => {
    const chosen = serial.selectedOptions[0];
    if (chosen && chosen.dataset.address) address.value = chosen.dataset.address;
  });

  function optionText(select, value) {
    const option = [...select.options].find((o) => o.value === value);
    return option ? option.textContent : value;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {caller: form.dataset.caller};
    for (const [name, value] of new FormData(form).entries()) {
      if (typeof value === "string" && value.trim()) body[name] = value.trim();
    }
    const button = document.getElementById("file");
    button.disabled = true;
    const result = await aftercare.attempt(() => aftercare.api("/api/calls", {method: "POST", json: body}));
    button.disabled = false;
    if (!result) return;
    filed.hidden = false;
    filed.dataset.number = result.number;
    filed.textContent = result.duplicate
      ? `本次通话此前已登记为工单 ${result.number}（${optionText(kind, result.kind)}），没有重复登记。`
      : `已为本次来电登记${optionText(kind, result.kind)}工单 ${result.number}，请告知客户工单号。`;
    aftercare.say(result.duplicate ? "该通话已登记过" : "工单已登记");
  });
})();
