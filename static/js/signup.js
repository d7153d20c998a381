// Add customer: whether the domain prefix is free, said beside it as it is typed (a pause of
// 300 ms), in the words of the Check availability button, which does the same without script.
"use strict";

(function () {
  const input = document.getElementById("prefix");
  const status = document.getElementById("prefix-status");
  if (!input || !status) return;
  let timer = null;
  let asked = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    const prefix = input.value.trim();
    asked += 1;
    if (!prefix) {
      status.hidden = true;
      return;
    }
    const mine = asked;
    timer = setTimeout(function () {
      fetch("/customers/new/availability?prefix=" + encodeURIComponent(prefix), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (answer) {
          return answer.ok ? answer.json() : null;
        })
        .then(
          function (answer) {
            // Only the answer for what the field holds now.
            if (!answer || mine !== asked) return;
            status.textContent = answer.words;
            status.className = answer.code === "domain_free" ? "field-ok" : "field-error";
            status.dataset.code = answer.code;
            status.hidden = false;
          },
          function () {},
        );
    }, 300);
  });
})();
