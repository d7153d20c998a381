// The Charges page while its totals are worked out: it asks for itself again every few seconds
// and, once the totals are ready, shows them in place (without script the page reloads itself).
"use strict";

(function () {
  const section = document.getElementById("invoice");
  if (!section || !section.querySelector("[data-stale]")) return;
  let tries = 0;
  const poll = function () {
    tries += 1;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.text();
      })
      .then(function (html) {
        const page = new DOMParser().parseFromString(html, "text/html");
        const fresh = page.getElementById("invoice");
        if (fresh && !fresh.querySelector("[data-stale]")) {
          section.replaceWith(document.adoptNode(fresh));
        } else if (tries < 60) {
          window.setTimeout(poll, 3000);
        }
      })
      .catch(function () {
        if (tries < 60) window.setTimeout(poll, 5000);
      });
  };
  window.setTimeout(poll, 2000);
})();
