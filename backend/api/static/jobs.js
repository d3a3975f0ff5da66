// The technician's phone view: each job's moves. The move's code and what it needs come
// from the page (data-move, data-needs); photos are uploaded first, then the move is
// made, so a move that fails leaves the photos attached and the job can be finished later.
"use strict";
(() => {
  async function submit(form) {
    const job = form.closest(".job");
    const number = job.dataset.number;
    const note = form.elements.note ? form.elements.note.value.trim() : "";
    const files = form.elements.photo ? Array.from(form.elements.photo.files) : [];
    if (form.elements.note && !note) {
      aftercare.say(form.dataset.needs === "reason" ? "请填写退回原因" : "请填写完工说明", true);
      return;
    }
    const max = Number(form.dataset.max || 0), maxMb = Number(form.dataset.maxMb || 0);
    if (max && files.length > max) { aftercare.say(`一次最多上传 ${max} 张照片`, true); return; }
    if (maxMb && files.some((f) => f.size > maxMb * 1024 * 1024)) {
      aftercare.say(`每张照片不能超过 ${maxMb} MB`, true);
      return;
    }
    const buttons = job.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    const base = `/api/tickets/${encodeURIComponent(number)}`;
    const done = await aftercare.attempt(async () => {
      if (files.length) {
        const data = new FormData();
        files.forEach((f) => data.append("photo", f, f.name));
        await aftercare.api(`${base}/photos`, {method: "POST", form: data});
        form.elements.photo.value = "";  // attached: a retry of the move sends them not again
      }
      const body = {status: form.dataset.move};
      if (note) body.note = note;
      return aftercare.api(`${base}/status`, {method: "POST", json: body});
    }, "已提交，谢谢");
    if (done) {
      job.dataset.done = "1";
      location.reload();
    } else {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  document.querySelectorAll("form.move").forEach((form) => {
    form.addEventListener("submit", (event) => { event.preventDefault(); submit(form); });
  });
})();
