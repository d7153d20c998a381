// A form marked data-once is sent once: a second click while the first request is on its way
// (a double click on Confirm) would be a second request whose answer replaces the first's page.
// The server makes one customer or one order either way; but a new customer's first admin's
// password is on the first answer only. Without script the server's one-time key still holds.
"use strict";

document.querySelectorAll("form[data-once]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
  });
});

// Back to a page kept whole by the browser: its form may be sent again (and is then answered
// by the server's one-time key).
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    delete form.dataset.sent;
  });
});
