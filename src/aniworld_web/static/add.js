// The add dialog: search a provider and pick the series, or add by title alone.
import { api, showError } from "./api.js";
import { searcher } from "./search.js";
import { showSeries } from "./views.js";

export function setUpAddDialog() {
  const dialog = document.getElementById("add-dialog");
  const open = document.getElementById("add-open");
  if (!dialog || !open) return;
  const form = document.getElementById("add-form");
  const title = document.getElementById("add-title");
  const year = document.getElementById("add-year");
  const error = document.getElementById("add-error");
  const byTitle = document.getElementById("add-by-title");

  async function add(body, button) {
    showError(error, "");
    button.disabled = true;
    try {
      const series = await api("POST", "/api/series", body);
      showSeries(series);
      dialog.close();
      // Nothing will be written for it: say so where "Added ..." stands.
      const notice = document.getElementById("notice");
      if (notice && series.files?.written === "no") {
        notice.textContent = `Added ${series.title}. ${series.files.note}`;
      }
    } catch (failure) {
      showError(error, failure.message);
    } finally {
      button.disabled = false;
    }
  }

  const results = searcher({
    input: title, year, pickLabel: "Add",
    list: document.getElementById("add-results"),
    status: document.getElementById("add-status"),
    onPick(result, button) {
      const body = { title: result.title, provider: result.ref.provider, id: result.ref.id };
      if (result.year) body.year = result.year;
      add(body, button);
    },
  });

  function titleGiven() {
    if (title.value.trim()) return true;
    showError(error, "Enter a title.");
    title.focus();
    return false;
  }
  // A title typed answers "Enter a title.": the message goes as soon as there is one.
  title.addEventListener("input", () => {
    if (title.value.trim() && error.textContent === "Enter a title.") showError(error, "");
  });

  open.addEventListener("click", () => {
    form.reset();
    results.clear();
    showError(error, "");
    dialog.showModal();
    title.focus();
  });
  document.getElementById("add-cancel").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    results.clear();
    open.focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    showError(error, "");
    if (titleGiven()) results.searchNow();
  });
  byTitle.addEventListener("click", () => {
    if (!titleGiven()) return;
    const body = { title: title.value };
    if (year.value) body.year = Number(year.value);
    add(body, byTitle);
  });
}
