// The pipeline board: drag a card to another column, or pick a stage in the card's menu.
// Either way the move is posted to board-move; the answer replaces the card and, out of band,
// the two column headers. On a refusal the card goes back where it was and a toast says why.
(function () {
  "use strict";

  function csrfToken() {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  }

  // The server says what happened in the toast of its HX-Trigger header.
  function serverMessage(response, otherwise) {
    try {
      return JSON.parse(response.headers.get("HX-Trigger")).toast.message;
    } catch (error) {
      return otherwise;
    }
  }

  // Ask why the deal was lost in the deal page's own Lost dialog (the list of reasons comes
  // with it); resolves to {reason, detail}, or null on cancel. The move itself stays the board's.
  async function askLostReason(card) {
    const modal = document.getElementById("modal");
    const body = document.getElementById("modal-body");
    let response;
    try {
      response = await fetch("/opportunities/" + card.dataset.id + "/lose/", {
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      });
    } catch (error) {
      return null;
    }
    if (!response.ok) return null;
    body.innerHTML = await response.text();
    const form = body.querySelector("form");
    let answer = null;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      answer = {
        reason: form.elements.lost_reason.value,
        detail: form.elements.lost_reason_detail.value.trim(),
      };
      modal.close();
    });
    modal.showModal();
    return new Promise(function (resolve) {
      modal.addEventListener("close", function () { resolve(answer); }, { once: true });
    });
  }

  // `card` already sits in `list`, the target column; `undo` puts it back. A move made with
  // the keyboard gives the focus back to the new card's stage menu.
  async function move(card, list, undo, keyboard) {
    let lost = { reason: "", detail: "" };
    if (list.closest(".column").hasAttribute("data-lost")) {
      lost = await askLostReason(card);
      if (lost === null) { undo(); return; }
    }
    const form = card.querySelector("form.move");
    const data = new FormData(form);
    data.set("stage_id", list.dataset.stage);
    data.set("lost_reason", lost.reason);
    data.set("lost_reason_detail", lost.detail);
    function refuse(message) {
      card.removeAttribute("aria-busy");
      undo();
      window.salestrackToast(message, "error");
    }
    card.setAttribute("aria-busy", "true");
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
        credentials: "same-origin",
      });
    } catch (error) {
      refuse("Network error: the deal was not moved.");
      return;
    }
    if (response.status === 404) {
      refuse("This deal is gone or no longer yours to see.");
      return;
    }
    if (!response.ok) {
      refuse(serverMessage(response, "The deal was not moved (error " + response.status + ")."));
      return;
    }
    const id = card.id;
    // eventInfo is what htmx's own swaps pass to htmx:afterSwap listeners.
    const eventInfo = { elt: list, target: list };
    htmx.swap(card, await response.text(), { swapStyle: "outerHTML" }, { eventInfo: eventInfo });
    window.salestrackToast(serverMessage(response, "Deal moved."), "success");
    if (keyboard) document.querySelector("#" + id + " summary").focus();
  }

  function dropped(event) {
    if (event.from === event.to) return;
    const card = event.item;
    move(card, event.to, function () {
      event.from.insertBefore(card, event.from.children[event.oldIndex] || null);
    }, false);
  }

  // The card's stage menu (kept for keyboards and for pages without JavaScript).
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches(".board form.move")) return;
    const card = form.closest(".deal");
    const list = document.querySelector('.cards[data-stage="' + form.elements.stage_id.value + '"]');
    if (!list) return;  // not on this board: let the form post the ordinary way
    event.preventDefault();
    if (list.contains(card)) return;
    const from = card.parentNode;
    const next = card.nextElementSibling;
    list.prepend(card);
    move(card, list, function () { from.insertBefore(card, next); }, true);
  });

  htmx.onLoad(function (root) {
    // A card dragged into a column may come again with that column's "Show more": keep one.
    if (root.matches && root.matches(".deal") && document.querySelectorAll("#" + root.id).length > 1) {
      root.remove();
      return;
    }
    root.querySelectorAll(".board .cards").forEach(function (list) {
      Sortable.create(list, {
        group: "board",
        sort: false,
        draggable: ".deal",
        filter: "select, button, input",
        preventOnFilter: false,
        animation: 150,
        onEnd: dropped,
      });
    });
  });
})();
