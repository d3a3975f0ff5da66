// The misunderstood-message inbox: one click gives a message its intent through the API
// (POST /api/nlu/inbox/{id}/label); the message is then marked, without a reload, and the
// group's count of waiting messages goes down. Intent codes and their labels come from
// the page (data-intent, the buttons' and options' text), never from this script.
"use strict";
(() => {
  const total = document.getElementById("waiting-total");

  function countDown(el) {
    if (!el) return;
    el.textContent = String(Math.max(0, Number(el.textContent) - 1));
  }

  async function give(item, intent, label) {
    const id = item.dataset.id;
    const done = await aftercare.attempt(
      () => aftercare.api(`/api/nlu/inbox/${encodeURIComponent(id)}/label`, {method: "POST", json: {intent}}),
      `已标注为“${label}”`,
    );
    if (!done) return;
    const wasOpen = !item.classList.contains("labelled");
    item.classList.add("labelled");
    item.dataset.label = done.label;
    let mark = item.querySelector(".done");
    if (!mark) {
      mark = document.createElement("p");
      mark.className = "done";
      item.querySelector(".actions").before(mark);
    }
    mark.textContent = "已标注为：";
    const strong = document.createElement("strong");
    strong.textContent = label;
    mark.append(strong);
    if (!wasOpen || !total) return;  // the labelled list: a relabel changes no count
    item.querySelectorAll(".actions button, .actions select").forEach((el) => { el.disabled = true; });
    const group = item.closest(".intent-group");
    countDown(group.querySelector(".tag.waiting .n"));
    countDown(total);
    if (!group.querySelector("li.item:not(.labelled)")) group.querySelector(".group-done").hidden = false;
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    const item = button?.closest("li.item");
    if (!item || button.disabled) return;
    if (button.classList.contains("one-click")) {
      give(item, button.dataset.intent, button.dataset.label);
    } else if (button.classList.contains("label-other")) {
      const select = item.querySelector("select.other");
      if (!select.value) { aftercare.say("请先选择一个意图", true); select.focus(); return; }
      give(item, select.value, select.selectedOptions[0].textContent);
    }
  });
})();
