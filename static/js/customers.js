// The customer list: a row opened shows the customer's subscriptions, read from its
// Subscriptions page when first opened (the list itself carries only their number). Without
// script, the open row links to that page.
"use strict";

document.querySelectorAll("details.customer").forEach(function (row) {
  const body = row.querySelector("[data-subscriptions]");
  if (!body) return;
  let loaded = false;
  row.addEventListener("toggle", function () {
    if (!row.open || loaded) return;
    loaded = true;
    body.setAttribute("aria-busy", "true");
    fetch(body.dataset.subscriptions, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.text();
      })
      .then(function (html) {
        const page = new DOMParser().parseFromString(html, "text/html");
        const table = page.querySelector("main .table-wrap, main .empty");
        if (!table) return;
        if (table.classList.contains("empty")) return; // the row already says so
        table.querySelectorAll("table").forEach(function (t) { t.classList.add("compact"); });
        body.insertBefore(document.importNode(table, true), body.firstChild);
      })
      .catch(function () {
        loaded = false; // try again on the next opening; the link stays
      })
      .finally(function () {
        body.removeAttribute("aria-busy");
      });
  });
});
