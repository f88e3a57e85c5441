// Times in the reader's own time zone. The server writes each as
//   <time datetime="2026-11-01T12:00:00+00:00">2026-11-01 12:00 UTC</time>
// (what a page without scripts shows); here it becomes "2026-11-01 21:00" in Tokyo, with the
// UTC time kept in its tooltip. The API keeps answering in UTC.
const pad = (number) => String(number).padStart(2, "0");

export function localTime(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// "Sat 17:30" within the coming week, "Sat 14 Dec 17:30" beyond it: when an episode airs.
export function localWeekday(date, now = new Date()) {
  const weekday = date.toLocaleDateString("en", { weekday: "short" });
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  if (date - now < 6 * 24 * 3600 * 1000) return `${weekday} ${clock}`;
  const day = date.toLocaleDateString("en-GB", { day: "numeric", month: "short" });
  return `${weekday} ${day} ${clock}`;
}

export function showLocalTimes(root = document) {
  for (const element of root.querySelectorAll("time[datetime]")) {
    if (element.dataset.local) continue;
    const date = new Date(element.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) continue;
    element.title = element.textContent;
    element.textContent = element.dataset.format === "weekday" ? localWeekday(date)
      : localTime(date);
    element.dataset.local = "true";
  }
}
