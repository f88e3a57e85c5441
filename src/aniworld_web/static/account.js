// The account page: end one session, or every one ("Log out everywhere").
import { api, showError } from "./api.js";

export function setUpAccountPage() {
  const table = document.getElementById("sessions");
  if (!table) return;
  const error = document.getElementById("sessions-error");

  table.addEventListener("click", async (event) => {
    const button = event.target.closest("button.end-session");
    if (!button) return;
    const row = button.closest("tr");
    showError(error, "");
    button.disabled = true;
    try {
      await api("DELETE", `/api/auth/sessions/${encodeURIComponent(button.dataset.sessionId)}`);
    } catch (failure) {
      showError(error, failure.message);
      button.disabled = false;
      return;
    }
    if (row.classList.contains("current")) location.assign("/login");
    else row.remove();
  });

  document.getElementById("end-all").addEventListener("click", async () => {
    if (!confirm("Log out every browser, this one included?")) return;
    try {
      await api("DELETE", "/api/auth/sessions");
    } catch (failure) {
      showError(error, failure.message);
      return;
    }
    location.assign("/login");
  });
}
