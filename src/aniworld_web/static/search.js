// Provider search for people: results as you type (debounced) or at once on submit, shown as a
// list of candidates with a button to pick each. The add dialog and the series page's identify
// panel both use it. Candidates already in the library link to their series instead. Each shows
// its initial, not the provider's poster: pages load images from aniworld only (no provider is
// told what is looked at, and nothing breaks on a network without internet).
import { ApiError, api } from "./api.js";

const DEBOUNCE_MS = 300;
const MIN_LENGTH = 2;

export function describe(result) {
  const episodes = result.episodes ? `${result.episodes} episode${result.episodes === 1 ? "" : "s"}` : null;
  return [result.year, result.format, episodes]
    .filter(Boolean).join(" · ");
}

// `input` (and optionally `year`) give the query, `list` shows candidates, `status` says what
// is going on; `pickLabel` names the button and `onPick(result, button)` runs when pressed.
export function searcher({ input, year, list, status, pickLabel, onPick }) {
  let timer = null;
  let running = null;  // the AbortController of the search in flight

  function say(text) { if (status) status.textContent = text; }

  function clear() {
    clearTimeout(timer);
    running?.abort();
    list.replaceChildren();
    list.hidden = true;
    say("");
  }

  function render(results) {
    const template = document.getElementById("result-template");
    list.replaceChildren(...results.map((result) => {
      const item = template.content.firstElementChild.cloneNode(true);
      item.querySelector(".placeholder").textContent = result.title.slice(0, 1);
      item.querySelector(".name").textContent = result.title;
      item.querySelector(".facts").textContent = describe(result);
      const button = item.querySelector(".pick");
      const link = item.querySelector(".in-library");
      if (result.series_id) {
        button.remove();
        link.href = `/series/${encodeURIComponent(result.series_id)}`;
        link.hidden = false;
      } else {
        link.remove();
        button.textContent = pickLabel;
        button.setAttribute("aria-label", `${pickLabel} ${result.title}${result.year ? ` (${result.year})` : ""}`);
        button.addEventListener("click", () => onPick(result, button));
      }
      return item;
    }));
    list.hidden = results.length === 0;
  }

  async function searchNow() {
    clearTimeout(timer);
    running?.abort();
    const query = input.value.trim();
    if (query.length < MIN_LENGTH) {
      clear();
      return;
    }
    const params = new URLSearchParams({ q: query });
    if (year?.value) params.set("year", year.value);
    const controller = new AbortController();
    running = controller;
    say("Searching…");
    try {
      const { results } = await api("GET", `/api/search?${params}`, undefined, { signal: controller.signal });
      if (running !== controller) return;
      render(results);
      say(results.length ? `${results.length} found` : "Nothing found; check the spelling, or add by title.");
    } catch (failure) {
      if (failure.name === "AbortError" || running !== controller) return;
      list.replaceChildren();
      list.hidden = true;
      say(failure instanceof ApiError ? `Search failed: ${failure.message}` : "Search failed: the server is unreachable.");
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(searchNow, DEBOUNCE_MS);
  }

  input.addEventListener("input", schedule);
  year?.addEventListener("input", schedule);
  return { searchNow, clear };
}
