// Live updates: the WebSocket, falling back to server-sent events. Every message is one event
// in the core's wire format, e.g.
//   {"type": "series_loading_update", "series_id": "…", "title": "…", "status": "loading_nfo",
//    "progress": {"episodes": true, "nfo": false, "logo": false, "images": false},
//    "message": "Writing NFO...", "error": null, "timestamp": "…"}
// and, for background jobs (the Tasks page shows them),
//   {"type": "job_update", "job_id": 12, "kind": "library.scan", "key": null, "state": "running",
//    "progress": {"done": 1, "total": 2, "message": "Scanning /srv/anime"}, "error": null,
//    "timestamp": "…"}
import { downloadsConnected, showDownloadUpdate, showImportsChanged } from "./downloads.js";
import { rescanConnected, showRescanUpdate, showScanProgress } from "./rescan.js";
import { liveConnected, showJobUpdate } from "./tasks.js";
import { showWantedDownload } from "./wanted.js";
import {
  FINAL, addCard, refreshCounts, showFilesChanged, showLoaded, showState, viewsOf,
} from "./views.js";

const connection = document.getElementById("connection");
const notice = document.getElementById("notice");

const handlers = {
  series_added(event) {
    addCard(event.series_id, event.title);
    for (const view of viewsOf(event.series_id)) showState(view, { title: event.title, status: event.status });
  },
  series_loading_update(event) {
    addCard(event.series_id, event.title);
    for (const view of viewsOf(event.series_id)) showState(view, event);
    // A load that ended after its episodes step has counts (and maybe a poster) to show.
    if (event.status === "completed" || (FINAL.has(event.status) && event.progress?.episodes)) {
      showLoaded(event.series_id);
    }
  },
  series_removed(event) {
    for (const view of viewsOf(event.series_id)) {
      if (view.classList.contains("card")) view.remove();
      else showState(view, { status: "cancelled", message: "Removed from the library" });
    }
  },
  provider_waiting(event) {
    if (!notice) return;
    notice.textContent = event.seconds > 0
      ? `${event.provider} paused ${Math.round(event.seconds)} s: ${event.reason}`
      : event.reason;
  },
  // Files changed on disk (the library is watched): the series shown read themselves again.
  library_changed(event) {
    for (const id of event.series_ids ?? []) showFilesChanged(id);
  },
  // A library folder is paused (an unmounted disk), back, or cannot be watched.
  library_root(event) {
    if (notice) notice.textContent = event.message;
  },
  loader_idle() {
    if (notice) notice.textContent = "All loads finished";
  },
  job_update(event) {
    showJobUpdate(event);
    showRescanUpdate(event);
  },
  scan_progress(event) {
    showScanProgress(event);
  },
  // A download moved on (bytes, speed, ETA), or was queued, paused or ended.
  download_update(event) {
    showDownloadUpdate(event);
    showWantedDownload(event);
  },
  imports_changed() {
    showImportsChanged();
  },
};

function receive(text) {
  let event;
  try { event = JSON.parse(text); } catch { return; }
  handlers[event.type]?.(event);
  refreshCounts();
}

function setConnection(state, text) {
  if (!connection) return;
  connection.dataset.state = state;
  connection.textContent = text;
}

let retryDelay = 1000;
function retryLater(connect) {
  setConnection("offline", "Reconnecting…");
  setTimeout(connect, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 30000);
}

async function stillLoggedIn() {
  const response = await fetch("/api/auth/status", { credentials: "same-origin" }).catch(() => null);
  if (response?.status === 401) location.assign("/login");
}

function connectSocket() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws`);
  let opened = false;
  socket.addEventListener("open", () => {
    opened = true;
    retryDelay = 1000;
    setConnection("live", "Live (WebSocket)");
    liveConnected();
    rescanConnected();
    downloadsConnected();
  });
  socket.addEventListener("message", (message) => receive(message.data));
  socket.addEventListener("close", () => {
    if (opened) retryLater(connectSocket);
    else connectEvents();  // no WebSocket through here (a proxy, or logged out): try SSE
  });
}

function connectEvents() {
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => {
    retryDelay = 1000;
    setConnection("live", "Live (server-sent events)");
    liveConnected();
    rescanConnected();
    downloadsConnected();
  });
  source.addEventListener("message", (message) => receive(message.data));
  source.addEventListener("error", () => {
    if (source.readyState !== EventSource.CLOSED) {
      setConnection("offline", "Reconnecting…");  // EventSource retries by itself
      return;
    }
    stillLoggedIn();
    retryLater(connectSocket);
  });
}

// ?live=sse starts with server-sent events (to try the fallback on purpose).
export function startLive() {
  if (new URLSearchParams(location.search).get("live") === "sse") connectEvents();
  else connectSocket();
}
