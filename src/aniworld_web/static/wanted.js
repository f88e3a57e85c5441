// The Wanted page (missing episodes by show and season: Find, Download, Download season) and
// the series page's Download button beside each missing episode. Both queue through
// POST /api/downloads; download_update events (live.js) then say how each one goes.
import { api, showError } from "./api.js";
import { STATE_NAMES, sizeText } from "./downloads.js";

let page = null;  // #wanted, when this is the Wanted page

export function setUpWantedPage() {
  page = document.getElementById("wanted");
  if (!page) return;
  const error = document.getElementById("wanted-error");
  page.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const seriesId = button.closest("[data-series-id]").dataset.seriesId;
    showError(error, "");
    button.disabled = true;
    try {
      await ACTIONS[button.dataset.action]?.(button, seriesId);
    } catch (failure) {
      showError(error, failure.message);
    } finally {
      button.disabled = button.dataset.queued === "true";
    }
  });
}

// The series page: a Download button in the row of each missing episode (the episodes are
// rendered again when a load ends, so the click is listened for on the article).
export function setUpEpisodeDownloads(article, error) {
  article.addEventListener("click", async (event) => {
    const button = event.target.closest('button[data-action="download-episode"]');
    if (!button) return;
    showError(error, "");
    button.disabled = true;
    try {
      const download = await queue({
        series_id: article.dataset.seriesId, season: Number(button.dataset.season),
        episode: Number(button.dataset.episode),
      });
      button.textContent = stateText(download);
      button.dataset.downloadId = download.id;
    } catch (failure) {
      showError(error, failure.message);
      button.disabled = false;
    }
  });
}

// A download_update event: the episode's row on the Wanted page or the series page says how
// its download goes.
export function showWantedDownload(download) {
  for (const number of download.episodes ?? []) {
    const selector = `[data-series-id="${CSS.escape(download.series_id)}"] `
      + `[data-season="${download.season}"][data-episode="${number}"]`;
    for (const target of document.querySelectorAll(selector)) {
      const cell = target.matches("button") ? target : target.querySelector(".download-state");
      if (!cell) continue;
      cell.textContent = stateText(download);
      const button = target.matches("button") ? target : target.querySelector('[data-action="download"]');
      if (button) {
        // A download that failed or was cancelled can be queued again from here.
        const live = !["failed", "cancelled"].includes(download.state);
        button.disabled = live;
        button.dataset.queued = String(live);
      }
    }
  }
}

// "Downloading 42 % (1.2 MB/s)", "Completed", "Failed: disk full…"
function stateText(download) {
  let text = STATE_NAMES[download.state] ?? download.state;
  if (download.state === "downloading" && download.bytes_total) {
    text += ` ${Math.floor((100 * download.bytes_done) / download.bytes_total)} %`;
  }
  if (download.state === "downloading" && download.speed) text += ` (${sizeText(download.speed)}/s)`;
  if (download.state === "failed" && download.error) text += `: ${download.error}`;
  return text;
}

function queue(body) {
  return api("POST", "/api/downloads", body);
}

function episodeOf(button) {
  const row = button.closest("tr.wanted-episode") ?? button.closest("tr.offers-row").previousElementSibling;
  return { row, season: Number(row.dataset.season), episode: Number(row.dataset.episode) };
}

function markQueued(row, download) {
  row.querySelector(".download-state").textContent = stateText(download);
  const button = row.querySelector('[data-action="download"]');
  button.disabled = true;
  button.dataset.queued = "true";
}

const ACTIONS = {
  async download(button, seriesId) {
    const { row, season, episode } = episodeOf(button);
    markQueued(row, await queue({ series_id: seriesId, season, episode }));
  },
  async "download-offer"(button, seriesId) {
    const { row, season, episode } = episodeOf(button);
    markQueued(row, await queue({ series_id: seriesId, season, episode, source: button.dataset.source }));
    button.dataset.queued = "true";
  },
  async "download-season"(button, seriesId) {
    const section = button.closest(".wanted-season");
    const season = Number(section.dataset.season);
    const { downloads } = await queue({ series_id: seriesId, season, all_missing: true });
    for (const download of downloads) {
      for (const number of download.episodes) {
        const row = section.querySelector(`tr.wanted-episode[data-episode="${number}"]`);
        if (row) markQueued(row, download);
      }
    }
    button.textContent = downloads.length ? `${downloads.length} queued` : "No source offers them";
  },
  async find(button, seriesId) {
    const { row, season, episode } = episodeOf(button);
    const offersRow = row.nextElementSibling;
    const list = offersRow.querySelector(".offers");
    const status = offersRow.querySelector(".offers-status");
    offersRow.hidden = false;
    status.textContent = "Asking the sources…";
    list.replaceChildren();
    const query = new URLSearchParams({ season, episode });
    const { offers } = await api("GET", `/api/series/${encodeURIComponent(seriesId)}/offers?${query}`);
    status.textContent = offers.length ? "" : "No source offers this episode.";
    for (const offer of offers) list.append(offerItem(offer));
  },
};

function offerItem(offer) {
  const item = document.createElement("li");
  item.className = "offer";
  const facts = [offer.source, sizeText(offer.size), offer.quality, offer.language,
                 offer.subtitles.length ? `subtitles ${offer.subtitles.join(", ")}` : ""];
  const name = Object.assign(document.createElement("strong"), { textContent: offer.title });
  const detail = Object.assign(document.createElement("span"), {
    className: "hint", textContent: ` ${facts.filter(Boolean).join(" · ")} `,
  });
  const button = Object.assign(document.createElement("button"), {
    type: "button", className: "quiet", textContent: "Download this",
  });
  button.dataset.action = "download-offer";
  button.dataset.source = offer.source;
  item.append(name, detail, button);
  return item;
}
