// Posters come from each series' own folder, through /api/series/{id}/artwork/poster (never
// from a provider's server). A frame (.poster) shows the series' initial until its image has
// loaded, and goes on showing it when there is none. The images are made here, their error
// handler in place before they load, so a missing poster can never show as a broken image.
export function posterSource(id) {
  return `/api/series/${encodeURIComponent(id)}/artwork/poster`;
}

// (Re)load a frame's poster; `fresh` skips the browser's copy (the loader just wrote it).
export function showPoster(frame, fresh = false) {
  const source = frame.dataset.src;
  if (!source) return;
  frame.querySelector("img")?.remove();
  const image = document.createElement("img");
  image.alt = "";
  image.loading = "lazy";
  image.decoding = "async";
  image.addEventListener("error", () => image.remove(), { once: true });
  image.src = fresh ? `${source}?v=${Date.now()}` : source;
  frame.append(image);
}

export function showPosters(root = document) {
  for (const frame of root.querySelectorAll(".poster[data-src]")) showPoster(frame);
}
