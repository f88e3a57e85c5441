// The series page: refresh, cancel, rescan and remove; the error of a failed load; picking the right
// provider entry after identification failed; and, when a load ends, the seasons and episodes,
// the files not placed and the load history fetched again (the page itself, re-read, so they
// are rendered in one place only).
import { api, showError } from "./api.js";
import { showPoster } from "./posters.js";
import { searcher } from "./search.js";
import { showLocalTimes } from "./times.js";
import { FINAL, showFiles } from "./views.js";
import { setUpEpisodeDownloads } from "./wanted.js";

const FAILED = Symbol("failed");
const REPLACED_ON_FINISH = ["#episodes", "#unplaced", "#history", "#folder-missing", "#files-note",
                            ".series-head h1", ".series-head > .poster"];

export function setUpSeriesPage() {
  const article = document.querySelector("article.series[data-series-id]");
  if (!article) return;
  const path = `/api/series/${encodeURIComponent(article.dataset.seriesId)}`;
  const refresh = document.getElementById("refresh");
  const cancel = document.getElementById("cancel");
  const actionError = document.getElementById("action-error");
  const seriesError = document.getElementById("series-error");
  const identify = document.getElementById("identify");
  const details = document.getElementById("identify-details");
  const identifyStatus = document.getElementById("identify-status");
  let shownStatus = article.dataset.status;

  async function act(button, method, suffix, body) {
    showError(actionError, "");
    button.disabled = true;
    try {
      return await api(method, path + suffix, body);
    } catch (failure) {
      showError(actionError, failure.message);
      button.disabled = false;
      return FAILED;
    }
  }

  refresh.addEventListener("click", () => act(refresh, "POST", "/refresh"));
  const rescan = document.getElementById("rescan");
  const rescanResult = document.getElementById("rescan-result");
  rescan.addEventListener("click", async () => {
    rescanResult.hidden = true;
    const report = await act(rescan, "POST", "/rescan");
    if (report === FAILED) return;
    rescan.disabled = false;
    rescanResult.textContent = rescanSummary(report);
    rescanResult.hidden = false;
    reloadSections();
  });
  setUpEpisodeDownloads(article, actionError);
  // Its files changed on disk (the library is watched, or another page rescanned it).
  article.addEventListener("series-files", () => reloadSections());
  cancel.addEventListener("click", () => act(cancel, "POST", "/cancel"));
  const remove = document.getElementById("remove");
  remove.addEventListener("click", async () => {
    if (!confirm("Remove this series from the library? Files on disk stay.")) return;
    if (await act(remove, "DELETE", "") !== FAILED) location.assign("/");
  });

  const candidates = searcher({
    input: document.getElementById("identify-query"), pickLabel: "Choose",
    list: document.getElementById("identify-results"), status: identifyStatus,
    async onPick(result, button) {
      const chosen = await act(button, "POST", "/identify", { provider: result.ref.provider, id: result.ref.id });
      if (chosen === FAILED) return;
      candidates.clear();
      details.open = false;
      identifyStatus.textContent = `Loading again as ${result.title}.`;
    },
  });
  document.getElementById("identify-form").addEventListener("submit", (event) => {
    event.preventDefault();
    candidates.searchNow();
  });
  details.addEventListener("toggle", () => {
    if (details.open && !identifyStatus.textContent) candidates.searchNow();
  });
  if (details.open) candidates.searchNow();

  article.addEventListener("series-state", ({ detail: state }) => {
    if ("error" in state) {
      seriesError.textContent = state.error ?? "";
      seriesError.hidden = !state.error;
      // The error stands below in full; the status line need not repeat it.
      if (state.status === "failed") article.querySelector(".status").textContent = "Failed";
    }
    if (!state.status) return;
    const final = FINAL.has(state.status);
    refresh.disabled = !final;
    cancel.disabled = final;
    identify.hidden = !final;
    // needs_choice: the load failed waiting for the user to pick the entry (pages.py too).
    if (state.status === "failed" && state.needs_choice) details.open = true;
    if (final && !FINAL.has(shownStatus)) reloadSections();
    shownStatus = state.status;
  });

  async function reloadSections() {
    const response = await fetch(location.pathname, { headers: { Accept: "text/html" }, credentials: "same-origin" }).catch(() => null);
    if (!response?.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const selector of REPLACED_ON_FINISH) {
      const now = document.querySelector(selector);
      const then = fresh.querySelector(selector);
      if (!now || !then) continue;
      const section = document.adoptNode(then);
      now.replaceWith(section);
      showLocalTimes(section);
      if (section.matches(".poster[data-src]")) showPoster(section, true);
      if (section.matches("#files-note")) showFiles(article, section.dataset.files);
    }
  }
}

// What a rescan of the series' folder found, in a sentence.
function rescanSummary(report) {
  const [paused] = report.roots_unavailable;
  if (paused) return paused.message;
  if (report.series_without_folder.length) {
    return "Its folder is gone: the series is marked “folder missing” until it is back.";
  }
  const read = report.files_found === 1 ? "1 video file" : `${report.files_found} video files`;
  const changes = [report.files_added && `${report.files_added} added`,
                   report.files_removed && `${report.files_removed} removed`].filter(Boolean);
  return `Rescanned: ${read} read, ${changes.length ? changes.join(", ") : "nothing changed"}.`;
}
