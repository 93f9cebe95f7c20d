// The run being watched, in the page's address: /games/{slug}?watch={sessionId}. Watching
// a run pushes a history entry, so the browser's back button leaves the run; the page
// follows the address on back and forward (onChange gets the id in it, or null).
const PARAM = "watch";

export const watched = () => new URLSearchParams(location.search).get(PARAM);

function go(sessionId) {
  if (watched() === sessionId) return;
  const url = new URL(location.href);
  if (sessionId) url.searchParams.set(PARAM, sessionId);
  else url.searchParams.delete(PARAM);
  history.pushState(null, "", url);
}

export const enter = (sessionId) => go(sessionId);
export const leave = () => go(null);
export const onChange = (handler) => window.addEventListener("popstate", () => handler(watched()));
