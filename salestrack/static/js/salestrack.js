// Small behaviours every page shares: the "/" shortcut, toasts, the modal dialog, and what
// inline handlers and style attributes would do (the Content-Security-Policy refuses those).
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    const tag = (event.target.tagName || "").toLowerCase();
    const typing = tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable;
    if (event.key === "/" && !typing) {
      const search = document.getElementById("global-search");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    }
  });

  function toast(message, level) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const item = document.createElement("div");
    item.className = "toast " + (level || "success");
    item.setAttribute("role", "status");
    item.textContent = message;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 6000);
  }
  window.salestrackToast = toast;

  // Server-sent toasts: HX-Trigger: {"toast": {"message": "...", "level": "error"}}
  document.body.addEventListener("toast", function (event) {
    toast(event.detail.message, event.detail.level);
  });
  // A "keep" toast (what a bulk action skipped, and why) stays until closed: a list takes
  // longer to read than six seconds.
  document.querySelectorAll("#toasts .toast").forEach(function (item) {
    if (!item.classList.contains("keep")) {
      setTimeout(function () { item.remove(); }, 6000);
      return;
    }
    const close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.setAttribute("aria-label", "Close");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () { item.remove(); });
    item.prepend(close);
  });

  // A partial loaded into #modal-body opens the dialog; "close-modal" closes it.
  const modal = document.getElementById("modal");
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "modal-body" && modal && !modal.open) modal.showModal();
  });
  document.body.addEventListener("close-modal", function () { if (modal && modal.open) modal.close(); });
  document.body.addEventListener("click", function (event) {
    if (event.target.matches("[data-close-modal]")) modal.close();
  });

  // Searching or choosing in the convert dialog's picker chooses the "Another ..." option.
  ["input", "change"].forEach(function (name) {
    document.body.addEventListener(name, function (event) {
      const picker = event.target.closest && event.target.closest(".choice-picker");
      const radio = picker && picker.previousElementSibling.querySelector("input[type=radio]");
      if (radio) radio.checked = true;
    });
  });

  // <form data-confirm="Delete X?">: ask before sending it.
  document.body.addEventListener("submit", function (event) {
    const question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // <form data-reset-on-success>: empty it once its htmx request succeeded (the quick log).
  document.body.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (form.matches && form.matches("form[data-reset-on-success]") && event.detail.xhr.status < 300) {
      form.reset();
    }
  });

  // Set from data attributes, since the Content-Security-Policy refuses style attributes:
  // data-depth indents a row of the team tree.
  htmx.onLoad(function (root) {
    const rows = Array.from(root.querySelectorAll ? root.querySelectorAll("[data-depth]") : []);
    if (root.matches && root.matches("[data-depth]")) rows.push(root);
    rows.forEach(function (cell) { cell.style.setProperty("--depth", cell.dataset.depth); });
  });

  // <a data-back href="/">: back to the previous page, if there is one.
  document.body.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a[data-back]");
    if (link && window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });

  // An htmx error answer without a partial still tells the user what happened.
  document.body.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr.status;
    if (!event.detail.xhr.getResponseHeader("HX-Trigger")) {
      toast(status === 404 ? "Not found." : "Something went wrong (" + status + ").", "error");
    }
  });

  // Rows ticked for a bulk action stay ticked while htmx swaps the list (a filter, a search, a
  // page): a ticked row no longer shown stays in the bulk form as a hidden input, and the bar
  // says how many of those there are. A whole page load (a sort, a view, the bulk action
  // itself) starts with nothing ticked. See docs/web.md, "Phones and long names".
  const ticked = new Set();
  function showTicks() {
    const form = document.getElementById("bulk");
    if (!form) return;
    form.querySelectorAll("input[type=hidden][name=ids]").forEach(function (input) { input.remove(); });
    const shown = new Set();
    form.querySelectorAll("input[type=checkbox][name=ids]").forEach(function (box) {
      box.checked = ticked.has(box.value);
      shown.add(box.value);
    });
    let away = 0;
    ticked.forEach(function (id) {
      if (shown.has(id)) return;
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "ids";
      input.value = id;
      form.appendChild(input);
      away += 1;
    });
    const bar = form.querySelector(".bulk");
    let note = form.querySelector(".bulk .ticked");
    if (!ticked.size) { if (note) note.remove(); return; }
    if (!note && bar) {
      note = document.createElement("span");
      note.className = "ticked";
      note.setAttribute("role", "status");
      note.innerHTML = '<span></span> <button type="button" class="link small" data-untick>Untick all</button>';
      bar.appendChild(note);
    }
    if (note) {
      note.firstChild.textContent = ticked.size + " ticked" + (away ? ", " + away + " of them not shown here" : "") + ".";
    }
  }
  const bulk = document.getElementById("bulk");
  if (bulk) {
    bulk.querySelectorAll("input[type=checkbox][name=ids]:checked").forEach(function (box) { ticked.add(box.value); });
    showTicks();
  }
  document.body.addEventListener("change", function (event) {
    const box = event.target;
    if (!box.matches("#bulk input[type=checkbox][name=ids]")) return;
    if (box.checked) ticked.add(box.value); else ticked.delete(box.value);
    showTicks();
  });
  document.body.addEventListener("click", function (event) {
    if (!event.target.matches("#bulk [data-untick]")) return;
    ticked.clear();
    showTicks();
  });
  document.body.addEventListener("htmx:afterSettle", showTicks);
})();
