// A token shown once: a Copy button beside it, where the browser can copy (without script the
// field is there to select and copy by hand; the button stays hidden).
"use strict";

document.querySelectorAll("[data-copy]").forEach(function (button) {
  const field = document.getElementById(button.dataset.copy);
  const said = document.querySelector("[data-copied]");
  if (!field) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    const done = function () {
      if (said) said.hidden = false;
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        field.select();
      });
    } else {
      field.select();
      if (document.execCommand && document.execCommand("copy")) done();
    }
  });
});
