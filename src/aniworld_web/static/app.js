// aniworld's page script (an ES module, no build step): live updates, the add dialog, the library
// rescan, the series page's actions, the Tasks page, the account page, local times, and log out.
// Each part sets itself up only on the pages that have it.
import { setUpAccountPage } from "./account.js";
import { api } from "./api.js";
import { setUpAddDialog } from "./add.js";
import { setUpDownloadsPage } from "./downloads.js";
import { showPosters } from "./posters.js";
import { startLive } from "./live.js";
import { setUpRescan } from "./rescan.js";
import { setUpSeriesPage } from "./series.js";
import { setUpTasksPage } from "./tasks.js";
import { showLocalTimes } from "./times.js";
import { setUpWantedPage } from "./wanted.js";
import { refreshCounts } from "./views.js";

document.getElementById("logout")?.addEventListener("click", async () => {
  await api("POST", "/api/auth/logout").catch(() => null);
  location.assign("/login");
});
showLocalTimes();
showPosters();
setUpAddDialog();
setUpRescan();
setUpSeriesPage();
setUpAccountPage();
setUpTasksPage();
setUpDownloadsPage();
setUpWantedPage();
refreshCounts();
startLive();
// Every part is set up: a click now reaches its handler (browser tests wait for this).
document.documentElement.dataset.ready = "true";
