// Bulk changes: reads a chosen file into the rows form, and keeps a running job's progress bar,
// counts and results up to date without reloading. Without script the page still works: the
// rows can be pasted, and a reload shows the progress.
"use strict";

(function () {
  const form = document.querySelector("[data-file-form]");
  if (form) {
    const picker = form.querySelector("[data-file-picker]");
    const input = picker.querySelector("input[type=file]");
    const rows = form.querySelector("textarea[name=rows]");
    const name = form.querySelector("[data-file-name]");
    picker.hidden = false;
    input.addEventListener("change", function () {
      const file = input.files && input.files[0];
      if (!file) return;
      file.text().then(function (text) {
        rows.value = text;
        name.value = file.name;
      });
    });
  }

  // 升级到 offers the targets of the chosen offer's upgrade paths only.
  const offer = document.querySelector("#offer");
  const target = document.querySelector("#target");
  if (offer && target) {
    const all = Array.prototype.slice.call(target.querySelectorAll("option[data-from]"));
    const narrow = function () {
      all.forEach(function (option) {
        const fits = !offer.value || option.dataset.from.split(" ").indexOf(offer.value) >= 0;
        option.hidden = !fits;
        option.disabled = !fits;
        if (!fits && option.selected) target.value = "";
      });
    };
    offer.addEventListener("change", narrow);
    narrow();
  }

  const card = document.querySelector("[data-progress]");
  if (!card || card.dataset.state !== "running") return;
  const bar = card.querySelector("[data-bar]");
  const label = card.querySelector("[data-state-label]");
  const cancel = card.querySelector("[data-cancel]");
  const results = document.querySelector("[data-results]");
  // Rows are appended only while the page shows the end of the list.
  const appending = !document.querySelector("[data-more]");
  // The cursor: every row up to this line has ended and is shown. Rows after it that ended are
  // sent again until it passes them (a row may end after a higher one), and shown once each, in
  // line order.
  let after = Number(card.dataset.after || 0);
  const shown = new Set();
  results.querySelectorAll("tr[data-line]").forEach(function (tr) {
    shown.add(Number(tr.dataset.line));
  });

  function cell(tr, text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function link(td, href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    td.textContent = "";
    td.appendChild(a);
  }

  function add(row) {
    const tr = document.createElement("tr");
    tr.dataset.line = row.line;
    tr.dataset.result = row.result;
    cell(tr, String(row.line), "num");
    const subscription = cell(tr, "");
    const id = document.createElement("code");
    id.textContent = row.subscription;
    if (row.href) {
      link(subscription, row.href, row.friendly_name);
      const company = document.createElement("span");
      company.className = "muted";
      company.textContent = " " + row.company_name;
      subscription.append(company, document.createElement("br"));
      id.className = "row-id";
    }
    subscription.appendChild(id);
    cell(tr, row.does);
    const result = cell(tr, "");
    const badge = document.createElement("span");
    badge.className = "result result-" + row.state;
    badge.textContent = row.result_label;
    result.appendChild(badge);
    if (row.code) tr.dataset.code = row.code;
    const why = cell(tr, row.message);
    if (row.target_href) link(why, row.target_href, row.target_name);
    // In line order: before the first row shown with a higher line.
    const next = Array.prototype.find.call(results.children, function (other) {
      return Number(other.dataset.line) > row.line;
    });
    results.insertBefore(tr, next || null);
    shown.add(row.line);
  }

  function show(answer) {
    const p = answer.progress;
    bar.max = p.total;
    bar.value = p.total - p.left;
    bar.textContent = answer.percent + "%";
    card.querySelector("[data-count=succeeded]").textContent = p.succeeded;
    card.querySelector("[data-count=refused]").textContent = p.refused + p.cancelled;
    card.querySelector("[data-count=failed]").textContent = p.failed;
    card.querySelector("[data-count=left]").textContent = p.left;
    label.textContent = answer.state_label;
    label.className = "badge badge-job-" + answer.state;
    card.dataset.state = answer.state;
    if (appending) {
      answer.rows.forEach(function (row) {
        if (!shown.has(row.line)) add(row);
      });
    }
    after = Math.max(after, answer.settled);
    if (answer.state !== "running" && cancel) cancel.hidden = true;
  }

  function poll() {
    fetch(card.dataset.progress + "?after=" + after, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (answer) {
        const before = after;
        show(answer);
        // More rows ended than one answer carries: ask again at once.
        const more = after > before && answer.rows.length >= 200;
        const again = answer.state === "running" || more;
        if (again) setTimeout(poll, more ? 0 : 1000);
      })
      .catch(function () {
        setTimeout(poll, 3000);
      });
  }
  setTimeout(poll, 500);
})();
