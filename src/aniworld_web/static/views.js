// What the page shows of a series: library cards and the series page's header.
//
// Elements showing a series carry data-series-id and data-status; inside them .status holds the
// status text and .items li[data-item] one entry per loaded part. After a view changes, it gets
// a "series-state" DOM event whose detail is the state shown (the series page listens for it).
import { api } from "./api.js";
import { posterSource, showPoster } from "./posters.js";

export const FINAL = new Set(["completed", "failed", "cancelled"]);

const grid = document.getElementById("grid");
const counts = document.getElementById("counts");

export function viewsOf(id) {
  return [...document.querySelectorAll("[data-series-id]")].filter((el) => el.dataset.seriesId === id);
}

// A card for a series the page does not show yet; whether one was added.
export function addCard(id, title) {
  const template = document.getElementById("card-template");
  if (!grid || !template || viewsOf(id).length) return false;
  const card = template.content.firstElementChild.cloneNode(true);
  card.dataset.seriesId = id;
  for (const link of card.querySelectorAll("a")) link.href = `/series/${encodeURIComponent(id)}`;
  card.querySelector(".title a").textContent = title;
  const frame = card.querySelector(".poster");
  frame.dataset.initial = title.slice(0, 1);
  frame.dataset.src = posterSource(id);
  showPoster(frame);
  placeCard(card);
  return true;
}

// Cards stand in title order, as the server sorts them (case ignored): a new one goes where it
// belongs, not at the end.
const byTitle = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

function titleOf(card) {
  return card.querySelector(".title a")?.textContent ?? "";
}

function placeCard(card) {
  const title = titleOf(card);
  const next = [...grid.querySelectorAll(".card")].find((other) => other !== card &&
    byTitle.compare(titleOf(other), title) > 0);
  grid.insertBefore(card, next ?? null);
}

// A card just added by this page: scrolled to, highlighted for a moment, and announced.
export function highlightCard(id) {
  const [card] = viewsOf(id).filter((view) => view.classList.contains("card"));
  if (!card) return;
  card.classList.remove("new");
  void card.offsetWidth;  // restart the highlight if it is already running
  card.classList.add("new");
  card.addEventListener("animationend", () => card.classList.remove("new"), { once: true });
  card.scrollIntoView({ block: "nearest" });
  const notice = document.getElementById("notice");
  if (notice) notice.textContent = `Added ${titleOf(card)}`;
}

// Apply an event-shaped state ({title, status, message, progress, error}) to one view.
export function showState(view, state) {
  if (state.title) {
    const link = view.querySelector(".title a");
    if (link && link.textContent !== state.title) {
      link.textContent = state.title;
      if (view.classList.contains("card")) placeCard(view);
    }
  }
  if (state.status) view.dataset.status = state.status;
  const status = view.querySelector(".status");
  if (status && state.message) {
    status.textContent = view.classList.contains("card") ? cardMessage(state) : state.message;
  }
  for (const [item, done] of Object.entries(state.progress ?? {})) {
    const entry = view.querySelector(`.items [data-item="${item}"]`);
    if (!entry) continue;
    entry.dataset.done = String(done);
    showMark(view, entry);
  }
  view.dispatchEvent(new CustomEvent("series-state", { detail: state }));
}

// An item's mark. A view with data-files="no" (the series has no folder and its load makes
// none: no library folder) had nothing written, whatever its NFO, logo and images steps say:
// those show "–", not ✓ (macros.html says the same).
function showMark(view, entry) {
  const done = entry.dataset.done === "true";
  const unwritten = done && entry.dataset.item !== "episodes" && view.dataset.files === "no";
  entry.querySelector(".mark").textContent = unwritten ? "–" : done ? "✓" : "·";
  entry.querySelector(".sr").textContent = unwritten ? " not written: no folder"
    : done ? " loaded" : " not loaded yet";
}

// Whether the series' files are written ("yes": in its folder, "later": in the one its load
// makes, "no": nowhere), and its marks to match.
export function showFiles(view, files) {
  if (!files || view.dataset.files === files) return;
  view.dataset.files = files;
  for (const entry of view.querySelectorAll(".items [data-item]")) showMark(view, entry);
}

// A series as the API returns it (just added). A card that exists already is left alone: the
// live events that made it are newer than this answer.
export function showSeries(series) {
  const added = addCard(series.id, series.title);
  if (added) {
    for (const view of viewsOf(series.id)) showFiles(view, series.files?.written);
    const progress = {
      episodes: series.episodes_loaded, nfo: series.nfo_loaded,
      logo: series.logo_loaded, images: series.images_loaded,
    };
    for (const view of viewsOf(series.id)) {
      showState(view, {
        title: series.title, status: series.loading_status, message: series.message,
        progress, error: series.loading_error,
      });
    }
  }
  highlightCard(series.id);
  refreshCounts();
}

// What a card says: the load's status, except that a failure says what to do on the page (the
// error itself, worded for every frontend, stands on the series page). macros.html says the same.
export function cardMessage(state) {
  if (state.status !== "failed") return state.message;
  return state.needs_choice ? "Open it and pick the right series" : "Failed: open it to see why";
}

export function refreshCounts() {
  const empty = document.getElementById("empty");
  if (!grid || !counts) return;
  const cards = [...grid.querySelectorAll(".card")];
  const loading = cards.filter((card) => !FINAL.has(card.dataset.status)).length;
  const failed = cards.filter((card) => card.dataset.status === "failed").length;
  counts.textContent = `${cards.length} series · ${loading} loading · ${failed} failed`;
  if (empty) empty.hidden = cards.length > 0;
}

// Once a load has ended, give the series' cards what only the series itself carries (events do
// not): its poster (just written into its folder), "47/50 episodes", and whether its folder is
// missing. The series is read once.
export async function showLoaded(id) {
  const cards = viewsOf(id).filter((view) => view.classList.contains("card"));
  if (!cards.length) return;
  const series = await api("GET", `/api/series/${encodeURIComponent(id)}`).catch(() => null);
  if (!series) return;
  for (const card of cards) {
    showEpisodeCount(card, series);
    if (series.folder) showFiles(card, "yes");
    else if (FINAL.has(series.loading_status)) showFiles(card, "no");
    const frame = card.querySelector(".poster");
    if (!frame || !series.images_loaded) continue;
    frame.dataset.src = posterSource(id);
    showPoster(frame, true);
  }
}

// The series' files changed on disk (a watched change, a rescan): its cards read it again (the
// count, "folder missing"), and its page, told by a "series-files" DOM event, its sections.
export function showFilesChanged(id) {
  for (const view of viewsOf(id)) {
    if (!view.classList.contains("card")) view.dispatchEvent(new CustomEvent("series-files"));
  }
  showLoaded(id);
}

function showEpisodeCount(card, series) {
  const count = card.querySelector(".episode-count");
  if (count) {
    const known = series.episodes_known !== null && series.episodes_known !== undefined;
    count.textContent = known ? `${series.episodes_present}/${series.episodes_known} episodes` : "";
    count.hidden = !known;
  }
  const folderMissing = card.querySelector(".folder-missing");
  if (folderMissing) folderMissing.hidden = !series.folder_missing;
}
