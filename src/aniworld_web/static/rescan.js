// The library page's Rescan button: it queues a rescan of every library folder (POST
// /api/library/rescan; asked again while one is queued or running, the server answers that one)
// and shows the rescan's progress and result from its job_update events (live.js), as the Tasks
// page shows jobs. The page names the rescan queued or running when it was rendered, if any.
import { api } from "./api.js";

let button = null;
let status = null;     // #rescan-status
let jobId = null;      // the rescan shown
let found = "";        // its last progress message: what it found (a completed job has none)
let asking = null;     // events that came while a rescan was being asked for
const FINAL = new Set(["completed", "failed", "cancelled"]);

export function setUpRescan() {
  button = document.getElementById("rescan");
  status = document.getElementById("rescan-status");
  if (!button || !status) return;
  if (status.dataset.jobId) jobId = Number(status.dataset.jobId);
  button.addEventListener("click", rescan);
}

async function rescan() {
  button.disabled = true;
  asking = [];
  try {
    const job = await api("POST", "/api/library/rescan");
    if (job.id !== jobId) {
      found = "";
      delete status.dataset.state;
    }
    jobId = job.id;
    status.dataset.jobId = String(job.id);
    show(job);
    // It may have run (even ended) before the answer came: its events are newer.
    for (const event of asking) if (event.job_id === jobId) show(event);
  } catch (failure) {
    status.dataset.state = "refused";
    status.textContent = failure.message;
  } finally {
    asking = null;
    button.disabled = false;
  }
}

// A job_update event (live.js).
export function showRescanUpdate(event) {
  if (!status) return;
  if (asking) asking.push(event);
  else if (event.job_id === jobId) show(event);
}

// A scan_progress event (live.js): how far the scan of the folder being rescanned is.
export function showScanProgress(event) {
  if (!status || status.dataset.state !== "running" || event.finished) return;
  const folders = `${event.folders_done}/${event.folders_total} series folders`;
  status.textContent = `Rescanning: ${found ? `${found} · ` : ""}${folders}`;
}

// The live connection (re)opened: what the rescan did meanwhile is read.
export async function rescanConnected() {
  if (!status || jobId === null) return;
  const job = await api("GET", `/api/jobs/${jobId}`).catch(() => null);
  if (job) show(job);
}

// A job, or a job_update event for it (never back from its end to before it: an answer read
// before the last event may come after it).
function show(job) {
  if (FINAL.has(status.dataset.state) && !FINAL.has(job.state)) return;
  const message = job.progress?.message ?? "";
  if (job.state === "running" && message) found = message;
  status.dataset.state = job.state;
  status.textContent = {
    pending: job.error ? `Rescan waits to be tried again: ${job.error}` : "Rescan queued.",
    running: `Rescanning${found ? `: ${found}` : "…"}`,
    completed: `Rescan finished${found ? `: ${found}` : "."}`,
    failed: `Rescan failed: ${job.error ?? "see the Tasks page"}`,
    cancelled: "Rescan cancelled.",
  }[job.state] ?? job.state;
}
