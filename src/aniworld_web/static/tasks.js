// The Tasks page: running jobs with live progress, queued jobs, the latest finished ones, and
// the schedules with "Run now" and Disable / Enable.
//
// The server renders the lists (pages.py, tasks.html). A job_update event (live.js) for a job
// the page shows updates its row in place and moves it to the table of its new state. The lists
// are read again (the page itself, so rows are rendered in one place only) when the live
// connection opens (nothing published before it is missed), when a job the page does not show
// yet appears (a schedule fired, a scan was queued), and after a schedule was run or switched.
// Events that arrive while the lists are being read are applied again to the fresh ones, so
// the page never goes back to a state that has passed.
import { api, showError } from "./api.js";
import { showLocalTimes } from "./times.js";

const STATES = {
  pending: "Queued", running: "Running", completed: "Completed", failed: "Failed",
  cancelled: "Cancelled",
};
const TABLE_OF = {
  pending: "pending", running: "running", completed: "finished", failed: "finished",
  cancelled: "finished",
};

let page = null;      // #tasks, when this is the Tasks page
let error = null;
let reading = false;  // the lists are being read again
let readAgain = false;
let missed = [];      // events that came while they were
let refocus = null;   // the control to focus once they are read (it was disabled meanwhile)

export function setUpTasksPage() {
  page = document.getElementById("tasks");
  if (!page) return;
  error = document.getElementById("tasks-error");
  page.addEventListener("click", onClick);
}

// A job_update event (live.js).
export function showJobUpdate(event) {
  if (!page) return;
  if (reading) missed.push(event);
  if (!applyUpdate(event)) readLists();
}

// The live connection (re)opened: whatever happened while it was closed is read.
export function liveConnected() {
  if (page) readLists();
}

// Update the job's row; false when the page does not show the job.
function applyUpdate(event) {
  const row = rowOf(event.job_id);
  if (!row) return false;
  row.querySelector(".state").textContent = STATES[event.state] ?? event.state;
  showProgress(row, event.progress ?? { done: 0, total: null, message: null });
  row.querySelector(".note").textContent = event.error ?? "";
  if (row.dataset.state !== event.state) {
    row.dataset.state = event.state;
    const when = row.querySelector(".when");
    when.replaceChildren(timeElement(event.timestamp));
    showLocalTimes(when);
    place(row, event.state);
  }
  return true;
}

// The job's row (a second one, should the lists have been read as it moved on, goes).
function rowOf(jobId) {
  const [row, ...extra] = [...page.querySelectorAll("tr.job")]
    .filter((each) => each.dataset.jobId === String(jobId));
  for (const other of extra) other.remove();
  return row;
}

// "3/10 · Scanning /srv/anime", as tasks.html writes it.
function progressText(progress) {
  const count = progress.total === null || progress.total === undefined
    ? "" : `${progress.done}/${progress.total}`;
  return [count, progress.message ?? ""].filter(Boolean).join(" · ");
}

function showProgress(row, progress) {
  const bar = row.querySelector("progress");
  if (progress.total === null || progress.total === undefined) {
    bar.removeAttribute("value");  // indeterminate: how much is left is not known
  } else {
    bar.max = Math.max(progress.total, 1);
    bar.value = progress.done;
  }
  row.querySelector(".progress-text").textContent = progressText(progress);
}

function timeElement(timestamp) {
  const time = document.createElement("time");
  time.setAttribute("datetime", timestamp);
  time.textContent = timestamp.replace(/\.\d+Z$/, "Z"); // to the second, as the server writes it
  return time;
}

// Into the table of its state: running and queued jobs at the end (in the order they began),
// finished ones first (the latest on top, as many as the table shows).
function place(row, state) {
  const body = page.querySelector(`tbody[data-jobs="${TABLE_OF[state]}"]`);
  if (!body) return;
  if (body.dataset.jobs === "finished") {
    body.prepend(row);
    const limit = Number(body.dataset.limit || 0);
    while (limit && body.rows.length > limit) body.rows[body.rows.length - 1].remove();
  } else {
    body.append(row);
  }
  for (const empty of page.querySelectorAll("[data-empty-for]")) {
    const table = page.querySelector(`tbody[data-jobs="${empty.dataset.emptyFor}"]`);
    const some = Boolean(table?.rows.length);
    empty.hidden = some;
    if (table) table.closest(".table-wrap").hidden = !some;
  }
}

// Read the lists again; one reading at a time, and one more if asked meanwhile.
async function readLists() {
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
    const fresh = response.ok
      ? new DOMParser().parseFromString(await response.text(), "text/html")
        .getElementById("task-lists")
      : null;
    if (fresh) replaceLists(fresh);
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

function replaceLists(fresh) {
  const lists = document.getElementById("task-lists");
  const active = document.activeElement;
  const focused = refocus
    ?? (active?.closest?.("#task-lists [data-action]") ? controlPath(active) : null);
  refocus = null;
  const adopted = document.adoptNode(fresh);
  lists.replaceWith(adopted);
  showLocalTimes(adopted);
  // Events read meanwhile may be newer than the lists: apply them again, in order. A job they
  // name that the lists leave out (beyond what the page shows) is not read again for them.
  for (const event of missed) applyUpdate(event);
  if (focused) document.querySelector(focused)?.focus();
}

// A selector for the same control in the lists read again (focus goes back to it).
function controlPath(control) {
  const row = control.closest("tr");
  const action = `[data-action="${control.dataset.action}"]`;
  if (row?.dataset.jobId) return `tr[data-job-id="${row.dataset.jobId}"] ${action}`;
  if (row?.dataset.schedule) return `tr[data-schedule="${CSS.escape(row.dataset.schedule)}"] ${action}`;
  return null;
}

async function act(button, method, path, body) {
  showError(error, "");
  button.disabled = true;
  try {
    await api(method, path, body);
    return true;
  } catch (failure) {
    showError(error, failure.message);
    return false;
  } finally {
    button.disabled = false;
  }
}

async function onClick(event) {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const row = button.closest("tr");
  const action = button.dataset.action;
  if (row.dataset.jobId) {
    // The job's events move its row: the answer may be older than they are already.
    await act(button, "POST", `/api/jobs/${encodeURIComponent(row.dataset.jobId)}/${action}`);
    return;
  }
  const path = `/api/schedules/${encodeURIComponent(row.dataset.schedule)}`;
  const done = action === "run"
    ? await act(button, "POST", `${path}/run`)
    : await act(button, "PATCH", path, { enabled: row.dataset.enabled !== "true" });
  if (!done) return;
  refocus = controlPath(button);
  readLists();
}
