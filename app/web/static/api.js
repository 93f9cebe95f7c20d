// The HTTP API as the page uses it: JSON in, JSON out, errors as ApiError with the
// contract's code and body (so callers can read spectatorsCurrent/spectatorsMax).
// Same-origin requests carry the HttpOnly access cookie by themselves.

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code;
    this.body = body;
    this.retryAfter = Number(retryAfter) || 1;
  }
}

export async function api(method, path, { body, key } = {}) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  let data;
  try {
    data = await response.json();
  } catch {
    data = { code: "BAD_RESPONSE", message: response.statusText };
  }
  if (!response.ok) throw new ApiError(response.status, data, response.headers.get("retry-after"));
  return data;
}

export const sessionsPath = (slug) => `/api/games/${slug}/sessions`;
export const sessionPath = (slug, sessionId) => `${sessionsPath(slug)}/${sessionId}`;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
