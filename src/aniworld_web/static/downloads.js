// The Downloads page: active downloads with live progress, speed and ETA, pause / resume /
// cancel, the history with errors, and the files waiting for a manual import.
//
// The server renders the lists (download_pages.py, downloads.html). A download_update event
// (live.js) for a download the page shows updates its row in place and moves it between Active
// and History; one the page does not show yet makes it read the lists again (the page itself,
// so rows are rendered in one place only), as does the live connection (re)opening. An
// imports_changed event reads the manual-import list again.
import { api, showError } from "./api.js";

export const STATE_NAMES = {
  queued: "Queued", downloading: "Downloading", paused: "Paused", importing: "Importing",
  completed: "Completed", failed: "Failed", cancelled: "Cancelled",
};
const FINAL = new Set(["completed", "failed", "cancelled"]);
const ACTIONS = {
  pause: new Set(["queued", "downloading"]),
  resume: new Set(["paused", "failed", "cancelled"]),
  cancel: new Set(["queued", "downloading", "paused"]),
};

let page = null;      // #downloads, when this is the Downloads page
let error = null;
let reading = false;
let readAgain = false;
let missed = [];

export function setUpDownloadsPage() {
  page = document.getElementById("downloads");
  if (!page) return;
  error = document.getElementById("downloads-error");
  page.addEventListener("click", onClick);
  page.addEventListener("submit", onSubmit);
  // A manual-import form someone has begun to fill in is not read again under their hands.
  page.addEventListener("input", (event) => {
    const form = event.target.closest("form.manual-import");
    if (form) form.dataset.touched = "true";
  });
}

// A download_update event (live.js).
export function showDownloadUpdate(event) {
  if (!page) return;
  if (reading) missed.push(event);
  if (!applyUpdate(event)) readLists();
}

// An imports_changed event (live.js).
export function showImportsChanged() {
  if (page) readLists(["pending-list"]);
}

// The live connection (re)opened: whatever happened while it was closed is read.
export function downloadsConnected() {
  if (page) readLists();
}

// "1.4 GB", "830.0 MB", "512 B", as download_pages.size_text writes sizes.
export function sizeText(size) {
  if (size === null || size === undefined) return "";
  let amount = size;
  for (const unit of ["B", "kB", "MB", "GB"]) {
    if (amount < 1000) return unit === "B" ? `${Math.round(amount)} B` : `${amount.toFixed(1)} ${unit}`;
    amount /= 1000;
  }
  return `${amount.toFixed(1)} TB`;
}

// Update the download's row; false when the page does not show it.
function applyUpdate(download) {
  const row = page.querySelector(`tr.download[data-download-id="${download.id}"]`);
  if (!row) return false;
  const state = download.state;
  row.querySelector(".state").textContent = STATE_NAMES[state] ?? state;
  const bar = row.querySelector("progress");
  if (download.bytes_total) {
    bar.max = download.bytes_total;
    bar.value = download.bytes_done;
  } else if (state === "completed") {
    bar.max = 1;
    bar.value = 1;
  } else {
    bar.removeAttribute("value");
  }
  row.querySelector(".bytes").textContent = sizeText(download.bytes_done)
    + (download.bytes_total ? ` of ${sizeText(download.bytes_total)}` : "");
  row.querySelector(".speed").textContent = download.speed ? `${sizeText(download.speed)}/s` : "";
  row.querySelector(".eta").textContent = state === "downloading" && download.eta !== null
    && download.eta !== undefined ? `${Math.round(download.eta)} s` : "";
  row.querySelector(".note").textContent = [download.error, download.note].filter(Boolean).join(" ");
  for (const [action, states] of Object.entries(ACTIONS)) {
    const button = row.querySelector(`[data-action="${action}"]`);
    button.hidden = !states.has(state);
    if (action === "resume") button.textContent = state === "paused" ? "Resume" : "Retry";
  }
  if (row.dataset.state !== state) {
    row.dataset.state = state;
    place(row, FINAL.has(state) ? "history" : "active");
  }
  return true;
}

// Into Active (at the end) or History (on top), unless it is there already.
function place(row, table) {
  const body = page.querySelector(`tbody[data-downloads="${table}"]`);
  if (!body || row.parentElement === body) return;
  if (table === "history") body.prepend(row);
  else body.append(row);
  for (const empty of page.querySelectorAll("#download-lists [data-empty-for]")) {
    const list = page.querySelector(`tbody[data-downloads="${empty.dataset.emptyFor}"]`);
    if (!list) continue;
    const some = Boolean(list.rows.length);
    empty.hidden = some;
    list.closest(".table-wrap").hidden = !some;
  }
}

const SECTIONS = ["active-section", "history-section", "pending-list"];

// Read the lists again (``ids``: those sections only); one reading at a time.
async function readLists(ids = SECTIONS) {
  if (reading) {
    readAgain = true;
    return;
  }
  reading = true;
  missed = [];
  try {
    const response = await fetch(location.pathname, {
      headers: { Accept: "text/html" }, credentials: "same-origin",
    });
    if (response.ok) {
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const id of ids) {
        const now = document.getElementById(id);
        const then = fresh.getElementById(id);
        // A form being filled in is not swept away under the person's hands.
        if (now && then && !now.querySelector('form[data-touched="true"]')) {
          now.replaceWith(document.adoptNode(then));
        }
      }
      for (const event of missed) applyUpdate(event);
    }
  } catch {
    // Offline for a moment: the next connection reads them again.
  }
  reading = false;
  missed = [];
  if (readAgain) {
    readAgain = false;
    readLists();
  }
}

async function onClick(event) {
  const button = event.target.closest("button");
  if (!button) return;
  if (button.id === "imports-scan") {
    await scanImports(button);
    return;
  }
  const row = button.closest("tr.download");
  if (!row || !button.dataset.action) return;
  showError(error, "");
  button.disabled = true;
  try {
    const download = await api(
      "POST", `/api/downloads/${encodeURIComponent(row.dataset.downloadId)}/${button.dataset.action}`);
    applyUpdate(download);
  } catch (failure) {
    showError(error, failure.message);
  } finally {
    button.disabled = false;
  }
}

async function scanImports(button) {
  const status = document.getElementById("imports-status");
  showError(error, "");
  button.disabled = true;
  try {
    const report = await api("POST", "/api/imports/scan");
    status.textContent = `Imported ${report.imported.length}; ${report.pending.length} wait for you.`;
    readLists(["pending-list"]);
  } catch (failure) {
    showError(error, failure.message);
  } finally {
    button.disabled = false;
  }
}

// A manual import: the file is the given episode(s) of the chosen show.
async function onSubmit(event) {
  const form = event.target.closest("form.manual-import");
  if (!form) return;
  event.preventDefault();
  const item = form.closest(".pending-import");
  const problem = form.querySelector(".error");
  const button = form.querySelector("button[type=submit]");
  showError(problem, "");
  button.disabled = true;
  try {
    const imported = await api("POST", "/api/imports", {
      path: item.dataset.path,
      series_id: form.elements.series_id.value,
      season: Number(form.elements.season.value),
      episodes: form.elements.episodes.value.split(/[\s,]+/).filter(Boolean).map(Number),
    });
    document.getElementById("imports-status").textContent =
      `Imported ${item.dataset.path} as ${imported.target}.`;
    item.remove();
    readLists(["pending-list"]);
  } catch (failure) {
    showError(problem, failure.message);
    button.disabled = false;
  }
}
