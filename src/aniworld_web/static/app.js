// aniworld's page script (an ES module, no build step): live updates, the add dialog, the series
// page's actions, and log out. Each part sets itself up only on the pages that have it.
import { api } from "./api.js";
import { setUpAddDialog } from "./add.js";
import { startLive } from "./live.js";
import { setUpSeriesPage } from "./series.js";
import { refreshCounts } from "./views.js";

document.getElementById("logout")?.addEventListener("click", async () => {
  await api("POST", "/api/auth/logout").catch(() => null);
  location.assign("/login");
});
setUpAddDialog();
setUpSeriesPage();
refreshCounts();
startLive();
