// Recent runs: the game's last ended api runs, newest first, from GET .../runs a page
// at a time (Newer / Older). The page shown is polled every POLL_MS, so a run that just
// ended shows up on the first page without a reload; each row plays its run again.
import { api } from "./api.js";
import { runRow } from "./runrow.js";

const POLL_MS = 3000;
const PAGE = 5;

function ago(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

export class RecentRuns {
  constructor(slug, root, onReplay) {
    this.slug = slug;
    this.list = root.querySelector("ol");
    this.empty = root.querySelector("[data-recent=empty]");
    this.where = root.querySelector("[data-recent=where]");
    this.newer = root.querySelector("[data-recent=newer]");
    this.older = root.querySelector("[data-recent=older]");
    this.onReplay = onReplay;
    this.offset = 0;
    this.timer = null;
    this.turn = 0; // the latest load's number: an older answer still in flight is dropped
    this.newer.addEventListener("click", () => this.load(Math.max(0, this.offset - PAGE)));
    this.older.addEventListener("click", () => this.load(this.offset + PAGE));
  }

  start() {
    this.load(0);
  }

  async load(offset) {
    clearTimeout(this.timer);
    const turn = ++this.turn;
    try {
      const page = await api("GET", `/api/games/${this.slug}/runs?offset=${offset}&limit=${PAGE}`);
      if (turn !== this.turn) return;
      this.offset = offset;
      this.render(page);
    } catch (error) {
      if (turn !== this.turn) return;
      this.empty.textContent = `Recent runs unavailable: ${error.message}`;
      this.empty.hidden = false;
    }
    this.timer = setTimeout(() => this.load(this.offset), POLL_MS);
  }

  render(page) {
    this.list.replaceChildren(
      ...page.runs.map((run) =>
        runRow(
          run.sessionId,
          {
            player: run.player.name,
            score: String(run.score),
            detail: `${run.endReason} · ${(run.ticks / 30).toFixed(1)} s · ${ago(run.endedAt)}`,
          },
          this.onReplay,
        ),
      ),
    );
    this.empty.textContent = "No finished runs yet.";
    this.empty.hidden = page.runs.length > 0;
    this.where.textContent = page.runs.length ? `${page.offset + 1}–${page.offset + page.runs.length} of ${page.total}` : "";
    this.newer.disabled = page.offset === 0;
    this.older.disabled = page.nextOffset === null;
  }
}
