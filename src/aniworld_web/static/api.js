// The JSON API as the page calls it: the session cookie plus the CSRF token in a header.
// A failure throws an ApiError carrying the server's message, status and error code.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body, { signal } = {}) {
  const headers = { "X-CSRF-Token": csrf, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, signal, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    location.assign("/login");
    throw new ApiError("You are logged out.", 401, "unauthorized");
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const message = data?.error?.message ?? `The server answered ${response.status}.`;
    throw new ApiError(message, response.status, data?.error?.code);
  }
  return data;
}

// Show `text` in an error element (role=alert), or hide it when `text` is empty.
export function showError(element, text) {
  if (!element) return;
  element.textContent = text;
  element.hidden = !text;
}
