// gas.js — the little the portal does in the browser: the upload form
// (size check, progress bar), live job statuses, countdowns.
"use strict";

// Decimal units, as the server shows the caps ("150 KB" is 150,000 bytes).
function fmtBytes(n) {
  if (n >= 1e6) return (n / 1e6).toFixed(1) + " MB";
  if (n >= 1e3) return Math.round(n / 1e3) + " KB";
  return n + " bytes";
}

function setupUpload() {
  const form = document.getElementById("upload");
  if (!form) return;
  const file = document.getElementById("file");
  const submit = document.getElementById("submit");
  const info = document.getElementById("file-info");
  const bar = document.getElementById("progress");
  const errBox = document.getElementById("upload-error");
  const cap = Number(form.dataset.cap);
  const direct = form.dataset.direct === "1"; // straight to the object store (AWS)
  const csrfInput = form.querySelector("input[name=csrf]");
  const csrf = csrfInput ? csrfInput.value : "";

  function showError(msg, upgrade) {
    errBox.textContent = msg;
    if (upgrade) {
      const a = document.createElement("a");
      a.href = "/subscribe";
      a.textContent = " Upgrade to premium.";
      errBox.appendChild(a);
    }
    errBox.hidden = false;
  }

  file.addEventListener("change", () => {
    errBox.hidden = true;
    const f = file.files[0];
    if (!f) { submit.disabled = true; info.textContent = "No file chosen."; return; }
    info.textContent = f.name + " — " + fmtBytes(f.size);
    if (f.size > cap) {
      submit.disabled = true;
      showError(f.name + " is " + fmtBytes(f.size) + ", over your limit of " + fmtBytes(cap) + ".", true);
      return;
    }
    submit.disabled = false;
  });

  // The run options chosen on the page (transcripts, distance).
  function runOptions() {
    return ["transcripts", "distance"].map((id) => [id, document.getElementById(id).value]);
  }
  function optionsQuery() {
    return runOptions().map(([k, v]) => "&" + k + "=" + encodeURIComponent(v)).join("");
  }

  function failed() {
    file.disabled = false; submit.disabled = false; bar.hidden = true;
  }

  // A presigned POST: the signed fields, then the file (S3 ignores fields
  // after it). S3 answers 201 with the object's key in XML; the success
  // page then checks the object and starts the job.
  function uploadDirect(f) {
    const data = new FormData(form); // hidden policy fields in order, the file input last
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false; bar.value = 0;
    submit.disabled = true; file.disabled = true;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      const doc = xhr.responseXML;
      const field = (name) => {
        const el = doc && doc.getElementsByTagName(name)[0];
        return el ? el.textContent : "";
      };
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 100;
        const key = field("Key") || form.dataset.prefix + f.name;
        window.location.assign(form.dataset.success + "&key=" + encodeURIComponent(key) + optionsQuery());
        return;
      }
      failed();
      if (field("Code") === "EntityTooLarge") {
        showError(f.name + " is over your limit of " + fmtBytes(cap) + ".", true);
      } else if (field("Code") === "AccessDenied" && /expired/i.test(field("Message"))) {
        showError("The upload form expired. Reload the page and try again.", false);
      } else {
        showError("The upload was refused (" + xhr.status + (field("Message") ? ": " + field("Message") : "") + ").", false);
      }
    });
    xhr.addEventListener("error", () => {
      failed();
      showError("The upload did not reach the storage service. Check your connection and try again.", false);
    });
    xhr.send(data);
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = file.files[0];
    if (!f || f.size > cap) return;
    if (direct) { uploadDirect(f); return; }
    const data = new FormData();
    data.append("csrf", csrf);
    for (const [name, value] of runOptions()) data.append(name, value); // before the file: the server reads fields first
    data.append("file", f, f.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.responseType = "json";
    bar.hidden = false; bar.value = 0;
    submit.disabled = true; file.disabled = true;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      const body = xhr.response || {};
      if (xhr.status === 201 && body.redirect) { bar.value = 100; window.location.assign(body.redirect); return; }
      failed();
      showError(body.error || ("Upload failed (" + xhr.status + ")."), !!body.upgrade);
    });
    xhr.addEventListener("error", () => {
      failed();
      showError("The upload did not reach the server. Check your connection and try again.", false);
    });
    xhr.send(data);
  });
}

const badgeClass = {
  COMPLETED: "badge ok", AVAILABLE: "badge ok", SUCCEEDED: "badge ok",
  FAILED: "badge bad", RUNNING: "badge run", RESTORING: "badge run", ARCHIVED: "badge cold",
};

function setBadge(el, value) {
  const text = value || "—";
  if (el.textContent === text) return;
  el.textContent = text;
  el.className = badgeClass[value] || "badge";
}

// pollJSON fetches url every 2 s while the page is visible and hands the
// JSON answer to update; a failed request is tried again next tick.
function pollJSON(url, init, update) {
  setInterval(async () => {
    if (document.hidden) return;
    try {
      const resp = await fetch(url, init);
      if (resp.ok) update(await resp.json());
    } catch (e) { /* offline for a moment: try again next tick */ }
  }, 2000);
}

// The job list polls the JSON API and updates status badges in place.
function setupJobList() {
  const table = document.getElementById("jobs");
  if (!table) return;
  pollJSON(table.dataset.live, { headers: { Accept: "application/json" } }, (body) => {
    for (const j of body.jobs) {
      const row = table.querySelector('tr[data-job="' + CSS.escape(j.id) + '"]');
      if (!row) continue;
      setBadge(row.querySelector('[data-field="status"]'), j.status);
      setBadge(row.querySelector('[data-field="result_state"]'), j.result_state);
    }
  });
}

// A job page reloads itself when its status or result state changes.
function setupJobPage() {
  const job = document.getElementById("job");
  if (!job) return;
  pollJSON("/api/v1/jobs/" + encodeURIComponent(job.dataset.job), undefined, (j) => {
    if (j.status !== job.dataset.status || (j.result_state || "") !== job.dataset.state) window.location.reload();
  });
}

function setupCountdowns() {
  const els = document.querySelectorAll("[data-deadline]");
  if (!els.length) return;
  function tick() {
    for (const el of els) {
      const left = Math.round((Date.parse(el.dataset.deadline) - Date.now()) / 1000);
      if (left <= 0) { el.textContent = "a moment"; continue; }
      const h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
      el.textContent = (h ? h + " h " : "") + (h || m ? m + " min " : "") + s + " s";
    }
  }
  tick();
  setInterval(tick, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  setupUpload();
  setupJobList();
  setupJobPage();
  setupCountdowns();
});
