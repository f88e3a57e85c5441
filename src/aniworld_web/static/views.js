// What the page shows of a series: library cards and the series page's header.
//
// Elements showing a series carry data-series-id and data-status; inside them .status holds the
// status text and .items li[data-item] one entry per loaded part. After a view changes, it gets
// a "series-state" DOM event whose detail is the state shown (the series page listens for it).
import { api } from "./api.js";

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
  const placeholder = card.querySelector(".placeholder");
  if (placeholder) placeholder.textContent = title.slice(0, 1);
  grid.append(card);
  return true;
}

// Apply an event-shaped state ({title, status, message, progress, error}) to one view.
export function showState(view, state) {
  if (state.title) {
    const link = view.querySelector(".title a");
    if (link) link.textContent = state.title;
  }
  if (state.status) view.dataset.status = state.status;
  const status = view.querySelector(".status");
  if (status && state.message) status.textContent = state.message;
  for (const [item, done] of Object.entries(state.progress ?? {})) {
    const entry = view.querySelector(`.items [data-item="${item}"]`);
    if (!entry) continue;
    entry.dataset.done = String(done);
    entry.querySelector(".mark").textContent = done ? "✓" : "·";
    entry.querySelector(".sr").textContent = done ? " loaded" : " not loaded yet";
  }
  view.dispatchEvent(new CustomEvent("series-state", { detail: state }));
}

// A series as the API returns it (just added). A card that exists already is left alone: the
// live events that made it are newer than this answer.
export function showSeries(series) {
  if (addCard(series.id, series.title)) {
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
  refreshCounts();
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
// not): its poster where a placeholder stands, "47/50 episodes", and whether its folder is
// missing. The series is read once.
export async function showLoaded(id) {
  const cards = viewsOf(id).filter((view) => view.classList.contains("card"));
  if (!cards.length) return;
  const series = await api("GET", `/api/series/${encodeURIComponent(id)}`).catch(() => null);
  if (!series) return;
  for (const card of cards) {
    showEpisodeCount(card, series);
    const placeholder = card.querySelector(".placeholder");
    if (!series.poster_url || !placeholder) continue;  // none, or another call got there first
    const image = document.createElement("img");
    image.className = "poster";
    image.alt = "";
    image.src = series.poster_url;
    placeholder.replaceWith(image);
  }
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
