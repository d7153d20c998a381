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

  const card = document.querySelector("[data-progress]");
  if (!card || card.dataset.state !== "running") return;
  const bar = card.querySelector("[data-bar]");
  const label = card.querySelector("[data-state-label]");
  const cancel = card.querySelector("[data-cancel]");
  const results = document.querySelector("[data-results]");
  // Rows are appended only while the page shows the end of the list.
  const appending = !document.querySelector("[data-more]");
  let after = Number(card.dataset.after || 0);
  results.querySelectorAll("tr[data-line]").forEach(function (tr) {
    after = Math.max(after, Number(tr.dataset.line));
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
    const why = cell(tr, (row.code ? row.code + " " : "") + row.message);
    if (row.target_href) link(why, row.target_href, row.target);
    results.appendChild(tr);
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
        if (row.line > after) {
          add(row);
          after = row.line;
        }
      });
    }
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
        show(answer);
        // More rows ended than one answer carries: ask again at once.
        const again = answer.state === "running" || answer.rows.length === 100;
        if (again) setTimeout(poll, answer.rows.length === 100 ? 0 : 1000);
      })
      .catch(function () {
        setTimeout(poll, 3000);
      });
  }
  setTimeout(poll, 500);
})();
